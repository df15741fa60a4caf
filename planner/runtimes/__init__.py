"""Runtimes the planner models, byte for byte: TFLM (:mod:`.tflm`)."""
