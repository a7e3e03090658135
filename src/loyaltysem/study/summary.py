"""The study report: what moved, in words, then the waves, the trends and the tests.

Trend figures (standardized paths, indirect effects, fit by wave: ``trend_figure``) are
written as PNG files beside the report and drawn inline in the HTML page.

Written by :func:`loyaltysem.study.run_study` as ``study_report.md`` and
``study_report.html`` (self-contained, no network), in the study's language.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from loyaltysem._files import atomic_write, write_text
from loyaltysem.report.figures import trend_figure
from loyaltysem.report.notebook import frame_table
from loyaltysem.report.render import to_html, to_markdown
from loyaltysem.study.drift import DriftReport

__all__ = ["TREND_FIGURES", "TREND_QUANTITIES", "trend_table", "write_study_report"]

#: The trend figures of the study report (``report.figures.trend_figure`` kinds).
TREND_FIGURES = ("path", "effect", "fit")

#: The key quantities of the trend table: (kind, quantity prefix, column shown).
TREND_QUANTITIES = (
    ("sample", "n_kept", "estimate"),
    ("fit", "cfi", "estimate"),
    ("fit", "rmsea", "estimate"),
    ("fit", "srmr", "estimate"),
    ("path", "", "std_all"),
    ("effect", "indirect ", "std_all"),
    ("r2", "", "estimate"),
)

_TEXT = {
    "en": {
        "title": "Study report",
        "moved": "What moved in the newest wave",
        "no_drift": "Fewer than two waves were analysed: nothing to compare.",
        "waves": "Waves: status, respondents read and kept",
        "trend": "Key quantities by wave (standardized paths and indirect effects)",
        "tests": "Drift tests: the newest wave against the earlier waves",
        "by_wave": "Drift tests: the newest wave against each earlier wave",
        "failed": "Wave {wave} failed ({source}): {reason}",
    },
    "zh": {
        "title": "研究报告",
        "moved": "最新一波的变化",
        "no_drift": "分析成功的波次少于两个，无法比较。",
        "waves": "各波次：状态、读取与保留的样本量",
        "trend": "各波次的关键量（标准化路径与间接效应）",
        "tests": "漂移检验：最新一波与此前各波",
        "by_wave": "漂移检验：最新一波与此前每一波分别比较",
        "failed": "第 {wave} 波失败（{source}）：{reason}",
    },
}


def trend_table(long: pd.DataFrame) -> pd.DataFrame:
    """Key quantities (rows) by wave (columns) from the long table."""
    rows = []
    for kind, prefix, column in TREND_QUANTITIES:
        sel = long[(long["kind"] == kind) & long["quantity"].str.startswith(prefix)]
        for _, r in sel.iterrows():
            rows.append((kind, r["quantity"], r["wave"], r[column]))
    frame = pd.DataFrame(rows, columns=["kind", "quantity", "wave", "value"])
    if frame.empty:
        return frame
    waves = list(dict.fromkeys(long["wave"]))
    wide = {
        key: dict(zip(g["wave"], g["value"], strict=True))
        for key, g in frame.groupby(["kind", "quantity"], sort=False)
    }
    out = pd.DataFrame.from_dict(wide, orient="index").reindex(columns=waves)
    out.index = pd.MultiIndex.from_tuples(out.index, names=["kind", "quantity"])
    return out


def write_study_report(
    out: Path,
    *,
    name: str,
    outcomes: pd.DataFrame,
    long: pd.DataFrame,
    drift: DriftReport | None,
    failed: Sequence[dict[str, str]],
    lang: str,
) -> list[Path]:
    """Write ``study_report.md`` and ``study_report.html``; return their paths."""
    text = _TEXT["zh" if lang == "zh" else "en"]
    claims = [text["failed"].format(**f) for f in failed]
    if drift is None:
        claims.append(text["no_drift"])
    else:  # the pooled statement, then the comparison with each earlier wave
        claims += [*drift.sentences, *drift.by_wave_sentences, *drift.notes]
    tables = [frame_table(text["waves"], outcomes, number=1)]
    trend = trend_table(long)
    if not trend.empty:
        tables.append(frame_table(text["trend"], trend, number=2))
    if drift is not None:
        shown = drift.table.drop(columns=[c for c in ("reason",) if c in drift.table])
        tables.append(frame_table(text["tests"], shown, number=len(tables) + 1))
        if len(drift.by_wave):
            tables.append(frame_table(text["by_wave"], drift.by_wave, number=len(tables) + 1))
    title = f"{text['title']}: {name}"
    figures = []
    if long["wave"].nunique() >= 2:
        for i, kind in enumerate(TREND_FIGURES, start=1):
            if (long["kind"] == kind).any():
                figures.append((kind, trend_figure(long, kind=kind, lang=lang, number=i)))
    written = []
    md = [f"# {title}", "", f"## {text['moved']}", ""]
    md += [f"- {c}" for c in claims]
    md += [""] + [to_markdown(t) + "\n" for t in tables]
    body = [f"<h1>{html.escape(title)}</h1>", f"<h2>{html.escape(text['moved'])}</h2>", "<ul>"]
    body += [f"<li>{html.escape(c)}</li>" for c in claims]
    body += ["</ul>"] + [to_html(t) for t in tables]
    for kind, fig in figures:
        png = out / f"study_trend_{kind}.png"
        atomic_write(png, lambda p, fig=fig: fig.figure.savefig(p, dpi=150, format="png"))
        written.append(png)
        md.append(f"![Figure {fig.number}. {fig.title}]({png.name})\n")
        svg = fig.to_svg()
        body.append(f"<figure>{svg[svg.index('<svg') :]}</figure>")
        fig.figure.clear()
    page = (
        '<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{t}</title>'
        "<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}"
        "table{{border-collapse:collapse}}td,th{{padding:2px 8px}}</style></head>"
        "<body>\n{b}\n</body></html>\n"
    ).format(lang="zh" if lang == "zh" else "en", t=html.escape(title), b="\n".join(body))
    return [
        *written,
        write_text(out / "study_report.md", "\n".join(md)),
        write_text(out / "study_report.html", page),
    ]
