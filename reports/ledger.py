"""Reading a ledger: the report's only input (it never imports ``checks`` or ``theory``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["HOLDS", "INCONCLUSIVE", "OUT_OF_SCOPE", "SCHEMA", "VERDICTS", "VIOLATED", "LedgerError",
           "as_float", "load_ledger", "validate_ledger"]

SCHEMA = "identity-landscapes-ledger/1"
VERDICTS = ("holds", "violated", "inconclusive", "out-of-scope")
# the ledger's verdicts by name (the values of ``checks.framework.Status``, which the report
# does not import), so that no code compares against a spelled-out verdict
HOLDS, VIOLATED, INCONCLUSIVE, OUT_OF_SCOPE = VERDICTS


class LedgerError(ValueError):
    """A ledger that cannot be read, with a one-line message saying why."""


def load_ledger(path: str | Path) -> dict[str, Any]:
    """Read and validate the ledger JSON at ``path``; raise ``LedgerError`` otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LedgerError(f"cannot read ledger {path}: {exc.strerror or exc}") from None
    try:
        ledger = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{path} is not valid JSON ({exc})") from None
    validate_ledger(ledger, where=str(path))
    return ledger


def _require(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise LedgerError(f"{where}: {message}")


def validate_ledger(ledger: Any, where: str = "ledger") -> None:
    """Check the parts of the schema the report relies on; raise ``LedgerError`` if unmet.

    Only the shape is checked (types of the fields the report reads), not the numbers: the
    report shows what the run recorded.
    """
    _require(isinstance(ledger, dict), where, "top level is not a JSON object")
    schema = ledger.get("schema")
    _require(schema == SCHEMA, where, f"unknown schema {schema!r} (expected {SCHEMA!r})")
    claims = ledger.get("claims")
    _require(isinstance(claims, list), where, "'claims' is missing or not a list")
    for key in ("papers", "summary", "environment"):
        value = ledger.get(key, {})
        _require(isinstance(value, dict), where, f"{key!r} is not an object")
    seen: set[str] = set()
    for i, claim in enumerate(claims):
        _require(isinstance(claim, dict), where, f"claims[{i}] is not an object")
        cid = claim.get("id")
        _require(isinstance(cid, str) and cid != "", where, f"claims[{i}] has no string 'id'")
        _require(cid not in seen, where, f"claim id {cid!r} appears twice")
        seen.add(cid)
        verdict = claim.get("verdict")
        _require(verdict in VERDICTS, where, f"claim {cid!r} has unknown verdict {verdict!r}")
        for key in ("controls", "reproductions", "hypotheses", "errata", "slacks"):
            value = claim.get(key) or []
            _require(isinstance(value, list), where, f"claim {cid!r}: {key!r} is not a list")
        for j, control in enumerate(claim.get("controls") or []):
            _require(isinstance(control, dict), where,
                     f"claim {cid!r}: controls[{j}] is not an object")


def as_float(value: Any) -> float | None:
    """A ledger number as a float: the strings ``"nan"``/``"inf"``/``"-inf"`` included."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "+inf"):
        return float(value)
    return None


def is_finite(value: Any) -> bool:
    """True for a finite ledger number."""
    number = as_float(value)
    return number is not None and math.isfinite(number)
