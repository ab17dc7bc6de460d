"""Test configuration: Hypothesis profiles and a header naming the numerical stack.

The Hypothesis profiles ``ci``, ``dev`` and ``thorough`` are the run profiles of
:mod:`checks.profiles` (their ``test_examples``), registered in one place, when pytest
configures itself (before any test module is imported). Not at import of this file: mutmut's
forced-failure run makes every function of ``checks/`` raise (``checks.profiles`` calls some
as it is imported), and an exception while a conftest is imported is a usage error (exit
code 4) that stops mutmut before it tests a mutant; one in ``pytest_configure`` is a failing
run, which is what that check expects."""

from __future__ import annotations

import os
import platform

import numpy as np
import pytest
from hypothesis import settings


def pytest_configure(config: pytest.Config) -> None:
    from checks.profiles import PROFILES, hypothesis_settings

    for name in PROFILES:
        settings.register_profile(name, **hypothesis_settings(name))
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    import hypothesis
    import scipy

    return [
        f"numerics: numpy {np.__version__}, scipy {scipy.__version__}, "
        f"hypothesis {hypothesis.__version__} (profile {settings._current_profile}), "
        f"{platform.machine()}"
    ]
