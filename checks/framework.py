"""The vocabulary of the appendix as code: claims, hypotheses, verdicts, controls.

A :class:`Claim` is one theorem, lemma or equation of a paper. Its *instance* is a plain
``dict`` of named parameters (NumPy arrays, numbers) using the paper's names. The claim owns

* ``parse``: JSON ``params`` -> instance, raising :class:`~checks.inputs.BadInput` with a
  one-line message on malformed data (wrong shape, NaN/inf, wrong type);
* ``hypotheses``: named predicates on an instance; one that fails makes the verdict
  ``out-of-scope`` (never ``violated``);
* ``measure``: the oracle proper, which computes both sides of the conclusion independently and
  returns a :class:`Verdict` (usually through :func:`decide`);
* ``strategy``: a Hypothesis strategy of instances meeting every hypothesis;
* ``controls``: instances or strategies that drop one named hypothesis, on which the
  conclusion must be seen to fail (a ``violated`` verdict) for the control to pass.

:meth:`Claim.check` is the oracle as users see it: hypotheses first, then ``measure``.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checks.tex import TEX_RELATION, tex_number

__all__ = [
    "BOUNDS",
    "ERRATUM_KINDS",
    "Claim",
    "Control",
    "Erratum",
    "Hypothesis",
    "Parameter",
    "Relation",
    "Reproduction",
    "Status",
    "Tolerance",
    "Verdict",
    "certified_violation",
    "decide",
    "decide_equal",
    "decide_flag",
    "out_of_scope",
]

Instance = dict[str, Any]


class Status(enum.StrEnum):
    """The four verdicts of the project vocabulary."""

    HOLDS = "holds"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"
    OUT_OF_SCOPE = "out-of-scope"


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """A derived tolerance: its value and the formula it came from, both recorded."""

    value: float
    derivation: str

    def __post_init__(self) -> None:
        # A non-finite tolerance is allowed: it arises when a bound overflows on an extreme
        # instance, and decide() answers inconclusive for it rather than raising.
        if self.value < 0:
            raise ValueError(f"tolerance must be >= 0, got {self.value!r}")

    @property
    def finite(self) -> bool:
        return math.isfinite(self.value)


@dataclasses.dataclass
class Verdict:
    """What an oracle decided, with the numbers it decided on.

    ``slack`` is signed: positive means the conclusion holds with that margin, negative means it
    fails by that much (for ``lhs <= rhs`` it is ``rhs - lhs``; for an equality it is
    ``-|lhs - rhs|``). ``relative_slack`` is ``slack / scale`` and is what tightness searches
    minimise.
    """

    status: Status
    lhs: float | None = None
    rhs: float | None = None
    relation: str = ""
    slack: float | None = None
    relative_slack: float | None = None
    tolerance: float | None = None
    tolerance_derivation: str = ""
    message: str = ""
    diagnostics: dict[str, Any] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    certificate: str = ""

    def to_json(self) -> dict[str, Any]:
        from checks.serialise import to_jsonable

        out = dataclasses.asdict(self)
        out["status"] = str(self.status)
        return to_jsonable(out)

    def rows(self) -> list[tuple[str, str]]:
        """The verdict as (label, text) rows, the fields that are set, for display."""
        rows = [("status", str(self.status))]
        if self.lhs is not None or self.rhs is not None:
            rows.append(("sides", f"lhs {_num(self.lhs)} {self.relation or '?'} "
                                  f"rhs {_num(self.rhs)}"))
        elif self.relation:
            rows.append(("relation", self.relation))
        if self.slack is not None:
            rows.append(("slack", f"{_num(self.slack)} (relative {_num(self.relative_slack)})"))
        if self.tolerance is not None:
            how = f" = {self.tolerance_derivation}" if self.tolerance_derivation else ""
            rows.append(("tolerance", f"{_num(self.tolerance)}{how}"))
        rows += [(label, text) for label, text in (
            ("message", self.message), ("certificate", self.certificate)) if text]
        return rows

    def __str__(self) -> str:
        """A few lines: status, sides and relation, slack, tolerance with its derivation,
        message, certificate."""
        return "\n".join(f"{label + ':':<13}{text}" for label, text in self.rows())

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self) if cycle else str(self))

    def _repr_html_(self) -> str:
        """A small table for notebooks."""
        from html import escape

        cells = "".join(f"<tr><th style='text-align:left'>{escape(label)}</th>"
                        f"<td style='text-align:left'>{escape(text)}</td></tr>"
                        for label, text in self.rows())
        return f"<table class='verdict'>{cells}</table>"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def decide(
    lhs: float,
    rhs: float,
    *,
    relation: str = "<=",
    tolerance: Tolerance,
    scale: float | None = None,
    inconclusive_above: float = 0.5,
    diagnostics: Mapping[str, Any] | None = None,
    message: str = "",
    lhs_bound: str = "exact",
    rhs_bound: str = "exact",
    uncertified: str = "",
) -> Verdict:
    """Decide ``lhs <relation> rhs`` (``"<="``, ``">="`` or ``"=="``) within a derived tolerance.

    ``lhs_bound`` and ``rhs_bound`` say what each number is known to be of its side: ``"exact"``
    (the side itself, up to the tolerance), ``"lower"`` (a certified lower bound: the true side
    is at least this) or ``"upper"`` (a certified upper bound). A verdict needs bounds in the
    right direction: ``lhs <= rhs`` *holds* when an upper bound of the lhs is below a lower
    bound of the rhs, and is *violated* only when a lower bound of the lhs is above an upper
    bound of the rhs (``>=`` mirrored; ``==`` needs both sides exact). When the numbers point
    to the answer whose certificate is missing, the verdict is ``inconclusive`` and its message
    names the missing certificate (``uncertified``, or a generic sentence).

    The conclusion holds when the signed slack is ``>= -tolerance``, is violated when it is
    below that, and is ``inconclusive`` when the tolerance itself is not small against the
    problem's ``scale`` (``tolerance > inconclusive_above * scale``): then rounding alone could
    account for either answer. ``scale`` defaults to ``max(|lhs|, |rhs|)``; pass the problem's
    own scale where a side can legitimately be zero. It is also the denominator of the
    relative slack.
    """
    lhs, rhs = float(lhs), float(rhs)
    missing = ""
    if not (math.isfinite(lhs) and math.isfinite(rhs) and tolerance.finite):
        what = "the tolerance" if not tolerance.finite else "a side of the conclusion"
        return Verdict(
            Status.INCONCLUSIVE, lhs, rhs, relation, None, None, tolerance.value,
            tolerance.derivation, f"{what} is not finite (overflow at this scale)",
            dict(diagnostics or {}),
        )
    if relation == "<=":
        slack = rhs - lhs
    elif relation == ">=":
        slack = lhs - rhs
    elif relation == "==":
        slack = -abs(lhs - rhs)
    else:
        raise ValueError(f"unknown relation {relation!r}; use '<=', '>=' or '=='")
    if scale is None:
        scale = max(abs(lhs), abs(rhs))
    scale = max(float(scale), sys.float_info.min)
    certificate = ""
    if tolerance.value > inconclusive_above * scale:
        status = Status.INCONCLUSIVE
        message = message or "the tolerance is not small against the scale of the sides"
    elif slack >= -tolerance.value:
        status = Status.HOLDS
        missing = _missing_bound(relation, lhs_bound, rhs_bound, holds=True)
    else:
        status = Status.VIOLATED
        missing = _missing_bound(relation, lhs_bound, rhs_bound, holds=False)
        certificate = (f"{_SIDE_WORD[lhs_bound]}lhs ${tex_number(lhs, 6)}$ and "
                       f"{_SIDE_WORD[rhs_bound]}rhs ${tex_number(rhs, 6)}$ are "
                       f"${tex_number(-slack)}$ apart against ${TEX_RELATION[relation]}$, "
                       f"beyond the tolerance ${tex_number(tolerance.value)}$")
    if status is not Status.INCONCLUSIVE and missing:
        status, certificate = Status.INCONCLUSIVE, ""
        message = "; ".join(m for m in (uncertified or missing, message) if m)
    return Verdict(
        status, lhs, rhs, relation, slack, slack / scale, tolerance.value,
        tolerance.derivation, message, dict(diagnostics or {}), certificate=certificate,
    )


BOUNDS = ("exact", "lower", "upper")
_SIDE_WORD = {"exact": "", "lower": "a lower bound of the ", "upper": "an upper bound of the "}


def _missing_bound(relation: str, lhs_bound: str, rhs_bound: str, *, holds: bool) -> str:
    """Which certificate the answer ``holds`` (or ``violated``) lacks, or ``""`` when none.

    ``lhs <= rhs`` holds when lhs is bounded above and rhs below (``"exact"`` is both), and is
    violated when lhs is bounded below and rhs above; ``>=`` swaps the sides' needs."""
    for name, bound in (("lhs", lhs_bound), ("rhs", rhs_bound)):
        if bound not in BOUNDS:
            raise ValueError(f"{name}_bound must be one of {BOUNDS}, got {bound!r}")
    if relation == "==":
        needs = {"lhs": "exact", "rhs": "exact"}
    else:
        small, large = ("lhs", "rhs") if relation == "<=" else ("rhs", "lhs")
        # holds: the small side from above, the large from below; violated: the reverse
        needs = {small: "upper", large: "lower"} if holds else {small: "lower", large: "upper"}
    given = {"lhs": lhs_bound, "rhs": rhs_bound}
    for side in ("lhs", "rhs"):
        if given[side] not in ("exact", needs[side]):
            known = "bounded below" if given[side] == "lower" else "bounded above"
            wanted = {"upper": "an upper bound", "lower": "a lower bound",
                      "exact": "its exact value"}[needs[side]]
            answer = "holds" if holds else "violated"
            return (f"no certificate for '{answer}': the {side} is only {known}, and the "
                    f"answer needs {wanted} of it")
    return ""


def certified_violation(verdict: Verdict) -> Verdict:
    """The framework's rule: ``violated`` only with a certified separation of the two sides.

    A ``violated`` verdict that carries no ``certificate`` (the separation it rests on) is
    turned into ``inconclusive`` with a message saying so; every other verdict passes through.
    :meth:`Claim.check` applies this to every oracle's answer."""
    if verdict.status is Status.VIOLATED and not verdict.certificate:
        verdict.status = Status.INCONCLUSIVE
        verdict.message = "; ".join(m for m in (
            "refused 'violated': the oracle gave no certificate of separation",
            verdict.message) if m)
    return verdict


def decide_equal(lhs: float, rhs: float, *, tolerance: Tolerance, **kwargs: Any) -> Verdict:
    """:func:`decide` with ``relation="=="``: both sides agree within the tolerance."""
    return decide(lhs, rhs, relation="==", tolerance=tolerance, **kwargs)


def decide_flag(
    ok: bool | None,
    *,
    message: str = "",
    diagnostics: Mapping[str, Any] | None = None,
    tolerance: Tolerance | None = None,
    certificate: str = "",
) -> Verdict:
    """A verdict for a conclusion that is a certified yes/no (a rank, a membership).

    ``ok=None`` means the certificate could not decide: ``inconclusive``. ``ok=False`` must
    say in ``certificate`` what certifies the failure (a singular value above its error bound,
    an exact tie found in rational arithmetic, ...); without one :meth:`Claim.check` refuses
    the ``violated`` (:func:`certified_violation`).
    """
    status = {True: Status.HOLDS, False: Status.VIOLATED, None: Status.INCONCLUSIVE}[ok]
    slack = {True: 1.0, False: -1.0, None: None}[ok]
    return Verdict(
        status, relation="certified", slack=slack, relative_slack=slack,
        tolerance=None if tolerance is None else tolerance.value,
        tolerance_derivation="" if tolerance is None else tolerance.derivation,
        message=message, diagnostics=dict(diagnostics or {}),
        certificate=certificate if ok is not None and not ok else "",
    )


def out_of_scope(message: str, **diagnostics: Any) -> Verdict:
    """The verdict for an instance that does not meet a hypothesis."""
    return Verdict(Status.OUT_OF_SCOPE, message=message, diagnostics=dict(diagnostics))


@dataclasses.dataclass(frozen=True)
class Hypothesis:
    """A named hypothesis of a claim.

    ``check(instance)`` returns ``True`` when the instance meets it, or ``False`` / a string
    saying why not. ``statement`` is LaTeX for the report.
    """

    name: str
    statement: str
    check: Callable[[Instance], bool | str]


@dataclasses.dataclass(frozen=True)
class Control:
    """An instance source that drops the hypothesis ``drops``; the conclusion must fail on it.

    Give either ``instances`` (fixed, already-parsed instances; replayable) or ``strategy`` (a
    Hypothesis strategy). The control passes when at least one ``violated`` verdict is found.
    ``expect`` may be set to another status when a control demonstrates e.g. ``inconclusive``.
    """

    name: str
    drops: str
    description: str
    instances: Sequence[Instance] | Callable[[], Sequence[Instance]] = ()
    strategy: Any = None
    expect: Status = Status.VIOLATED

    def fixed_instances(self) -> Sequence[Instance]:
        return self.instances() if callable(self.instances) else self.instances


AGREEMENTS = ("agrees", "differs", "no-paper-value")


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """A figure or table of a paper re-run at an affordable size.

    ``run(profile)`` returns a JSON-able dict with at least ``title`` and either ``series``
    (``[{"label", "x", "y"}]``, plus optional ``xlabel``, ``ylabel``, ``logy``) or ``table``
    (``{"columns": [...], "rows": [[...]]}``), and ``paper`` (what the paper reports) beside
    ``ours``.
    """

    name: str
    description: str
    run: Callable[[str], dict[str, Any]]
    #: whether the figure or table agrees with the paper's: "agrees", "differs" (say why in
    #: ``agreement_reason``, and record the paper error or note it rests on) or
    #: "no-paper-value"; a ``run`` that decides it from its numbers returns these keys itself
    agreement: str = ""
    agreement_reason: str = ""

    def __post_init__(self) -> None:
        if self.agreement not in ("", *AGREEMENTS):
            raise ValueError(f"reproduction {self.name!r}: agreement must be one of "
                             f"{AGREEMENTS}, got {self.agreement!r}")


REQUIRED = object()  # the default of a parameter that has none


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One parameter of a claim's instance file, as ``checks show`` lists it.

    ``shape`` in the paper's symbols (``"d x d"``, ``"n"``, ``"scalar"``), ``meaning`` in the
    paper's notation, ``domain`` the values the parser accepts (``"(0, 1)"``, ``"finite"``),
    ``default`` the value used when the parameter is absent (:data:`REQUIRED` when it must be
    given)."""

    name: str
    shape: str
    meaning: str
    domain: str = "finite"
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclasses.dataclass(frozen=True)
class Relation:
    """A metamorphic relation: a transformation of an instance that cannot change the truth.

    ``transform(instance, rng)`` returns a new instance (``rng`` a NumPy ``Generator`` for
    relations that draw, e.g. a permutation or an orthogonal matrix); the claim's verdict on it
    must have the same status, and with ``same_slack`` the same relative slack up to the two
    verdicts' tolerances (see :meth:`disagreement`). ``description`` says why the truth cannot
    change, in the paper's terms."""

    name: str
    description: str
    transform: Callable[[Instance, Any], Instance]
    same_slack: bool = True

    def disagreement(self, before: Verdict, after: Verdict) -> str:
        """Why two verdicts on related instances disagree, or ``""`` when they agree."""
        if before.status != after.status:
            return f"{self.name}: status {before.status} became {after.status}"
        if not self.same_slack or before.relative_slack is None or after.relative_slack is None:
            return ""
        # Each relative slack is known to its verdict's tolerance over its scale.
        room = sum(abs(v.tolerance or 0.0) * abs(v.relative_slack or 0.0) / abs(v.slack)
                   if v.slack else 0.0 for v in (before, after))
        gap = abs(before.relative_slack - after.relative_slack)
        if gap > room + 4 * sys.float_info.epsilon * max(1.0, abs(before.relative_slack)):
            return (f"{self.name}: relative slack {before.relative_slack:.6g} became "
                    f"{after.relative_slack:.6g} (beyond the tolerances, {room:.3g})")
        return ""


ERRATUM_KINDS = ("paper error", "transcription", "interpretation", "method note")


@dataclasses.dataclass(frozen=True)
class Erratum:
    """One entry of a claim's errata and notes, labelled by ``kind`` (:data:`ERRATUM_KINDS`).

    Only ``"paper error"`` entries are errata of the paper; a ``"transcription"`` is a loss in
    the text we worked from, an ``"interpretation"`` a reading we chose where the paper is
    ambiguous, a ``"method note"`` a choice of ours. ``instance`` is the replayable params of
    the counterexample or example the entry speaks of (``None`` when it needs none)."""

    kind: str
    text: str
    instance: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ERRATUM_KINDS:
            raise ValueError(f"erratum kind must be one of {ERRATUM_KINDS}, got {self.kind!r}")


def _plain_lists(instance: Any) -> list[str]:
    """The names of ``instance``'s values that are lists of plain numbers (no NumPy array
    inside): what raw JSON params hold where a parsed instance holds arrays."""
    if not isinstance(instance, Mapping):
        return []

    def plain(value: Any) -> bool:
        if isinstance(value, list | tuple):
            return all(plain(v) for v in value)
        return isinstance(value, int | float) and not isinstance(value, bool)

    return [str(k) for k, v in instance.items() if isinstance(v, list | tuple) and v and plain(v)]


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of one paper, with its oracle, strategy and controls."""

    id: str
    paper: str
    source: str
    title: str
    statement: str
    measure: Callable[[Instance], Verdict]
    parse: Callable[[Mapping[str, Any]], Instance]
    strategy: Callable[[str], Any]
    hypotheses: Sequence[Hypothesis] = ()
    controls: Sequence[Control] = ()
    reproductions: Sequence[Reproduction] = ()
    decides: str = ""
    errata: Sequence[Erratum] = ()
    size: Callable[[Instance], Mapping[str, float]] | None = None
    tightness: bool = True
    max_examples: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: the instance file's parameters, for ``checks show`` and ``checks example``
    parameters: Sequence[Parameter] = ()
    #: metamorphic relations (transformations that cannot change the verdict)
    relations: Sequence[Relation] = ()
    #: ``edge_strategy(profile_name)``: instances where definitions and numerics break
    edge_strategy: Callable[[str], Any] | None = None
    #: ``cost(instance)``: estimated seconds of :meth:`check` on this machine, from the sizes
    cost: Callable[[Instance], float] | None = None

    def __post_init__(self) -> None:
        for e in self.errata:
            if not isinstance(e, Erratum):
                raise ValueError(f"claim {self.id}: errata must be Erratum(kind, text), got "
                                 f"{type(e).__name__} {str(e)[:40]!r}")
        names = {h.name for h in self.hypotheses}
        for control in self.controls:
            if control.drops not in names:
                raise ValueError(f"claim {self.id}: control {control.name!r} drops "
                                 f"{control.drops!r}, which is not one of its hypotheses "
                                 f"{sorted(names)}")

    def failed_hypotheses(
        self, instance: Instance, skip: frozenset[str] = frozenset()
    ) -> dict[str, str]:
        """The hypotheses (other than ``skip``) the instance fails, by name, with the reason."""
        failed = {}
        for hyp in self.hypotheses:
            if hyp.name in skip:
                continue
            result = hyp.check(instance)
            if result is not True:
                failed[hyp.name] = result if isinstance(result, str) and result else "not met"
        return failed

    def unmet_hypotheses(
        self, instance: Instance, skip: frozenset[str] = frozenset()
    ) -> list[str]:
        """Names and reasons of the hypotheses (other than ``skip``) the instance fails."""
        return [f"{name}: {reason}"
                for name, reason in self.failed_hypotheses(instance, skip).items()]

    def check(self, instance: Instance, *, drop: str | None = None) -> Verdict:
        """Run the oracle: hypotheses (all but ``drop``) first, then the measurement.

        ``instance`` is a *parsed* instance (NumPy arrays, as ``parse`` returns). Raw params
        with arrays as nested lists are not parsed here: when the oracle fails on them with a
        ``TypeError`` or ``AttributeError``, the error is re-raised as a ``TypeError`` saying
        to parse first (``claim.parse(params)``) or to call ``checks.verify``, which parses
        exactly as the command line does.

        An ``OverflowError`` (Python's float power and ``math`` functions raise where NumPy
        gives inf) means a side or a bound is not representable at this instance's scale:
        the verdict is ``inconclusive`` with that reason, never a traceback."""
        start = time.perf_counter()
        try:
            unmet = self.unmet_hypotheses(instance, frozenset({drop}) if drop else frozenset())
            if unmet:
                verdict = out_of_scope("; ".join(unmet))
            else:
                verdict = certified_violation(self.measure(instance))
        except OverflowError as exc:
            verdict = Verdict(Status.INCONCLUSIVE, message=f"a quantity overflows at this "
                              f"scale (OverflowError: {exc}): not decidable in float64")
        except (TypeError, AttributeError) as exc:
            lists = _plain_lists(instance)
            if not lists:
                raise
            raise TypeError(
                f"{self.id}: Claim.check takes a parsed instance, and {', '.join(lists)} "
                f"{'is a plain list' if len(lists) == 1 else 'are plain lists'} "
                f"({type(exc).__name__}: {exc}); for raw params use "
                f"checks.verify({self.id!r}, params) or claim.check(claim.parse(params))"
            ) from exc
        verdict.seconds = time.perf_counter() - start
        if self.size is not None:
            verdict.diagnostics.setdefault("size", dict(self.size(instance)))
        return verdict

    def control(self, name: str) -> Control:
        for c in self.controls:
            if c.name == name:
                return c
        raise KeyError(f"claim {self.id} has no control {name!r}")
