"""A torch IterableDataset over Strata's epoch iterator. torch is optional: without it the class still
works as a plain iterable (numpy batches), which is how the tests exercise it.

Each item is one batch (use DataLoader(dataset, batch_size=None)): a dict with
  "value"     (N, S) tensor/ndarray when every value has the same size, else a list of 1-D arrays
  "offset", "partition", "timestamp"  int64 arrays; "key" list of bytes|None
Resuming: state_dict() → {"seed", "epoch", "position", "records", "shuffle_block", "shuffle_window"};
load_state_dict() continues with the
next batch of the same order. With DataLoader workers, each worker takes a strided slice of the rank's
batches; resume is exact with num_workers=0 (see docs/training.md).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .client import Client
from .frame import Batch

try:  # torch is optional
    import torch
    from torch.utils.data import IterableDataset as _Base
except ImportError:  # pragma: no cover - exercised when torch is absent
    torch = None
    _Base = object


def _dist_rank_world():
    if torch is not None and torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class StrataIterableDataset(_Base):
    def __init__(self, url: str, namespace: str, topic: str, batch_size: int = 256, seed=0, epoch: int = 0,
                 rank: Optional[int] = None, world_size: Optional[int] = None, transform: Optional[Callable] = None,
                 pin_memory: Optional[bool] = None, prefetch: int = 2, shuffle_block: int = 0, shuffle_window: int = 8):
        self.url, self.namespace, self.topic = url, namespace, topic
        self.batch_size, self.seed, self.epoch = batch_size, seed, epoch
        r, w = _dist_rank_world()
        self.rank = r if rank is None else rank
        self.world_size = w if world_size is None else world_size
        self.transform = transform
        self.pin_memory = pin_memory
        self.prefetch = prefetch
        self.shuffle = {"shuffle_block": shuffle_block, "shuffle_window": shuffle_window}  # part of the order
        self.position = 0
        self.records: Optional[int] = None

    # -- resumable state ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"seed": self.seed, "epoch": self.epoch, "position": self.position, "records": self.records, **self.shuffle}

    def load_state_dict(self, state: dict) -> None:
        self.seed = state["seed"]
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self.records = state.get("records")
        self.shuffle = {k: int(state.get(k, v)) for k, v in self.shuffle.items()}

    def set_epoch(self, epoch: int) -> None:
        """Starts epoch `epoch` from its first batch (the order is a function of seed and epoch)."""
        self.epoch = int(epoch)
        self.position = 0
        self.records = None

    # -- iteration ---------------------------------------------------------------------------------
    def _convert(self, b: Batch) -> dict:
        item = {"offset": b.offsets, "partition": b.partitions, "timestamp": b.timestamps, "key": b.keys()}
        value = b.tensor() if b.fixed_size is not None and len(b) > 0 else b.values()
        if torch is not None:
            if isinstance(value, np.ndarray):
                t = torch.from_numpy(value)
                pin = self.pin_memory if self.pin_memory is not None else torch.cuda.is_available()
                value = t.pin_memory() if pin else t
            item = {**item, "offset": torch.from_numpy(np.asarray(b.offsets)), "partition": torch.from_numpy(np.asarray(b.partitions)),
                    "timestamp": torch.from_numpy(np.asarray(b.timestamps))}
        item["value"] = value
        return self.transform(item) if self.transform else item

    def __iter__(self):
        client = Client(self.url)
        worker, workers = 0, 1
        if torch is not None:
            info = torch.utils.data.get_worker_info()
            if info is not None:
                worker, workers = info.id, info.num_workers
        try:
            if workers == 1:
                for b in client.epoch_batches(self.namespace, self.topic, seed=self.seed, epoch=self.epoch, rank=self.rank,
                                              world_size=self.world_size, batch_size=self.batch_size, position=self.position,
                                              records=self.records, prefetch=self.prefetch, **self.shuffle):
                    self.records = self.records or int(b.headers.get("x-strata-epoch-records", 0)) or None
                    self.position = b.next_position if b.next_position >= 0 else b.position + 1
                    yield self._convert(b)
            else:
                pos = self.position + worker
                while True:
                    b, meta = client.epoch_batch(self.namespace, self.topic, seed=self.seed, epoch=self.epoch, rank=self.rank,
                                                 world_size=self.world_size, batch_size=self.batch_size, position=pos, records=self.records,
                                                 **self.shuffle)
                    self.records = meta["records"]
                    yield self._convert(b)
                    pos += workers
                    if pos >= meta["batches"]:
                        break
        finally:
            client.close()
