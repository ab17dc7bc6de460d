"""Sessions: tests, theorems, report, bench, gpu, lint, mutation."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.download_python = "never"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

# Small dense products dominate; multithreaded BLAS on two shared cores made them up to 15x
# slower, and the two pytest workers already use both cores.
SMALL_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

PYTHON = None  # a virtualenv on the interpreter nox itself runs on (Python >= 3.11)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite, Hypothesis `ci` profile (derandomised), CPU only."""
    session.install("-e", ".[dev,report]")
    session.run(
        "pytest", "-n", "2", "-m", "not slow and not gpu", *session.posargs,
        env={"HYPOTHESIS_PROFILE": "ci", **SMALL_BLAS},
    )


@nox.session(python=PYTHON)
def theorems(session: nox.Session) -> None:
    """Every claim, its controls and reproductions; ledger + HTML + PDF in reports/out/;
    non-zero exit on a regression against reports/baseline.json."""
    session.install("-e", ".[report]")
    args = session.posargs or ["--profile", "ci"]
    session.run("python", "-m", "checks", "run", "--out", "reports/out", *args, env=SMALL_BLAS)


@nox.session(python=PYTHON)
def flakiness(session: nox.Session) -> None:
    """The ``thorough`` profile under three seeds (``-- 11 12 13`` to choose); exits non-zero
    unless the verdict tables agree and no hypothesis-satisfying instance was violated.

    Reproductions are skipped: they redraw nothing from the seed. About half an hour a seed."""
    session.install("-e", ".")
    seeds = session.posargs or ["1", "2", "3"]
    ledgers = []
    for seed in seeds:
        out = f"reports/flakiness/seed-{seed}"
        session.run("python", "-m", "checks", "run", "--profile", "thorough", "--seed", seed,
                    "--no-reproductions", "--no-report", "--out", out, env=SMALL_BLAS,
                    success_codes=[0, 1])
        ledgers.append(f"{out}/ledger.json")
    session.run("python", "-m", "checks", "agree", *ledgers)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """HTML and PDF from an existing ledger (reports/out/ledger.json)."""
    session.install("-e", ".[report]")
    ledger = session.posargs[0] if session.posargs else "reports/out/ledger.json"
    session.run("python", "-m", "reports", ledger, "--out", "reports/out")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Timings side by side, as ratios measured in one run (`-- --quick` for a short run).

    JAX is compared when installed: `BENCH_JAX=1 nox -s bench` installs the `bench` extra."""
    import os

    session.install("-e", ".[bench]" if os.environ.get("BENCH_JAX") else ".")
    session.run("python", "-m", "checks", "bench", *session.posargs)
    if "--quick" not in session.posargs:
        # Theorem 3.2's construction at n = 10,000, d = 3072 (Hardt & Ma §3)
        session.run("python", "scripts/bench_hm17_expressivity.py")


@nox.session(python=PYTHON)
def gpu(session: nox.Session) -> None:
    """The CuPy path; tests skip with a clear reason where no GPU is present."""
    session.install("-e", ".[dev,gpu]")
    session.run("pytest", "-m", "gpu", "-rs", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    session.run("ruff", "check", "theory", "checks", "reports", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def mutation(session: nox.Session) -> None:
    """Mutation testing of theory/ and checks/ against the test suite (not in CI).

    Tests a stratified random sample of 600 mutants by default (about half an hour on two
    cores); ``-- --sample 0`` tests all of them (days). Prints the score, with its
    confidence interval when sampled, and the surviving mutants by file. Survivors are
    re-tested in a fresh interpreter first (scripts/mutation_recheck.py says why)."""
    session.install("-e", ".[dev]", "mutmut>=3.8")
    env = {"HYPOTHESIS_PROFILE": "ci", **SMALL_BLAS}
    session.run("python", "scripts/mutation_sample.py", *session.posargs, env=env,
                success_codes=[0, 1])
    session.run("python", "scripts/mutation_recheck.py", "--sample", "mutants/sample.json",
                env=env)
    session.run("python", "scripts/mutation_summary.py", "--sample", "mutants/sample.json")
