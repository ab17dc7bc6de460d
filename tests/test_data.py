"""Local loaders of MNIST, CIFAR-10 and Semeion (k22 §2.2, §3.4), on small files written here in
each data set's real format."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from data_files import idx_bytes, write_mnist, write_semeion

from checks.data import (
    ENV_VAR,
    CorruptData,
    DataUnavailable,
    data_dir,
    load_cifar10,
    load_mnist,
    load_semeion,
    read_idx,
)
from checks.inputs import BadInput


def _one_line(exc: BaseException) -> bool:
    return "\n" not in str(exc) and str(exc) != ""


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_files_load_as_written(tmp_path, gz):
    X, y = write_mnist(tmp_path, gz=gz)
    Xl, yl = load_mnist(tmp_path)
    assert Xl.shape == (5, 28, 28, 1) and Xl.dtype == np.uint8
    assert np.array_equal(Xl[..., 0], X) and np.array_equal(yl, y)


def test_mnist_is_found_in_torchvisions_raw_folder(tmp_path):
    X, _ = write_mnist(tmp_path, split="test", n=3, sub="MNIST/raw")
    assert np.array_equal(load_mnist(tmp_path, "test")[0][..., 0], X)


def test_idx_reads_big_endian_wider_types(tmp_path):
    a = (np.arange(6).reshape(2, 3) - 3).astype(">i4")
    (tmp_path / "a.idx").write_bytes(idx_bytes(a))
    out = read_idx(tmp_path / "a.idx")
    assert np.array_equal(out, np.arange(6).reshape(2, 3) - 3)


@pytest.mark.parametrize("damage", ["magic", "truncated", "header"])
def test_corrupt_idx_is_a_one_line_error(tmp_path, damage):
    raw = idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8))
    raw = {"magic": b"\x01" + raw[1:], "truncated": raw[:-1], "header": raw[:6]}[damage]
    (tmp_path / "x.idx").write_bytes(raw)
    with pytest.raises(CorruptData) as err:
        read_idx(tmp_path / "x.idx")
    assert _one_line(err.value) and "x.idx" in str(err.value)


def test_bad_gzip_is_a_one_line_error(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    write_mnist(tmp_path / "other")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(
        (tmp_path / "other" / "train-labels-idx1-ubyte").read_bytes())
    with pytest.raises(CorruptData) as err:
        load_mnist(tmp_path)
    assert _one_line(err.value)


def test_mnist_images_and_labels_must_pair(tmp_path):
    write_mnist(tmp_path, n=4)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(CorruptData, match="not n x rows x cols images with n labels"):
        load_mnist(tmp_path)


def _write_cifar(root, names, n=4, sub="cifar-10-batches-py"):
    rng = np.random.default_rng(1)
    d = root / sub
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        with open(d / name, "wb") as fh:
            pickle.dump({b"batch_label": b"x", b"data": data, b"labels": labels}, fh, protocol=2)
        out.append((data, labels))
    return out


def test_cifar10_batches_load_with_channels_last(tmp_path):
    batches = _write_cifar(tmp_path, ["test_batch"])
    X, y = load_cifar10(tmp_path, "test")
    data, labels = batches[0]
    assert X.shape == (4, 32, 32, 3) and np.array_equal(y, labels)
    # pixel (row 2, col 5) of the green plane of image 1
    assert X[1, 2, 5, 1] == data[1, 1024 + 2 * 32 + 5]


def test_cifar10_train_concatenates_five_batches(tmp_path):
    _write_cifar(tmp_path, [f"data_batch_{k}" for k in range(1, 6)], n=2)
    X, y = load_cifar10(tmp_path)
    assert X.shape == (10, 32, 32, 3) and y.shape == (10,)


def test_cifar10_missing_batch_names_the_file(tmp_path):
    _write_cifar(tmp_path, [f"data_batch_{k}" for k in range(1, 5)], n=2)
    with pytest.raises(DataUnavailable, match="data_batch_5") as err:
        load_cifar10(tmp_path)
    assert _one_line(err.value)


def _cifar_with_labels(root, labels):
    d = root / "cifar-10-batches-py"
    d.mkdir(exist_ok=True)
    data = np.zeros((len(labels), 3072), dtype=np.uint8)
    with open(d / "test_batch", "wb") as fh:
        pickle.dump({b"data": data, b"labels": list(labels)}, fh, protocol=2)


def test_cifar10_labels_are_the_classes_0_to_9(tmp_path):
    """Every class label 0..9 loads, the first and last included; a label outside is a
    one-line CorruptData."""
    _cifar_with_labels(tmp_path, range(10))
    assert np.array_equal(load_cifar10(tmp_path, "test")[1], np.arange(10))
    for bad in (-1, 10):
        _cifar_with_labels(tmp_path, [0, bad])
        with pytest.raises(CorruptData, match="labels outside 0..9") as err:
            load_cifar10(tmp_path, "test")
        assert _one_line(err.value)


def test_an_unreadable_file_whose_error_has_no_message_reads_as_truncated(tmp_path,
                                                                         monkeypatch):
    """An OSError or EOFError without a message (a file cut short) is reported as
    ``truncated``, on one line naming the file and the error's type."""
    path = tmp_path / "x.idx"
    path.write_bytes(b"")

    def fail(self):
        raise EOFError()

    monkeypatch.setattr(type(path), "read_bytes", fail)
    with pytest.raises(CorruptData, match=r"x\.idx: cannot be read \(EOFError: truncated\)$"):
        read_idx(path)


def test_cifar10_refuses_a_pickle_with_other_globals(tmp_path):
    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    (d / "test_batch").write_bytes(pickle.dumps({b"data": print, b"labels": []}))
    with pytest.raises(CorruptData, match="not a CIFAR-10 batch"):
        load_cifar10(tmp_path, "test")


def test_semeion_lines_load_as_16_by_16_images(tmp_path):
    pixels, labels = write_semeion(tmp_path)
    X, y = load_semeion(tmp_path)
    assert X.shape == (3, 16, 16, 1)
    assert np.array_equal(X.reshape(3, -1), pixels) and np.array_equal(y, labels)


@pytest.mark.parametrize("line, match", [("1 2 3", "has 3 values"),
                                         (" ".join(["0"] * 266), "no one-hot label"),
                                         (" ".join(["x"] * 266), "not a number"),
                                         (" ".join(["2"] * 256 + ["1"] + ["0"] * 9),
                                          "other than 0 and 1")])
def test_corrupt_semeion_names_the_line(tmp_path, line, match):
    write_semeion(tmp_path, bad_line=line)
    with pytest.raises(CorruptData, match=match) as err:
        load_semeion(tmp_path)
    assert _one_line(err.value)


def test_absent_files_are_one_line_errors(tmp_path):
    for load in (load_mnist, load_cifar10, load_semeion):
        with pytest.raises(DataUnavailable) as err:
            load(tmp_path)
        assert _one_line(err.value) and isinstance(err.value, BadInput)


def test_no_directory_means_no_real_data(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert data_dir() is None
    # no "$": the message reaches the report's prose, where a dollar opens a formula
    with pytest.raises(DataUnavailable, match=r"no data directory given \(--data DIR or the "
                       r"environment variable IDENTITY_LANDSCAPES_DATA\)"):
        load_semeion(None)


def test_environment_variable_names_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path
    assert data_dir(tmp_path / "..") == tmp_path / ".."  # an explicit argument wins


def test_missing_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(DataUnavailable, match="does not exist") as err:
        data_dir(tmp_path / "nowhere")
    assert _one_line(err.value)
