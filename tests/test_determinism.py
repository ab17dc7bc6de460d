"""Same seed and profile give the same ledger, apart from timings and timestamps."""

from __future__ import annotations

import json

import pytest
from roundtrip import without
from toy_claims import AMGM, AMGM_EDGES

from checks.ledger import build_ledger
from checks.profiles import get_profile
from checks.registry import all_claims
from checks.runner import run_claim

VOLATILE = {"seconds", "created", "environment"}


def _strip(obj):
    return without(obj, VOLATILE)


def _first_claim_per_paper():
    seen, picked = set(), []
    for claim in all_claims():
        if claim.paper not in seen:
            seen.add(claim.paper)
            picked.append(claim)
    return picked


@pytest.mark.parametrize("claim", [AMGM, *_first_claim_per_paper()], ids=lambda c: c.id)
def test_ledger_is_deterministic(claim):
    profile = get_profile("ci")
    ledgers = [
        _strip(build_ledger([claim], [run_claim(claim, profile)], profile, 0.0)) for _ in range(2)
    ]
    assert json.dumps(ledgers[0], sort_keys=True) == json.dumps(ledgers[1], sort_keys=True)


def test_sharded_ledger_is_deterministic():
    """Draws and edge draws split into shards (as in the thorough profile), relations applied:
    the same ledger twice."""
    import dataclasses

    profile = dataclasses.replace(get_profile("ci"), shards=4, edge_examples=6, edge_shards=3)
    ledgers = [json.dumps(_strip(build_ledger([AMGM_EDGES], [run_claim(AMGM_EDGES, profile)],
                                              profile, 0.0)), sort_keys=True)
               for _ in range(2)]
    assert ledgers[0] == ledgers[1]


def test_ledgers_of_separate_processes_are_identical(tmp_path):
    """Two processes with different hash seeds (so different heap layouts), one running its
    tasks serially and one on two worker processes, write the same ledger. k19's
    Levenberg-Marquardt training once split here: SciPy's MINPACK returned different points
    for the same inputs under PYTHONHASHSEED 5 and 6."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    docs = []
    for hash_seed, jobs in (("5", "1"), ("6", "2")):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        subprocess.run(
            [sys.executable, "-m", "checks", "run", "--only", "k19.lem", "--profile", "ci",
             "--no-report", "--no-reproductions", "--out", str(out),
             "--baseline", str(tmp_path / "none.json"), "--jobs", jobs],
            check=True, capture_output=True, env=env, cwd=root,
        )
        docs.append(_strip(json.loads((out / "ledger.json").read_text())))
    assert json.dumps(docs[0], sort_keys=True) == json.dumps(docs[1], sort_keys=True)


def test_draws_ignore_constants_mined_from_loaded_modules(monkeypatch):
    """The runner's draws depend on strategy, profile and seed alone: a pool of 'mined'
    literals (what Hypothesis collects from whatever project modules are loaded) changes
    nothing. Without the guard about 5% of draws come from the pool."""
    from hypothesis import strategies as st
    providers = pytest.importorskip("hypothesis.internal.conjecture.providers")  # 6.13x on

    from checks.runner import sample_instances

    def draws():
        return list(sample_instances(st.integers(0, 10**9), get_profile("ci"), 200, "mined"))

    clean = draws()
    poisoned = providers.Constants(integers=set(range(1000, 1100)))
    monkeypatch.setattr(providers, "_get_local_constants", lambda: poisoned)
    providers.CONSTANTS_CACHE.cache.clear()
    assert draws() == clean
    providers.CONSTANTS_CACHE.cache.clear()
