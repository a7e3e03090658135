"""APA tables and methods text of a PLS path model (:func:`loyaltysem.fit_pls`).

The tables SmartPLS and seminr users report (Hair et al., 2022, *A Primer on PLS-SEM*,
ch. 4–6), each a :class:`~loyaltysem.report.tables.Table` at full precision with its note
(N, weighting scheme, stop criterion, missing data) and the result's status (a model
that did not converge carries the warning line in every format):

- :func:`pls_measurement_table` — outer loadings, outer weights and outer VIF per item;
- :func:`pls_reliability_table` — Cronbach's alpha, rho_A, rho_C and AVE;
- :func:`~loyaltysem.report.fornell_larcker_table` and
  :func:`~loyaltysem.report.htmt_table` take a PLS result as they are;
- :func:`pls_paths_table` — path coefficients with f² and inner VIF;
- :func:`pls_r2_table` — R² and adjusted R²;
- :func:`pls_effects_table` — specific indirect and total effects;
- :func:`pls_fit_table` — SRMR, d_ULS and d_G of the saturated and estimated model;
- :func:`pls_tables` — all of them, numbered; :func:`pls_methods_text` — the methods
  paragraph.

Without a bootstrap there are no p-values: the tables show no stars and say so. With
``bootstrap=`` (:meth:`loyaltysem.pls.PLSResult.bootstrap`) the paths and effects tables add
*t* (the estimate over its bootstrap SD, as SmartPLS and seminr print it), the two-sided
bootstrap *p* and the interval (percentile by default; ``ci="bca"`` and the others of
:meth:`loyaltysem.pls.bootstrap.PLSBootstrap.table`), with the number of draws and the seed
in the note.

Examples
--------
>>> import loyaltysem as ls
>>> from loyaltysem.report.pls import pls_paths_table
>>> res = ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi())
>>> pls_paths_table(res).cells()[0]
['Image → Expectation', '.50', '0.342', '1.000']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from loyaltysem.errors import ReportError
from loyaltysem.report.cells import Column, check_lang
from loyaltysem.report.methods import Number, Paragraphs, Sentence
from loyaltysem.report.tables import (
    Table,
    _codebook,
    _labels,
    fornell_larcker_table,
    htmt_table,
)

__all__ = [
    "pls_effects_table",
    "pls_fit_table",
    "pls_measurement_table",
    "pls_methods_text",
    "pls_paths_table",
    "pls_r2_table",
    "pls_reliability_table",
    "pls_tables",
]

_SCHEME = {
    "en": {"path": "path weighting", "factorial": "factor weighting", "centroid": "centroid"},
    "zh": {"path": "路径加权", "factorial": "因子加权", "centroid": "重心加权"},
}
_W = {
    "en": {
        "construct": "Construct",
        "item": "Item",
        "loading": "Loading",
        "weight": "Weight",
        "mode": "Mode",
        "path": "Path",
        "effect": "Effect",
        "kind": "Type",
        "specific": "specific indirect",
        "total": "total",
        "measure": "Measure",
        "saturated": "Saturated model",
        "estimated": "Estimated model",
        "meas_title": "PLS Measurement Model: Outer Loadings, Weights and Collinearity",
        "rel_title": "PLS Measurement Model: Internal Consistency Reliability and "
        "Convergent Validity",
        "paths_title": "PLS Structural Model: Path Coefficients, Effect Sizes and Collinearity",
        "r2_title": "PLS Structural Model: Explained Variance",
        "effects_title": "PLS Structural Model: Specific Indirect and Total Effects",
        "fit_title": "PLS Model Fit",
    },
    "zh": {
        "construct": "构念",
        "item": "题项",
        "loading": "载荷",
        "weight": "权重",
        "mode": "模式",
        "path": "路径",
        "effect": "效应",
        "kind": "类型",
        "specific": "特定间接效应",
        "total": "总效应",
        "measure": "指标",
        "saturated": "饱和模型",
        "estimated": "估计模型",
        "meas_title": "PLS 测量模型：外部载荷、权重与共线性",
        "rel_title": "PLS 测量模型：内部一致性信度与聚合效度",
        "paths_title": "PLS 结构模型：路径系数、效应量与共线性",
        "r2_title": "PLS 结构模型：解释方差",
        "effects_title": "PLS 结构模型：特定间接效应与总效应",
        "fit_title": "PLS 模型拟合",
    },
}


def _pls(res: object, what: str) -> None:
    if not all(hasattr(res, a) for a in ("weights", "modes", "paths", "status", "structural")):
        raise ReportError(
            f"{what} needs a PLS result",
            found=type(res).__name__,
            expected="the result of ls.fit_pls(model, survey) (a PLSResult)",
            fix="pass ls.fit_pls(model, survey)",
        )


def _boot(res: Any, boot: Any, ci: str, quantity: str) -> pd.DataFrame | None:
    """The bootstrap rows of ``quantity`` (``None`` without one), checked against ``res``."""
    if boot is None:
        return None
    if not hasattr(boot, "table") or not hasattr(boot, "estimates"):
        raise ReportError(
            "bootstrap= takes the bootstrap of this PLS model",
            found=type(boot).__name__,
            expected="a PLSBootstrap (res.bootstrap(5000, random_state=...))",
            fix="pass bootstrap=res.bootstrap(5000, random_state=1)",
        )
    est = boot.estimates
    mine = {f"{s} -> {t}": float(res.paths.loc[s, t]) for s, t in res.structural}
    theirs = {k: float(v) for (q, k), v in est.items() if q == "path"}
    if set(mine) != set(theirs) or any(abs(mine[k] - theirs[k]) > 1e-9 for k in mine):
        raise ReportError(
            "the bootstrap is of another model (its paths differ from the result's)",
            found=sorted(set(theirs) ^ set(mine))[:5] or "different estimates",
            expected="the bootstrap of this result",
            fix="bootstrap the result you report: res.bootstrap(...)",
        )
    return boot.table(ci=ci).loc[quantity]


def _boot_columns(rows: list[dict[str, Any]], table: pd.DataFrame | None, key: str) -> None:
    """Add t, p and the interval of each row's ``key`` from the bootstrap ``table``."""
    if table is None:
        return
    for row in rows:
        got = table.loc[row[key]]
        row.update(
            t=float(got["t"]),
            pvalue=float(got["p_boot"]),
            ci_lower=float(got["ci_lower"]),
            ci_upper=float(got["ci_upper"]),
        )


def _boot_note(boot: Any, ci: str, lang: str) -> str:
    level = round(100 * float(boot.level))
    kind = {"percentile": "percentile", "bc": "bias-corrected", "bca": "BCa",
            "studentized": "studentized"}.get(ci, ci)  # fmt: skip
    seed = boot.random_state if boot.random_state is not None else "given indices"
    if lang == "zh":
        return (
            f"t = 估计值 / 自助标准差；p 为双侧自助 p 值；{level}% {kind} 区间，"
            f"{boot.n_used} 次自助抽样（种子 {seed}）。"
        )
    return (
        f"t = estimate / bootstrap SD; p: two-sided bootstrap p-value; {level}% {kind} "
        f"interval from {boot.n_used} bootstrap draws (seed {seed})."
    )


def _inference_columns(boot: Any) -> tuple[Column, ...]:
    if boot is None:
        return ()
    level = round(100 * float(boot.level))
    return (
        Column("*t*", ("t",), "number", 2),
        Column("*p*", ("pvalue",), "p"),
        Column(f"{level}% *CI*", ("ci_lower", "ci_upper"), "ci", 2, bounded=True),
    )


def _note(res: Any, lang: str, bootstrap: Any = None) -> str:
    scheme = _SCHEME[lang].get(res.scheme, res.scheme)
    if res.missing == "mean":
        miss = ("均值替换" if lang == "zh" else "mean replacement") + (
            f"（{res.n_dropped} 个个案）" if lang == "zh" else f" ({res.n_dropped} cases)"
        )
    elif res.missing == "listwise":
        miss = (
            f"列删除（删除 {res.n_dropped} 个个案）"
            if lang == "zh"
            else f"casewise deletion ({res.n_dropped} cases dropped)"
        )
    else:
        miss = "无" if lang == "zh" else "none"
    plsc = getattr(res, "consistent", False)
    if lang == "zh":
        tests = "" if bootstrap is not None else "未做 Bootstrap，故不报告显著性。"
        return (
            f"注：N = {res.n}；{'PLSc（一致性 PLS）' if plsc else 'PLS-SEM'}，{scheme}方案，"
            f"停止准则 {res.tol:g}，最多 {res.max_iter} 次迭代；缺失数据：{miss}。{tests}"
        )
    tests = "" if bootstrap is not None else " No bootstrap: no significance tests are reported."
    return (
        f"Note. N = {res.n}; {'consistent PLS (PLSc)' if plsc else 'PLS-SEM'}, {scheme} "
        f"scheme, stop criterion {res.tol:g}, at most {res.max_iter} iterations; missing "
        f"data: {miss}.{tests}"
    )


def _join(*parts: str, lang: str) -> str:
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def pls_measurement_table(
    res: Any, *, codebook: Any = None, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """Outer loadings, outer weights and the items' VIF, grouped by construct.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi())
    >>> pls_measurement_table(res).cells()[0]
    ['IMAG1', '.75', '.30', '1.47']
    """
    lang = check_lang(lang)
    _pls(res, "pls_measurement_table")
    labels = _labels(_codebook(codebook), lang)
    rows = []
    for c, items in res.measurement.items():
        mode = "A" if res.modes[c] == "A" else "B"
        for item in items:
            rows.append(
                {
                    "construct": f"{labels.get(c, c)}（模式 {mode}）"
                    if lang == "zh"
                    else f"{labels.get(c, c)} (mode {mode})",
                    "item": item,
                    "loading": float(res.loadings.loc[item, c]),
                    "weight": float(res.weights.loc[item, c]),
                    "vif": float(res.vif_outer.loc[item, "vif"]),
                }
            )
    w = _W[lang]
    cols = (
        Column(w["item"], ("item",), "text"),
        Column(w["loading"], ("loading",), "bounded", 2),
        Column(w["weight"], ("weight",), "bounded", 2),
        Column("VIF", ("vif",), "number", 2),
    )
    extra = (
        "模式 A（=~）：相关权重；模式 B（<~）：回归权重。VIF < 5（保守：< 3）表示无严重共线性。"
        if lang == "zh"
        else "Mode A (=~): correlation weights; mode B (<~): regression weights. VIF below 5 "
        "(conservative: 3) indicates no critical collinearity (Hair et al., 2022)."
    )
    return Table(
        data=pd.DataFrame(rows),
        columns=cols,
        number=number,
        title=title or w["meas_title"],
        note=_join(_note(res, lang), extra, lang=lang),
        status=res.status,
        group="construct",
        lang=lang,
    )


def pls_reliability_table(
    res: Any, *, codebook: Any = None, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """Cronbach's alpha, rho_A, rho_C and AVE per construct (seminr ``$reliability``).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi())
    >>> pls_reliability_table(res).cells()[0]
    ['Image', '.72', '.74', '.82', '.48']
    """
    lang = check_lang(lang)
    _pls(res, "pls_reliability_table")
    labels = _labels(_codebook(codebook), lang)
    data = res.reliability.reset_index()
    data.insert(0, "label", [labels.get(str(c), str(c)) for c in data["construct"]])
    cols = (
        Column(_W[lang]["construct"], ("label",), "text"),
        Column("α", ("alpha",), "bounded", 2),
        Column("*ρ*_A", ("rho_a",), "bounded", 2),
        Column("*ρ*_C", ("rho_c",), "bounded", 2),
        Column("AVE", ("ave",), "bounded", 2),
    )
    extra = (
        "α、ρ_A 与 ρ_C ≥ .70 且 AVE ≥ .50 支持信度与聚合效度；"
        "单题项构念各为 1，模式 B 构念的 ρ_A 为 1。"
        if lang == "zh"
        else "α, ρ_A and ρ_C of .70 or more and AVE of .50 or more support reliability and "
        "convergent validity; a single-item construct shows 1 throughout, and ρ_A of a mode-B "
        "composite is 1 (seminr's convention)."
    )
    return Table(
        data=data,
        columns=cols,
        number=number,
        title=title or _W[lang]["rel_title"],
        note=_join(_note(res, lang), extra, lang=lang),
        status=res.status,
        lang=lang,
    )


def pls_paths_table(
    res: Any,
    *,
    bootstrap: Any = None,
    ci: str = "percentile",
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Path coefficients with f² and the inner VIF, one row per path.

    With ``bootstrap=`` (the result's :class:`~loyaltysem.pls.bootstrap.PLSBootstrap`)
    also *t*, *p* (stars on β) and the ``ci`` interval, as SmartPLS's bootstrapping
    report and seminr's ``summary(boot)$bootstrapped_paths``.
    """
    lang = check_lang(lang)
    _pls(res, "pls_paths_table")
    labels = _labels(_codebook(codebook), lang)
    table = _boot(res, bootstrap, ci, "path")
    rows = [
        {
            "key": f"{s} -> {t}",
            "path": f"{labels.get(s, s)} → {labels.get(t, t)}",
            "beta": float(res.paths.loc[s, t]),
            "f2": float(res.f2.loc[s, t]),
            "vif": float(res.vif_inner.loc[s, t]),
        }
        for s, t in res.structural
    ]
    _boot_columns(rows, table, "key")
    cols = (
        Column(_W[lang]["path"], ("path",), "text"),
        Column("*β*", ("beta",), "bounded", 2, stars="pvalue" if table is not None else None),
        *_inference_columns(bootstrap),
        Column("*f*²", ("f2",), "number", 3),
        Column("VIF", ("vif",), "number", 3),
    )
    if bootstrap is not None:
        extra_boot = _boot_note(bootstrap, ci, lang)
    else:
        extra_boot = ""
    extra = (
        "f² ≥ .02、.15、.35 分别为小、中、大效应（Cohen，1988）；"
        "f² 由去掉该路径后重新估计的 R² 计算。"
        if lang == "zh"
        else "f² of .02, .15 and .35: small, medium and large effects (Cohen, 1988); f² from the "
        "R² of the model re-estimated without the path."
    )
    return Table(
        data=pd.DataFrame(rows),
        columns=cols,
        number=number,
        title=title or _W[lang]["paths_title"],
        note=_join(_note(res, lang, bootstrap), extra_boot, extra, lang=lang),
        status=res.status,
        lang=lang,
    )


def pls_r2_table(
    res: Any, *, codebook: Any = None, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """R² and adjusted R² of the endogenous constructs."""
    lang = check_lang(lang)
    _pls(res, "pls_r2_table")
    labels = _labels(_codebook(codebook), lang)
    data = res.r2.reset_index()
    data.insert(0, "label", [labels.get(str(c), str(c)) for c in data["construct"]])
    cols = (
        Column(_W[lang]["construct"], ("label",), "text"),
        Column("*R*²", ("r2",), "bounded", 3),
        Column("*R*²_adj", ("adj_r2",), "bounded", 3),
    )
    return Table(
        data=data,
        columns=cols,
        number=number,
        title=title or _W[lang]["r2_title"],
        note=_note(res, lang),
        status=res.status,
        lang=lang,
    )


def pls_effects_table(
    res: Any,
    *,
    bootstrap: Any = None,
    ci: str = "percentile",
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Every specific indirect effect, then the total effect of each pair with one.

    With ``bootstrap=``: *t*, *p* and the ``ci`` interval of each (seminr
    ``specific_effect_significance()``, SmartPLS "specific indirect effects").
    """
    lang = check_lang(lang)
    _pls(res, "pls_effects_table")
    labels = _labels(_codebook(codebook), lang)
    specific = _boot(res, bootstrap, ci, "specific_indirect")
    total = _boot(res, bootstrap, ci, "total")
    w = _W[lang]
    rows: list[dict[str, Any]] = []
    spec = res.specific_effects
    for (s, t), part in spec.groupby(["source", "target"], sort=False):
        mine: list[dict[str, Any]] = []
        for route, est in zip(part["path"], part["estimate"], strict=True):
            shown = " → ".join(labels.get(x, x) for x in route.split("->"))
            key = " -> ".join(route.split("->"))
            mine.append({"kind": w["specific"], "path": shown, "effect": float(est), "key": key})
        _boot_columns(mine, specific, "key")
        last = {
            "kind": w["total"],
            "path": f"{labels.get(s, s)} → {labels.get(t, t)}",
            "effect": float(res.total_effects.loc[s, t]),
            "key": f"{s} -> {t}",
        }
        _boot_columns([last], total, "key")
        rows += [*mine, last]
    names = ["kind", "path", "effect", "key"]
    if bootstrap is not None:
        names += ["t", "pvalue", "ci_lower", "ci_upper"]
    data = pd.DataFrame(rows, columns=names)
    cols = (
        Column(w["kind"], ("kind",), "text"),
        Column(w["path"], ("path",), "text"),
        Column(w["effect"], ("effect",), "bounded", 3, stars="pvalue" if bootstrap else None),
        *_inference_columns(bootstrap),
    )
    extra = (
        "特定间接效应为路径系数之积；总效应 = 直接效应 + 全部间接效应。"
        if lang == "zh"
        else "A specific indirect effect is the product of the path coefficients along its "
        "route; a total effect is the direct effect plus every indirect effect."
    )
    return Table(
        data=data,
        columns=cols,
        number=number,
        title=title or w["effects_title"],
        note=_join(
            _note(res, lang, bootstrap),
            _boot_note(bootstrap, ci, lang) if bootstrap is not None else "",
            extra,
            lang=lang,
        ),
        status=res.status,
        lang=lang,
    )


def pls_fit_table(
    res: Any, *, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """SRMR, d_ULS and d_G of the saturated and the estimated model (SmartPLS "model fit")."""
    lang = check_lang(lang)
    _pls(res, "pls_fit_table")
    fm = res.fit_measures
    data = pd.DataFrame(
        {
            "measure": ["SRMR", "d_ULS", "d_G"],
            "saturated": fm["saturated"].to_numpy(),
            "estimated": fm["estimated"].to_numpy(),
        }
    )
    w = _W[lang]
    cols = (
        Column(w["measure"], ("measure",), "text"),
        Column(w["saturated"], ("saturated",), "number", 3),
        Column(w["estimated"], ("estimated",), "number", 3),
    )
    extra = (
        "模型隐含相关按 cSEM 的定义计算（=~ 构念为共同因子，<~ 构念保留组内观测相关）；"
        "SRMR < .08 为良好拟合。"
        if lang == "zh"
        else "Model-implied correlations as cSEM defines them (=~ constructs as common factors, "
        "<~ composites keep their observed within-block correlations); SRMR below .08 "
        "indicates good fit (Henseler et al., 2014)."
    )
    return Table(
        data=data,
        columns=cols,
        number=number,
        title=title or w["fit_title"],
        note=_join(_note(res, lang), extra, lang=lang),
        status=res.status,
        lang=lang,
    )


def pls_tables(
    res: Any,
    *,
    bootstrap: Any = None,
    ci: str = "percentile",
    codebook: Any = None,
    start: int = 1,
    lang: str = "en",
) -> list[Table]:
    """Every PLS table, numbered from ``start``.

    Measurement, reliability, Fornell–Larcker, HTMT, paths, R², effects and fit; with
    ``bootstrap=`` the paths and effects with *t*, *p* and intervals.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> tables = pls_tables(ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi()))
    >>> [t.label for t in tables][-1], len(tables)
    ('Table 8', 8)
    """
    kw: dict[str, Any] = {"codebook": codebook, "lang": lang}
    tested = {"bootstrap": bootstrap, "ci": ci}
    builders: list[tuple[Any, dict[str, Any]]] = [
        (pls_measurement_table, {}),
        (pls_reliability_table, {}),
        (fornell_larcker_table, {}),
        (htmt_table, {}),
        (pls_paths_table, tested),
        (pls_r2_table, {}),
        (pls_effects_table, tested),
    ]
    out = [b(res, number=start + i, **kw, **more) for i, (b, more) in enumerate(builders)]
    out.append(pls_fit_table(res, number=start + len(builders), lang=lang))
    return out


def pls_methods_text(res: Any, *, lang: str = "en") -> Paragraphs:
    """The methods paragraph of a PLS-SEM analysis (software, algorithm, settings, N).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> text = pls_methods_text(ls.fit_pls(ls.ECSI_MODEL, ls.load_mobi())).text
    >>> "path weighting" in text and "N = 250" in text
    True
    """
    lang = check_lang(lang)
    _pls(res, "pls_methods_text")
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("loyaltysem")
    except PackageNotFoundError:  # run from a source tree (PYTHONPATH=src)
        __version__ = "0.0.0"
    scheme = _SCHEME[lang].get(res.scheme, res.scheme)
    n_a = sum(1 for m in res.modes.values() if m == "A")
    n_b = len(res.modes) - n_a
    if lang == "zh":
        first = (
            f"模型以偏最小二乘结构方程模型（PLS-SEM）估计（loyaltysem {__version__}，"
            f"与 seminr 和 SmartPLS 的数值一致），采用{scheme}方案，停止准则为权重变化之和 "
            f"< {res.tol:g}，最多 {res.max_iter} 次迭代；{n_a} 个构念为模式 A，{n_b} 个为模式 B。"
        )
        conv = (
            f"算法在 {res.iterations} 次迭代后收敛。"
            if res.converged
            else f"警告：算法在 {res.max_iter} 次迭代内未收敛，估计值不可解读。"
        )
        how = {"mean": "均值替换", "listwise": "列删除"}.get(res.missing, res.missing)
        data = f"样本量 N = {res.n}；缺失数据处理：{how}（{res.n_dropped} 个个案）。"
    else:
        first = (
            f"The model was estimated by partial least squares path modelling (PLS-SEM; "
            f"loyaltysem {__version__}, whose estimates equal seminr's and SmartPLS') with the "
            f"{scheme} scheme, stopping when the summed change of the outer weights fell below "
            f"{res.tol:g} (at most {res.max_iter} iterations); {n_a} constructs were estimated "
            f"in mode A and {n_b} in mode B."
        )
        conv = (
            f"The algorithm converged after {res.iterations} iterations."
            if res.converged
            else f"WARNING: the algorithm did not converge within {res.max_iter} iterations; "
            "the estimates must not be interpreted."
        )
        how = {"mean": "mean replacement", "listwise": "casewise deletion"}.get(
            res.missing, res.missing
        )
        data = f"N = {res.n}; missing answers: {how} ({res.n_dropped} cases)."
    sentences = (
        Sentence("estimation", first, (Number("res.tol", res.tol, f"{res.tol:g}"),)),
        Sentence(
            "convergence",
            conv,
            (Number("res.iterations", res.iterations, "")),
        ),
        Sentence("missing data", data, (Number("res.n", res.n, str(res.n)),)),
    )
    return Paragraphs("methods", lang, (sentences,), ok=bool(res.converged))
