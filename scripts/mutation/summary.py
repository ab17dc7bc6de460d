"""Print the mutation score and the surviving mutants by file after a mutmut run.

Reads mutmut's ``mutants/**/*.py.meta`` files. The score counts the mutants that were tested:
killed (a test failed, or a timeout: the mutant made a computation run away) over killed plus
survived, where a mutant of a function no test calls counts as survived. When only a sample
was tested (``scripts/mutation/sample.py``), the score is an estimate of the population's and
is printed with its 95% Wilson interval. Equivalent mutants are marked in the source with
``# pragma: no mutate`` and the reason, so they are never generated and never reach this list.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

MUTANTS = Path("mutants")
EQUIVALENTS = Path(__file__).with_name("equivalents.json")  # name -> reason
KILLED = {1, 3, 36, 24, -24, 152, 255}  # failed tests, pytest internal error, timeouts
SURVIVED = {0, 5, 33}  # tests passed, or no test covers the mutated function


def sample_names(sample: Path | None) -> set[str] | None:
    """The mutant names a sample file (``scripts/mutation/sample.py``'s sample.json) lists;
    ``None`` without a file. Exits with one line when the file is missing or unreadable: the
    sampling step failed before writing it, and its output above says why."""
    if sample is None:
        return None
    try:
        return set(json.loads(sample.read_text())["names"])
    except FileNotFoundError:
        sys.exit(f"{sample} was not written: scripts/mutation/sample.py failed before "
                 "drawing a sample (its output above says why)")
    except (OSError, ValueError, KeyError, TypeError) as err:
        sys.exit(f"{sample} is not a sample file ({type(err).__name__}: {err})")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def stratified(counts: dict[str, Counter[str]]) -> tuple[float, float]:
    """The population's score estimated from a sample stratified by file: each file's kill
    rate weighted by its share of all mutants, with the normal-approximation half-width of
    the 95% interval (files sampled at their minimum would otherwise count too much)."""
    total = sum(c["population"] for c in counts.values())
    est = var = 0.0
    for c in counts.values():
        n = c["killed"] + c["survived"]
        if n == 0:
            continue
        w, p = c["population"] / total, c["killed"] / n
        est += w * p
        var += w * w * p * (1 - p) / n * (1 - n / c["population"])
    covered = sum(c["population"] for c in counts.values() if c["killed"] + c["survived"])
    return est * total / covered, 1.96 * math.sqrt(var) * total / covered


def tally(only: set[str] | None = None) -> tuple[dict[str, Counter[str]], dict[str, list[str]]]:
    """Counts by file (``population`` always counts every mutant); ``only``: score just these
    mutant names (one sample), the rest count as untested."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    recheck_path = MUTANTS / "recheck.json"  # scripts/mutation/recheck.py: fresh-process kills
    recheck = json.loads(recheck_path.read_text()) if recheck_path.exists() else {}
    equivalent = json.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        path = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            c = counts[path]
            c["population"] += 1
            if code is None or (only is not None and name not in only):
                continue
            c["tested"] += 1
            if code in KILLED:
                c["killed"] += 1
            elif code in SURVIVED and name in equivalent:
                c["equivalent"] += 1
            elif code in SURVIVED and recheck.get(name, "").startswith("killed"):
                c["killed"] += 1
                c["fresh"] += 1
            elif code in SURVIVED:
                c["survived"] += 1
                survivors[path].append(name)
            else:  # segfault, suspicious, interrupted: reported, not scored
                c["other"] += 1
    return counts, survivors


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", type=Path, default=None,
                   help="score only the mutants named in this sample file (sample.json)")
    args = p.parse_args(argv)
    if not any(MUTANTS.rglob("*.py.meta")):
        print("no mutants: run `nox -s mutation` (or scripts/mutation/sample.py) first")
        return 2
    # a sample file of a full run names no mutants: score them all
    only = sample_names(args.sample) or None
    counts, survivors = tally(only)
    total = sum(counts.values(), Counter())
    killed, survived = total["killed"], total["survived"]
    decided = killed + survived
    lo, hi = wilson(killed, decided)
    sampled = total["tested"] < total["population"]
    print(f"mutation score: {killed}/{decided} killed = {killed / max(decided, 1):.1%}"
          + (f" (95% interval {lo:.1%} to {hi:.1%}; a sample of {total['tested']} of "
             f"{total['population']} mutants)" if sampled else "")
          + f"; {total['other']} undecided (segfault, suspicious or interrupted)"
          + (f"; {total['fresh']} of the kills in a fresh interpreter "
             "(scripts/mutation/recheck.py)" if total["fresh"] else "")
          + (f"; {total['equivalent']} equivalent survivors left out "
             "(scripts/mutation/equivalents.json)" if total["equivalent"] else ""))
    if sampled:
        est, half = stratified(counts)
        print(f"population estimate (files weighted by their mutant counts): {est:.1%} "
              f"+/- {half:.1%}")
    print(f"{'file':<44} {'tested':>7} {'killed':>7} {'survived':>9}")
    for path, c in sorted(counts.items()):
        if c["tested"]:
            print(f"{path:<44} {c['tested']:>7} {c['killed']:>7} {c['survived']:>9}")
    for path, names in sorted(survivors.items()):
        print(f"{path}: {len(names)} surviving")
        for name in names:
            print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
