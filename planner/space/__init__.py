"""`planner space`: which MobileNetV2-style search space fits a board (TinyNAS-style).

Subnets are sampled from a supernet (:mod:`.supernet`), built directly as the planner's graph
(:mod:`.build`), evaluated per board with the TFLM-exact arena (:mod:`.evaluate`), run serially
or on Dask (:mod:`.engine`) and summarised per width multiplier and resolution
(:mod:`.explore`); :mod:`.export` writes a subnet as a ``.tflite`` that TFLM loads.
"""
