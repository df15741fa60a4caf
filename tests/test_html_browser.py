"""The HTML report in a real browser: headless Chromium driven by Selenium.

Checks what a person opening the file would meet: no console errors, no network request other
than the file itself, both charts drawn at a readable size, the layer table sortable and
filterable, and no page-wide horizontal scrolling on a laptop-sized window. Saves a
screenshot to ``test-artifacts/report.png``.

Needs Debian's ``chromium`` and ``chromium-driver`` and PyPI's ``selenium``. Without them the
test is skipped on a developer's machine, but fails under CI (``CI=true``), where they must be
installed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner.api import fit
from planner.report.html import render_html

from .corpus import ROOT

MOBILENET = ROOT / "models" / "mobilenet_v2_0.35_144_int8.tflite"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if _find("chromium", "chromium-browser") is None:
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if _find("chromedriver") is None:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the browser test cannot run: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(_find("chromium", "chromium-browser"))
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1366,900")  # a common laptop screen
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=str(_find("chromedriver")))
    drv = webdriver.Chrome(service=service, options=options)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def _open(driver: Any, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Load ``path``; return its console entries and the URLs of every request it made."""
    driver.get_log("browser")  # drop anything logged before
    driver.get_log("performance")
    url = path.resolve().as_uri()
    driver.get(url)
    assert driver.execute_script("return document.readyState") == "complete"
    console = driver.get_log("browser")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    return console, requests


def _report(tmp_path: Path, board: str) -> tuple[Path, Any]:
    check = fit(MOBILENET, board)
    path = tmp_path / f"report-{board}.html"
    path.write_text(render_html(check), encoding="utf-8")
    return path, check


def test_report_in_chromium(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    path, check = _report(tmp_path, "stm32f746")
    console, requests = _open(driver, path)
    errors = [e for e in console if e.get("level") == "SEVERE"]
    assert errors == [], errors
    assert set(requests) <= {path.resolve().as_uri()}, requests
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources == []
    for chart in ("chart-memory", "chart-layers"):
        svg = driver.find_element(By.CSS_SELECTOR, f"figure#{chart} svg")
        assert svg.is_displayed()
        assert svg.size["width"] >= 800, (chart, svg.size)  # readable, not a thumbnail
        assert svg.size["height"] >= 250, (chart, svg.size)
        bars = driver.find_elements(
            By.CSS_SELECTOR, f"figure#{chart} svg path, figure#{chart} svg rect"
        )
        assert len(bars) >= len(check.layers)
    rows = driver.find_elements(By.CSS_SELECTOR, "table#layers tbody tr")
    assert len(rows) == len(check.layers)
    # No page-wide horizontal scrollbar on a laptop: wide tables scroll inside their box.
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    # The embedded document is readable by the page's own scripts.
    doc = driver.execute_script(
        "return JSON.parse(document.getElementById('report-data').textContent)"
    )
    assert doc["sram_required_bytes"] == check.sram_required_bytes
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1366, "height": min(height, 4000), "scale": 1},
        },
    )
    (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_table_sorts_and_filters_without_errors(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    path, check = _report(tmp_path, "stm32f411")  # small SRAM: some layers overflow alone
    console, _ = _open(driver, path)
    assert [e for e in console if e.get("level") == "SEVERE"] == []
    over = len(check.overflowing_layers)
    assert over > 0
    header = driver.find_element(By.XPATH, "//table[@id='layers']//th[text()='live B']")
    header.click()
    header.click()  # descending: the largest live bytes first
    first = driver.find_element(By.CSS_SELECTOR, "table#layers tbody tr td:nth-child(8)")
    assert first.text == f"{max(lc.layer.live_bytes for lc in check.layers):,}"
    driver.find_element(By.ID, "only-overflow").click()
    shown = [
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "table#layers tbody tr")
        if r.is_displayed()
    ]
    assert len(shown) == over
    assert [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"] == []


def test_advice_table_fits_sram_and_flash_columns_visible_at_1400_px(
    driver: Any, tmp_path: Path
) -> None:
    """Issue 14: at 1,400 px the advice table shows fits, SRAM and flash without scrolling."""
    from selenium.webdriver.common.by import By

    from planner.advise import advise
    from planner.api import load
    from planner.report import render

    big = ROOT / "models" / "mobilenet_v2_1.0_224_int8.tflite"
    check = fit(big, "stm32f746")
    advice = advise(load(big), check.board)
    path = tmp_path / "advice.html"
    path.write_text(render(check, "html", advice=advice), encoding="utf-8")
    driver.set_window_size(1400, 900)
    _open(driver, path)
    width = driver.execute_script("return window.innerWidth")
    heads = driver.find_elements(By.CSS_SELECTOR, "section#advice thead th")
    names = [h.text for h in heads]
    for wanted in ("fits", "SRAM B", "flash B"):
        head = heads[names.index(wanted)]
        right = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return r.right;", head
        )
        assert 0 < right <= width, (wanted, right, width)
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    rows = driver.find_elements(By.CSS_SELECTOR, "section#advice tbody tr")
    assert len(rows) == len(advice.suggestions)
    fits_cells = [r.find_elements(By.CSS_SELECTOR, "td")[names.index("fits")].text for r in rows]
    assert fits_cells == ["yes" if s.fits else fits_text(s) for s in advice.suggestions]
    driver.execute_script("document.getElementById('advice').scrollIntoView()")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "advice-1400.png"))
    assert (ARTIFACTS / "advice-1400.png").stat().st_size > 10_000


def fits_text(s: Any) -> str:
    """'no (SRAM)', 'no (flash)' or 'no (SRAM, flash)', from the suggestion's own flags."""
    short = [w for w, ok in (("SRAM", s.sram_fits), ("flash", s.flash_fits)) if not ok]
    return f"no ({', '.join(short)})"
