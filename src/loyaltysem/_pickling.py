"""Results that pickle: read-only mappings and deferred computations.

Results hold their options and per-group tables in read-only mappings
(:class:`types.MappingProxyType`) and some statistics as deferred computations
(modification indices, standardized residuals, score tests), evaluated on first use.
Neither pickles out of the box; this module makes both do, so that a fitted model
can be saved (``pickle``, ``joblib``) and reloaded with nothing lost:

- read-only mappings pickle as their items and come back read-only (registered with
  :mod:`copyreg` when :mod:`loyaltysem` is imported);
- :class:`Once` is a deferred computation evaluated at most once, picklable when the
  function and its arguments are (a :func:`functools.partial` of a module-level
  function; :func:`functools.cache` of a partial does not pickle).

Examples
--------
>>> import functools, pickle
>>> from types import MappingProxyType
>>> frozen = pickle.loads(pickle.dumps(MappingProxyType({"estimator": "ML"})))
>>> type(frozen).__name__, frozen["estimator"]
('mappingproxy', 'ML')
>>> total = Once(functools.partial(sum, [1, 2, 3]))
>>> pickle.loads(pickle.dumps(total))()
6
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

__all__ = ["Once"]

T = TypeVar("T")
_UNSET: Any = object()


def _mapping_proxy(items: dict[Any, Any]) -> Mapping[Any, Any]:
    """Rebuild a read-only mapping from its items (the pickle reconstructor)."""
    return MappingProxyType(items)


def _reduce_mapping_proxy(mapping: Mapping[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(mapping),)


copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)  # type: ignore[arg-type]


class Once(Generic[T]):
    """A deferred computation, evaluated on the first call and kept.

    Parameters
    ----------
    func : callable
        Called without arguments; picklable for the result to pickle.
    """

    def __init__(self, func: Callable[[], T]) -> None:
        self.func = func
        self._value: Any = _UNSET

    def __call__(self) -> T:
        if self._value is _UNSET:
            self._value = self.func()
        return self._value

    def __getstate__(self) -> dict[str, Any]:
        state = {"func": self.func}
        if self._value is not _UNSET:  # a computed value travels with the result
            state["value"] = self._value
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.func = state["func"]
        self._value = state.get("value", _UNSET)
