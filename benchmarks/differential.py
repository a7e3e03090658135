"""Differential test against lavaan: random models over real survey data, fitted by both.

Issue 14, item 3 ("converge wherever lavaan converges"). Four families of fits:

``mg_ml``
    multi-group ML (``fit_groups``; lavaan ``sem(group = g, group.equal = ...)``) on
    ``ecommerce.csv`` (by gender, platform or wave), ``HolzingerSwineford1939.csv`` (by
    school), ``corp_rep_data.csv`` and seven of its items with two-indicator factors
    (``tests/data/corp_rep_data_servicetype.csv``) by service type;
``wlsmv``
    single-group WLSMV with every model item ordered (``fit(ordered=...)``; lavaan
    ``sem(ordered = items)``) on ``ecommerce.csv``, ``corp_rep_data.csv`` and
    ``tests/data/corp_rep_data2_items.csv`` (7-point items);
``mg_wlsmv``
    multi-group WLSMV (``fit_groups(ordered=...)``) on the same items by group;
``fiml``
    full-information ML (``fit(missing="ml")``, lavaan ``sem(missing = "ml")``), one
    group or (two cases in five) several, on every row with an answer of the surveys
    with missing answers: ``ecommerce.csv`` and ``corp_rep_data.csv`` (their own
    missing answers) and ``tests/data/corp_rep_data2_mcar.csv`` (about 10 % of the
    cells deleted at random).

Each model is drawn at random (seeded): 2 to 4 factors of the data set's constructs, 2
indicators to all of a construct's, a CFA or a structural model (each later factor
regressed on earlier ones), marker scaling or ``std_lv``, and equality constraints
(``group_equal`` levels across groups; a pair of loadings labelled equal in one group);
a model drawn before is drawn again.
The rows complete on the model's variables (and the group) are fitted on both sides; the
data files are the package's and the tests' copies (provenance in
``src/loyaltysem/data/PROVENANCE.md`` and ``tests/data/README.md``).

A case agrees when both sides refuse it, or both fit it with the same ``converged``
flag and, where both converged, chi-square (and the scaled chi-square of WLSMV) within
``rtol=1e-4``, every free parameter of lavaan's table present in ours with the estimate
within ``atol=1e-4`` and the standard error within ``rtol=1e-3`` (design.md §4).

Run from the repository root (R with lavaan and jsonlite on the PATH)::

    PYTHONPATH=src python benchmarks/differential.py --per-family 60
    PYTHONPATH=src python benchmarks/differential.py \\
        --lavaan .benchmarks/differential/lavaan.json  # reuse lavaan's side of a run

It writes the cases, lavaan's results and a report (``--out``, default
``.benchmarks/differential/``, git-ignored) and prints each disagreement and the
agreement counts per family (measured: docs/estimation.md, "Convergence").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ATOL_EST = 1e-4
RTOL_SE = 1e-3
RTOL_CHISQ = 1e-4


@dataclass(frozen=True)
class DataSet:
    """A survey bundled in the repository, its constructs and grouping columns."""

    path: str
    constructs: dict[str, list[str]]
    groups: tuple[str, ...]
    ordinal: bool
    na: tuple[int, ...] = ()
    missing: bool = False  # has missing answers (a data set of the fiml family)


DATASETS = {
    "ecommerce": DataSet(
        "src/loyaltysem/data/ecommerce.csv",
        {
            "REP": ["REP1", "REP2", "REP3"],
            "SEC": ["SEC1", "SEC2", "SEC3"],
            "SQ": ["SQ1", "SQ2", "SQ3", "SQ4"],
            "PQ": ["PQ1", "PQ2", "PQ3"],
            "PRI": ["PRI1", "PRI2", "PRI3"],
            "TRU": ["TRU1", "TRU2", "TRU3"],
            "SAT": ["SAT1", "SAT2", "SAT3"],
            "LOY": ["LOY1", "LOY2", "LOY3", "LOY4"],
        },
        ("gender", "platform", "wave"),
        ordinal=True,
        na=(-99,),
        missing=True,
    ),
    "hs": DataSet(
        "src/loyaltysem/data/HolzingerSwineford1939.csv",
        {
            "visual": ["x1", "x2", "x3"],
            "textual": ["x4", "x5", "x6"],
            "speed": ["x7", "x8", "x9"],
        },
        ("school",),
        ordinal=False,
    ),
    "corp_rep": DataSet(
        "src/loyaltysem/data/corp_rep_data.csv",
        {
            "COMP": ["comp_1", "comp_2", "comp_3"],
            "LIKE": ["like_1", "like_2", "like_3"],
            "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
            "PERF": ["perf_1", "perf_2", "perf_3", "perf_4", "perf_5"],
            "ATTR": ["attr_1", "attr_2", "attr_3"],
            "CSOR": ["csor_1", "csor_2", "csor_3", "csor_4", "csor_5"],
        },
        ("servicetype",),
        ordinal=True,
        na=(-99,),
        missing=True,
    ),
    "corp_rep_items": DataSet(
        "tests/data/corp_rep_data_servicetype.csv",
        {
            "COMP": ["comp_1", "comp_3"],
            "PERF": ["perf_1", "perf_3", "perf_4"],
            "CUSL": ["cusl_1", "cusl_3"],
        },
        ("servicetype",),
        ordinal=True,
    ),
    "corp_rep2_mcar": DataSet(
        "tests/data/corp_rep_data2_mcar.csv",
        {
            "COMP": ["comp_1", "comp_3"],
            "PERF": ["perf_1", "perf_3", "perf_4"],
            "CUSL": ["cusl_1", "cusl_3"],
        },
        (),
        ordinal=False,
        missing=True,
    ),
    "corp_rep2": DataSet(
        "tests/data/corp_rep_data2_items.csv",
        {
            "COMP": ["comp_1", "comp_3"],
            "PERF": ["perf_1", "perf_3", "perf_4"],
            "CUSL": ["cusl_1", "cusl_3"],
        },
        (),
        ordinal=True,
    ),
}

GROUP_EQUAL = {
    "mg_ml": [
        [],
        ["loadings"],
        ["loadings", "intercepts"],
        ["loadings", "intercepts", "residuals"],
    ],
    "mg_wlsmv": [[], ["loadings"], ["thresholds"], ["thresholds", "loadings"]],
}
GROUP_EQUAL["fiml"] = GROUP_EQUAL["mg_ml"]

#: The families, in the order their cases are drawn (one generator: a family added at
#: the end leaves the cases of those before it as they were).
FAMILIES = ("mg_ml", "wlsmv", "mg_wlsmv", "fiml")


def draw_case(family: str, number: int, rng: np.random.Generator) -> dict[str, Any]:
    """One random model of ``family`` (see the module notes)."""
    names = [
        k
        for k, d in DATASETS.items()
        if (family == "mg_ml" and d.groups)
        or (family == "wlsmv" and d.ordinal)
        or (family == "mg_wlsmv" and d.ordinal and d.groups)
        or (family == "fiml" and d.missing)
    ]
    ds_name = str(rng.choice(names))
    ds = DATASETS[ds_name]
    constructs = list(ds.constructs)
    k = int(rng.integers(2, min(4, len(constructs)) + 1))
    chosen = [constructs[i] for i in sorted(rng.choice(len(constructs), k, replace=False))]
    std_lv = bool(rng.random() < 0.5)
    equal_pair = family == "wlsmv" and rng.random() < 0.3
    lines, columns = [], []
    for j, name in enumerate(chosen):
        items = ds.constructs[name]
        if len(items) == 2 or rng.random() < 0.2:
            size = 2
        else:
            size = int(rng.integers(3, len(items) + 1))
        picked = [items[i] for i in sorted(rng.choice(len(items), size, replace=False))]
        columns += picked
        terms = list(picked)
        if equal_pair and j == 0 and len(picked) >= 3:
            terms[1], terms[2] = f"a*{picked[1]}", f"a*{picked[2]}"
        lines.append(f"{name} =~ " + " + ".join(terms))
    structural = bool(rng.random() < 0.5)
    if structural:
        for j in range(1, k):
            preds = [chosen[i] for i in range(j) if rng.random() < 0.6]
            if j == k - 1 and not any(" ~ " in line for line in lines) and not preds:
                preds = [chosen[j - 1]]
            if preds:
                lines.append(f"{chosen[j]} ~ " + " + ".join(preds))
    group = None
    group_equal: list[str] = []
    grouped = family in ("mg_ml", "mg_wlsmv") or (family == "fiml" and rng.random() < 0.4)
    if grouped and ds.groups:
        group = str(rng.choice(list(ds.groups)))
        options = GROUP_EQUAL[family]
        group_equal = list(options[int(rng.integers(len(options)))])
    return {
        "id": f"{family}_{number:03d}",
        "family": family,
        "dataset": ds_name,
        "data": ds.path,
        "na": list(ds.na),
        "columns": columns,
        "syntax": "\n".join(lines),
        "structural": structural,
        "std_lv": std_lv,
        "group": group,
        "group_equal": group_equal,
        "ordered": family in ("wlsmv", "mg_wlsmv"),
        "missing": "ml" if family == "fiml" else "listwise",
    }


def draw_cases(per_family: int, seed: int) -> list[dict[str, Any]]:
    """``per_family`` random models of each family (one generator, seeded)."""
    rng = np.random.default_rng(seed)
    cases, seen = [], set()
    for family in FAMILIES:
        for i in range(per_family):
            for _ in range(100):  # a model drawn before is drawn again
                case = draw_case(family, i, rng)
                key = json.dumps({k: v for k, v in case.items() if k != "id"}, sort_keys=True)
                if key not in seen:
                    break
            seen.add(key)
            cases.append(case)
    return cases


_FRAMES: dict[str, pd.DataFrame] = {}


def case_data(case: dict[str, Any]) -> pd.DataFrame:
    """The rows complete on the case's variables (and group), as lavaan gets them."""
    if case["data"] not in _FRAMES:
        _FRAMES[case["data"]] = pd.read_csv(ROOT / case["data"], na_values=case["na"])
    keep = case["columns"] + ([case["group"]] if case["group"] else [])
    frame = _FRAMES[case["data"]][keep]
    if case.get("missing") == "ml":  # every row with an answer and its group
        answered = frame[case["columns"]].notna().any(axis=1)
        grouped = frame[case["group"]].notna() if case["group"] else True
        return frame[answered & grouped].reset_index(drop=True)
    return frame.dropna().reset_index(drop=True)


def fit_ours(case: dict[str, Any]) -> dict[str, Any]:
    """Our fit of the case: converged, chi-square(s), the estimates table (or the error)."""
    from loyaltysem import fit, fit_groups

    data = case_data(case)
    ordered = case["columns"] if case["ordered"] else None
    missing = {"missing": "ml"} if case.get("missing") == "ml" else {}
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if case["group"]:
                res = fit_groups(
                    case["syntax"],
                    data,
                    group=case["group"],
                    group_equal=case["group_equal"],
                    std_lv=case["std_lv"],
                    ordered=ordered,
                    **missing,
                )
            else:
                res = fit(case["syntax"], data, ordered=ordered, std_lv=case["std_lv"], **missing)
    except Exception as err:  # every refusal is recorded, typed or not
        return {"ok": False, "error": f"{type(err).__name__}: {err}"}
    seconds = time.perf_counter() - t0
    est = res.estimates.copy()
    if "group" not in est:
        est["group"] = 1
    est["rhs"] = est["rhs"].fillna("").astype(str)
    fm = res.fit_measures
    return {
        "ok": True,
        "converged": bool(res.converged),
        "iterations": int(res.iterations),
        "chisq": float(fm.get("chisq", np.nan)),
        "chisq_scaled": float(fm.get("chisq.scaled", np.nan)),
        "estimates": est[["lhs", "op", "rhs", "group", "est", "se"]],
        "seconds": seconds,
        "warnings": list(res.warnings),
    }


def compare(case: dict[str, Any], lav: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Why the two fits disagree (empty: they agree)."""
    if not lav["ok"] or not ours["ok"]:
        if lav["ok"] == ours["ok"]:
            return []
        return [
            "lavaan refuses: " + str(lav.get("error", ""))[:120]
            if not lav["ok"]
            else "we refuse: " + str(ours.get("error", ""))[:160]
        ]
    why = []
    if bool(lav["converged"]) != ours["converged"]:
        why.append(f"converged: lavaan {lav['converged']}, ours {ours['converged']}")
    if not (lav["converged"] and ours["converged"]):
        return why
    for key in ("chisq", "chisq_scaled"):
        a, b = lav.get(key), ours[key]
        if a is None or (isinstance(a, float) and np.isnan(a)):
            continue
        if not np.isclose(b, a, rtol=RTOL_CHISQ, atol=0):
            why.append(f"{key}: lavaan {a:.6g}, ours {b:.6g}")
    e = lav["estimates"]
    ref = pd.DataFrame({k: np.atleast_1d(e[k]) for k in ("lhs", "op", "rhs", "group", "est", "se")})
    ref["se"] = pd.to_numeric(ref["se"], errors="coerce")
    ref["est"] = pd.to_numeric(ref["est"], errors="coerce")
    ref["rhs"] = ref["rhs"].astype(str)
    key = ["lhs", "op", "rhs", "group"]
    ours_est = ours["estimates"].drop_duplicates(subset=key)
    merged = ref.merge(ours_est, on=key, how="left", suffixes=("_lav", "_ours"))
    missing = merged["est_ours"].isna() & merged["est_lav"].notna()
    if missing.any():
        rows = merged.loc[missing, key].astype(str).agg(" ".join, axis=1).tolist()
        why.append(f"{missing.sum()} free parameters missing in ours: {rows[:3]}")
    m = merged[~missing]
    d_est = np.abs(m["est_ours"] - m["est_lav"])
    if (d_est > ATOL_EST).any():
        worst = d_est.idxmax()
        why.append(
            f"estimates: {int((d_est > ATOL_EST).sum())} beyond 1e-4, worst "
            f"{' '.join(map(str, m.loc[worst, key]))} lavaan {m.loc[worst, 'est_lav']:.6g} "
            f"ours {m.loc[worst, 'est_ours']:.6g}"
        )
    se_l, se_o = m["se_lav"].to_numpy(float), m["se_ours"].to_numpy(float)
    both = np.isfinite(se_l) & np.isfinite(se_o)
    bad_se = (np.isfinite(se_l) != np.isfinite(se_o)) | (
        both & ~np.isclose(se_o, se_l, rtol=RTOL_SE, atol=0)
    )
    if bad_se.any():
        i = int(np.argmax(np.where(both, np.abs(se_o - se_l) / np.abs(se_l + 1e-300), np.inf)))
        why.append(
            f"SEs: {int(bad_se.sum())} beyond rtol 1e-3, worst "
            f"{' '.join(map(str, m.iloc[i][key]))} lavaan {se_l[i]:.6g} ours {se_o[i]:.6g}"
        )
    return why


def run_lavaan(cases: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """lavaan's side: ``tests/reference/differential.R`` over the cases."""
    cases_file, result_file = out / "cases.json", out / "lavaan.json"
    cases_file.write_text(json.dumps(cases, indent=1), encoding="utf-8")
    subprocess.run(
        ["Rscript", "tests/reference/differential.R", str(cases_file), str(result_file)],
        cwd=ROOT,
        check=True,
    )
    return json.loads(result_file.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Draw the cases, fit them on both sides, print the disagreements and counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-family", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--out", type=Path, default=Path(".benchmarks") / "differential")
    parser.add_argument("--lavaan", type=Path, help="lavaan's results of an earlier run")
    parser.add_argument("--only", nargs="*", help="case ids to run")
    args = parser.parse_args(argv)
    cases = draw_cases(args.per_family, args.seed)
    if args.only:
        cases = [c for c in cases if c["id"] in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.lavaan:
        lavaan = json.loads(args.lavaan.read_text(encoding="utf-8"))
    else:
        lavaan = run_lavaan(cases, args.out)
    by_id = {r["id"]: r for r in lavaan["results"]}
    print(f"lavaan {lavaan['provenance']['lavaan_version']}, {len(cases)} cases")
    counts: dict[str, list[int]] = {}
    report = []
    for case in cases:
        lav = by_id.get(case["id"])
        if lav is None:
            continue
        ours = fit_ours(case)
        why = compare(case, lav, ours)
        tally = counts.setdefault(case["family"], [0, 0, 0, 0.0, 0.0])
        tally[0] += 1
        tally[1] += not why
        tally[2] += not lav["ok"] and not ours["ok"]
        if lav["ok"] and ours["ok"]:
            tally[3] += float(lav["seconds"])
            tally[4] += ours["seconds"]
        report.append({"id": case["id"], "agree": not why, "why": why})
        if why:
            print(
                f"\n{case['id']} ({case['dataset']}, std_lv={case['std_lv']}, "
                f"group={case['group']}, equal={case['group_equal']}):"
            )
            print("  " + case["syntax"].replace("\n", "\n  "))
            for w in why:
                print("  -> " + w)
    print()
    for family, (n, agree, refused, t_lav, t_ours) in counts.items():
        print(
            f"{family:9s} {agree}/{n} agree ({refused} refused by both); fit time of the "
            f"fitted ones: lavaan {t_lav:.1f} s, ours {t_ours:.1f} s"
        )
    (args.out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
