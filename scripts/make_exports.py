"""Write the survey-platform test exports in ``tests/data/exports/``.

One simulated survey (the default e-commerce instrument, 29 items in nine constructs,
:func:`loyaltysem.planning.simulation.simulate_survey` with a fixed seed) is written in the
layouts of 问卷星 (text download as .xlsx and GB18030 .csv; numeric download as .csv),
腾讯问卷 (.csv), Qualtrics (.csv with its three header rows) and SPSS (.sav with
variable and value labels). Straight-liners and speeders are planted: their
respondent numbers are in ``tests/data/exports/README.md`` and in :data:`SPEEDERS`.

    python scripts/make_exports.py           # (re)write the exports
    python scripts/make_exports.py --check   # exit 1 if a committed export differs

The layouts follow the platforms' documented downloads as described in
docs/codebook.md ("Survey-platform exports"); the data are simulated (no real
respondent), licensed like the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltysem.instruments import default_instrument
from loyaltysem.planning.simulation import simulate_survey

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "exports"
SEED = 20261207
N = 300
MISSING = 0.01  # share of item cells left unanswered (跳过 / blank / -99)
STRAIGHTLINERS = 0.03  # share of respondents giving one answer throughout
#: Respondent numbers (1-based, file order) given a very short duration.
SPEEDERS = (17, 58, 133, 201, 264)
#: Speeders' durations in seconds (the median respondent takes about 5 minutes).
SPEEDER_SECONDS = (31, 38, 42, 27, 45)

ZH_LABELS = ("非常不同意", "不同意", "有点不同意", "一般", "有点同意", "同意", "非常同意")
GENDER_ZH = {"female": "女", "male": "男"}
PLATFORM_ZH = {"A": "淘宝", "B": "京东", "C": "拼多多"}
GENDER_CODE = {"female": 1, "male": 2}
PLATFORM_CODE = {"A": 1, "B": 2, "C": 3}
#: Matrix question stems, one per construct (问卷星 / Qualtrics matrix questions).
STEM_ZH = "请根据您的真实感受，评价以下说法"
STEM_EN = "How much do you agree with the following statements?"

FILES = (
    "wjx_text.xlsx",
    "wjx_text.csv",
    "wjx_numeric.csv",
    "tencent.csv",
    "qualtrics.csv",
    "spss.sav",
)


def simulate() -> pd.DataFrame:
    """The survey behind every export: answers as given, NA = unanswered."""
    df = simulate_survey(
        n=N,
        random_state=SEED,
        careless={"straightline": STRAIGHTLINERS},
        missing=MISSING,
        return_latent=True,
    )
    keep = ["respondent_id", "gender", "platform", "age", *default_instrument().item_names]
    out = df[keep].copy()
    out["respondent_type"] = df["respondent_type"].to_numpy()
    rng = np.random.default_rng(SEED + 1)
    seconds = np.round(np.exp(rng.normal(np.log(300.0), 0.35, size=N))).astype(int)
    for number, secs in zip(SPEEDERS, SPEEDER_SECONDS, strict=True):
        seconds[number - 1] = secs
    out["seconds"] = seconds
    start = pd.Timestamp("2026-11-02 08:00:00") + pd.to_timedelta(
        np.cumsum(rng.integers(60, 1800, size=N)), unit="s"
    )
    out["start"] = start
    out["end"] = start + pd.to_timedelta(seconds, unit="s")
    return out


def straightliners(frame: pd.DataFrame) -> list[int]:
    """Respondent numbers (1-based) of the planted straight-liners."""
    return [
        int(i) + 1 for i in np.flatnonzero(frame["respondent_type"].to_numpy() == "straightline")
    ]


def _matrix_headers() -> list[tuple[str, str, str]]:
    """(item, 问卷星 header, Qualtrics name): one matrix question per construct, from 4."""
    cb = default_instrument()
    out = []
    for q, (_construct, items) in enumerate(cb.construct_items.items(), start=4):
        for k, name in enumerate(items, start=1):
            out.append((name, f"{q}({cb.item(name).text_zh})", f"Q{q}_{k}"))
    return out


def _time(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y/%m/%d %H:%M:%S")


def wjx(frame: pd.DataFrame, *, text: bool) -> pd.DataFrame:
    """问卷星's download: 按选项文本 (text answers, (跳过)) or 按选项序号 (codes, -3)."""
    rows = {
        "序号": range(1, len(frame) + 1),
        "提交答卷时间": [_time(t) for t in frame["end"]],
        "所用时间": [f"{s}秒" for s in frame["seconds"]],
        "来源": ["手机提交" if i % 3 else "链接" for i in range(len(frame))],
        "来源详情": ["直接访问"] * len(frame),
        "来自IP": [f"112.10.{i % 250}.{(7 * i) % 250}(浙江-杭州)" for i in range(len(frame))],
    }
    if text:
        rows["1、您的性别："] = frame["gender"].map(GENDER_ZH).tolist()
        rows["3、您最常使用的购物平台："] = frame["platform"].map(PLATFORM_ZH).tolist()
    else:
        rows["1、您的性别："] = frame["gender"].map(GENDER_CODE).tolist()
        rows["3、您最常使用的购物平台："] = frame["platform"].map(PLATFORM_CODE).tolist()
    rows["2、您的年龄："] = frame["age"].tolist()
    out = pd.DataFrame(rows)
    out = out[[*list(out.columns[:7]), "2、您的年龄：", "3、您最常使用的购物平台："]]
    for item, header, _ in _matrix_headers():
        values = frame[item]
        if text:
            out[header] = [
                "(跳过)" if pd.isna(v) else ZH_LABELS[int(v) - 1] for v in values.tolist()
            ]
        else:
            out[header] = [-3 if pd.isna(v) else int(v) for v in values.tolist()]
    return out


def tencent(frame: pd.DataFrame) -> pd.DataFrame:
    """腾讯问卷's download: answer codes, one numbered question per statement."""
    cb = default_instrument()
    out = pd.DataFrame(
        {
            "编号": range(1, len(frame) + 1),
            "开始答题时间": [_time(t) for t in frame["start"]],
            "结束答题时间": [_time(t) for t in frame["end"]],
            "答题时长": frame["seconds"].tolist(),
            "地理位置(国家)": ["中国"] * len(frame),
            "地理位置(省)": ["广东"] * len(frame),
            "IP": [f"183.6.{i % 250}.{(3 * i) % 250}" for i in range(len(frame))],
            "1.您的性别": frame["gender"].map(GENDER_CODE).tolist(),
            "2.您的年龄": frame["age"].tolist(),
            "3.您最常使用的购物平台": frame["platform"].map(PLATFORM_CODE).tolist(),
        }
    )
    for q, item in enumerate(cb.item_names, start=4):
        out[f"{q}.{cb.item(item).text_zh}"] = [
            "" if pd.isna(v) else str(int(v)) for v in frame[item].tolist()
        ]
    return out


def qualtrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Qualtrics CSV (numeric values): names, question texts, ImportId tags, responses."""
    cb = default_instrument()
    meta = [
        ("StartDate", "Start Date", "startDate"),
        ("EndDate", "End Date", "endDate"),
        ("Status", "Response Type", "status"),
        ("IPAddress", "IP Address", "ipAddress"),
        ("Progress", "Progress", "progress"),
        ("Duration (in seconds)", "Duration (in seconds)", "duration"),
        ("Finished", "Finished", "finished"),
        ("RecordedDate", "Recorded Date", "recordedDate"),
        ("ResponseId", "Response ID", "_recordId"),
        ("DistributionChannel", "Distribution Channel", "distributionChannel"),
        ("UserLanguage", "User Language", "userLanguage"),
    ]
    n = len(frame)
    columns: dict[str, list[object]] = {
        "StartDate": [t.strftime("%Y-%m-%d %H:%M:%S") for t in frame["start"]],
        "EndDate": [t.strftime("%Y-%m-%d %H:%M:%S") for t in frame["end"]],
        "Status": ["IP Address"] * n,
        "IPAddress": [f"203.0.113.{i % 250}" for i in range(n)],
        "Progress": ["100"] * n,
        "Duration (in seconds)": [str(s) for s in frame["seconds"]],
        "Finished": ["True"] * n,
        "RecordedDate": [t.strftime("%Y-%m-%d %H:%M:%S") for t in frame["end"]],
        "ResponseId": [f"R_{i:04d}{SEED % 9973:04d}sim" for i in range(1, n + 1)],
        "DistributionChannel": ["anonymous"] * n,
        "UserLanguage": ["EN"] * n,
        "Q1": [str(GENDER_CODE[g]) for g in frame["gender"]],
        "Q2": [str(a) for a in frame["age"]],
        "Q3": [str(PLATFORM_CODE[p]) for p in frame["platform"]],
    }
    texts = {c: t for c, t, _ in meta}
    tags = {c: json.dumps({"ImportId": i}, separators=(",", ":")) for c, _, i in meta}
    for q, prompt in ((1, "What is your gender?"), (2, "How old are you?")):
        texts[f"Q{q}"] = prompt
        tags[f"Q{q}"] = json.dumps({"ImportId": f"QID{q}"}, separators=(",", ":"))
    texts["Q3"] = "Which shopping platform do you use most?"
    tags["Q3"] = json.dumps({"ImportId": "QID3"}, separators=(",", ":"))
    for item, _, name in _matrix_headers():
        columns[name] = ["" if pd.isna(v) else str(int(v)) for v in frame[item].tolist()]
        texts[name] = f"{STEM_EN} - {cb.item(item).text}"
        q, k = name[1:].split("_")
        tags[name] = json.dumps({"ImportId": f"QID{q}_{k}"}, separators=(",", ":"))
    names = list(columns)
    body = pd.DataFrame(columns, columns=names)
    head = pd.DataFrame([[texts[c] for c in names], [tags[c] for c in names]], columns=names)
    return pd.concat([head, body], ignore_index=True)


def write_sav(frame: pd.DataFrame, path: Path) -> None:
    """SPSS .sav: short names, variable labels (Chinese wording), value labels, -99 missing."""
    import pyreadstat

    cb = default_instrument()
    data = pd.DataFrame(
        {
            "id": np.arange(1, len(frame) + 1, dtype=float),
            "duration": frame["seconds"].astype(float).to_numpy(),
            "gender": frame["gender"].map(GENDER_CODE).astype(float).to_numpy(),
            "age": frame["age"].astype(float).to_numpy(),
            "platform": frame["platform"].map(PLATFORM_CODE).astype(float).to_numpy(),
        }
    )
    labels = {
        "id": "序号",
        "duration": "所用时间（秒）",
        "gender": "您的性别",
        "age": "您的年龄",
        "platform": "您最常使用的购物平台",
    }
    likert = {float(k): lab for k, lab in enumerate(ZH_LABELS, start=1)}
    value_labels: dict[str, dict[float, str]] = {
        "gender": {1.0: "女", 2.0: "男"},
        "platform": {1.0: "淘宝", 2.0: "京东", 3.0: "拼多多"},
    }
    missing: dict[str, list[float]] = {}
    for item in cb.item_names:
        data[item] = frame[item].astype("float64").fillna(-99.0).to_numpy()
        labels[item] = cb.item(item).text_zh
        value_labels[item] = {**likert, -99.0: "未作答"}
        missing[item] = [-99.0]
    pyreadstat.write_sav(
        data,
        str(path),
        column_labels=[labels[c] for c in data.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )


def write_all(out: Path) -> list[Path]:
    """Write every export into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    frame = simulate()
    written = []
    text = wjx(frame, text=True)
    text.to_excel(out / "wjx_text.xlsx", index=False, sheet_name="Sheet1")
    text.to_csv(out / "wjx_text.csv", index=False, encoding="gb18030", lineterminator="\r\n")
    wjx(frame, text=False).to_csv(
        out / "wjx_numeric.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    tencent(frame).to_csv(
        out / "tencent.csv", index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    qualtrics(frame).to_csv(out / "qualtrics.csv", index=False, encoding="utf-8-sig")
    write_sav(frame, out / "spss.sav")
    written = [out / name for name in FILES]
    return written


def _same(a: Path, b: Path) -> bool:
    if a.suffix == ".csv":
        return a.read_bytes() == b.read_bytes()
    if a.suffix == ".xlsx":
        return pd.read_excel(a, dtype=object).equals(pd.read_excel(b, dtype=object))
    import pyreadstat

    fa, ma = pyreadstat.read_sav(str(a), user_missing=True)
    fb, mb = pyreadstat.read_sav(str(b), user_missing=True)
    return (
        fa.equals(fb)
        and ma.column_names_to_labels == mb.column_names_to_labels
        and ma.variable_value_labels == mb.variable_value_labels
        and ma.missing_ranges == mb.missing_ranges
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = write_all(Path(tmp))
            bad = [p.name for p in fresh if not _same(p, OUT / p.name)]
        if bad:
            print(f"differ from the committed exports: {bad}", file=sys.stderr)
            return 1
        print("the committed exports are up to date")
        return 0
    for path in write_all(OUT):
        print(f"wrote {path.relative_to(OUT.parents[2])} ({path.stat().st_size:,} bytes)")
    frame = simulate()
    print(f"straight-liners (respondent numbers): {straightliners(frame)}")
    print(f"speeders (respondent numbers): {list(SPEEDERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
