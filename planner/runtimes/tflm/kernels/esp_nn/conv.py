"""CONV_2D and DEPTHWISE_CONV_2D with ESP-NN (esp-tflite-micro conv.cc, depthwise_conv.cc).

Both Prepare functions are the reference ones (temporary tensors, per-channel multiplier and
shift arrays of filter-channel int32 each, the int4 unpacking buffer) plus, for an int8 input,
one ``RequestScratchBufferInArena`` of ``esp_nn_get_conv_scratch_size`` /
``esp_nn_get_depthwise_conv_scratch_size`` bytes when that is > 0. Their Init allocates
``NodeData`` (OpDataConv + the buffer index).

The sizes (esp-nn at d45b843, version 1.2.3, with the default ``CONFIG_NN_OPTIMIZED``):

* ESP32 (and other chips without esp-nn's own functions): the generic ``*_opt`` functions of
  src/convolution/esp_nn_conv_opt.c and esp_nn_depthwise_conv_opt.c return 0, so no buffer.
* ESP32-S3 (a target with ``dsp``; see esp_nn/__init__.py): ``esp_nn_get_conv_scratch_size_
  esp32s3`` (src/convolution/esp_nn_conv_esp32s3.c) and ``esp_nn_get_depthwise_conv_scratch_
  size_esp32s3`` (src/convolution/esp_nn_depthwise_conv_s8_esp32s3.c), written out below
  with their ``uint16_t`` dimensions. The kernels pass the padding TFLM computed
  (OpDataConv.padding) and ``depth_multiplier`` from the builtin options.

Figures from the sources, not measured on a chip. Other esp-nn versions size these buffers
differently (1.2.0 added 32 bytes of alignment and no filter-alignment or boundary terms).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.runtimes.tflm.kernels.cmsis_nn.conv import ConvGeometry
from planner.runtimes.tflm.kernels.descriptor import Kernel, OpView, ScratchUnknownError, need_dim
from planner.runtimes.tflm.kernels.esp_nn.common import esp_kernel, s3_path, u16
from planner.runtimes.tflm.kernels.reference.conv import int4_unpacking
from planner.runtimes.tflm.structs.c_layout import INT_MAX
from planner.runtimes.tflm.structs.esp_nn import esp_node_data_conv
from planner.targets.target import Target


@dataclass(frozen=True)
class EspConvDims:
    """What Prepare passes to the scratch-size functions (data_dims_t, conv_params_t): the
    geometry CMSIS-NN's functions take too (padding = TFLM's OpDataConv.padding, from
    ComputePaddingHeightWidth), and the output height and vertical stride."""

    g: ConvGeometry
    out_h: int
    stride_h: int

    @classmethod
    def of(cls, view: OpView) -> EspConvDims:
        out_h = need_dim(view.need(0, outputs=True), 1)
        return cls(ConvGeometry.of(view), out_h, view.option("stride_h", 1))


def conv_scratch_size_esp32s3(d: EspConvDims) -> int:
    """``esp_nn_get_conv_scratch_size_esp32s3`` (esp_nn_conv_esp32s3.c)."""
    g = d.g
    in_w, in_h, in_c = u16(g.in_w), u16(g.in_h), u16(g.in_c)
    k_w, k_h, out_c = u16(g.k_w), u16(g.k_h), u16(g.out_c)
    pad_w, pad_h = u16(g.pad_w), u16(g.pad_h)
    stride_w, stride_h = u16(g.stride_w), u16(d.stride_h)
    align_buf = 64  # alignment (16) + assembly pre/post access margin (48)
    if (k_w, k_h, pad_w, pad_h, stride_w, stride_h) == (1, 1, 0, 0, 1, 1):
        new_channels = (in_c + 7) & ~7
        transpose = 2 * (8 * new_channels) if in_w * in_h >= 8 else 0
        input_scratch = in_w * in_h * new_channels if in_c % 8 else 0
        return input_scratch + new_channels * out_c + transpose + align_buf
    row, window = k_w * in_c, k_w * k_h * in_c
    if row < 16 and window >= 16:  # the im2col path
        window_aligned = (window + 15) & ~15
        return out_c * 4 + 16 + out_c * window_aligned + 16 + window_aligned + align_buf
    new_channels = (in_c + 15) & ~15
    padded = pad_w != 0 or pad_h != 0
    input_scratch = (in_w + 2 * pad_w) * (in_h + 2 * pad_h) * in_c if padded else 0
    filter_scratch = k_w * k_h * new_channels * out_c
    filter_alignment = (row + 15) // 16 * 16 * k_h * out_c
    # output_dims->width/height are int32_t here, not narrowed.
    pad_right = max(0, (g.out_w * stride_w + k_w - 1) - in_w)
    pad_bottom = max(0, (d.out_h * stride_h + k_h - 1) - in_h)
    boundary = 0
    if pad_right > 0 or pad_bottom > 0:
        boundary = (in_w + pad_right) * (in_h + pad_bottom) * in_c
    return input_scratch + filter_scratch + filter_alignment + boundary + align_buf + out_c * 4


def _depthwise_3x3_mult1(d: EspConvDims, filter_size: int) -> int:
    """The ch_mult == 1, channels % 8 == 0, 3x3 branch."""
    g = d.g
    in_w, in_h, channels = u16(g.in_w), u16(g.in_h), u16(g.in_c)
    out_w, out_h, pad_w, pad_h = u16(g.out_w), u16(d.out_h), u16(g.pad_w), u16(g.pad_h)
    stride_w, stride_h = u16(g.stride_w), u16(d.stride_h)
    if channels % 16 == 0:
        if pad_w or pad_h:
            pad_width, pad_height = pad_w * 2, pad_h * 2
        else:  # may be negative, as in the source
            pad_width = (out_w * stride_w + 3 - 1) - in_w
            pad_height = (out_h * stride_h + 3 - 1) - in_h
        if not (pad_width or pad_height):
            return filter_size + 16
        full_input = (in_w + pad_width) * (in_h + pad_height) * channels
        if full_input <= 40 * 1024:
            return filter_size + full_input + 16
        return filter_size + (in_w + pad_width) * 3 * channels + 16  # tiled: a 3-row strip
    if channels >= 12:  # pad channels to 16, s8 path + compaction
        new_ch = (channels + 15) & ~15
        total_pad_w = pad_w * 2 + max(0, (out_w * stride_w + 2) - in_w)
        total_pad_h = pad_h * 2 + max(0, (out_h * stride_h + 2) - in_h)
        new_input = (in_w + total_pad_w) * (in_h + total_pad_h) * new_ch
        return 9 * new_ch + new_input + out_w * out_h * new_ch + 64
    return 2 * (filter_size + in_w * in_h * channels) + 32  # 8 channels: the s16 path


def _align16(value: int) -> int:
    return (value + 15) & ~15


def depthwise_scratch_size_esp32s3(d: EspConvDims, ch_mult: int) -> int:
    """``esp_nn_get_depthwise_conv_scratch_size_esp32s3``
    (esp_nn_depthwise_conv_s8_esp32s3.c)."""
    g = d.g
    in_w, in_h, channels = u16(g.in_w), u16(g.in_h), u16(g.in_c)
    k_w, k_h, ch_mult = u16(g.k_w), u16(g.k_h), u16(ch_mult)
    out_w, out_h = u16(g.out_w), u16(d.out_h)
    filter_size = k_w * k_h * channels * ch_mult
    input_size = in_w * in_h * channels
    if ch_mult == 1 and channels % 8 == 0:
        if k_w == 3 and k_h == 3:
            return _depthwise_3x3_mult1(d, filter_size)
        total_s16 = 2 * (filter_size + input_size)
        if total_s16 <= 48 * 1024:
            return total_s16 + 32
        return 2 * filter_size + 2 * in_w * k_h * channels + 32  # tiled: k_h rows of input
    if ch_mult == 1 and channels > 3:  # channels padded to a multiple of 8
        padded = (channels + 7) & ~7
        input_start = _align16(k_w * k_h * padded * 2)
        out_start = _align16(input_start + in_w * in_h * padded * 2)
        bias_start = _align16(out_start + out_w * out_h * padded)
        return bias_start + 3 * padded * 4 + 16  # bias, shift and mult arrays; 16 margin
    if ch_mult % 4 == 0:
        return 2 * (filter_size + input_size) + 32
    return 32


def _requests(view: OpView, target: Target, depthwise: bool) -> tuple[int, ...]:
    """The int4 unpacking buffer, then ESP-NN's buffer for an int8 input when > 0."""
    unpack = int4_unpacking(view, target)
    if view.need(0).dtype != "INT8" or not s3_path(target):
        return unpack  # the generic functions return 0: no request
    d = EspConvDims.of(view)
    if depthwise:
        size = depthwise_scratch_size_esp32s3(d, view.option("depth_multiplier", 0))
    else:
        size = conv_scratch_size_esp32s3(d)
    if size > INT_MAX:
        raise ScratchUnknownError(f"ESP-NN {view.op.opcode} scratch size overflows a C int")
    return (*unpack, size) if size > 0 else unpack


def conv_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    return _requests(view, target, depthwise=False)


def depthwise_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    return _requests(view, target, depthwise=True)


def _esp_conv(opcode: str, depthwise: bool) -> Kernel:
    return esp_kernel(
        opcode,
        ("depthwise_conv.cc" if depthwise else "conv.cc") + "; esp-nn src/convolution/",
        init=lambda t: esp_node_data_conv(t.compression, depthwise),
        scratch=depthwise_scratch if depthwise else conv_scratch,
    )


KERNELS: tuple[Kernel, ...] = (
    _esp_conv("CONV_2D", depthwise=False),
    _esp_conv("DEPTHWISE_CONV_2D", depthwise=True),
)
