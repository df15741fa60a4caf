"""The code's shape, as issue 11 asks for it: short functions, short modules, tests that use
only public names, and a README whose pipeline table names the package's folders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planner"
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 800


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_function_in_the_package_is_longer_than_80_lines() -> None:
    long = []
    for path in _sources(PACKAGE):
        for fn in _functions(ast.parse(path.read_text())):
            lines = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                long.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} ({lines} lines)")
    assert not long, "functions over 80 lines:\n" + "\n".join(long)


def test_no_module_in_the_package_is_longer_than_800_lines() -> None:
    long = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for p in _sources(PACKAGE)
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, "modules over 800 lines:\n" + "\n".join(long)


def _private_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("planner"):
            parts = (node.module or "").split(".")
            names = [a.name for a in node.names]
            if any(p.startswith("_") for p in parts) or any(n.startswith("_") for n in names):
                found.append(f"from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("planner") and any(
                    p.startswith("_") for p in alias.name.split(".")
                ):
                    found.append(f"import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id == "planner":
                found.append(ast.unparse(node))
    return found


def test_no_test_imports_a_private_name_of_the_package() -> None:
    found = []
    for path in _sources(ROOT / "tests"):
        found += [f"{path.name}: {f}" for f in _private_imports(ast.parse(path.read_text()))]
    assert not found, "tests use private names:\n" + "\n".join(found)


def test_the_private_name_check_catches_a_private_import() -> None:
    tree = ast.parse("from planner.model.tflite_reader import _options_classes\n")
    assert _private_imports(tree) == ["from planner.model.tflite_reader import _options_classes"]


def _readme_pipeline_folders() -> list[str]:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- pipeline -->(.*?)<!-- /pipeline -->", text, re.S)
    if match is None:
        pytest.fail("README.md has no <!-- pipeline --> table")
    return re.findall(r"^\| `planner/([\w/]+?)/?` \|", match.group(1), re.M)


def test_the_readme_pipeline_table_names_every_folder_of_the_package() -> None:
    listed = set(_readme_pipeline_folders())
    actual = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert listed == actual, f"README lists {sorted(listed)}, package has {sorted(actual)}"


def test_the_kernel_coverage_document_is_generated_from_the_registry() -> None:
    from planner.runtimes.tflm.kernels.coverage import coverage_markdown

    assert (ROOT / "docs" / "kernels.md").read_text() == coverage_markdown(), (
        "regenerate: python -m planner.runtimes.tflm.kernels.coverage > docs/kernels.md"
    )


def test_every_package_folder_is_installed() -> None:
    """`pip install .` (the README's first command) ships only the packages pyproject lists."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    actual = {
        ".".join(p.relative_to(ROOT).parts)
        for p in PACKAGE.rglob("*")
        if p.is_dir() and (p / "__init__.py").exists()
    } | {"planner"}
    assert actual <= listed, f"add to pyproject.toml: {sorted(actual - listed)}"
