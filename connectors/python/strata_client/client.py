"""HTTP client of Strata's training-data API on the standard library (http.client, keep-alive per thread)."""
from __future__ import annotations

import http.client
import json
import threading
from typing import Iterator, Optional
from urllib.parse import quote, urlencode, urlsplit

from .frame import Batch, decode_frame


class StrataHTTPError(Exception):
    """An error answer of the broker: `code` is the STRATA_ERR_* catalog code."""

    def __init__(self, status: int, code: str, message: str, details: Optional[dict] = None):
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.status = status
        self.code = code
        self.details = details or {}


class Client:
    def __init__(self, url: str = "http://127.0.0.1:8080", timeout: float = 60.0):
        u = urlsplit(url)
        if u.scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL {url!r}")
        self._https = u.scheme == "https"
        self._host = u.hostname or "127.0.0.1"
        self._port = u.port or (443 if self._https else 80)
        self._base = u.path.rstrip("/")
        self._timeout = timeout
        self._local = threading.local()

    # -- transport ---------------------------------------------------------------------------------
    def _conn(self) -> http.client.HTTPConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            c = cls(self._host, self._port, timeout=self._timeout)
            self._local.conn = c
        return c

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def request(self, method: str, path: str, query: Optional[dict] = None, body: Optional[dict] = None):
        """Returns (status, headers, body as a writable bytearray). Retries once on a dropped keep-alive socket."""
        url = self._base + path + ("?" + urlencode({k: v for k, v in query.items() if v is not None}) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data is not None else {}
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.request(method, url, body=data, headers=headers)
                resp = conn.getresponse()
                length = resp.getheader("content-length")
                if length is not None:
                    buf = bytearray(int(length))
                    view = memoryview(buf)
                    got = 0
                    while got < len(buf):
                        n = resp.readinto(view[got:])
                        if not n:
                            raise http.client.IncompleteRead(bytes(view[:got]), len(buf) - got)
                        got += n
                else:
                    buf = bytearray(resp.read())
                hdrs = {k.lower(): v for k, v in resp.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.close()
                return resp.status, hdrs, buf
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest):
                self.close()
                if attempt == 1 or method not in ("GET", "HEAD", "DELETE"):
                    raise
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, query=None, body=None, ok=(200, 201, 204)):
        status, _, buf = self.request(method, path, query, body)
        if status not in ok:
            raise _error(status, buf)
        return json.loads(buf) if buf else None

    # -- admin -------------------------------------------------------------------------------------
    def mount(self, namespace: str, topic: str, source: str, format: str = "raw") -> dict:
        return self._json("POST", f"/v1/namespaces/{quote(namespace)}/mounts", body={"source": source, "topic": topic, "format": format})

    def describe_mount(self, namespace: str, topic: str) -> dict:
        return self._json("GET", f"/v1/namespaces/{quote(namespace)}/mounts/{quote(topic)}")

    def mounts(self, namespace: str) -> list:
        return self._json("GET", f"/v1/namespaces/{quote(namespace)}/mounts")["mounts"]

    def unmount(self, namespace: str, topic: str) -> None:
        self._json("DELETE", f"/v1/namespaces/{quote(namespace)}/mounts/{quote(topic)}")

    # -- batch reads -------------------------------------------------------------------------------
    def batch(self, namespace: str, topic: str, partition: int = 0, offset: int = 0, max_records: int = 1000,
              max_bytes: int = 8 << 20, format: str = "raw"):
        """Raw format: a Batch of numpy views (no copy). Arrow format: a pyarrow.Table."""
        status, hdrs, buf = self.request("GET", f"/v1/namespaces/{quote(namespace)}/topics/{quote(topic)}/partitions/{int(partition)}/batch",
                                         {"offset": offset, "max_records": max_records, "max_bytes": max_bytes, "format": format})
        if status != 200:
            raise _error(status, buf)
        nxt = int(hdrs.get("x-strata-next-offset", "-1"))
        if format == "arrow":
            return _arrow(buf)
        b = decode_frame(buf)
        b.next_offset = nxt
        b.headers = hdrs
        return b

    def epoch_batch(self, namespace: str, topic: str, *, seed=0, epoch: int = 0, rank: int = 0, world_size: int = 1,
                    batch_size: int = 256, position: int = 0, records: Optional[int] = None, format: str = "raw",
                    skip_changed: bool = False, shuffle_block: int = 0, shuffle_window: int = 8):
        """One batch of the rank's share of the epoch (see docs/training.md). skip_changed=True leaves out
        records whose mounted source object was deleted or rewritten instead of failing the batch.
        shuffle_block=B > 0 picks the block shuffle: blocks of B consecutive records in random order, mixed
        shuffle_window blocks at a time (faster reads of small records, a weaker shuffle)."""
        status, hdrs, buf = self.request("GET", f"/v1/namespaces/{quote(namespace)}/topics/{quote(topic)}/epoch-batches",
                                         {"seed": seed, "epoch": epoch, "rank": rank, "world_size": world_size, "batch_size": batch_size,
                                          "position": position, "records": records, "format": format,
                                          "skip_changed": "true" if skip_changed else None,
                                          "shuffle_block": shuffle_block or None,
                                          "shuffle_window": shuffle_window if shuffle_block else None})
        if status != 200:
            raise _error(status, buf)
        out = _arrow(buf) if format == "arrow" else decode_frame(buf)
        meta = {"position": position, "next_position": int(hdrs["x-strata-next-position"]), "records": int(hdrs["x-strata-epoch-records"]),
                "rank_records": int(hdrs["x-strata-rank-records"]), "batches": int(hdrs["x-strata-batches"])}
        if isinstance(out, Batch):
            out.position = position
            out.next_position = meta["next_position"]
            out.headers = hdrs
            return out, meta
        return out, meta

    def epoch_batches(self, namespace: str, topic: str, *, seed=0, epoch: int = 0, rank: int = 0, world_size: int = 1,
                      batch_size: int = 256, position: int = 0, records: Optional[int] = None, format: str = "raw",
                      prefetch: int = 2, skip_changed: bool = False, shuffle_block: int = 0, shuffle_window: int = 8) -> Iterator:
        """Yields the rank's batches from `position` to the end of the epoch. The record count is pinned by
        the first answer, so the order stays fixed even if a mount grows. `prefetch` batches are fetched
        ahead on background threads (each with its own keep-alive connection)."""
        from concurrent.futures import ThreadPoolExecutor

        first, meta = self.epoch_batch(namespace, topic, seed=seed, epoch=epoch, rank=rank, world_size=world_size,
                                       batch_size=batch_size, position=position, records=records, format=format,
                                       skip_changed=skip_changed, shuffle_block=shuffle_block, shuffle_window=shuffle_window)
        n = meta["records"]
        total = meta["batches"]
        if position < total:
            yield first
        if meta["next_position"] < 0:
            return
        fetch = lambda p: self.epoch_batch(namespace, topic, seed=seed, epoch=epoch, rank=rank, world_size=world_size,
                                           batch_size=batch_size, position=p, records=n, format=format,
                                           skip_changed=skip_changed, shuffle_block=shuffle_block,
                                           shuffle_window=shuffle_window)[0]
        with ThreadPoolExecutor(max_workers=max(1, prefetch)) as pool:
            pending = {}
            nxt = meta["next_position"]
            for p in range(nxt, min(total, nxt + max(1, prefetch))):
                pending[p] = pool.submit(fetch, p)
            for p in range(nxt, total):
                batch = pending.pop(p).result()
                q = p + max(1, prefetch)
                if q < total:
                    pending[q] = pool.submit(fetch, q)
                yield batch


def _arrow(buf):
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(buf)).read_all()


def _error(status: int, buf) -> StrataHTTPError:
    try:
        e = json.loads(buf)["error"]
        return StrataHTTPError(status, e.get("code", "?"), e.get("message", ""), e.get("details"))
    except Exception:
        return StrataHTTPError(status, "HTTP_ERROR", bytes(buf[:200]).decode("utf-8", "replace"))
