"""Bibliographic data of the papers whose claims are registered (keys as used in claim ids).

The four built-in papers come first, in the project's order; papers declared by installed
claim packages (:mod:`checks.registry`, entry point group ``identity_landscapes.claims``)
follow them, ordered by key, so that listings and ledgers are stable whatever the order in
which packages were installed."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BUILTIN_PAPERS", "PAPERS", "PAPER_FIELDS", "PAPER_ORDER", "add_paper"]

BUILTIN_PAPERS = ("k19", "hm17", "k22", "j19")

#: the bibliographic fields a paper may declare, in the order the ledger records them;
#: ``package`` (name and version of the claim package that declared it) is set by the registry
PAPER_FIELDS = ("title", "authors", "venue", "doi", "arxiv", "package")

PAPER_ORDER = list(BUILTIN_PAPERS)

PAPERS: dict[str, dict[str, str]] = {
    "k19": {
        "title": "Every Local Minimum Value Is the Global Minimum Value of Induced Model "
        "in Nonconvex Machine Learning",
        "authors": "Kenji Kawaguchi, Jiaoyang Huang, Leslie Pack Kaelbling",
        "venue": "Neural Computation 31(12), 2019",
    },
    "hm17": {
        "title": "Identity Matters in Deep Learning",
        "authors": "Moritz Hardt, Tengyu Ma",
        "venue": "ICLR 2017 (arXiv:1611.04231)",
        "arxiv": "1611.04231",
    },
    "k22": {
        "title": "Understanding Dynamics of Nonlinear Representation Learning and Its Application",
        "authors": "Kenji Kawaguchi, Linjun Zhang, Zhun Deng",
        "venue": "Neural Computation 34(4), 2022",
    },
    "j19": {
        "title": "Why Learning of Large-Scale Neural Networks Behaves Like Convex Optimization",
        "authors": "Hui Jiang",
        "venue": "arXiv:1903.02140, 2019",
        "arxiv": "1903.02140",
    },
}


def add_paper(key: str, metadata: Mapping[str, str]) -> None:
    """Declare one more paper (from an installed claim package) and restore the order: the
    built-in papers, then the others by key. ``PAPERS`` and ``PAPER_ORDER`` are updated in
    place, so modules that imported them see the new paper."""
    if key in PAPERS:
        raise ValueError(f"paper key {key!r} is already declared")
    PAPERS[key] = {f: str(metadata[f]) for f in PAPER_FIELDS if metadata.get(f)}
    PAPER_ORDER[:] = [*BUILTIN_PAPERS, *sorted(k for k in PAPERS if k not in BUILTIN_PAPERS)]
    ordered = {k: PAPERS[k] for k in PAPER_ORDER}
    PAPERS.clear()
    PAPERS.update(ordered)
