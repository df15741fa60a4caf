"""Every C struct the TFLM model counts, laid out field by field for the target's ABI.

c_layout.py      scalar sizes per ABI (pointer width, enum size) and struct layout
runtime.py       tensors, nodes, allocator and memory-planner objects, planning records
builtin_data.py  the builtin-options structs Parse* allocates
op_data.py       the reference kernels' OpData
cmsis_nn.py      the CMSIS-NN kernels' OpData
esp_nn.py        the ESP-NN kernels' NodeData (esp-tflite-micro)
"""
