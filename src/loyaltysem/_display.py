"""Display base for result objects: the only place where numbers are rounded.

Result objects hold pandas tables at full precision. They show themselves via
:meth:`DisplayMixin.summary` (plain text), ``__repr__`` (one short line) and
``_repr_html_`` (Jupyter); those are the only places where rounding happens.

Display conventions (APA 7, *Publication Manual* §6.36 and §6.38):

- p-values print with three decimals and no leading zero (``.032``), and below .001 as
  ``< .001`` (:func:`format_p`); a column or a row is a p-value when its name says so
  (:func:`is_p_name`: ``p``, ``pvalue``, ``p_value``, ``pvalue.scaled``, ``p_delta``,
  ``clf_p_value``, ...).
- Other quantities that cannot exceed 1 in absolute value (R², standardized
  loadings, CFI, SRMR, reliabilities; :data:`BOUNDED_NAMES`) print without a leading zero
  when every value of the column lies in [-1, 1].
- Text tables are at most :data:`DISPLAY_WIDTH` characters wide: wider tables wrap their
  columns into blocks (pandas ``to_string(line_width=...)``); no column or row is hidden.
  HTML tables scroll sideways inside their own box rather than widen the page.
"""

from __future__ import annotations

import html
import importlib
import math
import re
import textwrap
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem.status import Status

__all__ = [
    "BOUNDED_NAMES",
    "DISPLAY_WIDTH",
    "REPR_MAX",
    "DisplayMixin",
    "fit_sentence",
    "fit_table",
    "format_fit_table",
    "format_frame",
    "format_p",
    "format_unit",
    "html_section",
    "is_p_name",
    "p_phrase",
    "repr_p",
    "short_repr",
    "status_text",
    "text_section",
]

DEFAULT_DIGITS = 3

#: Width (characters) of text summaries: tables wrap their columns to fit.
DISPLAY_WIDTH = 100

#: Longest plain ``repr`` of a result (characters).
REPR_MAX = 300

#: Names of quantities bounded by 1 in absolute value, shown without a leading zero.
BOUNDED_NAMES = frozenset(
    {
        "r2",
        "std_all",
        "std_lv_all",
        "cfi",
        "cfi.robust",
        "cfi.scaled",
        "tli",
        "tli.robust",
        "tli.scaled",
        "rmsea",
        "rmsea.robust",
        "rmsea.scaled",
        "rmsea.ci.lower",
        "rmsea.ci.upper",
        "srmr",
        "alpha",
        "raw_alpha",
        "std_alpha",
        "alpha_std",
        "alpha_if_deleted",
        "omega",
        "rho_c",
        "rho_a",
        "ave",
        "sqrt_ave",
        "r_drop",
        "r_cor",
        "msa",
        "kmo",
        "communality",
        "h2",
        "u2",
        "proportion",
    }
)

_COUNT_NAME = re.compile(r"df|n|npar|ntotal|n_.*|.*_n|.*_df|df_.*|delta_df|count|iterations")

_P_NAME = re.compile(r"(?:.*[_.\s])?(?:p|pvalue|p_value|p\.value|pval|pr\(>chisq\))(?:[_.\s].*)?")

_CSS = (
    "<style>.loyaltysem-result .ls-table{overflow-x:auto;max-width:100%;}"
    ".loyaltysem-result p{margin:0.2em 0;white-space:normal;}"
    ".loyaltysem-result table{border-collapse:collapse;font-size:0.9em;}"
    ".loyaltysem-result th,.loyaltysem-result td{padding:0.1em 0.5em;white-space:nowrap;}"
    "</style>"
)


def is_p_name(name: object) -> bool:
    """Whether a column or row name denotes a p-value.

    Examples
    --------
    >>> [is_p_name(n) for n in ["pvalue", "p", "p_delta", "clf_p_value", "pvalue.scaled"]]
    [True, True, True, True, True]
    >>> [is_p_name(n) for n in ["PQ1", "proportion_mediated", "pc_observed", "est"]]
    [False, False, False, False]
    """
    return bool(_P_NAME.fullmatch(str(name).lower()))


def format_p(p: float, na_rep: str = "") -> str:
    """A p-value as APA prints it: three decimals, no leading zero, ``< .001``.

    Parameters
    ----------
    p : float
        The p-value (full precision).
    na_rep : str, default ""
        What a missing value shows.

    Examples
    --------
    >>> format_p(0.0), format_p(0.00049), format_p(0.0321), format_p(0.5), format_p(1.0)
    ('< .001', '< .001', '.032', '.500', '1.000')
    """
    if p is None or (isinstance(p, float | np.floating) and math.isnan(p)):
        return na_rep
    p = float(p)
    if p < 0.001:
        return "< .001"
    return _strip_zero(f"{p:.3f}")


def format_unit(x: float, digits: int = DEFAULT_DIGITS, na_rep: str = "") -> str:
    """A quantity bounded by 1 without its leading zero (``.812``, ``-.045``).

    Examples
    --------
    >>> format_unit(0.8123), format_unit(-0.0449), format_unit(1.0)
    ('.812', '-.045', '1.000')
    """
    if x is None or math.isnan(float(x)):
        return na_rep
    return _strip_zero(f"{float(x):.{digits}f}")


def _strip_zero(text: str) -> str:
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _format_number(x: Any, digits: int, na_rep: str) -> str:
    if isinstance(x, bool | np.bool_) or not isinstance(x, int | float | np.number):
        return na_rep if x is None else str(x)
    x = float(x)
    if math.isnan(x):
        return na_rep
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}f}"


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    return bool(len(finite)) and bool(np.all(np.isfinite(finite) & (finite % 1 == 0)))


def format_frame(
    frame: pd.DataFrame | pd.Series, digits: int = DEFAULT_DIGITS, na_rep: str = "NaN"
) -> pd.DataFrame:
    """Return a copy of ``frame`` formatted for display (the input is not modified).

    Float columns are shown with ``digits`` decimals (as strings); p-value columns
    (:func:`is_p_name`) become APA strings (:func:`format_p`); columns of
    :data:`BOUNDED_NAMES` with every value in [-1, 1] lose their leading zero; whole-number
    counts (``df``, ``n``, ``n_*``, ``*_df``) lose their ``.0``. In a one-column table (a
    Series of named values), rows named as p-values are shown as p-values.

    Parameters
    ----------
    frame : DataFrame or Series
        Table at full precision; it is not modified.
    digits : int, default 3
        Decimal places shown.
    na_rep : str, default "NaN"
        What a missing cell shows in the converted (string) columns.

    Returns
    -------
    DataFrame
        A new frame.

    Examples
    --------
    >>> import pandas as pd
    >>> format_frame(pd.DataFrame({"x": [0.123456]}))
           x
    0  0.123
    >>> format_frame(pd.DataFrame({"est": [0.5, 1.25], "pvalue": [0.0, 0.04321]}))
         est  pvalue
    0  0.500  < .001
    1  1.250    .043
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    out = df.copy()
    for pos, col in enumerate(out.columns):
        values = out.iloc[:, pos]
        if not pd.api.types.is_float_dtype(values):
            continue
        if is_p_name(col):
            shown = [format_p(v, na_rep) for v in values]
        elif _COUNT_NAME.fullmatch(str(col).lower()) and _whole(values):
            shown = [_format_number(v, digits, na_rep) for v in values]  # no ".0"
        elif str(col).lower() in BOUNDED_NAMES and bool((values.abs().fillna(0) <= 1).all()):
            shown = [format_unit(v, digits, na_rep) for v in values]
        else:  # fixed decimals, so that a column reads down evenly (2.540, not 2.54)
            shown = [na_rep if math.isnan(v) else f"{v:.{digits}f}" for v in values]
        out.isetitem(pos, pd.Series(shown, index=out.index, dtype=object))
    if out.shape[1] == 1 and pd.api.types.is_float_dtype(df.iloc[:, 0]):
        p_rows = [is_p_name(i) for i in out.index]
        if any(p_rows):
            col = df.iloc[:, 0]
            shown = [
                format_p(v, na_rep) if is_p else _format_number(v, digits, na_rep)
                for v, is_p in zip(col, p_rows, strict=True)
            ]
            out.isetitem(0, pd.Series(shown, index=out.index, dtype=object))
    return out


ROBUST_ESTIMATORS = frozenset({"MLM", "MLMV", "MLMVS", "MLR", "WLSM", "WLSMV", "ULSM", "ULSMV"})


def _get(fm: pd.Series, key: str) -> float:
    value = fm.get(key, np.nan)
    return np.nan if value is None else float(value)


def fit_table(fit_measures: pd.Series, n: int | None = None) -> pd.DataFrame:
    """The fit indices a reader reports, as a compact table at full precision.

    Rows: χ², df, p, CFI, TLI, RMSEA with its confidence interval and the p-value of
    close fit (H0: RMSEA ≤ .05), SRMR, AIC, BIC and N (rows without a value, e.g. AIC
    under WLSMV, are left out). Column ``standard``: the normal-theory test and indices
    (lavaan's ``fitMeasures()`` ``chisq``, ``cfi``, ``rmsea``, ...). With a robust
    estimator (MLM, MLR, WLSMV, ULSMV: ``chisq.scaled`` present) a second column
    ``robust``: the scaled χ² with its df, p and scaling factor, and the robust CFI, TLI
    and RMSEA (``cfi.robust``, ``tli.robust``, ``rmsea.robust``, lavaan ≥ 0.6-13,
    Brosseau-Liard & Savalei 2014; Savalei 2021 for WLSMV), as lavaan's ``summary(fit,
    fit.measures = TRUE)`` prints them and APA's JARS-Quant asks for.

    Parameters
    ----------
    fit_measures : Series
        Keyed by lavaan's ``fitMeasures()`` names.
    n : int, optional
        Observations used (default: ``ntotal`` of ``fit_measures``).

    Returns
    -------
    DataFrame
        Index ``measure`` (reader's labels), columns ``standard`` (and ``robust``).

    Examples
    --------
    >>> import pandas as pd
    >>> fm = pd.Series({"chisq": 10.0, "df": 8.0, "pvalue": 0.265, "cfi": 0.99,
    ...                 "tli": 0.98, "rmsea": 0.02, "rmsea.ci.lower": 0.0,
    ...                 "rmsea.ci.upper": 0.05, "rmsea.pvalue": 0.9, "srmr": 0.03})
    >>> fit_table(fm, n=300).index.tolist()[:4]
    ['χ²', 'df', 'p', 'CFI']
    """
    level = _get(fit_measures, "rmsea.ci.level")
    ci = f"{level:.0%}" if not math.isnan(level) else "90%"
    rows = [
        ("χ²", "chisq", "chisq.scaled"),
        ("df", "df", "df.scaled"),
        ("p", "pvalue", "pvalue.scaled"),
        ("scaling factor", None, "chisq.scaling.factor"),
        ("CFI", "cfi", "cfi.robust"),
        ("TLI", "tli", "tli.robust"),
        ("RMSEA", "rmsea", "rmsea.robust"),
        (f"RMSEA {ci} CI lower", "rmsea.ci.lower", "rmsea.ci.lower.robust"),
        (f"RMSEA {ci} CI upper", "rmsea.ci.upper", "rmsea.ci.upper.robust"),
        ("RMSEA p (close fit)", "rmsea.pvalue", "rmsea.pvalue.robust"),
        ("SRMR", "srmr", None),
        ("AIC", "aic", None),
        ("BIC", "bic", None),
    ]
    robust = "chisq.scaled" in fit_measures.index
    count = float(n) if n is not None else _get(fit_measures, "ntotal")
    data: dict[str, list[float]] = {"standard": []}
    if robust:
        data["robust"] = []
    labels = []
    for label, key, rkey in rows:
        std = _get(fit_measures, key) if key else np.nan
        rob = _get(fit_measures, rkey) if (robust and rkey) else np.nan
        if robust and rkey and math.isnan(rob) and ".robust" in rkey:  # e.g. WLSMV, lavaan < 0.6-13
            rob = _get(fit_measures, rkey.replace(".robust", ".scaled"))
        if math.isnan(std) and math.isnan(rob):
            continue
        labels.append(label)
        data["standard"].append(std)
        if robust:
            data["robust"].append(rob)
    if not math.isnan(count):
        labels.append("N")
        data["standard"].append(count)
        if robust:
            data["robust"].append(np.nan)
    return pd.DataFrame(data, index=pd.Index(labels, name="measure"), dtype=float)


def fit_sentence(fit_measures: pd.Series, kind: str | None = None) -> str:
    """One line of global fit as APA writes it: ``χ²(df) = …, p …; CFI = …``.

    The scaled χ² and robust indices when the fit has them (a robust estimator);
    ``kind="scaled"`` for the scaled indices (``cfi.scaled``, ...), ``"standard"`` for
    the normal-theory ones.

    Examples
    --------
    >>> import pandas as pd
    >>> fm = pd.Series({"chisq": 335.85, "df": 353.0, "pvalue": 0.733, "cfi": 1.0,
    ...                 "tli": 1.0, "rmsea": 0.0, "rmsea.ci.lower": 0.0,
    ...                 "rmsea.ci.upper": 0.008, "srmr": 0.024})
    >>> fit_sentence(fm)
    'χ²(353) = 335.850, p = .733; CFI = 1.000, TLI = 1.000, RMSEA = .000 [.000, .008], SRMR = .024'
    """

    def stat(key: str) -> str:
        value = _get(fit_measures, key)
        return "NA" if math.isnan(value) else _strip_zero(f"{value:.3f}")

    def p_text(key: str) -> str:
        text = format_p(_get(fit_measures, key), na_rep="NA")
        return f"p {text}" if text.startswith("<") else f"p = {text}"

    def df_text(key: str) -> str:
        return _format_number(_get(fit_measures, key), 3, "NA")

    suffix = ".robust" if "chisq.scaled" in fit_measures.index else ""
    if suffix and (kind == "scaled" or math.isnan(_get(fit_measures, "cfi.robust"))):
        suffix = ".scaled"
    if kind == "standard":
        suffix = ""
    if suffix:
        chisq = (
            f"scaled χ²({df_text('df.scaled')}) = {_get(fit_measures, 'chisq.scaled'):.3f}, "
            f"{p_text('pvalue.scaled')}; {suffix[1:]} "
        )
    else:
        chisq = f"χ²({df_text('df')}) = {_get(fit_measures, 'chisq'):.3f}, {p_text('pvalue')}; "
    return (
        f"{chisq}CFI = {stat('cfi' + suffix)}, TLI = {stat('tli' + suffix)}, "
        f"RMSEA = {stat('rmsea' + suffix)} [{stat('rmsea.ci.lower' + suffix)}, "
        f"{stat('rmsea.ci.upper' + suffix)}], SRMR = {stat('srmr')}"
    )


def format_fit_table(table: pd.DataFrame, digits: int = DEFAULT_DIGITS) -> pd.DataFrame:
    """Strings of a compact fit table (rows = indices), as a reader reports them.

    p-value rows as :func:`format_p`; counts (``df``, ``N``) without decimals where whole;
    CFI, TLI, RMSEA and SRMR with three decimals and no leading zero; χ², AIC and BIC with
    ``digits``; missing cells blank. Rows are named as in :func:`fit_table` or by
    lavaan's keys.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"value": [12.3456, 5.0, 0.0001, 0.0512]},
    ...                  index=pd.Index(["chisq", "df", "pvalue", "rmsea"], name="measure"))
    >>> format_fit_table(t)
              value
    measure
    chisq    12.346
    df            5
    pvalue   < .001
    rmsea      .051
    """
    out = pd.DataFrame(index=table.index, columns=table.columns, dtype=object)
    for key in table.index:
        for col in table.columns:
            v = table.at[key, col]
            if is_p_name(key):
                text = format_p(v)
            elif str(key).lower() in {"df", "n", "ntotal", "npar"} or str(key).startswith("df"):
                text = _format_number(v, digits, "")
            elif re.split(r"[ .]", str(key).lower())[0] in {"cfi", "tli", "rmsea", "srmr"}:
                text = "" if pd.isna(v) else _strip_zero(f"{float(v):.3f}")
            else:
                text = "" if pd.isna(v) else f"{float(v):.{digits}f}"
            out.at[key, col] = text
    return out


def _to_text(frame: pd.DataFrame, na_rep: str, width: int) -> str:
    body = frame.to_string(na_rep=na_rep, line_width=width)
    return "\n".join(line.rstrip() for line in body.splitlines())


#: A text column whose longest cell exceeds this many characters is listed under its table.
LONG_TEXT = 40


def _long_text_columns(frame: pd.DataFrame) -> list[Any]:
    out = []
    for pos, col in enumerate(frame.columns):
        values = frame.iloc[:, pos]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_numeric_dtype(values):
            continue
        longest = max((len(str(v)) for v in values if isinstance(v, str)), default=0)
        if longest > LONG_TEXT:
            out.append(col)
    return out


def text_section(
    title: str,
    frame: pd.DataFrame | pd.Series,
    digits: int = DEFAULT_DIGITS,
    na_rep: str = "NaN",
    width: int = DISPLAY_WIDTH,
) -> str:
    """Render a titled table as plain text, at most ``width`` characters wide.

    Columns wrap into blocks (pandas ``to_string(line_width=width)``). A table too wide
    for ``width`` lists its long text columns (a cell over 40 characters: reasons,
    sources, messages) below the table, one wrapped line per row, instead of stretching
    every line; nothing is left out.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"decision": ["supported"], "reason": ["ΔCFI " * 30]},
    ...                  index=pd.Index(["metric"], name="level"))
    >>> print(text_section("Ladder", t, width=60))
    Ladder
    ------
             decision
    level
    metric  supported
    <BLANKLINE>
    reason:
      metric: ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI
        ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI
        ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI ΔCFI
    <BLANKLINE>
    """
    shown = format_frame(frame, digits, na_rep)
    body = _to_text(shown, na_rep, width)
    notes: list[str] = []
    if max((len(line) for line in body.splitlines()), default=0) > width:
        long_cols = _long_text_columns(shown)
        if long_cols and len(long_cols) < shown.shape[1]:
            body = _to_text(shown.drop(columns=long_cols), na_rep, width)
            wrap = textwrap.TextWrapper(
                width=width, initial_indent="  ", subsequent_indent="    ",
                break_long_words=False, break_on_hyphens=False,
            )  # fmt: skip
            for col in long_cols:
                notes.append("")
                notes.append(f"{col}:")
                for key, value in shown[col].items():
                    if isinstance(value, str) and value.strip():
                        notes.extend(wrap.wrap(f"{key}: {value}"))
    tail = "\n".join(notes)
    return f"{title}\n{'-' * min(len(title), width)}\n{body}\n" + (tail + "\n" if tail else "")


def html_section(
    title: str, frame: pd.DataFrame | pd.Series, digits: int = DEFAULT_DIGITS, na_rep: str = "NaN"
) -> str:
    """Render a titled table as HTML, in a box that scrolls sideways when it is too wide."""
    table = format_frame(frame, digits, na_rep).to_html(na_rep=na_rep, classes="ls-frame")
    return f"<h4>{html.escape(title)}</h4>\n<div class='ls-table'>{table}</div>\n"


def p_phrase(p: float) -> str:
    """``= .032`` or ``< .001``: what follows a *p* in running text.

    Examples
    --------
    >>> "p " + p_phrase(0.0), "p " + p_phrase(0.0321)
    ('p < .001', 'p = .032')
    """
    text = format_p(p, na_rep="NA")
    return text if text.startswith("<") else f"= {text}"


def repr_p(name: str, p: float) -> str:
    """A p-value as one ``repr`` part: ``p<.001``, ``p=.032``, ``p=NA``.

    Examples
    --------
    >>> repr_p("p", 0.00001), repr_p("skew_p", 0.0321)
    ('p<.001', 'skew_p=.032')
    """
    text = format_p(p, na_rep="NA")
    return f"{name}<{text[2:]}" if text.startswith("<") else f"{name}={text}"


def short_repr(kind: str, parts: Iterable[str], limit: int = REPR_MAX) -> str:
    """``<kind part part ...>`` in at most ``limit`` characters.

    Examples
    --------
    >>> short_repr("SEMResult", ["N=1225", "estimator=ML", "converged"])
    '<SEMResult N=1225 estimator=ML converged>'
    """
    text = " ".join([kind, *[p for p in parts if p]])
    if len(text) + 2 > limit:
        text = text[: limit - 3] + "…"
    return f"<{text}>"


def status_text(converged: bool, warnings: Iterable[str] = ()) -> str:
    """A fit's status in two words: convergence, then admissibility.

    A shorthand of :class:`loyaltysem.status.Status` (results show ``result.status``):
    ``inadmissible`` when a warning reports a Heywood case or a not positive definite
    latent or residual covariance matrix; ``singular information`` when the model may not
    be identified (the information matrix could not be inverted).

    Examples
    --------
    >>> status_text(True)
    'converged, admissible'
    >>> status_text(True, ["negative variance estimate (Heywood case): x1 ~~ x1 = -0.1"])
    'converged, inadmissible'
    >>> status_text(False)
    'NOT converged'
    """
    status = Status.from_warnings(converged, warnings)
    if not status.converged:
        return "NOT converged"
    parts = ["converged", "admissible" if status.admissible else "inadmissible"]
    if not status.identified:
        parts.append("singular information")
    return ", ".join(parts)


class DisplayMixin:
    """Mixin giving a result ``summary()``, ``__repr__`` and ``_repr_html_``.

    Subclasses implement :meth:`_sections`, yielding ``(title, table)`` pairs, may
    override :meth:`_header` (lines shown above the tables) and :meth:`_repr_parts`
    (the short ``key=value`` parts of the one-line ``repr``). A dataclass subclass is
    declared with ``repr=False`` so that this ``__repr__`` is kept.
    """

    _title: str = "Result"
    _na_rep: str = "NaN"  # how missing cells show (blank where NaN means "not applicable")

    def _header(self) -> list[str]:
        return []

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        return []

    def _repr_parts(self) -> list[str]:
        header = self._header()
        return [header[0]] if header else []

    def __repr__(self) -> str:
        return short_repr(type(self).__name__, self._repr_parts())

    def summary(self, digits: int = DEFAULT_DIGITS) -> str:
        """Return a plain-text summary, numbers rounded to ``digits`` decimals.

        Lines are at most :data:`DISPLAY_WIDTH` characters where they can be wrapped:
        wide tables continue in blocks of columns, nothing is left out. p-values are
        shown as APA prints them (``< .001``, ``.032``).
        """
        wrap = textwrap.TextWrapper(
            width=DISPLAY_WIDTH,
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        header: list[str] = []
        for line in self._header():
            header.extend(wrap.wrap(line) or [""])
        lines = [self._title, "=" * len(self._title), *header, ""]
        text = "\n".join(lines)
        for title, frame in self._sections():
            text += "\n" + text_section(title, frame, digits, self._na_rep)
        return text

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """Jupyter's view: the APA tables, drawn by the report wing's one renderer."""
        return report_backend("notebook").repr_html(self)


def report_backend(name: str) -> Any:
    """A module of the report wing, imported when a result asks to be shown or drawn.

    Results sit below the report wing and never import it (design.md §1): they name
    the module by string, as pandas names its plotting backend, and it is imported
    only when a notebook asks for HTML (``_repr_html_``) or a result for its diagram
    (``result.diagram()``).

    Examples
    --------
    >>> report_backend("notebook").__name__
    'loyaltysem.report.notebook'
    """
    if name not in _BACKENDS:
        raise ValueError(f"unknown report backend {name!r}: one of {sorted(_BACKENDS)}")
    return importlib.import_module(f"loyaltysem.report.{name}")


_BACKENDS = ("notebook", "diagrams")
