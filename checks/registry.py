"""The registry of claims: every module in :mod:`checks.papers` registers its claims here."""

from __future__ import annotations

import importlib
import pkgutil

from checks.framework import Claim

__all__ = ["UnknownClaim", "all_claims", "get", "register"]

_REGISTRY: dict[str, Claim] = {}
_LOADED = False


class UnknownClaim(KeyError):
    """No claim has this id."""

    def __str__(self) -> str:
        return str(self.args[0])


def register(*claims: Claim) -> None:
    """Add claims to the registry; ids must be unique."""
    for claim in claims:
        if claim.id in _REGISTRY and _REGISTRY[claim.id] is not claim:
            raise ValueError(f"duplicate claim id {claim.id!r}")
        _REGISTRY[claim.id] = claim


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    import checks.papers as papers

    for info in sorted(pkgutil.iter_modules(papers.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"checks.papers.{info.name}")
    _LOADED = True


def all_claims(prefix: str = "") -> list[Claim]:
    """Every registered claim whose id starts with ``prefix``, in a stable order."""
    _load()
    from checks.papers._meta import PAPER_ORDER

    claims = [c for c in _REGISTRY.values() if c.id.startswith(prefix)]
    return sorted(claims, key=lambda c: (PAPER_ORDER.index(c.paper), _natural(c.id)))


def _natural(key: str) -> list[object]:
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]


def get(claim_id: str) -> Claim:
    """The claim with this id, or :class:`UnknownClaim` naming the close matches."""
    _load()
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(claim_id, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownClaim(f"unknown claim id {claim_id!r}{hint}") from None
