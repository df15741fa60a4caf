"""The models tests run on: the shared reference corpus and the project's bundled models."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_MODELS = ROOT.parent / "shared" / "models"
BUNDLED_MODELS = ROOT / "models"


def shared_models() -> list[Path]:
    return sorted(SHARED_MODELS.glob("*.tflite"))


def bundled_models() -> list[Path]:
    return sorted(BUNDLED_MODELS.glob("*.tflite")) + sorted(BUNDLED_MODELS.glob("ops/*.tflite"))


def all_models() -> list[Path]:
    return shared_models() + bundled_models()


def model_id(path: Path) -> str:
    return path.stem if path.parent.name != "ops" else f"ops/{path.stem}"
