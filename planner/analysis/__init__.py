"""What a model needs, independent of the runtime's allocator: per-layer bytes, live tensors,
weights and MACs (:mod:`.layers`), shapes re-derived at another size (:mod:`.shape_rules`,
:mod:`.shapes`) and estimated latency (:mod:`.latency`)."""
