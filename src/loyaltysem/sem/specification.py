"""lavaan model syntax → a parameter table with lavaan's defaults (``lavaanify``).

:func:`specify` reads the lavaan model syntax a researcher already knows and builds
the parameter table that lavaan's ``sem()`` would build, with the same defaults:

- ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covariance), ``:=`` (defined
  parameter), ``==`` (equality of two labelled parameters); ``#`` and ``!`` start
  comments; statements end at a newline or ``;``; a statement continues on the next
  line after a trailing ``+`` (or when the next line starts with ``+``);
- modifiers before a variable: a number fixes the parameter (``0.8*x3``), ``NA``
  frees it (``NA*x1``), a name labels it (``a*x2``; parameters sharing a label are
  equal), ``start(0.5)``, ``label("a")`` and ``equal("a")``;
- defaults of ``sem()``/``cfa()``: the first loading of every latent variable fixed
  to 1 (``auto.fix.first``) unless ``std_lv=True`` (then latent variances are fixed
  to 1); residual variances of observed and latent variables free
  (``auto.var``); the residual variance of a single indicator fixed to 0
  (``auto.fix.single``); exogenous latent variables correlated (``auto.cov.lv.x``),
  residuals of purely dependent variables correlated (``auto.cov.y``); variances
  and covariances of observed exogenous covariates fixed at their sample values
  (``fixed.x = TRUE``).

The observed variables are ordered as lavaan orders them (``lavNames(fit, "ov")``):
indicators, then dependent observed variables, then exogenous covariates, then
variables that appear only in covariances.

Examples
--------
>>> from loyaltysem.sem.specification import specify
>>> spec = specify('''
... visual  =~ x1 + x2 + x3
... textual =~ x4 + x5 + x6
... ''')
>>> spec.ov
('x1', 'x2', 'x3', 'x4', 'x5', 'x6')
>>> spec.table[["lhs", "op", "rhs", "free", "ustart"]].head(3)
      lhs  op rhs  free  ustart
0  visual  =~  x1     0     1.0
1  visual  =~  x2     1     NaN
2  visual  =~  x3     2     NaN
>>> int(spec.table["free"].max())  # lavaan: sem(model, data, do.fit = FALSE)@pta$npar
13
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem._kernels.delta import delta_method
from loyaltysem._kernels.partable import ParTable
from loyaltysem.errors import IdentificationError, ModelSpecError
from loyaltysem.sem.expressions import compile_expression

__all__ = ["Definition", "ModelSpec", "parse_syntax", "specify"]

_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3
PARAMETER_OPS = ("=~", "~", "~~", "~1")
_SUPPORTED = "'=~', '~', '~~', ':=' and '=='"
_NAME = re.compile(r"[^\W\d][\w.]*|\.[^\W\d][\w.]*", re.UNICODE)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# longest operators first; the ones we recognise but cannot fit yet are listed too
_OPERATORS = ("~*~", "=~", "<~", "~~", ":=", "==", "|~", "~", "<", ">", "|", "%")
_UNSUPPORTED = {
    "<~": "composites (formative '<~') are not supported by covariance-based ML; model the "
    "construct reflectively with '=~', or use PLS",
    "~*~": "scale factors ('~*~') belong to ordinal models, which are not available yet",
    "|": "thresholds ('|') belong to ordinal models, which are not available yet",
    "|~": "'|~' is not supported",
    "%": "'%' (group weights) is not supported",
    "<": "inequality constraints ('<') are not supported",
    ">": "inequality constraints ('>') are not supported",
}


@dataclass(frozen=True)
class _Term:
    name: str
    fixed: float | None = None  # a number fixes the parameter
    free: bool = False  # NA* frees it (overrides a default fix)
    label: str = ""
    start: float | None = None
    #: a vector modifier ``c(a1, a2)``: one entry per group (label, number or NA)
    by_group: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Statement:
    line: int
    text: str


@dataclass(frozen=True)
class Definition:
    """A defined parameter (``name := expression``).

    Attributes
    ----------
    name : str
    expression : str
        As written (whitespace removed, ``^`` kept), like lavaan's ``rhs``.
    line : int
        Line in the model syntax.
    labels : tuple of str
        The labels (or earlier defined names) the expression uses.
    """

    name: str
    expression: str
    line: int
    labels: tuple[str, ...]
    _code: Any = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate on label values (scalars or numpy arrays, for batches).

        See :mod:`loyaltysem.sem.expressions`: no side effects on ``values``; division by
        zero and overflow give ``inf``/``nan`` as in R.
        """
        return self._code.evaluate(values)


# ---------------------------------------------------------------------------- parsing
def _strip_comment(line: str) -> str:
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "#!":
            return line[:i]
    return line


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _find_operator(text: str) -> tuple[str, int] | None:
    depth, quote = 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    return op, i
        i += 1
    return None


def _statements(syntax: str) -> list[_Statement]:
    """Split model syntax into statements, keeping the line each starts on."""
    if not isinstance(syntax, str):
        raise ModelSpecError(
            "the model must be lavaan syntax in a string",
            found=type(syntax).__name__,
            expected="a string such as 'TRU =~ TRU1 + TRU2 + TRU3'",
            fix="pass the model syntax as text (or a template from loyaltysem.instruments)",
        )
    out: list[_Statement] = []
    pending: _Statement | None = None
    for number, raw in enumerate(syntax.splitlines(), start=1):
        for piece in _split_top(_strip_comment(raw), ";"):
            text = piece.strip()
            if not text:
                continue
            # lavaan joins a line without an operator to the statement before; we do so
            # when the join is visible (a trailing or leading '+' or '*'), and otherwise
            # report the line, which is more often a typo than a continuation
            continues = pending is not None and (
                pending.text.rstrip().endswith(("+", "*", "~"))
                or (_find_operator(text) is None and text.startswith(("+", "*")))
            )
            if continues and pending is not None:
                pending = _Statement(pending.line, pending.text + " " + text)
                continue
            if pending is not None:
                out.append(pending)
            pending = _Statement(number, text)
    if pending is not None:
        out.append(pending)
    return out


def is_model_name(name: str) -> bool:
    """Whether ``name`` can stand for a variable in model syntax (as lavaan reads it).

    Examples
    --------
    >>> is_model_name("REP1"), is_model_name("4. 该平台口碑很好"), is_model_name("满意度")
    (True, False, True)
    """
    return _NAME.fullmatch(name) is not None


def _check_name(name: str, line: int, what: str) -> str:
    if not _NAME.fullmatch(name):
        raise ModelSpecError(
            f"{what} is not a valid variable name",
            line=line,
            found=name,
            expected="a name that starts with a letter (letters, digits, '_' and '.' after it)",
            fix="use the column name of the data, or rename the column",
        )
    return name


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


def _call_argument(text: str, func: str, line: int) -> str:
    inner = text[len(func) + 1 : -1].strip()
    if "," in inner:
        raise ModelSpecError(
            f"{func}() with several values is for multi-group models, which are not available yet",
            line=line,
            found=text,
            expected=f"{func}(one value)",
            fix="give a single value",
        )
    return inner


def _parse_term(text: str, line: int) -> _Term:
    pieces = [p.strip() for p in _split_top(text.strip(), "*")]
    if any(not p for p in pieces):
        raise ModelSpecError(
            "an empty term in the model syntax",
            line=line,
            found=text.strip(),
            expected="terms such as 'x1', '0.8*x1', 'a*x1' joined by '+'",
            fix="remove the doubled '+' or '*'",
        )
    name = pieces[-1]
    if name != "1":  # '1' is the intercept of a '~ 1' line (checked by the caller)
        _check_name(name, line, "the variable")
    fixed: float | None = None
    free = False
    label = ""
    start: float | None = None
    by_group: tuple[str, ...] = ()
    for mod in pieces[:-1]:
        value = _number(mod)
        if value is not None:
            fixed = value
        elif mod in ("NA", "na"):
            free = True
        elif mod.startswith("start(") and mod.endswith(")"):
            start = _number(_call_argument(mod, "start", line))
            if start is None:
                raise ModelSpecError(
                    "start() needs a number",
                    line=line,
                    found=mod,
                    expected="start(0.5)",
                    fix="give a numeric start value",
                )
        elif (mod.startswith("label(") or mod.startswith("equal(")) and mod.endswith(")"):
            func = mod.split("(", 1)[0]
            label = _call_argument(mod, func, line).strip("\"'")
            _check_name(label, line, "the label")
        elif mod.startswith("c(") and mod.endswith(")") and "," in mod:
            by_group = tuple(e.strip().strip("\"'") for e in mod[2:-1].split(","))
            for entry in by_group:
                if _number(entry) is None and entry not in ("NA", "na"):
                    _check_name(entry, line, "a label in c()")
        elif mod.startswith("c("):
            _call_argument(mod, "c", line)
            label = mod[2:-1].strip().strip("\"'")
            if _number(label) is not None:
                fixed = float(label)
                label = ""
        elif _NAME.fullmatch(mod):
            label = mod
        else:
            raise ModelSpecError(
                "cannot read a modifier in the model syntax",
                line=line,
                found=mod,
                expected="a number (fixed value), NA (free), a label, start(value), "
                'label("name") or equal("name")',
                fix="write e.g. '0.8*x1', 'NA*x1', 'a*x1' or 'start(0.5)*x1'",
            )
    return _Term(name, fixed, free, label, start, by_group)


@dataclass(frozen=True)
class _UserRow:
    lhs: str
    op: str
    rhs: str
    line: int
    term: _Term


def parse_syntax(
    syntax: str,
) -> tuple[list[_UserRow], list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """Parse lavaan syntax into user rows, ``:=`` definitions and ``==`` constraints.

    Returns
    -------
    rows : list
        One row per (lhs, op, rhs) the user wrote, with its modifiers and line.
    definitions : list of (name, expression, line)
    equalities : list of (lhs, rhs, line)

    Raises
    ------
    ModelSpecError
        An unknown or unsupported operator, a malformed term or name, naming the line.
    """
    rows: list[_UserRow] = []
    definitions: list[tuple[str, str, int]] = []
    equalities: list[tuple[str, str, int]] = []
    for st in _statements(syntax):
        found = _find_operator(st.text)
        if found is None:
            if re.match(r"^\s*(group|level|block|class)\s*:", st.text):
                raise ModelSpecError(
                    "blocks ('group:', 'level:') are not supported yet",
                    line=st.line,
                    found=st.text,
                    expected="a single-group, single-level model",
                    fix="fit one group at a time for now",
                )
            raise ModelSpecError(
                "a model line without an operator",
                line=st.line,
                found=st.text,
                expected=f"one of the operators {_SUPPORTED}",
                fix="write e.g. 'TRU =~ TRU1 + TRU2 + TRU3' or 'LOY ~ TRU + SAT'",
            )
        op, at = found
        left, right = st.text[:at].strip(), st.text[at + len(op) :].strip()
        if op in _UNSUPPORTED:
            raise ModelSpecError(
                _UNSUPPORTED[op],
                line=st.line,
                found=st.text,
                expected=f"the operators {_SUPPORTED}",
                fix="rewrite the line, or remove it",
            )
        if not left or not right:
            raise ModelSpecError(
                f"the '{op}' operator needs something on both sides",
                line=st.line,
                found=st.text,
                expected="'lhs op rhs', e.g. 'TRU =~ TRU1 + TRU2 + TRU3'",
                fix="complete the line",
            )
        if op == ":=":
            definitions.append((_check_name(left, st.line, "a defined parameter"), right, st.line))
            continue
        if op == "==":
            equalities.append((left.replace(" ", ""), right.replace(" ", ""), st.line))
            continue
        lhs_names = [_check_name(p.strip(), st.line, "the left-hand side") for p in left.split("+")]
        # a variable written twice in one formula merges its modifiers, as lavaan does
        # ('f =~ NA*x1 + a*x1 + a*x2': x1 free and labelled a)
        terms: dict[str, _Term] = {}
        for term_text in _split_top(right, "+"):
            term = _parse_term(term_text, st.line)
            if term.name in terms:
                term = _merge_terms(terms[term.name], term, st)
            terms[term.name] = term
        for term in terms.values():
            if term.name == "1" and op != "~":
                raise ModelSpecError(
                    f"'1' (an intercept) after the '{op}' operator",
                    line=st.line,
                    found=st.text,
                    expected="intercepts and means as 'y ~ 1' (free), 'y ~ 0*1' (fixed) or "
                    "'y ~ a*1' (labelled)",
                    fix="write the intercept on its own line with '~'",
                )
            for lhs in lhs_names:
                if term.name == "1":
                    rows.append(_UserRow(lhs, "~1", "", st.line, term))
                else:
                    rows.append(_UserRow(lhs, op, term.name, st.line, term))
    return rows, definitions, equalities


def _merge_terms(a: _Term, b: _Term, st: _Statement) -> _Term:
    """Merge the modifiers of a variable written twice in one formula (lavaan)."""
    kinds = {
        "fixed value or NA": (a.fixed is not None or a.free, b.fixed is not None or b.free),
        "label": (bool(a.label), bool(b.label)),
        "start value": (a.start is not None, b.start is not None),
    }
    for kind, (in_a, in_b) in kinds.items():
        if in_a and in_b:
            raise ModelSpecError(
                f"'{a.name}' is written twice in one formula, each time with a {kind}",
                line=st.line,
                found=st.text,
                expected=f"at most one {kind} per variable (e.g. 'NA*{a.name} + a*{a.name}')",
                fix=f"keep one {kind} for '{a.name}'",
            )
    return _Term(
        name=a.name,
        fixed=a.fixed if a.fixed is not None else b.fixed,
        free=a.free or b.free,
        label=a.label or b.label,
        start=a.start if a.start is not None else b.start,
        by_group=a.by_group or b.by_group,
    )


# ---------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ModelSpec:
    """A parsed model: lavaan's parameter table and what it says about the variables.

    Attributes
    ----------
    syntax : str
        The model as written.
    table : DataFrame
        ``lhs, op, rhs, user, free, ustart, exo, label, line`` (lavaan ``parTable()``
        before fitting; ``free`` numbers the free parameters, shared numbers are
        equality constraints; ``line`` is the model line a row comes from, 0 for
        rows lavaan adds by default).
    ov, lv, ov_x : tuple of str
        Observed variables (lavaan's order), latent variables, and observed
        exogenous covariates (fixed.x).
    definitions : tuple of Definition
        The ``:=`` parameters, in order.
    equalities : tuple of (str, str, int)
        ``==`` constraints as written, with their line.
    options : mapping
        ``std_lv, orthogonal, fixed_x``.
    """

    syntax: str
    _table: pd.DataFrame
    ov: tuple[str, ...]
    lv: tuple[str, ...]
    ov_x: tuple[str, ...]
    definitions: tuple[Definition, ...]
    equalities: tuple[tuple[str, str, int], ...]
    options: Mapping[str, Any]
    first_line: Mapping[str, int]

    @property
    def table(self) -> pd.DataFrame:
        """The parameter table (a copy: the spec itself never changes)."""
        return self._table.copy(deep=not _PANDAS_COW)

    @property
    def npar(self) -> int:
        """Number of free parameters (after equality constraints)."""
        free = self._table["free"]
        return int(free.max()) if len(free) else 0

    def partable(self) -> ParTable:
        """The parameter table in the kernel's numpy layout (parameter rows only)."""
        return self._partable

    @functools.cached_property
    def _partable(self) -> ParTable:
        t = self._table
        keep = t["op"].isin(PARAMETER_OPS).to_numpy()
        columns = {
            "lhs": t["lhs"].to_numpy(dtype=object)[keep],
            "op": t["op"].to_numpy(dtype=object)[keep],
            "rhs": t["rhs"].to_numpy(dtype=object)[keep],
            "free": t["free"].to_numpy(dtype=int)[keep],
            "ustart": t["ustart"].to_numpy(dtype=float)[keep],
            "exo": t["exo"].to_numpy(dtype=int)[keep],
            "label": t["label"].to_numpy(dtype=object)[keep],
        }
        for values in columns.values():
            values.flags.writeable = False  # shared by every fit of this (cached) spec
        return ParTable(**columns)

    def line_of(self, name: str) -> int | None:
        """The first model line that mentions a variable (for error messages)."""
        return self.first_line.get(name)


def _unique(seq: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(seq))


def _reorder_covariances(user: list[_UserRow]) -> list[_UserRow]:
    """Write ``a ~~ b`` in lavaan's order: latent before observed, each in name order."""
    lv = _unique([r.lhs for r in user if r.op == "=~"])
    lv_set = set(lv)
    v_ind = _unique([r.rhs for r in user if r.op == "=~"])
    eqs_y = _unique([r.lhs for r in user if r.op == "~"])
    eqs_x = _unique([r.rhs for r in user if r.op == "~"])
    ov_ind = [v for v in v_ind if v not in lv_set]
    ov_y = [v for v in eqs_y if v not in lv_set and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv_set and v not in ov_ind and v not in ov_y]
    extra = [r.lhs for r in user if r.op == "~~" and r.lhs not in lv_set]
    extra += [r.rhs for r in user if r.op == "~~" and r.rhs not in lv_set]
    order = {name: i for i, name in enumerate(_unique(lv + ov_ind + ov_y + ov_x + extra))}
    out = []
    for r in user:
        if r.op == "~~" and r.lhs != r.rhs and order[r.lhs] > order[r.rhs]:
            r = _UserRow(r.rhs, r.op, r.lhs, r.line, r.term)
        out.append(r)
    return out


def specify(
    model: str,
    *,
    std_lv: bool = False,
    orthogonal: bool = False,
    fixed_x: bool = True,
    auto_fix_first: bool | None = None,
    auto_fix_single: bool = True,
    auto_var: bool = True,
    auto_cov_lv_x: bool = True,
    auto_cov_y: bool = True,
    meanstructure: bool = False,
) -> ModelSpec:
    """Build lavaan's parameter table for a model (as ``lavaanify`` does for ``sem()``).

    Parameters
    ----------
    model : str
        lavaan model syntax.
    std_lv : bool, default False
        Scale latent variables by fixing their variances to 1 and free every
        loading (lavaan ``std.lv = TRUE``); otherwise the first loading is fixed to 1.
    orthogonal : bool, default False
        Fix the default covariances among latent variables to 0.
    fixed_x : bool, default True
        Treat observed exogenous covariates as fixed (their variances and covariances
        are set to the sample values and are not parameters).
    auto_fix_first, auto_fix_single, auto_var, auto_cov_lv_x, auto_cov_y : bool
        lavaan's ``sem()`` defaults (``auto_fix_first`` defaults to ``not std_lv``).
    meanstructure : bool, default False
        Add intercept rows (``~1``, lavaan ``meanstructure = TRUE``): intercepts of
        observed variables free (fixed at the sample means for fixed.x covariates),
        means of latent variables fixed at 0. A ``~ 1`` line in the model turns the
        mean structure on, as in lavaan.

    Returns
    -------
    ModelSpec

    Raises
    ------
    ModelSpecError
        Syntax errors, naming the model line.
    IdentificationError
        A latent variable without a scale (every loading and its variance free).

    Examples
    --------
    >>> spec = specify("ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem60 ~ ind60")
    >>> spec.lv, spec.npar
    (('ind60', 'dem60'), 15)
    """
    if not isinstance(model, str):
        _statements(model)  # raises the "must be text" error
    if auto_fix_first is None:
        auto_fix_first = not std_lv
    return _specify(
        model,
        bool(std_lv),
        bool(orthogonal),
        bool(fixed_x),
        bool(auto_fix_first),
        bool(auto_fix_single),
        bool(auto_var),
        bool(auto_cov_lv_x),
        bool(auto_cov_y),
        bool(meanstructure),
    )


@functools.lru_cache(maxsize=128)
def _specify(
    model: str,
    std_lv: bool,
    orthogonal: bool,
    fixed_x: bool,
    auto_fix_first: bool,
    auto_fix_single: bool,
    auto_var: bool,
    auto_cov_lv_x: bool,
    auto_cov_y: bool,
    meanstructure: bool,
) -> ModelSpec:
    """:func:`specify`, cached: a ModelSpec is immutable, so one model is parsed once."""
    user, raw_defs, raw_eqs = parse_syntax(model)
    if not user:
        raise ModelSpecError(
            "the model has no parameters",
            found=model.strip()[:80],
            expected="at least one '=~', '~' or '~~' line",
            fix="write the measurement model, e.g. 'TRU =~ TRU1 + TRU2 + TRU3'",
        )
    user = _reorder_covariances(user)
    first_line: dict[str, int] = {}
    for r in user:
        first_line.setdefault(r.lhs, r.line)
        if r.rhs:
            first_line.setdefault(r.rhs, r.line)
    meanstructure = meanstructure or any(r.op == "~1" for r in user)
    # duplicates: lavaan keeps the first and warns; we refuse, naming both lines
    seen: dict[tuple[str, str, str], int] = {}
    for r in user:
        key = (r.lhs, r.op, r.rhs)
        alt = (r.rhs, r.op, r.lhs) if r.op == "~~" else key
        if key in seen or alt in seen:
            raise ModelSpecError(
                f"the parameter '{r.lhs} {r.op} {r.rhs}' is specified twice",
                line=r.line,
                found=f"lines {seen.get(key, seen.get(alt))} and {r.line}",
                expected="each parameter once",
                fix="remove one of the two lines",
            )
        seen[key] = r.line
    # --- variable names, as lavNames()
    ops = [r.op for r in user]
    lv = _unique([r.lhs for r in user if r.op == "=~"])
    lv_set = set(lv)
    v_ind = _unique([r.rhs for r in user if r.op == "=~"])
    eqs_y = _unique([r.lhs for r in user if r.op == "~"])
    eqs_x = _unique([r.rhs for r in user if r.op == "~"])
    ov_ind = [v for v in v_ind if v not in lv_set]
    ov_y = [v for v in eqs_y if v not in lv_set and v not in ov_ind]
    ov_x_all = [v for v in eqs_x if v not in lv_set and v not in ov_ind and v not in ov_y]
    ov_cov = [r.lhs for r in user if r.op == "~~" and r.lhs not in lv_set]
    ov_cov += [r.rhs for r in user if r.op == "~~" and r.rhs not in lv_set]
    ov_tmp = ov_ind + ov_y + ov_x_all
    ov = ov_tmp + [v for v in _unique(ov_cov) if v not in ov_tmp]
    # fixed.x: covariates mentioned in a user '~~' become random (lavaan warns)
    in_cov = {r.lhs for r in user if r.op == "~~"} | {r.rhs for r in user if r.op == "~~"}
    ov_x = [v for v in ov_x_all if v not in in_cov]
    ov_nox = [v for v in ov if v not in ov_x]
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    pure_y = [v for v in eqs_y if v not in v_ind and v not in eqs_x]
    lv_y = [v for v in lv if v in pure_y]
    ov_y_pure = [v for v in ov if v in pure_y]
    # --- default rows (lav_pt_flat)
    d_lhs: list[str] = list(ov_nox) + list(lv)
    d_rhs: list[str] = list(ov_nox) + list(lv)
    if auto_cov_lv_x and len(lv_x) > 1:
        for i in range(len(lv_x)):
            for j in range(i + 1, len(lv_x)):
                d_lhs.append(lv_x[i])
                d_rhs.append(lv_x[j])
    lvov_y = lv_y + ov_y_pure
    if auto_cov_y and len(lvov_y) > 1:
        for i in range(len(lvov_y)):
            for j in range(i + 1, len(lvov_y)):
                d_lhs.append(lvov_y[i])
                d_rhs.append(lvov_y[j])
    for j in range(len(ov_x)):
        for i in range(j, len(ov_x)):
            d_lhs.append(ov_x[j])
            d_rhs.append(ov_x[i])
    unknown = [r for r in user if r.op == "~1" and r.lhs not in ov and r.lhs not in lv_set]
    if unknown:
        raise ModelSpecError(
            "an intercept of a variable that the model does not otherwise use",
            line=unknown[0].line,
            found=f"{unknown[0].lhs} ~ 1",
            expected="intercepts of variables in '=~', '~' or '~~' lines",
            fix=f"add {unknown[0].lhs} to the model, or remove the line",
        )
    user_keys = {(r.lhs, r.op, r.rhs) for r in user} | {
        (r.rhs, r.op, r.lhs) for r in user if r.op == "~~"
    }
    defaults = [
        (a, "~~", b) for a, b in zip(d_lhs, d_rhs, strict=True) if (a, "~~", b) not in user_keys
    ]
    if meanstructure:  # lav_partable_flat: intercepts of every ov, then of every lv
        defaults += [(v, "~1", "") for v in [*ov, *lv] if (v, "~1", "") not in user_keys]
    n_user = len(user)
    lhs = [r.lhs for r in user] + [a for a, _, _ in defaults]
    op = ops + [o for _, o, _ in defaults]
    rhs = [r.rhs for r in user] + [b for _, _, b in defaults]
    is_user = np.array([1] * n_user + [0] * len(defaults))
    n = len(lhs)
    free = np.ones(n, dtype=bool)
    ustart = np.full(n, np.nan)
    exo = np.zeros(n, dtype=int)
    lhs_a, op_a, rhs_a = np.array(lhs, dtype=object), np.array(op, dtype=object), np.array(rhs)
    is_var = (op_a == "~~") & (lhs_a == rhs_a)
    if not auto_var:
        sel = is_var & (is_user == 0)
        free[sel], ustart[sel] = False, 0.0
    if std_lv:
        sel = is_var & np.isin(lhs_a, lv)
        free[sel], ustart[sel] = False, 1.0
    if auto_fix_first:
        marked: set[str] = set()
        for i in np.flatnonzero(op_a == "=~"):
            if lhs_a[i] not in marked:
                marked.add(lhs_a[i])
                free[i], ustart[i] = False, 1.0
    if auto_var and auto_fix_single:
        loads = [(r.lhs, r.rhs) for r in user if r.op == "=~"]
        counts = Counter(a for a, _ in loads)
        ind_counts = Counter(b for _, b in loads)
        single = {b for a, b in loads if counts[a] == 1 and ind_counts[b] == 1}
        sel = is_var & np.isin(lhs_a, list(single)) & (is_user == 0)
        free[sel], ustart[sel] = False, 0.0
    if orthogonal:
        sel = (
            (op_a == "~~")
            & np.isin(lhs_a, lv)
            & np.isin(rhs_a, lv)
            & (lhs_a != rhs_a)
            & (is_user == 0)
        )
        free[sel], ustart[sel] = False, 0.0
    if meanstructure:  # latent means fixed at 0 (int.lv.free = FALSE)
        sel = (op_a == "~1") & np.isin(lhs_a, lv) & (is_user == 0)
        free[sel], ustart[sel] = False, 0.0
    if fixed_x and ov_x:
        sel = (op_a == "~~") & np.isin(lhs_a, ov_x) & np.isin(rhs_a, ov_x) & (is_user == 0)
        free[sel] = False
        exo[sel] = 1
        sel = (op_a == "~1") & np.isin(lhs_a, ov_x) & (is_user == 0)
        free[sel] = False
        exo[sel] = 1
    # --- user modifiers override the defaults
    label = np.full(n, "", dtype=object)
    line = np.zeros(n, dtype=int)
    group_mods = np.empty(n, dtype=object)
    group_mods[:] = [() for _ in range(n)]
    for i, r in enumerate(user):
        t = r.term
        line[i] = r.line
        group_mods[i] = t.by_group
        if t.fixed is not None:
            free[i], ustart[i] = False, t.fixed
        elif t.free:
            free[i], ustart[i] = True, np.nan
        if t.start is not None and free[i]:
            ustart[i] = t.start
        label[i] = t.label
    # --- number the free parameters; shared labels and '==' share an index
    free_idx = np.zeros(n, dtype=int)
    by_label: dict[str, int] = {}
    k = 0
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    label_row: dict[str, int] = {}
    for i in range(n):
        if label[i]:
            if label[i] in label_row:
                parent[find(i)] = find(label_row[label[i]])
            else:
                label_row[label[i]] = i
    # a label shared with a fixed parameter fixes every parameter carrying it (lavaan:
    # equal to a fixed value), e.g. 'CMF =~ m*x1 + m*x2' with x1 the marker fixed at 1
    fixed_value: dict[str, tuple[float, int]] = {}
    for i in range(n):
        if label[i] and not free[i]:
            seen = fixed_value.get(label[i])
            if seen is not None and seen[0] != ustart[i]:
                raise ModelSpecError(
                    "a label is shared by parameters fixed at different values",
                    line=int(line[i]) or None,
                    found=f"{label[i]} = {seen[0]:g} and {ustart[i]:g}",
                    expected="one value per label",
                    fix="use different labels, or fix both parameters at the same value",
                )
            fixed_value.setdefault(label[i], (float(ustart[i]), i))
    for i in range(n):
        if label[i] in fixed_value and free[i]:
            free[i], ustart[i] = False, fixed_value[label[i]][0]
    plabel = {f".p{i + 1}.": i for i in range(n)}
    for a, b, ln in raw_eqs:
        rows_ab = []
        for side in (a, b):
            if side in label_row:
                rows_ab.append(label_row[side])
            elif side in plabel:
                rows_ab.append(plabel[side])
            else:
                raise ModelSpecError(
                    "an equality constraint names an unknown label",
                    line=ln,
                    found=side,
                    expected=f"one of the labels {sorted(label_row)}"
                    if label_row
                    else "a label given in the model (e.g. 'b*x5')",
                    fix="label both parameters and write 'b == c' (only equalities of two "
                    "labels are supported)",
                )
        ia, ib = rows_ab
        if free[ia] != free[ib]:
            raise ModelSpecError(
                "an equality constraint between a fixed and a free parameter",
                line=ln,
                found=f"{a} == {b}",
                expected="two free parameters",
                fix="fix both to the same value instead",
            )
        parent[find(ib)] = find(ia)
    for i in range(n):
        if not free[i]:
            continue
        root = find(i)
        if root in by_label:
            free_idx[i] = by_label[root]
        else:
            k += 1
            by_label[root] = k
            free_idx[i] = k
    table = pd.DataFrame(
        {
            "lhs": lhs,
            "op": op,
            "rhs": rhs,
            "user": is_user,
            "free": free_idx,
            "ustart": ustart,
            "exo": exo,
            "label": label,
            "line": line,
        }
    )
    if any(len(m) for m in group_mods):  # c(a1, a2): one modifier per group
        table["group_mods"] = group_mods
    _check_scales(lhs_a, op_a, rhs_a, free_idx, ustart, lv, first_line)
    # --- defined parameters
    definitions: list[Definition] = []
    known = dict(label_row)
    for mods in group_mods:  # the group-specific labels of c(a1, a2)
        for entry in mods:
            if _number(entry) is None and entry not in ("NA", "na"):
                known.setdefault(entry, -1)
    for name, expr, ln in raw_defs:
        if name in known or name in ov or name in lv:
            raise ModelSpecError(
                "a defined parameter reuses a name",
                line=ln,
                found=name,
                expected="a new name",
                fix=f"rename the defined parameter, e.g. '{name}_def'",
            )
        compiled = compile_expression(expr, ln)
        used = compiled.labels
        unknown = [u for u in used if u not in known]
        if unknown:
            raise ModelSpecError(
                "a defined parameter uses a label that the model does not define",
                line=ln,
                found=unknown,
                expected=f"labels of the model: {sorted(known)}"
                if known
                else "labels given in the model (e.g. 'TRU ~ a*REP')",
                fix="label the parameters in the model lines ('a*REP') and use those labels",
            )
        definitions.append(Definition(name, expr.replace(" ", ""), ln, used, compiled))
        known[name] = -1
    if definitions:
        extra = pd.DataFrame(
            {
                "lhs": [d.name for d in definitions],
                "op": ":=",
                "rhs": [d.expression for d in definitions],
                "user": 1,
                "free": 0,
                "ustart": np.nan,
                "exo": 0,
                "label": [d.name for d in definitions],
                "line": [d.line for d in definitions],
            }
        )
        table = pd.concat([table, extra], ignore_index=True)
    return ModelSpec(
        syntax=model,
        _table=table,
        ov=tuple(ov),
        lv=tuple(lv),
        ov_x=tuple(ov_x) if fixed_x else (),
        definitions=tuple(definitions),
        equalities=tuple(raw_eqs),
        options=MappingProxyType(
            {
                "std_lv": std_lv,
                "orthogonal": orthogonal,
                "fixed_x": fixed_x,
                "meanstructure": meanstructure,
            }
        ),
        first_line=MappingProxyType(first_line),
    )


def _check_scales(
    lhs: np.ndarray,
    op: np.ndarray,
    rhs: np.ndarray,
    free: np.ndarray,
    ustart: np.ndarray,
    lv: list[str],
    first_line: Mapping[str, int],
) -> None:
    """A latent variable needs a scale: a fixed non-zero loading or a fixed variance."""
    fixed = free == 0
    scaled = set(lhs[(op == "=~") & fixed & (ustart != 0)])
    scaled |= set(lhs[(op == "~~") & (lhs == rhs) & fixed])
    for name in lv:
        if name not in scaled:
            raise IdentificationError(
                f"the latent variable '{name}' has no scale",
                line=first_line.get(name),
                found=f"every loading of {name} and its variance are free",
                expected="a marker loading fixed to 1, or the variance fixed to 1",
                fix=f"remove 'NA*' from the first indicator of {name}, add "
                f"'{name} ~~ 1*{name}', or fit with std_lv=True",
            )


def evaluate_definitions(
    definitions: Sequence[Definition], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Evaluate defined parameters in order (later ones may use earlier ones)."""
    env = dict(values)
    out: dict[str, Any] = {}
    for d in definitions:
        with np.errstate(all="ignore"):
            out[d.name] = env[d.name] = d.evaluate(env)
    return out


_Z_95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def refuse_group_modifiers(spec: ModelSpec) -> None:
    """Refuse ``c(a1, a2)`` modifiers in a single-group fit (they need ``group=``).

    Raises
    ------
    ModelSpecError
        Naming the model line, as lavaan's "wrong number of elements" error.
    """
    if "group_mods" not in spec._table.columns:  # (no copy of the table on the way)
        return
    t = spec.table
    i = next(i for i, m in enumerate(t["group_mods"]) if isinstance(m, tuple) and len(m))
    raise ModelSpecError(
        "a modifier with one value per group, c(...), in a single-group model",
        line=int(t["line"].iloc[i]) or None,
        found=f"c({', '.join(t['group_mods'].iloc[i])}) on {t['lhs'].iloc[i]} "
        f"{t['op'].iloc[i]} {t['rhs'].iloc[i]}",
        expected="c() with several values only with group= (one value per group)",
        fix="fit with group='<column>', or write one label or value instead of c(...)",
    )


class DefinedParameters:
    """``:=`` parameters as functions of the free parameters or of row values.

    As lavaan's ``def.function``: labels of free parameters take their current
    value; labels of fixed parameters keep their fixed value in every metric. Used by
    every estimator (``fit()``, ordinal fits) to add the ``:=`` rows with
    delta-method standard errors.

    Parameters
    ----------
    definitions : sequence of Definition
        The ``:=`` lines, in order.
    pt : ParTable
        The parameter table (labels, free-parameter numbers).
    est : ndarray
        The estimates of its rows (the values of fixed labelled parameters).
    """

    def __init__(self, definitions: Sequence[Definition], pt: ParTable, est: np.ndarray):
        self.definitions = tuple(definitions)
        self.free = pt.free
        self.est = est
        self.rows: dict[str, int] = {}
        for i, label in enumerate(pt.label):
            if label and label not in self.rows:
                self.rows[label] = i

    def _evaluate(self, value_of_row: Callable[[int], np.ndarray], batch: int) -> np.ndarray:
        env: dict[str, Any] = {}
        for label, i in self.rows.items():
            env[label] = value_of_row(i) if self.free[i] > 0 else np.full(batch, self.est[i])
        out = evaluate_definitions(self.definitions, env)
        return np.column_stack([np.broadcast_to(v, (batch,)) for v in out.values()])

    def from_x(self, xs: np.ndarray) -> np.ndarray:
        """Defined parameters for a batch of free-parameter vectors (batch, q)."""
        return self._evaluate(lambda i: xs[:, self.free[i] - 1], len(xs))

    def from_rows(self, values: np.ndarray) -> np.ndarray:
        """Defined parameters from a batch of row values (batch, rows)."""
        return self._evaluate(lambda i: values[:, i], len(values))

    def table(
        self,
        x: np.ndarray,
        vcov: np.ndarray,
        std_lv: np.ndarray,
        std_all: np.ndarray,
        se_std_all: np.ndarray,
    ) -> pd.DataFrame:
        """The ``:=`` rows of an estimates table (delta-method SEs, normal tests).

        ``std_all`` and ``se_std_all`` hold the parameter rows followed by the
        defined parameters (as the standardized solution computes them).
        """
        from scipy import stats

        est, se = delta_method(self.from_x, x, vcov)
        k, n_rows = len(self.definitions), len(std_lv)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / se
        return pd.DataFrame(
            {
                "lhs": [d.name for d in self.definitions],
                "op": ":=",
                "rhs": [d.expression for d in self.definitions],
                "label": [d.name for d in self.definitions],
                "free": 0,
                "est": est,
                "se": se,
                "z": z,
                "pvalue": 2 * stats.norm.sf(np.abs(z)),
                "ci_lower": est - _Z_95 * se,
                "ci_upper": est + _Z_95 * se,
                "std_lv": self.from_rows(std_lv[None, :])[0],
                "std_all": std_all[n_rows : n_rows + k],
                "se_std_all": se_std_all[n_rows : n_rows + k],
            }
        )
