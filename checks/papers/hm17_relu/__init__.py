"""Hardt & Ma (2017) §3 and Appendix B: ReLU residual networks fit any labelling of n separated
points with O(n log n + r^2) parameters.

Claims: ``hm17.asm3.1`` (Assumption 3.1 as a data checker) and ``hm17.thm3.2`` (the whole
network) in :mod:`.section3`; ``hm17.lemB.1`` (one block moves k chosen points; repaired forms,
the printed form as a control) and ``hm17.lemB.2`` (ceil(n/k) blocks move every point to its
surrogate label) in :mod:`.appendix_b`. Mathematics in
:mod:`theory.constructions.hm17_expressivity`; repairs of the proof in each ``errata``.
"""

from __future__ import annotations

from checks.papers.hm17_relu._common import block_tolerance
from checks.papers.hm17_relu.appendix_b import LEMB1, LEMB2, parse_b1, parse_b2
from checks.papers.hm17_relu.section3 import ASM31, THM32, network_tolerance, parse_data
from checks.registry import register

__all__ = ["ASM31", "LEMB1", "LEMB2", "THM32", "block_tolerance", "network_tolerance",
           "parse_b1", "parse_b2", "parse_data"]

register(ASM31, LEMB1, LEMB2, THM32)
