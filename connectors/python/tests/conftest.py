"""Starts a real Strata process (node bin/strata.js start, ports 0, fresh data dir) for the client tests.
The repository must be built (npm run build); test/batch/python.test.ts builds it before running pytest."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

ROOT = pathlib.Path(__file__).resolve().parents[3]


class Strata:
    def __init__(self, tmp: pathlib.Path):
        self.tmp = tmp
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_") or k.startswith("STRATA_TEST_")}
        env["STRATA_LOG_LEVEL"] = "info"
        self.proc = subprocess.Popen(
            ["node", str(ROOT / "bin" / "strata.js"), "start", "--http-port", "0", "--mqtt-port", "0", "--kafka-port", "0",
             "--data-dir", str(tmp / "data"), "--mount-poll-interval", "200ms", "--mount-allowed-dirs", str(tmp / "src")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT), text=True)
        self.lines = []
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec.get("msg") == "listening" and rec.get("protocol") == "http":
                    self.port = rec["port"]
                if rec.get("msg") == "started":
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError("strata did not start:\n" + "".join(self.lines[-30:]))
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def strata():
    with tempfile.TemporaryDirectory(prefix="strata-py-") as d:
        s = Strata(pathlib.Path(d))
        try:
            yield s
        finally:
            s.stop()


def wait_indexed(client, ns, topic, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = client.describe_mount(ns, topic)
        p = d["progress"]
        if not p["listing"] and p["objectsIndexed"] == p["objectsTotal"]:
            return d
        time.sleep(0.05)
    raise TimeoutError(f"mount {ns}/{topic} not indexed: {d}")
