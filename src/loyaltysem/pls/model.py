"""``fit_pls()``: a PLS path model from the model syntax :func:`loyaltysem.fit` takes.

The syntax is lavaan's, restricted to what PLS path modelling estimates:

- ``Construct =~ item1 + item2`` — a reflective construct, mode A (seminr
  ``reflective()`` / ``composite(weights = mode_A)``);
- ``Construct <~ item1 + item2`` — a composite with regression weights, mode B (seminr
  ``composite(weights = mode_B)``);
- ``Outcome ~ Predictor1 + Predictor2`` — structural paths;
- ``Outcome ~ X + M + X:M`` — a moderation: the interaction term of constructs ``X`` and
  ``M`` (lavaan's ``:``; seminr ``interaction_term(iv = "X", moderator = "M")``), built by
  ``fit_pls(interaction=...)``'s method and named ``"X*M"`` in the results;
- ``HOC =~ LOC1 + LOC2`` (or ``<~``) where every name on the right is itself a construct —
  a higher-order construct estimated in two stages (seminr ``higher_composite()``;
  ``fit_pls(hoc=...)`` chooses the disjoint or embedded approach);
- ``#`` and ``!`` comments, ``;`` between statements, a statement continued on the
  next line after a trailing ``+`` or operator.

What PLS cannot estimate is refused with a :class:`~loyaltysem.errors.ModelSpecError`
naming the line: fixed values (``0.5*x``), ``start()``/``equal()`` modifiers,
covariances ``~~`` (except ``x ~~ 0*x`` for the only item of a single-item construct,
which PLS assumes anyway, as in :data:`loyaltysem.instruments.ECSI_MODEL`),
intercepts ``~ 1``, thresholds ``|`` and constraints (``==``, ``<``, ``>``). Labels
(``a1*REP``) and ``:=`` definitions built only from labels — what the templates of
:mod:`loyaltysem.instruments` carry for CB-SEM — are accepted and noted in the result:
PLS reports every indirect effect anyway (:attr:`PLSResult.specific_effects`).

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls import fit_pls
>>> mobi = load_mobi()
>>> res = fit_pls('''
...     Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
...     Value <~ PERV1 + PERV2            # mode B
...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
...     Satisfaction ~ Image + Value
... ''', mobi)
>>> dict(res.modes)
{'Image': 'A', 'Value': 'B', 'Satisfaction': 'A'}
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from loyaltysem.errors import LoyaltySemWarning, ModelSpecError, SurveyDataError

if TYPE_CHECKING:
    from loyaltysem.pls import PLSResult

__all__ = ["PLSModel", "fit_pls", "parse_pls_model"]

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_OPERATORS = ("=~", "<~", "~~", ":=", "==", "~", "<", ">", "|")
_MISSING_ALIASES = {
    "mean": "mean",
    "mean_replacement": "mean",
    "listwise": "listwise",
    "casewise": "listwise",
    "na.omit": "listwise",
    "na_omit": "listwise",
}


@dataclasses.dataclass(frozen=True)
class PLSModel:
    """A PLS model read from lavaan-like syntax by :func:`parse_pls_model`.

    Attributes
    ----------
    measurement : dict
        ``{construct: [items]}`` in order of first appearance.
    modes : dict
        ``"A"`` (``=~``) or ``"B"`` (``<~``) per construct.
    structural : list of (source, target)
        The paths, in the order written; an interaction term is the source ``"X*M"``.
    notes : tuple of str
        What was accepted but is not estimated (labels, ``:=`` lines, ``x ~~ 0*x``).
    interactions : tuple of (iv, moderator)
        The interaction terms ``X:M`` of the ``~`` lines.
    higher_order : dict
        ``{HOC: [lower-order constructs]}``: the constructs measured by constructs.
    """

    measurement: dict[str, list[str]]
    modes: dict[str, str]
    structural: list[tuple[str, str]]
    notes: tuple[str, ...] = ()
    interactions: tuple[tuple[str, str], ...] = ()
    higher_order: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def _strip_comment(raw: str) -> str:
    cut = len(raw)
    for mark in ("#", "!"):
        k = raw.find(mark)
        if k >= 0:
            cut = min(cut, k)
    return raw[:cut]


def _statements(text: str) -> list[tuple[int, str]]:
    """Statements with the line each starts on; a trailing operator continues."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        for piece in _strip_comment(raw).split(";"):
            part = piece.strip()
            if not part:
                continue
            if pending is not None:
                pending = (pending[0], f"{pending[1]} {part}")
            else:
                pending = (number, part)
            if not re.search(r"(\+|\*|=~|<~|~~|:=|~)\s*$", pending[1]):
                out.append(pending)
                pending = None
    if pending is not None:
        out.append(pending)
    return out


_OPERATOR_RE = re.compile("|".join(re.escape(op) for op in _OPERATORS))


def _operator(text: str) -> tuple[str, int] | None:
    """The leftmost operator (the longer one where two start at the same place)."""
    found = _OPERATOR_RE.search(text)
    return None if found is None else (found.group(), found.start())


def _refuse(line: int, text: str, what: str, fix: str) -> ModelSpecError:
    return ModelSpecError(
        f"PLS cannot estimate {what}",
        line=line,
        found=text,
        expected="'C =~ items' (mode A), 'C <~ items' (mode B) or 'Y ~ X1 + X2'",
        fix=fix,
    )


def _terms(line: int, text: str, rhs: str) -> list[tuple[str | None, str]]:
    """``[(label or None, name)]`` of a right-hand side ``a*x + y``."""
    out: list[tuple[str | None, str]] = []
    for raw in rhs.split("+"):
        term = raw.strip()
        if not term:
            raise ModelSpecError(
                "an empty term",
                line=line,
                found=text,
                expected="names separated by '+'",
                fix="remove the doubled or trailing '+'",
            )
        label: str | None = None
        if "*" in term:
            mod, _, term = (s.strip() for s in term.rpartition("*"))
            if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NA", mod):
                raise _refuse(
                    line,
                    text,
                    f"a fixed value or free-parameter modifier ({mod}*{term})",
                    f"remove '{mod}*': PLS estimates every weight and path from the data",
                )
            if not _NAME_RE.match(mod):
                raise _refuse(
                    line,
                    text,
                    f"the modifier {mod!r}",
                    f"write '{term}' alone: start(), equal() and the like are CB-SEM options",
                )
            label = mod
        if term == "1":
            raise _refuse(
                line,
                text,
                "an intercept ('~ 1')",
                "remove the line: PLS works on standardized data",
            )
        parts = [p.strip() for p in term.split(":")]
        if len(parts) == 2 and all(_NAME_RE.match(p) for p in parts):
            if parts[0] == parts[1]:
                raise ModelSpecError(
                    f"construct {parts[0]!r} interacts with itself",
                    line=line,
                    found=term,
                    expected="an interaction of two different constructs, 'X:M'",
                    fix="write the quadratic effect as a construct of its own",
                )
            out.append((label, f"{parts[0]}*{parts[1]}"))  # seminr's name of the term
            continue
        if not _NAME_RE.match(term):
            raise ModelSpecError(
                "cannot read a name",
                line=line,
                found=term,
                expected="a construct or item name (letters, digits, '_', '.'), or an "
                "interaction 'X:M' of two constructs in a '~' line",
                fix="check the spelling",
            )
        out.append((label, term))
    return out


def parse_pls_model(syntax: str) -> PLSModel:
    r"""Read lavaan-like PLS model syntax (see ``loyaltysem.pls.model``).

    Parameters
    ----------
    syntax : str
        ``=~`` (mode A), ``<~`` (mode B) and ``~`` lines.

    Returns
    -------
    PLSModel

    Raises
    ------
    ModelSpecError
        Anything PLS cannot estimate, naming the line.

    Examples
    --------
    >>> m = parse_pls_model("A =~ a1 + a2\nB <~ b1 +\n  b2\nB ~ A  # path")
    >>> m.measurement, m.modes, m.structural
    ({'A': ['a1', 'a2'], 'B': ['b1', 'b2']}, {'A': 'A', 'B': 'B'}, [('A', 'B')])
    >>> parse_pls_model("A =~ a1 + a2\nB =~ b1\nB ~ 0.3*A")
    Traceback (most recent call last):
    ...
    loyaltysem.errors.ModelSpecError: line 3: PLS cannot estimate a fixed value ...
    """
    if not isinstance(syntax, str):
        raise ModelSpecError(
            "the model must be lavaan-like syntax in a string",
            found=type(syntax).__name__,
            expected="e.g. 'SAT =~ SAT1 + SAT2 + SAT3\\nLOY ~ SAT'",
            fix="pass the model as text, or a codebook/Survey/dict with structural=",
        )
    measurement: dict[str, list[str]] = {}
    modes: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    labels: dict[str, int] = {}
    zero_residuals: list[tuple[int, str, str]] = []
    defined: list[tuple[int, str, list[str]]] = []
    for line, text in _statements(syntax):
        found = _operator(text)
        if found is None:
            raise ModelSpecError(
                "a statement without an operator",
                line=line,
                found=text,
                expected="'C =~ items', 'C <~ items' or 'Y ~ X1 + X2'",
                fix="check for a missing '~' or a broken line",
            )
        op, at = found
        lhs, rhs = text[:at].strip(), text[at + len(op) :].strip()
        if op == ":=":
            names = re.findall(_NAME, rhs)
            if (
                not _NAME_RE.match(lhs)
                or not re.fullmatch(rf"[\s*+()]*({_NAME}[\s*+()]*)+", rhs)
                or re.search(rf"{_NAME}\s*\(", rhs)
            ):
                raise _refuse(
                    line,
                    text,
                    "this definition (only sums of products of path labels are accepted)",
                    "remove the ':=' line; PLS reports every indirect effect",
                )
            defined.append((line, text, names))
            continue
        if op in ("==", "<", ">"):
            raise _refuse(line, text, "a constraint", "remove the constraint line")
        if op == "|":
            raise _refuse(line, text, "thresholds", "remove the line: PLS treats items as metric")
        if not _NAME_RE.match(lhs):
            raise ModelSpecError(
                "cannot read the left-hand side",
                line=line,
                found=text,
                expected="one construct name before the operator",
                fix="write one outcome or construct per statement",
            )
        if op == "~~":
            zero = re.fullmatch(rf"\s*0(\.0*)?\s*\*\s*{re.escape(lhs)}\s*", rhs)
            if zero is None:
                raise _refuse(
                    line,
                    text,
                    "a covariance or variance ('~~')",
                    "remove the line: PLS estimates no residual (co)variances",
                )
            zero_residuals.append((line, text, lhs))
            continue
        terms = _terms(line, text, rhs)
        if op in ("=~", "<~"):
            mode = "A" if op == "=~" else "B"
            if lhs in modes and modes[lhs] != mode:
                raise ModelSpecError(
                    f"construct {lhs!r} is defined with both '=~' and '<~'",
                    line=line,
                    found=text,
                    expected="one measurement mode per construct",
                    fix=f"use '=~' (mode A) or '<~' (mode B) for {lhs!r}, not both",
                )
            modes[lhs] = mode
            items = measurement.setdefault(lhs, [])
            if any("*" in name for _, name in terms):
                raise _refuse(
                    line,
                    text,
                    "an interaction term as an indicator",
                    "write the interaction 'X:M' in a '~' line: fit_pls builds its indicators",
                )
            for label, name in terms:
                if label is not None:
                    labels.setdefault(label, line)
                if name in items:
                    raise ModelSpecError(
                        f"item {name!r} is listed twice under {lhs!r}",
                        line=line,
                        found=text,
                        expected="each item once",
                        fix="remove the repetition",
                    )
                items.append(name)
            continue
        # op == "~": structural
        for label, name in terms:
            if label is not None:
                labels.setdefault(label, line)
            pairs.append((name, lhs))
    for line, text, item in zero_residuals:
        owners = [c for c, v in measurement.items() if v == [item]]
        if not owners:
            raise _refuse(
                line,
                text,
                f"a fixed residual variance of {item!r}",
                "only 'x ~~ 0*x' for the single item of a one-item construct is accepted",
            )
    for line, text, names in defined:
        unknown = [n for n in names if n not in labels]
        if unknown:
            raise _refuse(
                line,
                text,
                f"a definition with names that are not path labels ({', '.join(unknown)})",
                "remove the ':=' line; PLS reports every indirect effect",
            )
    notes: list[str] = []
    if labels:
        notes.append(
            f"labels ignored (PLS estimates every path freely): {', '.join(sorted(labels))}"
        )
    if defined:
        notes.append(
            f"{len(defined)} ':=' definitions not computed: every indirect effect is in "
            "specific_effects"
        )
    if zero_residuals:
        notes.append("single-item residual variances fixed to 0 as PLS assumes")
    for c, items in measurement.items():
        if modes[c] == "B" and len(items) == 1:
            warnings.warn(
                f"composite {c!r} (<~) has one indicator ({items[0]}): mode B is then the "
                "same as mode A (weight 1); add indicators or write '=~'",
                LoyaltySemWarning,
                stacklevel=3,
            )
    interactions = tuple(
        dict.fromkeys(
            tuple(name.split("*"))
            for name, _ in pairs
            if "*" in name  # type: ignore[misc]
        )
    )
    return PLSModel(
        measurement, modes, pairs, tuple(notes), interactions, _higher_order(measurement)
    )


def _higher_order(measurement: dict[str, list[str]]) -> dict[str, list[str]]:
    """The constructs measured by other constructs (all of their indicators, or none)."""
    out: dict[str, list[str]] = {}
    for c, items in measurement.items():
        inner = [i for i in items if i in measurement]
        if not inner:
            continue
        if len(inner) < len(items):
            raise ModelSpecError(
                f"construct {c!r} is measured by constructs and items together",
                found={"constructs": inner, "items": [i for i in items if i not in inner]},
                expected="a higher-order construct measured only by lower-order constructs",
                fix=f"measure {c!r} by its dimensions alone (e.g. '{c} =~ {' + '.join(inner)}')",
            )
        if len(inner) < 2:
            raise ModelSpecError(
                f"higher-order construct {c!r} has one dimension",
                found=inner,
                expected="two or more lower-order constructs",
                fix=f"use {inner[0]!r} directly in the paths",
            )
        out[c] = inner
    return out


def _constructs_of(obj: Any) -> Mapping[str, Sequence[str]] | None:
    """``{construct: items}`` of a mapping, a Codebook or a Survey (duck-typed)."""
    if isinstance(obj, Mapping):
        return obj
    for attr in ("construct_items", "constructs"):
        value = getattr(obj, attr, None)
        if isinstance(value, Mapping):
            return value
    return None


def _resolve(model: Any, data: Any, structural: str | Sequence[tuple[str, str]] | None) -> PLSModel:
    if isinstance(model, str):
        if structural is not None:
            raise ModelSpecError(
                "structural= is for a codebook, Survey or dict model; the syntax has its paths",
                found={"structural": structural},
                expected="the '~' lines inside the model string",
                fix="add the structural lines to the model string and drop structural=",
            )
        spec = parse_pls_model(model)
        if not spec.structural:
            raise ModelSpecError(
                "the model has no structural paths",
                found=model.strip()[:200],
                expected="at least one 'Outcome ~ Predictor' line",
                fix="add the paths; for reliability alone use loyaltysem.pls.rho_a()",
            )
        # constructs used in paths but not defined: take their items from the codebook
        named = [c for pair in spec.structural for c in pair if "*" not in c]
        named += [c for term in spec.interactions for c in term]
        missing = [c for c in dict.fromkeys(named) if c not in spec.measurement]
        if missing:
            book = _constructs_of(data) if not isinstance(data, pd.DataFrame) else None
            book = book if book is not None else {}
            unknown = [c for c in missing if c not in book]
            if unknown:
                raise ModelSpecError(
                    "the structural model names constructs without a measurement model",
                    found=unknown,
                    expected="a '=~' or '<~' line for each (or a Survey whose codebook "
                    "defines them)",
                    fix=f"add e.g. '{unknown[0]} =~ item1 + item2'",
                )
            measurement = dict(spec.measurement)
            modes = dict(spec.modes)
            for c in missing:
                measurement[c] = list(book[c])
                modes[c] = "A"
            spec = dataclasses.replace(spec, measurement=measurement, modes=modes)
        return spec
    book = _constructs_of(model)
    if book is None:
        raise ModelSpecError(
            "cannot read the model",
            found=type(model).__name__,
            expected="lavaan-like syntax, or a Codebook/Survey/dict {construct: items} with "
            "structural=",
            fix="pass e.g. fit_pls('SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT', data)",
        )
    if structural is None:
        raise ModelSpecError(
            "a codebook, Survey or dict gives the measurement model only",
            found=type(model).__name__,
            expected="structural='Y ~ X1 + X2' lines (or pairs) with it",
            fix="pass structural=, e.g. fit_pls(codebook, survey, structural='LOY ~ SAT')",
        )
    from loyaltysem.pls import parse_structural

    pairs = parse_structural(structural)
    used = list(dict.fromkeys(c for pair in pairs for c in pair))
    unknown = [c for c in used if c not in book]
    if unknown:
        raise ModelSpecError(
            "the structural model names constructs the codebook does not define",
            found=unknown,
            expected=f"constructs of the codebook: {list(book)}",
            fix="check the spelling, or add the construct to the codebook",
        )
    ordered = [c for c in book if c in used]  # codebook order, as seminr's constructs()
    measurement = {c: [book[c]] if isinstance(book[c], str) else list(book[c]) for c in ordered}
    return PLSModel(measurement, dict.fromkeys(ordered, "A"), pairs)


def fit_pls(
    model: Any,
    data: Any,
    *,
    structural: str | Sequence[tuple[str, str]] | None = None,
    scheme: str = "path",
    missing: str = "mean",
    max_iter: int = 300,
    tol: float = 1e-7,
    mode: str | Mapping[str, str] | None = None,
    consistent: bool = False,
    interaction: str = "two_stage",
    hoc: str = "disjoint",
) -> PLSResult:
    r"""Estimate a PLS path model written as :func:`loyaltysem.fit` takes it.

    Parameters
    ----------
    model : str, Codebook, Survey or dict
        Lavaan-like syntax: ``=~`` reflective (mode A), ``<~`` composite (mode B), ``~``
        structural (see :func:`parse_pls_model`). A construct named in a path without
        a ``=~``/``<~`` line takes its items from the codebook of ``data`` (a Survey).
        Or a codebook, Survey or ``{construct: [items]}`` for the measurement model
        (mode A) with ``structural=``; only the constructs in paths are used.
    data : Survey or DataFrame
        Item scores. A Survey's codebook missing-value codes (e.g. corp_rep's
        ``-99``) are already NaN.
    structural : str or sequence of (source, target), optional
        The paths when ``model`` is a codebook, Survey or dict.
    scheme : {"path", "factorial", "centroid"}, default "path"
        Inner weighting (seminr ``path_weighting`` / ``path_factorial``; SmartPLS
        path, factor and centroid weighting).
    missing : {"mean", "listwise"}, default "mean"
        Mean replacement (seminr's default ``mean_replacement``, SmartPLS "mean
        value replacement") or casewise deletion (``"casewise"``, seminr
        ``na.omit``). The rows affected are counted in ``n_dropped`` and shown in
        the header.
    max_iter, tol :
        seminr ``maxIt = 300``, ``stopCriterion = 7`` (summed absolute weight
        change below 1e-7; SmartPLS "stop criterion 10^-7").
    mode : {"A", "B"} or dict, optional
        Overrides the modes from the syntax, for all or the named constructs.
    consistent : bool, default False
        PLSc (Dijkstra & Henseler 2015): mode-A constructs are common factors, their
        correlations disattenuated by rho_A (:func:`loyaltysem.pls.consistent`;
        seminr ``estimate_pls()`` with ``reflective()`` constructs, SmartPLS "consistent
        PLS").
    interaction : {"two_stage", "product_indicator", "orthogonal"}, default "two_stage"
        How the ``X:M`` terms are built (:func:`loyaltysem.pls.interaction_term`).
        SmartPLS 4's default and Hair et al.'s (2022) advice is the two-stage approach;
        seminr's ``interaction_term()`` defaults to ``product_indicator`` — pass it to
        reproduce a seminr model written without ``method =``.
    hoc : {"disjoint", "embedded"}, default "disjoint"
        Two-stage approach for higher-order constructs (:func:`loyaltysem.pls.higher_order`):
        ``"disjoint"`` is seminr's ``two_stage``; ``"embedded"`` repeats the
        dimensions' items on the higher-order construct in stage 1.

    Returns
    -------
    PLSResult

    Raises
    ------
    ModelSpecError
        Syntax PLS cannot estimate (naming the line), unknown items or constructs, a
        construct without a path, a feedback loop, bad settings.
    SurveyDataError
        Non-numeric or constant items, fewer than 3 rows.

    Notes
    -----
    The estimation is :func:`loyaltysem.pls.pls`; see its notes and ``docs/pls.md``.

    In R::

        seminr::estimate_pls(data, measurement_model = constructs(...),
                             structural_model = relationships(...),
                             missing = mean_replacement, missing_value = "-99")

    Examples
    --------
    The corporate-reputation model of seminr's tests (``-99`` codes, mean-replaced):

    >>> import loyaltysem as ls
    >>> corp = ls.load_corp_rep()
    >>> res = ls.fit_pls('''
    ...     COMP =~ comp_1 + comp_2 + comp_3
    ...     LIKE =~ like_1 + like_2 + like_3
    ...     CUSA =~ cusa
    ...     CUSL =~ cusl_1 + cusl_2 + cusl_3
    ...     CUSA ~ COMP + LIKE
    ...     CUSL ~ COMP + LIKE + CUSA
    ... ''', corp)
    >>> round(float(res.paths.loc["CUSA", "CUSL"]), 4)  # seminr: 0.5045
    0.5045
    >>> res.n, res.n_dropped  # 8 respondents with a -99 in the model's items
    (344, 8)
    """
    if not isinstance(missing, str) or missing.lower() not in _MISSING_ALIASES:
        raise ModelSpecError(
            "unknown missing= option",
            found=missing,
            expected="'mean' (seminr mean_replacement) or 'listwise' ('casewise', 'na.omit')",
            fix="missing='mean' or missing='listwise'",
        )
    how = _MISSING_ALIASES[missing.lower()]
    if not isinstance(data, pd.DataFrame) and not isinstance(
        getattr(data, "data", None), pd.DataFrame
    ):
        raise SurveyDataError(
            "fit_pls() needs a Survey or a pandas DataFrame of item scores",
            found=type(data).__name__,
            expected="loyaltysem.Survey or DataFrame with one column per item",
            fix="load the survey with loyaltysem.read_survey(), or pass a DataFrame",
        )
    spec = _resolve(model, data, structural)
    modes: dict[str, str] = dict(spec.modes)
    if isinstance(mode, str):
        modes = dict.fromkeys(modes, mode)
    elif isinstance(mode, Mapping):
        modes.update({str(k): v for k, v in mode.items()})
    elif mode is not None:
        raise ModelSpecError(
            "mode= must be 'A', 'B' or a dict",
            found=mode,
            expected="'A', 'B' or {construct: 'A' or 'B'}",
            fix="mode={'Value': 'B'}, or write '<~' in the syntax",
        )
    options = {"scheme": scheme, "max_iter": max_iter, "tol": tol, "missing": how}
    result = _estimate(data, spec, modes, interaction, hoc, options)
    if consistent:
        from loyaltysem.pls.consistent import consistent as plsc

        result = plsc(result)
    if spec.notes:
        result = dataclasses.replace(result, notes=(*result.notes, *spec.notes))
    if getattr(data, "codebook", None) is not None:  # a Survey: codebook and group columns
        result = dataclasses.replace(result, survey=data)
    return result


def _estimate(
    data: Any,
    spec: PLSModel,
    modes: dict[str, str],
    interaction: str,
    hoc: str,
    options: dict[str, Any],
) -> PLSResult:
    """The plain, moderated or higher-order estimation the model asks for."""
    from loyaltysem.pls import pls
    from loyaltysem.pls.higher_order import higher_order
    from loyaltysem.pls.moderation import interaction_term

    terms = [interaction_term(iv, m, method=interaction) for iv, m in spec.interactions]  # type: ignore[arg-type]
    if spec.higher_order:
        lower = {c: v for c, v in spec.measurement.items() if c not in spec.higher_order}
        hocs = [(c, dims, modes.get(c, "A")) for c, dims in spec.higher_order.items()]
        lower_modes = {c: m for c, m in modes.items() if c in lower}
        return higher_order(
            data, lower, spec.structural, hocs, method=hoc,  # type: ignore[arg-type]
            interactions=terms or None, mode=lower_modes, **options,
        )  # fmt: skip
    if terms:
        from loyaltysem.pls.moderation import moderation

        return moderation(data, spec.measurement, spec.structural, terms, mode=modes, **options)
    return pls(data, spec.measurement, spec.structural, mode=modes, **options)
