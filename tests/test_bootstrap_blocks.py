"""One refitter for G >= 1 blocks: a single group is the case G = 1 of the bootstrap.

``bootstrap()`` refits every fit, one group or several, with one ``_Refitter`` over a
``BlockTable`` (issue 14). What a user sees must not move:

- the seed's draws: one group draws ``resample_indices(N, n_boot, default_rng(seed))``
  (the draws of ``bootstrap_statistic``), several groups one such block per group from
  one generator, group after group (lavaan's ``bootstrapLavaan`` within groups);
- each draw is the fit of its resample: the refit from the original estimates reaches the
  optimum a cold ``fit()`` of the resampled data reaches (both stop with the largest
  gradient entry below 1e-8: measured 1.1e-7 apart at most on these draws' estimates and
  std.all values, 1e-14 relative on the chi-square; ATOL_FIT = 1e-6, RTOL_CHISQ = 1e-10);
- every complete-data case is batched by ``fit_batched_groups`` (one group: one block);
  FIML is refitted draw by draw (each draw has its own missing-data patterns).

tests/test_bootstrap_batched.py and tests/test_bootstrap_batched_groups.py check the batched
draws against the one-by-one refits (1e-8); tests/test_sem_bootstrap.py against lavaan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
import loyaltysem._kernels.batched_groups as batched_groups
from loyaltysem._kernels.resampling import resample_indices
from loyaltysem.datasets import load_frame
from loyaltysem.sem import bootstrap as resampling

ATOL_FIT = 1e-6
RTOL_CHISQ = 1e-10

PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
ind := a*b
"""

HS_CFA = """
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
ind := a1 - a2
"""


@pytest.fixture(scope="module")
def poldem():
    data = load_frame("political_democracy")
    return ls.fit(PD_MODEL, data), data


@pytest.fixture(scope="module")
def hs():
    data = load_frame("holzinger_swineford")
    return ls.fit(HS_CFA, data, group="school", group_equal=["loadings"]), data


def _spy(monkeypatch) -> list[int]:
    """Record the number of blocks of the refitter of every batch."""
    blocks: list[int] = []
    real = resampling._Refitter.batch

    def spy(self, data, rows):
        blocks.append(self.n_groups)
        return real(self, data, rows)

    monkeypatch.setattr(resampling._Refitter, "batch", spy)
    return blocks


def test_one_group_seed_draws_resample_indices(poldem):
    res, data = poldem
    seeded = ls.bootstrap(res, 40, data=data, random_state=7)
    idx = resample_indices(len(data), 40, np.random.default_rng(7))
    given = ls.bootstrap(res, data=data, indices=idx)
    assert seeded.random_state == 7 and given.random_state is None
    assert_allclose(seeded.draws.draws.to_numpy(), given.draws.draws.to_numpy(), rtol=0, atol=0)
    assert seeded.estimates.equals(given.estimates)


def test_groups_seed_draws_one_block_per_group_from_one_generator(hs):
    res, data = hs
    seeded = ls.bootstrap(res, 30, data=data, random_state=7)
    rng = np.random.default_rng(7)
    idx = [resample_indices(int(n), 30, rng) for n in res.nobs]
    given = ls.bootstrap(res, data=data, indices=idx)
    assert seeded.random_state == 7 and given.random_state is None
    assert_allclose(seeded.draws.draws.to_numpy(), given.draws.draws.to_numpy(), rtol=0, atol=0)


def test_both_shapes_are_refitted_by_the_one_refitter(poldem, hs, monkeypatch):
    (res, data), (res_g, data_g) = poldem, hs
    with monkeypatch.context() as m:
        blocks = _spy(m)
        one = ls.bootstrap(res, 20, data=data, random_state=1)
        groups = ls.bootstrap(res_g, 20, data=data_g, random_state=1)
    assert blocks == [1, 2]
    # the tables keep their shapes: no group columns for one group
    assert "group" not in one.estimates.columns and "group_label" not in one.estimates.columns
    assert list(groups.estimates.columns[:5]) == ["lhs", "op", "rhs", "group", "group_label"]


@pytest.mark.parametrize("meanstructure", [False, True])
def test_one_group_is_batched_as_the_block_g_1(poldem, monkeypatch, meanstructure):
    """One batched kernel: fit_batched_groups with one block (as fast as fit_batched, the
    one-group kernel it replaced, and the same numbers: docs/bootstrap.md)."""
    res, data = poldem
    if meanstructure:
        res = ls.fit(PD_MODEL, data, meanstructure=True)
    calls: list[int] = []
    real = batched_groups.fit_batched_groups

    def spy(layouts, *args, **kwargs):
        calls.append(len(layouts))
        return real(layouts, *args, **kwargs)

    monkeypatch.setattr(batched_groups, "fit_batched_groups", spy)
    boot = ls.bootstrap(res, 20, data=data, random_state=2)
    assert calls == [1] and boot.n_ok == 20


def _assert_draw_is_the_fit(draws: pd.DataFrame, draw: int, fit: ls.SEMResult, suffix) -> None:
    est = fit.estimates
    keys = [
        f"{a} {o} {b}{suffix(g)}"
        for a, o, b, g in zip(
            est["lhs"], est["op"], est["rhs"], est.get("group", [0] * len(est)), strict=True
        )
    ]
    row = draws.loc[draw]
    assert_allclose(row[[f"est:{k}" for k in keys]], est["est"], rtol=0, atol=ATOL_FIT)
    assert_allclose(row[[f"std:{k}" for k in keys]], est["std_all"], rtol=0, atol=ATOL_FIT)
    assert row["chisq"] == pytest.approx(float(fit.fit_measures["chisq"]), rel=RTOL_CHISQ)


#: a resample can be a Heywood case (a negative variance): its fit warns, and so it should
HEYWOOD = "ignore::loyaltysem.errors.HeywoodWarning"


@pytest.mark.filterwarnings(HEYWOOD)
def test_a_one_group_draw_is_the_fit_of_its_resample(poldem):
    res, data = poldem
    idx = resample_indices(len(data), 3, np.random.default_rng(12))
    draws = ls.bootstrap(res, data=data, indices=idx).draws.draws
    for i in range(3):
        fit = ls.fit(PD_MODEL, data.iloc[idx[i]].reset_index(drop=True))
        _assert_draw_is_the_fit(draws, i, fit, lambda g: "")


@pytest.mark.filterwarnings(HEYWOOD)
def test_a_group_draw_is_the_fit_of_its_resample(hs):
    res, data = hs
    rng = np.random.default_rng(13)
    idx = [resample_indices(int(n), 2, rng) for n in res.nobs]
    draws = ls.bootstrap(res, data=data, indices=idx).draws.draws
    frames = [data[data["school"] == label] for label in res.group_labels]
    for i in range(2):
        sample = pd.concat([f.iloc[b[i]] for f, b in zip(frames, idx, strict=True)])
        fit = ls.fit(HS_CFA, sample, group="school", group_equal=["loadings"])
        assert list(fit.group_labels) == list(res.group_labels)
        _assert_draw_is_the_fit(draws, i, fit, lambda g: f" [{g}]")


def _with_missing(data: pd.DataFrame) -> pd.DataFrame:
    out = data.copy()
    rng = np.random.default_rng(1)
    for col in ("x1", "x5", "x9"):
        out.loc[rng.random(len(out)) < 0.1, col] = np.nan
    return out


@pytest.mark.filterwarnings(HEYWOOD)
@pytest.mark.parametrize("groups", [False, True])
def test_fiml_draws_are_refitted_one_by_one_and_are_the_fit_of_their_resample(monkeypatch, groups):
    """missing="ml": each draw its own patterns (never batched), the FIML fit of the draw."""
    data = _with_missing(load_frame("holzinger_swineford"))
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    kw = {"group": "school"} if groups else {}
    res = ls.fit(model, data, missing="ml", **kw)

    def no_batch(*args, **kwargs):
        raise AssertionError("batched")

    rng = np.random.default_rng(3)
    nobs = res.nobs if groups else [res.provenance.n]
    idx = [resample_indices(int(n), 2, rng) for n in nobs]
    with monkeypatch.context() as m:
        m.setattr(resampling._Refitter, "batch", no_batch)
        boot = ls.bootstrap(res, data=data, indices=idx if groups else idx[0])
    assert boot.n_ok == 2
    frames = [data[data["school"] == label] for label in res.group_labels] if groups else [data]
    for i in range(2):
        sample = pd.concat([f.iloc[b[i]] for f, b in zip(frames, idx, strict=True)])
        fit = ls.fit(model, sample, missing="ml", **kw)
        _assert_draw_is_the_fit(
            boot.draws.draws, i, fit, (lambda g: f" [{g}]") if groups else (lambda g: "")
        )
