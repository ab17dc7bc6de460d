"""Run mutmut on a stratified random sample of the mutants of ``theory/`` and ``checks/``.

    python scripts/mutation/sample.py --sample 600 [--seed 1] [--max-children 2]

The whole population (about 30,000 mutants) takes days on two cores, because a surviving
mutant runs every test that covers its function. A simple random sample estimates the
score with a known error instead: each source file gets a share proportional to its
mutant count (at least ``--per-file-min``), drawn with a seeded generator, so a rerun with the
same seed on the same source tests the same mutants and mutmut's cache skips those already
decided. ``--sample 0`` runs every mutant. ``--exclude`` takes earlier ``sample.json`` files
whose mutants are not drawn again: tests written to kill an earlier sample's survivors make
that sample's score optimistic, so the score is measured on mutants nobody has looked at.

Mutants are enumerated from mutmut's own ``mutants/**/*.meta`` files; on a fresh checkout a
first ``mutmut run`` with a pattern that matches nothing generates them (and the test
coverage statistics) and stops, which is what ``--generate-only`` does by itself.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

MUTANTS = Path("mutants")
NO_MATCH = "generate-only-no-mutant-has-this-name"


def population() -> dict[str, list[str]]:
    """Every mutant name, by source file, from mutmut's metadata."""
    by_file = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        names = sorted(json.loads(meta.read_text())["exit_code_by_key"])
        if names:
            by_file[str(meta.relative_to(MUTANTS))[: -len(".meta")]] = names
    return by_file


def stratified_sample(
    by_file: dict[str, list[str]], size: int, per_file_min: int, seed: int,
    exclude: frozenset[str] = frozenset(),
) -> list[str]:
    """``size`` names split across files in proportion to their counts (at least
    ``per_file_min`` each, never more than a file has), drawn without replacement from the
    names not in ``exclude``; the shares are those of the whole population."""
    total = sum(len(v) for v in by_file.values())
    rng = random.Random(seed)
    chosen = []
    for _path, names in sorted(by_file.items()):
        share = max(per_file_min, round(size * len(names) / total))
        fresh = [n for n in names if n not in exclude]
        chosen += rng.sample(fresh, min(share, len(fresh)))
    return chosen


def generate() -> None:
    """Generate the mutants and the per-test coverage statistics, testing none."""
    # mutmut stops with "nothing matches" once the mutants and statistics exist
    subprocess.run([sys.executable, "-m", "mutmut", "run", NO_MATCH])
    if not (MUTANTS / "mutmut-stats.json").exists():
        sys.exit("mutmut did not collect its test statistics; see the output above")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", type=int, default=600, help="mutants to test (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--per-file-min", type=int, default=3)
    p.add_argument("--max-children", type=int, default=2)
    p.add_argument("--generate-only", action="store_true")
    p.add_argument("--exclude", type=Path, nargs="*", default=[], metavar="SAMPLE_JSON",
                   help="earlier sample files whose mutants are not drawn again")
    args = p.parse_args(argv)
    exclude = frozenset(n for f in args.exclude for n in json.loads(f.read_text())["names"])
    generate()
    if args.generate_only:
        return 0
    names = [] if args.sample == 0 else stratified_sample(
        population(), args.sample, args.per_file_min, args.seed, exclude)
    (MUTANTS / "sample.json").write_text(json.dumps(
        {"seed": args.seed, "size": args.sample, "names": names,
         "excluded": sorted(str(f) for f in args.exclude)}, indent=1))
    print(f"testing {len(names) or 'all'} mutants", flush=True)
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children), *names]
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
