import io
import os
import tarfile

import numpy as np
import pyarrow as pa
import pytest

from strata_client import Client, StrataHTTPError, StrataIterableDataset, decode_sample
from conftest import wait_indexed

N = 96
SIZE = 48


@pytest.fixture(scope="module")
def mounted(strata):
    """A raw mount of N equal-size files and a jsonl mount, both on file:// sources."""
    src = strata.tmp / "src"
    (src / "fixed").mkdir(parents=True)
    for i in range(N):
        (src / "fixed" / f"{i:04d}.bin").write_bytes(bytes([i % 256]) * SIZE)
    (src / "lines").mkdir()
    for s in range(3):
        (src / "lines" / f"shard{s}.jsonl").write_text("".join(f'{{"s":{s},"i":{i}}}\n' for i in range(0, 70, 7)))
    (src / "tar").mkdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for i in range(5):
            for ext, data in (("jpg", bytes([i]) * (100 + i)), ("cls", str(i).encode())):
                info = tarfile.TarInfo(f"s/{i:03d}.{ext}")
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    (src / "tar" / "shard.tar").write_bytes(buf.getvalue())
    c = Client(strata.url)
    c.mount("ml", "fixed", f"file://{src / 'fixed'}", "raw")
    c.mount("ml", "lines", f"file://{src / 'lines'}", "jsonl")
    c.mount("ml", "samples", f"file://{src / 'tar'}", "tar")
    for t in ("fixed", "lines", "samples"):
        wait_indexed(c, "ml", t)
    return c


def test_raw_batch_is_a_zero_copy_numpy_view(mounted):
    b = mounted.batch("ml", "fixed", 0, offset=10, max_records=20)
    assert len(b) == 20 and b.next_offset == 30
    assert b.offsets.tolist() == list(range(10, 30))
    t = b.tensor()
    assert t.shape == (20, SIZE)
    assert np.shares_memory(t, np.frombuffer(b.buffer, dtype=np.uint8))
    assert all((t[i] == (10 + i) % 256).all() for i in range(20))
    assert b.key(0) == b"0010.bin"


def test_arrow_batch_has_a_fixed_shape_tensor_column(mounted):
    table = mounted.batch("ml", "fixed", 0, offset=0, max_records=8, format="arrow")
    assert table.num_rows == 8
    col = table.column("value")
    assert isinstance(col.type, pa.FixedShapeTensorType)
    arr = col.combine_chunks().to_numpy_ndarray()
    assert arr.shape == (8, SIZE) and int(arr[3][0]) == 3
    lines = mounted.batch("ml", "lines", 0, offset=0, max_records=100, format="arrow")
    assert lines.column("value").type == pa.binary() and lines.num_rows == 30


def test_jsonl_records_and_errors(mounted):
    b = mounted.batch("ml", "lines", 0, offset=0, max_records=100)
    assert [bytes(v) for v in b.values()][:2] == [b'{"s":0,"i":0}', b'{"s":0,"i":7}']
    with pytest.raises(StrataHTTPError) as e:
        mounted.batch("ml", "nope", 0)
    assert e.value.code == "STRATA_ERR_TOPIC_NOT_FOUND"


def test_tar_samples_decode_to_webdataset_dicts(mounted):
    b = mounted.batch("ml", "samples", 0, offset=0, max_records=10)
    assert len(b) == 5 and b.key(2) == b"s/002"
    sample = decode_sample(b.value(2))
    assert sample == {"jpg": bytes([2]) * 102, "cls": b"2"}


@pytest.mark.parametrize("world", [1, 2, 4, 8])
def test_epoch_covers_topic_once_for_every_world_size(mounted, world):
    seen = []
    for rank in range(world):
        for b in mounted.epoch_batches("ml", "fixed", seed=5, epoch=0, rank=rank, world_size=world, batch_size=7):
            seen.extend(b.offsets.tolist())
    assert sorted(seen) == list(range(N))


def test_epoch_order_deterministic_and_epoch_dependent(mounted):
    order = lambda e: [o for b in mounted.epoch_batches("ml", "fixed", seed=1, epoch=e, batch_size=16) for o in b.offsets.tolist()]
    assert order(0) == order(0)
    assert order(0) != order(1)
    assert sorted(order(1)) == list(range(N))


@pytest.mark.parametrize("world", [1, 4])
def test_block_shuffle_covers_topic_once_and_keeps_batches_local(mounted, world):
    seen, global_order = [], []
    for rank in range(world):
        for b in mounted.epoch_batches("ml", "fixed", seed=5, epoch=0, rank=rank, world_size=world, batch_size=8,
                                       shuffle_block=10, shuffle_window=2):
            seen.extend(b.offsets.tolist())
            if world == 1:
                assert len({o // 10 for o in b.offsets.tolist()}) <= 4  # a batch spans the 2 blocks of a window, or 2 windows
    assert sorted(seen) == list(range(N))
    plain = [o for b in mounted.epoch_batches("ml", "fixed", seed=5, epoch=0, batch_size=8) for o in b.offsets.tolist()]
    if world == 1:
        assert seen != plain


def test_dataset_state_dict_resumes_the_same_sequence(strata, mounted):
    ds = StrataIterableDataset(strata.url, "ml", "fixed", batch_size=10, seed=9, epoch=2, pin_memory=False)
    full = [np.asarray(item["offset"]).tolist() for item in ds]
    ds2 = StrataIterableDataset(strata.url, "ml", "fixed", batch_size=10, seed=9, epoch=2, pin_memory=False)
    it = iter(ds2)
    head = [np.asarray(next(it)["offset"]).tolist() for _ in range(3)]
    state = ds2.state_dict()
    assert state["position"] == 3
    ds3 = StrataIterableDataset(strata.url, "ml", "fixed", batch_size=10, pin_memory=False)
    ds3.load_state_dict(state)
    rest = [np.asarray(item["offset"]).tolist() for item in ds3]
    assert head + rest == full
    assert sum(len(x) for x in full) == N
