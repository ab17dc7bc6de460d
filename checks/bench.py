"""``python -m checks bench [--quick]``: the numerical core's timings side by side, measured in
one run, with the agreement between methods (run by ``nox -s bench``).

1. ``M = J J^T`` for the 4 x 300 softplus network (input dimension 2, scalar output) at
   ``n = 100`` and ``n = 1000``: layer-wise Hadamard Gram vs analytic ``J`` then ``J J^T`` vs
   autograd ``J`` then ``J J^T`` (autograd at ``n = 100`` only: at ``n = 1000`` it needs 1000
   reverse passes over a 272,101-parameter graph), and JAX (``jit(vmap(grad))``) when installed.
2. The full ``J`` for the same network: analytic vs autograd vs JAX (same runs as item 1);
   and analytic vs autograd on the 4 x 64 network at ``n = 1000``. autograd is run sample by
   sample (its batched ``jacobian`` is O(n^2)); "buffered" times reuse ``J``'s memory
   (``jacobian(..., out=J)``), as JAX reuses its allocator's.
3. The safe-exploration rank test of k22 Assumption 4: Hadamard Gram + certified Cholesky vs
   explicit ``phi`` + SVD at ``n = 1000, 2000, 4000`` (``m_{H-1} = 65``,
   ``m_H = ceil(2n / 65)``), and the Hadamard Gram alone at ``n = 20,000`` (not with ``--quick``).
4. NumPy vs CuPy for items 1 and 3 where a GPU is present, and k22 Table 2's check at
   ``n = 60,000``, ``m_{H-1} = 513``, ``m_H = 234`` on the GPU.
5. ``M = J J^T`` for k22's LeNet (Figures 1b/1c; ``m_c = 1``, 34,969 parameters, 16 x 16 x 1
   inputs) at ``n = 500``: the layer-wise contraction of :mod:`theory.conv_gram` vs the
   analytic ``J`` then ``J J^T``.
6. ``checks run`` (ci profile) on one process, two processes and a two-worker Dask cluster,
   as ratios measured one after the other in this run (not with ``--quick``).

The last line printed is one JSON object (see :func:`main`). On a shared machine, small
BLAS calls suffer badly from oversubscribed threads: ``OPENBLAS_NUM_THREADS=1`` gives steadier
ratios (the environment block of the JSON records the setting).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theory import backend
from theory.gram import gram, hadamard_gram, row_kron
from theory.jacobian import jacobian
from theory.linalg import certified_rank, positive_definite
from theory.models.feedforward import Feedforward
from theory.models.lenet import LeNet

__all__ = ["main", "safe_exploration_features"]

WIDTHS = [2, 300, 300, 300, 300, 1]
M_PREV = 65


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (the result of the last run)."""
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _rel(a: Any, b: Any) -> float:
    """``max |a - b| / max |b|``: the relative disagreement reported for every pair."""
    a, b = backend.to_numpy(a), backend.to_numpy(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


def _log(msg: str) -> None:
    print(msg, flush=True)


def _sync(xp: Any) -> None:
    if backend.is_cupy(xp):
        import cupy

        cupy.cuda.Device().synchronize()


def _jax_jacobian(net: Feedforward) -> Callable[[np.ndarray, np.ndarray], Any] | None:
    """``jit(vmap(grad(f(., x))))`` of the same network, or ``None`` without JAX."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    shapes, H = net.shapes, net.n_layers

    def f(theta: Any, x: Any) -> Any:
        a, off = x, 0
        for l, (m, k) in enumerate(shapes):
            W = theta[off : off + m * k].reshape(m, k)
            b = theta[off + m * k : off + m * k + m]
            off += m * k + m
            a = W @ a + b
            if l < H - 1:
                a = jnp.logaddexp(0.0, a)
        return a[0]

    jac = jax.jit(jax.vmap(jax.grad(f), in_axes=(None, 0)))
    return lambda theta, X: jac(theta, X).block_until_ready()


def _item_gram(
    ns: Sequence[int], autograd_n: int, xp_name: str = "numpy", use_jax: bool = True
) -> dict[str, Any]:
    """Items 1 and 2: Gram vs formed Jacobian (analytic, autograd, JAX) on the 4 x 300 net."""
    xp = backend.get_xp(xp_name)
    net = Feedforward(WIDTHS, "softplus")
    rng = np.random.default_rng(0)
    theta_np = net.init(rng)
    theta = backend.asarray(theta_np, xp=xp)
    jax_jac = _jax_jacobian(net) if xp_name == "numpy" and use_jax else None
    rows: dict[str, Any] = {}
    for n in ns:
        X_np = rng.standard_normal((n, WIDTHS[0]))
        X = backend.asarray(X_np, xp=xp)
        rep = 3 if n <= 100 else 1

        def run_gram(X=X) -> Any:
            M = gram(net, theta, X)
            _sync(xp)
            return M

        def run_jac(X=X) -> Any:
            J = jacobian(net, theta, X)
            _sync(xp)
            return J

        t_gram, M = _timed(run_gram, rep)
        t_jac, J = _timed(run_jac, rep)
        t_buf, _ = _timed(lambda X=X, J=J: (jacobian(net, theta, X, out=J), _sync(xp)), rep)
        t_jjt, JJt = _timed(lambda J=J: (J @ J.T, _sync(xp))[0], rep)
        row = {
            "n": n,
            "P": net.n_params(),
            "gram_s": t_gram,
            "jacobian_s": t_jac,
            "jacobian_buffered_s": t_buf,
            "jjt_s": t_jjt,
            "formed_s": t_jac + t_jjt,
            "gram_speedup_vs_formed_jacobian": (t_jac + t_jjt) / t_gram,
            "gram_vs_jjt_rel": _rel(M, JJt),
        }
        if xp_name == "numpy" and n <= autograd_n:
            t_ag, J_ag = _timed(lambda X_np=X_np: jacobian(net, theta_np, X_np, "autograd"))
            row.update(
                autograd_jacobian_s=t_ag,
                autograd_formed_s=t_ag + t_jjt,
                jacobian_speedup_vs_autograd=t_ag / t_jac,
                jacobian_vs_autograd_rel=_rel(J, J_ag),
                gram_speedup_vs_autograd=(t_ag + t_jjt) / t_gram,
            )
            del J_ag
        if jax_jac is not None:
            t_compile, _ = _timed(lambda X_np=X_np: jax_jac(theta_np, X_np))
            t_jax, J_jax = _timed(lambda X_np=X_np: jax_jac(theta_np, X_np), rep)
            row.update(
                jax_jacobian_s=t_jax,
                jax_first_call_s=t_compile,
                jacobian_ratio_to_jax=t_jax / t_jac,
                jacobian_ratio_to_jax_buffered=t_jax / t_buf,
                jacobian_vs_jax_rel=_rel(J, np.asarray(J_jax)),
            )
            del J_jax
        _log(f"[{xp_name}] item 1/2, n={n}: " + _row(row))
        rows[str(n)] = row
        del J, JJt, M
        gc.collect()
    return rows


def _item_autograd_small(n: int, width: int = 64) -> dict[str, Any]:
    """Item 2 at paper size for autograd: the 4 x ``width`` softplus network at ``n`` points
    (autograd on the 4 x 300 network at n = 1000 would take tens of minutes)."""
    net = Feedforward([2, width, width, width, width, 1], "softplus")
    rng = np.random.default_rng(1)
    theta, X = net.init(rng), rng.standard_normal((n, 2))
    t_jac, J = _timed(lambda: jacobian(net, theta, X), 3)
    t_buf, _ = _timed(lambda: jacobian(net, theta, X, out=J), 3)
    t_ag, J_ag = _timed(lambda: jacobian(net, theta, X, "autograd"))
    row = {
        "n": n,
        "widths": net.widths,
        "P": net.n_params(),
        "jacobian_s": t_jac,
        "jacobian_buffered_s": t_buf,
        "speedup_vs_autograd_buffered": t_ag / t_buf,
        "autograd_jacobian_s": t_ag,
        "jacobian_speedup_vs_autograd": t_ag / t_jac,
        "jacobian_vs_autograd_rel": _rel(J, J_ag),
    }
    _log(f"[numpy] item 2 (autograd, 4x{width}), n={n}: " + _row(row))
    return row


def _item_lenet(n: int, m_c: int = 1) -> dict[str, Any]:
    """Item 5: the LeNet's Gram by layer-wise contraction vs forming ``J`` (k22 §2.2)."""
    net = LeNet(m_c)
    rng = np.random.default_rng(2)
    theta, X = net.init(rng), rng.standard_normal((n, 16, 16, 1))
    t_gram, M = _timed(lambda: gram(net, theta, X))
    t_jac, J = _timed(lambda: jacobian(net, theta, X))
    t_jjt, JJt = _timed(lambda: J @ J.T)
    row = {"n": n, "m_c": m_c, "P": net.n_params(), "gram_s": t_gram, "jacobian_s": t_jac,
           "jjt_s": t_jjt, "formed_s": t_jac + t_jjt,
           "gram_speedup_vs_formed_jacobian": (t_jac + t_jjt) / t_gram,
           "lenet_gram_vs_jjt_rel": _rel(M, JJt),
           # the Gram's real gain at the paper's size: J is n d numbers (4.5 GB at n = 1000,
           # m_c = 4), M only n^2
           "formed_jacobian_bytes": J.nbytes, "gram_bytes": M.nbytes}
    _log(f"[numpy] item 5 (LeNet m_c={m_c}), n={n}: " + _row(row))
    return row


def _row(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in row.items())


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def safe_exploration_features(
    n: int,
    m_prev: int = M_PREV,
    m_H: int | None = None,
    d_x: int = 32,
    sharpness: float = 5.0,
    seed: int = 0,
    activation: str = "tanh",
) -> tuple[np.ndarray, np.ndarray]:
    """``(Z, S)`` for k22's safe-exploration test: ``z_i`` = ``activation`` features (width
    ``m_prev``) of Gaussian inputs in ``R^{d_x}``, ``s_{ik} = sigmoid(sharpness z_i^T q_k)``
    with ``q ~ N(0, 1/m_prev)`` and ``m_H = ceil(2n / m_prev)`` by default (Table 2's rule).

    The defaults keep ``phi`` well conditioned at large ``n`` (at ``n = 2000``:
    ``lambda_min / lambda_max(phi phi^T)`` about ``3e-5``); all-positive softplus features of
    8-dimensional inputs give ``3e-10`` there, and at ``n = 20,000`` the certified Cholesky
    then cannot decide (its margin is ``2 gamma_(n+1) tr M``)."""
    m_H = math.ceil(2 * n / m_prev) if m_H is None else m_H
    rng = np.random.default_rng(seed)
    net = Feedforward([d_x, m_prev, 1], activation)
    A, _ = net.layer_outputs(net.init(rng), rng.standard_normal((n, d_x)))
    Z = A[1]
    q = rng.standard_normal((m_prev, m_H)) / math.sqrt(m_prev)
    S = 0.5 * (1.0 + np.tanh(0.5 * sharpness * (Z @ q)))
    return Z, S


def _rank_by_gram(Z: Any, S: Any, xp: Any) -> tuple[bool | None, Any]:
    M = hadamard_gram(Z, S)
    decision = positive_definite(M, overwrite=True)
    _sync(xp)
    return decision.value, decision


def _item_rank(ns: Sequence[int], xp_name: str = "numpy", svd: bool = True) -> dict[str, Any]:
    """Item 3: Hadamard Gram + Cholesky vs explicit phi + SVD."""
    xp = backend.get_xp(xp_name)
    rows: dict[str, Any] = {}
    for n in ns:
        Z_np, S_np = safe_exploration_features(n)
        Z, S = backend.asarray(Z_np, xp=xp), backend.asarray(S_np, xp=xp)
        t_had, (full, dec) = _timed(lambda Z=Z, S=S: _rank_by_gram(Z, S, xp))
        row: dict[str, Any] = {
            "n": n,
            "m_prev": Z.shape[1],
            "m_H": S.shape[1],
            "hadamard_s": t_had,
            "hadamard_rank_n_certified": full,
            "alpha": dec.numbers["alpha"],
        }
        if svd:
            t_svd, cert = _timed(lambda Z=Z, S=S: certified_rank(row_kron(S, Z)))
            row.update(
                svd_s=t_svd,
                svd_rank=cert.rank,
                svd_certain=cert.certain,
                hadamard_rank_speedup_vs_svd=t_svd / t_had,
                decisions_agree=(full is True) == (cert.rank == n and cert.certain),
                svd_sigma_min_over_max=float(cert.singular_values[-1] / cert.singular_values[0]),
            )
        _log(f"[{xp_name}] item 3, n={n}: " + _row(row))
        rows[str(n)] = row
        gc.collect()
    return rows


def _identity_check(n: int = 1000) -> float:
    """Relative disagreement of ``(Z Z^T) o (S S^T)`` with the explicit ``phi phi^T``."""
    Z, S = safe_exploration_features(n)
    phi = row_kron(S, Z)
    return _rel(hadamard_gram(Z, S), phi @ phi.T)


def _environment() -> dict[str, Any]:
    import scipy

    ok, why = backend.gpu_available()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "blas_threads_env": {
            k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ
        },
        "gpu": why if ok else None,
        "dtype": "float64",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; the last line printed is one JSON object with
    ``gram_speedup_vs_formed_jacobian`` (item 1 at the largest ``n``),
    ``jacobian_speedup_vs_autograd`` (at ``n = 100``, where autograd is run),
    ``jacobian_ratio_to_jax`` (JAX time / analytic time at the largest ``n``; null without JAX),
    ``hadamard_rank_speedup_vs_svd`` (at the largest ``n`` run with both methods),
    ``max_relative_disagreement`` (over every pair compared),
    ``lenet_gram_speedup_vs_formed_jacobian`` (item 5; null with ``--lenet-n 0``),
    ``run_speedup_jobs2_vs_jobs1`` and ``run_dask_overhead_vs_jobs2`` (item 6; null with
    ``--quick``), the per-item tables and the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m checks bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="skip the n = 20,000 and GPU Table 2 items"
    )
    parser.add_argument("--gram-n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rank-n", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--autograd-n", type=int, default=100)
    parser.add_argument("--large-n", type=int, default=20_000)
    parser.add_argument("--lenet-n", type=int, default=500,
                        help="n for the LeNet Gram vs formed J item (0 skips it)")
    parser.add_argument("--no-jax", action="store_true", help="leave JAX out even if installed")
    parser.add_argument("--run-only", default="", metavar="PREFIX",
                        help="claims of the `checks run` item: --jobs 1 against --jobs 2 and, "
                        "with the distributed extra, a two-worker Dask cluster (ci profile; "
                        "not with --quick)")
    parser.add_argument(
        "--small-autograd-n",
        type=int,
        default=1000,
        help="n for autograd vs analytic on the 4 x 64 network (0 skips it)",
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv[1:] if argv[:1] == ["--"] else argv)  # `bench -- --quick`
    t0 = time.perf_counter()
    env = _environment()
    _log(f"bench: {json.dumps(env)}")
    items = _item_gram(args.gram_n, args.autograd_n, use_jax=not args.no_jax)
    small = _item_autograd_small(args.small_autograd_n) if args.small_autograd_n else None
    rank = _item_rank(args.rank_n)
    identity_rel = _identity_check(min(args.rank_n))
    large = None if args.quick else _item_rank([args.large_n], svd=False)
    gpu = None
    if env["gpu"]:
        gpu = {
            "gram": _item_gram(args.gram_n, 0, "cupy"),
            "rank": _item_rank(args.rank_n, "cupy"),
            "table2": None if args.quick else _table2_gpu(),
        }
    lenet = _item_lenet(args.lenet_n) if args.lenet_n else None
    runs = None if args.quick else _item_run(args.run_only)
    summary = _summary(items, rank, identity_rel, large, gpu, small)
    if lenet is not None:
        summary["max_relative_disagreement"] = max(summary["max_relative_disagreement"],
                                                   lenet["lenet_gram_vs_jjt_rel"])
    summary.update(
        lenet_gram_speedup_vs_formed_jacobian=None if lenet is None
        else lenet["gram_speedup_vs_formed_jacobian"],
        lenet_n=None if lenet is None else lenet["n"],
    )
    summary["items"]["lenet"] = lenet
    summary["items"]["run"] = runs
    summary["run_speedup_jobs2_vs_jobs1"] = None if runs is None else runs["speedup_jobs2"]
    summary["run_dask_overhead_vs_jobs2"] = None if runs is None else runs["dask_vs_jobs2"]
    summary.update(environment=env, total_s=time.perf_counter() - t0)
    print(json.dumps(summary, default=_jsonable))
    return 0


_clock = time.perf_counter  # item 6's clock (a test replaces it, not the time module's)


def _start(cmd: list[str]) -> None:
    """Run one ``checks run`` of item 6 to its end (its exit code is the run's own business:
    a regression exits 1 and still took the time measured)."""
    import subprocess

    subprocess.run(cmd, check=False, capture_output=True)


def _item_run(only: str = "") -> dict[str, Any]:
    """Item 6: ``checks run --profile ci --no-reproductions`` (the claims under ``only``) on one
    process, on two (``--jobs 2``) and, where ``distributed`` is installed, on a local Dask
    cluster of two single-threaded workers, each in a fresh interpreter, one after the other in
    this run; wall seconds and the ratios ``jobs 1 / jobs 2`` and ``dask / jobs 2``."""
    import tempfile

    def run(*how: str) -> float:
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, "-m", "checks", "run", "--profile", "ci", "--only", only,
                   "--no-reproductions", "--no-report", "--out", out, *how]
            start = _clock()
            _start(cmd)
            return _clock() - start

    row: dict[str, Any] = {"only": only or "(all)", "jobs1_s": run("--jobs", "1"),
                           "jobs2_s": run("--jobs", "2")}
    row["speedup_jobs2"] = row["jobs1_s"] / row["jobs2_s"]
    row["dask_s"] = row["dask_vs_jobs2"] = None
    try:
        from distributed import LocalCluster
    except ImportError:
        _log("run: distributed not installed; the Dask column is left out")
    else:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            row["dask_s"] = run("--scheduler", cluster.scheduler_address)
        row["dask_vs_jobs2"] = row["dask_s"] / row["jobs2_s"]
    _log(f"run: {_row(row)}")
    return row


def _table2_gpu(n: int = 60_000, m_prev: int = 513, m_H: int = 234) -> dict[str, Any]:
    """k22 Table 2 (MNIST shape): rank ``phi = n`` by Hadamard Gram + Cholesky on the GPU."""
    xp = backend.get_xp("cupy")
    Z_np, S_np = safe_exploration_features(n, m_prev, m_H, d_x=32)
    Z, S = backend.asarray(Z_np, xp=xp), backend.asarray(S_np, xp=xp)
    t, (full, dec) = _timed(lambda: _rank_by_gram(Z, S, xp))
    out = {"n": n, "m_prev": m_prev, "m_H": m_H, "seconds": t, "rank_n_certified": full}
    _log(f"[cupy] Table 2 check: {out}")
    return out


def _summary(
    items: dict,
    rank: dict,
    identity_rel: float,
    large: dict | None,
    gpu: dict | None,
    small: dict | None,
) -> dict[str, Any]:
    last = items[max(items, key=int)]
    with_ag = [r for r in items.values() if "jacobian_speedup_vs_autograd" in r]
    with_svd = sorted((r for r in rank.values() if "svd_s" in r), key=lambda r: r["n"])
    rows = [*items.values(), *([small] if small else [])]
    rels = [identity_rel] + [r[k] for r in rows for k in r if k.endswith("_rel")]
    big = None if large is None else next(iter(large.values()))
    return {
        "gram_speedup_vs_formed_jacobian": last["gram_speedup_vs_formed_jacobian"],
        "gram_speedup_n": last["n"],
        "jacobian_speedup_vs_autograd": with_ag[-1]["jacobian_speedup_vs_autograd"]
        if with_ag
        else None,
        "autograd_n": with_ag[-1]["n"] if with_ag else None,
        "jacobian_speedup_vs_autograd_4x64": None
        if small is None
        else small["jacobian_speedup_vs_autograd"],
        "autograd_4x64_n": None if small is None else small["n"],
        "jacobian_ratio_to_jax": last.get("jacobian_ratio_to_jax"),
        "jacobian_ratio_to_jax_buffered": last.get("jacobian_ratio_to_jax_buffered"),
        "hadamard_rank_speedup_vs_svd": with_svd[-1]["hadamard_rank_speedup_vs_svd"]
        if with_svd
        else None,
        "hadamard_rank_n": with_svd[-1]["n"] if with_svd else None,
        "rank_decisions_agree": all(r["decisions_agree"] for r in with_svd),
        "large_n_hadamard_s": None if big is None else big["hadamard_s"],
        "large_n_rank_certified": None if big is None else big["hadamard_rank_n_certified"],
        "max_relative_disagreement": max(rels),
        "hadamard_identity_rel": identity_rel,
        "items": {
            "gram_and_jacobian": items,
            "autograd_4x64": small,
            "rank": rank,
            "large": large,
            "gpu": gpu,
        },
    }


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


if __name__ == "__main__":
    sys.exit(main())
