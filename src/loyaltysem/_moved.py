"""Deprecation aliases for the modules that moved into the domain wings (before 0.1.0).

``loyaltysem.fitting`` is now :mod:`loyaltysem.sem.dispatch`, and so on
(:data:`MOVED`). The old module name still imports, with a :class:`DeprecationWarning`,
and is the new module itself (``sys.modules`` maps the old name to it), so every name,
private ones included, every monkeypatch and every pickle written before the move keep
working until the aliases go. Three old modules were split (:data:`SPLIT`): their old
names are a proxy that finds each name in the modules it went to, and sets it there.
No file stands at the old names: :class:`MovedFinder`, put on :data:`sys.meta_path` by
``import loyaltysem``, answers for them.

Examples
--------
>>> import sys, warnings
>>> _ = sys.modules.pop("loyaltysem.fitting", None)  # imported before: no new warning
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     import loyaltysem.fitting as old
>>> import loyaltysem.sem.dispatch as new
>>> old is new, caught[0].category.__name__
(True, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

#: old module -> the module it moved to
MOVED: dict[str, str] = {
    "loyaltysem.comparison": "loyaltysem.sem.comparison",
    "loyaltysem.effects": "loyaltysem.sem.effects",
    "loyaltysem.efa": "loyaltysem.measurement.efa",
    "loyaltysem.estimation": "loyaltysem.sem.single_group",
    "loyaltysem.expressions": "loyaltysem.sem.expressions",
    "loyaltysem.fitting": "loyaltysem.sem.dispatch",
    "loyaltysem.group_diagnostics": "loyaltysem.sem.modindices",
    "loyaltysem.grouping": "loyaltysem.sem.group_blocks",
    "loyaltysem.groups": "loyaltysem.sem.multigroup",
    "loyaltysem.guidance": "loyaltysem.sem.guidance",
    "loyaltysem.missingness": "loyaltysem.survey.missingness",
    "loyaltysem.ordinal": "loyaltysem.sem.ordinal",
    "loyaltysem.ordinal_groups": "loyaltysem.sem.ordinal_multigroup",
    "loyaltysem.polychoric": "loyaltysem.measurement.polychoric",
    "loyaltysem.reliability": "loyaltysem.measurement.reliability",
    "loyaltysem.resampling": "loyaltysem.sem.bootstrap",
    "loyaltysem.results": "loyaltysem.sem.results",
    "loyaltysem.screening": "loyaltysem.survey.screening",
    "loyaltysem.simulation": "loyaltysem.planning.simulation",
    "loyaltysem.specification": "loyaltysem.sem.specification",
    "loyaltysem.sem.multigroup_modindices": "loyaltysem.sem.modindices",
    "loyaltysem.validity": "loyaltysem.measurement.validity",
    "loyaltysem._semopy": "loyaltysem.sem._semopy",
}

#: old module -> further modules that took part of it (measurement invariance)
SPLIT: dict[str, tuple[str, ...]] = {
    "loyaltysem.estimation": (
        "loyaltysem.sem.moments",
        "loyaltysem.sem.measures",
        "loyaltysem.sem.residuals",
        "loyaltysem.sem.modindices",
        "loyaltysem.sem.engine",
        "loyaltysem._kernels.starts",
    ),
    "loyaltysem.groups": (
        "loyaltysem.sem.invariance",
        "loyaltysem.sem.group_blocks",
        "loyaltysem.sem.engine",
    ),
    "loyaltysem.ordinal_groups": ("loyaltysem.sem.invariance",),
}


class _SplitModule(types.ModuleType):
    """An old module name over the several modules its contents went to."""

    def __init__(self, name: str, parts: tuple[types.ModuleType, ...]) -> None:
        super().__init__(name)
        object.__setattr__(self, "_parts", parts)

    def _owner(self, attr: str) -> types.ModuleType:
        parts: tuple[types.ModuleType, ...] = object.__getattribute__(self, "_parts")
        return next((m for m in parts if attr in vars(m)), parts[0])

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._owner(attr), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr.startswith("__"):
            object.__setattr__(self, attr, value)
        else:
            setattr(self._owner(attr), attr, value)

    def __dir__(self) -> list[str]:
        parts: tuple[types.ModuleType, ...] = object.__getattribute__(self, "_parts")
        return sorted({n for m in parts for n in dir(m)})


class _AliasLoader(importlib.abc.Loader):
    """Loads an old module name as the module it moved to."""

    _spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; import from {new}, or the "
            "public name from loyaltysem itself; the old name goes in a later release",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        if spec.name in SPLIT:
            parts = (module, *(importlib.import_module(m) for m in SPLIT[spec.name]))
            return _SplitModule(spec.name, parts)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """The module is already executed under its new name: give back its own spec."""
        if self._spec is not None:
            module.__spec__ = self._spec


class MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old names of moved modules (last on :data:`sys.meta_path`)."""

    def find_spec(
        self, fullname: str, path: Any = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for an old module name; ``None`` for every other name."""
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader())


def install() -> None:
    """Put :class:`MovedFinder` on :data:`sys.meta_path` (once)."""
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())
