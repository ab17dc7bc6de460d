"""Table 2 of k22 §3.4 (checks.reproductions.k22_table2): the safe-exploration rank check runs
on the data sets' own inputs when their files are in the data directory, on synthetic inputs of
their shapes otherwise, and says which."""

from __future__ import annotations

import numpy as np
import pytest
from data_files import write_mnist, write_semeion

from checks.data import ENV_VAR, CorruptData
from checks.reproductions.k22_table2 import real_inputs, table2


def test_real_inputs_are_the_first_n_images_scaled_and_centred(tmp_path):
    images, _ = write_mnist(tmp_path, n=30)
    X, how = real_inputs("MNIST", 20, tmp_path)
    assert X.shape == (20, 784)
    assert np.array_equal(X, images[:20].reshape(20, -1) / 255.0 - 0.5)
    assert how == "the first 20 of the 30 training images"


def test_table2_runs_on_the_real_inputs_when_present_and_says_so(tmp_path):
    write_mnist(tmp_path, n=30)
    out = table2("ci", names=("MNIST",), data=tmp_path)
    row = next(r for r in out["table"]["rows"] if r[0] == "MNIST")
    # n (ours) is the file's 30 images, not the profile's 2000; m_H = ceil(2n / 513)
    assert row[3] == 30 and row[4] == 1
    assert row[-1] == "the first 30 of the 30 training images"
    assert out["data"] == {"MNIST": "the first 30 of the 30 training images"}
    assert out["table"]["columns"][-1] == "inputs" and "synthetic" not in out["data"]["MNIST"]


def test_table2_without_the_files_is_the_synthetic_table(tmp_path, monkeypatch):
    """An empty data directory, given or in the environment, changes nothing: the rows are the
    synthetic ones and the output is the one without any data directory."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    bare = table2("ci", names=("Semeion",))
    assert table2("ci", names=("Semeion",), data=tmp_path) == bare
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert table2("ci", names=("Semeion",)) == bare
    assert "data" not in bare and bare["table"]["columns"][0] == "data set (shape only)"


def test_a_corrupt_file_is_an_error_only_where_the_caller_named_the_directory(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08")
    with pytest.raises(CorruptData):
        real_inputs("MNIST", 10, tmp_path)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    X, how = real_inputs("MNIST", 10)
    assert X is None and how.startswith("synthetic inputs of its shape (") and "$" not in how


def test_table2_paper_sentence_is_the_same_whatever_inputs_were_run(tmp_path, monkeypatch):
    """What the paper reports (its data sets, widths and ResNet-18 body) does not depend on
    the inputs we ran: the real-input table quotes the same sentence as the synthetic one."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    write_mnist(tmp_path, n=30)
    real = table2("ci", names=("MNIST",), data=tmp_path)
    synthetic = table2("ci", names=("Semeion",))
    assert "data" in real and "data" not in synthetic
    assert real["paper"] == synthetic["paper"]


def test_table2_with_real_inputs_says_which_inputs_and_how_they_were_scaled(tmp_path):
    """With a data set's own files the 'ours' text opens by naming, for each data set, the
    inputs its numbers came from, as a sentence of its own, then says how the pixels were
    prepared: scaled to [0, 1] and centred, as :func:`real_inputs` does."""
    images, _ = write_mnist(tmp_path, n=30)
    out = table2("ci", names=("MNIST",), data=tmp_path)
    _, how = real_inputs("MNIST", len(images), tmp_path)
    assert out["ours"].startswith(f"Inputs: MNIST: {how}. Pixels scaled to [0, 1] and centred")


def test_table2_with_two_real_data_sets_lists_each_one_s_inputs_in_turn(tmp_path):
    """With the files of two data sets the 'ours' text names the inputs of each, in the order
    the table runs them, one ``name: inputs`` entry after another separated by '; '."""
    write_semeion(tmp_path, n=30)
    write_mnist(tmp_path, n=30)
    out = table2("ci", names=("Semeion", "MNIST"), data=tmp_path)
    _, semeion = real_inputs("Semeion", 30, tmp_path)
    _, mnist = real_inputs("MNIST", 30, tmp_path)
    assert out["ours"].startswith(f"Inputs: Semeion: {semeion}; MNIST: {mnist}. Pixels ")
