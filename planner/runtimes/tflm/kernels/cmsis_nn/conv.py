"""CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV with CMSIS-NN (Cortex-M).

TFLM's tensorflow/lite/micro/kernels/cmsis_nn/conv.cc, depthwise_conv.cc, transpose_conv.cc,
and CMSIS-NN's buffer-size functions (ARM-software/CMSIS-NN, Source/ConvolutionFunctions/):
arm_convolve_get_buffer_sizes_s8.c (V.2.3.0) ``arm_convolve_wrapper_s8_get_buffer_size``,
arm_convolve_get_buffer_sizes_s16.c (V.1.0.0), arm_depthwise_conv_get_buffer_sizes_s8.c
(V.1.1.0), arm_transpose_conv_get_buffer_sizes_s8.c (V.2.1.0). ``CH_IN_BLOCK_MVE`` and
``REVERSE_TCOL_EFFICIENT_THRESHOLD`` are from Include/arm_nnsupportfunctions.h.

The build is assumed to use GCC: ``arm_convolve_1x1_s8_fast_get_buffer_size_dsp`` asks for
``2 x channels x 2`` bytes only with Arm Compiler 6; with GCC it is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.runtimes.tflm.kernels.cmsis_nn.common import cmsis_kernel
from planner.runtimes.tflm.kernels.descriptor import (
    PADDING_SAME,
    PADDING_VALID,
    Kernel,
    OpView,
    PersistentBuffer,
    ScratchFn,
    ScratchUnknownError,
    fixed,
    need_dim,
)
from planner.runtimes.tflm.kernels.reference.conv import (
    conv_prepare,
    transpose_conv_scratch,
)
from planner.runtimes.tflm.structs.cmsis_nn import (
    CMSIS_OP_DATA_TRANSPOSE_CONV,
    cmsis_op_data_conv,
)
from planner.targets.target import Target

CH_IN_BLOCK_MVE = 124
REVERSE_TCOL_EFFICIENT_THRESHOLD = 16


def compute_padding(
    padding: int, stride: int, dilation: int, in_size: int, filter_size: int
) -> tuple[int, int]:
    """TFLM's ``ComputePaddingHeightWidth`` for one axis: (output size, padding before)."""
    effective = (filter_size - 1) * dilation + 1
    if stride == 0:
        out = 0
    elif padding == PADDING_SAME:
        out = (in_size + stride - 1) // stride
    elif padding == PADDING_VALID:
        out = (in_size + stride - effective) // stride
    else:
        out = 0
    total = max((out - 1) * stride + effective - in_size, 0)
    return out, total // 2


@dataclass(frozen=True)
class ConvGeometry:
    """The dimensions CMSIS-NN's buffer-size functions take."""

    n: int
    in_h: int
    in_w: int
    in_c: int
    k_h: int
    k_w: int
    out_w: int
    out_c: int
    stride_w: int
    dil_w: int
    dil_h: int
    pad_w: int
    pad_h: int

    @classmethod
    def of(cls, view: OpView) -> ConvGeometry:
        inp, filt, out = view.need(0), view.need(1), view.need(0, outputs=True)
        stride_w, stride_h = view.option("stride_w", 1), view.option("stride_h", 1)
        dil_w, dil_h = view.option("dilation_w_factor", 1), view.option("dilation_h_factor", 1)
        padding = view.option("padding", PADDING_SAME)
        in_h, in_w = need_dim(inp, 1), need_dim(inp, 2)
        k_h, k_w = need_dim(filt, 1), need_dim(filt, 2)
        _, pad_w = compute_padding(padding, stride_w, dil_w, in_w, k_w)
        _, pad_h = compute_padding(padding, stride_h, dil_h, in_h, k_h)
        return cls(
            n=need_dim(inp, 0),
            in_h=in_h,
            in_w=in_w,
            in_c=need_dim(inp, 3),
            k_h=k_h,
            k_w=k_w,
            out_w=need_dim(out, 2),
            out_c=need_dim(out, 3),
            stride_w=stride_w,
            dil_w=dil_w,
            dil_h=dil_h,
            pad_w=pad_w,
            pad_h=pad_h,
        )


def arm_convolve_s8_get_buffer_size(in_c: int, k_w: int, k_h: int, mve: bool) -> int:
    """``arm_convolve_s8_get_buffer_size`` (and its ``_mve`` variant)."""
    if mve:
        return 4 * -(-(in_c * k_w * k_h) // 16) * 16
    rhs_cols = k_w * k_h * in_c
    remainder = rhs_cols % 4
    return 2 * (rhs_cols + 4 - remainder if remainder else rhs_cols) * 2


def _conv_1_x_n_mve(g: ConvGeometry) -> int:
    """``arm_convolve_1_x_n_s8_get_buffer_size_mve``."""
    total_pad = (g.out_w - 1) * g.stride_w + g.k_w - g.in_w
    asym_pad = total_pad % 2 if total_pad >= 0 else -((-total_pad) % 2)  # C remainder
    pad_x, stride_x = g.pad_w, g.stride_w
    right = max(1, (pad_x + asym_pad + stride_x - 1) // stride_x) if pad_x + asym_pad else 0
    left = max(1, (pad_x + stride_x - 1) // stride_x) if pad_x else 0
    no_pad = max(g.out_w - (right + left), 0)
    if right + no_pad + left != g.out_w:
        return arm_convolve_s8_get_buffer_size(g.in_c, g.k_w, g.k_h, mve=True)
    pad_left = pad_x * g.in_c
    pad_right = right * g.in_c if asym_pad else pad_left
    left_elems = g.k_w * g.in_c
    return max(left_elems + pad_left, left_elems - g.in_c + pad_right)


def arm_convolve_wrapper_s8_get_buffer_size(g: ConvGeometry, dsp: bool, mve: bool) -> int:
    """``arm_convolve_wrapper_s8_get_buffer_size`` for a plain, DSP or MVE core (GCC)."""
    pointwise = (g.pad_w, g.pad_h, g.k_w, g.k_h, g.dil_w, g.dil_h) == (0, 0, 1, 1, 1, 1)
    if pointwise:
        return 0  # 1x1 "fast": 2 x C x 2 bytes only with Arm Compiler 6 and DSP
    is_1_x_n = g.in_h == 1 and g.dil_w == 1 and g.k_h == 1 and (g.stride_w * g.in_c) % 4 == 0
    if is_1_x_n and mve:
        return _conv_1_x_n_mve(g)
    return arm_convolve_s8_get_buffer_size(g.in_c, g.k_w, g.k_h, mve)


def conv_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    inp, filt = view.need(0), view.need(1)
    if inp.dtype == "FLOAT32":
        return ()
    if filt.dtype == "INT4":
        raise ScratchUnknownError("CMSIS-NN CONV_2D with int4 weights")
    g = ConvGeometry.of(view)
    if inp.dtype == "INT8":
        size = arm_convolve_wrapper_s8_get_buffer_size(g, target.dsp, target.mve)
    elif inp.dtype == "INT16":
        # arm_convolve_wrapper_s16_get_buffer_size: only the DSP (non-MVE) fast kernel.
        fast = g.k_w * g.k_h * g.in_c < 512 and g.dil_w == 1 and g.dil_h == 1
        size = 2 * g.in_c * g.k_w * g.k_h * 2 if target.dsp and not target.mve and fast else 0
    else:
        raise ScratchUnknownError(f"CMSIS-NN CONV_2D with {inp.dtype} input")
    return (size,) if size > 0 else ()


def depthwise_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    inp, filt = view.need(0), view.need(1)
    if inp.dtype == "FLOAT32":
        return ()
    if inp.dtype != "INT8" or filt.dtype != "INT8":
        raise ScratchUnknownError(f"CMSIS-NN DEPTHWISE_CONV_2D {inp.dtype}x{filt.dtype}")
    g = ConvGeometry.of(view)
    if not (g.in_c == g.out_c and g.n == 1 and g.dil_w == 1 and g.dil_h == 1):
        return ()
    if target.mve:
        size = 4 * CH_IN_BLOCK_MVE * g.k_w * g.k_h
    elif not target.dsp or (g.k_w == 3 and g.k_h == 3 and g.pad_h <= 1 and g.pad_w <= 1):
        size = 0
    else:
        size = g.in_c * g.k_w * g.k_h * 2
    return (size,) if size > 0 else ()


def transpose_conv_cmsis_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    """Two requests (the second may be 0 bytes)."""
    inp = view.need(2)
    if inp.dtype != "INT8":
        return transpose_conv_scratch(view, target)
    filt, out = view.need(1), view.need(0, outputs=True)
    stride_w, stride_h = view.option("stride_w", 1), view.option("stride_h", 1)
    in_w, in_c = need_dim(inp, 2), need_dim(inp, 3)
    k_h, k_w, out_c = need_dim(filt, 1), need_dim(filt, 2), need_dim(out, 3)
    need_dim(inp, 1)  # the input must be NHWC, as the kernel reads its height
    if stride_w <= 2 and stride_h <= 2 and in_c > REVERSE_TCOL_EFFICIENT_THRESHOLD:
        # The reverse conv's im2col size depends only on channels and kernel size.
        return (
            arm_convolve_s8_get_buffer_size(in_c, k_w, k_h, target.mve),
            in_c * k_w * k_h * out_c,
        )
    # As in the source: the width term takes MAX(filter w, stride h).
    buf_x = ((in_w - 1) * stride_w + max(k_w, stride_h)) * out_c
    return (buf_x * max(k_h, stride_h) * 4, 0)


def conv_cmsis_prepare(view: OpView, target: Target) -> tuple[PersistentBuffer, ...]:
    """The conv/depthwise Prepare allocates the per-channel arrays only for int8/int16."""
    if view.input_type() not in ("INT8", "INT16"):
        return ()
    return conv_prepare(view, target)


def _conv(opcode: str, file: str, scratch: ScratchFn) -> Kernel:
    """CONV_2D and DEPTHWISE_CONV_2D: ``{OpDataConv; int buffer_idx}``, arrays for int only."""
    depthwise = opcode == "DEPTHWISE_CONV_2D"
    return cmsis_kernel(
        opcode,
        file,
        init=lambda t: cmsis_op_data_conv(t.compression, depthwise=depthwise),
        prepare=conv_cmsis_prepare,
        scratch=scratch,
    )


KERNELS = (
    _conv("CONV_2D", "conv.cc", conv_scratch),
    _conv("DEPTHWISE_CONV_2D", "depthwise_conv.cc", depthwise_scratch),
    cmsis_kernel(
        "TRANSPOSE_CONV",
        "transpose_conv.cc",
        init=fixed(CMSIS_OP_DATA_TRANSPOSE_CONV),
        scratch=transpose_conv_cmsis_scratch,
    ),
)
