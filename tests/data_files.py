"""Small data sets written in the formats they are distributed in (MNIST's IDX files, Semeion's
text lines), for the tests of the loaders and of the reproductions that read them."""

from __future__ import annotations

import gzip
import struct

import numpy as np


def idx_bytes(a: np.ndarray) -> bytes:
    """``a`` as an IDX file: the magic number (type code, rank), the big-endian shape, the data."""
    code = {np.dtype("uint8"): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f8"): 0x0E}[a.dtype]
    return bytes([0, 0, code, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes()


def write_mnist(root, split="train", n=5, gz=False, sub=""):
    """MNIST's ``split`` as IDX files (gzipped with ``gz``, under ``root/sub``): ``n`` random
    28 x 28 ``uint8`` images and their labels, returned as ``(images, labels)``."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.uint8)
    stem = {"train": "train", "test": "t10k"}[split]
    d = root / sub if sub else root
    d.mkdir(parents=True, exist_ok=True)
    for name, a in ((f"{stem}-images-idx3-ubyte", X), (f"{stem}-labels-idx1-ubyte", y)):
        raw = idx_bytes(a)
        if gz:
            with gzip.open(d / (name + ".gz"), "wb") as fh:
                fh.write(raw)
        else:
            (d / name).write_bytes(raw)
    return X, y


def write_semeion(root, n=3, bad_line=None):
    """Semeion as distributed (``semeion.data``): ``n`` lines of 256 random 0/1 pixels then a
    one-hot label of 10 entries (line 2 replaced by ``bad_line`` when given), returned as
    ``(pixels, labels)``."""
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 2, (n, 256)).astype(float)
    labels = rng.integers(0, 10, n)
    lines = []
    for p, c in zip(pixels, labels, strict=True):
        onehot = ["1" if k == c else "0" for k in range(10)]
        lines.append(" ".join(f"{v:.4f}" for v in p) + " " + " ".join(onehot) + " ")
    if bad_line is not None:
        lines[1] = bad_line
    (root / "semeion.data").write_text("\n".join(lines) + "\n")
    return pixels, labels
