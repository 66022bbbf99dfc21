"""WebDataset samples of `tar` mounts: a record's value is the tar bytes of one sample's members."""
from __future__ import annotations

import io
import tarfile
from typing import Dict


def decode_sample(value) -> Dict[str, bytes]:
    """{extension: bytes} of one sample, e.g. {"jpg": b"...", "cls": b"3"} (WebDataset's convention:
    the extension is everything after the first dot of the member's basename)."""
    out: Dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(bytes(value)), mode="r:") as tf:
        for m in tf:
            if not m.isfile():
                continue
            base = m.name.rsplit("/", 1)[-1]
            ext = base.split(".", 1)[1] if "." in base[1:] else ""
            f = tf.extractfile(m)
            out[ext] = f.read() if f else b""
    return out
