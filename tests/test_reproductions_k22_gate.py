"""The eq. (3.3) gate table of k22 §3.1 (checks.reproductions.k22_gate)."""

from __future__ import annotations

import numpy as np

from checks.reproductions import k22_gate


def test_gate_table_decades_and_bound():
    """The eq. (3.3) reproduction: varsigma' over the decades 1..1e4, the bound falls exactly
    like 1/varsigma' and the measured error stays below it on every row."""
    rep = k22_gate.gate_table("ci")
    v, err, bound = (np.array(c, dtype=float) for c in zip(*rep["table"]["rows"], strict=True))
    assert v[0] == 1.0 and v[-1] == 1e4 and np.allclose(v[1:] / v[:-1], 10.0, rtol=0)
    assert np.allclose(bound * v, bound[0] * v[0], rtol=1e-12)
    assert np.all(err <= bound)


def test_gate_table_labels_parse_as_mathtext():
    """The plot's title, axis label and series labels are matplotlib mathtext (the report
    draws them with matplotlib): each parses."""
    from matplotlib.mathtext import MathTextParser

    out = k22_gate.gate_table("ci")
    for label in [out["title"], out["xlabel"], *(s["label"] for s in out["series"])]:
        MathTextParser("path").parse(label)
