"""Real data sets from a local directory, never downloaded: MNIST (IDX files, gzipped or not),
CIFAR-10 (the pickled batches of ``cifar-10-python.tar.gz``, unpacked) and Semeion
(``semeion.data``), the data sets of k22 §2.2 (Semeion, Figures 1b/1c) and §3.4 (Tables 2-5).

The directory is the ``--data DIR`` argument of a reproduction or, without one, the
environment variable ``IDENTITY_LANDSCAPES_DATA``. A missing file raises
:class:`DataUnavailable` and a malformed one :class:`CorruptData`, each with a one-line
message naming the file; a reproduction catches the first and runs on the data it has (the
paper's random data set), recording which data each number came from.

Arrays come back as stored: images ``n x H x W x C`` (``uint8`` for MNIST and CIFAR-10,
``float64`` 0/1 for Semeion), labels ``int64`` class indices.
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from checks.inputs import BadInput

__all__ = [
    "ENV_VAR",
    "CorruptData",
    "DataUnavailable",
    "data_dir",
    "find_file",
    "load_cifar10",
    "load_mnist",
    "load_semeion",
    "read_idx",
]

ENV_VAR = "IDENTITY_LANDSCAPES_DATA"

# IDX type codes (LeCun's MNIST page): the element type of the data that follows the header
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_MNIST = {"train": ("train-images", "train-labels"), "test": ("t10k-images", "t10k-labels")}
_CIFAR = {"train": [f"data_batch_{k}" for k in range(1, 6)], "test": ["test_batch"]}


class DataUnavailable(BadInput):
    """A data file is not in the data directory (or no directory is set)."""


class CorruptData(BadInput):
    """A data file is there but not in its standard format."""


def data_dir(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The data directory: ``path`` when given, else ``$IDENTITY_LANDSCAPES_DATA``, else
    ``None`` (no real data: reproductions use the paper's random data set)."""
    chosen = path if path is not None else os.environ.get(ENV_VAR) or None
    if chosen is None:
        return None
    p = Path(chosen).expanduser()
    if not p.is_dir():
        raise DataUnavailable(f"data directory {str(p)!r} does not exist or is not a directory")
    return p


def find_file(directory: str | os.PathLike[str] | None, names: Sequence[str],
              subdirs: Sequence[str] = ("",)) -> Path:
    """The first of ``names`` (each also tried with ``.gz``) found in ``directory`` or one of
    its ``subdirs``; :class:`DataUnavailable` naming what was looked for otherwise."""
    if directory is None:
        raise DataUnavailable("no data directory given (--data DIR or the environment variable "
                              f"{ENV_VAR}); looked for {names[0]}")
    root = Path(directory)
    for sub in subdirs:
        for name in names:
            for candidate in (name, name + ".gz"):
                p = root / sub / candidate if sub else root / candidate
                if p.is_file():
                    return p
    where = ", ".join(str(root / s) if s else str(root) for s in subdirs)
    raise DataUnavailable(f"{names[0]} (or .gz) not found in {where}")


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise CorruptData(f"{path}: cannot be read ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'truncated'})") from None


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """An IDX file (the MNIST format; gzipped when its name ends in ``.gz``): two zero bytes, a
    type code, the number of dimensions, each dimension as a big-endian ``uint32``, then the
    data, big-endian, row-major."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise CorruptData(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise CorruptData(f"{path}: IDX header truncated")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise CorruptData(f"{path}: IDX header promises {expected} data bytes for shape "
                          f"{shape}, the file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(
        dtype.newbyteorder("="))


def load_mnist(directory: str | os.PathLike[str] | None, split: str = "train"
               ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's ``split`` (``train`` or ``test``) from the IDX files in ``directory`` (or its
    ``MNIST/raw`` or ``mnist`` subdirectory): images ``n x 28 x 28 x 1`` ``uint8``, labels."""
    if split not in _MNIST:
        raise BadInput(f"MNIST split must be 'train' or 'test', got {split!r}")
    stem_x, stem_y = _MNIST[split]
    subdirs = ("", "MNIST/raw", "mnist")
    px = find_file(directory, [f"{stem_x}-idx3-ubyte", f"{stem_x}.idx3-ubyte"], subdirs)
    py = find_file(directory, [f"{stem_y}-idx1-ubyte", f"{stem_y}.idx1-ubyte"], subdirs)
    X, y = read_idx(px), read_idx(py)
    if X.ndim != 3 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise CorruptData(f"{px.name} and {py.name}: shapes {X.shape} and {y.shape} are not "
                          "n x rows x cols images with n labels")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise CorruptData(f"{py}: labels outside 0..9")
    return X[..., None], y.astype(np.int64)


class _ArraysOnly(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays only: a CIFAR-10 batch needs nothing else,
    and a pickle that asks for any other global is not one (nor safe to load)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray",
                "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
                ("_codecs", "encode")}  # how protocol 2 writes bytes under Python 3

    def find_class(self, module: str, name: str):  # noqa: ANN201 (pickle's signature)
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # numpy.core under NumPy 2
            return super().find_class(module, name)


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    raw = _read_bytes(path)
    try:
        import io

        d = _ArraysOnly(io.BytesIO(raw), encoding="bytes").load()
    except Exception as exc:  # any unpickling failure is a corrupt file
        raise CorruptData(f"{path}: not a CIFAR-10 batch ({type(exc).__name__})") from None
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        raise CorruptData(f"{path}: not a CIFAR-10 batch (no data/labels entries)")
    X, y = np.asarray(d[b"data"]), np.asarray(d[b"labels"])
    if X.ndim != 2 or X.shape[1] != 3072 or y.shape != (X.shape[0],):
        raise CorruptData(f"{path}: data {X.shape} and labels {y.shape} are not n x 3072 and n")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise CorruptData(f"{path}: labels outside 0..9")
    # rows are 1024 red, 1024 green, 1024 blue values, each 32 x 32 row-major
    return X.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.uint8), y.astype(np.int64)


def load_cifar10(directory: str | os.PathLike[str] | None, split: str = "train"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's ``split`` from the pickled batches (``data_batch_1..5`` for ``train``,
    ``test_batch`` for ``test``) in ``directory`` or its ``cifar-10-batches-py``
    subdirectory: images ``n x 32 x 32 x 3`` ``uint8``, labels."""
    if split not in _CIFAR:
        raise BadInput(f"CIFAR-10 split must be 'train' or 'test', got {split!r}")
    parts = [_cifar_batch(find_file(directory, [name], ("", "cifar-10-batches-py")))
             for name in _CIFAR[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def load_semeion(directory: str | os.PathLike[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """The Semeion handwritten digits (``semeion.data``, UCI): one line per image, 256 pixel
    values (0 or 1, 16 x 16 row-major) then a one-hot label of 10 entries. Images
    ``n x 16 x 16 x 1`` ``float64``, labels ``0..9``; the 16 x 16 x 1 input of k22 §2.2."""
    path = find_file(directory, ["semeion.data"], ("", "semeion"))
    text = _read_bytes(path).decode("ascii", errors="replace")
    rows = []
    for k, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [float(v) for v in line.split()]
        except ValueError:
            raise CorruptData(f"{path}: line {k} holds a value that is not a number") from None
        if len(values) != 266:
            raise CorruptData(f"{path}: line {k} has {len(values)} values, expected 256 + 10")
        rows.append(values)
    if not rows:
        raise CorruptData(f"{path}: no images")
    data = np.asarray(rows)
    pixels, onehot = data[:, :256], data[:, 256:]
    if not np.all((pixels == 0) | (pixels == 1)):
        raise CorruptData(f"{path}: pixel values other than 0 and 1")
    if not (np.all((onehot == 0) | (onehot == 1)) and np.all(onehot.sum(axis=1) == 1)):
        bad = int(np.flatnonzero(~np.all((onehot == 0) | (onehot == 1), axis=1)
                                 | (onehot.sum(axis=1) != 1))[0]) + 1
        raise CorruptData(f"{path}: image {bad} has no one-hot label")
    return pixels.reshape(-1, 16, 16, 1), np.argmax(onehot, axis=1).astype(np.int64)
