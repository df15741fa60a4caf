"""FULLY_CONNECTED and BATCH_MATMUL with CMSIS-NN (Cortex-M), as of tflite-micro 90b983c2.

TFLM's tensorflow/lite/micro/kernels/cmsis_nn/fully_connected.cc, batch_matmul.cc; CMSIS-NN's
Source/FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c (V.1.1.0): MVE needs
output depth x 4 bytes of kernel sums, kept in persistent memory when the weights are
constant, else requested as scratch.

An int8 layer whose output has rank > 2 and whose depth is a multiple of 4 runs as a 1x1
convolution (fully_connected.cc, the conv-1x1 path): with a per-tensor filter it requests a
scratch buffer of output depth x 2 int32 (its per-channel multipliers and shifts), with a
per-channel filter none; the convolution's own buffer
(``arm_convolve_1x1_s8_fast_get_buffer_size``) is 0 with GCC. Measured with the Cortex-M
probes (dtln_noise_suppression: head 2,464 B).
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.cmsis_nn.common import cmsis_kernel
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    dim,
    need_dim,
    with_compression,
)
from planner.runtimes.tflm.kernels.reference.fully_connected import fully_connected_prepare
from planner.runtimes.tflm.structs.cmsis_nn import cmsis_op_data_fully_connected
from planner.targets.target import Target


def _as_1x1_conv(view: OpView) -> bool:
    """A rank > 2 output with a depth divisible by 4 runs as a 1x1 convolution."""
    out = view.output(0)
    return out is not None and len(out.shape) > 2 and dim(view.input(1), -1) % 4 == 0


def fully_connected_cmsis_prepare(view: OpView, target: Target) -> tuple[PersistentBuffer, ...]:
    buffers = fully_connected_prepare(view, target)
    filt = view.input(1)
    if view.input_type() != "INT8" or filt is None or filt.dtype == "INT4":
        return buffers
    if not _as_1x1_conv(view) and target.mve and filt.is_constant:
        return (*buffers, PersistentBuffer("kernel sums", 4 * dim(view.output(0), -1)))
    return buffers


def fully_connected_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    inp, filt, out = view.need(0), view.need(1), view.need(0, outputs=True)
    if inp.dtype != "INT8" or filt.dtype == "INT4":
        return ()
    need_dim(filt, -1)
    if _as_1x1_conv(view):
        q = filt.quantization
        per_channel = q is not None and q.affine and len(q.scales) > 1
        return () if per_channel else (need_dim(out, -1) * 2 * 4,)
    if not target.mve or filt.is_constant:
        return ()  # MVE kernel sums of constant weights live in persistent memory
    return (need_dim(out, -1) * 4,)


def batch_matmul_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    """arm_fully_connected_s8_get_buffer_size(output dims): MVE -> last output dim x 4."""
    inp, out = view.need(0), view.need(0, outputs=True)
    return (need_dim(out, -1) * 4,) if inp.dtype == "INT8" and target.mve else ()


KERNELS: tuple[Kernel, ...] = (
    cmsis_kernel(
        "FULLY_CONNECTED",
        "fully_connected.cc",
        init=with_compression(cmsis_op_data_fully_connected),
        prepare=fully_connected_cmsis_prepare,
        scratch=fully_connected_scratch,
    ),
    cmsis_kernel("BATCH_MATMUL", "batch_matmul.cc", scratch=batch_matmul_scratch),
)
