#!/usr/bin/env python3
"""Build the planner's bundled full-integer int8 ``.tflite`` models with TensorFlow.

The planner itself never needs TensorFlow: the files this script writes are committed to the
repository. TensorFlow (and, for the LSTM model only, ``tf-keras``) is needed solely to rebuild
them::

    python -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0
    /tmp/tfvenv/bin/python models/build_models.py               # everything, into models/
    /tmp/tfvenv/bin/python models/build_models.py --only add mobilenet_v1_0.25_96
    /tmp/tfvenv/bin/python models/build_models.py --out /tmp/m  # somewhere else

Every model is converted the same way: ``Optimize.DEFAULT``, a representative data set of
uniform random inputs in [-1, 1) from a fixed seed, ``TFLITE_BUILTINS_INT8`` only, and int8
input and output tensors. Every input has batch size 1, so no tensor has a dynamic (-1) dim.
Weights are random (from fixed seeds): memory does not depend on weight values. Untrained
classifiers have no final softmax, because its enormous input scale makes TFLM abort.

After converting, the script reads each flatbuffer back, prints its operator list, and fails if
an operator the model exists for is missing, is not a builtin, or has non-int8 activations, or
if any tensor has a dynamic dimension. ``models/check_models.py`` additionally runs every file
in the real TFLM runtime.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

MODELS_DIR = Path(__file__).resolve().parent
SEED = 1234
CALIBRATION_SAMPLES = 16

#: Keras builder: receives the Keras module (``keras`` 3 or ``tf_keras``), returns a model.
Builder = Callable[[Any], Any]


@dataclass(frozen=True)
class ModelSpec:
    """One bundled model: where it goes, how it is built, and what it must contain."""

    name: str
    path: str  # relative to the output directory
    input_shape: tuple[int, ...]  # without the batch dimension, which is always 1
    build: Builder
    description: str
    required_ops: tuple[str, ...] = ()
    keras_module: str = "keras"  # "tf_keras" where Keras 3 cannot produce the op
    samples: int = CALIBRATION_SAMPLES
    extra_checks: tuple[Callable[[ParsedModel], None], ...] = field(default=())


@dataclass(frozen=True)
class ParsedTensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    constant: bool  # has data in the flatbuffer (weights, biases, shape operands)
    variable: bool  # state kept between invocations (e.g. LSTM cell and hidden state)


@dataclass(frozen=True)
class ParsedOp:
    name: str
    builtin: bool
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class ParsedModel:
    tensors: tuple[ParsedTensor, ...]
    ops: tuple[ParsedOp, ...]
    subgraphs: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


# --------------------------------------------------------------------------------------------
# Model builders. Each takes the Keras module and returns an uncompiled model whose inputs have
# batch size 1.
# --------------------------------------------------------------------------------------------


def _app(
    keras: Any, app: str, input_shape: tuple[int, int, int], alpha: float
) -> Any:  # a keras.applications model with a fixed batch of 1
    inp = keras.Input(shape=input_shape, batch_size=1, name="input")
    factory = getattr(keras.applications, app)
    return factory(
        input_shape=input_shape,
        input_tensor=inp,
        alpha=alpha,
        weights=None,
        include_top=True,
        classifier_activation=None,
    )


def mobilenet_v2_035_144(keras: Any) -> Any:
    return _app(keras, "MobileNetV2", (144, 144, 3), 0.35)


def mobilenet_v1_025_96(keras: Any) -> Any:
    return _app(keras, "MobileNet", (96, 96, 3), 0.25)


def mobilenet_v2_10_224(keras: Any) -> Any:
    return _app(keras, "MobileNetV2", (224, 224, 3), 1.0)


def resnet_branchy(keras: Any) -> Any:
    """A small ResNet/Inception hybrid: residual ADDs and a 3-branch CONCATENATION block.

    The branches have different widths and depths, so the order in which the converter
    schedules them changes how many activations are alive at once.
    """
    layers = keras.layers

    def conv(x: Any, filters: int, kernel: int, stride: int = 1, relu: bool = True) -> Any:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same")(x)
        return layers.ReLU()(x) if relu else x

    def residual(x: Any, filters: int, project: bool = False) -> Any:
        shortcut = conv(x, filters, 1, relu=False) if project else x
        y = conv(x, filters, 3)
        y = conv(y, filters, 3, relu=False)
        return layers.ReLU()(layers.Add()([shortcut, y]))

    inp = keras.Input(shape=(64, 64, 3), batch_size=1, name="input")
    x = conv(inp, 16, 3, stride=2)  # 32x32x16
    x = residual(x, 16)
    x = conv(x, 32, 3, stride=2)  # 16x16x32
    x = residual(x, 32)
    # Inception-style block: three branches of different widths and depths.
    b1 = conv(x, 16, 1)
    b2 = conv(conv(x, 24, 1), 32, 3)
    b3 = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    b3 = conv(b3, 8, 1)
    x = layers.Concatenate()([b1, b2, b3])  # 16x16x56
    x = residual(x, 48, project=True)
    x = conv(x, 48, 3, stride=2)  # 8x8x48
    x = residual(x, 48)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(10)(x)
    return keras.Model(inp, out, name="resnet_branchy")


def _op_input(keras: Any, shape: tuple[int, ...] = (16, 16, 8)) -> Any:
    return keras.Input(shape=shape, batch_size=1, name="input")


def _conv(keras: Any, x: Any, filters: int = 16, kernel: int = 3) -> Any:
    return keras.layers.Conv2D(filters, kernel, padding="same", activation="relu")(x)


def op_add(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.Add()([_conv(keras, inp), _conv(keras, inp, kernel=1)])
    return keras.Model(inp, out, name="add")


def op_mul(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.Multiply()([_conv(keras, inp), _conv(keras, inp, kernel=1)])
    return keras.Model(inp, out, name="mul")


def op_concatenation(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.Concatenate()([_conv(keras, inp, 8), _conv(keras, inp, 16, kernel=1)])
    return keras.Model(inp, out, name="concatenation")


def op_mean(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.GlobalAveragePooling2D()(_conv(keras, inp, 32))
    return keras.Model(inp, out, name="mean")


def op_pad(keras: Any) -> Any:
    inp = _op_input(keras)
    x = keras.layers.ZeroPadding2D(((1, 2), (2, 1)))(_conv(keras, inp))
    out = keras.layers.Conv2D(8, 3, padding="valid")(x)
    return keras.Model(inp, out, name="pad")


def op_average_pool_2d(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.AveragePooling2D(2)(_conv(keras, inp))
    return keras.Model(inp, out, name="average_pool_2d")


def op_max_pool_2d(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.MaxPooling2D(3, strides=2, padding="same")(_conv(keras, inp))
    return keras.Model(inp, out, name="max_pool_2d")


def op_reshape(keras: Any) -> Any:
    inp = _op_input(keras)
    x = keras.layers.Reshape((32, 32, 4))(_conv(keras, inp))  # 16x16x16 -> 32x32x4
    return keras.Model(inp, _conv(keras, x, 8), name="reshape")


def op_transpose(keras: Any) -> Any:
    inp = _op_input(keras, (8, 16, 8))
    x = keras.layers.Permute((2, 1, 3))(_conv(keras, inp))  # 8x16x16 -> 16x8x16
    return keras.Model(inp, _conv(keras, x, 8), name="transpose")


def op_transpose_conv(keras: Any) -> Any:
    inp = _op_input(keras)
    out = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(_conv(keras, inp))
    return keras.Model(inp, out, name="transpose_conv")


def op_strided_slice(keras: Any) -> Any:
    inp = _op_input(keras)
    x = keras.layers.Lambda(lambda t: t[:, 1:15:2, ::2, 2:14], name="strided_slice")(
        _conv(keras, inp)
    )
    return keras.Model(inp, _conv(keras, x, 8), name="strided_slice")


def op_hard_swish(keras: Any) -> Any:
    inp = _op_input(keras)
    x = keras.layers.Conv2D(16, 3, padding="same")(inp)
    out = keras.layers.Activation("hard_swish")(x)
    return keras.Model(inp, out, name="hard_swish")


def op_logistic(keras: Any) -> Any:
    inp = _op_input(keras)
    x = keras.layers.Conv2D(16, 3, padding="same")(inp)
    out = keras.layers.Activation("sigmoid")(x)
    return keras.Model(inp, out, name="logistic")


def op_softmax(keras: Any) -> Any:
    # Small weights keep the logits (and so SOFTMAX's input scale) small; an untrained layer
    # with large logits gives a scale that makes TFLM's softmax abort.
    inp = _op_input(keras)
    x = keras.layers.GlobalAveragePooling2D()(_conv(keras, inp, 32))
    init = keras.initializers.RandomNormal(stddev=0.05, seed=SEED)
    x = keras.layers.Dense(10, kernel_initializer=init)(x)
    out = keras.layers.Softmax()(x)
    return keras.Model(inp, out, name="softmax")


def op_unidirectional_sequence_lstm(keras: Any) -> Any:
    # Built with tf_keras (Keras 2): its LSTM layer carries the annotation the converter fuses
    # into UNIDIRECTIONAL_SEQUENCE_LSTM; a Keras 3 LSTM converts to a WHILE loop instead.
    inp = keras.Input(shape=(16, 8), batch_size=1, name="input")
    x = keras.layers.LSTM(16, unroll=False, return_sequences=True)(inp)
    x = keras.layers.LSTM(16, unroll=False)(x)
    out = keras.layers.Dense(4)(x)
    return keras.Model(inp, out, name="unidirectional_sequence_lstm")


# --------------------------------------------------------------------------------------------
# Extra checks for specific models.
# --------------------------------------------------------------------------------------------


def _require_tensor(model: ParsedModel, fragment: str, shape: tuple[int, ...]) -> None:
    matches = [t for t in model.tensors if fragment in t.name and t.shape == shape]
    if not any(t.dtype == "INT8" for t in matches):
        raise BuildError(f"no int8 tensor named like {fragment!r} with shape {shape}")


def check_mobilenet_v2_035_144(model: ParsedModel) -> None:
    # The second inverted-residual block (Keras "block_1"; 1-based "block 2") is MobileNetV2's
    # well-known peak: 72x72x48 expansion feeding a stride-2 depthwise to 36x36x48.
    _require_tensor(model, "block_1_expand_relu", (1, 72, 72, 48))
    _require_tensor(model, "block_1_depthwise_relu", (1, 36, 36, 48))


# --------------------------------------------------------------------------------------------
# The catalogue.
# --------------------------------------------------------------------------------------------


def _op_spec(
    op: str,
    build: Builder,
    description: str,
    input_shape: tuple[int, ...] = (16, 16, 8),
    keras_module: str = "keras",
) -> ModelSpec:
    return ModelSpec(
        name=op,
        path=f"ops/{op}.tflite",
        input_shape=input_shape,
        build=build,
        description=description,
        required_ops=(op.upper(),),
        keras_module=keras_module,
    )


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="mobilenet_v2_0.35_144",
        path="mobilenet_v2_0.35_144_int8.tflite",
        input_shape=(144, 144, 3),
        build=mobilenet_v2_035_144,
        description="keras.applications.MobileNetV2(alpha=0.35), 1000 classes, no softmax",
        required_ops=("CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MEAN", "FULLY_CONNECTED"),
        extra_checks=(check_mobilenet_v2_035_144,),
    ),
    ModelSpec(
        name="mobilenet_v1_0.25_96",
        path="mobilenet_v1_0.25_96_int8.tflite",
        input_shape=(96, 96, 3),
        build=mobilenet_v1_025_96,
        description="keras.applications.MobileNet(alpha=0.25), 1000 classes, no softmax",
        required_ops=("CONV_2D", "DEPTHWISE_CONV_2D", "MEAN"),
    ),
    ModelSpec(
        name="mobilenet_v2_1.0_224",
        path="mobilenet_v2_1.0_224_int8.tflite",
        input_shape=(224, 224, 3),
        build=mobilenet_v2_10_224,
        description="keras.applications.MobileNetV2(alpha=1.0), 1000 classes, no softmax",
        required_ops=("CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MEAN", "FULLY_CONNECTED"),
        samples=8,
    ),
    ModelSpec(
        name="resnet_branchy",
        path="resnet_branchy_int8.tflite",
        input_shape=(64, 64, 3),
        build=resnet_branchy,
        description="small ResNet/Inception hybrid: residual ADDs + a 3-branch CONCATENATION",
        required_ops=("CONV_2D", "ADD", "CONCATENATION", "MAX_POOL_2D", "MEAN"),
    ),
    _op_spec("add", op_add, "two convs joined by ADD"),
    _op_spec("mul", op_mul, "two convs joined by MUL"),
    _op_spec("concatenation", op_concatenation, "two convs (8 + 16 channels) concatenated"),
    _op_spec("mean", op_mean, "conv then GlobalAveragePooling2D (MEAN over H, W)"),
    _op_spec("pad", op_pad, "conv, ZeroPadding2D (asymmetric), valid conv"),
    _op_spec("average_pool_2d", op_average_pool_2d, "conv then 2x2 AveragePooling2D"),
    _op_spec("max_pool_2d", op_max_pool_2d, "conv then 3x3/2 MaxPooling2D (same)"),
    _op_spec("reshape", op_reshape, "conv, Reshape 16x16x16 -> 32x32x4, conv"),
    _op_spec("transpose", op_transpose, "conv, Permute H<->W, conv", input_shape=(8, 16, 8)),
    _op_spec("transpose_conv", op_transpose_conv, "conv then stride-2 Conv2DTranspose"),
    _op_spec("strided_slice", op_strided_slice, "conv, x[:, 1:15:2, ::2, 2:14], conv"),
    _op_spec("hard_swish", op_hard_swish, "conv then hard_swish activation"),
    _op_spec("logistic", op_logistic, "conv then sigmoid activation"),
    _op_spec("softmax", op_softmax, "conv, global average pool, small Dense, Softmax"),
    _op_spec(
        "unidirectional_sequence_lstm",
        op_unidirectional_sequence_lstm,
        "tf_keras LSTM(16, seq) -> LSTM(16) -> Dense(4) over 16 steps of 8 features",
        input_shape=(16, 8),
        keras_module="tf_keras",
    ),
)


# --------------------------------------------------------------------------------------------
# Conversion and verification.
# --------------------------------------------------------------------------------------------


class BuildError(Exception):
    """A converted model does not have the contents it was built for."""


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # oneDNN's reordered float math could make calibration ranges, and so the quantization
    # parameters, depend on the CPU; turning it off keeps the output reproducible.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")


def _seed_for(name: str) -> int:
    return SEED + zlib.crc32(name.encode())


def representative_data(
    shape: tuple[int, ...], samples: int, seed: int
) -> Callable[[], Iterator[list[Any]]]:
    np = importlib.import_module("numpy")

    def gen() -> Iterator[list[Any]]:
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            yield [rng.uniform(-1.0, 1.0, size=(1, *shape)).astype(np.float32)]

    return gen


def convert(spec: ModelSpec) -> bytes:
    tf = importlib.import_module("tensorflow")
    try:
        keras = importlib.import_module(spec.keras_module)
    except ModuleNotFoundError as err:
        hint = "pip install tf-keras==<your TensorFlow version>"
        raise BuildError(f"{spec.name} needs the {spec.keras_module!r} package ({hint})") from err
    # Fresh layer-name counters and seeds per model, so a model's bytes (tensor names included)
    # do not depend on which other models were built before it in this process.
    keras.backend.clear_session()
    keras.utils.set_random_seed(_seed_for(spec.name))
    model = spec.build(keras)
    for tensor in model.inputs:
        if tuple(tensor.shape) != (1, *spec.input_shape):
            raise BuildError(f"input shape {tuple(tensor.shape)} != {(1, *spec.input_shape)}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_data(
        spec.input_shape, spec.samples, _seed_for(spec.name)
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # Keras 3 exports through a SavedModel and prints its signature, and the converter's C++
    # code prints its settings; keep this script's own output readable.
    with warnings.catch_warnings(), _stdout_silenced():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
        result: bytes = converter.convert()
    return result


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Send file descriptor 1 (Python's and C++'s stdout) to /dev/null while active."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def _enum_names(enum_class: type) -> dict[int, str]:
    return {v: k for k, v in vars(enum_class).items() if not k.startswith("_")}


def parse(buf: bytes) -> ParsedModel:
    """Read operators and tensors back out of a flatbuffer (TensorFlow's generated schema)."""
    schema: ModuleType = importlib.import_module("tensorflow.lite.python.schema_py_generated")
    op_names = _enum_names(schema.BuiltinOperator)
    type_names = _enum_names(schema.TensorType)
    model = schema.ModelT.InitFromPackedBuf(buf, 0)
    sg = model.subgraphs[0]
    tensors = tuple(
        ParsedTensor(
            name=(t.name or b"").decode(),
            dtype=type_names.get(t.type, str(t.type)),
            shape=tuple(int(d) for d in (t.shape if t.shape is not None else ())),
            shape_signature=tuple(
                int(d) for d in (t.shapeSignature if t.shapeSignature is not None else ())
            ),
            constant=model.buffers[t.buffer].data is not None
            and len(model.buffers[t.buffer].data) > 0,
            variable=bool(t.isVariable),
        )
        for t in sg.tensors
    )
    ops = []
    for op in sg.operators:
        code = model.operatorCodes[op.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        is_custom = builtin == schema.BuiltinOperator.CUSTOM
        name = f"CUSTOM:{code.customCode.decode()}" if is_custom else op_names[builtin]
        ops.append(
            ParsedOp(
                name=name,
                builtin=not is_custom,
                inputs=tuple(int(i) for i in op.inputs),
                outputs=tuple(int(i) for i in op.outputs),
            )
        )
    return ParsedModel(
        tensors=tensors,
        ops=tuple(ops),
        subgraphs=len(model.subgraphs),
        inputs=tuple(int(i) for i in sg.inputs),
        outputs=tuple(int(i) for i in sg.outputs),
    )


def verify(spec: ModelSpec, model: ParsedModel) -> None:
    if model.subgraphs != 1:
        raise BuildError(f"{model.subgraphs} subgraphs (control flow was not lowered)")
    for idx in (*model.inputs, *model.outputs):
        tensor = model.tensors[idx]
        if tensor.dtype != "INT8":
            raise BuildError(f"model input/output {tensor.name!r} is {tensor.dtype}, not INT8")
    for tensor in model.tensors:
        if any(d < 0 for d in tensor.shape_signature):
            raise BuildError(f"tensor {tensor.name!r} has a dynamic shape {tensor.shape_signature}")
    custom = sorted({op.name for op in model.ops if not op.builtin})
    if custom:
        raise BuildError(f"custom operators: {custom}")
    for required in spec.required_ops:
        found = [op for op in model.ops if op.name == required]
        if not found:
            raise BuildError(f"no {required} operator")
        for op in found:
            # Activations: outputs, and inputs that are neither constants nor state.
            activations = [
                model.tensors[i]
                for i in (*op.inputs, *op.outputs)
                if i >= 0 and not model.tensors[i].constant and not model.tensors[i].variable
            ]
            for tensor in activations:
                if tensor.dtype != "INT8":
                    raise BuildError(f"{required} has a {tensor.dtype} activation {tensor.name!r}")
    for check in spec.extra_checks:
        check(model)


def op_summary(model: ParsedModel) -> str:
    """Operators in execution order, runs of the same operator collapsed as ``NAME xN``."""
    parts: list[str] = []
    run_name, run_len = "", 0
    for op in model.ops:
        if op.name == run_name:
            run_len += 1
            continue
        if run_len:
            parts.append(run_name if run_len == 1 else f"{run_name} x{run_len}")
        run_name, run_len = op.name, 1
    if run_len:
        parts.append(run_name if run_len == 1 else f"{run_name} x{run_len}")
    return ", ".join(parts)


def op_counts(model: ParsedModel) -> str:
    counts: dict[str, int] = {}
    for op in model.ops:
        counts[op.name] = counts.get(op.name, 0) + 1
    return ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items())


def build(spec: ModelSpec, out_dir: Path) -> Path:
    buf = convert(spec)
    parsed = parse(buf)
    verify(spec, parsed)
    path = out_dir / spec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf)
    print(f"{spec.path}: {len(buf)} bytes, {len(parsed.ops)} operators")
    print(f"  ops (counts): {op_counts(parsed)}")
    print(f"  ops (order):  {op_summary(parsed)}", flush=True)
    return path


def select(names: Sequence[str] | None) -> list[ModelSpec]:
    if not names:
        return list(SPECS)
    by_name = {spec.name: spec for spec in SPECS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in names]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="output directory")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="build only these models (see --list)"
    )
    parser.add_argument("--list", action="store_true", help="list the model names and exit")
    args = parser.parse_args(argv)
    if args.list:
        for spec in SPECS:
            print(f"{spec.name:32} {spec.path}")
        return 0
    specs = select(args.only)
    _quiet_tensorflow()
    tf = importlib.import_module("tensorflow")
    print(f"TensorFlow {tf.__version__}", flush=True)
    failures: list[str] = []
    for spec in specs:
        try:
            build(spec, args.out)
        except BuildError as err:
            failures.append(f"{spec.name}: {err}")
            print(f"{spec.path}: FAILED: {err}", file=sys.stderr, flush=True)
    if failures:
        print(f"{len(failures)} model(s) failed:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
