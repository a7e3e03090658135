"""Drift: what moved in the newest wave against the earlier waves, tested and said in words.

:func:`drift` compares the newest analysed wave with the earlier ones, in four families:

- **measurement** — the invariance ladder across all the waves (configural, metric, scalar,
  with the partial-invariance search: semTools' practice), which names the items whose
  loadings or intercepts differ;
- **paths** and **indirect effects** — the newest wave's standardized estimate (std.all,
  comparable across waves whatever the scaling of the latent variables) against the
  earlier waves' pooled one (inverse-variance weighted mean, as a fixed-effect
  meta-analysis pools independent samples): the difference, its standard error
  ``sqrt(se_new^2 + se_pooled^2)`` from the delta-method SEs, a normal interval and
  p-value;
- **construct means** — each construct's mean item score as a 0-100 index
  (``100 (mean - min) / (max - min)`` with the codebook's scale), newest against earlier,
  Welch's t-test;
- **sample composition** — every group column of the codebook (gender, platform, ...),
  newest against earlier, Pearson's chi-square test.

Within each family the p-values are adjusted by Holm's method, so each family's
familywise error rate is ``alpha``; a quantity is flagged when its adjusted p-value is
below ``alpha``. :attr:`DriftReport.sentences` states the flags in English or Chinese
with the evidence beside each claim; every number is in :attr:`DriftReport.table`.

Beside the pooled comparison, :attr:`DriftReport.by_wave` compares the newest wave with
**each earlier wave separately** (paths, indirect effects, construct means: the same
tests with one earlier wave in place of the pooled ones), Holm-adjusted within each
family over all its quantities and earlier waves; :attr:`DriftReport.by_wave_sentences`
says which quantity moved against which wave. A change that is new in the newest wave
shows against every earlier wave; a slow trend shows against the oldest waves first.
The pooled verdicts do not depend on this table.

Examples
--------
>>> holm([0.01, 0.04, 0.03])
array([0.03, 0.06, 0.06])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._display import DisplayMixin, format_unit, p_phrase
from loyaltysem.sem.invariance import InvarianceResult, invariance
from loyaltysem.survey import Codebook, Survey

__all__ = ["BY_WAVE_COLUMNS", "DRIFT_COLUMNS", "DriftReport", "drift", "holm"]

#: Columns of :attr:`DriftReport.table`.
DRIFT_COLUMNS = (
    "family",
    "quantity",
    "newest",
    "earlier",
    "difference",
    "se",
    "ci_lower",
    "ci_upper",
    "statistic",
    "pvalue",
    "p_holm",
    "flagged",
)

#: Columns of :attr:`DriftReport.by_wave` (``wave``: the earlier wave compared with; the
#: ``earlier`` column holds its value).
BY_WAVE_COLUMNS = (
    "family",
    "quantity",
    "wave",
    "newest",
    "earlier",
    "difference",
    "se",
    "ci_lower",
    "ci_upper",
    "statistic",
    "pvalue",
    "p_holm",
    "flagged",
)


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (R ``p.adjust(p, "holm")``); NaN stays NaN."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


@dataclass(frozen=True, repr=False)
class DriftReport(DisplayMixin):
    """What moved in the newest wave (:func:`drift`).

    Attributes
    ----------
    newest : str
        The wave compared.
    earlier : tuple of str
        The waves it is compared with.
    table : DataFrame
        One row per test (:data:`DRIFT_COLUMNS`): ``family`` (``measurement``, ``path``,
        ``indirect``, ``mean``, ``composition``), the newest and earlier values, the
        difference with its SE and interval (paths, effects, means), the statistic, the
        p-value, Holm's adjusted p-value within the family and ``flagged``.
    invariance : InvarianceResult or None
        The ladder across every wave (``None`` when it could not be fitted; see notes).
    sentences : tuple of str
        The flags in words, first the measurement, then paths, effects, means, sample.
    alpha, level : float
    notes : tuple of str
        What could not be tested, and why.
    by_wave : DataFrame
        The newest wave against each earlier wave separately (:data:`BY_WAVE_COLUMNS`):
        one row per ``family`` (``path``, ``indirect``, ``mean``), quantity and earlier
        ``wave``, with the values, the difference, its SE and interval, the statistic,
        the p-value, Holm's adjusted p-value within the family and ``flagged``.
    by_wave_sentences : tuple of str
        The flags of :attr:`by_wave` in words (one sentence per quantity moved, naming
        the waves), or one sentence saying nothing moved.
    """

    newest: str
    earlier: tuple[str, ...]
    table: pd.DataFrame
    invariance: InvarianceResult | None
    sentences: tuple[str, ...]
    alpha: float = 0.05
    level: float = 0.95
    notes: tuple[str, ...] = field(default=())
    by_wave: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BY_WAVE_COLUMNS))
    by_wave_sentences: tuple[str, ...] = field(default=())

    _title: ClassVar[str] = "Drift across waves"

    @property
    def flagged(self) -> pd.DataFrame:
        """The rows flagged."""
        return self.table[self.table["flagged"]]

    def _repr_parts(self) -> list[str]:
        return [f"newest={self.newest!r}", f"flagged={int(self.table['flagged'].sum())}"]

    def _header(self) -> list[str]:
        return [*self.sentences, *self.by_wave_sentences, *self.notes]

    def _sections(self) -> Any:
        yield "Tests", self.table
        if len(self.by_wave):
            yield "Tests against each earlier wave", self.by_wave


# --------------------------------------------------------------------------- families
def _pooled(est: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
    if not ok.any():
        return np.nan, np.nan
    w = 1.0 / se[ok] ** 2
    return float(np.sum(w * est[ok]) / w.sum()), float(1.0 / np.sqrt(w.sum()))


def _estimate_family(
    long: pd.DataFrame, family: str, kind: str, prefix: str, newest: str, z: float
) -> pd.DataFrame:
    rows = long[(long["kind"] == kind) & long["quantity"].str.startswith(prefix)]
    out = []
    for quantity, q in rows.groupby("quantity", sort=False):
        new = q[q["wave"] == newest]
        old = q[q["wave"] != newest]
        if new.empty or old.empty:
            continue
        est_new, se_new = float(new["std_all"].iloc[0]), float(new["se_std_all"].iloc[0])
        est_old, se_old = _pooled(
            old["std_all"].to_numpy(dtype=float), old["se_std_all"].to_numpy(dtype=float)
        )
        out.append(
            {
                "family": family,
                "quantity": str(quantity).removeprefix(prefix),
                **_difference(est_new, se_new, est_old, se_old, z),
            }
        )
    return pd.DataFrame(out)


def _difference(
    est_new: float, se_new: float, est_old: float, se_old: float, z: float
) -> dict[str, float]:
    diff = est_new - est_old
    se = float(np.hypot(se_new, se_old))
    stat = diff / se if se > 0 else np.nan
    p = float(2 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else np.nan
    return {
        "newest": est_new,
        "earlier": est_old,
        "difference": diff,
        "se": se,
        "ci_lower": diff - z * se,
        "ci_upper": diff + z * se,
        "statistic": stat,
        "pvalue": p,
    }


def _estimate_by_wave(
    long: pd.DataFrame,
    family: str,
    kind: str,
    prefix: str,
    newest: str,
    earlier: Sequence[str],
    z: float,
) -> pd.DataFrame:
    """The newest wave's standardized estimates against each earlier wave's."""
    rows = long[(long["kind"] == kind) & long["quantity"].str.startswith(prefix)]
    out = []
    for quantity, q in rows.groupby("quantity", sort=False):
        new = q[q["wave"] == newest]
        if new.empty:
            continue
        est_new, se_new = float(new["std_all"].iloc[0]), float(new["se_std_all"].iloc[0])
        for wave in earlier:
            old = q[q["wave"] == wave]
            if old.empty:
                continue
            est_old, se_old = float(old["std_all"].iloc[0]), float(old["se_std_all"].iloc[0])
            out.append(
                {
                    "family": family,
                    "quantity": str(quantity).removeprefix(prefix),
                    "wave": wave,
                    **_difference(est_new, se_new, est_old, se_old, z),
                }
            )
    return pd.DataFrame(out)


def _index(s: Survey, items: Sequence[str], lo: float, hi: float) -> np.ndarray:
    """Each respondent's mean item score as a 0-100 index (answered items only)."""
    score = s.data[list(items)].mean(axis=1, skipna=True).to_numpy(dtype=float)
    return 100.0 * (score[np.isfinite(score)] - lo) / (hi - lo)


def _welch(a: np.ndarray, b: np.ndarray, z: float) -> dict[str, float]:
    t = stats.ttest_ind(a, b, equal_var=False)
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    diff = float(a.mean() - b.mean())
    return {
        "newest": float(a.mean()),
        "earlier": float(b.mean()),
        "difference": diff,
        "se": se,
        "ci_lower": diff - z * se,
        "ci_upper": diff + z * se,
        "statistic": float(t.statistic),
        "pvalue": float(t.pvalue),
    }


def _mean_by_wave(surveys: Mapping[str, Survey], newest: str, z: float) -> pd.DataFrame:
    """The newest wave's construct means (0-100) against each earlier wave's (Welch)."""
    new = surveys[newest]
    out = []
    for construct, items in new.constructs.items():
        lo, hi = _scale(new.codebook, items)
        if hi <= lo:
            continue
        a = _index(new, items, lo, hi)
        for wave, s in surveys.items():
            if wave == newest:
                continue
            b = _index(s, items, lo, hi)
            if len(a) < 2 or len(b) < 2:
                continue
            out.append({"family": "mean", "quantity": construct, "wave": wave, **_welch(a, b, z)})
    return pd.DataFrame(out)


def _by_wave(
    long: pd.DataFrame,
    surveys: Mapping[str, Survey],
    newest: str,
    earlier: Sequence[str],
    alpha: float,
    z: float,
) -> pd.DataFrame:
    families = [
        _estimate_by_wave(long, "path", "path", "", newest, earlier, z),
        _estimate_by_wave(long, "indirect", "effect", "indirect ", newest, earlier, z),
        _mean_by_wave(surveys, newest, z),
    ]
    parts = []
    for f in families:
        if f.empty:
            continue
        f = f.copy()
        f["p_holm"] = holm(f["pvalue"].to_numpy())  # over the quantities and waves of the family
        f["flagged"] = f["p_holm"] < alpha
        parts.append(f)
    if not parts:
        return pd.DataFrame(columns=BY_WAVE_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table["flagged"] = table["flagged"].astype(bool)
    return table[list(BY_WAVE_COLUMNS)]


def _scale(codebook: Codebook, items: Sequence[str]) -> tuple[float, float]:
    known = set(codebook.item_names)
    lo = [codebook.item(i).min for i in items if i in known]
    hi = [codebook.item(i).max for i in items if i in known]
    return (float(min(lo)), float(max(hi))) if lo else (0.0, 0.0)


def _mean_family(surveys: Mapping[str, Survey], newest: str, z: float) -> pd.DataFrame:
    new = surveys[newest]
    codebook = new.codebook
    out = []
    for construct, items in new.constructs.items():
        lo, hi = _scale(codebook, items)
        if hi <= lo:
            continue
        a = _index(new, items, lo, hi)
        b = np.concatenate([_index(s, items, lo, hi) for w, s in surveys.items() if w != newest])
        if len(a) < 2 or len(b) < 2:
            continue
        out.append({"family": "mean", "quantity": construct, **_welch(a, b, z)})
    return pd.DataFrame(out)


def _composition_family(
    surveys: Mapping[str, Survey], newest: str, skip: Sequence[str]
) -> pd.DataFrame:
    new = surveys[newest]
    groups = [c for c in new.codebook.group_columns if c not in skip]
    out = []
    for col in groups:
        if col not in new.covariates:
            continue
        a = new.covariates[col].dropna().astype(str)
        b = pd.concat(
            [s.covariates[col].dropna().astype(str) for w, s in surveys.items() if w != newest]
        )
        table = pd.crosstab(
            np.r_[np.zeros(len(a), int), np.ones(len(b), int)], np.r_[a.to_numpy(), b.to_numpy()]
        )
        if table.shape[1] < 2:
            continue
        chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
        share_new = a.value_counts(normalize=True)
        share_old = b.value_counts(normalize=True)
        top = (share_new - share_old.reindex(share_new.index, fill_value=0)).abs().idxmax()
        out.append(
            {
                "family": "composition",
                "quantity": f"{col}: {top}",
                "newest": float(share_new.get(top, 0.0)),
                "earlier": float(share_old.get(top, 0.0)),
                "difference": float(share_new.get(top, 0.0) - share_old.get(top, 0.0)),
                "statistic": float(chi2),
                "pvalue": float(p),
            }
        )
    return pd.DataFrame(out)


def _measurement_family(
    surveys: Mapping[str, Survey], measurement: Any, options: Mapping[str, Any]
) -> tuple[pd.DataFrame, InvarianceResult | None, list[str]]:
    frames = []
    for wave, s in surveys.items():
        f = s.data.copy()
        f["wave"] = wave
        frames.append(f)
    pooled = pd.concat(frames, ignore_index=True)
    try:
        inv = invariance(
            measurement,
            pooled,
            "wave",
            std_lv=True,
            partial=True,
            partial_criterion="chisq",
            levels=("configural", "metric", "scalar"),
            **options,
        )
    except Exception as exc:
        return pd.DataFrame(), None, [f"measurement invariance could not be tested: {exc}"]
    rows = []
    for _, step in inv.partial.iterrows():
        rows.append(
            {
                "family": "measurement",
                "quantity": f"{step['freed']} ({step['level']})",
                "statistic": float(step["X2"]),
                "difference": float(step.get("delta_cfi", np.nan)),
                "wave": str(step["group"]),
                "decision": "differs",
            }
        )
    for level, row in inv.table.iterrows():
        if row.get("decision") in ("not supported", "failed"):
            rows.append(
                {
                    "family": "measurement",
                    "quantity": f"{level} invariance",
                    "statistic": row.get("delta_chisq", np.nan),
                    "pvalue": row.get("p_delta", np.nan),
                    "difference": row.get("delta_cfi", np.nan),
                    "decision": str(row["decision"]),
                    "reason": str(row.get("reason", "")),
                }
            )
    return pd.DataFrame(rows), inv, [f"invariance ladder: {n}" for n in inv.notes[:1]]


# --------------------------------------------------------------------------- words
def _fmt(x: float) -> str:
    return format_unit(x, 2)


def _p(p: float) -> str:
    return "p " + p_phrase(p)


def _sentences(
    table: pd.DataFrame,
    newest: str,
    earlier: Sequence[str],
    alpha: float,
    lang: str,
    level: float = 0.95,
) -> list[str]:
    others = ", ".join(earlier)
    zh = lang == "zh"
    out = []
    meas = table[table["family"] == "measurement"]
    for _, r in meas.iterrows():
        if r["decision"] == "differs":
            param, step = str(r["quantity"]).rsplit(" (", 1)
            step = step.rstrip(")")
            out.append(
                f"测量：{param} 在各波次间不等（{step} 不变性只有在各波放开它时才成立；"
                f"最大的分数检验在第 {r['wave']} 波，X² = {r['statistic']:.2f}）。"
                if zh
                else f"Measurement: {param} differs across the waves ({step} invariance "
                f"holds only with it free in every wave; the largest score test is wave "
                f"{r['wave']}'s, X² = {r['statistic']:.2f})."
            )
        else:
            out.append(
                f"测量：{r['quantity']} 不成立（{r.get('reason', '')}）。"
                if zh
                else f"Measurement: {r['quantity']} does not hold ({r.get('reason', '')})."
            )
    labels = {
        "path": ("Path", "路径"),
        "indirect": ("Indirect effect", "间接效应"),
        "mean": ("Construct mean (0-100)", "构念均值（0-100）"),
        "composition": ("Sample composition", "样本构成"),
    }
    for family, (en, cn) in labels.items():
        rows = table[(table["family"] == family) & table["flagged"]]
        for _, r in rows.iterrows():
            ci = (
                f", {round(100 * level)}% CI [{_fmt(r['ci_lower'])}, {_fmt(r['ci_upper'])}]"
                if np.isfinite(r.get("ci_lower", np.nan))
                else ""
            )
            if zh:
                out.append(
                    f"{cn} {r['quantity']}：第 {newest} 波为 {_fmt(r['newest'])}，"
                    f"此前各波（{others}）为 {_fmt(r['earlier'])}，差值 {_fmt(r['difference'])}"
                    f"{ci}，Holm 校正 {_p(r['p_holm'])}。"
                )
            else:
                out.append(
                    f"{en} {r['quantity']}: {_fmt(r['newest'])} in wave {newest} against "
                    f"{_fmt(r['earlier'])} in waves {others}, a difference of "
                    f"{_fmt(r['difference'])}{ci}, Holm-adjusted {_p(r['p_holm'])}."
                )
    others_flagged = bool(table.loc[table["family"] != "measurement", "flagged"].any())
    if not others_flagged:
        out.append(
            f"与此前各波（{others}）相比，第 {newest} 波的路径、间接效应、构念均值和样本构成"
            f"在 α = {_fmt(alpha)}（各族内 Holm 校正）下均无显著变化。"
            if zh
            else f"No path, indirect effect, construct mean or sample share moved in wave "
            f"{newest} against waves {others} at α = {_fmt(alpha)} (Holm-adjusted within "
            "each family)."
        )
    return out


def _by_wave_sentences(
    table: pd.DataFrame,
    newest: str,
    earlier: Sequence[str],
    alpha: float,
    lang: str,
    level: float = 0.95,
) -> list[str]:
    """One sentence per quantity that moved against some earlier wave, naming the waves."""
    zh = lang == "zh"
    labels = {
        "path": ("path", "路径"),
        "indirect": ("indirect effect", "间接效应"),
        "mean": ("construct mean (0-100)", "构念均值（0-100）"),
    }
    pct = f"{round(100 * level)}% CI"
    out = []
    flagged = table[table["flagged"]]
    for (family, quantity), rows in flagged.groupby(["family", "quantity"], sort=False):
        en, cn = labels.get(str(family), (str(family), str(family)))
        parts = []
        for _, r in rows.iterrows():
            ci = f"{pct} [{_fmt(r['ci_lower'])}, {_fmt(r['ci_upper'])}]"
            change = f"{_fmt(r['earlier'])} → {_fmt(r['newest'])}"
            evidence = (
                f"{change}，差值 {_fmt(r['difference'])}，{ci}，Holm 校正 {_p(r['p_holm'])}"
                if zh
                else f"{change}, a difference of {_fmt(r['difference'])}, {ci}, "
                f"Holm-adjusted {_p(r['p_holm'])}"
            )
            parts.append(
                f"与第 {r['wave']} 波相比（{evidence}）" if zh else f"wave {r['wave']} ({evidence})"
            )
        if zh:
            out.append(
                f"逐波比较：第 {newest} 波的{cn} {quantity} " + "、".join(parts) + "均有变化。"
            )
        else:
            out.append(
                f"Against each earlier wave: the {en} {quantity} of wave {newest} moved "
                "against " + "; ".join(parts) + "."
            )
    if not out and len(earlier):
        others = ", ".join(earlier)
        out.append(
            f"逐波比较（分别与 {others} 各波相比）：第 {newest} 波的路径、间接效应和构念均值"
            f"在 α = {_fmt(alpha)}（各族内 Holm 校正）下均无显著变化。"
            if zh
            else f"Against each earlier wave separately ({others}), no path, indirect effect "
            f"or construct mean of wave {newest} moved at α = {_fmt(alpha)} (Holm-adjusted "
            "within each family)."
        )
    return out


# --------------------------------------------------------------------------- entry
def drift(
    long: pd.DataFrame,
    surveys: Mapping[str, Survey],
    *,
    measurement: Any,
    newest: str | None = None,
    alpha: float = 0.05,
    level: float = 0.95,
    invariance_options: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> DriftReport:
    """What moved in the newest wave against the earlier waves.

    Parameters
    ----------
    long : DataFrame
        The study's long table (:data:`loyaltysem.study.run.LONG_COLUMNS`).
    surveys : mapping of str to Survey
        Every analysed wave as analysed (cleaned), in wave order.
    measurement : Codebook, mapping or str
        The measurement model of the invariance ladder.
    newest : str, optional
        The wave to compare (default: the last of ``surveys``).
    alpha : float
        Familywise error rate of each family (Holm).
    level : float
        Level of the intervals of the differences.
    invariance_options : mapping, optional
        Estimator options of the ladder (``estimator``, ``missing``, ``ordered``).
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    DriftReport
        The pooled tests (:attr:`~DriftReport.table`) and the tests against each earlier
        wave (:attr:`~DriftReport.by_wave`).
    """
    waves = list(surveys)
    newest = waves[-1] if newest is None else newest
    earlier = tuple(w for w in waves if w != newest)
    z = float(stats.norm.ppf(0.5 + level / 2))
    families = [
        _estimate_family(long, "path", "path", "", newest, z),
        _estimate_family(long, "indirect", "effect", "indirect ", newest, z),
        _mean_family(surveys, newest, z),
        _composition_family(surveys, newest, skip=("wave",)),
    ]
    meas, inv, notes = _measurement_family(surveys, measurement, invariance_options or {})
    parts = []
    for f in families:
        if f.empty:
            continue
        f = f.copy()
        f["p_holm"] = holm(f["pvalue"].to_numpy())
        f["flagged"] = f["p_holm"] < alpha
        parts.append(f)
    if not meas.empty:
        meas = meas.copy()
        meas["p_holm"] = meas["pvalue"] if "pvalue" in meas else np.nan
        meas["flagged"] = True
        parts.append(meas)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DRIFT_COLUMNS)
    for col in DRIFT_COLUMNS:
        if col not in table:
            table[col] = np.nan
    table["flagged"] = table["flagged"].fillna(False).astype(bool)
    extra = [c for c in table.columns if c not in DRIFT_COLUMNS]
    table = table[[*DRIFT_COLUMNS, *extra]]
    sentences = _sentences(table, newest, earlier, alpha, lang, level)
    by_wave = _by_wave(long, surveys, newest, earlier, alpha, z)
    return DriftReport(
        newest=newest,
        earlier=earlier,
        table=table,
        invariance=inv,
        sentences=tuple(sentences),
        alpha=alpha,
        level=level,
        notes=tuple(notes),
        by_wave=by_wave,
        by_wave_sentences=tuple(_by_wave_sentences(by_wave, newest, earlier, alpha, lang, level)),
    )
