"""``python -m checks``: the command-line contract users and scripts rely on.

    python -m checks list [--json] [--only PREFIX]
    python -m checks show ID [--json]
    python -m checks example ID [--seed N] [--edge] [--budget SECONDS]
    python -m checks verify ID --instance FILE.json [--drop HYPOTHESIS] [--budget SECONDS]
    python -m checks run [--profile ci|dev|thorough] [--only PREFIX] [--out DIR]
                         [--baseline FILE] [--update-baseline] [--no-report]
                         [--seed N] [--no-reproductions] [--jobs N | --scheduler ADDRESS]
    python -m checks replay LEDGER ID [--control NAME] [--budget SECONDS]
    python -m checks agree LEDGER LEDGER ...
    python -m checks bench [--quick]

``verify`` and ``replay`` print the verdict as JSON and exit 0 holds, 1 violated,
3 inconclusive, 4 out-of-scope; any bad input (unknown id, malformed or non-finite data, wrong
shapes, a corrupt ledger, an instance whose estimated cost exceeds ``--budget``) exits 2 with a
one-line message on stderr. ``example`` prints an instance file drawn from the claim's
strategy, to edit and ``verify``. Every command runs under one filter of NumPy's and autograd's
floating-point warnings (:func:`checks.api.quiet_numerics`). ``run`` exits 1 on a
regression against the baseline (or, with no baseline, on any violated claim or failed
control), on a replayed baseline instance whose verdict or slack moved, on a metamorphic
relation that changed a verdict, and on a task that raised (its claim's entry is
``error``). ``agree`` exits 1 when runs (e.g. with different seeds) disagree on a verdict or
a control, or any of them has a violated instance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks import api
from checks.framework import REQUIRED, Claim, Status, Verdict
from checks.inputs import BadInput
from checks.registry import all_claims
from checks.serialise import UnreadableJSON, read_json

__all__ = ["EXIT_CODES", "main"]

EXIT_CODES = {
    Status.HOLDS: 0, Status.VIOLATED: 1, Status.INCONCLUSIVE: 3, Status.OUT_OF_SCOPE: 4,
}
BAD_INPUT = 2
DEFAULT_BASELINE = Path(__file__).resolve().parent.parent / "reports" / "baseline.json"


class CliError(Exception):
    """A one-line message for stderr, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m checks", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("list", help="list the claims")
    s.add_argument("--json", action="store_true")
    s.add_argument("--only", default="", metavar="PREFIX")
    s = sub.add_parser("show", help="a claim's statement, hypotheses, parameters and controls")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("example", help="print an instance file drawn from the claim's strategy")
    s.add_argument("id")
    s.add_argument("--seed", type=int, default=None,
                   help="draw a random instance from this seed (default: the simplest one)")
    s.add_argument("--edge", action="store_true", help="draw from the edge strategy")
    _budget_argument(s)
    s = sub.add_parser("verify", help="decide one instance file")
    s.add_argument("id")
    s.add_argument("--instance", required=True, type=Path)
    s.add_argument("--drop", default=None, help="do not check this hypothesis (as a control)")
    _budget_argument(s)
    s = sub.add_parser("run", help="run every claim; write the ledger and the report")
    s.add_argument("--profile", default="ci", choices=["ci", "dev", "thorough"])
    s.add_argument("--only", default="", metavar="PREFIX")
    s.add_argument("--out", default=Path("reports/out"), type=Path)
    s.add_argument("--baseline", default=DEFAULT_BASELINE, type=Path)
    s.add_argument("--update-baseline", action="store_true")
    s.add_argument("--no-report", action="store_true")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--no-reproductions", action="store_true",
                   help="skip the paper-figure reproductions (they do not depend on the seed)")
    where = s.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_whole_number, default=1, metavar="N",
                       help="run the tasks on N local processes (the ledger does not change)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the tasks on an existing Dask cluster (tcp://host:8786)")
    s = sub.add_parser("agree", help="do several runs' verdict tables agree? (exit 1 if not)")
    s.add_argument("ledgers", type=Path, nargs="+")
    s = sub.add_parser("replay", help="re-run a ledger's recorded worst instance")
    s.add_argument("ledger", type=Path)
    s.add_argument("id")
    s.add_argument("--control", default=None, help="replay this control's violating instance")
    _budget_argument(s)
    s = sub.add_parser("bench", help="timings side by side, as ratios ([--quick])")
    s.add_argument("args", nargs="*")
    return p


def _budget_argument(s: argparse.ArgumentParser) -> None:
    s.add_argument("--budget", type=float, default=api.DEFAULT_BUDGET, metavar="SECONDS",
                   help="refuse an instance estimated to take longer (default: %(default)g)")


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _claim(claim_id: str) -> Claim:
    try:
        return api.claim_for(claim_id)
    except BadInput as exc:
        raise CliError(str(exc)) from None


def cmd_list(args: argparse.Namespace) -> int:
    claims = all_claims(args.only)
    if args.json:
        from checks.ledger import claim_metadata

        print(json.dumps([claim_metadata(c) for c in claims], indent=1))
    else:
        for c in claims:
            print(f"{c.id:<22} {c.title}  [{c.source}]")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    c = _claim(args.id)
    params = _parameters(c)
    if args.json:
        from checks.ledger import claim_metadata
        from checks.serialise import to_jsonable

        print(json.dumps(to_jsonable({
            **claim_metadata(c),
            "controls": [{"name": k.name, "drops": k.drops, "description": k.description}
                         for k in c.controls],
            "parameters": params,
            "relations": [{"name": r.name, "description": r.description} for r in c.relations],
            "edge_strategy": c.edge_strategy is not None,
        }), indent=1))
        return 0
    lines = [f"{c.id}: {c.title}", f"source: {c.source}", f"statement: {c.statement}"]
    lines += [f"hypothesis {h.name}: {h.statement}" for h in c.hypotheses]
    lines += [f"decides: {c.decides}"] if c.decides else []
    lines += ["parameters (name, shape, meaning, domain, default):"]
    lines += [f"  {p['name']} [{p['shape']}]: {p['meaning']}; domain {p['domain'] or '?'}; "
              + ("required" if p["required"] else f"default {p['default']!r}")
              for p in params]
    lines += [f"relation {r.name}: {r.description}" for r in c.relations]
    lines += [f"edge strategy: {'yes' if c.edge_strategy is not None else 'no'}"]
    lines += [f"control {k.name} (drops {k.drops}): {k.description}" for k in c.controls]
    lines += [f"erratum ({e.kind}): {e.text}" for e in c.errata]
    print("\n".join(lines))
    return 0


def _parameters(claim: Claim) -> list[dict[str, Any]]:
    """The instance file's parameters from ``Claim.parameters``; for a claim that documents
    none, the keys of its example instance, marked undocumented."""
    if claim.parameters:
        return [{"name": p.name, "shape": p.shape, "meaning": p.meaning, "domain": p.domain,
                 "default": None if p.default is REQUIRED else p.default,
                 "required": p.default is REQUIRED, "documented": True}
                for p in claim.parameters]
    try:
        params = api.draw(claim.id)
    except Exception as exc:  # an example that cannot be drawn must not break show
        return [{"name": "?", "shape": "?", "meaning": f"undocumented (no example: "
                 f"{type(exc).__name__}: {exc})", "domain": "", "default": None,
                 "required": True, "documented": False}]
    return [{"name": name, "shape": _shape(value), "meaning": "undocumented", "domain": "",
             "default": None, "required": True, "documented": False}
            for name, value in params.items()]


def _shape(value: Any) -> str:
    """The shape of a JSON value as the example has it (``"3 x 2"``, ``"scalar"``)."""
    if not isinstance(value, list):
        return "scalar" if isinstance(value, int | float) else type(value).__name__
    dims = []
    while isinstance(value, list):
        dims.append(str(len(value)))
        value = value[0] if value else None
    return " x ".join(dims)


def _read_json(path: Path) -> Any:
    try:
        return read_json(path)
    except UnreadableJSON as exc:
        raise CliError(str(exc)) from None


def evaluate(
    claim: Claim, params: Any, drop: str | None = None, budget: float | None = None,
) -> Verdict:
    """Parse ``params`` and run the oracle (:func:`checks.api.evaluate`, refusing above
    ``budget`` seconds); every failure becomes a one-line :class:`CliError`."""
    try:
        return api.evaluate(claim, params, drop, budget, budget_flag="--budget SECONDS")
    except BadInput as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # an oracle defect must still not print a traceback at users
        raise CliError(f"{claim.id}: could not evaluate: {type(exc).__name__}: {exc}") from None


def cmd_verify(args: argparse.Namespace) -> int:
    claim = _claim(args.id)
    doc = _read_json(args.instance)
    if not isinstance(doc, dict) or not isinstance(doc.get("params"), dict):
        raise CliError(f'{args.instance}: expected an object {{"claim": ID, "params": {{...}}}}')
    if doc.get("claim", claim.id) != claim.id:
        raise CliError(f"{args.instance}: instance is for {doc['claim']!r}, not {claim.id!r}")
    verdict = evaluate(claim, doc["params"], args.drop, _positive_budget(args.budget))
    print(json.dumps({"claim": claim.id, **verdict.to_json()}, indent=1))
    return EXIT_CODES[verdict.status]


def _positive_budget(budget: float) -> float:
    if not budget > 0:
        raise CliError(f"--budget must be a positive number of seconds, got {budget:g}")
    return budget


def cmd_example(args: argparse.Namespace) -> int:
    claim = _claim(args.id)
    try:
        doc, verdict = api.example(claim.id, seed=args.seed, edge=args.edge,
                                   budget=_positive_budget(args.budget),
                                   budget_flag="--budget SECONDS")
    except BadInput as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # a strategy or oracle defect: one line, not a traceback
        raise CliError(f"{claim.id}: no example: {type(exc).__name__}: {exc}") from None
    print(instance_text(doc))
    print(f"{claim.id}: {verdict.status} on this instance", file=sys.stderr)
    return 0


def instance_text(doc: Any, indent: str = "") -> str:
    """JSON text of an instance file to edit by hand: objects one key a line, matrices one
    row a line, numbers exact (shortest repr)."""
    inner = indent + " "
    if isinstance(doc, dict) and doc:
        items = [f"{inner}{json.dumps(k)}: {instance_text(v, inner)}" for k, v in doc.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(doc, list) and any(isinstance(v, list | dict) for v in doc):
        rows = [inner + instance_text(v, inner) for v in doc]
        return "[\n" + ",\n".join(rows) + f"\n{indent}]"
    return json.dumps(doc)


def cmd_replay(args: argparse.Namespace) -> int:
    from checks.ledger import CorruptLedger, load_ledger

    try:
        ledger = load_ledger(args.ledger)
    except CorruptLedger as exc:
        raise CliError(str(exc)) from None
    entry = next((c for c in ledger["claims"] if c["id"] == args.id), None)
    if entry is None:
        raise CliError(f"{args.ledger}: no claim {args.id!r} in this ledger")
    claim = _claim(args.id)
    if args.control:
        ctl = next((c for c in entry.get("controls", []) if c["name"] == args.control), None)
        if ctl is None or ctl.get("instance") is None:
            raise CliError(f"{args.id}: no recorded instance for control {args.control!r}")
        params, recorded, drop = ctl["instance"], ctl.get("verdict") or {}, ctl["drops"]
    else:
        if entry.get("worst_instance") is None:
            raise CliError(f"{args.id}: the ledger records no worst instance")
        params, recorded, drop = entry["worst_instance"], entry.get("worst_verdict") or {}, None
    verdict = evaluate(claim, params, drop, _positive_budget(args.budget))
    out = verdict.to_json()
    same = out["status"] == recorded.get("status") and out["relative_slack"] == recorded.get(
        "relative_slack"
    )
    print(json.dumps({"claim": claim.id, "replayed_exactly": same, **out}, indent=1))
    return EXIT_CODES[verdict.status]


def _progress(done: int, total: int, elapsed: float, text: str) -> None:
    """One line on stderr: a bar, tasks done of total, the elapsed time, an estimate of what
    is left (the mean time per finished task times the tasks left), and what just finished."""
    width = 24
    filled = int(width * done / max(total, 1))
    bar = "#" * filled + "." * (width - filled)
    left = elapsed / done * (total - done) if done else float("nan")
    eta = f"~{_clock(left)} left" if done else "estimating"
    print(f"[{bar}] {done:>4}/{total} tasks {_clock(elapsed)} elapsed, {eta}  {text}",
          file=sys.stderr, flush=True)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else \
        f"{minutes}:{secs:02d}"


def _task_text(task: Any, outcome: dict[str, Any]) -> str:
    """What a finished task found, in a few words."""
    if not outcome["ok"]:
        return f"{task.describe()}: ERROR {outcome['error']}"
    result = outcome["result"]
    if task.kind in ("draws", "edge"):
        found = ", ".join(f"{n} {s}" for s, n in result["counts"].items() if n)
        said = found or "nothing drawn"
    elif task.kind == "control":
        said = "showed the failure" if result["passed"] else "did NOT show the failure"
    elif task.kind == "relation":
        said = f"{len(result['disagreements'])} disagreement(s) in {result['checked']}"
    elif task.kind == "replay":
        said = f"{result['instances']} recorded instance(s), {len(result['differences'])} differ"
    else:
        said = "done"
    return f"{task.describe()}: {said} ({outcome['seconds']:.1f}s)"


def cmd_run(args: argparse.Namespace) -> int:
    import dataclasses

    from checks.executors import ExecutorUnavailable, make_executor
    from checks.ledger import build_ledger, run_problems, same_machine, write_ledger
    from checks.profiles import get_profile
    from checks.runner import run_claims

    profile = get_profile(args.profile)
    if args.seed is not None:
        profile = dataclasses.replace(profile, seed=args.seed)
    claims = all_claims(args.only)
    if not claims:
        raise CliError(f"no claim id starts with {args.only!r}")
    baseline = _load_baseline(args)
    start = time.perf_counter()

    def on_done(task: Any, outcome: dict[str, Any], done: int, total: int) -> None:
        _progress(done, total, time.perf_counter() - start, _task_text(task, outcome))

    try:
        runs = run_claims(
            claims, profile, make_executor(args.jobs, args.scheduler),
            reproductions=not args.no_reproductions, baseline=baseline,
            exact_replay=baseline is not None and same_machine(baseline), on_done=on_done,
        )
    except ExecutorUnavailable as exc:
        raise CliError(str(exc)) from None
    ledger = build_ledger(claims, runs, profile, time.perf_counter() - start)
    ledger["environment"]["executor"] = (
        f"dask scheduler {args.scheduler}" if args.scheduler else
        "serial" if args.jobs == 1 else f"{args.jobs} local processes")
    problems = run_problems(ledger) + _against_baseline(ledger, baseline, args)
    ledger["regressions"] = problems
    path = args.out / "ledger.json"
    write_ledger(ledger, path)
    print(f"ledger: {path}", file=sys.stderr)
    if args.update_baseline:
        write_ledger(ledger, args.baseline)
        print(f"baseline updated: {args.baseline}", file=sys.stderr)
    if not args.no_report:
        _report(ledger, args.out)
    s = ledger["summary"]
    print(
        f"{s['claims']} claims: {s['holds']} holds, {s['violated']} violated, "
        f"{s['inconclusive']} inconclusive, {s['out-of-scope']} out-of-scope, "
        f"{s['error']} error; controls {s['controls_passed']}/{s['controls']} showed the "
        f"failure; relations {s['relation_disagreements']} disagreement(s) in "
        f"{s['relation_checks']} checks; replayed {s['replayed']} recorded instance(s), "
        f"{s['replay_differences']} differ; {s['seconds']:.0f}s", file=sys.stderr,
    )
    for p in problems:
        print(f"REGRESSION {p}", file=sys.stderr)
    return 1 if problems else 0


def _load_baseline(args: argparse.Namespace) -> dict[str, Any] | None:
    """The baseline to replay and compare against, or ``None`` (updating it, or none there)."""
    from checks.ledger import CorruptLedger, load_ledger

    if args.update_baseline:
        return None
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}: checking verdicts alone", file=sys.stderr)
        return None
    try:
        return load_ledger(args.baseline)
    except CorruptLedger as exc:
        raise CliError(f"baseline: {exc}") from None


def _against_baseline(
    ledger: dict[str, Any], baseline: dict[str, Any] | None, args: argparse.Namespace
) -> list[str]:
    from checks.ledger import compare, same_draws

    if args.update_baseline:
        return []
    if baseline is None:
        return [
            f"{c['id']}: verdict {c['verdict']}"
            for c in ledger["claims"] if c["verdict"] not in (Status.HOLDS, "error")
        ] + [
            f"{c['id']}: control {k['name']} did not show the failure"
            for c in ledger["claims"] for k in c["controls"] if not k["passed"]
        ]
    ledger["baseline"] = {"path": str(args.baseline), "compared": True}
    if not same_draws(ledger, baseline):
        print(
            "baseline drawn with another profile, seed or Hypothesis version: its recorded "
            "instances were replayed; the tightness of new draws is not compared",
            file=sys.stderr,
        )
    # a claim the baseline lacks (an installed claim package's) is reported, not a regression
    known = {c["id"] for c in baseline.get("claims", [])}
    for cid in [c["id"] for c in ledger["claims"] if c["id"] not in known]:
        print(f"new (not in the baseline): {cid}", file=sys.stderr)
    return compare(ledger, baseline, partial=bool(args.only))


def _report(ledger: dict[str, Any], out: Path) -> None:
    try:
        from reports import LedgerError, ReportError, build_report
    except ImportError as exc:
        raise CliError(
            f"cannot build the report ({exc}); install the extra: pip install '.[report]', "
            "or pass --no-report"
        ) from None
    try:
        html, pdf = build_report(ledger, out)
    except (ReportError, LedgerError) as exc:
        raise CliError(f"report: {exc} (the ledger was written)") from None
    print(f"report: {html}, {pdf}", file=sys.stderr)


def cmd_agree(args: argparse.Namespace) -> int:
    from checks.ledger import CorruptLedger, agreement, load_ledger

    try:
        ledgers = [load_ledger(p) for p in args.ledgers]
    except CorruptLedger as exc:
        raise CliError(str(exc)) from None
    rows, problems = agreement(ledgers)
    heads = [f"seed {d.get('seed')} ({d.get('profile')})" for d in ledgers]
    print(f"{'claim':<26} " + "  ".join(f"{h:<20}" for h in heads))
    for row in rows:
        cells = [
            "absent" if c is None else
            f"{c['verdict']} {sum(c['controls'].values())}/{len(c['controls'])}"
            for c in row["runs"]
        ]
        print(f"{row['id']:<26} " + "  ".join(f"{x:<20}" for x in cells))
    for p in problems:
        print(f"DISAGREE {p}", file=sys.stderr)
    print(f"{len(rows)} claims in {len(ledgers)} runs: "
          + ("verdict tables agree" if not problems else f"{len(problems)} disagreement(s)"),
          file=sys.stderr)
    return 1 if problems else 0


def cmd_bench(args: argparse.Namespace) -> int:
    try:
        from checks.bench import main as bench_main
    except ImportError as exc:
        raise CliError(f"benchmarks unavailable: {exc}") from None
    return int(bench_main(args.args) or 0)


COMMANDS = {
    "list": cmd_list, "show": cmd_show, "example": cmd_example, "verify": cmd_verify,
    "run": cmd_run,
    "replay": cmd_replay, "agree": cmd_agree, "bench": cmd_bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # bench options belong to checks.bench, not to this parser
        argv = ["bench", "--", *argv[1:]]
    args = _parser().parse_args(argv)
    try:
        with api.quiet_numerics():
            return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
