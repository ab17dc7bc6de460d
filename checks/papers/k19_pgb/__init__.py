"""Kawaguchi, Huang & Kaelbling (2019), Section 3: gradient basis and perturbable gradient basis.

Claims (§3 of the paper): Assumption 2 as a checker (``k19.asm2``),
Theorem 1 with its quantitative form at approximate critical points (``k19.thm1``,
``k19.ours1``), Lemma 2, Theorem 2 with its quantitative form (``k19.thm2``, ``k19.ours2``),
Lemmas 3 and 1, Examples 1-3.

What is exact and what goes through constructions: Theorem 1 and its gap identity are checked
exactly for the squared loss (least squares on the whole gradient basis, with a certified rank);
for cross-entropy, logistic and smoothed hinge Theorem 1 is checked at exact critical points
built by construction (every input carries both labels, so every infimum is attained), with
the infimum from a convex solve and the convexity bound as the only credit. Theorem 2 quantifies
over every finite ``S`` in ``V[theta, eps]``, which cannot be enumerated: it is checked only for
the explicit sets the proofs build (``W2 -> W2 + eps a e_j^T``, ``a`` in ``Null(W3)``), at local
minima certified by construction (a lifted scalar local minimum), and its falsifiable direction
``min_alpha L~ >= L`` is what the verdict tests.

Instances: ``family`` (a key of :data:`theory.models.basis.FAMILIES`), ``widths``, ``loss``,
``X`` (``m x d_x``; for ``basis`` the feature matrix ``Phi``), ``Y`` (``m x d_y``), ``lambda``
(``m``, positive), ``theta``; the PGB claims add ``eps`` and ``S`` (``|S| x d_theta``, rows are the
directions ``S_j``).
"""

from __future__ import annotations

from checks.papers.k19_pgb._common import (
    TAU_CONVEX,
    TAU_SQUARED,
    WELSCH,
    decide_against_solver,
    gradient_basis_report,
    membership_unmet,
    parse,
    parse_pgb,
    refuse_other_convention,
    structured_family,
)
from checks.papers.k19_pgb.section3_1 import (
    ASM2,
)
from checks.papers.k19_pgb.section3_2 import (
    LEM2,
    OURS1,
    THM1,
)
from checks.papers.k19_pgb.section3_2_2 import (
    EX1,
    EX2,
    EX3,
    example2_delta,
    parse_example2,
)
from checks.papers.k19_pgb.section3_3 import (
    LEM3,
    OURS2,
    THM2,
    pgb_report,
)
from checks.papers.k19_pgb.section4_3 import (
    LEM1,
    parse_two_sets,
)

CLAIMS = [THM1, OURS1, LEM2, THM2, OURS2, LEM3, EX1, EX2, EX3, LEM1, ASM2]

__all__ = [
    "ASM2", "CLAIMS", "EX1", "EX2", "EX3", "LEM1", "LEM2", "LEM3", "OURS1", "OURS2",
    "TAU_CONVEX", "TAU_SQUARED", "THM1", "THM2", "WELSCH",
    "decide_against_solver", "example2_delta", "gradient_basis_report", "membership_unmet",
    "parse", "parse_example2", "parse_pgb", "parse_two_sets", "pgb_report",
    "refuse_other_convention", "structured_family",
]
