"""The batched resampling of MICOM, MGA and IPMA equals the one-by-one estimation.

``loyaltysem.pls.groups`` and ``loyaltysem.pls.ipma`` keep their original one-by-one
chunk functions (``_perm_chunk_loop``, ``_micom_chunk_loop``, ``_boot_chunk_loop``: one
``pls_moments`` per permutation or draw) as the reference. The batched chunks
(``_perm_chunk``, ``_micom_chunk``, ``_boot_chunk``: ``pls_batched`` on stacked
correlation matrices) must give every permutation / draw statistic to 1e-10 with the
same seeds, fail the same draws (no convergence, an item constant in a resample), and
the public functions must give the same tables either way.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem.datasets import load_corp_rep, load_mobi
from loyaltysem.pls import pls

# the package exports functions named like these modules: import the modules themselves
g = importlib.import_module("loyaltysem.pls.groups")
ip = importlib.import_module("loyaltysem.pls.ipma")

HERE = Path(__file__).parent
TOL = 1e-10
ECSI = """
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""


@pytest.fixture(scope="module")
def ecsi():
    mobi = load_mobi()
    return pls(mobi, mobi.constructs, ECSI)


@pytest.fixture(scope="module")
def split():
    cond = pd.read_csv(HERE / "data" / "mga_mobi_condition.csv", comment="#")
    return np.where(cond["group1"].to_numpy() == 1, 0, 1)


@pytest.fixture(scope="module")
def tiny():
    """A small model whose resamples often fail: a rare item, few iterations allowed."""
    rng = np.random.default_rng(11)
    n = 24
    f = rng.normal(size=(n, 2))
    x = np.column_stack(
        [
            f[:, 0] + rng.normal(size=n),
            f[:, 0] + rng.normal(size=n),
            f[:, 1] + rng.normal(size=n),
            f[:, 1] + rng.normal(size=n),
        ]
    ).round(1)
    rare = np.zeros(n)
    rare[:3] = 1.0  # constant in many resamples of a group
    frame = pd.DataFrame(np.column_stack([x, rare]), columns=["a1", "a2", "b1", "b2", "b3"])
    res = pls(frame, {"A": ["a1", "a2"], "B": ["b1", "b2", "b3"]}, "B ~ A")
    return res, frame.to_numpy()


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL, equal_nan=True)


def test_mga_permutations_equal_one_by_one(ecsi, split):
    spec = g._spec(ecsi)
    x = ecsi.data[spec.items].to_numpy(dtype=float)
    children = np.random.SeedSequence(5).spawn(40)
    ref = g._perm_chunk_loop(x, split, spec, children)
    out = g._perm_chunk(x, split, spec, children)
    assert out.shape == ref.shape == (40, len(spec.paths))
    assert not np.isnan(ref).any()
    _same(out, ref)


def test_micom_permutations_equal_one_by_one(ecsi, split):
    spec = g._spec(ecsi)
    x = ecsi.data[spec.items].to_numpy(dtype=float)
    children = np.random.SeedSequence(6).spawn(40)
    c_ref, p_ref = g._micom_chunk_loop(x, split, spec, children)
    c_out, p_out = g._micom_chunk(x, split, spec, children)
    np.testing.assert_array_equal(p_out, p_ref)
    _same(c_out, c_ref)


def test_henseler_draws_equal_one_by_one(ecsi, split):
    spec = g._spec(ecsi)
    x = ecsi.data[spec.items].to_numpy(dtype=float)[split == 0]
    rng = np.random.default_rng(7)
    rows = [rng.integers(0, len(x), len(x)) for _ in range(40)]
    _same(g._boot_chunk(x, spec, rows), g._boot_chunk_loop(x, spec, rows))


def test_failed_draws_are_the_same(tiny):
    res, x = tiny
    spec = g._spec(res)
    labels = np.arange(len(x)) % 2
    children = np.random.SeedSequence(8).spawn(60)
    ref = g._perm_chunk_loop(x, labels, spec, children)
    assert 0 < np.isnan(ref).any(axis=1).sum() < 60  # the rare item is constant in some
    _same(g._perm_chunk(x, labels, spec, children), ref)
    c_ref, _ = g._micom_chunk_loop(x, labels, spec, children)
    _same(g._micom_chunk(x, labels, spec, children)[0], c_ref)
    rng = np.random.default_rng(9)
    rows = [rng.integers(0, len(x), len(x)) for _ in range(60)]
    _same(g._boot_chunk(x, spec, rows), g._boot_chunk_loop(x, spec, rows))
    # too few iterations: no draw converges, in both paths
    short = dataclasses.replace(spec, max_iter=1, tol=1e-14)
    ref = g._boot_chunk_loop(x, short, rows)
    assert np.isnan(ref).all()
    _same(g._boot_chunk(x, short, rows), ref)


def test_ipma_draws_equal_one_by_one():
    survey = load_corp_rep()
    mm = {
        "COMP": ["comp_1", "comp_2", "comp_3"],
        "LIKE": ["like_1", "like_2", "like_3"],
        "CUSA": ["cusa"],
        "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
    }
    res = pls(survey, mm, "CUSA ~ COMP + LIKE\nCUSL ~ COMP + LIKE + CUSA", missing="mean")
    spec = g._spec(res)
    x = res.data[spec.items].to_numpy(dtype=float)
    lo, hi = np.ones(len(spec.items)), np.full(len(spec.items), 7.0)
    t = spec.names.index("CUSL")
    cons = ip._reachable(spec.inner, t)
    children = np.random.SeedSequence(10).spawn(30)
    ref, neg_ref = ip._boot_chunk_loop(x, spec, lo, hi, t, cons, children)
    out, neg = ip._boot_chunk(x, spec, lo, hi, t, cons, children)
    assert neg == neg_ref
    _same(out, ref)


def test_public_results_equal_one_by_one(ecsi, split, monkeypatch):
    kw = {"levels": (0, 1), "random_state": 12}
    fast = g.mga(ecsi, split, n_permutations=30, n_boot=20, **kw)
    inv = g.micom(ecsi, split, n_permutations=30, **kw)
    monkeypatch.setattr(g, "_perm_chunk", g._perm_chunk_loop)
    monkeypatch.setattr(g, "_boot_chunk", g._boot_chunk_loop)
    monkeypatch.setattr(g, "_micom_chunk", g._micom_chunk_loop)
    slow = g.mga(ecsi, split, n_permutations=30, n_boot=20, **kw)
    inv_slow = g.micom(ecsi, split, n_permutations=30, **kw)
    pd.testing.assert_frame_equal(fast.table, slow.table, check_exact=False, atol=TOL, rtol=0)
    for a, b in [
        (fast.permutation_diffs, slow.permutation_diffs),
        (fast.boot1, slow.boot1),
        (fast.boot2, slow.boot2),
        (inv.compositional, inv_slow.compositional),
        (inv.means, inv_slow.means),
        (inv.variances, inv_slow.variances),
    ]:
        pd.testing.assert_frame_equal(a, b, check_exact=False, atol=TOL, rtol=0)
    assert fast.n_failed == slow.n_failed and inv.n_failed == inv_slow.n_failed


def test_several_batches_progress_and_n_jobs(ecsi, split):
    # 300 permutations span three batches of 125 (two groups each, 250 matrices)
    seen: list[int] = []
    kw = {"levels": (0, 1), "random_state": 13, "n_permutations": 300}
    one = g.micom(ecsi, split, n_jobs=1, progress=seen.append, **kw)
    assert sum(seen) == 300 and len(seen) == 3
    two = g.micom(ecsi, split, n_jobs=2, progress=False, **kw)
    for a, b in [(one.compositional, two.compositional), (one.means, two.means)]:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    seen.clear()
    m1 = g.mga(ecsi, split, n_boot=300, n_jobs=1, progress=seen.append, **kw)
    assert sum(seen) == 300 + 2 * 300
    m2 = g.mga(ecsi, split, n_boot=300, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(m1.table, m2.table, check_exact=True)
    pd.testing.assert_frame_equal(m1.permutation_diffs, m2.permutation_diffs, check_exact=True)
    seen.clear()
    survey = load_corp_rep()
    res = pls(
        survey,
        {"COMP": ["comp_1", "comp_2", "comp_3"], "CUSL": ["cusl_1", "cusl_2"]},
        "CUSL ~ COMP",
        missing="mean",
    )
    i1 = ip.ipma(res, "CUSL", scale=survey, n_boot=300, random_state=2, progress=seen.append)
    assert sum(seen) == 300 and i1.n_boot == 300
    i2 = ip.ipma(res, "CUSL", scale=survey, n_boot=300, random_state=2, n_jobs=2)
    pd.testing.assert_frame_equal(i1.constructs, i2.constructs, check_exact=True)


@pytest.mark.parametrize("n", [40, 2100])  # level indicators; min/max (many distinct values)
def test_varies_is_exact(n):
    rng = np.random.default_rng(n)
    x = np.column_stack([np.r_[np.ones(3), np.zeros(n - 3)], rng.normal(size=n), np.ones(n)])
    x[0, 2] = 2.0  # varies only with row 0
    counts = np.vstack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(40)])
    counts = np.vstack([counts, rng.random((40, n)) < 0.05]).astype(float)
    counts[:, 3] += 1  # no empty draw
    expected = [np.all(np.ptp(x[c > 0], axis=0) > 0) for c in counts]
    assert 0 < sum(expected) < len(expected)
    np.testing.assert_array_equal(g._varies(x, counts), expected)
