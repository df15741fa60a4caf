"""TensorFlow Lite for Microcontrollers, modelled the way it is built.

allocation_info.py   the buffers TFLM plans and their lifetimes (AllocationInfoBuilder)
allocations.py       tail allocation records and categories (RecordedAllocationType)
micro_allocator.py   the persistent tail, one function per MicroAllocator phase
memory_planner/      the planner interface (MicroMemoryPlanner) and the greedy planner
kernels/             one descriptor per operator and kernel library
structs/             every C struct, laid out for the target's ABI
smallest_arena.py    the peaks while TFLM prepares and plans: the smallest arena
arena.py             all of it for one model on one target
verify/              the real thing: the pip runtime, the Cortex-M probes
"""
