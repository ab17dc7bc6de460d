"""Sessions: tests, theorems, report, bench, gpu, lint, flakiness, mutation; lowest and lock
keep the declared dependencies honest.

Every session but ``lowest`` and ``lock`` installs under the committed constraints
``requirements/lock.txt``, the versions ``reports/baseline.json`` was drawn with: Hypothesis's
version fixes which instances a profile draws, and NumPy's, SciPy's and autograd's the
rounding, so a fresh machine compares tightness with the baseline instead of skipping it.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

# virtualenv (a dependency of nox) creates an environment in seconds where the standard
# library's venv spends most of a minute bootstrapping pip: CI creates one per session
nox.options.default_venv_backend = "virtualenv"
nox.options.download_python = "never"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

# Small dense products dominate; multithreaded BLAS on two shared cores made them up to 15x
# slower, and the two pytest workers already use both cores.
SMALL_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

PYTHON = None  # a virtualenv on the interpreter nox itself runs on (Python >= 3.11)

LOCK = "requirements/lock.txt"
LOCKED_EXTRAS = "dev,report"  # what `lock` resolves: the test suite's and the report's needs
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$")


def install(session: nox.Session, *packages: str) -> None:
    """pip install under the lock: packages it names get its version, others resolve freely."""
    session.install("-c", LOCK, *packages)


def lowest_pins(pyproject: str, extras: tuple[str, ...] = ()) -> list[str]:
    """``name==minimum`` for every runtime dependency of ``pyproject`` (its text) and every
    dependency of the named ``extras``, from the ``>=`` bound each declares; a package
    declared twice gets the higher bound (both must hold). ValueError naming a dependency
    without a single lower bound, or an extra the project does not declare."""
    project = tomllib.loads(pyproject)["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise ValueError(f"pyproject.toml declares no extra {', '.join(unknown)}")
    lowest: dict[str, tuple[str, Version]] = {}
    for spec in project["dependencies"] + [s for e in extras for s in optional[e]]:
        req = Requirement(spec)
        lows = [s.version for s in req.specifier if s.operator in (">=", "==", "~=")]
        if len(lows) != 1:
            raise ValueError(f"{req.name} declares no single lower bound ({spec!r})")
        key = canonicalize_name(req.name)
        if key not in lowest or Version(lows[0]) > lowest[key][1]:
            lowest[key] = (f"{req.name}=={lows[0]}", Version(lows[0]))
    return [pin for pin, _ in lowest.values()]


def pins_of(freeze: str) -> list[str]:
    """The ``name==version`` lines of ``pip freeze`` output (warnings and editables dropped)."""
    return [line for line in freeze.splitlines() if PIN.match(line.strip())]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite, Hypothesis `ci` profile (derandomised), CPU only."""
    install(session, "-e", ".[dev,report]")
    session.run(
        "pytest", "-n", "2", "-m", "not slow and not gpu", *session.posargs,
        env={"HYPOTHESIS_PROFILE": "ci", **SMALL_BLAS},
    )


@nox.session(python=PYTHON)
def theorems(session: nox.Session) -> None:
    """Every claim, its controls and reproductions; ledger + HTML + PDF in reports/out/;
    non-zero exit on a regression against reports/baseline.json."""
    install(session, "-e", ".[report]")
    args = session.posargs or ["--profile", "ci"]
    session.run("python", "-m", "checks", "run", "--out", "reports/out", *args, env=SMALL_BLAS)


@nox.session(python=PYTHON)
def flakiness(session: nox.Session) -> None:
    """The ``thorough`` profile under three seeds (``-- 11 12 13`` to choose); exits non-zero
    unless the verdict tables agree and no hypothesis-satisfying instance was violated.

    Arguments after the seeds go to ``checks run`` and override its defaults
    (``-- 1 2 --profile ci --only hm17.eq2.3`` for a quick look). Reproductions are skipped:
    they redraw nothing from the seed. About half an hour a seed."""
    install(session, "-e", ".")
    posargs = list(session.posargs)
    seeds = []
    while posargs and posargs[0].isdigit():
        seeds.append(posargs.pop(0))
    ledgers = []
    for seed in seeds or ["1", "2", "3"]:
        out = f"reports/flakiness/seed-{seed}"
        session.run("python", "-m", "checks", "run", "--profile", "thorough", "--seed", seed,
                    "--no-reproductions", "--no-report", "--out", out, *posargs,
                    env=SMALL_BLAS, success_codes=[0, 1])
        ledgers.append(f"{out}/ledger.json")
    session.run("python", "-m", "checks", "agree", *ledgers)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """HTML and PDF from an existing ledger (reports/out/ledger.json)."""
    install(session, "-e", ".[report]")
    ledger = session.posargs[0] if session.posargs else "reports/out/ledger.json"
    session.run("python", "-m", "reports", ledger, "--out", "reports/out")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Timings side by side, as ratios measured in one run (`-- --quick` for a short run).

    JAX is compared when installed: `BENCH_JAX=1 nox -s bench` installs the `bench` extra;
    the `distributed` extra gives the `checks run` item its Dask column."""
    import os

    install(session, "-e", ".[bench,distributed]" if os.environ.get("BENCH_JAX")
            else ".[distributed]")
    session.run("python", "-m", "checks", "bench", *session.posargs)
    if "--quick" not in session.posargs:
        # Theorem 3.2's construction at n = 10,000, d = 3072 (Hardt & Ma §3)
        session.run("python", "scripts/bench_hm17_expressivity.py")


@nox.session(python=PYTHON)
def gpu(session: nox.Session) -> None:
    """The CuPy path; tests skip with a clear reason where no GPU is present.

    CuPy (hundreds of megabytes) is installed only where ``nvidia-smi`` is on the PATH;
    elsewhere the `gpu` tests run without it and skip, each with its reason."""
    device = shutil.which("nvidia-smi") is not None
    # collecting the suite imports tests/test_reports.py, hence the report extra
    install(session, "-e", ".[dev,report,gpu]" if device else ".[dev,report]")
    if not device:
        session.log("no nvidia-smi on the PATH: CuPy not installed, the gpu tests skip")
    session.run("pytest", "-m", "gpu", "-rs", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the sources, tests, scripts and this file."""
    install(session, "ruff")
    session.run("ruff", "check", "theory", "checks", "reports", "tests", "scripts",
                "noxfile.py")


@nox.session(python=PYTHON)
def mutation(session: nox.Session) -> None:
    """Mutation testing of theory/ and checks/ against the test suite (CI only starts it,
    on one module: tests/test_nox_sessions.py).

    Tests a stratified random sample of 600 mutants by default (``--per-file-min`` more
    where a file's share is small); ``-- --sample 0`` tests all of them (days). On two cores
    a sample of 400 takes about an hour: mutmut's test statistics over the whole suite take
    about 15 minutes, and a mutant that makes a loop run forever lasts until mutmut's
    timeout. Prints the score, with its
    confidence interval when sampled, and the surviving mutants by file. Survivors are
    re-tested in a fresh interpreter first (scripts/mutation/recheck.py says why)."""
    # mutmut runs the whole suite, which imports jinja2 through tests/test_reports.py
    install(session, "-e", ".[dev,report]", "mutmut>=3.8")
    env = {"HYPOTHESIS_PROFILE": "ci", **SMALL_BLAS}
    # mutmut exits non-zero only when it could not test (no statistics, failing clean run):
    # then no sample was written and the steps below have nothing to read
    session.run("python", "scripts/mutation/sample.py", *session.posargs, env=env)
    session.run("python", "scripts/mutation/recheck.py", "--sample", "mutants/sample.json",
                env=env)
    session.run("python", "scripts/mutation/summary.py", "--sample", "mutants/sample.json")


@nox.session(python=PYTHON)
def lowest(session: nox.Session) -> None:
    """The test suite with every dependency it installs (the runtime ones and those of the
    dev and report extras) at the lowest version pyproject.toml declares, so a minimum that
    the code outgrew fails here instead of on a user's machine."""
    pins = lowest_pins(Path("pyproject.toml").read_text(encoding="utf-8"),
                       tuple(LOCKED_EXTRAS.split(",")))
    constraints = Path(session.create_tmp()) / "lowest.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.install("-c", str(constraints), "-e", f".[{LOCKED_EXTRAS}]")
    session.run(
        "pytest", "-n", "2", "-m", "not slow and not gpu", *session.posargs,
        env={"HYPOTHESIS_PROFILE": "ci", **SMALL_BLAS},
    )


@nox.session(python=PYTHON, reuse_venv=False)
def lock(session: nox.Session) -> None:
    """Refresh requirements/lock.txt: what pip resolves today for the project with its dev
    and report extras, in a new virtualenv (``-- -c FILE`` to resolve under constraints).
    Drawn instances change with Hypothesis's version: refresh the baseline in the same
    commit (``nox -s theorems -- --profile ci --update-baseline``)."""
    session.install("-e", f".[{LOCKED_EXTRAS}]", *session.posargs)
    freeze = session.run("python", "-m", "pip", "freeze", "--exclude-editable", silent=True)
    Path(LOCK).parent.mkdir(exist_ok=True)
    Path(LOCK).write_text(
        f"# Written by `nox -s lock` (the project with its {LOCKED_EXTRAS} extras); the\n"
        "# versions reports/baseline.json was drawn with. Used as pip constraints.\n"
        + "\n".join(pins_of(freeze)) + "\n", encoding="utf-8")
