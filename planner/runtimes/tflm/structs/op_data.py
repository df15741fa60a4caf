"""Kernel data of TFLM's reference kernels: what their Init allocates
(tensorflow/lite/kernels/internal/types.h, tensorflow/lite/micro/kernels/*.h and *.cc)."""

from __future__ import annotations

import functools

from planner.runtimes.tflm.structs.builtin_data import PADDING_VALUES
from planner.runtimes.tflm.structs.c_layout import CStruct, FieldType, int_fields, struct

# ---------------------------------------------------------------------------------------------
# Kernel data (tensorflow/lite/kernels/internal/types.h and tensorflow/lite/micro/kernels/)
# ---------------------------------------------------------------------------------------------

_TYPES = "tensorflow/lite/kernels/internal/types.h"
#: The offsets, multiplier and activation range ConvParams and FullyConnectedParams
#: (tensorflow/lite/kernels/internal/types.h) both carry, in the same order.
_QUANTIZED_OUTPUT: tuple[tuple[str, FieldType], ...] = (
    *int_fields(
        "input_offset",
        "weights_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "quantized_activation_min",
        "quantized_activation_max",
    ),
    ("float_activation_min", "float"),
    ("float_activation_max", "float"),
)
PADDING_VALUES_INTERNAL = struct(
    "PaddingValues",
    _TYPES,
    ("width", "int16"),
    ("height", "int16"),
    ("width_offset", "int16"),
    ("height_offset", "int16"),
)
CONV_PARAMS_INTERNAL = struct(
    "ConvParams",
    _TYPES,
    ("padding_type", "uint8"),  # enum class PaddingType : uint8_t
    ("padding_values", PADDING_VALUES_INTERNAL),
    ("stride_width", "int16"),
    ("stride_height", "int16"),
    ("dilation_width_factor", "int16"),
    ("dilation_height_factor", "int16"),
    *_QUANTIZED_OUTPUT,
)
SOFTMAX_PARAMS = struct(
    "SoftmaxParams",
    _TYPES,
    ("beta", "double"),
    *int_fields(
        "input_multiplier",
        "input_left_shift",
        "reverse_scaling_divisor",
        "reverse_scaling_right_shift",
        "diff_min",
        "zero_point",
    ),
    ("scale", "float"),
    ("table", "ptr"),
    ("exp_lut", "ptr"),
    ("one_over_one_plus_x_lut", "ptr"),
    ("uint8_table1", "ptr"),
    ("uint8_table2", "ptr"),
)
CONCATENATION_PARAMS = struct(
    "ConcatenationParams",
    _TYPES,
    ("axis", "int8"),
    ("input_zeropoint", "ptr"),
    ("input_scale", "ptr"),
    ("inputs_count", "int16"),
    ("output_zeropoint", "int32"),
    ("output_scale", "float"),
)
PAD_PARAMS = struct(
    "PadParams",
    _TYPES,
    ("left_padding_count", "int8"),
    ("left_padding", ("int32", 5)),
    ("right_padding_count", "int8"),
    ("right_padding", ("int32", 5)),
    ("resizing_category", "uint8"),  # enum class ResizingCategory : uint8_t
)
STRIDED_SLICE_PARAMS = struct(
    "StridedSliceParams",
    _TYPES,
    ("start_indices_count", "int8"),
    ("start_indices", ("int32", 5)),
    ("stop_indices_count", "int8"),
    ("stop_indices", ("int32", 5)),
    ("strides_count", "int8"),
    ("strides", ("int32", 5)),
    ("begin_mask", "int16"),
    ("ellipsis_mask", "int16"),
    ("end_mask", "int16"),
    ("new_axis_mask", "int16"),
    ("shrink_axis_mask", "int16"),
)
HARD_SWISH_PARAMS = struct(
    "HardSwishParams",
    _TYPES,
    ("input_zero_point", "int16"),
    ("output_zero_point", "int16"),
    ("reluish_multiplier_fixedpoint_int16", "int16"),
    ("reluish_multiplier_exponent", "int32"),
    ("output_multiplier_fixedpoint_int16", "int16"),
    ("output_multiplier_exponent", "int32"),
)
RELU_PARAMS = struct(
    "ReluParams",
    _TYPES,
    # ActivationParams base: enum class FusedActivationFunctionType : uint8_t, two int32.
    ("activation_type", "uint8"),
    *int_fields(
        "quantized_activation_min",
        "quantized_activation_max",
        "input_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
    ),
)
FULLY_CONNECTED_PARAMS_INTERNAL = struct(
    "FullyConnectedParams",
    _TYPES,
    *_QUANTIZED_OUTPUT,
    ("lhs_cacheable", "bool"),
    ("rhs_cacheable", "bool"),
    ("weights_format", "uint8"),  # enum class FullyConnectedWeightsFormat : uint8_t
)
ARITHMETIC_PARAMS = struct(
    "ArithmeticParams",
    _TYPES,
    ("broadcast_category", "uint8"),  # enum class BroadcastableOpCategory : uint8_t
    *int_fields(
        "input1_offset",
        "input2_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "left_shift",
        "input1_multiplier",
        "input1_shift",
        "input2_multiplier",
        "input2_shift",
        "quantized_activation_min",
        "quantized_activation_max",
    ),
    ("float_activation_min", "float"),
    ("float_activation_max", "float"),
    ("int64_activation_min", "int64"),
    ("int64_activation_max", "int64"),
    ("broadcast_shape", ("int32", 5)),
)
COMPARISON_PARAMS = struct(
    "ComparisonParams",
    _TYPES,
    *int_fields(
        "left_shift",
        "input1_offset",
        "input1_multiplier",
        "input1_shift",
        "input2_offset",
        "input2_multiplier",
        "input2_shift",
    ),
    ("is_broadcast", "bool"),
)
QUANTIZATION_PARAMS = struct(
    "QuantizationParams",
    _TYPES,
    ("zero_point", "int32"),
    ("scale", "double"),
)
DEQUANTIZATION_PARAMS = struct(
    "DequantizationParams",
    _TYPES,
    ("scale", "double"),
    ("zero_point", "int32"),
)

_K = "tensorflow/lite/micro/kernels/"


#: The per-channel output multiplier and shift arrays conv-like OpData point to.
_PER_CHANNEL: tuple[tuple[str, FieldType], ...] = (
    ("per_channel_output_multiplier", "ptr"),
    ("per_channel_output_shift", "ptr"),
)


def _compressed(
    fields: list[tuple[str, FieldType]], compression: bool
) -> tuple[tuple[str, FieldType], ...]:
    """USE_TFLM_COMPRESSION adds the weights' and bias's decompression scratch indices."""
    extra = int_fields("weights_scratch_index", "bias_scratch_index") if compression else ()
    return (*fields, *extra)


@functools.cache
def op_data_conv(compression: bool) -> CStruct:
    """OpDataConv (kernels/conv.h), shared by CONV_2D and DEPTHWISE_CONV_2D."""
    fields: list[tuple[str, FieldType]] = [
        ("padding", PADDING_VALUES),
        *int_fields(
            "input_zero_point",
            "filter_zero_point",
            "output_zero_point",
            "output_multiplier",
            "output_shift",
        ),
        *_PER_CHANNEL,
        *int_fields("output_activation_min", "output_activation_max", "filter_buffer_index"),
    ]
    return struct("OpDataConv", _K + "conv.h", *_compressed(fields, compression))


@functools.cache
def op_data_fully_connected(compression: bool) -> CStruct:
    """OpDataFullyConnected (kernels/fully_connected.h; the !HEXAGON members included)."""
    fields: list[tuple[str, FieldType]] = [
        *int_fields(
            "output_multiplier",
            "output_shift",
            "output_activation_min",
            "output_activation_max",
            "input_quantized_index",
            "input_zero_point",
            "filter_zero_point",
            "output_zero_point",
            "filter_buffer_index",
        ),
        *_PER_CHANNEL,
        ("is_per_channel", "bool"),
    ]
    return struct(
        "OpDataFullyConnected", _K + "fully_connected.h", *_compressed(fields, compression)
    )


@functools.cache
def op_data_transpose_conv(compression: bool) -> CStruct:
    """OpData of kernels/transpose_conv.cc."""
    fields: list[tuple[str, FieldType]] = [
        ("params", CONV_PARAMS_INTERNAL),
        *int_fields("scratch_buffer_index", "bias_converted_buffer_index"),
        *_PER_CHANNEL,
    ]
    return struct(
        "OpData (transpose_conv)", _K + "transpose_conv.cc", *_compressed(fields, compression)
    )


@functools.cache
def op_data_concatenation(compression: bool) -> CStruct:
    """OpData of kernels/concatenation.cc (kMaxInputNum = 10 scratch indices with compression)."""
    fields: list[tuple[str, FieldType]] = [("params", CONCATENATION_PARAMS)]
    if compression:
        fields.append(("scratch_indices", ("int32", 10)))
    return struct("OpData (concatenation)", _K + "concatenation.cc", *fields)


OP_DATA_POOLING = struct(
    "OpDataPooling",
    _K + "pooling.h",
    ("padding", PADDING_VALUES),
    *int_fields("activation_min", "activation_max"),
    ("activation_min_f32", "float"),
    ("activation_max_f32", "float"),
)
#: The quantized-arithmetic members OpDataAdd (add.h) and OpDataSub (sub.h) share.
_ADD_SUB_FIELDS = (
    ("requires_broadcast", "bool"),
    *int_fields(
        "input1_shift",
        "input2_shift",
        "output_activation_min",
        "output_activation_max",
        "input1_multiplier",
        "input2_multiplier",
        "output_multiplier",
        "output_shift",
        "left_shift",
        "input1_offset",
        "input2_offset",
        "output_offset",
    ),
)
OP_DATA_ADD = struct(
    "OpDataAdd",
    _K + "add.h",
    *_ADD_SUB_FIELDS,
    ("output_activation_min_f32", "float"),
    ("output_activation_max_f32", "float"),
)
OP_DATA_SUB = struct("OpDataSub", _K + "sub.h", *_ADD_SUB_FIELDS)
OP_DATA_MUL = struct(
    "OpDataMul",
    _K + "mul.h",
    *int_fields(
        "input1_zero_point",
        "input2_zero_point",
        "output_activation_min",
        "output_activation_max",
        "output_zero_point",
        "output_multiplier",
        "output_shift",
    ),
    ("output_activation_min_f32", "float"),
    ("output_activation_max_f32", "float"),
)
#: OpDataReduce (kernels/reduce.h): 11 int-sized members in the installed build (InitReduce
#: allocates 44 bytes); the stored 2021 header lists 9 (multiplier, shift, temp_buffer_idx,
#: resolved_axis_idx, input_zp, input_scale, output_zp, output_scale, num_output_elements).
#: All are int32/float, so the size is the same on 32- and 64-bit targets.
OP_DATA_REDUCE = struct(
    "OpDataReduce",
    _K + "reduce.h",
    *int_fields(
        "multiplier",
        "shift",
        "temp_buffer_idx",
        "resolved_axis_idx",
        "input_zp",
        "input_scale",
        "output_zp",
        "output_scale",
        "num_output_elements",
        "member_10",
        "member_11",
    ),
)
OP_DATA_PAD = struct(
    "OpData (pad)",
    _K + "pad.cc",
    ("params", PAD_PARAMS),
    ("output_zero_point", "int32"),
)
OP_DATA_STRIDED_SLICE = struct(
    "StridedSliceParams (strided_slice)",
    _K + "strided_slice.cc",
    ("params", STRIDED_SLICE_PARAMS),
)
#: OpDataLogistic and tanh's OpData declare the same int32 members: the input's rescaling.
_INPUT_RESCALING = int_fields(
    "input_zero_point", "input_range_radius", "input_multiplier", "input_left_shift"
)
OP_DATA_LOGISTIC = struct("OpDataLogistic", _K + "logistic.h", *_INPUT_RESCALING)
OP_DATA_TANH = struct("OpData (tanh)", _K + "tanh.cc", *_INPUT_RESCALING)
OP_DATA_QUANTIZE = struct(
    "OpDataQuantizeReference",
    _K + "quantize.h",
    ("quantization_params", QUANTIZATION_PARAMS),
    *int_fields("requantize_output_multiplier", "requantize_output_shift", "input_zero_point"),
)
OP_DATA_DEQUANTIZE = struct(
    "DequantizeOpData",
    _K + "dequantize.h",
    ("quantization_params", DEQUANTIZATION_PARAMS),
    *int_fields("output_multiplier", "output_shift", "output_zero_point"),
)
OP_DATA_LEAKY_RELU = struct(
    "LeakyReluOpData",
    _K + "leaky_relu.h",
    *int_fields(
        "input_zero_point",
        "output_zero_point",
        "output_multiplier_alpha",
        "output_shift_alpha",
        "output_multiplier_identity",
        "output_shift_identity",
    ),
)
OP_DATA_RELU = struct("ReluOpData", _K + "activations.h", ("params", RELU_PARAMS))
OP_DATA_COMPARISON = struct(
    "OpData (comparisons)",
    _K + "comparisons.cc",
    ("params", COMPARISON_PARAMS),
)
OP_DATA_IF = struct(
    "OpData (if)",
    _K + "if.cc",
    *int_fields("then_subgraph_index", "else_subgraph_index"),
)
OP_DATA_WHILE = struct(
    "OpData (while)",
    _K + "while.cc",
    *int_fields("cond_subgraph_index", "body_subgraph_index"),
)
OP_DATA_CALL_ONCE = struct(
    "OpData (call_once)",
    _K + "call_once.cc",
    ("init_subgraph_index", "int32"),
    ("has_run", "bool"),
)
OP_DATA_SVDF = struct(
    "OpDataSvdf",
    _K + "svdf.h",
    *int_fields(
        "effective_scale_1_a",
        "effective_scale_2_a",
        "effective_scale_1_b",
        "effective_scale_2_b",
        "scratch_tensor_index",
        "scratch_output_tensor_index",
        "input_zero_point",
        "output_zero_point",
        "activation_state_zero_point",
    ),
)
_LSTM = _K + "lstm_shared.h"
LSTM_SIZE_INFO = struct(
    "LstmSizeInfo",
    _LSTM,
    ("time_major", "bool"),
    *int_fields("batch_size", "time_steps", "input_dimension", "state_dimension"),
)
CELL_STATE_INFO = struct(
    "CellStateInfo",
    _LSTM,
    ("cell_clip", "float"),
    ("quantized_cell_clip", "int16"),
    ("cell_state_scale_power", "int32"),
)
GATE_PARAMETERS = struct(
    "GateParameters",
    _LSTM,
    ("input_fc_params", FULLY_CONNECTED_PARAMS_INTERNAL),
    ("recurrent_fc_params", FULLY_CONNECTED_PARAMS_INTERNAL),
)
INTER_GATE_PARAMETERS = struct(
    "InterGateParameters",
    _LSTM,
    ("forget_cell_mul_params", ARITHMETIC_PARAMS),
    ("input_mul_params", ARITHMETIC_PARAMS),
    ("output_mul_params", ARITHMETIC_PARAMS),
)
OP_DATA_LSTM = struct(
    "OpDataLSTM",
    _LSTM,
    ("size_info", LSTM_SIZE_INFO),
    ("cell_state_info", CELL_STATE_INFO),
    ("cell_gate_nonlinear_type", "enum"),
    ("forget_gate_parameters", GATE_PARAMETERS),
    ("input_gate_parameters", GATE_PARAMETERS),
    ("cell_gate_parameters", GATE_PARAMETERS),
    ("output_gate_parameters", GATE_PARAMETERS),
    ("inter_gate_parameters", INTER_GATE_PARAMETERS),
    ("buffer_indices", ("int32", 4)),
)
