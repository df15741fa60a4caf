"""Write a new operator order and an offline memory plan into a ``.tflite`` model.

The model is unpacked with the TFLite schema's object API (``ai_edge_litert``), changed in two
places only, and packed again:

* subgraph 0's ``operators`` are put in the new order (tensor indices, tensors, inputs,
  outputs, every other subgraph, signatures and buffers are left as they are);
* the plan goes into the metadata entry named ``OfflineMemoryAllocation``, a buffer of
  little-endian int32 ``[version, subgraphs, n, offset_0 ... offset_n-1]`` with one offset per
  tensor of all subgraphs (subgraph 0's first), ``-1`` where TFLM plans the tensor itself
  (``tensorflow/lite/micro/docs/memory_management.md``; TFLM reads ``n`` and the offsets and
  ignores the first two words). An existing entry is replaced, other metadata is kept.

Buffer contents are written 16-byte aligned (the schema's ``force_align: 16``). Models whose
buffers live outside the flatbuffer (``offset``/``size``, used past 2 GB) are refused: the
object API would drop that data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.errors import ModelError
from planner.model.schema import tflite_object_api
from planner.model.tflite_reader import OFFLINE_PLAN_METADATA

#: The first word of the metadata buffer (TFLM's own tests write 1; TFLM ignores it).
OFFLINE_PLAN_VERSION = 1
_DATA_ALIGNMENT = 16


def pack_aligned_bytes(builder: Any, payload: bytes) -> int:
    """A byte vector whose data starts on a 16-byte boundary (the schema's ``force_align: 16``
    for buffer data); returns its offset."""
    builder.StartVector(1, len(payload), _DATA_ALIGNMENT)
    builder.head = builder.head - len(payload)
    builder.Bytes[builder.head : builder.head + len(payload)] = payload
    builder.vectorNumElems = len(payload)
    return int(builder.EndVector())


def _aligned_buffer_class(s: Any) -> type:
    class AlignedBufferT(s.BufferT):  # type: ignore[misc, name-defined]
        """``BufferT`` whose data vector starts on a 16-byte boundary."""

        def Pack(self, builder: Any) -> int:
            data = None
            if self.data is not None:
                data = pack_aligned_bytes(builder, np.asarray(self.data, dtype=np.uint8).tobytes())
            s.BufferStart(builder)
            if data is not None:
                s.BufferAddData(builder, data)
            s.BufferAddOffset(builder, self.offset)
            s.BufferAddSize(builder, self.size)
            return int(s.BufferEnd(builder))

    return AlignedBufferT


def offline_plan_words(offsets: Sequence[int], subgraphs: int) -> bytes:
    """The ``OfflineMemoryAllocation`` buffer for ``offsets`` (one per tensor, -1 = online)."""
    words = [OFFLINE_PLAN_VERSION, subgraphs, len(offsets), *offsets]
    return np.asarray(words, dtype="<i4").tobytes()


def _name(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if value is not None else ""


def rewrite_model(
    data: bytes,
    *,
    order: Sequence[int] | None = None,
    offline_offsets: Sequence[int] | None = None,
    name: str = "<memory>",
) -> bytes:
    """``data`` with subgraph 0's operators in ``order`` (original indices) and, if given,
    ``offline_offsets`` as its ``OfflineMemoryAllocation`` metadata."""
    import flatbuffers  # type: ignore[import-untyped]

    s = tflite_object_api()
    try:
        model = s.ModelT.InitFromPackedBuf(data, 0)
    except Exception as exc:  # the generated code raises anything on a broken file
        raise ModelError(f"{name}: cannot unpack the model to rewrite it: {exc}") from exc
    buffers = list(model.buffers or [])
    if any((b.offset or 0) > 1 for b in buffers):
        raise ModelError(
            f"{name}: the model keeps buffers outside the flatbuffer; rewriting it is not supported"
        )
    if order is not None:
        ops = list(model.subgraphs[0].operators or [])
        if sorted(order) != list(range(len(ops))):
            raise ModelError(f"{name}: the new order is not a permutation of subgraph 0's ops")
        model.subgraphs[0].operators = [ops[i] for i in order]
    if offline_offsets is not None:
        total = sum(len(sg.tensors or []) for sg in model.subgraphs)
        if len(offline_offsets) != total:
            raise ModelError(f"{name}: {len(offline_offsets)} offline offsets for {total} tensors")
        payload = np.frombuffer(
            offline_plan_words(offline_offsets, len(model.subgraphs)), dtype=np.uint8
        ).copy()
        metadata = list(model.metadata or [])
        entry = next((m for m in metadata if _name(m.name) == OFFLINE_PLAN_METADATA), None)
        new_buffer = s.BufferT()
        new_buffer.data = payload
        buffers.append(new_buffer)
        if entry is None:
            entry = s.MetadataT()
            entry.name = OFFLINE_PLAN_METADATA
            metadata.append(entry)
        # The new plan gets its own buffer; an old plan's buffer stays (unreferenced by it),
        # so no other index in the model moves.
        entry.buffer = len(buffers) - 1
        model.metadata = metadata
    aligned = _aligned_buffer_class(s)
    packed_buffers = []
    for b in buffers:
        a = aligned()
        a.data, a.offset, a.size = b.data, b.offset, b.size
        packed_buffers.append(a)
    model.buffers = packed_buffers
    builder = flatbuffers.Builder(max(1024, len(data) + 4096))
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


__all__ = ["OFFLINE_PLAN_VERSION", "offline_plan_words", "rewrite_model"]
