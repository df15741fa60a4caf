"""The models tests run on: the shared reference corpus and the project's bundled models."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MODELS = ROOT.parent / "shared" / "models"
BUNDLED_MODELS = ROOT / "models"

#: For tests that use the shared corpus by name: skipped, with the reason shown, in a clone
#: with nothing beside it (CI has the corpus).
needs_shared = pytest.mark.skipif(
    not SHARED_MODELS.is_dir(), reason=f"needs the shared model corpus at {SHARED_MODELS}"
)


def shared_models() -> list[Path]:
    return sorted(SHARED_MODELS.glob("*.tflite"))


def bundled_models() -> list[Path]:
    return sorted(BUNDLED_MODELS.glob("*.tflite")) + sorted(BUNDLED_MODELS.glob("ops/*.tflite"))


def all_models() -> list[Path]:
    return shared_models() + bundled_models()


def model_id(path: Path) -> str:
    return path.stem if path.parent.name != "ops" else f"ops/{path.stem}"
