"""Kawaguchi, Zhang & Deng (2022), §3: the exploration-exploitation (EE) wrapper.

Claims: eq. (3.3) (the gate tends to ReLU), Assumption 4 (safe exploration, a checker of
``rank phi = n`` through the Hadamard Gram), Theorem 4 (limit points of the exploitation are
global minima) and Theorem 5 (gradient-descent rate and the SGD bound, eq. 3.5). Statements
follow our reconstruction (§3 of the paper) of Algorithm 1 and of the formulas whose symbols
the text we worked from lost; see each claim's ``errata``.
Reproductions: Figures 2-3 (sine wave, plain GD vs the EE wrapper) and Table 2 (the
safe-exploration verification) on the data sets' inputs where their files are present, on
synthetic stand-ins of their shapes otherwise.
"""

from checks.papers.k22_ee._common import ACTIVATIONS, C0, SGD_RUNS, SGD_STEPS, WIDTH_LIMIT
from checks.papers.k22_ee.section3_1 import GATE, gate_error
from checks.papers.k22_ee.section3_3 import (
    HOEFFDING_DELTA,
    LIMIT,
    NO_WITNESS,
    RATES,
    exploitation_loss,
    exploitation_model,
    exploitation_problem,
    hoeffding,
    sgd_bound,
)
from checks.papers.k22_ee.section3_3_1 import SAFE
from checks.reproductions.k22_sine import sine_experiment
from checks.reproductions.k22_table2 import table2

__all__ = ["ACTIVATIONS", "C0", "CLAIMS", "GATE", "HOEFFDING_DELTA", "LIMIT", "NO_WITNESS",
           "RATES", "SAFE", "SGD_RUNS", "SGD_STEPS", "WIDTH_LIMIT", "exploitation_loss",
           "exploitation_model", "exploitation_problem", "gate_error", "hoeffding", "sgd_bound",
           "sine_experiment", "table2"]

CLAIMS = [GATE, SAFE, LIMIT, RATES]
