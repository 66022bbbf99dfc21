"""Strata training-data client: batch reads as numpy arrays without copying, a stateless epoch iterator,
and a torch IterableDataset (torch optional)."""
from .client import Client, StrataHTTPError
from .frame import Batch, decode_frame
from .dataset import StrataIterableDataset
from .webdataset import decode_sample

__all__ = ["Client", "StrataHTTPError", "Batch", "decode_frame", "StrataIterableDataset", "decode_sample"]
__version__ = "0.1.0"
