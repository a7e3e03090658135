"""Simulate Likert surveys from a standardized structural equation model.

:class:`PopulationModel` holds a standardized population: which items measure which
construct, their loadings, the structural paths among the constructs, the
correlations among the exogenous constructs, and the thresholds that cut each
item's continuous latent response into answer categories. :func:`simulate_survey`
draws respondents from it, in one or several waves, with optional careless
respondents, missing answers and drifting loadings; the bundled example data set
``ecommerce.csv`` is drawn by ``scripts/make_ecommerce.py`` with it.

The data-generating process, for respondent *i*:

1. exogenous constructs ``xi_i ~ N(0, Phi)``;
2. endogenous constructs ``eta = B eta + zeta`` in causal order, each disturbance
   ``zeta_j ~ N(0, psi_j)`` with ``psi_j = 1 - Var(B_j eta)``, so every construct has
   variance 1 (a standardized population);
3. the latent response of item *k* on construct *c*:
   ``y*_ik = lambda_k eta_ic + sqrt(1 - lambda_k**2) eps_ik``, ``eps_ik ~ N(0, 1)``;
4. the keyed answer is ``1 + #{thresholds of k below y*_ik}``; a reverse-keyed item is
   stored as answered, ``min + max - keyed`` (the codebook reverse-codes it again on
   loading).

Examples
--------
>>> from loyaltysem.planning.simulation import simulate_survey
>>> df = simulate_survey(n=6, random_state=7)
>>> df.shape
(6, 34)
>>> df["respondent_id"].tolist()[:2]
['R0001', 'R0002']
>>> bool(df.loc[:, "REP1":"LOY4"].isin(range(1, 8)).all().all())
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.instruments import POPULATION, default_instrument

__all__ = ["DESIGN_COLUMNS", "PopulationModel", "simulate_survey"]

#: The non-item columns that :func:`simulate_survey` writes, with their codebook
#: roles (see :data:`loyaltysem.survey.ROLES`).
DESIGN_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "respondent_id": "id",
        "wave": "group",
        "gender": "group",
        "platform": "group",
        "age": "covariate",
    }
)

#: Shares of the categories 1..7 that a straight-liner repeats on every item.
_STRAIGHTLINE_P = (0.05, 0.05, 0.05, 0.25, 0.15, 0.20, 0.25)
_GENDERS = ("female", "male")
_GENDER_P = (0.54, 0.46)
_PLATFORMS = ("A", "B", "C")
_PLATFORM_P = (0.45, 0.35, 0.20)
_AGE_MEAN, _AGE_SD, _AGE_MIN, _AGE_MAX = 31.0, 9.0, 18, 70


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({str(k): float(v) for k, v in mapping.items()})


@dataclass(frozen=True)
class PopulationModel:
    """A standardized population SEM with ordinal (Likert) indicators.

    Parameters
    ----------
    constructs : mapping of str to sequence of str
        Construct → its items, in instrument order (defines the item order).
    loadings : mapping of str to float
        Item → standardized loading, ``-1 < lambda < 1`` (keyed direction).
    paths : mapping of str to mapping of str to float
        Endogenous construct → {predictor: standardized path}; the rows of Beta.
        Constructs that are not keys are exogenous. The model must be recursive.
    correlations : mapping of (str, str) to float
        Correlations among the exogenous constructs (missing pairs are 0); Phi.
    thresholds : mapping of str to sequence of float
        Item → increasing cut points on the latent-response scale; ``m`` cut points
        give categories ``1 .. m + 1`` (6 cut points for a 7-point item).
    reverse : sequence of str
        Reverse-keyed items; stored as answered (``1 + (m + 1) - keyed``).

    Raises
    ------
    ModelSpecError
        An item without a loading or thresholds, a loading outside (-1, 1),
        thresholds not increasing, a path naming an unknown construct, a cyclic
        model, a correlation matrix that is not positive definite, or paths that
        explain more than all of a construct's variance.

    Examples
    --------
    >>> m = PopulationModel(
    ...     constructs={"X": ["x1", "x2"], "Y": ["y1", "y2"]},
    ...     loadings={"x1": 0.8, "x2": 0.7, "y1": 0.8, "y2": 0.6},
    ...     paths={"Y": {"X": 0.5}},
    ...     correlations={},
    ...     thresholds={i: (-1.0, 0.0, 1.0) for i in ("x1", "x2", "y1", "y2")},
    ... )
    >>> m.disturbance_variances()["Y"]
    0.75
    >>> round(float(m.latent_response_covariance().loc["x1", "y1"]), 4)  # .8 * .5 * .8
    0.32
    """

    constructs: Mapping[str, tuple[str, ...]]
    loadings: Mapping[str, float]
    paths: Mapping[str, Mapping[str, float]]
    correlations: Mapping[tuple[str, str], float]
    thresholds: Mapping[str, tuple[float, ...]]
    reverse: tuple[str, ...] = ()
    _order: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        constructs = MappingProxyType(
            {str(c): tuple(str(i) for i in items) for c, items in self.constructs.items()}
        )
        if not constructs:
            raise ModelSpecError(
                "the population model has no constructs",
                expected="a mapping {construct: [items]}",
                fix="pass at least one construct with its items",
            )
        items = [i for its in constructs.values() for i in its]
        if len(set(items)) != len(items):
            dup = sorted({i for i in items if items.count(i) > 1})
            raise ModelSpecError(
                "an item is listed under two constructs",
                found=dup,
                expected="each item under exactly one construct",
                fix="remove the duplicates",
            )
        for c, its in constructs.items():
            if not its:
                raise ModelSpecError(
                    f"construct {c!r} has no items",
                    expected="at least one item per construct",
                    fix=f"list the items of {c!r}",
                )
        loadings = _frozen(self.loadings)
        for item in items:
            if item not in loadings:
                raise ModelSpecError(
                    f"item {item!r} has no loading",
                    found=sorted(loadings),
                    expected="a loading for every item",
                    fix=f"add a loading for {item!r}",
                )
            lam = loadings[item]
            if not (math.isfinite(lam) and -1.0 < lam < 1.0):
                raise ModelSpecError(
                    f"the loading of item {item!r} is outside (-1, 1)",
                    found=lam,
                    expected="a standardized loading strictly between -1 and 1",
                    fix="use standardized loadings (error variance 1 - loading**2 > 0)",
                )
        thresholds: dict[str, tuple[float, ...]] = {}
        for item in items:
            if item not in self.thresholds:
                raise ModelSpecError(
                    f"item {item!r} has no thresholds",
                    expected="increasing cut points for every item",
                    fix=f"add thresholds for {item!r}, e.g. 6 cut points for 7 categories",
                )
            cut = tuple(float(t) for t in self.thresholds[item])
            if (
                not cut
                or not all(math.isfinite(t) for t in cut)
                or any(b <= a for a, b in itertools.pairwise(cut))
            ):
                raise ModelSpecError(
                    f"the thresholds of item {item!r} are not finite and strictly increasing",
                    found=cut,
                    expected="at least one finite cut point, strictly increasing",
                    fix="sort the cut points and remove ties",
                )
            thresholds[item] = cut
        reverse = tuple(str(r) for r in self.reverse)
        unknown = sorted(set(reverse) - set(items))
        if unknown:
            raise ModelSpecError(
                "reverse-keyed items that the model does not have",
                found=unknown,
                expected=f"items among {items}",
                fix="check the spelling",
            )
        paths: dict[str, Mapping[str, float]] = {}
        for outcome, preds in self.paths.items():
            for name in (outcome, *preds):
                if name not in constructs:
                    raise ModelSpecError(
                        f"a structural path names an unknown construct {name!r}",
                        found=name,
                        expected=f"one of {list(constructs)}",
                        fix="check the spelling of the path",
                    )
            if outcome in preds:
                raise ModelSpecError(
                    f"construct {outcome!r} is regressed on itself",
                    found=f"{outcome} ~ {outcome}",
                    expected="paths between different constructs",
                    fix="remove the path",
                )
            paths[str(outcome)] = _frozen(preds)
        exogenous = [c for c in constructs if c not in paths]
        correlations: dict[tuple[str, str], float] = {}
        for pair, r in self.correlations.items():
            a, b = (str(p) for p in pair)
            if a not in exogenous or b not in exogenous or a == b:
                raise ModelSpecError(
                    f"correlation {a}–{b} is not between two different exogenous constructs",
                    found=pair,
                    expected=f"pairs among {exogenous}",
                    fix="correlate exogenous constructs only; endogenous ones follow the paths",
                )
            if not (math.isfinite(r) and -1.0 < r < 1.0):
                raise ModelSpecError(
                    f"correlation {a}–{b} is outside (-1, 1)",
                    found=r,
                    expected="a correlation strictly between -1 and 1",
                    fix="correct the value",
                )
            correlations[(a, b)] = float(r)
        # causal order (Kahn's algorithm); a cycle is an error
        order = list(exogenous)
        pending = dict(paths)
        while pending:
            ready = [c for c in constructs if c in pending and set(pending[c]) <= set(order)]
            if not ready:
                raise ModelSpecError(
                    "the structural model is not recursive (it has a feedback loop)",
                    found=sorted(pending),
                    expected="paths without cycles",
                    fix="remove one path of the loop",
                )
            for c in ready:
                order.append(c)
                del pending[c]
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "loadings", loadings)
        object.__setattr__(self, "paths", MappingProxyType(paths))
        object.__setattr__(self, "correlations", MappingProxyType(correlations))
        object.__setattr__(self, "thresholds", MappingProxyType(thresholds))
        object.__setattr__(self, "reverse", reverse)
        object.__setattr__(self, "_order", tuple(order))
        phi = self.phi().to_numpy()
        if exogenous and np.linalg.eigvalsh(phi).min() <= 1e-10:
            raise ModelSpecError(
                "the correlations among the exogenous constructs are not positive definite",
                found=f"smallest eigenvalue {np.linalg.eigvalsh(phi).min():.4g}",
                expected="a positive definite correlation matrix",
                fix="lower some correlations",
            )
        self.disturbance_variances()  # raises if a path set explains too much

    # ----------------------------------------------------------------- builders
    @classmethod
    def default(cls) -> PopulationModel:
        """Return the population of the default instrument and model.

        Values from ``loyaltysem.instruments.POPULATION`` (documented there and
        in ``docs/instrument.md``).

        Examples
        --------
        >>> m = PopulationModel.default()
        >>> len(m.items), m.reverse, m.loadings["LOY4"]
        (29, ('LOY4',), 0.65)
        >>> m.paths["SAT"]["TRU"]
        0.35
        """
        cb = default_instrument()
        return cls(
            constructs={c: tuple(i) for c, i in cb.construct_items.items()},
            loadings=POPULATION.loadings,
            paths=POPULATION.paths,
            correlations=POPULATION.correlations,
            thresholds=POPULATION.thresholds,
            reverse=tuple(cb.reversed_items),
        )

    def with_loadings(self, loadings: Mapping[str, float]) -> PopulationModel:
        """Return a copy in which the given items have new loadings.

        Raises
        ------
        ModelSpecError
            If an item is unknown or a loading outside (-1, 1).

        Examples
        --------
        >>> PopulationModel.default().with_loadings({"TRU2": 0.45}).loadings["TRU2"]
        0.45
        """
        unknown = sorted(set(loadings) - set(self.items))
        if unknown:
            raise ModelSpecError(
                "new loadings for items that the model does not have",
                found=unknown,
                expected=f"items among {list(self.items)}",
                fix="check the spelling",
            )
        return PopulationModel(
            constructs=self.constructs,
            loadings={**self.loadings, **loadings},
            paths=self.paths,
            correlations=self.correlations,
            thresholds=self.thresholds,
            reverse=self.reverse,
        )

    # ------------------------------------------------------------------ queries
    @property
    def items(self) -> tuple[str, ...]:
        """All items, in instrument order."""
        return tuple(i for its in self.constructs.values() for i in its)

    @property
    def construct_of(self) -> dict[str, str]:
        """Item → the construct it measures."""
        return {i: c for c, its in self.constructs.items() for i in its}

    @property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs that no path points to, in instrument order."""
        return tuple(c for c in self.constructs if c not in self.paths)

    @property
    def causal_order(self) -> tuple[str, ...]:
        """Exogenous constructs, then endogenous ones so that predictors come first."""
        return self._order

    def categories(self, item: str) -> int:
        """Number of answer categories of ``item`` (cut points + 1)."""
        return len(self.thresholds[item]) + 1

    def phi(self) -> pd.DataFrame:
        """Correlation matrix of the exogenous constructs (Phi)."""
        exo = list(self.exogenous)
        out = pd.DataFrame(np.eye(len(exo)), index=exo, columns=exo)
        for (a, b), r in self.correlations.items():
            out.loc[a, b] = out.loc[b, a] = r
        return out

    def beta(self) -> pd.DataFrame:
        """Matrix of structural paths B: ``B.loc[outcome, predictor]``, constructs in order."""
        names = list(self.constructs)
        out = pd.DataFrame(0.0, index=names, columns=names)
        for outcome, preds in self.paths.items():
            for pred, b in preds.items():
                out.loc[outcome, pred] = b
        return out

    def construct_covariance(self) -> pd.DataFrame:
        """Population covariance (= correlation) matrix of the constructs.

        ``(I - B)^-1 Psi (I - B)^-T`` with Psi = Phi on the exogenous block and the
        :meth:`disturbance_variances` on the diagonal of the endogenous block.
        """
        cov, _ = self._moments()
        names = list(self.constructs)
        return cov.loc[names, names]

    def disturbance_variances(self) -> dict[str, float]:
        """Disturbance variance ``1 - R²`` of every endogenous construct.

        Raises
        ------
        ModelSpecError
            If the paths of a construct explain all of its variance or more.
        """
        return self._moments()[1]

    def latent_response_covariance(
        self, loadings: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """Population covariance of the item latent responses (a correlation matrix).

        ``Sigma* = Lambda Cov(eta) Lambda' + Theta`` with ``Theta = I - diag(lambda²)``,
        in the keyed direction.

        Parameters
        ----------
        loadings : mapping of str to float, optional
            Loadings to use instead of the model's for some items (a drifted wave).

        Examples
        --------
        >>> s = PopulationModel.default().latent_response_covariance()
        >>> s.shape, float(s.loc["TRU1", "TRU2"])  # .84 * .80
        ((29, 29), 0.672)
        """
        model = self if loadings is None else self.with_loadings(loadings)
        cov = model.construct_covariance()
        items = list(model.items)
        cons = [model.construct_of[i] for i in items]
        lam = np.array([model.loadings[i] for i in items])
        eta = cov.loc[cons, cons].to_numpy()
        sigma = np.outer(lam, lam) * eta
        np.fill_diagonal(sigma, 1.0)
        return pd.DataFrame(sigma, index=items, columns=items)

    def _moments(self) -> tuple[pd.DataFrame, dict[str, float]]:
        order = list(self._order)
        cov = pd.DataFrame(0.0, index=order, columns=order)
        exo = list(self.exogenous)
        cov.loc[exo, exo] = self.phi().to_numpy()
        psi: dict[str, float] = {}
        done = list(exo)
        for c in order[len(exo) :]:
            preds = list(self.paths[c])
            b = np.array([self.paths[c][p] for p in preds])
            sub = cov.loc[preds, preds].to_numpy()
            explained = float(b @ sub @ b)
            rest = 1.0 - explained
            if not rest > 1e-8:
                raise ModelSpecError(
                    f"the paths into {c!r} explain {explained:.3f} of its variance",
                    found={p: self.paths[c][p] for p in preds},
                    expected="standardized paths with R² < 1",
                    fix=f"lower the paths into {c!r}",
                )
            psi[c] = round(rest, 12)
            cross = b @ cov.loc[preds, done].to_numpy()
            cov.loc[c, done] = cross
            cov.loc[done, c] = cross
            cov.loc[c, c] = 1.0
            done.append(c)
        return cov, psi


def _check_fraction(value: object, name: str, *, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise SurveyDataError(
            f"the {name!r} argument is not a number",
            found=value,
            expected=f"a share between 0 and {upper:g}",
            fix=f"pass e.g. {name}=0.02",
        )
    v = float(value)
    if not (math.isfinite(v) and 0.0 <= v < upper):
        raise SurveyDataError(
            f"the {name!r} argument is outside [0, {upper:g})",
            found=value,
            expected=f"a share between 0 and {upper:g}",
            fix=f"pass e.g. {name}=0.02",
        )
    return v


def _wave_sizes(n: int | None, waves: int | Sequence[int]) -> list[int]:
    def _is_int(x: object) -> bool:
        return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

    if isinstance(waves, (int, np.integer)) and not isinstance(waves, bool):
        k = int(waves)
        if k < 1:
            raise SurveyDataError(
                "the 'waves' argument must be at least 1",
                found=waves,
                expected="a number of waves >= 1 or a list of wave sizes",
                fix="pass e.g. waves=3 or waves=[410, 395, 420]",
            )
        total = 400 if n is None else n
        if not _is_int(total) or total < k:
            raise SurveyDataError(
                "the 'n' argument must be a whole number of respondents, at least one per wave",
                found=n,
                expected=f"an integer >= {k}",
                fix="pass e.g. n=400",
            )
        base, extra = divmod(int(total), k)
        return [base + (1 if w < extra else 0) for w in range(k)]
    if isinstance(waves, (str, bytes)) or not isinstance(waves, Sequence) or not waves:
        raise SurveyDataError(
            "the 'waves' argument is neither a number of waves nor a list of wave sizes",
            found=waves,
            expected="an integer >= 1 or a non-empty list of positive integers",
            fix="pass e.g. waves=3 or waves=[410, 395, 420]",
        )
    sizes = list(waves)
    if not all(_is_int(s) and int(s) >= 1 for s in sizes):
        raise SurveyDataError(
            "every wave size must be a positive whole number",
            found=sizes,
            expected="a list of positive integers",
            fix="pass e.g. waves=[410, 395, 420]",
        )
    sizes = [int(s) for s in sizes]
    if n is not None and n != sum(sizes):
        raise SurveyDataError(
            "'n' does not equal the sum of the wave sizes",
            found=f"n={n}, waves={sizes} (sum {sum(sizes)})",
            expected="n omitted or equal to the sum",
            fix="omit n when giving wave sizes",
        )
    return sizes


def _careless_shares(careless: float | Mapping[str, float]) -> tuple[float, float]:
    if isinstance(careless, Mapping):
        unknown = sorted(set(careless) - {"straightline", "random"})
        if unknown:
            raise SurveyDataError(
                "unknown kinds of careless respondents",
                found=unknown,
                expected="keys 'straightline' and/or 'random'",
                fix='pass e.g. careless={"straightline": 0.02}',
            )
        sl = _check_fraction(careless.get("straightline", 0.0), "careless['straightline']")
        rnd = _check_fraction(careless.get("random", 0.0), "careless['random']")
    else:
        share = _check_fraction(careless, "careless")
        sl = rnd = share / 2
    if sl + rnd >= 1.0:
        raise SurveyDataError(
            "the shares of careless respondents add up to 1 or more",
            found=careless,
            expected="a total share below 1",
            fix="lower the shares",
        )
    return sl, rnd


def simulate_survey(
    model: PopulationModel | None = None,
    n: int | None = None,
    *,
    waves: int | Sequence[int] = 1,
    random_state: int | np.random.Generator | np.random.SeedSequence | None = None,
    careless: float | Mapping[str, float] = 0.0,
    missing: float = 0.0,
    missing_mechanism: Literal["MCAR", "MAR"] = "MCAR",
    missing_items: Sequence[str] | None = None,
    drift: Mapping[int, Mapping[str, float]] | None = None,
    missing_code: int | None = None,
    return_latent: bool = False,
) -> pd.DataFrame:
    """Draw a Likert survey from a standardized population model.

    Parameters
    ----------
    model : PopulationModel, optional
        The population (default: :meth:`PopulationModel.default`, the default
        e-commerce instrument and model).
    n : int, optional
        Number of respondents (default 400), split as evenly as possible over the
        waves. Omit it when ``waves`` lists the wave sizes (or give their sum).
    waves : int or sequence of int
        Number of survey waves, or the size of each wave; column ``wave`` is 1..k.
    random_state : int, Generator or SeedSequence, optional
        Seed for :func:`numpy.random.default_rng`; the same seed and arguments give
        the same frame.
    careless : float or mapping
        Share of careless respondents, chosen at random: a float is split equally
        into straight-liners (the same category on every item, as answered) and
        random responders (uniform over the categories); a mapping
        ``{"straightline": s, "random": r}`` sets each share. Counts are
        ``round(share * n)``.
    missing : float
        Share of item cells (of ``missing_items``) left unanswered; exactly
        ``round(missing * cells)`` cells are blanked.
    missing_mechanism : {"MCAR", "MAR"}
        ``MCAR``: every cell equally likely. ``MAR``: a respondent's cells are drawn
        with weight ``exp(z_age)`` (z-scored age), so older respondents skip more: the
        missingness depends on an observed covariate only.
    missing_items : sequence of str, optional
        Items that may be missing (default: all).
    drift : mapping of int to mapping of str to float, optional
        Wave → {item: loading}: the loadings of those items in that wave (measurement
        non-invariance across waves).
    missing_code : int, optional
        Write this code (e.g. ``-99``) instead of a missing value; it must lie
        outside the answer scale. Item columns are then plain integers.
    return_latent : bool
        Also return the construct scores (columns ``eta_<construct>``), the item
        latent responses in the keyed direction before careless answering and
        missingness (``<item>_star``) and ``respondent_type``
        (``"attentive"``, ``"straightline"``, ``"random"``).

    Returns
    -------
    DataFrame
        Columns ``respondent_id`` ("R0001"...), ``wave`` (1..k), ``gender``
        ("female"/"male"), ``platform`` ("A"/"B"/"C"), ``age`` (integer years,
        18–70), then the items in instrument order: integer answers with
        reverse-keyed items as answered (nullable ``Int64`` if there are missing
        cells and no ``missing_code``). Gender, platform and age are drawn
        independently of the constructs.

    Raises
    ------
    ModelSpecError
        ``model`` is not a :class:`PopulationModel`, or ``drift`` names an unknown
        wave or item or a loading outside (-1, 1).
    SurveyDataError
        ``n``, ``waves``, ``careless``, ``missing``, ``missing_mechanism``,
        ``missing_items`` or ``missing_code`` is invalid.

    Examples
    --------
    >>> df = simulate_survey(n=300, waves=[100, 200], random_state=1, missing=0.1,
    ...                      missing_code=-99, careless={"straightline": 0.05})
    >>> df["wave"].value_counts().sort_index().tolist()
    [100, 200]
    >>> int((df.loc[:, "REP1":"LOY4"] == -99).to_numpy().sum())  # round(.1 * 300 * 29)
    870
    >>> from loyaltysem.survey import Codebook, Survey
    >>> from loyaltysem.instruments import default_instrument
    >>> cb = Codebook.from_dict({**default_instrument().to_dict(),
    ...                          "columns": {"wave": "group", "gender": "group",
    ...                                      "platform": "group", "age": "covariate"},
    ...                          "id_column": "respondent_id"})
    >>> Survey.from_frame(df, cb).data.shape
    (300, 29)
    """
    if model is None:
        model = PopulationModel.default()
    elif not isinstance(model, PopulationModel):
        raise ModelSpecError(
            "the 'model' argument is not a PopulationModel",
            found=type(model).__name__,
            expected="a PopulationModel or None (the default model)",
            fix="build one with PopulationModel(...) or PopulationModel.default()",
        )
    sizes = _wave_sizes(n, waves)
    total = sum(sizes)
    k = len(sizes)
    sl_share, rnd_share = _careless_shares(careless)
    miss_share = _check_fraction(missing, "missing")
    if missing_mechanism not in ("MCAR", "MAR"):
        raise SurveyDataError(
            "unknown missing-data mechanism",
            found=missing_mechanism,
            expected="'MCAR' or 'MAR'",
            fix='pass missing_mechanism="MCAR" or "MAR"',
        )
    items = list(model.items)
    p = len(items)
    if missing_items is None:
        miss_cols = list(range(p))
    else:
        if isinstance(missing_items, str):
            missing_items = [missing_items]
        unknown = sorted(set(missing_items) - set(items))
        if unknown or not missing_items:
            raise SurveyDataError(
                "missing_items names items the model does not have (or none)",
                found=unknown or list(missing_items),
                expected=f"a non-empty list of items among {items}",
                fix="check the spelling",
            )
        miss_cols = [j for j, it in enumerate(items) if it in set(missing_items)]
    max_cat = max(model.categories(i) for i in items)
    if missing_code is not None:
        ok = isinstance(missing_code, (int, np.integer)) and not isinstance(missing_code, bool)
        if not ok or 1 <= int(missing_code) <= max_cat:
            raise SurveyDataError(
                "the missing code must be a whole number outside the answer scale",
                found=missing_code,
                expected=f"an integer below 1 or above {max_cat}, e.g. -99",
                fix="pass missing_code=-99",
            )
    drift_loadings: dict[int, dict[str, float]] = {}
    for wave, new in (drift or {}).items():
        if (
            isinstance(wave, bool)
            or not isinstance(wave, (int, np.integer))
            or not (1 <= wave <= k)
        ):
            raise ModelSpecError(
                "drift names a wave that the survey does not have",
                found=wave,
                expected=f"a wave number from 1 to {k}",
                fix="number waves from 1",
            )
        # validates item names and loading values
        model.with_loadings(new)
        drift_loadings[int(wave)] = {str(i): float(v) for i, v in new.items()}

    rng = np.random.default_rng(random_state)
    wave_col = np.repeat(np.arange(1, k + 1), sizes)

    # demographics (independent of the constructs)
    gender = rng.choice(np.array(_GENDERS, dtype=object), size=total, p=_GENDER_P)
    platform = rng.choice(np.array(_PLATFORMS, dtype=object), size=total, p=_PLATFORM_P)
    age = np.clip(np.rint(rng.normal(_AGE_MEAN, _AGE_SD, size=total)), _AGE_MIN, _AGE_MAX)
    age = age.astype(np.int64)

    # construct scores
    names = list(model.constructs)
    eta = pd.DataFrame(0.0, index=range(total), columns=names)
    exo = list(model.exogenous)
    if exo:
        chol = np.linalg.cholesky(model.phi().to_numpy())
        eta[exo] = rng.standard_normal((total, len(exo))) @ chol.T
    psi = model.disturbance_variances()
    for c in model.causal_order[len(exo) :]:
        preds = list(model.paths[c])
        b = np.array([model.paths[c][q] for q in preds])
        eta[c] = eta[preds].to_numpy() @ b + math.sqrt(psi[c]) * rng.standard_normal(total)

    # latent responses, with per-wave loadings
    lam = np.tile(np.array([model.loadings[i] for i in items]), (total, 1))
    for wave, new in drift_loadings.items():
        rows = wave_col == wave
        for item, value in new.items():
            lam[rows, items.index(item)] = value
    cons = [model.construct_of[i] for i in items]
    eta_items = eta[cons].to_numpy()
    eps = rng.standard_normal((total, p))
    star = lam * eta_items + np.sqrt(1.0 - lam**2) * eps

    # categories: keyed, then as answered
    answers = np.empty((total, p), dtype=np.int64)
    for j, item in enumerate(items):
        keyed = np.searchsorted(np.array(model.thresholds[item]), star[:, j]) + 1
        if item in model.reverse:
            keyed = model.categories(item) + 1 - keyed
        answers[:, j] = keyed

    # careless respondents
    n_sl = round(sl_share * total)
    n_rnd = round(rnd_share * total)
    kind = np.full(total, "attentive", dtype=object)
    if n_sl + n_rnd:
        chosen = rng.permutation(total)[: n_sl + n_rnd]
        straight, random_rows = chosen[:n_sl], chosen[n_sl:]
        ncat = np.array([model.categories(i) for i in items])
        if n_sl:
            level = rng.choice(np.arange(1, 8), size=n_sl, p=_STRAIGHTLINE_P)
            answers[straight] = np.minimum(level[:, None], ncat[None, :])
            kind[straight] = "straightline"
        if n_rnd:
            answers[random_rows] = rng.integers(1, ncat + 1, size=(n_rnd, p))
            kind[random_rows] = "random"

    # missing cells
    mask = np.zeros((total, p), dtype=bool)
    cells = total * len(miss_cols)
    n_miss = round(miss_share * cells)
    if n_miss:
        if missing_mechanism == "MAR":
            z = (age - age.mean()) / (age.std() or 1.0)
            w = np.repeat(np.exp(z), len(miss_cols))
            chosen_cells = rng.choice(cells, size=n_miss, replace=False, p=w / w.sum())
        else:
            chosen_cells = rng.choice(cells, size=n_miss, replace=False)
        rows, cols = np.divmod(chosen_cells, len(miss_cols))
        mask[rows, np.asarray(miss_cols)[cols]] = True

    width = max(4, len(str(total)))
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{i:0{width}d}" for i in range(1, total + 1)],
            "wave": wave_col.astype(np.int64),
            "gender": list(gender),
            "platform": list(platform),
            "age": age,
        }
    )
    if missing_code is not None:
        item_frame = pd.DataFrame(np.where(mask, int(missing_code), answers), columns=items)
    elif n_miss:
        item_frame = pd.DataFrame(answers, columns=items).astype("Int64").mask(mask)
    else:
        item_frame = pd.DataFrame(answers, columns=items)
    parts = [frame, item_frame]
    if return_latent:
        parts.append(eta.add_prefix("eta_"))
        parts.append(pd.DataFrame(star, columns=[f"{i}_star" for i in items]))
        parts.append(pd.DataFrame({"respondent_type": list(kind)}))
    return pd.concat(parts, axis=1)
