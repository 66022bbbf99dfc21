"""Decoder of Strata's raw batch frame (docs/reference/batch-format.md). Every array returned is a view
into the response buffer (np.frombuffer), never a copy."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

MAGIC = b"STRB"
HEADER = 64
FLAG_FIXED = 1
FLAG_STRIDED = 2


@dataclass
class Batch:
    buffer: memoryview
    partitions: np.ndarray
    offsets: np.ndarray
    timestamps: np.ndarray
    value_starts: np.ndarray
    value_lengths: np.ndarray
    key_starts: np.ndarray
    key_lengths: np.ndarray
    fixed_size: Optional[int]
    strided: bool
    next_offset: int = -1
    #: epoch iterator: position of this batch and of the next one (-1 = the rank's share is done)
    position: int = -1
    next_position: int = -1
    headers: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.offsets.shape[0])

    def value(self, i: int) -> np.ndarray:
        """Record i's value as a uint8 view."""
        s = int(self.value_starts[i])
        return np.frombuffer(self.buffer, dtype=np.uint8, count=int(self.value_lengths[i]), offset=s)

    def values(self) -> List[np.ndarray]:
        return [self.value(i) for i in range(len(self))]

    def key(self, i: int) -> Optional[bytes]:
        n = int(self.key_lengths[i])
        if n < 0:
            return None
        s = int(self.key_starts[i])
        return bytes(self.buffer[s : s + n])

    def keys(self) -> List[Optional[bytes]]:
        return [self.key(i) for i in range(len(self))]

    def tensor(self, dtype=np.uint8, shape=None) -> np.ndarray:
        """All values as one (N, S) array (a strided view, no copy) when every value has the same size.
        With dtype/shape, each row is reinterpreted, e.g. tensor(np.float32, (3, 32, 32))."""
        if self.fixed_size is None or not self.strided:
            raise ValueError("values differ in size: use values()")
        n = len(self)
        size = self.fixed_size
        if n == 0:
            return np.empty((0, size), dtype=np.uint8)
        stride = (size + 63) // 64 * 64
        base = np.ndarray(shape=(n, size), dtype=np.uint8, buffer=self.buffer, offset=int(self.value_starts[0]), strides=(stride, 1))
        if dtype is np.uint8 and shape is None:
            return base
        itemsize = np.dtype(dtype).itemsize
        if size % itemsize:
            raise ValueError(f"value size {size} is not a multiple of {np.dtype(dtype)}")
        shp = tuple(shape) if shape is not None else (size // itemsize,)
        out = np.ndarray(shape=(n, size // itemsize), dtype=dtype, buffer=self.buffer, offset=int(self.value_starts[0]), strides=(stride, itemsize))
        return out.reshape((n,) + shp) if shape is not None else out


def decode_frame(buf) -> Batch:
    """Decodes a raw frame held in `buf` (bytes, bytearray or memoryview) without copying payloads."""
    mv = memoryview(buf)
    if bytes(mv[0:4]) != MAGIC:
        raise ValueError("not a Strata raw batch frame")
    version, header_size, count, flags = np.frombuffer(mv, dtype="<u2", count=2, offset=4).tolist() + np.frombuffer(mv, dtype="<u4", count=2, offset=8).tolist()
    if version != 1:
        raise ValueError(f"unsupported frame version {version}")
    next_offset = int(np.frombuffer(mv, dtype="<i8", count=1, offset=16)[0])
    fixed = int(np.frombuffer(mv, dtype="<u8", count=1, offset=32)[0])
    tables = np.frombuffer(mv, dtype="<i8", count=7 * count, offset=header_size).reshape(7, count) if count else np.zeros((7, 0), dtype="<i8")
    return Batch(
        buffer=mv,
        partitions=tables[0],
        offsets=tables[1],
        timestamps=tables[2],
        value_starts=tables[3],
        value_lengths=tables[4],
        key_starts=tables[5],
        key_lengths=tables[6],
        fixed_size=fixed if flags & FLAG_FIXED else None,
        strided=bool(flags & FLAG_STRIDED),
        next_offset=next_offset,
    )
