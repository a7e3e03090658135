"""The examples in ``examples/`` reproduce what they claim, against published numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
from numpy.testing import assert_allclose

ROOT = Path(__file__).parents[1]
SHARED = ROOT.parent / "shared" / "datasets" / "reference"
ATOL_PUBLISHED = 1e-4  # the published table has 8 decimals from R's sem package


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sempls_vignette_cbsem_paths_on_mobi():
    published = pd.read_csv(SHARED / "semPLS_vignette_mobi" / "pls_vs_cbsem_paths.csv")
    ours = load_example("sempls_cbsem_mobi").fit_sempls_cbsem()
    ours["path"] = ours["rhs"] + " -> " + ours["lhs"]
    merged = published.merge(ours, on="path", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert len(merged) == 12
    assert_allclose(merged["est"], merged["cbsem_sem_pkg_estimate"], atol=ATOL_PUBLISHED)
