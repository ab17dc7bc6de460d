"""Jiang (2019), canonical (Fourier) model space and the disparity matrix: Theorems 1-2,
Corollary 1, eqs. (8)-(9), Lemmas 1-2, §3.3 (dead, duplicated neurons, random initialisation),
and our quantitative / corrected forms.

The paper is informal; every claim here is checked in our finite-dimensional
formalisation (:mod:`theory.fourier`), stated in each claim's ``errata``: input cube ``[0,1]^K``
(``K = 1, 2``), real Fourier coordinates truncated to ``|k|_inf <= n`` (``L = (2n+1)^K``),
trapezoid quadrature on an ``N``-grid via FFT, one-hidden-layer networks
``f_w(x) = sum_j a_j sigma(w_j.x + b_j) + c``, squared loss, truncated objective
``F(w) = Qhat(c(w)) = |Phi c(w) - y|^2``, disparity matrix ``H(w)`` (``M x L``, row ``m`` =
coordinates of ``d f_w / d w_m``). "Full rank" = ``rank H = L`` decided on ``H`` itself,
its rows equilibrated by exact powers of two (the rank does not change; rows of very
different scales no longer hide each other): ``FULL`` when ``s = sigma_L / sigma_1 >= 1e-8``
and the SVD certificate of :func:`theory.linalg.certified_rank` is certain with rank ``L``,
with ``sigma_L`` also beyond the Weyl margin of ``H``'s own rounding
(:func:`disparity_with_rounding`);
``DEFICIENT`` only with a certificate, ``M < L`` or the structural bound
:func:`theory.fourier.derivative_span_bound` below ``L``; otherwise inconclusive (a tiny
``s`` alone is not a certificate).

One module per section of the paper (:mod:`.section3_1` Theorem 1 and Corollary 1,
:mod:`.section3_2` eqs. (8)-(10) and Lemmas 1-2, :mod:`.section3_2_descent` Algorithm 1 and
Theorem 2, :mod:`.section3_3` dead and duplicated neurons, :mod:`.section3_3_3` initial
conditions and the ReLU rank bound) and what they share in :mod:`._common`; importing the
package registers the claims.
"""

from __future__ import annotations

from checks.papers.j19_disparity._common import (
    ACTIVATIONS,
    disparity_with_rounding,
    weyl_margin,
)
from checks.papers.j19_disparity.section3_1 import COR1, THM1
from checks.papers.j19_disparity.section3_2 import EQ8, LEM1, LEM2, OURS1
from checks.papers.j19_disparity.section3_2_descent import OURS2, THM2
from checks.papers.j19_disparity.section3_3 import S331, S332
from checks.papers.j19_disparity.section3_3_3 import OURS3, S333
from checks.registry import register

__all__ = ["ACTIVATIONS", "CLAIMS", "disparity_with_rounding", "weyl_margin"]

CLAIMS = [THM1, COR1, EQ8, OURS1, LEM1, LEM2, THM2, OURS2, S331, S332, S333, OURS3]
register(*CLAIMS)
