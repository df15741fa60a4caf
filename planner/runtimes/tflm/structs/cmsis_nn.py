"""Kernel data of TFLM's CMSIS-NN kernels (tensorflow/lite/micro/kernels/cmsis_nn/*.cc) and
the CMSIS-NN structs they embed (ARM-software/CMSIS-NN Include/arm_nn_types.h)."""

from __future__ import annotations

import functools

from planner.runtimes.tflm.structs.c_layout import CStruct, FieldType, int_fields, struct
from planner.runtimes.tflm.structs.op_data import (
    CONV_PARAMS_INTERNAL,
    OP_DATA_LSTM,
    OP_DATA_POOLING,
    SOFTMAX_PARAMS,
    op_data_conv,
    op_data_fully_connected,
)

# --- CMSIS-NN kernels (tensorflow/lite/micro/kernels/cmsis_nn/) ------------------------------

_C = "tensorflow/lite/micro/kernels/cmsis_nn/"
_ARM_TYPES = "CMSIS-NN Include/arm_nn_types.h"


@functools.cache
def cmsis_op_data_conv(compression: bool, depthwise: bool) -> CStruct:
    return struct(
        "OpData (cmsis_nn)",
        _C + ("depthwise_conv.cc" if depthwise else "conv.cc"),
        ("reference_op_data", op_data_conv(compression)),
        ("buffer_idx", "int32"),
    )


@functools.cache
def cmsis_op_data_fully_connected(compression: bool) -> CStruct:
    """At 90b983c2 (cmsis_nn/fully_connected.cc): 72 bytes on 32-bit, measured."""
    return struct(
        "OpData (cmsis_nn)",
        _C + "fully_connected.cc",
        ("reference_op_data", op_data_fully_connected(compression)),
        *int_fields("buffer_conv_1x1_idx", "buffer_idx"),
        ("kernel_sums", "ptr"),
        *int_fields("batches", "accum_depth", "output_depth"),
    )


CMSIS_SOFTMAX_PARAMS = struct(
    "CMSISNNSoftmaxParams",
    _C + "softmax.cc",
    ("softmax_params", SOFTMAX_PARAMS),
    *int_fields("num_rows", "row_size"),
)
CMSIS_OP_DATA_POOLING = struct(
    "OpData (cmsis_nn)",
    _C + "pooling.cc",
    ("reference_op_data", OP_DATA_POOLING),
    ("buffer_idx", "int32"),
)


@functools.cache
def cmsis_op_data_svdf(optimized_for_speed: bool) -> CStruct:
    """CmsisNnOpDataSvdf: scratch_weight_tensor_index exists only with
    KERNELS_OPTIMIZED_FOR_SIZE."""
    fields: list[tuple[str, FieldType]] = [
        *int_fields(
            "effective_scale_1_a",
            "effective_scale_2_a",
            "effective_scale_1_b",
            "effective_scale_2_b",
            "scratch_tensor_index",
        ),
    ]
    if not optimized_for_speed:
        fields.append(("scratch_weight_tensor_index", "int32"))
    fields += [
        *int_fields(
            "scratch_output_tensor_index",
            "input_zero_point",
            "output_zero_point",
            "activation_state_zero_point",
        ),
        ("kernel_sums", "ptr"),
    ]
    return struct("CmsisNnOpDataSvdf", _C + "svdf.cc", *fields)


CMSIS_LSTM_GATE = struct(
    "cmsis_nn_lstm_gate",
    _ARM_TYPES,
    *int_fields("input_multiplier", "input_shift"),
    ("input_weights", "ptr"),
    ("input_effective_bias", "ptr"),
    *int_fields("hidden_multiplier", "hidden_shift"),
    ("hidden_weights", "ptr"),
    ("hidden_effective_bias", "ptr"),
    ("bias", "ptr"),
    ("activation_type", "enum"),
)
CMSIS_LSTM_PARAMS = struct(
    "cmsis_nn_lstm_params",
    _ARM_TYPES,
    *int_fields(
        "time_major",
        "batch_size",
        "time_steps",
        "input_size",
        "hidden_size",
        "input_offset",
        "forget_to_cell_multiplier",
        "forget_to_cell_shift",
        "input_to_cell_multiplier",
        "input_to_cell_shift",
        "cell_clip",
        "cell_scale_power",
        "output_multiplier",
        "output_shift",
        "output_offset",
    ),
    ("forget_gate", CMSIS_LSTM_GATE),
    ("input_gate", CMSIS_LSTM_GATE),
    ("cell_gate", CMSIS_LSTM_GATE),
    ("output_gate", CMSIS_LSTM_GATE),
)
CMSIS_OP_DATA_LSTM = struct(
    "OpData (cmsis_nn)",
    _C + "unidirectional_sequence_lstm.cc",
    ("params_ref", OP_DATA_LSTM),
    ("params_cmsis_nn", CMSIS_LSTM_PARAMS),
)
CMSIS_OP_DATA_TRANSPOSE_CONV = struct(
    "OpData (cmsis_nn)",
    _C + "transpose_conv.cc",
    ("params", CONV_PARAMS_INTERNAL),
    *int_fields(
        "scratch_buffer_index", "scratch_buffer_output_index", "bias_converted_buffer_index"
    ),
    ("per_channel_output_multiplier", "ptr"),
    ("per_channel_output_shift", "ptr"),
)
