#!/usr/bin/env python3
"""Training-data read of a mounted bucket: Strata's epoch iterator (Python client) vs a plain boto3 loop
with 8 threads reading the same objects in the same shuffled order, on a local MinIO, with 0 ms and 20 ms of
injected store latency. Prints ratios (epoch 1 and epoch 2) and the machine.

  npm run build && python3 -m pip install numpy pyarrow boto3 && python3 bench/training-read.py [--objects 20000]
  python3 bench/training-read.py --shards 50 --shard-mib 16      # jsonl shards: one record per line
  python3 bench/training-read.py --shards 50 --shuffle-block 4096 # the same with the iterator's block shuffle
  python3 bench/training-read.py --ceiling                        # the client's loopback HTTP ceiling alone

With --shards, N jsonl shards of M MiB (lines of 200-1800 bytes) are mounted with format jsonl; boto3 reads the
whole shards with 8 threads and splits them into lines, Strata's iterator returns the lines in shuffled order.

Latency: Strata's mount source is wrapped in the seeded fault store (--mount-source-latency); the boto3 loop
sleeps the same time before each GET, i.e. both pay it per request to the store.

STRATA_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds node flags to the Strata process (profiling).
"""
import argparse
import json
import os
import pathlib
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "connectors" / "python"))
from strata_client import Client  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start_minio(tmp):
    binary = shutil.which("minio") or str(ROOT / ".cache" / "bin" / "minio")
    port = free_port()
    env = {**os.environ, "MINIO_ROOT_USER": "minioadmin", "MINIO_ROOT_PASSWORD": "minioadmin"}
    p = subprocess.Popen([binary, "server", str(tmp / "minio"), "--address", f"127.0.0.1:{port}", "--console-address", f"127.0.0.1:{free_port()}", "--quiet"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, f"http://127.0.0.1:{port}"


def start_strata(tmp, endpoint, latency_ms):
    # STRATA_BENCH_NODE_ARGS: extra node flags for the Strata process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
    args = ["node", *os.environ.get("STRATA_BENCH_NODE_ARGS", "").split(), str(ROOT / "bin" / "strata.js"), "start", "--http-port", "0", "--mqtt-port", "0", "--kafka-port", "0",
            "--data-dir", str(tmp / f"strata-{latency_ms}"), "--s3-endpoint", endpoint, "--s3-access-key-id", "minioadmin",
            "--s3-secret-access-key", "minioadmin", "--mount-source-latency", f"{latency_ms}ms", "--mount-cache-memory", "2GiB", "--log-level", "info"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    port = None
    for line in p.stdout:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == "listening" and rec.get("protocol") == "http":
            port = rec["port"]
        if rec.get("msg") == "started":
            break
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, f"http://127.0.0.1:{port}"


def s3(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="minioadmin", aws_secret_access_key="minioadmin",
                        region_name="us-east-1", config=Config(max_pool_connections=32, s3={"addressing_style": "path"}))


def upload(client, bucket, n, size):
    client.create_bucket(Bucket=bucket)
    rnd = random.Random(1)
    payloads = [bytes(rnd.getrandbits(8) for _ in range(256)) * (size // 256) for _ in range(16)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: client.put_object(Bucket=bucket, Key=f"data/{i:08d}.bin", Body=payloads[i % 16]), range(n)))


def boto3_epoch(client, bucket, keys, latency_ms, threads=8):
    def get(k):
        if latency_ms:
            time.sleep(latency_ms / 1000)
        return len(client.get_object(Bucket=bucket, Key=k)["Body"].read())
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(get, keys))
    return time.perf_counter() - t, total


def mount_and_wait(c, topic, source, fmt, records):
    """Mounts `source` as bench/<topic> and waits until it is listed and holds `records` records."""
    c.mount("bench", topic, source, fmt)
    while True:
        d = c.describe_mount("bench", topic)
        if not d["progress"]["listing"] and d["highWatermark"] == records:
            return
        time.sleep(0.1)


def make_shard(mib):
    rnd = random.Random(2)
    lines, size, i = [], 0, 0
    while size < mib * 1024 * 1024:
        text = "".join(rnd.choice("abcdefghij ") for _ in range(64)) * rnd.randint(3, 28)
        line = json.dumps({"id": i, "text": text}).encode() + b"\n"
        lines.append(line)
        size += len(line)
        i += 1
    return b"".join(lines), len(lines)


def upload_shards(client, bucket, n, mib):
    client.create_bucket(Bucket=bucket)
    body, lines = make_shard(mib)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.put_object(Bucket=bucket, Key=f"shards/{i:05d}.jsonl", Body=body), range(n)))
    return lines, len(body) - lines  # records per shard, value bytes per shard (without newlines)


def boto3_shards(client, bucket, keys, latency_ms, threads=8):
    def get(k):
        if latency_ms:
            time.sleep(latency_ms / 1000)
        body = client.get_object(Bucket=bucket, Key=k)["Body"].read()
        lines = body.split(b"\n")[:-1]
        return len(lines), sum(len(x) for x in lines)
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        got = list(pool.map(get, keys))
    return time.perf_counter() - t, sum(g[0] for g in got), sum(g[1] for g in got)


def proc_cpu(pid):
    """CPU seconds (user + system) of a process so far, from /proc (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def strata_records_epoch(c, topic, epoch, batch_size, server_pid=None, shuffle=None):
    """One epoch of the lines through the iterator: seconds, records, value bytes, and the CPU seconds spent by
    the Strata process and by this (client) process meanwhile."""
    cpu0, me0 = proc_cpu(server_pid) if server_pid else None, time.process_time()
    t = time.perf_counter()
    total = 0
    n = 0
    for b in c.epoch_batches("bench", topic, seed=7, epoch=epoch, batch_size=batch_size, prefetch=4, **(shuffle or {})):
        total += int(b.value_lengths.sum())
        n += len(b)
    wall = time.perf_counter() - t
    cpu1 = proc_cpu(server_pid) if server_pid else None
    server = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return wall, n, total, server, time.process_time() - me0


def strata_in_order(c, topic, records, server_pid=None):
    """Every line in offset order through the batch endpoint (4 MiB per request): seconds, value bytes, server CPU s."""
    cpu0 = proc_cpu(server_pid) if server_pid else None
    t = time.perf_counter()
    off = n = total = 0
    while off < records:
        b = c.batch("bench", topic, offset=off, max_records=4096, max_bytes=4 << 20)
        n += len(b)
        total += int(b.value_lengths.sum())
        off = b.next_offset
    wall = time.perf_counter() - t
    assert n == records, (n, records)
    cpu1 = proc_cpu(server_pid) if server_pid else None
    return wall, total, (cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None)


def shards_main(a, tmp, endpoint, cl):
    per_shard, bytes_per_shard = upload_shards(cl, "shards", a.shards, a.shard_mib)
    records, value_bytes = per_shard * a.shards, bytes_per_shard * a.shards
    shuffle = f"block shuffle ({a.shuffle_block} records x {a.shuffle_window})" if a.shuffle_block else "global shuffle"
    print(f"dataset: {a.shards} jsonl shards x {a.shard_mib} MiB = {records} records on a local MinIO, jsonl mount, batch size {a.batch_size}, {shuffle}")
    keys = [f"shards/{i:05d}.jsonl" for i in range(a.shards)]
    rows = []
    for lat in [int(x) for x in a.latencies.split(",")]:
        proc, url = start_strata(tmp, endpoint, lat)
        try:
            c = Client(url)
            mount_and_wait(c, "lines", "s3://shards/shards/", "jsonl", records)
            order = keys[:]
            random.Random(lat).shuffle(order)
            b1, bn, bb = boto3_shards(cl, "shards", order, lat)
            b2, _, _ = boto3_shards(cl, "shards", order, lat)
            shuffle = {"shuffle_block": a.shuffle_block, "shuffle_window": a.shuffle_window} if a.shuffle_block else None
            s1, sn, sb, c1, p1 = strata_records_epoch(c, "lines", 0, a.batch_size, proc.pid, shuffle)
            s2, _, _, c2, p2 = strata_records_epoch(c, "lines", 1, a.batch_size, proc.pid, shuffle)
            s3, ob, c3 = strata_in_order(c, "lines", records, proc.pid)
            assert bn == sn == records and bb == sb == ob == value_bytes, (bn, sn, records, bb, sb, ob, value_bytes)
            for name, bt, st, cpu, py in (("epoch 1", b1, s1, c1, p1), ("epoch 2", b2, s2, c2, p2)):
                mib = value_bytes / 1048576
                rows.append((lat, name, mib / bt, mib / st, bt / st))
                busy = f"   CPU: strata {cpu / st:.0%} of a core, {1e6 * cpu / records:.1f} us/record; client {py / st:.0%}" if cpu is not None else ""
                print(f"latency {lat:>2} ms {name}: boto3 x8 {mib / bt:8.1f} MiB/s   strata {mib / st:8.1f} MiB/s ({records / st:.0f} records/s)   ratio {bt / st:5.2f}x{busy}", flush=True)
            mib = value_bytes / 1048576
            busy = f"   CPU: strata {c3 / s3:.0%} of a core, {1e6 * c3 / records:.1f} us/record" if c3 is not None else ""
            rows.append((lat, "in order, batch endpoint (vs boto3's 2nd pass)", mib / b2, mib / s3, b2 / s3))
            print(f"latency {lat:>2} ms in order (batch endpoint): strata {mib / s3:8.1f} MiB/s   vs boto3's 2nd pass {b2 / s3:5.2f}x{busy}", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    print("\n| store latency | epoch | boto3, 8 threads, whole shards (MiB/s) | Strata epoch iterator, shuffled lines (MiB/s) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for lat, name, b, s, r in rows:
        print(f"| {lat} ms | {name} | {b:.1f} | {s:.1f} | {r:.2f}x |")


def strata_epoch(c, epoch, batch_size, client_prefetch=4, step_ms=0):
    """One epoch through the iterator; step_ms > 0 sleeps that long per batch (a training step using the batch)."""
    t = time.perf_counter()
    total = 0
    n = 0
    for b in c.epoch_batches("bench", "objects", seed=7, epoch=epoch, batch_size=batch_size, prefetch=client_prefetch):
        x = b.tensor()
        total += x.size
        n += len(b)
        if step_ms:
            time.sleep(step_ms / 1000)
    return time.perf_counter() - t, total


CEILING_SERVER = r"""
const http = require('node:http');
const body = Buffer.alloc(Number(process.argv[1]), 1);
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/vnd.strata.batch', 'content-length': body.length }); res.end(body); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
"""


def ceiling_main(a):
    """The transport ceiling: the Python client's HTTP path reading one preassembled frame over and over from a Node
    server that does nothing else. No broker can hand this client more bytes per second over loopback HTTP here."""
    size = int(a.ceiling_frame_kib * 1024)
    p = subprocess.Popen(["node", "-e", CEILING_SERVER, str(size)], stdout=subprocess.PIPE, text=True)
    try:
        c = Client(f"http://127.0.0.1:{int(p.stdout.readline())}")
        print(f"transport ceiling: {size} B responses from a Node HTTP server that only sends a preassembled buffer")
        for threads in (1, a.client_prefetch):
            for _ in range(2):
                n = max(200, int(2 * 2**30 / size))
                cpu0, me0, t = proc_cpu(p.pid), time.process_time(), time.perf_counter()
                with ThreadPoolExecutor(threads) as pool:
                    total = sum(len(r[2]) for r in pool.map(lambda i: c.request("GET", "/x"), range(n)))
                wall = time.perf_counter() - t
                server = proc_cpu(p.pid)
                busy = f"   server {(server - cpu0) / wall:.0%} of a core, client {(time.process_time() - me0) / wall:.0%}" if server is not None and cpu0 is not None else ""
                print(f"{threads} request(s) in flight: {total / wall / 2**20:8.1f} MiB/s{busy}", flush=True)
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64 * 1024)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--latencies", default="0,20")
    ap.add_argument("--shards", type=int, default=0, help="jsonl mode: number of shards (e.g. 50)")
    ap.add_argument("--shard-mib", type=int, default=16)
    ap.add_argument("--client-prefetch", type=int, default=4, help="batches the Python client keeps in flight")
    ap.add_argument("--step-ms", type=float, default=0, help="raw mode: simulated training step per batch (sleep), to see prefetch hide the store")
    ap.add_argument("--shuffle-block", type=int, default=0, help="jsonl mode: the iterator's block shuffle, records per block (0: global shuffle)")
    ap.add_argument("--shuffle-window", type=int, default=8, help="jsonl mode: blocks mixed together by the block shuffle")
    ap.add_argument("--ceiling", action="store_true", help="only measure the loopback HTTP ceiling of the Python client (no MinIO, no Strata)")
    ap.add_argument("--ceiling-frame-kib", type=float, default=1100, help="response size for --ceiling (default: about one 1024-line jsonl batch)")
    a = ap.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}, python {platform.python_version()}")
    if a.ceiling:
        ceiling_main(a)
        return
    if a.shards:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="strata-bench-"))
        minio, endpoint = start_minio(tmp)
        try:
            time.sleep(2)
            shards_main(a, tmp, endpoint, s3(endpoint))
        finally:
            minio.terminate()
            minio.wait(30)
            shutil.rmtree(tmp, ignore_errors=True)
        return
    print(f"dataset: {a.objects} objects x {a.size // 1024} KiB on a local MinIO, raw mount, batch size {a.batch_size}")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="strata-bench-"))
    minio, endpoint = start_minio(tmp)
    try:
        time.sleep(2)
        cl = s3(endpoint)
        upload(cl, "train", a.objects, a.size)
        keys = [f"data/{i:08d}.bin" for i in range(a.objects)]
        rows = []
        for lat in [int(x) for x in a.latencies.split(",")]:
            proc, url = start_strata(tmp, endpoint, lat)
            try:
                c = Client(url)
                mount_and_wait(c, "objects", "s3://train/data/", "raw", a.objects)
                order = keys[:]
                random.Random(lat).shuffle(order)
                b1, n1 = boto3_epoch(cl, "train", order, lat)
                b2, n2 = boto3_epoch(cl, "train", order, lat)
                s1, m1 = strata_epoch(c, 0, a.batch_size, a.client_prefetch, a.step_ms)
                st1 = c.describe_mount("bench", "objects").get("cache", {})
                s2, m2 = strata_epoch(c, 1, a.batch_size, a.client_prefetch, a.step_ms)
                st2 = c.describe_mount("bench", "objects").get("cache", {})
                pf = st1.get("prefetch", {})
                print(f"latency {lat:>2} ms cache after epoch 1: gets {st1.get('gets')} misses {st1.get('misses')} prefetch issued {pf.get('issued')} "
                      f"used {pf.get('used')} wasted {pf.get('wasted')} late {pf.get('late')}; after epoch 2: gets {st2.get('gets')} hits {st2.get('hits')}", flush=True)
                assert n1 == m1 == a.objects * a.size, (n1, m1)
                for name, bt, st in (("epoch 1", b1, s1), ("epoch 2", b2, s2)):
                    rows.append((lat, name, a.objects / bt, a.objects / st, bt / st))
                    print(f"latency {lat:>2} ms {name}: boto3 x8 {a.objects / bt:8.0f} obj/s   strata {a.objects / st:8.0f} obj/s   ratio {bt / st:5.2f}x", flush=True)
            finally:
                proc.terminate()
                proc.wait(30)
        print("\n| store latency | epoch | boto3, 8 threads (obj/s) | Strata epoch iterator (obj/s) | ratio |")
        print("| --- | --- | --- | --- | --- |")
        for lat, name, b, s, r in rows:
            print(f"| {lat} ms | {name} | {b:.0f} | {s:.0f} | {r:.2f}x |")
    finally:
        minio.terminate()
        minio.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
