"""The profile concept of ``checks.profiles``: one :class:`Profile` per run profile carries the
example budgets and the size tier that the strategies and reproductions declare their sizes
against (``sized``), and the test suite's Hypothesis profiles are registered from it. Statuses
are compared as ``Status`` members, never as spelled-out strings."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from checks.framework import Status
from checks.profiles import (
    PROFILES,
    TIERS,
    Profile,
    as_profile,
    get_profile,
    profile_name,
    sized,
)
from checks.registry import get
from checks.runner import sample_instances
from reports import ledger as report_ledger

ROOT = Path(__file__).resolve().parents[1]


def test_sized_declares_small_for_ci_and_large_for_dev_and_thorough():
    """A size declared ``small``/``large`` is ``small`` under ``ci`` and ``large`` under ``dev``
    and ``thorough`` (``dev`` draws the thorough sizes with fewer examples)."""
    small, large = object(), object()
    assert sized("ci", small=small, large=large) is small
    assert sized("dev", small=small, large=large) is large
    assert sized("thorough", small=small, large=large) is large


def test_sized_medium_is_dev_only():
    """``medium`` is what ``dev`` gets where it is declared; ``ci`` and ``thorough`` ignore it."""
    small, medium, large = object(), object(), object()
    got = {name: sized(name, small=small, medium=medium, large=large) for name in PROFILES}
    assert got == {"ci": small, "dev": medium, "thorough": large}


def test_tiers_grow_with_the_profiles():
    """``ci``, ``dev`` and ``thorough`` are the small, medium and large tiers, in that order."""
    assert [PROFILES[n].tier for n in ("ci", "dev", "thorough")] == list(TIERS)


def test_sized_takes_a_profile_or_its_name():
    """Strategies receive a profile name (the public API) or a :class:`Profile`: both size
    alike, and a profile with a fresh seed keeps its tier."""
    import dataclasses

    for name, profile in PROFILES.items():
        assert as_profile(name) is profile
        assert as_profile(profile) is profile
        reseeded = dataclasses.replace(profile, seed=7)
        assert sized(reseeded, small=1, medium=2, large=3) == sized(name, small=1, medium=2,
                                                                   large=3)


def test_profile_name_keys_size_tables_by_a_profile_or_its_name():
    """A reproduction's table of sizes by profile finds the same row for a profile and for its
    name; names that are no profile (a unit test's ``"smoke"`` size) pass through."""
    for name, profile in PROFILES.items():
        assert profile_name(profile) == profile_name(name) == name
    assert profile_name("smoke") == "smoke"


def test_sized_with_an_unknown_profile_name_is_a_one_line_value_error():
    """A mistyped profile name is refused with the choices, not silently sized as large."""
    with pytest.raises(ValueError) as info:
        sized("quick", small=1, large=2)
    assert "'quick'" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="unknown profile"):
        as_profile(None)  # type: ignore[arg-type]


def test_profile_with_an_unknown_tier_is_refused():
    """A profile names one of the tiers; anything else is a one-line ``ValueError``."""
    with pytest.raises(ValueError, match="tier must be one of small, medium, large"):
        Profile("x", 1, 1, tier="huge")  # type: ignore[arg-type]


def test_hypothesis_profiles_are_registered_from_checks_profiles():
    """The suite's Hypothesis profiles are the run profiles' ``test_examples`` (one number per
    profile, one place), and only ``ci`` is derandomised without a database."""
    for name, profile in PROFILES.items():
        hp = settings.get_profile(name)
        assert hp.max_examples == profile.test_examples
        assert hp.derandomize is profile.test_derandomize
        assert hp.deadline is None
    assert PROFILES["ci"].test_derandomize
    assert settings.get_profile("ci").database is None


def test_test_examples_are_their_own_budget():
    """The suite's example counts are separate from a run's: each test profile draws no more
    per property test than its run profile draws per claim."""
    for profile in PROFILES.values():
        assert 0 < profile.test_examples <= profile.max_examples


def _same_draws(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_draws(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same_draws(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


@pytest.mark.parametrize("claim_id", ["hm17.claim2.3", "hm17.lemB.1", "k22.thm3"])
@pytest.mark.parametrize("name", ["ci", "dev"])
def test_strategy_draws_the_same_from_a_profile_or_its_name(claim_id, name):
    """``claim.strategy(name)`` and ``claim.strategy(get_profile(name))`` draw the same
    instances: the sizes come from the profile, however it is passed."""
    claim, profile = get(claim_id), get_profile(name)
    by_name = list(sample_instances(claim.strategy(name), profile, 3, label=claim_id))
    by_profile = list(sample_instances(claim.strategy(profile), profile, 3, label=claim_id))
    assert by_name and _same_draws(by_name, by_profile)


_PROFILE_BRANCH = re.compile(r"""profile\s*[!=]=\s*["']|\.get\(profile\s*,""")


def test_no_profile_branches_in_papers_or_strategies():
    """Sizes are declared with ``sized``; no claim, strategy or reproduction branches on a
    profile's name, and a table of sizes by profile is read through ``profile_name`` (so that
    a :class:`Profile` finds its row rather than the table's default)."""
    files = sorted((ROOT / "checks" / "papers").glob("*.py"))
    files += sorted((ROOT / "checks" / "strategies").glob("*.py"))
    files += sorted((ROOT / "checks" / "reproductions").glob("*.py"))
    offending = [f"{f.name}:{i}" for f in files
                 for i, line in enumerate(f.read_text().splitlines(), 1)
                 if _PROFILE_BRANCH.search(line)]
    assert not offending


_SPELLED_STATUS = re.compile(r"""[!=]=\s*["'](holds|violated|inconclusive|out-of-scope)["']"""
                             r"""|["'](holds|violated|inconclusive|out-of-scope)["']\s*[!=]=""")


def test_statuses_are_compared_as_status_members():
    """No code compares a status with a spelled-out verdict: ``Status`` members in ``checks``,
    the ledger's named verdicts in ``reports`` (which never imports ``checks``)."""
    files = sorted((ROOT / "checks").rglob("*.py")) + sorted((ROOT / "reports").rglob("*.py"))
    offending = [f"{f.relative_to(ROOT)}:{i}" for f in files
                 for i, line in enumerate(f.read_text().splitlines(), 1)
                 if _SPELLED_STATUS.search(line)]
    assert not offending


def test_report_verdicts_are_the_status_values():
    """The report's ledger vocabulary is ``Status``, in its order, and its named verdicts are
    the members of the same names."""
    assert report_ledger.VERDICTS == tuple(s.value for s in Status)
    for member in Status:
        assert getattr(report_ledger, member.name) == member
