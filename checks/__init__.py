"""Claims, oracles, strategies, controls and the runner of the executable appendix.

``python -m checks --help`` lists the commands; :mod:`checks.framework` holds the vocabulary.
"""

from checks.framework import (
    Claim,
    Control,
    Hypothesis,
    Reproduction,
    Status,
    Tolerance,
    Verdict,
    decide,
    decide_equal,
    decide_flag,
    out_of_scope,
)
from checks.registry import all_claims, get

__all__ = [
    "Claim",
    "Control",
    "Hypothesis",
    "Reproduction",
    "Status",
    "Tolerance",
    "Verdict",
    "all_claims",
    "decide",
    "decide_equal",
    "decide_flag",
    "get",
    "out_of_scope",
]
