"""Sphinx configuration of the loyaltysem documentation site.

Build it from the repository root (``.ci/docs`` does this with warnings as errors)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -n -b html docs docs/_build/html

The guides in ``docs/*.md`` are MyST Markdown; the tutorials in ``docs/tutorials/`` are
MyST-NB text notebooks, executed on every build (no cache, no committed outputs); the API
reference is written from the docstrings by autodoc/autosummary with numpydoc.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
