"""The mutation-sampling script draws a proportional sample, and a fresh one on request."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation_sample.py"


def _module():
    spec = importlib.util.spec_from_file_location("mutation_sample", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


POPULATION = {"a.py": [f"a{i}" for i in range(300)], "b.py": [f"b{i}" for i in range(100)],
              "c.py": ["c0", "c1"]}


def test_sample_is_proportional_with_a_floor_per_file():
    names = _module().stratified_sample(POPULATION, 40, 3, seed=1)
    by_file = {f: sum(n[0] == f[0] for n in names) for f in POPULATION}
    assert by_file == {"a.py": 30, "b.py": 10, "c.py": 2}  # 40 * 3/4, 40 * 1/4, all of c
    assert len(set(names)) == len(names)


def test_an_excluded_sample_is_never_drawn_again():
    mod = _module()
    first = mod.stratified_sample(POPULATION, 40, 3, seed=1)
    second = mod.stratified_sample(POPULATION, 40, 3, seed=1, exclude=frozenset(first))
    assert not set(first) & set(second)
    assert sum(n.startswith("a") for n in second) == 30  # shares come from the population
    assert sum(n.startswith("c") for n in second) == 0  # c has nothing fresh left
