"""Exact JSON round trips of instances and verdicts (floats via ``repr``, arrays as lists)."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["UnreadableJSON", "read_json", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy arrays and scalars, tuples and enums into plain JSON values.

    Non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` so that the ledger
    stays strict JSON; finite floats are kept exactly (``json`` writes their shortest repr).
    """
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if hasattr(obj, "get") and hasattr(obj, "__array__"):  # CuPy arrays
        return to_jsonable(obj.get())
    return obj


class UnreadableJSON(ValueError):
    """A JSON file that is missing, unreadable or not JSON; the message is one line."""


def read_json(path: Path, noun: str = "file") -> Any:
    """The JSON value in ``path``, or :class:`UnreadableJSON` saying why not (``noun`` names the
    file in the message: "no such ledger file")."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UnreadableJSON(f"{path}: no such {noun}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnreadableJSON(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise UnreadableJSON(f"{path}: JSON nested too deeply") from None
    except OSError as exc:
        raise UnreadableJSON(f"{path}: cannot read ({exc.strerror})") from None
