"""A semopy ``Model`` read as lavaan reads its description: the one module that calls semopy.

semopy keeps the description a model was built from (``Model(description)`` stores it as
``model.description``, semopy 2.3.11 ``model_base.py``). :func:`from_semopy` reads it line by
line with semopy's own tokenizer (``semopy.parser.separate_token``, so a line means what it
meant to semopy) and writes lavaan syntax for :func:`loyaltysem.fit`, keeping the line
numbers, so an error about the model names the line of the user's description. semopy is
imported only here and only when a semopy model is given; the library never needs it.

What is translated:

- effects ``=~``, ``~``, ``~~`` with their multipliers (a number fixes the parameter, a name
  labels it, as in lavaan); semopy's several left-hand sides (``x1, x2 ~~ x3``) become one
  statement each; ``∼`` (U+223C) is read as ``~``, as semopy does;
- ``ordinal: x1 x2`` and ``DEFINE(ordinal) x1 x2`` become ``ordered=["x1", "x2"]``;
- ``start(0.5): a`` and ``START(0.5) a`` (start values of the parameters labelled ``a``)
  become lavaan's ``start(0.5)*`` on those parameters;
- ``ModelMeans`` becomes ``meanstructure=True``; ``Model(..., cov_diag=True)`` (exogenous
  latent variables uncorrelated) becomes ``orthogonal=True``.

Refused with a :class:`~loyaltysem.errors.ModelSpecError` naming the line: latent variables
without indicators (``latent:``, ``DEFINE(latent)``), bounds (``bound``/``BOUND``),
non-linear constraints (``constraint``/``CONSTRAINT``), ``FORCE`` and any other operation;
random-effects models (``ModelEffects``, ``ModelGeneralizedEffects``) and baseline models.

The model is then lavaan's: lavaan's ``sem()`` defaults apply (specification.py). Where they
differ from semopy's (the one place we found in semopy 2.3.11's ``Model``): lavaan
correlates the residuals of observed outcome variables that are not indicators
(``auto.cov.y``), semopy only with ``mimic_lavaan=True``. When that changes the model
(``mimic_lavaan=False`` and two such variables without a covariance line),
:attr:`SemopyModel.notes` says so and how to fit semopy's model instead (``y1 ~~ 0*y2``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from loyaltysem.errors import ModelSpecError

__all__ = ["SemopyModel", "from_semopy", "is_semopy_model"]

_SUPPORTED = {"Model": {}, "ModelMeans": {"meanstructure": True}}
_EFFECTS = ("=~", "~~", "~")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_REFUSED = {
    "latent": (
        "a latent variable without indicators (semopy 'latent'/'DEFINE(latent)')",
        "give it indicators with '=~', or remove the line",
    ),
    "bound": (
        "parameter bounds (semopy 'bound'/'BOUND')",
        "remove the line: lavaan's ML has no bounds; an improper solution (a negative "
        "variance) is reported in the result instead",
    ),
    "constraint": (
        "a constraint (semopy 'constraint'/'CONSTRAINT')",
        "write an equality as lavaan syntax with shared labels or 'a == b', and fit "
        "loyaltysem.fit(syntax, data)",
    ),
}


@dataclass(frozen=True)
class SemopyModel:
    """A semopy model read as lavaan model syntax plus the fit options it implies.

    Attributes
    ----------
    syntax : str
        lavaan syntax, one line per line of the semopy description (same numbers).
    options : mapping
        Options of :func:`loyaltysem.fit` the semopy model implies (``ordered``,
        ``meanstructure``, ``orthogonal``).
    semopy_class : str
        The semopy class the model was built with (``"Model"``, ``"ModelMeans"``).
    notes : tuple of str
        Where lavaan's reading of the description differs from semopy's model.
    """

    syntax: str
    options: Mapping[str, Any] = field(default_factory=dict)
    semopy_class: str = "Model"
    notes: tuple[str, ...] = ()


def _semopy_class(obj: Any) -> str | None:
    for cls in type(obj).__mro__:
        if cls.__module__.split(".")[0] == "semopy":
            return cls.__name__
    return None


def is_semopy_model(obj: Any) -> bool:
    """Whether ``obj`` is a semopy model (without importing semopy).

    Examples
    --------
    >>> is_semopy_model("f =~ x1 + x2 + x3")
    False
    """
    return _semopy_class(obj) is not None and hasattr(obj, "description")


def _refuse(line: int, text: str, kind: str) -> ModelSpecError:
    what, fix = _REFUSED.get(
        kind,
        (
            f"the semopy operation {kind!r}",
            "remove the line, or write the model in lavaan syntax",
        ),
    )
    return ModelSpecError(
        f"{what} has no lavaan counterpart loyaltysem can fit",
        line=line,
        found=text,
        expected="effects ('=~', '~', '~~'), 'ordinal:' / 'DEFINE(ordinal)', "
        "'start(v):' / 'START(v)'",
        fix=fix,
    )


def _start_value(params: Any, line: int, text: str) -> float:
    raw = params[0] if isinstance(params, list) and params else str(params or "")
    raw = raw.strip().strip("()").strip()
    if not _NUMBER.fullmatch(raw):
        raise ModelSpecError(
            "a start value must be a number",
            line=line,
            found=text,
            expected="start(0.5): a   or   START(0.5) a",
            fix="write the start value as a number",
        )
    return float(raw)


def from_semopy(model: Any) -> SemopyModel:
    r"""Read a semopy model's description as lavaan syntax and fit options.

    Parameters
    ----------
    model : semopy.Model or semopy.ModelMeans
        Built from a description string; fitted or not (its estimates are not read).

    Returns
    -------
    SemopyModel
        The lavaan syntax (same line numbers as the description) and the options.

    Raises
    ------
    ModelSpecError
        A semopy class or operation without a lavaan counterpart, naming the line.

    Examples
    --------
    >>> import semopy
    >>> m = semopy.Model("f =~ x1 + x2 + x3\nordinal: x1 x2 x3\nx1, x2 ~~ x3")
    >>> read = from_semopy(m)
    >>> print(read.syntax)
    f =~ x1 + x2 + x3
    <BLANKLINE>
    x1 ~~ x3; x2 ~~ x3
    >>> dict(read.options)
    {'ordered': ['x1', 'x2', 'x3']}
    """
    from semopy.parser import parse_new_operation, parse_operation, parse_rvalues, separate_token

    name = _semopy_class(model)
    if name not in _SUPPORTED:
        raise ModelSpecError(
            f"semopy's {name} is not a model loyaltysem can fit",
            found=name,
            expected=f"a semopy {' or '.join(_SUPPORTED)}",
            fix="random-effects models have no lavaan counterpart here; fit the model "
            "without the random effects as semopy.Model(description)",
        )
    if getattr(model, "baseline", False):
        raise ModelSpecError(
            "a semopy baseline model (Model(..., baseline=True)) is not the user's model",
            found="baseline=True",
            expected="semopy.Model(description)",
            fix="pass the model itself; the baseline model's fit is in fit_measures",
        )
    description = model.description
    if not isinstance(description, str):
        raise ModelSpecError(
            "this semopy model was built from parsed effects, not a description",
            found=type(description).__name__,
            expected="semopy.Model('<description text>')",
            fix="build the semopy model from its description string, or pass the lavaan "
            "syntax to loyaltysem.fit",
        )
    options: dict[str, Any] = dict(_SUPPORTED[name])
    if getattr(model, "cov_diag", False):
        options["orthogonal"] = True
    ordered: list[str] = []
    starts: dict[str, float] = {}
    effects: list[tuple[int, list[tuple[str, str, dict[str, str | None]]]]] = []
    lines: list[str] = []
    for number, raw in enumerate(description.replace(chr(8764), "~").splitlines(), start=1):
        text = raw.split("#", 1)[0].strip()
        lines.append("")
        if not text:
            continue
        try:
            kind, groups = separate_token(text)
        except SyntaxError:
            raise ModelSpecError(
                "semopy cannot read this line of the description",
                line=number,
                found=text,
                expected="an effect ('f =~ x1 + x2', 'y ~ x', 'x1 ~~ x2') or an operation",
                fix="correct the line as semopy's documentation writes it",
            ) from None
        if kind == 0:
            lefts, op, rights = groups
            if op not in _EFFECTS:
                raise ModelSpecError(
                    f"the operator {op!r} is not an effect lavaan knows",
                    line=number,
                    found=text,
                    expected="'=~', '~' or '~~'",
                    fix="write the line with one of these operators",
                )
            rvalues = parse_rvalues(rights)
            statements = [(left.strip(), op, rvalues) for left in lefts.split(",")]
            effects.append((number, statements))
            continue
        operation = parse_operation(*groups) if kind == 3 else parse_new_operation(groups)
        op_name = operation.name.lower()
        params = operation.params
        first = params[0].strip() if isinstance(params, list) and params else ""
        if op_name == "ordinal" or (op_name == "define" and first == "ordinal"):
            ordered += [v for v in operation.onto or [] if v not in ordered]
        elif op_name == "start":
            value = _start_value(params, number, text)
            for label in operation.onto or []:
                starts[label] = value
        elif op_name == "define" and first == "latent":
            raise _refuse(number, text, "latent")
        else:
            raise _refuse(number, text, op_name)
    labels_seen: set[str] = set()
    for number, statements in effects:
        out = []
        for left, op, rvalues in statements:
            terms = []
            for var, mult in rvalues.items():
                terms.append(var if mult is None else f"{mult}*{var}")
                if mult is not None and mult in starts:
                    labels_seen.add(mult)
                    terms.append(f"start({starts[mult]!r})*{var}")
            out.append(f"{left} {op} {' + '.join(terms)}")
        lines[number - 1] = "; ".join(out)
    unknown = sorted(set(starts) - labels_seen)
    if unknown:
        raise ModelSpecError(
            "a start value names a parameter label the model does not have",
            found=unknown,
            expected="labels written in the effects, e.g. 'y ~ a*x' then 'start(0.5): a'",
            fix="correct the label, or label the parameter in its effect line",
        )
    if ordered:
        options["ordered"] = ordered
    covariances = {
        frozenset((left, var))
        for _, statements in effects
        for left, op, rvalues in statements
        if op == "~~"
        for var in rvalues
    }
    return SemopyModel("\n".join(lines), options, name, _cov_y_notes(model, covariances))


def _cov_y_notes(model: Any, written: set[frozenset[str]]) -> tuple[str, ...]:
    """Lavaan's auto.cov.y pairs that a semopy model without mimic_lavaan leaves out."""
    variables = getattr(model, "vars", None)
    if getattr(model, "mimic_lavaan", False) or not isinstance(variables, Mapping):
        return ()
    outcomes = sorted(
        set(variables.get("_output", ())) - set(variables.get("indicator", ()))
        - set(variables.get("latent", ()))
    )  # fmt: skip
    pairs = [(a, b) for a, b in combinations(outcomes, 2) if frozenset((a, b)) not in written]
    if not pairs:
        return ()
    listed = ", ".join(f"{a} ~~ {b}" for a, b in pairs)
    zeros = "; ".join(f"{a} ~~ 0*{b}" for a, b in pairs)
    return (
        f"lavaan correlates the residuals of observed outcome variables ({listed}; "
        "lavaan auto.cov.y), which this semopy model (mimic_lavaan=False) does not; "
        f"to fit semopy's model, add '{zeros}' to the description",
    )
