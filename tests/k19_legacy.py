"""Recorded k19 Section 4 instances from before the data convention was unified.

Every k19 claim now takes its data samples x features (``X`` ``m x d_x``, ``Y`` ``m x d_y``)
with the sample weights under ``lambda``; Section 4 instances recorded earlier hold ``X``
``d_x x m``, ``Y`` ``d_y x m`` and ``lam``. :func:`upgrade` rewrites such recorded params
into the current convention (the same numbers) and leaves every other instance alone, so that
the tests which start from the committed baseline read it before and after it is regenerated.
"""

from __future__ import annotations

from typing import Any

__all__ = ["upgrade"]


def upgrade(claim_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` in the current k19 convention (a no-op unless it is a legacy k19 record)."""
    if not claim_id.startswith("k19.") or "lam" not in params:
        return params
    out = {k: v for k, v in params.items() if k not in ("X", "Y", "lam")}
    out["X"] = [list(row) for row in zip(*params["X"], strict=True)]
    out["Y"] = [list(row) for row in zip(*params["Y"], strict=True)]
    out["lambda"] = params["lam"]
    return out
