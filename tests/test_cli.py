"""The command line: the README's demo, screening and fitting, exit codes 0 / 2."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from _csv_roundtrip import assert_reads_back, record_csv_writes

from loyaltysem.cli import main
from loyaltysem.datasets import dataset_path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        written = record_csv_writes(mp)
        assert main(["demo", "--out", str(out)]) == 0
    return out, written


@pytest.fixture(scope="module")
def demo_dir(demo_run):
    return demo_run[0]


def test_every_demo_csv_reads_back_with_pandas_to_the_same_values(demo_run):
    out, written = demo_run
    csvs = sorted(p.name for p in out.glob("*.csv"))
    assert sorted(p.name for p, _, _ in written) == csvs and len(csvs) >= 35
    for path, frame, index in written:
        assert_reads_back(path, frame, index)
    est = pd.read_csv(out / "sem_estimates.csv")
    assert (est["op"] == "=~").sum() == 29 and (est["op"] == "~").sum() == 9
    inv = pd.read_csv(out / "invariance_metric_estimates.csv")
    assert (inv["op"] == "=~").sum() == 3 * 29


def test_demo_writes_screening_and_sem_tables(demo_dir):
    names = {p.name for p in demo_dir.iterdir()}
    expected = {
        "screening_items.csv", "screening_careless.csv", "screening_outliers.csv",
        "screening_mardia.csv", "exclusions.csv", "cleaned_exclusions.csv", "survey_log.csv",
        "screening_summary.txt", "sem_estimates.csv", "sem_fit_measures.csv", "sem_r2.csv",
        "sem_residuals_cor.csv", "sem_modification_indices.csv", "sem_summary.txt",
        "validation_reliability.csv", "validation_items.csv", "validation_htmt.csv",
        "validation_htmt_inference.csv", "validation_fornell_larcker.csv",
        "validation_verdicts.csv", "validation_removal.csv", "validation_summary.txt",
        "validation_efa_loadings.csv", "validation_efa_kmo.csv", "validation_efa_factors.csv",
        "estimator_items.csv", "estimator_recommendation.txt",
        "missing_patterns.csv", "missing_coverage.csv", "sem_effects.csv", "sem_mediation.csv",
        "invariance_table.csv", "invariance_summary.txt", "invariance_partial.csv",
        "invariance_configural_estimates.csv", "invariance_strict_estimates.csv",
    }  # fmt: skip
    assert expected <= names
    assert not [n for n in names if n.endswith(".tmp")]


def test_demo_sem_tables_are_full_precision_with_indirect_effects(demo_dir):
    est = pd.read_csv(demo_dir / "sem_estimates.csv")
    defined = est[est["op"] == ":="]
    assert "ind_REP_TRU" in set(defined["lhs"])
    assert (defined["se"] > 0).all()
    fm = pd.read_csv(demo_dir / "sem_fit_measures.csv", index_col=0)["value"]
    assert fm["df"] > 0 and 0 <= fm["cfi"] <= 1
    # exported at full precision, not rounded to the 3 decimals of the summary
    assert (est["est"].round(3) != est["est"]).any()


def test_written_files_are_readable_by_others(demo_dir):
    mode = stat.S_IMODE(os.stat(demo_dir / "sem_estimates.csv").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_screen_bad_codebook_is_exit_2_without_traceback(tmp_path, capsys):
    data = tmp_path / "r.csv"
    data.write_text("TRU1,TRU2\n1,2\n", encoding="utf-8")
    cb = tmp_path / "cb.csv"
    cb.write_text("item,construct,min,max,reverse\nTRU1,TRU,1,7,maybe\nTRU2,TRU,1,7,no\n")
    assert main(["screen", str(data), "--codebook", str(cb)]) == 2
    err = capsys.readouterr().err
    assert "reverse" in err and "maybe" in err and "Traceback" not in err


def test_fit_with_a_model_file(tmp_path, capsys):
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n", encoding="utf-8")
    code = main(
        [
            "fit", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--model", str(model), "--out", str(tmp_path / "out"),
        ]
    )  # fmt: skip
    assert code == 0
    fm = pd.read_csv(tmp_path / "out" / "sem_fit_measures.csv", index_col=0)["value"]
    assert int(fm["df"]) == 8
    assert "Latent variables" in capsys.readouterr().out


def test_fit_with_a_bad_model_is_exit_2_naming_the_line(tmp_path, capsys):
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x66\n", encoding="utf-8")
    code = main(
        [
            "fit", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--model", str(model),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "x66" in err


def test_fit_missing_model_file_is_exit_2(tmp_path, capsys):
    code = main(
        [
            "fit", str(dataset_path("mobi")), "--codebook", str(dataset_path("mobi", "codebook")),
            "--model", str(tmp_path / "nope.lav"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_demo_validation_tables(demo_dir):
    rel = pd.read_csv(demo_dir / "validation_reliability.csv", index_col=0)
    assert list(rel.index) == ["REP", "SEC", "SQ", "PQ", "PRI", "ASS", "TRU", "SAT", "LOY"]
    assert (rel["alpha"] > 0.7).all()
    verdicts = pd.read_csv(demo_dir / "validation_verdicts.csv")
    assert {"criterion", "threshold", "met", "source"} <= set(verdicts.columns)
    efa = pd.read_csv(demo_dir / "validation_efa_loadings.csv", index_col=0)
    assert efa.shape == (29, 9 + 3)  # nine factors, h2, u2, com
    assert_allclose(efa["h2"] + efa["u2"], 1.0, atol=1e-12)
    kmo = pd.read_csv(demo_dir / "validation_efa_kmo.csv", index_col=0)
    assert 0.6 < kmo.loc["overall", "msa"] < 1


def test_demo_says_which_estimator_and_why(demo_dir):
    text = (demo_dir / "estimator_recommendation.txt").read_text(encoding="utf-8")
    assert "estimator = 'MLR', missing = 'ml'" in text
    assert "full-information ML" in text and "Mardia" in text
    items = pd.read_csv(demo_dir / "estimator_items.csv", index_col=0)
    assert len(items) == 29 and (items["categories"] == 7).all()


def test_demo_missing_patterns_count_every_respondent(demo_dir):
    patterns = pd.read_csv(demo_dir / "missing_patterns.csv", index_col=0)
    exclusions = pd.read_csv(demo_dir / "cleaned_exclusions.csv")
    # every respondent kept by the screening policy is in exactly one pattern
    assert patterns["n"].sum() == 1225 - len(exclusions)
    complete = patterns[patterns["n_missing"] == 0]
    assert len(complete) == 1 and complete.index[0] == 1  # most frequent first


def test_demo_effects_and_mediation(demo_dir):
    eff = pd.read_csv(demo_dir / "sem_effects.csv")
    est = pd.read_csv(demo_dir / "sem_estimates.csv")
    total_tru = est[(est["op"] == ":=") & (est["lhs"] == "total_TRU")]["est"].iloc[0]
    row = eff[(eff["source"] == "TRU") & (eff["target"] == "LOY") & (eff["kind"] == "total")]
    assert_allclose(row["est"].iloc[0], total_tru, rtol=1e-12)
    med = pd.read_csv(demo_dir / "sem_mediation.csv").set_index(["source", "target"])
    assert med.loc[("TRU", "LOY"), "type"] == "complementary"


def test_validate_command_ordinal(tmp_path, capsys):
    # Holzinger-Swineford cut into quintile categories (make_validity_ordinal.R's rule)
    raw = pd.read_csv(dataset_path("holzinger_swineford"))
    for i in range(1, 10):
        v = raw[f"x{i}"].to_numpy()
        breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))
        raw[f"x{i}"] = np.clip(np.searchsorted(breaks, v, side="left"), 1, 5)
    path = tmp_path / "hs5.csv"
    raw.to_csv(path, index=False)
    code = main(
        [
            "validate", str(path),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--ordinal", "--n-boot", "0", "--out", str(tmp_path / "v"),
        ]
    )  # fmt: skip
    assert code == 0
    fx = json.loads(
        (
            Path(__file__).parent
            / "fixtures"
            / "validity"
            / "ordinal_holzinger_swineford_cut5.json"
        ).read_text(encoding="utf-8")
    )
    rel = pd.read_csv(tmp_path / "v" / "validation_reliability.csv", index_col=0)
    assert_allclose(rel["omega"], pd.Series(fx["omega"]).reindex(rel.index), atol=1e-4)
    poly = pd.read_csv(tmp_path / "v" / "validation_polychoric.csv", index_col=0)
    assert list(poly.index) == [f"x{i}" for i in range(1, 10)]
    assert "WLSMV" in capsys.readouterr().out


def test_validate_command(tmp_path, capsys):
    code = main(
        [
            "validate", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--n-boot", "100", "--seed", "3", "--out", str(tmp_path / "v"),
        ]
    )  # fmt: skip
    assert code == 0
    rel = pd.read_csv(tmp_path / "v" / "validation_reliability.csv", index_col=0)
    assert list(rel.index) == ["visual", "textual", "speed"]
    assert "Measurement report" in capsys.readouterr().out


def test_demo_tests_invariance_across_waves_and_finds_the_drifted_item(demo_dir):
    # wave 3 of the bundled survey drifts on LOY1, TRU2 and SAT3 (scripts/make_ecommerce.py)
    table = pd.read_csv(demo_dir / "invariance_table.csv", index_col=0)
    assert list(table.index) == ["configural", "metric", "scalar", "strict"]
    assert (table["status"] == "fitted").all()
    partial = pd.read_csv(demo_dir / "invariance_partial.csv")
    metric = partial[partial["level"] == "metric"]
    assert metric["freed"].iloc[0] == "LOY =~ LOY1"
    assert set(metric["freed"]) == {"LOY =~ LOY1", "TRU =~ TRU2", "SAT =~ SAT3"}
    assert (metric["group"] == 3).all()
    assert table.loc["metric", "decision"] == "partially supported"


def test_invariance_command_gives_the_ladder(tmp_path, capsys):
    ladder = json.loads(
        (Path(__file__).parent / "fixtures" / "groups" / "ladder_hs.json").read_text(
            encoding="utf-8"
        )
    )
    model = tmp_path / "cfa.lav"
    model.write_text(ladder["provenance"]["model_syntax"], encoding="utf-8")
    out = tmp_path / "inv"
    code = main(
        [
            "invariance", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--group", "school", "--model", str(model), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "invariance_table.csv", index_col=0)
    for level in ladder["levels"]:
        assert_allclose(
            table.loc[level, "chisq"], ladder["fit_measures"][level]["chisq"], rtol=1e-4
        )
    assert "Invariance ladder" in capsys.readouterr().out
    assert main(
        [
            "invariance", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--group", "class",
        ]
    ) == 2  # fmt: skip
    assert "grouping column" in capsys.readouterr().err


def test_invariance_command_ordinal(tmp_path):
    out = tmp_path / "inv"
    code = main(
        [
            "invariance", str(dataset_path("ecommerce")),
            "--codebook", str(dataset_path("ecommerce", "codebook")),
            "--group", "wave", "--ordered", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "invariance_table.csv", index_col=0)
    assert list(table.index) == ["configural", "thresholds", "scalar"]
    assert (table["status"] == "fitted").all()
    assert table.loc["scalar", "compared_with"] == "thresholds"


def test_invariance_command_fiml(tmp_path):
    out = tmp_path / "inv"
    code = main(
        [
            "invariance", str(dataset_path("ecommerce")),
            "--codebook", str(dataset_path("ecommerce", "codebook")),
            "--group", "wave", "--estimator", "MLR", "--missing", "ml", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    fits = pd.read_csv(out / "invariance_configural_estimates.csv")
    assert set(fits["group"]) >= {1, 2, 3}
    table = pd.read_csv(out / "invariance_table.csv", index_col=0)
    assert (table["status"] == "fitted").all()
    # the codebook's nine constructs: lavaan's FIML/MLR ladder (tests/reference/make_groups.R)
    ladder = json.loads(
        (
            Path(__file__).parent / "fixtures" / "groups" / "ladder_ecommerce_fiml_mlr.json"
        ).read_text(encoding="utf-8")
    )
    for level in ladder["levels"]:
        expected = ladder["fit_measures"][level]["chisq.scaled"]
        assert_allclose(table.loc[level, "chisq"], expected, rtol=1e-4)
    summary = (out / "invariance_summary.txt").read_text(encoding="utf-8")
    assert "Invariance ladder" in summary
