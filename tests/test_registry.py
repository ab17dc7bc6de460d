"""The registry of :mod:`checks.registry`: how claims are found and the order they are listed in."""

from __future__ import annotations

import pytest

from checks.registry import _natural, all_claims


def test_claims_are_listed_in_natural_order():
    """``all_claims`` orders ids within a paper as a reader numbers them: k22.eq2.11 after
    k22.eq2.1-2.4, hm17.thm3.2 after hm17.thm2.2, and digits compared as numbers."""

    ids = [c.id for c in all_claims("k22.eq")]
    assert ids == ["k22.eq2.1-2.4", "k22.eq2.11", "k22.eq2.12"]
    assert sorted(["x10", "x9", "x1"], key=_natural) == ["x1", "x9", "x10"]


def test_add_paper_refuses_a_key_already_declared():
    """Declaring a paper key twice (a built-in one here) is a ValueError naming the key, and
    leaves the declared papers as they were."""
    from checks.papers import _meta

    before = dict(_meta.PAPERS)
    with pytest.raises(ValueError, match="^paper key 'k19' is already declared$"):
        _meta.add_paper("k19", {"title": "another"})
    assert _meta.PAPERS == before
