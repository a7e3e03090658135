"""Fitted results pickle and come back whole: tables, options and deferred statistics.

A thesis author fits once and saves the result (``pickle``, ``joblib``); the reloaded
result must give the same numbers, including what it computes on first use
(modification indices, standardized residuals, score tests).
"""

from __future__ import annotations

import pickle
import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

import loyaltysem as ls
from loyaltysem.datasets import load_frame

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj))


@pytest.mark.parametrize(
    "options",
    [{}, {"estimator": "MLR"}, {"missing": "ml"}, {"estimator": "MLR", "missing": "ml"}],
    ids=["ML", "MLR", "FIML", "FIML-MLR"],
)
def test_single_group_results_pickle(hs, options):
    res = ls.fit(HS, hs, **options)
    back = _roundtrip(res)
    assert_frame_equal(back.estimates, res.estimates)
    assert_series_equal(back.fit_measures, res.fit_measures)
    assert isinstance(back.provenance.options, MappingProxyType)
    assert dict(back.provenance.options) == dict(res.provenance.options)
    assert back.provenance.data_hash == res.provenance.data_hash
    # deferred statistics are computed after reloading, with the same numbers
    assert_frame_equal(back.modification_indices(), res.modification_indices())
    np.testing.assert_array_equal(
        back.residuals("standardized").to_numpy(), res.residuals("standardized").to_numpy()
    )


def test_ordinal_result_pickles():
    survey = ls.load_ecommerce()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ls.fit("TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3", survey, ordered=True)
    back = _roundtrip(res)
    assert_frame_equal(back.estimates, res.estimates)
    assert_series_equal(back.fit_measures, res.fit_measures)


@pytest.mark.parametrize("missing", ["listwise", "ml"])
def test_multigroup_results_pickle(hs, missing):
    res = ls.fit(HS, hs, group="school", group_equal=["loadings"], missing=missing)
    computed = res.modification_indices()  # computed before: travels with the result
    back = _roundtrip(res)
    assert_frame_equal(back.estimates, res.estimates)
    assert_series_equal(back.fit_measures, res.fit_measures)
    assert_frame_equal(back.modification_indices(), computed)
    assert_frame_equal(back.score_tests(), res.score_tests())
    assert_frame_equal(back.implied_cov("Pasteur"), res.implied_cov("Pasteur"))
    assert_frame_equal(
        back.residuals("Pasteur", "standardized"), res.residuals("Pasteur", "standardized")
    )


def test_invariance_bootstrap_and_effects_pickle(hs):
    inv = ls.invariance(HS, hs, group="school")
    back = _roundtrip(inv)
    assert_frame_equal(back.table, inv.table)
    assert set(back.fits) == set(inv.fits)
    res = ls.fit(HS + "\nspeed ~ textual + visual", hs)
    boot = ls.bootstrap(res, 20, data=hs, random_state=3)
    assert_frame_equal(_roundtrip(boot).estimates, boot.estimates)
    eff = ls.effects(res, boot)
    assert_frame_equal(_roundtrip(eff).table, eff.table)


def test_survey_screening_and_measurement_report_pickle():
    survey = ls.load_ecommerce()
    back = _roundtrip(survey)
    assert_frame_equal(back.data, survey.data)
    assert back.data_hash == survey.data_hash
    report = survey.screen()
    assert_frame_equal(_roundtrip(report).items, report.items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val = ls.validate(survey, n_boot=20, random_state=1)
    assert_frame_equal(_roundtrip(val).reliability, val.reliability)


def test_ordinal_multigroup_result_pickles():
    survey = ls.load_ecommerce()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ls.fit(
            "TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3", survey, group="wave",
            ordered=True, group_equal=["thresholds", "loadings"],
        )  # fmt: skip
    back = _roundtrip(res)
    assert_frame_equal(back.estimates, res.estimates)
    assert_frame_equal(back.score_tests(), res.score_tests())
    # the scaled-shifted difference test needs the internals kept on the result
    configural = ls.fit(
        "TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3", survey, group="wave", ordered=True
    )
    table = ls.compare(_roundtrip(configural), back).table
    assert_frame_equal(table, ls.compare(configural, res).table)
