"""The documentation site (issue 13, item 9): what `.ci/docs` builds, checked without Sphinx.

The build itself (Sphinx with warnings as errors, the tutorials executed) runs in `.ci/docs`;
these tests keep its inputs honest on every test run: every guide and tutorial is reachable
from the index, the tutorials are MyST-NB text notebooks that read only files inside the
repository, the build is strict, and the published numbers tutorial 2 reproduces are
reproduced (the Wheaton et al. 1977 model from the covariance matrix printed in the tutorial).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

import loyaltysem as ls

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
TUTORIALS = ["validate_questionnaire", "reproduce_published", "wjx_to_word"]


def toctree_entries(text: str) -> list[str]:
    entries = []
    for block in re.findall(r"```\{toctree\}\n(.*?)```", text, flags=re.S):
        entries += [
            line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":")
        ]
    return entries


def code_cells(name: str) -> list[str]:
    text = (DOCS / "tutorials" / f"{name}.md").read_text(encoding="utf-8")
    return re.findall(r"```\{code-cell\} python\n(.*?)```", text, flags=re.S)


def conf_settings() -> dict[str, object]:
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def test_every_guide_tutorial_and_api_page_is_in_the_index():
    entries = toctree_entries((DOCS / "index.md").read_text(encoding="utf-8"))
    guides = sorted(
        p.stem for p in DOCS.glob("*.md") if p.stem not in {"index", "api", "api_report"}
    )
    assert len(guides) == 31  # + pls_advanced, pls_predict, pls_groups, pls_bootstrap (issue 16)
    expected = [f"tutorials/{t}" for t in TUTORIALS] + guides + ["api", "api_report"]
    assert sorted(entries) == sorted(expected)
    assert len(entries) == len(set(entries))
    assert sorted(p.stem for p in (DOCS / "tutorials").glob("*.md")) == sorted(TUTORIALS)


def test_tutorials_are_text_notebooks_with_code_and_no_committed_outputs():
    assert not list(DOCS.rglob("*.ipynb"))
    for name in TUTORIALS:
        text = (DOCS / "tutorials" / f"{name}.md").read_text(encoding="utf-8")
        assert text.startswith("---\nfile_format: mystnb\nkernelspec:\n  name: python3\n"), name
        assert len(code_cells(name)) >= 8, name
        # one title, then numbered sections: the page reads like a chapter
        prose = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)
        assert len(re.findall(r"^# ", prose, flags=re.M)) == 1, name


def test_tutorials_read_only_files_inside_the_repository():
    for name in TUTORIALS:
        code = "\n".join(code_cells(name))
        assert "/work" not in code and "shared" not in code and "..\\" not in code, name
        for quoted in re.findall(r'"((?:tests|src|docs|examples)/[^"]+)"', code):
            assert (ROOT / quoted).exists(), (name, quoted)
    # tutorial 2's reference files: the committed third-party results
    code = "\n".join(code_cells("reproduce_published"))
    for part in re.findall(r'thirdparty / "([^"]+)"', code):
        assert (ROOT / "tests" / "thirdparty" / part).is_file(), part


def test_the_build_is_strict_and_executes_every_tutorial_without_a_cache():
    script = ROOT / ".ci" / "docs"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "python -m sphinx -W --keep-going -b html docs" in text
    assert "set -euo pipefail" in text
    conf = conf_settings()
    assert conf["nb_execution_mode"] == "force"
    assert conf["nb_execution_raise_on_error"] is True
    assert conf["nb_output_stderr"] == "warn"
    assert "suppress_warnings" not in conf
    assert {"myst_nb", "sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"} <= set(
        conf["extensions"]  # type: ignore[arg-type]
    )


def test_every_cross_reference_must_resolve():
    """nitpicky: an unresolved :func:/:class: reference fails the build; only the third-party
    libraries (no intersphinx without a network) are ignored by pattern, none of loyaltysem."""
    conf = conf_settings()
    assert conf["nitpicky"] is True
    patterns = conf["nitpick_ignore_regex"]
    assert [role for role, _ in patterns] == ["py:.*"]  # type: ignore[union-attr]
    for _, target in patterns:  # type: ignore[union-attr]
        assert not re.fullmatch(target, "loyaltysem.fit")
        assert re.fullmatch(target, "numpy.random.default_rng")
        assert re.fullmatch(target, "collections.abc.Mapping")  # GroupTables' base
    # the narrow exceptions name one object each
    assert all(" " not in t and "*" not in t for _, t in conf["nitpick_ignore"])  # type: ignore[union-attr]
    assert len(conf["nitpick_ignore"]) <= 1  # type: ignore[arg-type]


def test_the_docs_extra_declares_what_conf_py_loads():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    docs = {re.split(r"[<>=!~ ;]", line)[0] for line in meta["optional-dependencies"]["docs"]}
    assert docs == {"sphinx", "myst-nb", "numpydoc", "ipykernel"}
    assert "## The documentation site (the `docs` extra)" in (DOCS / "dependencies.md").read_text(
        encoding="utf-8"
    )


def test_tutorial_two_reproduces_lavaans_published_wheaton_fit():
    """The matrix and model exactly as the tutorial prints them; lavaan 0.6-21's numbers."""
    cells = "\n".join(code_cells("reproduce_published"))
    lower = re.search(r'lower = """(.*?)"""', cells, flags=re.S).group(1)  # type: ignore[union-attr]
    model = re.search(r'wheaton_model = """(.*?)"""', cells, flags=re.S).group(1)  # type: ignore[union-attr]
    names = ["anomia67", "powerless67", "anomia71", "powerless71", "education", "sei"]
    values = np.zeros((6, 6))
    for i, line in enumerate(lower.strip().splitlines()):
        row = [float(x) for x in line.split()]
        values[i, : len(row)] = row
    values = values + np.tril(values, -1).T
    assert values[5, 4] == 35.522 and values[5, 5] == 450.288 and values[1, 0] == 6.947
    cov = pd.DataFrame(values, index=names, columns=names)
    res = ls.fit(model, sample_cov=cov, sample_nobs=932)
    assert res.status.ok
    fm = res.fit_measures
    # lavaan prints chisq 4.735, df 4, p 0.316, 17 parameters, baseline 2133.722 on 15 df
    assert fm["npar"] == 17 and fm["df"] == 4 and fm["baseline.df"] == 15
    assert round(fm["chisq"], 3) == 4.735
    assert round(fm["pvalue"], 3) == 0.316
    assert round(fm["baseline.chisq"], 3) == 2133.722
    # correlations and SDs (the tutorial's second route) give the same fit
    sd = pd.Series(np.sqrt(np.diag(values)), index=names)
    again = ls.fit(model, sample_cor=cov / np.outer(sd, sd), sample_sd=sd, sample_nobs=932)
    assert_allclose(again.fit_measures["chisq"], fm["chisq"], rtol=1e-8)
