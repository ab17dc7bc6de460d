"""What pyproject.toml declares, what requirements/lock.txt pins and what noxfile.py does with
them: the declared minima are the versions `nox -s lowest` installs, the lock satisfies every
declaration and pins the numerical stack the committed baseline was drawn with, and the
README names every session."""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK_PATH = ROOT / "requirements" / "lock.txt"


@functools.cache  # nox registers each session once per process
def _noxfile():
    pytest.importorskip("nox")  # the dev extra installs it
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK_PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def _declared(extras=("dev", "report")) -> list[Requirement]:
    project = PYPROJECT["project"]
    optional = project["optional-dependencies"]
    specs = project["dependencies"] + [s for e in extras for s in optional[e]]
    return [Requirement(s) for s in specs]


def test_lowest_pins_are_the_declared_lower_bounds():
    nf = _noxfile()
    text = '[project]\ndependencies = ["numpy>=1.26.4", "scipy>=1.11.4,<2", "sympy==1.12"]\n'
    assert nf.lowest_pins(text) == ["numpy==1.26.4", "scipy==1.11.4", "sympy==1.12"]


def test_lowest_pins_refuse_a_dependency_without_a_lower_bound():
    nf = _noxfile()
    with pytest.raises(ValueError, match="autograd declares no single lower bound"):
        nf.lowest_pins('[project]\ndependencies = ["numpy>=1.26.4", "autograd"]\n')


def test_lowest_pins_cover_the_named_extras():
    nf = _noxfile()
    text = ('[project]\ndependencies = ["numpy>=1.26.4"]\n[project.optional-dependencies]\n'
            'dev = ["pytest>=8", "distributed>=2024.1"]\nreport = ["jinja2>=3.1"]\n'
            'other = ["jax>=0.4"]\n')
    assert nf.lowest_pins(text, ("dev", "report")) == [
        "numpy==1.26.4", "pytest==8", "distributed==2024.1", "jinja2==3.1"]


def test_lowest_pins_take_the_higher_bound_of_a_package_declared_twice():
    """Both declarations must hold, so the lowest installable version is the higher bound."""
    nf = _noxfile()
    text = ('[project]\ndependencies = ["numpy>=1.26.4"]\n[project.optional-dependencies]\n'
            'dev = ["NumPy>=2.0"]\n')
    assert nf.lowest_pins(text, ("dev",)) == ["NumPy==2.0"]


def test_lowest_pins_refuse_an_undeclared_extra():
    with pytest.raises(ValueError, match="declares no extra docs"):
        _noxfile().lowest_pins('[project]\ndependencies = ["numpy>=1.26.4"]\n', ("docs",))


def test_lowest_pins_cover_every_declared_dependency_at_its_minimum():
    """What `nox -s lowest` pins: each dependency of the runtime and of the dev and report
    extras (the ones it installs), at exactly the lower bound pyproject.toml declares."""
    nf = _noxfile()
    extras = tuple(nf.LOCKED_EXTRAS.split(","))
    assert sorted(extras) == ["dev", "report"]
    pins = nf.lowest_pins((ROOT / "pyproject.toml").read_text(encoding="utf-8"), extras)
    pinned = {canonicalize_name(p.split("==")[0]): p.split("==")[1] for p in pins}
    declared = _declared(extras)
    assert set(pinned) == {canonicalize_name(r.name) for r in declared}
    for req in declared:
        (minimum,) = [s.version for s in req.specifier if s.operator == ">="]
        assert pinned[canonicalize_name(req.name)] == minimum, req


def test_the_lowest_session_pins_the_extras_it_installs():
    """The session passes the extras it installs to lowest_pins, so none resolves freely."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    (fn,) = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "lowest"]
    calls = {ast.unparse(c.func): ast.unparse(c) for c in ast.walk(fn)
             if isinstance(c, ast.Call)}
    assert "LOCKED_EXTRAS" in calls["lowest_pins"]
    assert "LOCKED_EXTRAS" in calls["session.install"]


def test_ziamath_declares_the_ziafont_its_minimum_works_with():
    """ziamath's minimum fails with a newer ziafont than the one it was released beside
    (AttributeError 'ssty'): the report extra bounds ziafont so the lowest pins hold it."""
    report = {canonicalize_name(r.name) for r in _declared(extras=("report",))}
    assert {"ziamath", "ziafont"} <= report


def test_array_api_compat_minimum_has_is_cupy_namespace():
    """theory/backend.py imports is_cupy_namespace, which array-api-compat gained in 1.9."""
    from packaging.version import Version

    (req,) = [r for r in _declared(extras=()) if r.name == "array-api-compat"]
    assert "is_cupy_namespace" in (ROOT / "theory" / "backend.py").read_text(encoding="utf-8")
    assert min(Version(s.version) for s in req.specifier) >= Version("1.9")


def test_pins_of_keeps_the_pinned_lines_of_pip_freeze():
    freeze = ("WARNING: Location 'file:///x' is ignored\n-e /src/project\nnumpy==2.4.6\n"
              "Jinja2==3.1.6\nruamel.yaml==0.19.1\n")
    assert _noxfile().pins_of(freeze) == ["numpy==2.4.6", "Jinja2==3.1.6", "ruamel.yaml==0.19.1"]


def test_lock_satisfies_every_declared_dependency():
    """Each dependency of the project and of the extras the lock covers is pinned, inside the
    range pyproject.toml declares (a raised minimum needs `nox -s lock`)."""
    lock = _lock()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in {LOCK_PATH.name}"
        assert req.specifier.contains(lock[name], prereleases=True), (req, lock[name])


def test_lock_pins_the_stack_the_baseline_was_drawn_with():
    """Hypothesis's version fixes which instances a profile draws, NumPy's, SciPy's and
    autograd's the rounding: a fresh machine installing the lock draws the baseline's
    instances (refresh both together: `nox -s lock`, then `--update-baseline`)."""
    from checks.cli import DEFAULT_BASELINE
    from checks.ledger import load_ledger

    recorded = load_ledger(DEFAULT_BASELINE)["environment"]["packages"]
    lock = _lock()
    assert {k: lock.get(canonicalize_name(k)) for k in recorded} == recorded


def _sessions() -> set[str]:
    """Session names defined in noxfile.py, read from its source (no nox import needed)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {f.name for f in tree.body if isinstance(f, ast.FunctionDef)
            and any("session" in ast.unparse(d) for d in f.decorator_list)}


def test_readme_names_every_nox_session():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"nox -s (\w+)", readme))
    assert named == _sessions()


def test_the_theorems_and_tests_sessions_install_from_the_lock():
    """The two commands of the README install under requirements/lock.txt."""
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    for name in ("tests", "theorems"):
        (fn,) = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == name]
        calls = [ast.unparse(c.func) for c in ast.walk(fn) if isinstance(c, ast.Call)]
        assert "install" in calls and "session.install" not in calls, name
