"""Kawaguchi, Huang & Kaelbling (2019), Section 4: ResNets (Theorem 3, Shamir's Proposition 1,
our equality form), nets with a locally induced partial linear structure (Theorem 4), deep
linear nets (the corollary of Theorem 4 and Laurent & Brecht's Proposition 2).

Every oracle follows the proofs: it certifies that theta is a local minimum (gradient norm and
smallest Hessian eigenvalue), builds the explicit perturbation set S in V[theta, eps] of the
proof and checks that it leaves every training output unchanged, and compares the loss with the
basis-model infimum (a weighted least squares, squared loss). Only the squared loss is
implemented (and, for the deep-linear claims, the cross-entropy).

Instances take the data as every k19 claim does: ``X`` (``m x d_x``, samples x features),
``Y`` (``m x d_y``) and the sample weights ``lambda``; the oracles work with samples as
columns, as (4.1) and (4.3) are written (:func:`checks.strategies.k19_resnet.data`).
"""

from __future__ import annotations

from checks.papers.k19_resnet._common import (
    branch_text,
    comparison_tolerance,
    cost_second_order,
    feedforward_numbers,
    feedforward_output_scale,
    forward_loss_error,
    local_min_certificate,
    output_tolerance,
    parse_deep_linear,
    parse_feedforward,
    parse_resnet,
    partial_linear_text,
    relu_margin,
    resnet_numbers,
    resnet_output_scale,
)
from checks.papers.k19_resnet.section4_1 import (
    OURS3,
    PROP1,
    THM3,
)
from checks.papers.k19_resnet.section4_2 import (
    COR4,
    PROP2,
    THM4,
)

CLAIMS = [THM3, OURS3, PROP1, THM4, COR4, PROP2]

__all__ = [
    "CLAIMS", "COR4", "OURS3", "PROP1", "PROP2", "THM3", "THM4", "branch_text",
    "comparison_tolerance", "cost_second_order",
    "feedforward_numbers", "feedforward_output_scale", "forward_loss_error",
    "local_min_certificate", "output_tolerance", "parse_deep_linear", "parse_feedforward",
    "parse_resnet", "partial_linear_text", "relu_margin", "resnet_numbers",
    "resnet_output_scale",
]
