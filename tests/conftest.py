"""Test configuration: Hypothesis profiles and a header naming the numerical stack.

The Hypothesis profiles ``ci``, ``dev`` and ``thorough`` are the run profiles of
:mod:`checks.profiles` (their ``test_examples``), registered in one place."""

from __future__ import annotations

import os
import platform

import numpy as np
import pytest
from hypothesis import settings

from checks.profiles import PROFILES, hypothesis_settings

for _name in PROFILES:
    settings.register_profile(_name, **hypothesis_settings(_name))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    import hypothesis
    import scipy

    return [
        f"numerics: numpy {np.__version__}, scipy {scipy.__version__}, "
        f"hypothesis {hypothesis.__version__} (profile {settings._current_profile}), "
        f"{platform.machine()}"
    ]
