"""Hardt & Ma (2017), Section 2 and Appendices A, C: linear residual networks.

Claims: Claim 2.3 (risk in closed form), Lemma 2.4 (gradient), eq. (2.3) (gradient lower
bound), Theorem 2.2 (no bad critical points in ``B_tau``) in :mod:`.section2`; §1.1 (the bad
critical point of the standard parameterisation) in :mod:`.section1`; Theorem 2.1 (small-norm
factorisation) with its PSD special case and Claim A.1 in :mod:`.appendix_a`; Claims C.1 and
C.2 in :mod:`.appendix_c`. Statements are rebuilt from the paper where the text we worked from
lost symbols, and corrected where the paper is wrong (see each ``errata``).
"""

from __future__ import annotations

from checks.papers.hm17_linear.appendix_a import (
    CLAIM_A_1,
    CLAIM_PSD,
    CLAIM_THM_2_1,
    certify_factorisation,
    factorisations,
)
from checks.papers.hm17_linear.appendix_c import CLAIM_C_1, CLAIM_C_2
from checks.papers.hm17_linear.section1 import CLAIM_REM_1_1
from checks.papers.hm17_linear.section2 import (
    CLAIM_2_3,
    CLAIM_EQ_2_3,
    CLAIM_LEMMA_2_4,
    CLAIM_THM_2_2,
    GD_REL_TOL,
    descent_profile,
    measure_along_descent,
)
from checks.registry import register

__all__ = ["CLAIMS", "CLAIM_2_3", "CLAIM_A_1", "CLAIM_C_1", "CLAIM_C_2", "CLAIM_EQ_2_3",
           "CLAIM_LEMMA_2_4", "CLAIM_PSD", "CLAIM_REM_1_1", "CLAIM_THM_2_1", "CLAIM_THM_2_2",
           "GD_REL_TOL", "certify_factorisation", "descent_profile", "factorisations",
           "measure_along_descent"]

CLAIMS = [CLAIM_2_3, CLAIM_LEMMA_2_4, CLAIM_THM_2_1, CLAIM_PSD, CLAIM_THM_2_2, CLAIM_EQ_2_3,
          CLAIM_REM_1_1, CLAIM_A_1, CLAIM_C_1, CLAIM_C_2]
register(*CLAIMS)
