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


@pytest.mark.parametrize("name", REAL)
def test_packaged_file_has_the_recorded_sha256(name):
    provenance = (dataset_path("mobi").parent / "PROVENANCE.md").read_text(encoding="utf-8")
    section = provenance.split(f"## {dataset_path(name).name} (real)")[1].split("\n## ")[0]
    recorded = re.search(r"SHA-256:\*\* `([0-9a-f]{64})`", section).group(1)
    assert hashlib.sha256(dataset_path(name).read_bytes()).hexdigest() == recorded


@pytest.mark.parametrize(
    ("loader", "name", "rows", "items"),
    [
        (load_mobi, "mobi", 250, 24),
        (load_holzinger_swineford, "holzinger_swineford", 301, 9),
        (load_political_democracy, "political_democracy", 75, 11),
        (load_corp_rep, "corp_rep", 344, 39),
    ],
)
def test_real_data_load_unchanged_through_their_codebooks(loader, name, rows, items):
    survey = loader()
    frame = load_frame(name)
    assert survey.n == rows == len(frame)
    assert len(survey.items) == items
    raw = frame[survey.items].to_numpy(dtype=float)
    raw[raw == -99] = np.nan
    np.testing.assert_array_equal(survey.data.to_numpy(), raw)


def test_corp_rep_minus_99_becomes_missing_and_is_counted():
    survey = load_corp_rep()
    frame = load_frame("corp_rep")
    expected = (frame == -99).sum()
    assert expected[expected > 0].to_dict() == {
        "cusl_1": 3, "cusl_2": 4, "cusl_3": 3, "cusa": 1,
        "age": 1, "education": 9, "occupation": 45, "nphh": 4,
    }  # fmt: skip
    for column, count in expected[expected > 0].items():
        part = survey.data if column in survey.items else survey.covariates
        assert int(part[column].isna().sum()) == count
        logged = survey.log_frame().query("step == 'missing-code' and column == @column")
        assert int(logged["count"].sum()) == count
    assert int((frame == -99).any(axis=1).sum()) == 58


def test_holzinger_swineford_constructs_and_covariates():
    survey = load_holzinger_swineford()
    assert survey.constructs == {
        "visual": ["x1", "x2", "x3"],
        "textual": ["x4", "x5", "x6"],
        "speed": ["x7", "x8", "x9"],
    }
    counts = survey.covariates["school"].value_counts().to_dict()
    assert counts == {"Pasteur": 156, "Grant-White": 145}
    assert int(survey.covariates["grade"].isna().sum()) == 1


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


def test_list_datasets_matches_the_files():
    table = list_datasets()
    assert table["name"].tolist() == ["ecommerce", *REAL]
    for row in table.itertuples():
        frame = load_frame(row.name)
        assert frame.shape == (row.rows, row.columns)
        assert row.citation and row.licence
        assert dataset_path(row.name, "codebook").exists()


def test_unknown_names_get_a_close_match():
    with pytest.raises(SurveyDataError, match="holzinger_swineford"):
        dataset_path("holzinger")
    with pytest.raises(SurveyDataError, match="codebook"):
        dataset_path("mobi", kind="codes")
    with pytest.raises(SurveyDataError, match="wave"):
        load_ecommerce(wave=7)


def test_frames_are_plain_pandas():
    frame = load_frame("mobi")
    assert isinstance(frame, pd.DataFrame) and frame.shape == (250, 24)
