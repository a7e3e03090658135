"""The command line: the README's demo, screening and fitting, exit codes 0 / 2."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _csv_roundtrip import assert_reads_back, record_csv_writes
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from loyaltysem.cli import CLI_OPTIONS, main
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
    for path, frame, index in written:  # written in the staging folder, read in --out
        assert_reads_back(out / path.name, frame, index)
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
        "report.html", "report.docx", "report.xlsx", "report.md",
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


def test_fit_with_an_unidentified_model_is_exit_2_naming_the_file(tmp_path, capsys):
    # hypothesis found it: df < 0 named no place under the CLI
    model = tmp_path / "m.lav"
    model.write_text("visual =~ a*x1 + x2\n", encoding="utf-8")
    code = main(
        [
            "fit", str(dataset_path("holzinger_swineford")),
            "--codebook", str(dataset_path("holzinger_swineford", "codebook")),
            "--model", str(model), "--out", str(tmp_path / "out"),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "df < 0" in err and str(model) in err
    assert not (tmp_path / "out").exists()


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


# --- the command line does what the API does ---------------------------------------------

HS = str(dataset_path("holzinger_swineford"))
HS_CB = str(dataset_path("holzinger_swineford", "codebook"))
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
ECOM = str(dataset_path("ecommerce"))
ECOM_CB = str(dataset_path("ecommerce", "codebook"))
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def hs_model(tmp_path):
    path = tmp_path / "hs.lav"
    path.write_text(HS_MODEL, encoding="utf-8")
    return str(path)


def test_fit_without_model_is_exit_2_naming_the_choices(capsys):
    assert main(["fit", HS, "--codebook", HS_CB]) == 2
    err = capsys.readouterr().err
    assert "no model given" in err
    assert "--model default" in err and "--model rival" in err and "--model FILE" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "api"),
    [
        ([], {}),
        (["--estimator", "MLR"], {"estimator": "MLR"}),
        (["--estimator", "MLM", "--std-lv"], {"estimator": "MLM", "std_lv": True}),
        (["--missing", "ml"], {"missing": "ml"}),
    ],
)
def test_fit_options_give_the_api_numbers(tmp_path, hs_model, options, api):
    import loyaltysem as ls

    out = tmp_path / "out"
    assert main(["fit", HS, "--codebook", HS_CB, "--model", hs_model, *options,
                 "--out", str(out)]) == 0  # fmt: skip
    expected = ls.fit(HS_MODEL, ls.read_survey(HS, HS_CB), **api)
    est = pd.read_csv(out / "sem_estimates.csv")
    np.testing.assert_array_equal(est["est"], expected.estimates["est"])
    np.testing.assert_array_equal(est["se"], expected.estimates["se"])
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    assert list(fm.index) == list(expected.fit_measures.index)
    np.testing.assert_array_equal(fm.to_numpy(), expected.fit_measures.to_numpy())


def test_fit_group_equal_gives_lavaans_metric_mlr_model(tmp_path, hs_model):
    # lavaan: cfa(model, hs, group = "school", group.equal = "loadings", estimator = "MLR")
    fx = json.loads((FIXTURES / "groups" / "hs_metric_mlr.json").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    code = main(["fit", HS, "--codebook", HS_CB, "--model", hs_model, "--group", "school",
                 "--group-equal", "loadings", "--estimator", "MLR", "--out", str(out)])  # fmt: skip
    assert code == 0
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    for key in ("chisq", "chisq.scaled", "df", "cfi.robust", "rmsea.robust", "srmr"):
        assert_allclose(fm[key], fx["fit_measures"][key], rtol=1e-4, atol=1e-4)
    est = pd.read_csv(out / "sem_estimates.csv")
    assert set(est["group_label"]) == {"Pasteur", "Grant-White"}
    res = pd.read_csv(out / "sem_residuals_cor.csv")
    assert set(res["group_label"]) == {"Pasteur", "Grant-White"} and len(res) == 2 * 9


def test_fit_ordered_items_as_the_api(tmp_path):
    import loyaltysem as ls

    model = tmp_path / "m.lav"
    model.write_text("TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3\n", encoding="utf-8")
    survey = ls.read_survey(ECOM, ECOM_CB)
    text = model.read_text(encoding="utf-8")
    for options, api in [
        (["--ordered"], {"ordered": True}),
        (["--ordered", "TRU1,TRU2,TRU3,SAT1,SAT2,SAT3", "--estimator", "ULSMV"],
         {"ordered": ["TRU1", "TRU2", "TRU3", "SAT1", "SAT2", "SAT3"], "estimator": "ULSMV"}),
    ]:  # fmt: skip
        out = tmp_path / "-".join(options)[:20]
        code = main(["fit", ECOM, "--codebook", ECOM_CB, "--model", str(model), *options,
                     "--out", str(out)])  # fmt: skip
        assert code == 0
        expected = ls.fit(text, survey, **api)
        est = pd.read_csv(out / "sem_estimates.csv")
        assert (est["op"] == "|").sum() == 6 * 6  # six thresholds of each 7-point item
        np.testing.assert_array_equal(est["est"], expected.estimates["est"])
        fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
        assert fm["chisq.scaled"] == expected.fit_measures["chisq.scaled"]


def test_fit_bootstrap_writes_the_apis_bootstrap(tmp_path, hs_model, capsys):
    import loyaltysem as ls

    out = tmp_path / "out"
    code = main(["fit", HS, "--codebook", HS_CB, "--model", hs_model, "--bootstrap", "40",
                 "--seed", "7", "--ci", "bc", "--out", str(out)])  # fmt: skip
    assert code == 0
    result = ls.fit(HS_MODEL, ls.read_survey(HS, HS_CB))
    boot = ls.bootstrap(result, 40, data=ls.read_survey(HS, HS_CB), ci="bc", random_state=7)
    table = pd.read_csv(out / "sem_bootstrap.csv")
    np.testing.assert_array_equal(table["boot_se"], boot.estimates["boot_se"])
    np.testing.assert_array_equal(table["ci_lower"], boot.estimates["ci_lower"])
    assert (table["boot_se"].dropna() > 0).all()
    assert "random_state: 7" in (out / "sem_bootstrap_summary.txt").read_text(encoding="utf-8")
    assert "bootstrap" in capsys.readouterr().out


def test_fit_clean_removes_careless_respondents_as_survey_clean(tmp_path, capsys):
    import loyaltysem as ls

    out = tmp_path / "out"
    code = main(["fit", ECOM, "--codebook", ECOM_CB, "--model", "default", "--clean",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    survey = ls.read_survey(ECOM, ECOM_CB)
    cleaned = survey.clean()
    excluded = pd.read_csv(out / "cleaned_exclusions.csv")
    assert len(excluded) == len(cleaned.exclusions) == survey.n - cleaned.n > 0
    text = capsys.readouterr().out
    assert f"after screening policy: {cleaned.n} ({len(cleaned.exclusions)} excluded" in text
    assert "the bundled default e-commerce model" in text
    expected = ls.fit(ls.DEFAULT_MODEL, cleaned)
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    assert fm["ntotal"] == cleaned.n - expected.provenance.n_excluded
    assert fm["chisq"] == expected.fit_measures["chisq"]


@pytest.mark.parametrize(
    ("option", "value", "names"),
    [
        ("--estimator", "GLS", "MLR"),
        ("--missing", "fiml", "ml.x"),
        ("--group-equal", "loading", "loadings"),
        ("--bootstrap", "0", "positive"),
        ("--ci", "bootstrap", "percentile"),
        ("--unknown-columns", "drop", "ignore"),
        ("--invalid", "skip", "missing"),
        ("--parameterization", "gamma", "theta"),
    ],
)
def test_bad_option_values_are_exit_2_naming_the_option_and_the_choices(
    option, value, names, capsys
):
    argv = ["fit", HS, "--codebook", HS_CB, "--model", "default", option, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and value in err and names in err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--group-equal", "loadings"], "need --group"),
        (["--group", "school", "--group-partial", "visual =~ x2"], "give --group-equal"),
        (["--seed", "3"], "give --bootstrap"),
    ],
)
def test_options_that_need_another_option_are_exit_2(extra, says, capsys):
    assert main(["fit", HS, "--codebook", HS_CB, "--model", "default", *extra]) == 2
    assert says in capsys.readouterr().err


def test_every_option_has_help_text():
    import argparse

    from loyaltysem.cli import _parser

    def walk(parser, path):
        for action in parser._actions:
            if action.dest == "help" or (path == "" and action.dest == "command"):
                if isinstance(action, argparse._SubParsersAction):
                    for name, command in action.choices.items():
                        yield from walk(command, name)
                continue
            yield path, action
            if isinstance(action, argparse._SubParsersAction):  # nested: codebook draft
                for name, command in action.choices.items():
                    yield from walk(command, f"{path} {name}")

    checked = 0
    for path, action in walk(_parser(), ""):
        if path == "":
            continue  # --version
        assert action.help, f"{path} {action.option_strings or action.dest}: no help"
        checked += 1
    assert checked > 60


def _survey_with_extra_column(tmp_path, bad_value=False):
    frame = pd.read_csv(HS)
    frame["note"] = "x"
    if bad_value:
        frame = frame.drop(columns="note")
        frame["x1"] = frame["x1"].astype(object)
        frame.loc[4, "x1"] = "abc"
    path = tmp_path / "hs_extra.csv"
    frame.to_csv(path, index=False)
    return str(path)


COMMANDS = {
    "screen": [],
    "validate": ["--n-boot", "0"],
    "fit": ["--model", "default"],
    "invariance": ["--group", "school"],
    "analyze": ["--model", "default", "--out", "unused"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unknown_columns_error_says_the_option_to_type(command, tmp_path, capsys):
    path = _survey_with_extra_column(tmp_path)
    assert main([command, path, "--codebook", HS_CB, *COMMANDS[command]]) == 2
    err = capsys.readouterr().err
    assert "'note'" in err
    assert "use --unknown-columns keep or ignore" in err and "unknown_columns=" not in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_invalid_answer_error_says_the_option_to_type(command, tmp_path, capsys):
    path = _survey_with_extra_column(tmp_path, bad_value=True)
    assert main([command, path, "--codebook", HS_CB, *COMMANDS[command]]) == 2
    err = capsys.readouterr().err
    assert "'x1'" in err and "abc" in err
    assert "--invalid missing" in err and "invalid=" not in err


def test_unknown_columns_and_invalid_options_are_honoured(tmp_path, hs_model, capsys):
    path = _survey_with_extra_column(tmp_path)
    assert main(["screen", path, "--codebook", HS_CB, "--unknown-columns", "ignore"]) == 0
    bad = _survey_with_extra_column(tmp_path, bad_value=True)
    out = tmp_path / "fit"
    code = main(["fit", bad, "--codebook", HS_CB, "--model", hs_model, "--invalid", "missing",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    assert fm["ntotal"] == 300  # the cell set missing, its respondent dropped listwise
    assert "1 invalid answer set missing (--invalid missing)" in capsys.readouterr().out


def test_analyze_runs_the_demo_chain_on_a_users_file(tmp_path, hs_model, capsys):
    import loyaltysem as ls

    out = tmp_path / "analysis"
    code = main(["analyze", HS, "--codebook", HS_CB, "--model", hs_model, "--group", "school",
                 "--n-boot", "0", "--out", str(out)])  # fmt: skip
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "screening_items.csv", "cleaned_exclusions.csv", "validation_reliability.csv",
        "estimator_recommendation.txt", "missing_patterns.csv", "sem_estimates.csv",
        "sem_fit_measures.csv", "invariance_table.csv", "invariance_summary.txt",
    } <= names  # fmt: skip
    survey = ls.read_survey(HS, HS_CB)
    cleaned = survey.clean()
    rec = ls.recommend_estimator(cleaned)
    expected = ls.fit(HS_MODEL, cleaned, **rec.fit_kwargs)
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    assert fm["chisq"] == expected.fit_measures["chisq"]
    table = pd.read_csv(out / "invariance_table.csv", index_col=0)
    assert list(table.index) == ["configural", "metric", "scalar", "strict"]
    text = capsys.readouterr().out
    assert f"the model in {hs_model}" in text and "measurement invariance across 'school'" in text


def test_analyze_without_model_is_exit_2(tmp_path, capsys):
    assert main(["analyze", HS, "--codebook", HS_CB, "--out", str(tmp_path / "a")]) == 2
    assert "--model default" in capsys.readouterr().err


def test_version_is_fast_and_imports_nothing_heavy():
    import subprocess
    import sys
    import time

    import loyaltysem

    src = str(Path(loyaltysem.__file__).resolve().parents[1])
    code = (
        "import sys\n"
        "from loyaltysem.cli import main\n"
        "rc = main(['--version'])\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules), rc)\n"
    )
    env = {**os.environ, "PYTHONPATH": src}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    elapsed = time.perf_counter() - start
    assert done.stdout.splitlines() == [f"loyaltysem {loyaltysem.__version__}", "[] 0"]
    assert elapsed < 3.0  # ~0.1-0.25 s measured; importing pandas and scipy took 1.3 s


@pytest.mark.parametrize(
    ("api", "cli"),
    [
        ("pass invalid='missing' to set such cells to missing",
         "use --invalid missing to set such cells to missing"),
        ("add them to the codebook, or pass unknown_columns='keep' or 'ignore'",
         "add them to the codebook, or use --unknown-columns keep or ignore"),
        ("re-export as UTF-8 CSV, or pass encoding= (e.g. 'cp1252', 'big5')",
         "re-export as UTF-8 CSV, or use --encoding (e.g. 'cp1252', 'big5')"),
        ("pass sheet= with one of those names", "use --sheet with one of those names"),
        ("pass ordered=True, or use estimator='ML'/'MLR' (missing='ml' for FIML)",
         "use --ordered, or use --estimator ML/MLR (--missing ml for FIML)"),
        ("missing='listwise', 'pairwise', 'ml' or 'ml.x'",
         "--missing listwise, pairwise, ml or ml.x"),
        ("drop parameterization=, or pass ordered=", "drop --parameterization, or use --ordered"),
        ("pass parameterization='theta' (lavaan parameterization = \"theta\")",
         "use --parameterization theta (lavaan parameterization = \"theta\")"),
        ("pass group='<column>', e.g. group='wave'", "use --group <column>, e.g. --group wave"),
        ("fit(model, survey, group='wave', group_equal=['loadings'])",
         "fit(model, survey, --group wave, --group-equal loadings)"),
        ("pass n_boot=5000", "use --bootstrap 5000"),
        ("max_missing_pct=50 and sample_nobs=N", "max_missing_pct=50 and sample_nobs=N"),
    ],
)  # fmt: skip
def test_api_fixes_in_cli_terms(api, cli):
    from loyaltysem.cli import cli_terms

    assert cli_terms(api) == cli


def _api_fix_texts():
    """Every string literal given as ``fix=`` (or ``expected=``) in the package's sources."""
    import ast

    import loyaltysem

    texts = []
    for path in sorted(Path(loyaltysem.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("fix", "expected"):
                parts = [
                    n.value
                    for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                if parts:
                    texts.append((path.name, "".join(parts)))
    return texts


def test_every_api_fix_with_a_cli_option_is_rewritten():
    import re

    from loyaltysem.cli import CLI_OPTIONS, cli_terms

    keyword = re.compile(r"(?<![\w.])(" + "|".join(CLI_OPTIONS) + r")=(?!=)")
    found = [(name, t) for name, t in _api_fix_texts() if keyword.search(t)]
    assert len(found) >= 10  # the phrases of survey, io, estimation, groups, resampling ...
    for name, text in found:
        rewritten = cli_terms(text)
        assert not keyword.search(rewritten), f"{name}: {text!r} -> {rewritten!r}"
        assert "--" in rewritten


def test_api_error_raised_under_the_cli_names_the_option(hs_model, capsys):
    # WLSMV needs ordinal items: the API's fix says "pass ordered=True, or use estimator=..."
    code = main(["fit", HS, "--codebook", HS_CB, "--model", hs_model, "--estimator", "WLSMV"])
    assert code == 2
    err = capsys.readouterr().err
    fix = err.split("fix: ")[1]
    assert fix.startswith("use --ordered, or use --estimator ML/MLR (--missing ml for FIML)")
    assert "estimator='WLSMV'" in err  # the value found is quoted as it is


_WORDS = st.text(alphabet=st.sampled_from(list("abcxyz019 _.,;=~'\"()[]/-跳过")), max_size=40)
_VALUE = st.text(alphabet=st.sampled_from(list("abcXYZ019._<>-")), min_size=1, max_size=10)


@given(text=_WORDS)
def test_cli_terms_leaves_text_without_api_keywords_alone(text):
    from loyaltysem.cli import cli_terms

    assert cli_terms(text) == text


@given(keyword=st.sampled_from(sorted(CLI_OPTIONS)), value=_VALUE, quote=st.sampled_from("'\""))
def test_cli_terms_rewrites_any_keyword_value(keyword, value, quote):
    from loyaltysem.cli import cli_terms

    text = f"fix: pass {keyword}={quote}{value}{quote} and retry"
    assert cli_terms(text) == f"fix: use {CLI_OPTIONS[keyword]} {value} and retry"


def test_internal_error_is_exit_1_with_a_traceback(monkeypatch, capsys):
    import loyaltysem.cli as cli

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_cmd_screen", broken)
    assert main(["screen", HS, "--codebook", HS_CB]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" in err and "RuntimeError: a bug" in err


def test_help_is_exit_0_and_a_missing_command_exit_2(capsys):
    assert main(["fit", "--help"]) == 0
    assert "--group-equal" in capsys.readouterr().out
    assert main([]) == 2
    assert "required" in capsys.readouterr().err


def test_fit_group_partial_gives_lavaans_partial_scalar_model(tmp_path, hs_model):
    # lavaan: cfa(model, hs, group = "school", group.equal = c("loadings", "intercepts"),
    #             group.partial = c("x3 ~ 1", "x7~1", "visual =~ x2"))
    fx = json.loads((FIXTURES / "groups" / "hs_scalar_partial.json").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    code = main(["fit", HS, "--codebook", HS_CB, "--model", hs_model, "--group", "school",
                 "--group-equal", "loadings,intercepts", "--group-partial", "x3 ~ 1",
                 "--group-partial", "x7~1", "--group-partial", "visual =~ x2",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    fm = pd.read_csv(out / "sem_fit_measures.csv", index_col=0)["value"]
    assert fm["df"] == fx["fit_measures"]["df"] == 57
    assert_allclose(fm["chisq"], fx["fit_measures"]["chisq"], rtol=1e-4)


def test_sheet_and_encoding_options_reach_the_reader(tmp_path, hs_model):
    frame = pd.read_csv(HS)
    xlsx = tmp_path / "hs.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="说明", index=False)
        frame.to_excel(writer, sheet_name="答卷", index=False)
    assert main(["screen", str(xlsx), "--codebook", HS_CB]) == 2  # the cover sheet is read
    assert main(["screen", str(xlsx), "--codebook", HS_CB, "--sheet", "答卷"]) == 0
    gbk = tmp_path / "hs_gbk.csv"
    frame.assign(school=frame["school"].map({"Pasteur": "巴斯德", "Grant-White": "格兰特"})).to_csv(
        gbk, index=False, encoding="gbk"
    )
    out = tmp_path / "out"
    code = main(["fit", str(gbk), "--codebook", HS_CB, "--encoding", "gbk", "--model", hs_model,
                 "--group", "school", "--out", str(out)])  # fmt: skip
    assert code == 0
    est = pd.read_csv(out / "sem_estimates.csv")
    assert set(est["group_label"]) == {"巴斯德", "格兰特"}


def test_an_improper_solution_is_flagged_in_the_outputs_and_on_stderr(tmp_path, capsys):
    # issue 12: `loyaltysem fit` on a Heywood solution exited 0 and no file carried a flag
    rng = np.random.default_rng(3)
    target = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.3], [0.8, 0.3, 1.0]])  # loading of a > 1
    z = rng.standard_normal((200, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T, bias=True)).T)
    data = pd.DataFrame(z @ np.linalg.cholesky(target).T, columns=["a", "b", "c"])
    data.to_csv(tmp_path / "heywood.csv", index=False)
    items = [{"item": v, "construct": "F", "type": "continuous"} for v in "abc"]
    (tmp_path / "cb.json").write_text(json.dumps({"items": items}), encoding="utf-8")
    (tmp_path / "m.lav").write_text("F =~ a + b + c\n", encoding="utf-8")
    out = tmp_path / "sem"
    argv = ["fit", str(tmp_path / "heywood.csv"), "--codebook", str(tmp_path / "cb.json")]
    code = main([*argv, "--model", str(tmp_path / "m.lav"), "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "warning (HeywoodWarning): negative variance estimate (Heywood case): a ~~ a" in err
    status = pd.read_csv(out / "sem_status.csv")
    assert not status["ok"].any()
    admissible = status[status["check"] == "admissible"]
    assert admissible["passed"].tolist() == [False]
    assert admissible["reason"].str.startswith("negative variance estimate").all()
    assert status.loc[status["check"] == "converged", "passed"].tolist() == [True]
    summary = (out / "sem_summary.txt").read_text(encoding="utf-8-sig")
    assert "inadmissible: a ~~ a = " in "\n".join(summary.splitlines()[:4])


def test_demo_writes_the_report_with_every_section(demo_dir):
    page = (demo_dir / "report.html").read_text(encoding="utf-8")
    for key in ("methods", "screening", "validation", "model", "effects", "invariance"):
        assert f'<section id="{key}">' in page
    assert "<svg" in page
    fm = pd.read_csv(demo_dir / "sem_fit_measures.csv", index_col=0)["value"]
    md = (demo_dir / "report.md").read_text(encoding="utf-8")
    chisq = f"{fm['chisq.scaled']:.2f}"  # the demo's fit is MLR: the scaled χ²
    assert f"| Model | {chisq} | {int(fm['df'])} |" in md
