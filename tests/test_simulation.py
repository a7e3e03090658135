"""Simulating Likert surveys from the population model, and the bundled example data."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.instruments import default_instrument
from loyaltysem.planning.simulation import DESIGN_COLUMNS, PopulationModel, simulate_survey
from loyaltysem.survey import Codebook, read_survey

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "loyaltysem" / "data"
ITEMS = default_instrument().item_names


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_ecommerce", ROOT / "scripts" / "make_ecommerce.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return simulate_survey(n=20_000, random_state=12345, return_latent=True)


def _small_model() -> dict[str, object]:
    return {
        "constructs": {"X": ["x1", "x2"], "Y": ["y1", "y2"]},
        "loadings": {"x1": 0.8, "x2": 0.7, "y1": 0.8, "y2": 0.6},
        "paths": {"Y": {"X": 0.5}},
        "correlations": {},
        "thresholds": {i: (-1.0, 0.0, 1.0) for i in ("x1", "x2", "y1", "y2")},
    }


# --------------------------------------------------------------- population model


def test_default_population_model() -> None:
    m = PopulationModel.default()
    assert m.items == tuple(ITEMS)
    assert m.reverse == ("LOY4",)
    assert m.exogenous == ("REP", "SEC", "SQ", "PQ", "PRI", "ASS")
    assert m.causal_order[-3:] == ("TRU", "SAT", "LOY")
    psi = m.disturbance_variances()
    # 1 - (.3² + .25² + .3² + 2(.3·.25·.45 + .3·.3·.40 + .25·.3·.40)) = 1 - .442
    assert psi["TRU"] == pytest.approx(0.558, abs=1e-12)
    cov = m.construct_covariance()
    np.testing.assert_allclose(np.diag(cov), 1.0)
    assert cov.loc["REP", "TRU"] == pytest.approx(0.3 + 0.25 * 0.45 + 0.3 * 0.40)
    assert np.linalg.eigvalsh(cov.to_numpy()).min() > 0
    beta = m.beta()
    assert beta.loc["LOY", "SAT"] == 0.45
    assert beta.loc["SAT", "LOY"] == 0.0
    sigma = m.latent_response_covariance()
    np.testing.assert_allclose(np.diag(sigma), 1.0)
    assert sigma.loc["LOY1", "LOY4"] == pytest.approx(0.82 * 0.65)
    drifted = m.latent_response_covariance({"TRU2": 0.45})
    assert drifted.loc["TRU1", "TRU2"] == pytest.approx(0.84 * 0.45)
    assert m.loadings["TRU2"] == 0.80  # the model itself is unchanged
    assert all(m.categories(i) == 7 for i in m.items)


def test_population_model_is_frozen() -> None:
    m = PopulationModel.default()
    with pytest.raises(AttributeError):
        m.reverse = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.loadings["REP1"] = 0.1  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loadings": {"x1": 0.8, "x2": 1.0, "y1": 0.8, "y2": 0.6}}, "outside \\(-1, 1\\)"),
        ({"loadings": {"x1": 0.8, "y1": 0.8, "y2": 0.6}}, "'x2' has no loading"),
        ({"paths": {"Y": {"Z": 0.5}}}, "unknown construct 'Z'"),
        ({"paths": {"Y": {"X": 1.2}}}, "explain 1.440"),
        ({"paths": {"Y": {"X": 0.5}, "X": {"Y": 0.2}}}, "not recursive"),
        ({"thresholds": {i: (0.0, -1.0) for i in ("x1", "x2", "y1", "y2")}}, "increasing"),
        ({"correlations": {("X", "Y"): 0.3}}, "exogenous"),
        ({"reverse": ("z9",)}, "reverse-keyed"),
    ],
)
def test_population_model_rejects_bad_values(change: dict[str, object], message: str) -> None:
    with pytest.raises(ModelSpecError, match=message):
        PopulationModel(**{**_small_model(), **change})  # type: ignore[arg-type]


def test_population_model_rejects_non_positive_definite_phi() -> None:
    spec = {
        "constructs": {"A": ["a"], "B": ["b"], "C": ["c"]},
        "loadings": {"a": 0.7, "b": 0.7, "c": 0.7},
        "paths": {},
        "correlations": {("A", "B"): 0.9, ("A", "C"): 0.9, ("B", "C"): -0.9},
        "thresholds": {"a": (0.0,), "b": (0.0,), "c": (0.0,)},
    }
    with pytest.raises(ModelSpecError, match="positive definite"):
        PopulationModel(**spec)  # type: ignore[arg-type]


# ------------------------------------------------------------------- simulate_survey


def test_columns_types_and_ranges() -> None:
    df = simulate_survey(n=250, waves=3, random_state=3)
    assert list(df.columns) == [*DESIGN_COLUMNS, *ITEMS]
    assert df["respondent_id"].is_unique
    assert df["respondent_id"].iloc[-1] == "R0250"
    assert df["wave"].value_counts().sort_index().tolist() == [84, 83, 83]
    assert set(df["gender"]) == {"female", "male"}
    assert set(df["platform"]) <= {"A", "B", "C"}
    assert df["age"].dtype == np.int64
    assert df["age"].between(18, 70).all()
    assert all(df[i].dtype == np.int64 for i in ITEMS)
    assert df[ITEMS].isin(range(1, 8)).all().all()


def test_deterministic_for_a_seed() -> None:
    kwargs = {"n": 300, "waves": [100, 200], "careless": 0.05, "missing": 0.05}
    a = simulate_survey(random_state=99, **kwargs)  # type: ignore[arg-type]
    b = simulate_survey(random_state=99, **kwargs)  # type: ignore[arg-type]
    c = simulate_survey(random_state=100, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b)
    assert not a[ITEMS].equals(c[ITEMS])
    assert a.to_csv(index=False) == b.to_csv(index=False)
    gen = simulate_survey(n=50, random_state=np.random.default_rng(5))
    pd.testing.assert_frame_equal(gen, simulate_survey(n=50, random_state=5))


def test_big_sample_recovers_latent_response_covariance(big: pd.DataFrame) -> None:
    model = PopulationModel.default()
    star = big[[f"{i}_star" for i in ITEMS]].to_numpy()
    observed = np.corrcoef(star, rowvar=False)
    expected = model.latent_response_covariance().to_numpy()
    np.testing.assert_allclose(observed, expected, atol=0.03)
    np.testing.assert_allclose(star.var(axis=0), 1.0, atol=0.05)
    eta = big[[f"eta_{c}" for c in model.constructs]].to_numpy()
    np.testing.assert_allclose(
        np.cov(eta, rowvar=False), model.construct_covariance().to_numpy(), atol=0.03
    )


def test_big_sample_answers_are_skewed_with_mean_near_five(big: pd.DataFrame) -> None:
    means = big[ITEMS].mean()
    keyed = means.drop("LOY4")
    assert keyed.between(4.6, 5.1).all()
    assert 8 - means["LOY4"] == pytest.approx(4.8, abs=0.1)  # stored as answered
    assert (big[ITEMS].drop(columns="LOY4").skew() < 0).all()
    # the reverse-keyed item correlates negatively with its construct-mates as stored
    assert big["LOY4"].corr(big["LOY1"]) < -0.3
    shares = big["REP1"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(shares, [0.03, 0.05, 0.09, 0.17, 0.26, 0.25, 0.15], atol=0.01)
    assert (big["respondent_type"] == "attentive").all()


def test_careless_shares() -> None:
    df = simulate_survey(
        n=2000,
        random_state=8,
        careless={"straightline": 0.03, "random": 0.02},
        return_latent=True,
    )
    kind = df["respondent_type"]
    assert (kind == "straightline").sum() == 60
    assert (kind == "random").sum() == 40
    items = df[ITEMS]
    flat = items.nunique(axis=1) == 1
    assert flat[kind == "straightline"].all()
    assert flat.sum() == 60
    rnd = items[kind == "random"].to_numpy()
    assert rnd.mean() == pytest.approx(4.0, abs=0.15)
    even = simulate_survey(n=1000, random_state=8, careless=0.04, return_latent=True)
    assert even["respondent_type"].value_counts().to_dict() == {
        "attentive": 960,
        "straightline": 20,
        "random": 20,
    }


def test_missing_mcar_share_and_code() -> None:
    df = simulate_survey(n=1000, random_state=4, missing=0.1)
    assert df[ITEMS].isna().to_numpy().sum() == 2900
    assert str(df["REP1"].dtype) == "Int64"
    per_item = df[ITEMS].isna().mean()
    assert per_item.between(0.06, 0.14).all()
    coded = simulate_survey(n=1000, random_state=4, missing=0.1, missing_code=-99)
    assert (coded[ITEMS] == -99).to_numpy().sum() == 2900
    pd.testing.assert_frame_equal(coded[ITEMS].mask(coded[ITEMS] == -99).astype("Int64"), df[ITEMS])


def test_missing_mar_depends_on_age() -> None:
    df = simulate_survey(
        n=3000,
        random_state=11,
        missing=0.1,
        missing_mechanism="MAR",
        missing_items=["SAT1", "SAT2", "LOY1"],
    )
    miss = df[ITEMS].isna()
    assert miss.to_numpy().sum() == 900
    assert set(miss.columns[miss.any()]) == {"SAT1", "SAT2", "LOY1"}
    per_row = miss.sum(axis=1)
    old = df["age"] > df["age"].median()
    assert per_row[old].mean() > 2 * per_row[~old].mean()
    assert np.corrcoef(per_row, df["age"])[0, 1] > 0.2


def test_drift_lowers_the_correlations_of_drifted_items() -> None:
    kwargs = {"waves": [3000, 3000], "random_state": 21}
    plain = simulate_survey(**kwargs)  # type: ignore[arg-type]
    drifted = simulate_survey(drift={2: {"TRU2": 0.45}}, **kwargs)  # type: ignore[arg-type]
    w1, w2 = (drifted[drifted["wave"] == w] for w in (1, 2))
    r1 = w1["TRU1"].corr(w1["TRU2"])
    r2 = w2["TRU1"].corr(w2["TRU2"])
    assert r1 > 0.55
    assert r2 < r1 - 0.2
    # wave 1 and the untouched items are the same draws with and without drift
    pd.testing.assert_frame_equal(plain[plain["wave"] == 1], w1)
    pd.testing.assert_frame_equal(plain.drop(columns="TRU2"), drifted.drop(columns="TRU2"))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n": 0}, SurveyDataError, "'n' argument"),
        ({"waves": 0}, SurveyDataError, "at least 1"),
        ({"waves": [10, 0]}, SurveyDataError, "positive whole number"),
        ({"waves": [10, 20], "n": 40}, SurveyDataError, "sum of the wave sizes"),
        ({"careless": 1.5}, SurveyDataError, "outside"),
        ({"careless": {"lazy": 0.1}}, SurveyDataError, "unknown kinds"),
        ({"careless": {"straightline": 0.6, "random": 0.5}}, SurveyDataError, "add up"),
        ({"missing": -0.1}, SurveyDataError, "outside"),
        ({"missing": "lots"}, SurveyDataError, "not a number"),
        ({"missing_mechanism": "MNAR"}, SurveyDataError, "mechanism"),
        ({"missing_items": ["XYZ"]}, SurveyDataError, "missing_items"),
        ({"missing_code": 4}, SurveyDataError, "outside the answer scale"),
        ({"drift": {2: {"TRU2": 0.4}}}, ModelSpecError, "wave"),
        ({"drift": {1: {"TRU9": 0.4}}}, ModelSpecError, "TRU9"),
        ({"drift": {1: {"TRU2": 1.4}}}, ModelSpecError, "outside"),
        ({"model": "default"}, ModelSpecError, "PopulationModel"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        simulate_survey(random_state=1, **kwargs)  # type: ignore[arg-type]


def test_simulated_frame_loads_with_the_codebook() -> None:
    df = simulate_survey(n=200, random_state=2, missing=0.05, missing_code=-99)
    cb = Codebook.read(DATA / "ecommerce_codebook.toml")
    from loyaltysem.survey import Survey

    survey = Survey.from_frame(df, cb)
    raw = df["LOY4"].where(df["LOY4"] != -99)
    np.testing.assert_array_equal(survey.data["LOY4"].to_numpy(), (8 - raw).to_numpy(float))


# ------------------------------------------------------------- the bundled example


def test_shipped_example_is_what_the_script_makes() -> None:
    script = _script()
    files = script.generate()
    assert set(files) == {DATA / "ecommerce.csv", DATA / "ecommerce_codebook.toml"}
    for path, text in files.items():
        assert path.read_bytes() == text.encode("utf-8"), path
    assert script.main(["--check"]) == 0
    assert script.SEED == 20261122
    assert script.WAVES == (410, 395, 420)


def test_shipped_example_loads() -> None:
    path = DATA / "ecommerce.csv"
    survey = read_survey(path, codebook=DATA / "ecommerce_codebook.toml")
    raw = pd.read_csv(path)
    assert survey.data.shape == (1225, 29)
    assert survey.covariates["wave"].value_counts().sort_index().tolist() == [410, 395, 420]
    assert int((raw[ITEMS] == -99).to_numpy().sum()) == 178
    assert int(survey.data.isna().to_numpy().sum()) == 178
    assert (raw[ITEMS].replace(-99, np.nan).nunique(axis=1) == 1).sum() == 24
    answered = raw["LOY4"] != -99
    np.testing.assert_array_equal(
        survey.data.loc[answered.to_numpy(), "LOY4"].to_numpy(),
        (8 - raw.loc[answered, "LOY4"]).to_numpy(float),
    )
    assert raw["LOY4"][answered].mean() < 3.5 < survey.data["LOY4"].mean()
    # wave 3 measures TRU2, SAT3 and LOY1 worse
    data = survey.data
    wave = survey.covariates["wave"].to_numpy()
    for item, mate in (("TRU2", "TRU1"), ("SAT3", "SAT1"), ("LOY1", "LOY2")):
        r12 = data[wave != 3][[item, mate]].corr().iloc[0, 1]
        r3 = data[wave == 3][[item, mate]].corr().iloc[0, 1]
        assert r3 < r12 - 0.15, item
