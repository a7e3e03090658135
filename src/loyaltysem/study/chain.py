"""One survey through the whole chain: screen, clean, validate, recommend, fit, effects.

:func:`analyze` is what ``loyaltysem analyze`` and ``loyaltysem demo`` run on one file,
and what a study run (:func:`loyaltysem.study.run_study`) runs on every wave. Nothing is
written here; the results come back as one :class:`Analysis`.

Examples
--------
>>> import loyaltysem as ls
>>> wave1 = ls.load_ecommerce(wave=1)
>>> a = analyze(wave1, model=ls.DEFAULT_MODEL, measurement=wave1.codebook, n_boot=0)
>>> a.fit.status.label, a.cleaned.n < a.survey.n
('converged, admissible, identified', True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loyaltysem._progress import ProgressArg
from loyaltysem.errors import ModelSpecError
from loyaltysem.measurement.validity import MeasurementReport, validate
from loyaltysem.sem.bootstrap import SEMBootstrap, bootstrap
from loyaltysem.sem.dispatch import fit
from loyaltysem.sem.effects import EffectsResult, effects
from loyaltysem.sem.guidance import EstimatorRecommendation, recommend_estimator
from loyaltysem.sem.invariance import InvarianceResult, invariance
from loyaltysem.sem.results import SEMResult
from loyaltysem.survey import Survey
from loyaltysem.survey.screening import ScreeningReport

__all__ = ["Analysis", "analyze", "with_fallback"]


@dataclass(frozen=True)
class Analysis:
    """The results of the chain on one survey.

    Attributes
    ----------
    survey, cleaned : Survey
        As read, and with the flagged respondents left out (``cleaned is survey`` when
        the chain does not clean).
    screening : ScreeningReport
    validation : MeasurementReport
    recommendation : EstimatorRecommendation
    fit : SEMResult
    how : str
        Which estimator was used and why (the user's choice or the recommendation; ML
        listwise, saying so, where the chosen one is not available).
    effects : EffectsResult or None
        Direct, indirect and total effects (``None`` for a model without regressions).
    bootstrap : SEMBootstrap or None
        The bootstrap behind the effects' intervals (``None``: delta method).
    effects_how : str
        How the effects' intervals were made (bootstrap draws, or the delta method and
        why).
    invariance : InvarianceResult or None
        The invariance ladder across ``group`` (when a group was given).
    invariance_how : str or None
    """

    survey: Survey
    cleaned: Survey
    screening: ScreeningReport
    validation: MeasurementReport
    recommendation: EstimatorRecommendation
    fit: SEMResult
    how: str
    effects: EffectsResult | None
    bootstrap: SEMBootstrap | None
    effects_how: str
    invariance: InvarianceResult | None
    invariance_how: str | None


def with_fallback(run: Callable[..., Any], kwargs: Mapping[str, Any], what: str) -> tuple[Any, str]:
    """Run with the estimator options; ML listwise (saying so) if they are not available yet.

    Returns the result and a sentence saying which estimator was used and why.
    """
    described = ", ".join(
        str(v) if k == "estimator" else f"{k}={v!r}" for k, v in kwargs.items() if k != "ordered"
    )
    if "ordered" in kwargs:
        described += ", ordered items"
    try:
        return run(**kwargs), f"{what}: {described}"
    except ModelSpecError as exc:
        if "not available" not in str(exc):
            raise
        return run(), (
            f"{what} ({described}) is not available here yet; ML with listwise deletion "
            f"instead ({exc.reason})"
        )


def _estimator(
    chosen: Mapping[str, Any] | None, rec: EstimatorRecommendation, how: str
) -> tuple[dict[str, Any], str]:
    if chosen:
        return dict(chosen), how
    return dict(rec.fit_kwargs), f"the recommended estimator {rec.estimator}"


def _effects_bootstrap(
    result: SEMResult,
    data: Survey,
    structural: bool,
    n_boot: int,
    random_state: int | None,
    n_jobs: int,
    progress: ProgressArg = None,
) -> tuple[SEMBootstrap | None, str]:
    if not structural:
        return None, "no regressions: no effects"
    if n_boot <= 0:
        return None, "delta-method standard errors and intervals"
    if not result.converged:
        return None, "delta method: the fit did not converge, so it was not bootstrapped"
    try:
        boot = bootstrap(
            result,
            n_boot,
            data=data,
            random_state=random_state,
            n_jobs=n_jobs,
            progress=progress,
        )
    except ModelSpecError as exc:
        if "not available" not in str(exc):
            raise
        return None, f"delta method: the bootstrap is not available here ({exc.reason})"
    return boot, f"percentile intervals from {boot.n_boot} bootstrap draws (seed {random_state})"


def analyze(
    survey: Survey,
    *,
    model: str,
    measurement: object,
    estimator: Mapping[str, Any] | None = None,
    estimator_source: str = "the estimator given",
    n_boot: int = 1000,
    effects_boot: int = 0,
    random_state: int | None = None,
    n_jobs: int = 1,
    group: str | None = None,
    clean: bool = True,
    progress: ProgressArg = None,
) -> Analysis:
    """Screen, clean, validate, recommend an estimator, fit, and compute the effects.

    Parameters
    ----------
    survey : Survey
        The survey as read (:func:`loyaltysem.read_survey`).
    model : str
        lavaan syntax of the structural model.
    measurement : Codebook or mapping or str
        The measurement model of the invariance ladder (the codebook's constructs).
    estimator : mapping, optional
        Options of :func:`loyaltysem.fit` (``estimator``, ``missing``, ``ordered``);
        ``None``: the recommendation of :func:`loyaltysem.recommend_estimator`.
    estimator_source : str
        How to name a given ``estimator`` in :attr:`Analysis.how`.
    n_boot : int
        Bootstrap draws of the HTMT intervals in :func:`loyaltysem.validate`.
    effects_boot : int
        Bootstrap draws of the effects' intervals; 0: delta-method intervals.
    random_state : int, optional
        Seed of both bootstraps.
    n_jobs : int
        Processes for the bootstraps.
    group : str, optional
        A grouping column: the invariance ladder across it.
    clean : bool
        Leave out the respondents the screening flags (:meth:`Survey.clean`).
    progress : bool or callable, optional
        Progress of the effects' bootstrap draws (:func:`loyaltysem.bootstrap`): ``None``
        a bar when stderr is a terminal or in Jupyter, ``True`` always, ``False`` never, a
        callable is called with the number of draws just finished (then the HTMT
        bootstrap of the validation shows nothing).

    Returns
    -------
    Analysis
    """
    report = survey.screen()
    cleaned = survey.clean(report) if clean else survey
    report_mm = validate(
        cleaned,
        n_boot=n_boot,
        random_state=random_state,
        n_jobs=n_jobs,
        progress=False if callable(progress) else progress,
    )
    rec = recommend_estimator(cleaned)
    kwargs, source = _estimator(estimator, rec, estimator_source)
    result, how = with_fallback(lambda **kw: fit(model, cleaned, **kw), kwargs, source)
    inv = inv_how = None
    if group is not None:
        ladder = {"std_lv": True, "partial": True, "partial_criterion": "chisq"}
        inv, inv_how = with_fallback(
            lambda **kw: invariance(measurement, cleaned, group, **ladder, **kw),
            kwargs,
            source,
        )
    structural = bool((result.estimates["op"] == "~").any())  # a CFA has no effects
    boot, effects_how = _effects_bootstrap(
        result, cleaned, structural, effects_boot, random_state, n_jobs, progress
    )
    return Analysis(
        survey=survey,
        cleaned=cleaned,
        screening=report,
        validation=report_mm,
        recommendation=rec,
        fit=result,
        how=how,
        effects=effects(result, bootstrap=boot) if structural else None,
        bootstrap=boot,
        effects_how=effects_how,
        invariance=inv,
        invariance_how=inv_how,
    )
