"""Builtin option structs (tensorflow/lite/micro/builtin_op_data.h), allocated by the Parse*
functions of flatbuffer_conversions.cc as Allocate(sizeof(T), alignof(T))."""

from __future__ import annotations

import functools

from planner.runtimes.tflm.structs.c_layout import CStruct, FieldType, int_fields, struct

# ---------------------------------------------------------------------------------------------

_BOD = "tensorflow/lite/micro/builtin_op_data.h"
PADDING_VALUES = struct(
    "TfLitePaddingValues",
    _BOD,
    *int_fields("width", "height", "width_offset", "height_offset"),
)
CONV_PARAMS = struct(
    "TfLiteConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("activation", "enum"),
    ("dilation_width_factor", "int32"),
    ("dilation_height_factor", "int32"),
    ("quantized_bias_type", "enum"),
)
DEPTHWISE_CONV_PARAMS = struct(
    "TfLiteDepthwiseConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("depth_multiplier", "int32"),
    ("activation", "enum"),
    ("dilation_width_factor", "int32"),
    ("dilation_height_factor", "int32"),
)


@functools.cache
def fully_connected_params(quant_spec: bool) -> CStruct:
    """TfLiteFullyConnectedParams. The pip package's TFLM (tflite-micro 8f6596d) also parses
    FullyConnectedOptions.quant_spec (a pointer and a size: 32 bytes aligned to 8 on 64-bit,
    checked against its machine code); at 90b983c2 the struct ends at quantized_bias_type
    (tensorflow/compiler/mlir/lite/core/c/builtin_op_data.h, measured by the probes)."""
    fields: list[tuple[str, FieldType]] = [
        ("activation", "enum"),
        ("weights_format", "enum"),
        ("keep_num_dims", "bool"),
        ("asymmetric_quantize_inputs", "bool"),
        ("quantized_bias_type", "enum"),
    ]
    if quant_spec:
        fields += [("quant_spec", "ptr"), ("quant_spec_size", "int32")]
    return struct("TfLiteFullyConnectedParams", _BOD, *fields)


POOL_PARAMS = struct(
    "TfLitePoolParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("filter_width", "int32"),
    ("filter_height", "int32"),
    ("activation", "enum"),
    ("computed_padding", PADDING_VALUES),
)
RESHAPE_PARAMS = struct(
    "TfLiteReshapeParams",
    _BOD,
    ("shape", ("int32", 8)),
    ("num_dimensions", "int32"),
)  # TFLITE_RESHAPE_PARAMS_MAX_DIMENSION_COUNT = 8
SQUEEZE_PARAMS = struct(
    "TfLiteSqueezeParams",
    _BOD,
    ("squeeze_dims", ("int32", 8)),
    ("num_squeeze_dims", "int32"),
)
SOFTMAX_PARAMS_BUILTIN = struct("TfLiteSoftmaxParams", _BOD, ("beta", "float"))
ADD_PARAMS = struct("TfLiteAddParams", _BOD, ("activation", "enum"), ("pot_scale_int16", "bool"))
SUB_PARAMS = struct("TfLiteSubParams", _BOD, ("activation", "enum"), ("pot_scale_int16", "bool"))
MUL_PARAMS = struct("TfLiteMulParams", _BOD, ("activation", "enum"))
CONCATENATION_PARAMS_BUILTIN = struct(
    "TfLiteConcatenationParams",
    _BOD,
    ("axis", "int32"),
    ("activation", "enum"),
)
SVDF_PARAMS = struct(
    "TfLiteSVDFParams",
    _BOD,
    ("rank", "int32"),
    ("activation", "enum"),
    ("asymmetric_quantize_inputs", "bool"),
)
UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS = struct(
    "TfLiteUnidirectionalSequenceLSTMParams",
    _BOD,
    ("activation", "enum"),
    ("cell_clip", "float"),
    ("proj_clip", "float"),
    ("time_major", "bool"),
    ("asymmetric_quantize_inputs", "bool"),
    ("diagonal_recurrent_tensors", "bool"),
)
REDUCER_PARAMS = struct("TfLiteReducerParams", _BOD, ("keep_dims", "bool"))
STRIDED_SLICE_PARAMS_BUILTIN = struct(
    "TfLiteStridedSliceParams",
    _BOD,
    *int_fields("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"),
    ("offset", "bool"),
)
TRANSPOSE_CONV_PARAMS = struct(
    "TfLiteTransposeConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("activation", "enum"),
    ("quantized_bias_type", "enum"),
)
LEAKY_RELU_PARAMS = struct("TfLiteLeakyReluParams", _BOD, ("alpha", "float"))
GATHER_PARAMS = struct("TfLiteGatherParams", _BOD, *int_fields("axis", "batch_dims"))
PACK_PARAMS = struct("TfLitePackParams", _BOD, *int_fields("values_count", "axis"))
UNPACK_PARAMS = struct("TfLiteUnpackParams", _BOD, *int_fields("num", "axis"))
SPLIT_PARAMS = struct("TfLiteSplitParams", _BOD, ("num_splits", "int32"))
SHAPE_PARAMS = struct("TfLiteShapeParams", _BOD, ("out_type", "enum"))
IF_PARAMS = struct(
    "TfLiteIfParams", _BOD, *int_fields("then_subgraph_index", "else_subgraph_index")
)
WHILE_PARAMS = struct(
    "TfLiteWhileParams",
    _BOD,
    *int_fields("cond_subgraph_index", "body_subgraph_index"),
)
CALL_ONCE_PARAMS = struct("TfLiteCallOnceParams", _BOD, ("init_subgraph_index", "int32"))
