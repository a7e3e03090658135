"""The results the report wing takes, gathered and checked once for every entry point.

:func:`~loyaltysem.report.write`, :func:`~loyaltysem.report.methods_text` and
:func:`~loyaltysem.report.results_text` take the results of an analysis under the same
keywords; :data:`ACCEPTED` says which type each keyword takes and where it comes from, and
:func:`check_inputs` refuses anything else with a :class:`~loyaltysem.errors.ReportError`
that names the keyword, the type given, the type expected and the call that makes it.
:meth:`Results.gather` does both once: :func:`~loyaltysem.report.write` gathers the results
it is given and hands the one checked :class:`Results` to its sections, its methods text and
its results text.

Examples
--------
>>> check_inputs({"fit": "a string"}, "report.write")
Traceback (most recent call last):
...
loyaltysem.errors.ReportError: report.write does not know this fit result...
>>> import loyaltysem as ls
>>> s = ls.load_ecommerce()
>>> Results.gather("report.write", survey=s).given()
('survey',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
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

__all__ = ["ACCEPTED", "Accepted", "Results", "check_inputs"]


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


@dataclass(frozen=True)
class Results:
    """The results of one analysis under the report's keywords (``None`` where not given).

    Made by :meth:`gather`, which checks them once; the sections of
    :func:`~loyaltysem.report.write`, :func:`~loyaltysem.report.methods_text` and
    :func:`~loyaltysem.report.results_text` read this one object.

    Attributes
    ----------
    survey, screening, recommendation, fit, validation, bootstrap, effects, invariance, \
comparison, pls, pls_bootstrap : result or None
        The results of :data:`ACCEPTED`, under its keywords.
    """

    survey: Survey | None = None
    screening: ScreeningReport | None = None
    recommendation: EstimatorRecommendation | None = None
    fit: SEMResult | MultiGroupResult | None = None
    validation: MeasurementReport | None = None
    bootstrap: SEMBootstrap | None = None
    effects: EffectsResult | None = None
    invariance: InvarianceResult | None = None
    comparison: ModelComparison | None = None
    pls: PLSResult | None = None
    pls_bootstrap: PLSBootstrap | None = None

    @classmethod
    def gather(cls, who: str, **results: Any) -> Results:
        """The results given to ``who``, checked by :func:`check_inputs`.

        Parameters
        ----------
        who : str
            The caller, named in an error (``"report.write"``).
        **results
            Keyword -> result or ``None``, keywords of :data:`ACCEPTED`.

        Raises
        ------
        ReportError
            As :func:`check_inputs`: a result of another type, an unknown keyword, or
            every result left out.
        """
        check_inputs(results, who)
        return cls(**results)

    def given(self) -> tuple[str, ...]:
        """The keywords given a result, in the order of an analysis."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)
