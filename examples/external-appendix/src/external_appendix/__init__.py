"""An executable appendix for Weyl's eigenvalue inequality: the template of a claim package.

The entry point ``identity_landscapes.claims: example = external_appendix:appendix`` (see
``pyproject.toml``) makes ``python -m checks list/run/verify`` register :data:`PAPER` and its
claim ``example.weyl`` beside the built-in ones."""

from __future__ import annotations

from checks.registry import Appendix, Paper

__all__ = ["PAPER", "appendix"]

PAPER = Paper(
    key="example",
    title="Das asymptotische Verteilungsgesetz der Eigenwerte linearer partieller "
    "Differentialgleichungen (mit einer Anwendung auf die Theorie der Hohlraumstrahlung)",
    authors="Hermann Weyl",
    venue="Mathematische Annalen 71(4), 441-479, 1912",
    doi="10.1007/BF01456804",
)


def appendix() -> Appendix:
    """The paper and its claims (the entry point's callable; importing registers nothing)."""
    from external_appendix.claims import CLAIM

    return Appendix(paper=PAPER, claims=[CLAIM])
