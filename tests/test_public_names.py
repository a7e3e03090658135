"""Every public name still imports after the move into domain wings (issue 14).

``tests/data/public_names_v0.json`` was written before the move: for the package and
every top-level module that moved, its ``__all__`` and every public function and class it
defined. Each name must still import from the old module (with a DeprecationWarning) and
be the very object the new module holds; the package's own ``__all__`` must be unchanged.
"""

from __future__ import annotations

import importlib
import json
import pickle
import pkgutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import loyaltysem
from loyaltysem._moved import MOVED, SPLIT

NAMES: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "public_names_v0.json").read_text(encoding="utf-8")
)
OLD_MODULES = sorted(m for m in NAMES if m not in ("loyaltysem", "loyaltysem.pls"))


def test_the_recorded_modules_are_the_moved_ones():
    assert set(OLD_MODULES) <= set(MOVED)
    # modules of the wings renamed since (issue 14): sem.multigroup_modindices
    assert set(MOVED) - set(OLD_MODULES) == {"loyaltysem.sem.multigroup_modindices"}
    assert sum(len(NAMES[m]) for m in OLD_MODULES) == 141  # the fixture is whole


def test_the_package_exports_what_it_exported():
    assert set(NAMES["loyaltysem"]) <= set(loyaltysem.__all__)  # it may grow, never shrink
    for name in loyaltysem.__all__:
        assert getattr(loyaltysem, name) is not None, name


@pytest.mark.parametrize("old", OLD_MODULES)
def test_an_old_module_name_warns_and_is_the_new_module(old):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {MOVED[old]}"):
        module = importlib.import_module(old)
    new = importlib.import_module(MOVED[old])
    if old in SPLIT:  # a proxy over the modules it was split into
        assert module is not new and module.__name__ == old
    else:
        assert module is new
    assert new.__spec__.name == MOVED[old]  # the alias leaves the module's own spec
    missing = [n for n in NAMES[old] if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("old", OLD_MODULES)
def test_from_old_import_name_gives_the_same_object(old):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in NAMES[old]:
            scope: dict[str, object] = {}
            exec(f"from {old} import {name}", scope)
            homes = [importlib.import_module(m) for m in (MOVED[old], *SPLIT.get(old, ()))]
            owners = [m for m in homes if name in vars(m)]
            assert owners, f"{old}.{name} is in none of {[m.__name__ for m in homes]}"
            assert scope[name] is getattr(owners[0], name)


def test_a_split_module_reads_and_sets_names_where_they_went():
    from loyaltysem.sem import invariance, multigroup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        groups = importlib.import_module("loyaltysem.groups")
    assert groups.fit_groups is multigroup.fit_groups
    assert groups.invariance is invariance.invariance
    assert groups.INVARIANCE_LEVELS is invariance.INVARIANCE_LEVELS
    original = invariance._decide
    try:
        groups._decide = "patched"  # monkeypatch.setattr("loyaltysem.groups._decide", ...)
        assert invariance._decide == "patched"
        assert not hasattr(multigroup, "_decide")
    finally:
        invariance._decide = original


def test_pls_did_not_move():
    import loyaltysem.pls as pls

    assert all(hasattr(pls, n) for n in NAMES["loyaltysem.pls"])


def test_a_pickle_written_before_the_move_loads():
    # A pickle names a class by its module; results saved before the move name
    # loyaltysem.results (protocol 0 spells the global out as text).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cls = pickle.loads(b"cloyaltysem.results\nSEMResult\n.")
    assert cls is loyaltysem.SEMResult
    assert cls.__module__ == "loyaltysem.sem.results"


def test_the_library_itself_imports_no_old_name():
    # Every module of the package, imported with DeprecationWarning as an error.
    modules = [
        m.name
        for m in pkgutil.walk_packages(loyaltysem.__path__, "loyaltysem.")
        if m.name not in MOVED
    ]
    code = (
        "import importlib, warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(modules) > 60
