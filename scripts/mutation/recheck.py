"""Re-test mutmut's survivors in a fresh interpreter.

    python scripts/mutation/recheck.py [--sample mutants/sample.json] [--jobs 2]

mutmut forks every mutant from a process that has already imported the project and run the
suite, so code that runs at import (the loss and activation registries) or whose results sit
in a warm cache (``functools.lru_cache``, the oracles' instance caches) keeps the original
behaviour in the fork, and mutmut credits the mutated function only to the test that first
called it. Such a mutant "survives" without ever running. Here each survivor's diff (from
``mutmut show``) is applied to a scratch copy of the sources, and the test files that name
the mutated module run in a new interpreter (``-x``, first failure stops); of the golden
replay and prose tests only the mutated paper's (a claim module or strategy reaches no other
paper's claims). A failure is a kill. A run past ``--timeout`` is not: the files may simply
be slow, so it stays a survivor (``undecided (timeout)``), which makes the score a lower
bound. The verdicts go to ``mutants/recheck.json`` as they come (an interrupted recheck keeps
them), which ``scripts/mutation/summary.py`` reads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

# one definition of what counts as survived, and of reading a sample file
from summary import MUTANTS, SURVIVED, sample_names

COPY = ("theory", "checks", "tests", "reports", "scripts", "CITATION.cff", "pyproject.toml")


def survivors(sample: Path | None) -> list[str]:
    only = sample_names(sample)
    names = []
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code in SURVIVED and (not only or name in only):
                names.append(name)
    return names


# Claims, their controls and their strategies are built when the registry imports
# checks/papers/*; the golden replay tests (every recorded verdict) and the prose tests (every
# claim's text typesets) reach every one of them through the registry, parametrised by claim
# id, without naming the module.
THROUGH_THE_REGISTRY = ("checks.papers.", "checks.strategies.")
GOLDEN = ("tests/test_replay.py", "tests/test_prose.py")


@cache  # every survivor of a module asks for the same files: read the tests once
def test_files(module: str) -> list[str]:
    """Test files that name the module (dotted, or its last part as a word), and the golden
    replay tests for a module the registry builds claims from."""
    stem = module.rsplit(".", 1)[-1]
    pattern = re.compile(rf"{re.escape(module)}\b|\b{re.escape(stem)}\b")
    files = {str(p) for p in Path("tests").glob("test_*.py")
             if pattern.search(p.read_text(encoding="utf-8"))}
    if module.startswith(THROUGH_THE_REGISTRY):
        files.update(golden for golden in GOLDEN if Path(golden).exists())
    return sorted(files)


def paper_of(module: str) -> str | None:
    """The paper key (``hm17``, ``j19``, ``k19``, ``k22``) of a claim or strategy module, whose
    golden tests are the only ones it can change; ``None`` for a module every paper uses."""
    match = re.match(r"checks\.(?:papers|strategies)\.([a-z]+\d+)", module)
    return match.group(1) if match else None


def golden_selection(paper: str | None, files: list[str]) -> list[str]:
    """``-k`` arguments that keep, of the golden files among ``files``, only the tests of
    ``paper``'s claims (all other tests run); none for a module every paper uses."""
    golden = [Path(f).stem for f in files if f in GOLDEN]
    if not paper or not golden:
        return []
    return ["-k", f"not ({' or '.join(golden)}) or {paper}"]


def recheck(name: str, scratch: Path, timeout: int) -> str:
    show = subprocess.run([sys.executable, "-m", "mutmut", "show", name],
                          capture_output=True, text=True).stdout
    diff = "\n".join(line for line in show.splitlines() if not line.startswith("#")) + "\n"
    target = re.search(r"^--- (\S+)", diff, re.M)
    if target is None:
        return "no diff"
    path = scratch / target.group(1)
    original = path.read_bytes()
    try:
        mutated = _apply(original.decode("utf-8"), diff)
        if mutated is None:
            return "diff does not apply"
        path.write_text(mutated, encoding="utf-8")
        module = name.split(".x_")[0].split(".xǁ")[0]
        files = test_files(module)
        if not files:
            return "survived (no test names the module)"
        select = golden_selection(paper_of(module), files)
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                 "-m", "not slow and not gpu", *select, *files],
                cwd=scratch, capture_output=True, text=True, timeout=timeout,
                env={**os.environ, "PYTHONPATH": str(scratch)})
        except subprocess.TimeoutExpired:
            return "undecided (timeout)"
        return "survived" if run.returncode in (0, 5) else "killed"
    finally:
        path.write_bytes(original)


def _apply(source: str, diff: str) -> str | None:
    """Apply a one-function unified diff by its text (mutmut numbers hunks from the
    function's first line, so the line numbers cannot be used): the unique occurrence of the
    old lines is replaced by the new ones; ``None`` when the old lines are not found once."""
    old, new = [], []
    for line in diff.splitlines()[2:]:
        if line.startswith("@@"):
            continue
        tag, text = line[:1], line[1:]
        if tag in (" ", "-"):
            old.append(text)
        if tag in (" ", "+"):
            new.append(text)
    # mutmut shows a method dedented to column 0; in the source it sits inside its class
    for indent in ("", "    ", "        "):
        before, after = (_indent(old, indent), _indent(new, indent))
        if source.count(before) == 1:
            return source.replace(before, after)
    return None


def _indent(lines: list[str], indent: str) -> str:
    return "\n".join(indent + line if line else line for line in lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", type=Path, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=300)
    args = p.parse_args(argv)
    out = MUTANTS / "recheck.json"
    results: dict[str, str] = json.loads(out.read_text()) if out.exists() else {}
    # a mutant already decided in a fresh interpreter keeps its verdict (mutmut's cache does
    # the same); one whose diff did not apply is tried again
    names = [n for n in survivors(args.sample)
             if not (results.get(n, "").startswith("killed") or results.get(n) == "survived")]
    with tempfile.TemporaryDirectory() as tmp:
        scratches = []
        for k in range(args.jobs):
            scratch = Path(tmp) / f"copy{k}"
            scratch.mkdir()
            for item in COPY:
                src = Path(item)
                if src.is_dir():
                    shutil.copytree(src, scratch / item,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                elif src.exists():
                    shutil.copy2(src, scratch / item)
            scratches.append(scratch)
        chunks = [names[k::args.jobs] for k in range(args.jobs)]

        def work(k: int) -> None:
            for name in chunks[k]:
                results[name] = recheck(name, scratches[k], args.timeout)
                print(f"{results[name]:<40} {name}", flush=True)
                with lock:
                    out.write_text(json.dumps(results, indent=1, sort_keys=True))

        lock = threading.Lock()
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(work, range(args.jobs)))
    out.write_text(json.dumps(results, indent=1, sort_keys=True))
    killed = sum(results[n].startswith("killed") for n in names)
    print(f"{killed} of {len(names)} survivors killed in a fresh interpreter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
