"""The results the report wing takes, and one check of them for every entry point.

:func:`~loyaltysem.report.write`, :func:`~loyaltysem.report.methods_text` and
:func:`~loyaltysem.report.results_text` take the results of an analysis under the same
keywords; :data:`ACCEPTED` says which type each keyword takes and where it comes from, and
:func:`check_inputs` refuses anything else with a :class:`~loyaltysem.errors.ReportError`
that names the keyword, the type given, the type expected and the call that makes it.

Examples
--------
>>> check_inputs({"fit": "a string"}, "report.write")
Traceback (most recent call last):
...
loyaltysem.errors.ReportError: report.write does not know this fit result...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from loyaltysem.errors import ReportError
from loyaltysem.measurement.validity import MeasurementReport
from loyaltysem.pls import PLSResult
from loyaltysem.pls.bootstrap import PLSBootstrap
from loyaltysem.sem.bootstrap import SEMBootstrap
from loyaltysem.sem.comparison import ModelComparison
from loyaltysem.sem.effects import EffectsResult
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.guidance import EstimatorRecommendation
from loyaltysem.sem.invariance import InvarianceResult
from loyaltysem.sem.results import SEMResult
from loyaltysem.survey import Survey
from loyaltysem.survey.screening import ScreeningReport

__all__ = ["ACCEPTED", "Accepted", "check_inputs"]


class Accepted(NamedTuple):
    """The types one keyword takes and the call that makes such a result."""

    types: tuple[type, ...]
    made_by: str


#: Keyword -> the result types it takes, in the order of an analysis.
ACCEPTED: dict[str, Accepted] = {
    "survey": Accepted((Survey,), "ls.read_survey(...) or ls.load_ecommerce(), after .clean()"),
    "screening": Accepted((ScreeningReport,), "survey.screen()"),
    "recommendation": Accepted((EstimatorRecommendation,), "ls.recommend_estimator(survey)"),
    "fit": Accepted(
        (SEMResult, MultiGroupResult), "ls.fit(model, survey) or ls.fit(model, survey, group=...)"
    ),
    "validation": Accepted((MeasurementReport,), "ls.validate(survey)"),
    "bootstrap": Accepted((SEMBootstrap,), "ls.bootstrap(fit, data=survey)"),
    "effects": Accepted((EffectsResult,), "ls.effects(fit) or ls.effects(fit, bootstrap)"),
    "invariance": Accepted((InvarianceResult,), "ls.invariance(model, survey, group)"),
    "comparison": Accepted((ModelComparison,), "ls.compare(model_a, model_b)"),
    "pls": Accepted((PLSResult,), "ls.fit_pls(model, survey)"),
    "pls_bootstrap": Accepted((PLSBootstrap,), "pls_result.bootstrap(5000, random_state=1)"),
}


def _names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def check_inputs(inputs: Mapping[str, Any], who: str) -> None:
    """Refuse a result of a type the report does not know, and an empty call.

    Parameters
    ----------
    inputs : mapping of str to object
        Keyword -> result (``None`` where left out); keywords of :data:`ACCEPTED`.
    who : str
        The caller, named in the error (``"report.write"``).

    Raises
    ------
    ReportError
        A result of another type (naming the keyword, the type given and the accepted
        ones), an unknown keyword, or every result left out.
    """
    for name, value in inputs.items():
        if name not in ACCEPTED:
            raise ReportError(
                f"{who} takes no {name}= result",
                found=name,
                expected="one of " + ", ".join(f"{k}=" for k in ACCEPTED),
                fix="pass each result under its keyword",
            )
        if value is None:
            continue
        accepted = ACCEPTED[name]
        if not isinstance(value, accepted.types):
            raise ReportError(
                f"{who} does not know this {name} result",
                found=type(value).__name__,
                expected=f"{name}={_names(accepted.types)} from {accepted.made_by}",
                fix="pass each result under its keyword: "
                + ", ".join(f"{k}={_names(v.types)}" for k, v in ACCEPTED.items()),
            )
    if all(v is None for v in inputs.values()):
        raise ReportError(
            f"{who} was given no result",
            found="no result",
            expected="one or more of " + ", ".join(f"{k}=" for k in inputs),
            fix="pass the results of the analysis, e.g. survey=..., fit=ls.fit(model, survey)",
        )
