"""The ledger (the JSON record of a run) and the comparison against a committed baseline.

A regression is a claim whose verdict changed, a control that passed and no longer does, a
claim that disappeared, or a tightness that moved beyond the baseline's tolerance. New claims
and new controls are reported but are not regressions. A run also fails on its own
(:func:`run_problems`, with or without a baseline) when a task raised, a metamorphic relation
changed a verdict, or a replayed baseline instance came back with another verdict or slack.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from checks.framework import Claim
from checks.papers._meta import PAPERS
from checks.profiles import Profile
from checks.runner import ClaimRun
from checks.serialise import UnreadableJSON, read_json, to_jsonable

__all__ = [
    "SCHEMA",
    "CorruptLedger",
    "agreement",
    "build_ledger",
    "claim_metadata",
    "compare",
    "same_draws",
    "same_machine",
    "environment",
    "load_ledger",
    "run_problems",
    "write_ledger",
]

SCHEMA = "identity-landscapes-ledger/1"
TIGHTNESS_TOLERANCE = {"abs": 0.05, "rel": 0.5}
_PACKAGES = ("numpy", "scipy", "sympy", "hypothesis", "autograd", "array-api-compat", "cupy")


class CorruptLedger(ValueError):
    """A ledger file that is not valid JSON or not of this schema."""


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(profile: Profile, backend: str = "numpy") -> dict[str, Any]:
    """Versions, platform, processor, GPU, seed and git commit of this run."""
    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    dirty = _git("status", "--porcelain")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "blas_threads": blas_threads(),
        "gpu": _gpu_name(),
        "backend": backend,
        "packages": packages,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(dirty) if dirty is not None else None,
        "profile": profile.name,
        "seed": profile.seed,
    }


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux): rounding in BLAS kernels and
    SIMD loops can differ between processors, so bit-exact replay is promised per model."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_threads() -> int:
    """BLAS threads as the environment sets them (OpenBLAS and OpenMP read these variables at
    import; unset means one per core): a matrix product split over more threads sums in
    another order, so the count is part of what bit-exact replay needs."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


def same_machine(ledger: dict[str, Any]) -> bool:
    """Whether this process runs where ``ledger`` was recorded, as far as rounding goes: same
    processor model, BLAS thread count, and NumPy, SciPy and autograd. Only then are replayed
    numbers expected to agree bit for bit."""
    env = ledger.get("environment") or {}
    here = (platform.machine(), cpu_model(), blas_threads())
    if (env.get("machine"), env.get("cpu_model"), env.get("blas_threads")) != here:
        return False
    recorded = env.get("packages") or {}
    try:
        return all(recorded.get(k) == metadata.version(k) for k in ("numpy", "scipy", "autograd"))
    except metadata.PackageNotFoundError:
        return False


def _gpu_name() -> str | None:
    try:
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        return props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    except Exception:  # no CuPy, no driver or no device: the run is CPU-only
        return None


def claim_metadata(claim: Claim) -> dict[str, Any]:
    """What a report needs to state a claim, from the registry (not from the run)."""
    return {
        "id": claim.id,
        "paper": claim.paper,
        "source": claim.source,
        "title": claim.title,
        "statement": claim.statement,
        "hypotheses": [{"name": h.name, "statement": h.statement} for h in claim.hypotheses],
        "decides": claim.decides,
        # each entry labelled (paper error, transcription, ...); its instance replays as is
        "errata": [{"kind": e.kind, "text": e.text, "instance": to_jsonable(e.instance)}
                   for e in claim.errata],
    }


def build_ledger(
    claims: Sequence[Claim], runs: Sequence[ClaimRun], profile: Profile, seconds: float,
    backend: str = "numpy",
) -> dict[str, Any]:
    """Assemble the ledger of a run (schema :data:`SCHEMA`)."""
    entries = [{**claim_metadata(c), **r.to_json()} for c, r in zip(claims, runs, strict=True)]
    verdicts = [e["verdict"] for e in entries]
    controls = [c for e in entries for c in e["controls"]]
    relations = [r for e in entries for r in e.get("relations", [])]
    replays = [e["replay"] for e in entries if e.get("replay")]
    summary = {
        "claims": len(entries),
        **{s: verdicts.count(s)
           for s in ("holds", "violated", "inconclusive", "out-of-scope", "error")},
        "controls": len(controls),
        "controls_passed": sum(bool(c["passed"]) for c in controls),
        "relation_checks": sum(r["checked"] for r in relations),
        "relation_disagreements": sum(len(r["disagreements"]) for r in relations),
        "replayed": sum(r["instances"] for r in replays),
        "replay_differences": sum(len(r["differences"]) for r in replays),
        "seconds": seconds,
    }
    papers = sorted({c.paper for c in claims}, key=list(PAPERS).index)
    return to_jsonable({
        "schema": SCHEMA,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "profile": profile.name,
        "seed": profile.seed,
        "environment": environment(profile, backend),
        "papers": {key: PAPERS[key] for key in papers},
        "summary": summary,
        "tightness_tolerance": TIGHTNESS_TOLERANCE,
        "claims": entries,
        "regressions": [],
        "baseline": {"path": None, "compared": False},
    })


def write_ledger(ledger: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ledger, indent=1, sort_keys=False, allow_nan=False) + "\n")


def load_ledger(path: Path | str) -> dict[str, Any]:
    """Read and validate a ledger; :class:`CorruptLedger` names what is wrong."""
    path = Path(path)
    try:
        data = read_json(path, noun="ledger file")
    except UnreadableJSON as exc:
        raise CorruptLedger(str(exc)) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise CorruptLedger(f"{path}: not a ledger of schema {SCHEMA!r} (found {found!r})")
    claims = data.get("claims")
    if not isinstance(claims, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), str) and "verdict" in c for c in claims
    ):
        raise CorruptLedger(f"{path}: 'claims' must be a list of objects with 'id' and 'verdict'")
    return data


def _tightness_moved(new: Any, old: Any, tol: dict[str, float]) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (new, old)):
        return new != old
    return abs(new - old) > tol["abs"] + tol["rel"] * abs(old)


def same_draws(ledger: dict[str, Any], baseline: dict[str, Any]) -> bool:
    """Whether two runs drew their instances the same way: same profile, seed and Hypothesis
    version. Only then is a tightness comparison meaningful; verdicts and controls compare
    always."""
    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        env = doc.get("environment") or {}
        return doc.get("profile"), doc.get("seed"), (env.get("packages") or {}).get("hypothesis")

    return key(ledger) == key(baseline)


def compare(
    ledger: dict[str, Any], baseline: dict[str, Any], *, partial: bool = False
) -> list[str]:
    """Regressions of ``ledger`` against ``baseline``, one sentence each.

    With ``partial=True`` (a run restricted with ``--only``) claims absent from the run are not
    counted as missing. Tightness is compared only between runs with :func:`same_draws`.
    """
    check_tightness = same_draws(ledger, baseline)
    tol = baseline.get("tightness_tolerance", TIGHTNESS_TOLERANCE)
    new = {c["id"]: c for c in ledger["claims"]}
    problems = []
    for old in baseline["claims"]:
        cid = old["id"]
        cur = new.get(cid)
        if cur is None:
            if not partial:
                problems.append(f"{cid}: in the baseline but not in this run")
            continue
        if cur["verdict"] != old["verdict"]:
            problems.append(f"{cid}: verdict {old['verdict']} -> {cur['verdict']}")
        now = {c["name"]: c for c in cur.get("controls", [])}
        for ctl in old.get("controls", []):
            got = now.get(ctl["name"])
            if ctl.get("passed") and (got is None or not got.get("passed")):
                problems.append(f"{cid}: control {ctl['name']} no longer shows the failure")
        if check_tightness and _tightness_moved(cur.get("tightness"), old.get("tightness"), tol):
            problems.append(
                f"{cid}: tightness {old.get('tightness')} -> {cur.get('tightness')} "
                f"(tolerance {tol['abs']} + {tol['rel']} x |baseline|)"
            )
    return problems


def run_problems(ledger: dict[str, Any]) -> list[str]:
    """What fails a run whatever the baseline says, one sentence each: a task that raised, a
    metamorphic relation under which a verdict changed, a replayed baseline instance whose
    verdict or relative slack moved."""
    problems = []
    for entry in ledger["claims"]:
        cid = entry["id"]
        problems += [f"{cid}: error in {e}" for e in entry.get("errors", [])]
        problems += [f"{cid}: relation {d['reason']}"
                     for r in entry.get("relations", []) for d in r["disagreements"]]
        problems += [f"{cid}: replayed {d}"
                     for d in (entry.get("replay") or {}).get("differences", [])]
    return problems


def _verdict_row(entry: dict[str, Any]) -> dict[str, Any]:
    counts = entry.get("counts") or {}
    edge = (entry.get("edge") or {}).get("counts") or {}
    return {
        "verdict": entry["verdict"],
        "violated": counts.get("violated", 0) + edge.get("violated", 0),
        "controls": {c["name"]: bool(c.get("passed")) for c in entry.get("controls", [])},
    }


def agreement(ledgers: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The verdict tables of several runs side by side, and where they disagree.

    Runs with different seeds draw different instances, so tightness and counts differ by
    design; what must agree is each claim's verdict and whether each control showed its
    failure. Any violated instance of any run is listed too, since every instance a strategy
    draws meets the hypotheses: one violation is a flaky oracle or a false theorem.
    """
    tables = [{c["id"]: _verdict_row(c) for c in doc["claims"]} for doc in ledgers]
    ids = list(dict.fromkeys(cid for t in tables for cid in t))
    rows, problems = [], []
    for cid in ids:
        cells = [t.get(cid) for t in tables]
        rows.append({"id": cid, "runs": cells})
        if any(c is None for c in cells):
            problems.append(f"{cid}: missing from run(s) "
                            f"{[i + 1 for i, c in enumerate(cells) if c is None]}")
            continue
        verdicts = [c["verdict"] for c in cells]
        if len(set(verdicts)) > 1:
            problems.append(f"{cid}: verdicts differ across runs: {verdicts}")
        for i, c in enumerate(cells):
            if c["violated"]:
                problems.append(f"{cid}: run {i + 1} has {c['violated']} violated instance(s)")
        if len({tuple(sorted(c["controls"].items())) for c in cells}) > 1:
            problems.append(f"{cid}: controls differ across runs: {[c['controls'] for c in cells]}")
    return rows, problems
