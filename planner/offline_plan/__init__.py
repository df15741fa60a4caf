"""``planner optimize``: a better memory plan than TFLM's (operator order, buffer sharing,
offsets), written into the model as ``OfflineMemoryAllocation`` metadata."""
