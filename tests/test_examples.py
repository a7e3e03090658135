"""The examples in ``examples/`` reproduce what they claim, against published numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
from numpy.testing import assert_allclose

import loyaltysem as ls

ROOT = Path(__file__).parents[1]
REF = ROOT / "tests" / "thirdparty"
ATOL_PUBLISHED = 1e-4  # the published table has 8 decimals from R's sem package


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sempls_vignette_cbsem_paths_on_mobi():
    published = pd.read_csv(REF / "semPLS_vignette_mobi" / "pls_vs_cbsem_paths.csv")
    ours = load_example("sempls_cbsem_mobi").fit_sempls_cbsem()
    ours["path"] = ours["rhs"] + " -> " + ours["lhs"]
    merged = published.merge(ours, on="path", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert len(merged) == 12
    assert_allclose(merged["est"], merged["cbsem_sem_pkg_estimate"], atol=ATOL_PUBLISHED)


def test_thesis_chapter_runs_end_to_end(tmp_path):
    tables = load_example("thesis_chapter").run(tmp_path, n_boot=100, seed=1)
    written = {p.stem for p in tmp_path.glob("*.csv")}
    assert written == set(tables)
    survey = ls.load_ecommerce()
    assert len(tables["exclusions"]) > 0  # exclusions are listed, never silent
    # the tables are the library's results at full precision
    med = tables["mediation"].set_index(["source", "target"])
    assert med.loc[("TRU", "LOY"), "type"] == "complementary"
    assert med.loc[("REP", "LOY"), "interval"] == "bootstrap percentile"
    cmp = tables["comparison"]
    assert list(cmp.index) == ["rival", "default"] and cmp.loc["default", "pvalue"] > 0.05
    rel = tables["reliability"]
    assert list(rel.index) == list(survey.constructs)
    assert (rel["alpha"] > 0.7).all()
    inv = tables["invariance"]
    assert list(inv.index) == ["configural", "metric", "scalar", "strict"]
    freed = set(tables["invariance_partial"].query("level == 'metric'")["freed"])
    assert freed == {"LOY =~ LOY1", "TRU =~ TRU2", "SAT =~ SAT3"}  # the drifted items
    wave = tables["wave_mediation"]
    assert list(wave["group"]) == [1, 2, 3] and (wave["interval"] == "bootstrap percentile").all()
    diff = tables["wave_difference"].set_index("lhs").loc["diff31"]
    assert diff["ci_lower"] < diff["est"] < diff["ci_upper"]
    reread = pd.read_csv(tmp_path / "paths.csv", index_col=0)
    assert_allclose(reread["est"].to_numpy(), tables["paths"]["est"].to_numpy(), rtol=1e-15)
