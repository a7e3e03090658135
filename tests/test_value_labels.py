"""Value labels on every column (issue 11): SPSS/Stata and codebook labels of group and
covariate columns name the groups in every multi-group table, in code order.

The .sav and .dta files are written here with pyreadstat (tmp_path), from the bundled
survey's TRU and SAT items, with a labelled gender column whose first case is female
(code 2), a user-missing code 9 (SPSS) or an extended missing value .a (Stata), and a
labelled wave column.
"""

from __future__ import annotations

import textwrap

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey import Codebook, Survey
from loyaltysem.survey.survey import labelled_column

ITEMS = ["TRU1", "TRU2", "TRU3", "SAT1", "SAT2", "SAT3"]
MODEL = "TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3\nSAT ~ TRU"
GENDER = {1: "男", 2: "女", 9: "拒答"}
WAVE = {1: "第一轮", 2: "第二轮"}


def survey_frame(n: int = 600) -> pd.DataFrame:
    """Complete answers of the bundled survey; gender 2 (女) first, one 9 (拒答); 女's
    TRU1 one point higher (an intercept that is not invariant, capped at 7)."""
    eco = ls.load_ecommerce().to_frame()
    frame = eco[ITEMS].dropna().iloc[:n].reset_index(drop=True).astype(float)
    gender = np.random.default_rng(7).choice([1.0, 2.0], size=n)
    gender[0], gender[5] = 2.0, 9.0
    frame["gender"] = gender
    frame["wave"] = np.where(np.arange(n) % 3 == 0, 2.0, 1.0)
    female = frame["gender"] == 2.0
    frame.loc[female, "TRU1"] = np.minimum(frame.loc[female, "TRU1"] + 1.0, 7.0)
    return frame


def codebook(**extra) -> Codebook:
    return Codebook.from_dict(
        {
            "items": [{"item": i, "construct": i[:3], "min": 1, "max": 7} for i in ITEMS],
            "columns": {"gender": "group", "wave": "covariate"},
            **extra,
        }
    )


@pytest.fixture(scope="module")
def sav_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("spss") / "survey.sav"
    pyreadstat.write_sav(
        survey_frame(),
        str(path),
        variable_value_labels={"gender": GENDER, "wave": WAVE},
        missing_ranges={"gender": [9]},
    )
    return str(path)


@pytest.fixture(scope="module")
def sav_survey(sav_path) -> Survey:
    return ls.read_survey(sav_path, codebook())


@pytest.fixture(scope="module")
def gender_fit(sav_survey):
    return ls.fit(MODEL, sav_survey, group="gender")


def test_spss_labels_are_kept_with_the_codes(sav_survey):
    s = sav_survey
    assert s.value_labels == {"gender": {1: "男", 2: "女"}, "wave": {1: "第一轮", 2: "第二轮"}}
    cov = s.covariates
    assert str(cov["gender"].dtype) == "Int64"  # codes stay numbers (usable in a model)
    assert cov["gender"].iloc[0] == 2 and pd.isna(cov["gender"].iloc[5])  # 9 is user-missing
    lab = s.labelled_covariates
    assert list(lab["gender"].cat.categories) == ["男", "女"]
    assert lab["gender"].cat.ordered
    assert lab["gender"].iloc[0] == "女" and pd.isna(lab["gender"].iloc[5])
    assert (lab["gender"] == "男").sum() == (cov["gender"] == 1).sum() == 282
    assert list(lab["wave"].cat.categories) == ["第一轮", "第二轮"]
    log = s.log_frame()
    entry = log[(log["step"] == "missing-code") & (log["column"] == "gender")].iloc[0]
    assert entry["count"] == 1 and "[9]" in entry["detail"]
    entry = log[(log["step"] == "value-labels") & (log["column"] == "gender")].iloc[0]
    assert entry["detail"] == "value labels from the file: 1 = 男, 2 = 女"


def test_groups_are_named_by_labels_in_code_order(gender_fit, sav_survey):
    res = gender_fit
    # the first case is 女 (code 2): lavaan's first-appearance order would make it group 1
    assert res.group_labels == ("男", "女")
    est = res.estimates
    assert est.loc[est["group"] == 1, "group_label"].unique().tolist() == ["男"]
    assert est.loc[est["group"] == 2, "group_label"].unique().tolist() == ["女"]
    assert res.nobs.to_dict() == {"男": 282, "女": 317}
    assert list(res.chisq_group.index) == ["男", "女"]
    assert list(res.r2.index.get_level_values("group_label").unique()) == ["男", "女"]
    # the mislabel the issue found: group 1's numbers must be code 1's respondents
    cov, data = sav_survey.covariates, sav_survey.data
    men = data[cov["gender"] == 1]
    assert_allclose(res.sample_mean("男").to_numpy(), men[ITEMS].mean().to_numpy(), atol=1e-12)
    women = data[cov["gender"] == 2]
    assert_allclose(res.sample_mean("女")["TRU1"], women["TRU1"].mean(), atol=1e-12)
    assert res.sample_mean("女")["TRU1"] > res.sample_mean("男")["TRU1"] + 0.5
    text = res.summary()
    assert "Group 1: gender = 男" in text and "Group 2: gender = 女" in text
    assert "(男: 282, 女: 317)" in text


def test_labelled_fit_has_lavaans_numbers_with_groups_in_code_order(gender_fit, sav_survey):
    # lavaan orders groups by first appearance; with the rows sorted by code (as lavaan
    # with group.label = c("1", "2")) the codes give the same fit, group by group
    frame = sav_survey.to_frame()
    frame = frame[frame["gender"].notna()].sort_values("gender", kind="stable")
    frame["gender"] = frame["gender"].astype(int)
    by_code = ls.fit(MODEL, frame, group="gender")
    assert by_code.group_labels == (1, 2)
    a, b = gender_fit.estimates, by_code.estimates
    assert_allclose(a["est"], b["est"], atol=1e-8)
    assert_allclose(a["se"], b["se"], rtol=1e-8)
    assert (a["group"].to_numpy() == b["group"].to_numpy()).all()
    assert_allclose(gender_fit.fit_measures["chisq"], by_code.fit_measures["chisq"], rtol=1e-10)
    # a DataFrame keeps lavaan's first-appearance order (here 女's code 2 first)
    raw = sav_survey.to_frame()
    assert ls.fit(MODEL, raw, group="gender").group_labels == (2, 1)


def test_score_tests_and_effects_carry_labels(sav_survey):
    metric = ls.fit(MODEL, sav_survey, group="gender", group_equal=["loadings"])
    tests = metric.score_tests()
    assert list(tests.columns[:5]) == ["lhs", "op", "rhs", "group", "group_label"]
    assert set(tests["group_label"]) == {"女"}  # constraints of group 2 against group 1
    eff = metric.effects().table
    assert eff[["group", "group_label"]].drop_duplicates().values.tolist() == [
        [1, "男"],
        [2, "女"],
    ]


def test_bootstrap_table_carries_labels(gender_fit, sav_survey):
    boot = ls.bootstrap(gender_fit, n_boot=5, random_state=1, data=sav_survey)
    table = boot.estimates
    pairs = table[["group", "group_label"]].drop_duplicates().values.tolist()
    assert pairs == [[1, "男"], [2, "女"]]


def test_invariance_tables_name_the_groups(sav_survey):
    inv = ls.invariance(MODEL, sav_survey, group="gender", partial=True)
    for res in inv.fits.values():
        assert res.group_labels == ("男", "女")
    assert inv.table.loc["scalar", "decision"] == "partially supported"
    assert "TRU1 ~ 1" in inv.table.loc["scalar", "freed"]
    steps = inv.partial
    first = steps[steps["level"] == "scalar"].iloc[0]
    assert first["freed"] == "TRU1 ~ 1" and first["group"] == "女"
    assert set(steps["group"]) <= {"男", "女"}
    assert "groups: 'gender' (男: 282, 女: 317)" in inv.summary()


def test_ordinal_groups_are_named_by_labels(sav_survey):
    # WLSMV in groups (TRU1 is left out: 女's shifted answers leave category 1 empty)
    model = "SAT =~ SAT1 + SAT2 + SAT3\nTRU =~ TRU2 + TRU3 + SAT1"
    ordered = ["SAT1", "SAT2", "SAT3", "TRU2", "TRU3"]
    lost = "1 of 600 rows were left out of the analysis by group 'gender': 1 with no value"
    with pytest.warns(ls.errors.MissingDataWarning, match=lost):
        res = ls.fit(model, sav_survey, group="gender", ordered=ordered)
    assert res.group_labels == ("男", "女")
    est = res.estimates
    assert est[["group", "group_label"]].drop_duplicates().values.tolist() == [[1, "男"], [2, "女"]]
    assert res.nobs.to_dict() == {"男": 282, "女": 317}


def test_a_labelled_covariate_stays_a_number_in_a_model(sav_survey):
    res = ls.fit("SAT =~ SAT1 + SAT2 + SAT3\nSAT ~ gender", sav_survey)
    row = res.estimates.query("lhs == 'SAT' and op == '~' and rhs == 'gender'")
    assert len(row) == 1 and np.isfinite(row["est"].iloc[0])


def test_stata_labels_and_extended_missing(tmp_path):
    frame = survey_frame(300)
    gender = frame["gender"].astype(object)
    gender[gender == 9.0] = "a"  # Stata's .a
    frame["gender"] = gender
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(
        frame,
        str(path),
        variable_value_labels={"gender": {1: "male", 2: "female"}, "wave": {1: "W1", 2: "W2"}},
        missing_user_values={"gender": ["a"]},
    )
    s = ls.read_survey(path, codebook())
    assert s.value_labels["gender"] == {1: "male", 2: "female"}
    assert pd.isna(s.covariates["gender"].iloc[5])
    notes = s.log_frame()["detail"]
    assert "Stata extended missing values (.a to .z) read as missing: gender (1)" in set(notes)
    res = ls.fit(MODEL, s, group="gender")
    assert res.group_labels == ("male", "female")
    assert res.nobs.sum() == 299
    inv = ls.invariance(MODEL, s, group="wave", levels=["configural", "metric"])
    assert inv.fits["metric"].group_labels == ("W1", "W2")


def test_codebook_labels_win_over_the_files(sav_path):
    cb = codebook(value_labels={"gender": {"1": "male", "2": "female"}})
    assert cb.column_labels == {"gender": {1.0: "male", 2.0: "female"}}
    assert cb.value_labels == {}  # not a language of the item labels
    s = ls.read_survey(sav_path, cb)
    assert s.value_labels["gender"] == {1: "male", 2: "female"}
    assert s.value_labels["wave"] == {1: "第一轮", 2: "第二轮"}  # from the file
    assert ls.fit(MODEL, s, group="gender").group_labels == ("male", "female")
    back = Codebook.from_dict(cb.to_dict())
    assert back.column_labels == cb.column_labels


def test_toml_and_csv_codebooks_label_columns(tmp_path):
    toml = tmp_path / "codebook.toml"
    toml.write_text(
        textwrap.dedent(
            """
            [columns]
            gender = "group"
            [value_labels.zh]
            1 = "非常不同意"
            7 = "非常同意"
            [value_labels.gender]
            1 = "男"
            2 = "女"
            [[items]]
            item = "TRU1"
            construct = "TRU"
            min = 1
            max = 7
            """
        ),
        encoding="utf-8",
    )
    cb = Codebook.read(toml)
    assert cb.column_labels == {"gender": {1.0: "男", 2.0: "女"}}
    assert cb.value_labels == {"zh": {1.0: "非常不同意", 7.0: "非常同意"}}
    csv = tmp_path / "codebook.csv"
    csv.write_text(
        "item,construct,min,max,role,value_labels,value_labels_zh\n"
        "TRU1,TRU,1,7,,,\n"
        "gender,,,,group,,1=男;2=女\n"
        "wave,,,,covariate,1=first;2=second,\n",
        encoding="utf-8",
    )
    cb = Codebook.read(csv)
    assert cb.column_labels == {
        "gender": {1.0: "男", 2.0: "女"},
        "wave": {1.0: "first", 2.0: "second"},
    }
    frame = pd.DataFrame(
        {"TRU1": [1, 2, 3, 4], "gender": ["女", "男", "女", None], "wave": [1, 1, 2, 2]}
    )
    s = Survey.from_frame(frame, cb)
    assert s.covariates["gender"].tolist()[:3] == [2, 1, 2]  # text mapped to codes
    assert s.value_labels == {"gender": {1: "男", 2: "女"}, "wave": {1: "first", 2: "second"}}
    assert s.labelled_covariates["gender"].tolist()[:3] == ["女", "男", "女"]


def test_unlabelled_value_is_an_error_naming_the_cell(tmp_path):
    cb = Codebook.from_dict(
        {
            "items": [{"item": "TRU1", "construct": "TRU", "min": 1, "max": 7}],
            "columns": {"gender": "group"},
            "value_labels": {"gender": {"1": "男", "2": "女"}},
        }
    )
    path = tmp_path / "export.csv"
    path.write_text("TRU1,gender\n5,男\n6,未知\n", encoding="utf-8")
    with pytest.raises(SurveyDataError) as err:
        ls.read_survey(path, cb)
    text = str(err.value)
    assert "line 3" in text and "gender" in text and "未知" in text and "1 = 男" in text
    path.write_text("TRU1,gender\n5,1\n6,3\n", encoding="utf-8")
    with pytest.raises(SurveyDataError, match="no value label") as err:
        ls.read_survey(path, cb)
    assert err.value.found == "3"


def test_file_labels_that_miss_values_keep_the_codes(tmp_path):
    frame = survey_frame(100)
    frame["age"] = np.arange(100) % 40 + 18.0
    frame.loc[3, "age"] = 99.0
    path = tmp_path / "age.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"age": {99: "refused"}})
    cb = Codebook.from_dict(
        {
            "items": [{"item": i, "construct": i[:3], "min": 1, "max": 7} for i in ITEMS],
            "columns": {"gender": "group", "wave": "covariate", "age": "covariate"},
        }
    )
    s = ls.read_survey(path, cb)
    assert "age" not in s.value_labels
    assert s.covariates["age"].iloc[3] == 99
    log = s.log_frame()
    entry = log[(log["step"] == "value-labels") & (log["column"] == "age")].iloc[0]
    assert entry["count"] == 99 and "keeps its codes" in entry["detail"]


def test_labels_on_an_item_or_unknown_column_are_a_codebook_error():
    with pytest.raises(CodebookError, match="not a group or covariate column"):
        Codebook.from_dict(
            {
                "items": [{"item": "TRU1", "construct": "TRU", "min": 1, "max": 7}],
                "columns": {"id": "id"},
                "value_labels": {"id": {"1": "a"}},
            }
        )
    with pytest.raises(CodebookError, match="same label"):
        Codebook.from_dict(
            {
                "items": [{"item": "TRU1", "construct": "TRU", "min": 1, "max": 7}],
                "columns": {"g": "group"},
                "value_labels": {"g": {"1": "A", "2": " a "}},
            }
        )


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.sampled_from([1, 2, 3]) | st.none(), min_size=1, max_size=30),
    names=st.lists(st.text(min_size=1, max_size=4).filter(str.strip), min_size=3, max_size=3),
)
def test_labelled_group_column_property(codes, names):
    # any codes of a labelled group column: labels in code order, one per code, missing kept
    if len({n.strip().casefold() for n in names}) < 3 or any("=" in n or ";" in n for n in names):
        return
    labels = dict(zip([1, 2, 3], [n.strip() for n in names], strict=True))
    cb = Codebook.from_dict(
        {
            "items": [{"item": "x", "construct": "X", "min": 1, "max": 7}],
            "columns": {"g": "group"},
            "value_labels": {"g": {str(k): v for k, v in labels.items()}},
        }
    )
    frame = pd.DataFrame({"x": [4] * len(codes), "g": codes}, dtype=object)
    s = Survey.from_frame(frame, cb)
    assert s.value_labels == {"g": labels}
    col = s.labelled_covariates["g"]
    assert list(col.cat.categories) == [labels[k] for k in (1, 2, 3)]
    for code, shown in zip(codes, col.tolist(), strict=True):
        assert pd.isna(shown) if code is None else shown == labels[code]
    back = labelled_column(s.covariates["g"], labels)
    assert back.equals(col)
