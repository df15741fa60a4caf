"""The model: an immutable graph (:mod:`.graph`) read from a ``.tflite`` file
(:mod:`.tflite_reader`) and written back with a new order or memory plan (:mod:`.tflite_writer`)."""
