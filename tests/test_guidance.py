"""recommend_estimator(): the rules, their numbers (psych::mardia via screening) and bad input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import SurveyDataError
from loyaltysem.sem.guidance import EstimatorRecommendation, recommend_estimator

FIXTURES = Path(__file__).parent / "fixtures"
#: psych::mardia numbers are reproduced to this (see test_screening.py).
ATOL_MARDIA = 1e-8


def _normal_items(n: int = 500, p: int = 4, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.7 * common + 0.7 * rng.normal(size=(n, p))
    return pd.DataFrame(x, columns=[f"i{j}" for j in range(1, p + 1)])


def test_holzinger_swineford_is_mlr_with_psych_mardia_numbers():
    rec = recommend_estimator(ls.load_holzinger_swineford())
    fx = json.loads((FIXTURES / "screening_holzinger.json").read_text(encoding="utf-8"))["mardia"]
    assert isinstance(rec, EstimatorRecommendation)
    assert (rec.estimator, rec.missing, rec.ordered) == ("MLR", "listwise", ())
    mv = rec.multivariate
    assert_allclose(mv["kurtosis"], fx["b2p"], atol=ATOL_MARDIA)
    assert_allclose(mv["kurtosis_z"], fx["kurtosis"], atol=ATOL_MARDIA)
    assert_allclose(mv["kurtosis_pvalue"], fx["p_kurt"], atol=ATOL_MARDIA)
    assert mv["kurtosis_expected"] == 9 * 11 and mv["n"] == fx["n_obs"] == 301
    assert "z = 2.41" in rec.reasons[0] and "Yuan & Bentler (2000)" in rec.reasons[0]
    assert rec.fit_kwargs == {"estimator": "MLR", "missing": "listwise"}


def test_bundled_survey_missing_answers_call_for_fiml():
    rec = recommend_estimator(ls.load_ecommerce())
    assert (rec.estimator, rec.missing) == ("MLR", "ml")
    assert rec.n == 1225 and rec.n_complete == 1059
    assert any("166 of 1225 respondents (13.6%)" in r for r in rec.reasons)
    # 7-point items, none severely non-normal: not ordinal
    assert (rec.items["categories"] == 7).all() and not rec.items["severe_nonnormal"].any()


def test_normal_complete_data_stay_with_ml():
    rec = recommend_estimator(_normal_items())
    assert (rec.estimator, rec.missing, rec.ordered) == ("ML", "listwise", ())
    assert abs(rec.multivariate["kurtosis_z"]) < 1.96
    assert "normal-theory ML" in rec.reasons[0]


def test_few_categories_make_the_items_ordinal():
    x = _normal_items()
    cut = x.apply(lambda c: pd.cut(c, [-np.inf, -0.5, 0.5, np.inf], labels=False) + 1)
    cut.loc[3, "i2"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mardia reports the respondent it leaves out
        rec = recommend_estimator(cut)
    assert rec.estimator == "WLSMV" and rec.missing == "pairwise"
    assert rec.ordered == ("i1", "i2", "i3", "i4")
    assert (rec.items["categories"] == 3).all()
    assert rec.fit_kwargs["ordered"] == ["i1", "i2", "i3", "i4"]


def test_a_severely_skewed_item_is_ordinal_even_with_many_categories():
    x = _normal_items()
    x["i4"] = np.exp(2 * x["i4"])  # lognormal: skew far above 2
    rec = recommend_estimator(x)
    assert rec.ordered == ("i4",) and rec.estimator == "WLSMV" and rec.missing == "listwise"
    assert rec.items.loc["i4", "skew"] > 2
    assert "worst i4" in rec.reasons[0]


def test_items_argument_and_bad_input():
    survey = ls.load_corp_rep()
    rec = recommend_estimator(survey, items=["comp_1", "comp_2", "comp_3"])
    assert list(rec.items.index) == ["comp_1", "comp_2", "comp_3"]
    with pytest.raises(SurveyDataError, match="items not found"):
        recommend_estimator(survey, items=["comp_1", "nope"])
    with pytest.raises(SurveyDataError, match="needs item scores"):
        recommend_estimator([[1, 2], [3, 4]])  # type: ignore[arg-type]


def test_summary_shows_reasons():
    text = recommend_estimator(ls.load_holzinger_swineford()).summary()
    assert "estimator = 'MLR'" in text and "Mardia" in text
