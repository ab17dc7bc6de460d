"""Helpers shared by several paper oracles (``checks/papers/*``).

Only logic that is the same in more than one paper module lives here: reading a named choice
from instance JSON, and memoising an expensive computation (a gradient-descent run, a
certified decomposition) that a claim's hypotheses and its ``measure`` both need, keyed by
the instance's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from checks.inputs import BadInput, require
from checks.serialise import to_jsonable

__all__ = ["InstanceCache", "choice", "instance_key"]


def choice(params: Mapping[str, Any], name: str, options: Iterable[str],
           default: str | None = None) -> str:
    """The string ``params[name]``, which must be one of ``options``.

    A missing ``name`` gives ``default`` when one is given, else ``BadInput`` (as
    :func:`checks.inputs.require`); any other value, string or not, gives ``BadInput`` naming
    the options and the value.

    >>> choice({"loss": "squared"}, "loss", ("squared", "logistic"))
    'squared'
    >>> choice({}, "reading", ("lemma", "sqrt-sigma"), default="lemma")
    'lemma'
    """
    options = tuple(options)
    if name not in params and default is not None:
        return default
    require(params, name)
    value = params[name]
    if not isinstance(value, str) or value not in options:
        raise BadInput(f"{name}: expected one of {', '.join(options)}, got {value!r}")
    return value


def instance_key(tag: str, inst: Mapping[str, Any], ignore: Iterable[str] = ()) -> str:
    """A key that two instances share exactly when their JSON forms agree (arrays by value,
    shape included), apart from the parameters named in ``ignore``; ``tag`` names what is
    computed from them."""
    skip = set(ignore)
    kept = {k: v for k, v in inst.items() if k not in skip}
    blob = json.dumps(to_jsonable(kept), sort_keys=True, default=str)
    return tag + hashlib.sha1(blob.encode()).hexdigest()


class InstanceCache:
    """Results computed from an instance, kept while at most ``size`` are held.

    A claim's hypotheses and its ``measure`` often need the same expensive run; each asks the
    cache with the same tag and instance, and the run happens once. When more than ``size``
    results are held the cache starts afresh (instances are drawn one after another, so
    recent ones are the ones asked again).
    """

    def __init__(self, size: int = 64) -> None:
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self.size = size
        self._store: dict[str, Any] = {}

    def get(self, tag: str, inst: Mapping[str, Any], compute: Callable[[], Any], *,
            ignore: Iterable[str] = ()) -> Any:
        """``compute()`` for this tag and instance (the parameters in ``ignore`` do not enter
        the result), from the cache when it was computed before."""
        key = instance_key(tag, inst, ignore)
        if key not in self._store:
            if len(self._store) > self.size:
                self._store.clear()
            self._store[key] = compute()
        return self._store[key]

    def __len__(self) -> int:
        return len(self._store)
