"""The registry of claims: the built-in papers and the claim packages installed beside them.

Every module in :mod:`checks.papers` registers its claims here when imported. A package outside
this repository contributes the executable appendix of its own paper through an entry point of
the group :data:`ENTRY_POINT_GROUP`; the entry point names a callable that takes no argument
and returns an :class:`Appendix` (the paper's bibliographic data and its claims)::

    [project.entry-points."identity_landscapes.claims"]
    example = "external_appendix:appendix"

The paper's key is the prefix of every claim id of the package (``example.weyl``) and the
``paper`` of each of its claims. A package that cannot be imported, whose callable fails or
returns something else, or whose claims clash with registered ones or lie outside its key is
skipped as a whole, with a one-line :class:`PluginWarning` naming the distribution; the
built-in claims and the other packages are unaffected.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import warnings
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from checks.framework import Claim

__all__ = [
    "ENTRY_POINT_GROUP",
    "Appendix",
    "Paper",
    "PluginWarning",
    "UnknownClaim",
    "all_claims",
    "get",
    "register",
]

ENTRY_POINT_GROUP = "identity_landscapes.claims"

_REGISTRY: dict[str, Claim] = {}
_LOADED = False
#: entry points already looked at (distribution, name, value): each is loaded once
_PLUGINS_SEEN: set[tuple[str, str, str]] = set()
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")


class UnknownClaim(KeyError):
    """No claim has this id."""

    def __str__(self) -> str:
        return str(self.args[0])


class PluginWarning(UserWarning):
    """An installed claim package was skipped; the message names it and says why."""


@dataclasses.dataclass(frozen=True)
class Paper:
    """The bibliographic data of an external paper, so that the ledger and the report can
    cite it. ``key`` is the id prefix of its claims (lower-case letters, digits, ``_``); at
    least one of ``doi`` and ``arxiv`` must be given."""

    key: str
    title: str
    authors: str
    venue: str
    doi: str = ""
    arxiv: str = ""

    def problems(self) -> list[str]:
        """What makes this declaration unusable, one phrase each (empty when none)."""
        out = []
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            out.append(f"paper key {self.key!r} is not lower-case letters, digits and '_'")
        for name in ("title", "authors", "venue"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                out.append(f"paper {name} is empty")
        if not any(isinstance(v, str) and v.strip() for v in (self.doi, self.arxiv)):
            out.append("paper has neither a DOI nor an arXiv id")
        return out


@dataclasses.dataclass(frozen=True)
class Appendix:
    """What a claim package's entry point returns: one paper and its claims."""

    paper: Paper
    claims: Sequence[Claim]


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
    _load_plugins()


def _distribution(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else ep.value


def _package(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else ep.value


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}".rstrip(": ")


def _load_plugins() -> None:
    """Register the claims of every installed claim package, in a stable order (distribution,
    entry point name); a broken package is skipped with a :class:`PluginWarning`."""
    eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP),
                 key=lambda ep: (_distribution(ep), ep.name, ep.value))
    for ep in eps:
        seen = (_distribution(ep), ep.name, ep.value)
        if seen in _PLUGINS_SEEN:
            continue
        _PLUGINS_SEEN.add(seen)
        before = set(_REGISTRY)
        try:
            appendix = _appendix(ep)
            stray = sorted(set(_REGISTRY) - before)
            if stray:
                raise _Broken(f"registered {', '.join(stray)} on import; return the claims "
                              "from the entry point's callable instead")
        except _Broken as exc:
            for cid in set(_REGISTRY) - before:  # a skipped package leaves nothing behind
                del _REGISTRY[cid]
            warnings.warn_explicit(
                f"claim package {_distribution(ep)!r} (entry point {ep.name} = {ep.value}) "
                f"skipped: {exc}", PluginWarning, filename=ENTRY_POINT_GROUP, lineno=0)
            continue
        from checks.papers._meta import add_paper

        register(*appendix.claims)
        add_paper(appendix.paper.key, {**dataclasses.asdict(appendix.paper),
                                       "package": _package(ep)})


class _Broken(Exception):
    """Why a claim package cannot be registered (one line)."""


def _appendix(ep: metadata.EntryPoint) -> Appendix:
    """Load one entry point and validate what it returns, registering nothing."""
    try:
        make = ep.load()
    except Exception as exc:  # any import-time failure of a foreign package: skip it
        raise _Broken(f"cannot import {ep.value} ({_one_line(exc)})") from None
    if not callable(make):
        raise _Broken(f"{ep.value} is a {type(make).__name__}, not a callable returning an "
                      "Appendix")
    try:
        appendix = make()
    except Exception as exc:  # the package's own code failed: skip it
        raise _Broken(f"{ep.value}() raised {_one_line(exc)}") from None
    if not isinstance(appendix, Appendix) or not isinstance(appendix.paper, Paper):
        raise _Broken(f"{ep.value}() returned a {type(appendix).__name__}, not an Appendix "
                      "(checks.registry.Appendix(paper=Paper(...), claims=[...]))")
    try:
        problems = (appendix.paper.problems()
                    + _claim_problems(appendix.paper.key, appendix.claims))
    except Exception as exc:  # a malformed declaration (an id that is not a string, ...)
        raise _Broken(f"malformed Appendix ({_one_line(exc)})") from None
    if problems:
        raise _Broken("; ".join(problems))
    return appendix


def _claim_problems(key: str, claims: Any) -> list[str]:
    from checks.papers._meta import PAPERS

    if key in PAPERS:
        return [f"paper key {key!r} is already declared"]
    if isinstance(claims, str | bytes) or not isinstance(claims, Sequence) or not claims:
        return ["claims must be a non-empty list of Claim"]
    out: list[str] = []
    ids: set[str] = set()
    for claim in claims:
        if not isinstance(claim, Claim):
            out.append(f"{type(claim).__name__} {str(claim)[:40]!r} is not a Claim")
            continue
        if not claim.id.startswith(f"{key}.") or claim.id == f"{key}.":
            out.append(f"claim id {claim.id!r} is not under the prefix '{key}.'")
        if claim.paper != key:
            out.append(f"claim {claim.id!r} names paper {claim.paper!r}, not {key!r}")
        if claim.id in ids or claim.id in _REGISTRY:
            out.append(f"duplicate claim id {claim.id!r}")
        ids.add(claim.id)
    return out


def all_claims(prefix: str = "") -> list[Claim]:
    """Every registered claim whose id starts with ``prefix``, in a stable order: the papers
    in ``PAPER_ORDER`` (built-in first, then installed packages by key), ids in natural
    order within a paper."""
    _load()
    from checks.papers._meta import PAPER_ORDER

    claims = [c for c in _REGISTRY.values() if c.id.startswith(prefix)]
    return sorted(claims, key=lambda c: (PAPER_ORDER.index(c.paper), _natural(c.id)))


def _natural(key: str) -> list[object]:
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
