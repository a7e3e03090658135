"""Sphinx configuration of the loyaltysem documentation site.

Build it from the repository root (``.ci/docs`` does this with warnings as errors)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -n -b html docs docs/_build/html

The guides in ``docs/*.md`` are MyST Markdown; the tutorials in ``docs/tutorials/`` are
MyST-NB text notebooks, executed on every build (no cache, no committed outputs); the API
reference is written from the docstrings by autodoc/autosummary with numpydoc.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The documentation is of this source tree: autodoc imports it from src/, and the notebook
# kernels that myst-nb starts (in docs/tutorials/) get the same path through PYTHONPATH, made
# absolute, so that a relative PYTHONPATH=src or a missing editable install does not matter.
SRC = str(ROOT / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH", "")) if p)
# The executed tutorials draw no progress bars: in a kernel without ipywidgets tqdm writes
# its text bar to stderr, which MyST-NB reports (and -W fails on). Users see the bars.
os.environ["TQDM_DISABLE"] = "1"

import loyaltysem  # noqa: E402

project = "loyaltysem"
author = "loyaltysem developers"
copyright = "loyaltysem developers, GPL-3.0-or-later"
release = loyaltysem.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# The README-style guides are plain Markdown; notebooks are the files with a MyST-NB header.
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints", "jupyter_execute"]
root_doc = "index"
language = "en"

# --- MyST ------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- MyST-NB: execute every tutorial on every build --------------------------------------
# "force": no cache, so a tutorial whose code no longer runs fails the build; a failing cell
# is an error (raise_on_error), and the traceback is printed in the build log.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# Anything a tutorial writes to stderr (a DeprecationWarning, a ConvergenceWarning) becomes a
# Sphinx warning, so an error: the tutorials show clean runs.
nb_output_stderr = "warn"

# --- API reference ----------------------------------------------------------------------
# autosummary writes one page per object into docs/generated/ at build time (not committed);
# the class template documents the members autodoc finds, without member tables that would
# link to undocumented dataclass fields.
autosummary_generate = True
autosummary_imported_members = True
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # the numpydoc Parameters section states each type in words
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- HTML -------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"loyaltysem {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Survey-based SEM for e-commerce trust and loyalty research",
    "fixed_sidebar": False,
    # wide enough for the APA tables and 100-character code lines of the tutorials
    "page_width": "1240px",
    "body_max_width": "none",
}

# --- cross-references -------------------------------------------------------------------
# Every reference must resolve (-n; an unresolved one is a warning, so an error under -W).
nitpicky = True
# The build has no network, so no intersphinx inventories: references to the third-party
# libraries a docstring or a base class names (numpy, pandas, scipy, matplotlib, openpyxl,
# python-docx, pydantic) and the standard library's ABCs (a base class of GroupTables) stay
# plain text. Nothing of loyaltysem is ignored by this pattern.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(numpy|np|pandas|pd|scipy|matplotlib|openpyxl|docx|pydantic|collections\.abc)(\..*)?",
    ),
]
nitpick_ignore = []  # none: every loyaltysem reference resolves


def _import_path(path: str) -> object | None:
    """The object a dotted path names; None if none.

    Each step is an attribute of what came before (``loyaltysem.effects`` is the function the
    package exports, not the old module of that name) or, where that leads nowhere, a
    submodule (``loyaltysem.sem.effects.effects``: the module, then its function).
    """

    def walk(obj: object, prefix: str, rest: list[str]) -> object | None:
        if not rest:
            return obj
        name, here = rest[0], f"{prefix}.{rest[0]}"
        if hasattr(obj, name):
            found = walk(getattr(obj, name), here, rest[1:])
            if found is not None:
                return found
        if inspect.ismodule(obj):  # a function may share the name of its module
            try:
                return walk(importlib.import_module(here), here, rest[1:])
            except ImportError:
                return None
        return None

    head, *rest = path.split(".")
    try:
        return walk(importlib.import_module(head), head, rest)
    except ImportError:
        return None


def _documented(env: Any) -> dict[int, str]:
    """id(object) -> the name it is documented under (the public path: ``loyaltysem.fit``)."""
    cached = getattr(env, "_loyaltysem_documented", None)
    if cached is None:
        cached = {}
        for name, entry in env.get_domain("py").objects.items():
            if entry.objtype in ("module",) or not name.startswith("loyaltysem."):
                continue
            obj = _import_path(name)
            if inspect.isclass(obj) or inspect.isroutine(obj) or isinstance(obj, property):
                cached.setdefault(id(obj), name)  # not data: equal constants may share an id
        env._loyaltysem_documented = cached
    return cached


def _resolve_by_object(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a reference to a loyaltysem object by any of its import paths.

    The API pages document each object under its public name (``loyaltysem.fit``,
    ``loyaltysem.report.write``); a docstring may name the module that defines it
    (``loyaltysem.sem.dispatch.fit``) or, relatively, a name of its own module. Such a
    reference goes to the page of the very same object; one that names an object documented
    nowhere stays unresolved (and fails the build).
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module, cls = node.get("py:module"), node.get("py:class")
    candidates = [target]
    if module and not target.startswith("loyaltysem."):
        candidates = [f"{module}.{cls}.{target}"] * bool(cls) + [f"{module}.{target}"]
    documented = _documented(env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for path in candidates:
            if not path.startswith("loyaltysem."):
                continue
            obj = _import_path(path)
            name = documented.get(id(obj)) if obj is not None else None
            if name is not None:
                return env.get_domain("py").resolve_xref(
                    env, node["refdoc"], app.builder, "obj", name, node, contnode
                )
    return None


def _public(cls: type) -> bool:
    return not any(
        part.startswith("_") for part in f"{cls.__module__}.{cls.__qualname__}".split(".")
    )


def _public_bases(app: Any, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """Show a class's public bases: a private base (``_display.DisplayMixin``) by its own.

    The "Bases:" line of a class page names what a reader can look up; a private base is
    replaced by its public bases (``_LocatedError`` by ``LoyaltySemError``, ``ValueError``).
    """

    def public(cls: type) -> list[type]:
        return [cls] if _public(cls) else [b for base in cls.__bases__ for b in public(base)]

    shown = list(dict.fromkeys(b for base in bases for b in public(base)))
    bases[:] = [b for b in shown if b is not object] or [object]


def setup(app: Any) -> None:
    """Sphinx hooks of this configuration: the resolver and the public bases above."""
    app.connect("missing-reference", _resolve_by_object)
    app.connect("autodoc-process-bases", _public_bases)
