"""Issue 11 as a user meets it: a platform export, a drafted codebook, the CLI, a thesis chain.

Each export in ``tests/data/exports/`` (written by ``scripts/make_exports.py``) goes from
``loyaltysem codebook draft`` to screening and a fitted model through the command line, with
no editing beyond what a user does to the drafted codebook (item codes, constructs, the
reverse-keyed item, gender as a group). The planted careless respondents are the known
answer: 9 straight-liners and 5 speeders, and no ordinary respondent flagged.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_platforms import EXPORTS, MX, edited

from loyaltysem import CodebookDraft, draft_codebook, read_survey
from loyaltysem.cli import main

STRAIGHTLINERS = [48, 79, 83, 104, 123, 235, 243, 279, 299]
SPEEDERS = list(MX.SPEEDERS)
QUALTRICS_ID = "R_{:04d}6044sim"  # ResponseId as the Qualtrics export writes it


def _as_user_edits_it(name: str, tmp_path) -> tuple[CodebookDraft, object]:
    """``codebook draft`` through the CLI, then the draft edited as a user edits it."""
    draft_path = tmp_path / f"{name}.draft.xlsx"
    assert main(["codebook", "draft", str(EXPORTS / name), "--out", str(draft_path)]) == 0
    assert draft_path.is_file()
    draft = edited(draft_codebook(EXPORTS / name))
    frame = draft.frame.copy()
    gender = frame.index[frame["role"] == "covariate"][0]  # the first demographic: gender
    frame.loc[gender, "role"] = "group"
    draft = CodebookDraft(
        frame=frame,
        layout=draft.layout,
        notes=draft.notes,
        missing_codes=draft.missing_codes,
        source=draft.source,
    )
    path = draft.write(tmp_path / f"{name}.codebook.xlsx")
    return draft, path


def _ids(name: str, numbers: list[int]) -> list[object]:
    return [QUALTRICS_ID.format(n) for n in numbers] if name == "qualtrics.csv" else numbers


@pytest.mark.parametrize("name", list(MX.FILES))
def test_planted_careless_respondents_and_speeders_are_flagged_and_nobody_else(name, tmp_path):
    _, codebook = _as_user_edits_it(name, tmp_path)
    survey = read_survey(EXPORTS / name, codebook)
    assert survey.n == 300
    report = survey.screen()
    flagged = report.exclusions()
    careless = flagged.index[flagged["longstring"] | flagged["irv"]]
    speeders = flagged.index[flagged["speeder"]]
    assert sorted(careless) == sorted(_ids(name, STRAIGHTLINERS))
    assert sorted(speeders) == sorted(_ids(name, SPEEDERS))
    assert len(flagged) == len(STRAIGHTLINERS) + len(SPEEDERS)  # 286 ordinary: none flagged
    cleaned = survey.clean(report)
    assert cleaned.n == 300 - 14 and len(cleaned.exclusions) == 14


@pytest.mark.parametrize("name", ["wjx_text.xlsx", "tencent.csv", "qualtrics.csv", "spss.sav"])
def test_the_cli_fits_the_default_model_on_the_export_with_its_drafted_codebook(name, tmp_path):
    _, codebook = _as_user_edits_it(name, tmp_path)
    out = tmp_path / "sem"
    argv = [
        "fit",
        str(EXPORTS / name),
        "--codebook",
        str(codebook),
        "--model",
        "default",
        "--clean",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    estimates = pd.read_csv(out / "sem_estimates.csv")
    regressions = estimates[estimates["op"] == "~"]
    assert len(regressions) == 9  # TRU ~ 3, SAT ~ 4, LOY ~ 2
    excluded = pd.read_csv(out / "cleaned_exclusions.csv")
    assert len(excluded) == 14


def test_analyze_runs_the_demo_chain_on_a_wjx_export_by_gender(tmp_path):
    _, codebook = _as_user_edits_it("wjx_text.csv", tmp_path)
    out = tmp_path / "chain"
    argv = ["analyze", str(EXPORTS / "wjx_text.csv"), "--codebook", str(codebook)]
    argv += ["--model", "default", "--group", "Q1", "--out", str(out)]
    assert main(argv) == 0
    written = {p.name for p in out.iterdir()}
    for expected in ["screening_careless.csv", "validation_verdicts.csv", "sem_estimates.csv"]:
        assert expected in written, sorted(written)
    times = pd.read_csv(out / "screening_speeders.csv", index_col=0)
    assert len(times) == 300 and sorted(times.index[times["flagged"]]) == SPEEDERS
    excluded = pd.read_csv(out / "cleaned_exclusions.csv", index_col=0)
    assert sorted(excluded.index) == sorted(STRAIGHTLINERS + SPEEDERS)
    ladder = pd.read_csv(out / "invariance_table.csv")
    assert "decision" in ladder.columns and len(ladder) == 4
    # the groups are named by the export's own answers (男, 女), in every table
    configural = pd.read_csv(out / "invariance_configural_estimates.csv")
    assert set(configural["group_label"]) == {"男", "女"}
    summary = (out / "invariance_summary.txt").read_text(encoding="utf-8-sig")
    counts = summary.split("groups: 'Q1' (")[1].split(")")[0]
    sizes = dict(part.split(": ") for part in counts.split(", "))
    assert set(sizes) == {"男", "女"} and sum(map(int, sizes.values())) == 286
