"""Kawaguchi, Zhang & Deng (2022), Section 2: common model structure (Assumption 1),
data-architecture alignment (Definition 2), full-rank stationary points (eqs 2.1-2.4), the
necessity of alignment (Proposition 1), limit points (Theorem 2) and the per-iteration
optimality-gap bound (Theorem 3, eqs 2.10-2.12).

Instances share one format: ``model`` (``mlp``, ``linear``, ``quartic``, ``wu2``,
``square-plus-one``), for nets ``widths``, ``activation`` and ``output`` (``linear`` or
``tanh``), an optional index set ``S``, parameters ``theta``, data ``X`` (n x m_x) and ``Y``
(n x m_y), and ``loss`` (``squared``, ``cross-entropy`` on {0,1} labels, ``logistic`` on
{-1,+1} labels, ``softmax-cross-entropy`` on one-hot rows with m_y >= 2); each claim adds its
own parameters. Membership in a column space is decided by our clear-gap rule
(:func:`theory.alignment.membership`).
"""

from checks.papers.k22_alignment._common import (
    ACTIVATIONS,
    BASE_PARAMETERS,
    LOSSES,
    MODELS,
    descent_tolerance,
    instance_model,
    parse_base,
    rounding_terms,
    run_gradient_descent,
)
from checks.papers.k22_alignment.section2_1 import (
    ASM1,
    DEF2,
    STATIONARY,
    STATIONARY_DERIVATION,
    measure_asm1,
    measure_def2,
    measure_stationary,
    parse_stationary,
)
from checks.papers.k22_alignment.section2_3 import PROP1, measure_prop1, parse_prop1
from checks.papers.k22_alignment.section2_4 import (
    EQ211,
    EQ212,
    LIMIT,
    NO_WITNESS,
    THM3,
    gap_sides,
    limit_run,
    measure_eq211,
    measure_eq212,
    measure_gap,
    measure_limit,
    parse_eq211,
    parse_eq212,
    parse_gap,
    parse_limit,
)

__all__ = ["ACTIVATIONS", "ASM1", "BASE_PARAMETERS", "DEF2", "EQ211", "EQ212", "LIMIT", "LOSSES",
           "MODELS", "NO_WITNESS", "PROP1", "STATIONARY", "STATIONARY_DERIVATION", "THM3",
           "descent_tolerance", "gap_sides", "instance_model", "limit_run", "measure_asm1",
           "measure_def2", "measure_eq211", "measure_eq212", "measure_gap", "measure_limit",
           "measure_prop1", "measure_stationary", "parse_base", "parse_eq211", "parse_eq212",
           "parse_gap", "parse_limit", "parse_prop1", "parse_stationary", "rounding_terms",
           "run_gradient_descent"]
