"""Claims, oracles, strategies, controls and the runner of the executable appendix.

``python -m checks --help`` lists the commands; :mod:`checks.framework` holds the vocabulary.
For instances written by hand, ``checks.verify(ID, params)`` decides one exactly as
``python -m checks verify`` does and ``checks.example(ID)`` draws one to edit
(:mod:`checks.api`); bad input raises :class:`BadInput`.
"""

from checks.api import DEFAULT_BUDGET, NotRoundTripping, OverBudget, example, verify
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
from checks.inputs import BadInput
from checks.registry import all_claims, get

__all__ = [
    "DEFAULT_BUDGET",
    "BadInput",
    "Claim",
    "Control",
    "Hypothesis",
    "NotRoundTripping",
    "OverBudget",
    "Reproduction",
    "Status",
    "Tolerance",
    "Verdict",
    "all_claims",
    "decide",
    "decide_equal",
    "decide_flag",
    "example",
    "get",
    "out_of_scope",
    "verify",
]
