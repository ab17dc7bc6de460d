"""k22 Figures 1b/1c and Table 1b with the LeNet: the reproduction's format, its data
fallback, and that Q_T and ||M_T - M_0||_F^2 are what the definitions say."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_files import write_semeion

from checks.data import ENV_VAR
from checks.reproductions.k22_lenet import figure1bc, main, random_dataset, train_lenet
from theory.alignment import membership, modified_target
from theory.conv_gram import gram_tolerance
from theory.jacobian import jacobian
from theory.models.lenet import LeNet


@pytest.fixture(autouse=True)
def _no_data_dir(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_random_dataset_is_the_papers():
    X, Y = random_dataset(50, np.random.default_rng(0))
    assert X.shape == (50, 16, 16, 1) and Y.shape == (50, 1)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert abs(float(X.mean())) < 4 / np.sqrt(X.size)  # standard normal pixels


def test_reproduction_returns_the_reproduction_format():
    out = figure1bc("smoke")
    assert {"title", "series", "table", "paper", "ours", "data", "agreement"} <= set(out)
    assert out["agreement"] in ("agrees", "differs", "no-paper-value")
    assert out["agreement_reason"]
    assert len(out["table"]["rows"]) == 2  # one width factor, two seeds, random data only
    json.dumps(out)


def test_absent_semeion_runs_on_random_data_and_says_so(tmp_path):
    out = figure1bc("smoke", tmp_path)
    assert out["data"]["Semeion"].startswith("not run: semeion.data")
    assert {row[0] for row in out["table"]["rows"]} == {"random"}


def test_semeion_is_used_when_present(tmp_path):
    write_semeion(tmp_path, n=14)
    out = figure1bc("smoke", tmp_path)
    assert "semeion.data, the first 12 of 14 images" in out["data"]["Semeion"]
    assert {row[0] for row in out["table"]["rows"]} == {"random", "Semeion"}


def test_missing_data_directory_is_a_one_line_error(tmp_path, capsys):
    assert main(["--profile", "smoke", "--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_q_t_is_the_cores_membership_decision_on_the_formed_jacobian():
    X, Y = random_dataset(6, np.random.default_rng(1))
    net = LeNet(1)
    theta0 = net.init(np.random.default_rng(2))
    r = train_lenet(net, theta0, X, Y, steps=4, every=4)
    b = modified_target(Y, "cross-entropy").reshape(-1)
    first = membership(b, J=jacobian(net, theta0, X)).member
    last = membership(b, J=jacobian(net, r["theta"], X)).member
    assert r["daa"] == [first, last]
    assert r["Q"][-1] == sum(d is False for d in (first, last))


def test_gram_change_is_the_frobenius_norm_of_the_formed_grams():
    X, Y = random_dataset(5, np.random.default_rng(4))
    net = LeNet(1)
    theta0 = net.init(np.random.default_rng(5))
    r = train_lenet(net, theta0, X, Y, steps=3, every=3)
    J0, JT = jacobian(net, theta0, X), jacobian(net, r["theta"], X)
    D = JT @ JT.T - J0 @ J0.T
    tol = gram_tolerance(net, J0)[0] + gram_tolerance(net, JT)[0]
    # |a^2 - b^2| <= (|a| + |b|) |a - b| entrywise, summed over the n^2 entries
    bound = float(np.sum((2 * np.abs(D) + tol) * tol))
    assert abs(r["M_change"] - float(np.sum(D * D))) <= bound
    assert r["M_change"] > 0


def test_command_line_prints_the_reproduction_as_json(tmp_path, capsys):
    write_semeion(tmp_path, n=14)
    assert main(["--profile", "smoke", "--data", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["data"]["Semeion"].startswith("semeion.data")


def test_corrupt_semeion_is_a_one_line_error_not_a_fallback(tmp_path, capsys):
    (tmp_path / "semeion.data").write_text("1 2 3\n")
    assert main(["--profile", "smoke", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has 3 values" in err


def test_lambda_min_noise_floor_is_recorded_per_check():
    X, Y = random_dataset(5, np.random.default_rng(6))
    net = LeNet(1)
    r = train_lenet(net, net.init(np.random.default_rng(7)), X, Y, steps=2, every=1)
    assert len(r["noise_floor"]) == len(r["lambda_min"]) == 3
    M = net.gram_analytic(r["theta"], X)
    lam = np.linalg.eigvalsh(M)
    assert r["lambda_min"][-1] == lam[0]
    assert 0 < r["noise_floor"][-1] < lam[-1]


def test_agreement_says_when_q_t_never_grows(tmp_path):
    out = figure1bc("smoke", tmp_path)
    # n = 12 images against 34,969 parameters: J has full row rank, DAA holds at every check
    assert "regime of Figure 1c, where $Q_T$ grows, is not reached" in out["agreement_reason"]


def test_a_broken_environment_data_directory_is_recorded_not_raised(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    out = figure1bc("smoke")
    assert out["data"]["Semeion"].startswith("not run: data directory")
    (tmp_path / "semeion.data").write_text("1 2 3\n")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert "has 3 values" in figure1bc("smoke")["data"]["Semeion"]


def test_chunked_loss_gradient_is_J_transpose_v():
    from checks.reproductions.k22_lenet import loss_gradient
    from theory.conv_gram import chain_length
    from theory.losses import get_loss
    from theory.numerics import gamma

    X, Y = random_dataset(5, np.random.default_rng(8))
    net = LeNet(1)
    theta = net.init(np.random.default_rng(9))
    F, g = loss_gradient(net, theta, X, Y, chunk=2)
    J = jacobian(net, theta, X, "autograd")
    v = (get_loss("cross-entropy").grad(F, Y) / 5).reshape(-1)
    # chunks change only the BLAS blocking of the same sums
    F_all = net.forward(theta, X)
    assert np.max(np.abs(F - F_all)) <= 2 * gamma(chain_length(net)) * float(np.max(np.abs(F_all)))
    tol = 2 * gamma(net.n_params()) * float(np.max(np.abs(J).T @ np.abs(v)))
    assert np.max(np.abs(g - J.T @ v)) <= tol


def test_training_error_counts_rows_whose_largest_logit_misses_the_one_hot_label():
    """The 0-1 training error for one-hot targets is the fraction of rows whose argmax logit
    differs from the label's position (here one of four rows: 0.25)."""
    from checks.reproductions.k22_lenet import _training_error

    Y = np.eye(3)[[0, 1, 2, 0]]
    F = np.array([[5.0, 1, 0], [0, 2, 1], [0, 0, 3], [0, 4, 1]])
    wrong = sum(int(np.argmax(f) != np.argmax(y)) for f, y in zip(F, Y, strict=True))
    assert _training_error(F, Y) == wrong / len(Y) == 0.25
