"""Moderation in PLS path models: interaction terms and simple slopes, as seminr.

:func:`moderation` estimates a PLS model with interaction terms ``iv*moderator``
built in one of seminr's three ways (``interaction_term(iv, moderator, method =
two_stage | product_indicator | orthogonal)``, seminr ``R/specify_interactions.R``):

``"product_indicator"`` (seminr's default)
    Every item of ``iv`` times every item of ``moderator``, both standardized (mean 0,
    sd 1 with divisor n − 1): ``k_iv × k_mod`` indicators named ``"IMAG1*CUEX1"``.
``"orthogonal"`` (Little, Bovaird & Widaman 2006)
    The product indicators, each replaced by its residual from the OLS regression
    (with intercept) on all raw items of ``iv`` and ``moderator``.
``"two_stage"`` (Chin, Marcolin & Newsted 2003; Becker, Ringle & Sarstedt 2018)
    A first PLS estimation without the interaction paths; the product of the two
    construct scores is the single indicator ``"iv*moderator_intxn"``.

The interaction construct is estimated like any other (mode A or B) and, as in
seminr, gets rho_A = 1 (PLSc does not correct it). :func:`simple_slopes` gives the
effect of ``iv`` on the outcome at the moderator's −1 SD, mean and +1 SD (seminr
``slope_analysis``), with a matplotlib figure.

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls.moderation import interaction_term, moderation, simple_slopes
>>> mobi = load_mobi()
>>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
>>> res = moderation(mobi, mm, "Satisfaction ~ Image + Expectation + Value + Image*Expectation",
...                  [interaction_term("Image", "Expectation", method="two_stage")])
>>> round(float(res.paths.loc["Image*Expectation", "Satisfaction"]), 4)  # seminr M4 two_stage
-0.0431
>>> simple_slopes(res, "Image", "Expectation", "Satisfaction").table["slope"].round(4).tolist()
[0.4913, 0.4482, 0.405]
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import pls as _k
from loyaltysem.errors import ModelSpecError
from loyaltysem.pls import (
    Missing,
    PLSResult,
    _blocks,
    _complete_data,
    _items_frame,
    _measurement,
    parse_structural,
    pls,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "METHODS",
    "Interaction",
    "SimpleSlopes",
    "interaction_term",
    "moderation",
    "simple_slopes",
]

METHODS: tuple[str, ...] = ("two_stage", "product_indicator", "orthogonal")
"""Ways to build an interaction term (seminr's ``method =``)."""

Method = Literal["two_stage", "product_indicator", "orthogonal"]


@dataclass(frozen=True)
class Interaction:
    """An interaction term ``iv*moderator`` (seminr ``interaction_term()``).

    Attributes
    ----------
    iv, moderator : str
        The two constructs.
    method : {"product_indicator", "orthogonal", "two_stage"}
        How the term is built (see :mod:`loyaltysem.pls.moderation`).
    weights : {"A", "B"}
        Measurement mode of the interaction construct (seminr ``weights = mode_A``).
    """

    iv: str
    moderator: str
    method: Method = "product_indicator"
    weights: str = "A"

    @property
    def name(self) -> str:
        """Construct name ``"iv*moderator"`` (seminr's)."""
        return f"{self.iv}*{self.moderator}"


def interaction_term(
    iv: str, moderator: str, method: Method = "product_indicator", weights: str = "A"
) -> Interaction:
    """Declare an interaction term, as seminr's ``interaction_term()``.

    Parameters
    ----------
    iv, moderator : str
        Constructs of the measurement model; the term is named ``"iv*moderator"``.
    method : {"product_indicator", "orthogonal", "two_stage"}, default "product_indicator"
        seminr's ``method =`` (its default is ``product_indicator``).
    weights : {"A", "B"}, default "A"
        seminr ``weights = mode_A`` / ``mode_B``.

    Returns
    -------
    Interaction

    Raises
    ------
    ModelSpecError
        An unknown method or mode, or a construct interacting with itself.

    Examples
    --------
    >>> interaction_term("Image", "Expectation", method="orthogonal").name
    'Image*Expectation'
    """
    if method not in METHODS:
        raise ModelSpecError(
            "unknown interaction method",
            found=method,
            expected=f"one of {list(METHODS)}",
            fix="method='two_stage' (or 'product_indicator', 'orthogonal')",
        )
    mode = str(weights).upper()
    if mode not in ("A", "B"):
        raise ModelSpecError(
            f"interaction {iv}*{moderator}: weights must be 'A' or 'B'",
            found=weights,
            expected="'A' (seminr mode_A) or 'B' (mode_B)",
            fix="weights='A'",
        )
    if iv == moderator:
        raise ModelSpecError(
            "a construct cannot moderate itself",
            found=f"{iv}*{moderator}",
            expected="two different constructs",
            fix="name the moderator construct, e.g. interaction_term('Image', 'Expectation')",
        )
    return Interaction(str(iv), str(moderator), method, mode)


def _as_interactions(interactions: object) -> list[Interaction]:
    if isinstance(interactions, Interaction):
        interactions = [interactions]
    out: list[Interaction] = []
    for spec in interactions:  # type: ignore[attr-defined]
        if isinstance(spec, Interaction):
            out.append(interaction_term(spec.iv, spec.moderator, spec.method, spec.weights))
        elif isinstance(spec, Sequence) and not isinstance(spec, str) and 2 <= len(spec) <= 4:
            out.append(interaction_term(*spec))
        else:
            raise ModelSpecError(
                "cannot read the interaction",
                found=spec,
                expected="interaction_term(iv, moderator, method=...) or a tuple "
                "(iv, moderator[, method[, weights]])",
                fix="e.g. interaction_term('Image', 'Expectation', method='two_stage')",
            )
    if not out:
        raise ModelSpecError(
            "no interaction term given",
            found=interactions,
            expected="at least one interaction_term(iv, moderator)",
            fix="use pls() for a model without interactions",
        )
    names = [i.name for i in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModelSpecError(
            "an interaction term is declared twice",
            found=twice,
            expected="each iv*moderator once",
            fix="remove the repetition",
        )
    return out


def _structural(
    structural: str | Sequence[tuple[str, str]], names: list[str]
) -> list[tuple[str, str]]:
    """Parse paths whose sources may be ``"iv*moderator"`` (not allowed by parse_structural)."""
    if not isinstance(structural, str):
        return parse_structural(structural)
    tokens = {f"__interaction{i}__": n for i, n in enumerate(names)}
    text = structural
    for token, name in tokens.items():
        parts = [re.escape(p.strip()) for p in name.split("*")]
        text = re.sub(r"(?<![\w.])" + r"\s*\*\s*".join(parts) + r"(?![\w.])", token, text)
    return [(tokens.get(s, s), tokens.get(t, t)) for s, t in parse_structural(text)]


def _product_items(
    clean: pd.DataFrame, iv_items: Sequence[str], mod_items: Sequence[str]
) -> pd.DataFrame:
    z_iv, _, _ = _k.standardize(clean[list(iv_items)].to_numpy(dtype=float))
    z_mod, _, _ = _k.standardize(clean[list(mod_items)].to_numpy(dtype=float))
    cols = {}
    for a, name_a in enumerate(iv_items):
        for b, name_b in enumerate(mod_items):
            cols[f"{name_a}*{name_b}"] = z_iv[:, a] * z_mod[:, b]
    return pd.DataFrame(cols, index=clean.index)


def _orthogonalize(
    products: pd.DataFrame, clean: pd.DataFrame, items: Sequence[str]
) -> pd.DataFrame:
    x = np.column_stack([np.ones(len(clean)), clean[list(items)].to_numpy(dtype=float)])
    y = products.to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return pd.DataFrame(y - x @ coef, index=products.index, columns=products.columns)


def moderation(
    data: Any,
    measurement: Mapping[str, Sequence[str]],
    structural: str | Sequence[tuple[str, str]],
    interactions: Interaction | Sequence[Interaction | tuple[str, ...]],
    *,
    mode: str | Mapping[str, str] = "A",
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: Missing = "error",
) -> PLSResult:
    r"""Estimate a PLS model with interaction terms, as seminr's ``estimate_pls()``.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores.
    measurement : dict
        ``{construct: [items]}`` without the interaction terms.
    structural : str or sequence of (source, target)
        The paths, the interaction terms named ``"iv*moderator"`` as sources, e.g.
        ``"Satisfaction ~ Image + Expectation + Image*Expectation"``.
    interactions : Interaction or sequence
        :func:`interaction_term` declarations (or tuples ``(iv, moderator[, method[,
        weights]])``).
    mode, scheme, max_iter, tol, missing
        As :func:`loyaltysem.pls.pls`, for the constructs of ``measurement`` (and the
        first stage of ``"two_stage"``). Missing answers are handled before the
        interaction terms are built (seminr builds them after mean replacement).

    Returns
    -------
    PLSResult
        Interaction constructs named ``"iv*moderator"``, their indicators in
        ``data`` (``"IMAG1*CUEX1"``, ... or ``"iv*moderator_intxn"``); rho_A = 1 for
        them (seminr's convention); a note per interaction term.

    Raises
    ------
    ModelSpecError
        An interaction naming a construct not in ``measurement`` or one construct
        twice, an interaction term without a path, and everything :func:`pls` refuses.

    Notes
    -----
    The interaction indicators are computed once from the data given; a bootstrap
    that re-estimates from ``result.data`` keeps them fixed, while seminr rebuilds
    them in every resample.

    In R::

        mm <- constructs(composite("Image", multi_items("IMAG", 1:5)), ...,
                         interaction_term(iv = "Image", moderator = "Expectation",
                                          method = two_stage, weights = mode_A))
        sm <- relationships(paths(from = c("Image", "Expectation", "Value",
                                           "Image*Expectation"), to = "Satisfaction"))
        estimate_pls(mobi, mm, sm)

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
    >>> preds = ["Image", "Expectation", "Value", "Image*Expectation"]
    >>> res = moderation(mobi, mm, [(p, "Satisfaction") for p in preds],
    ...                  [interaction_term("Image", "Expectation")])  # product indicators
    >>> round(float(res.paths.loc["Image*Expectation", "Satisfaction"]), 4)  # seminr M4
    -0.1334
    """
    frame = _items_frame(data, "moderation")
    cons = _measurement(measurement, frame)
    ints = _as_interactions(interactions)
    pairs = _check(cons, ints, structural)
    base_modes: dict[str, str]
    if isinstance(mode, Mapping):
        base_modes = {c: str(mode.get(c, "A")) for c in cons}
        extra = [str(k) for k in mode if k not in cons]
        if extra:
            raise ModelSpecError(
                "mode names constructs that are not in the measurement model",
                found=extra,
                expected=f"some of {list(cons)} (set an interaction's mode in interaction_term)",
                fix="interaction_term(iv, moderator, weights='B') for the interaction term",
            )
    else:
        base_modes = dict.fromkeys(cons, str(mode))

    items = [i for v in cons.values() for i in v]
    clean, n_bad = _complete_data(frame, items, missing, "moderation")
    settings: dict[str, Any] = {"scheme": scheme, "max_iter": max_iter, "tol": tol}
    result = _estimate(clean, cons, pairs, ints, base_modes, settings, n_bad, missing)
    again = functools.partial(
        _refit, measurement=cons, structural=pairs, interactions=ints, mode=base_modes, **settings
    )
    return dataclasses.replace(result, source=clean, _refit=again)


def _refit(rows: pd.DataFrame, **arguments: Any) -> PLSResult:
    """:func:`moderation` again on other rows of the raw items (a bootstrap draw)."""
    return moderation(rows, missing="error", **arguments)


def _check(
    cons: Mapping[str, Sequence[str]],
    ints: list[Interaction],
    structural: str | Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    """Check the interaction terms against the constructs; parse the paths."""
    for spec in ints:
        unknown = [c for c in (spec.iv, spec.moderator) if c not in cons]
        if unknown:
            raise ModelSpecError(
                f"interaction {spec.name} names constructs that are not in the measurement model",
                found=unknown,
                expected=f"constructs of the measurement model: {list(cons)}",
                fix="check the spelling, or add the construct's items",
            )
        if spec.name in cons:
            raise ModelSpecError(
                f"the interaction {spec.name} has the name of a measured construct",
                found=spec.name,
                expected="interaction names 'iv*moderator' not used in the measurement model",
                fix="rename the construct in the measurement model",
            )
    int_names = [spec.name for spec in ints]
    pairs = _structural(structural, int_names)
    sources = {s for s, _ in pairs}
    unused = [n for n in int_names if n not in sources]
    if unused:
        raise ModelSpecError(
            "an interaction term has no path in the structural model",
            found=unused,
            expected="each interaction term as a predictor, e.g. 'Y ~ X + M + X*M'",
            fix=f"add '{unused[0]}' to the predictors of the outcome it moderates",
        )
    targets_int = [t for s, t in pairs if t in int_names]
    if targets_int:
        raise ModelSpecError(
            "an interaction term cannot be an outcome",
            found=targets_int,
            expected="interaction terms only as predictors",
            fix="remove the paths into the interaction term",
        )
    return pairs


def _estimate(
    clean: pd.DataFrame,
    cons: Mapping[str, Sequence[str]],
    pairs: list[tuple[str, str]],
    ints: list[Interaction],
    base_modes: Mapping[str, str],
    settings: Mapping[str, Any],
    n_bad: int,
    missing: str,
) -> PLSResult:
    """Build the interaction indicators from complete data and estimate, as seminr."""
    int_names = [spec.name for spec in ints]
    base_pairs = [(s, t) for s, t in pairs if s not in int_names]
    first_stage: PLSResult | None = None
    columns: list[pd.DataFrame] = []
    int_mm: dict[str, list[str]] = {}
    notes: list[str] = []
    for spec in ints:
        if spec.method == "two_stage":
            if first_stage is None:
                first_stage = pls(clean, cons, base_pairs, mode=base_modes, **settings)
            col = f"{spec.name}_intxn"
            product = first_stage.scores[spec.iv] * first_stage.scores[spec.moderator]
            block = pd.DataFrame({col: product.to_numpy()}, index=clean.index)
            how = "product of the first-stage construct scores (two-stage)"
        else:
            block = _product_items(clean, cons[spec.iv], cons[spec.moderator])
            how = "products of the standardized items (product indicator)"
            if spec.method == "orthogonal":
                block = _orthogonalize(block, clean, [*cons[spec.iv], *cons[spec.moderator]])
                how = "orthogonalized product indicators (residuals on both blocks' items)"
        clash = [c for c in block.columns if c in clean.columns]
        if clash:
            raise ModelSpecError(
                f"interaction {spec.name}: its indicator names are already data columns",
                found=clash,
                expected="no data column named like an interaction indicator",
                fix="rename those columns of the data",
            )
        columns.append(block)
        int_mm[spec.name] = list(block.columns)
        notes.append(f"interaction {spec.name}: {how}, mode {spec.weights}")
    full = pd.concat([clean, *columns], axis=1)
    modes = {**base_modes, **{spec.name: spec.weights for spec in ints}}
    result = pls(full, {**cons, **int_mm}, pairs, mode=modes, **settings)
    return _adjust_interactions(result, int_names, n_bad, missing, notes)


def _adjust_interactions(
    result: PLSResult, int_names: list[str], n_bad: int, missing: str, notes: list[str]
) -> PLSResult:
    """Apply seminr's ``adjust_interaction()`` (Henseler & Chin 2010) and rho_A = 1.

    The interaction score is multiplied by the loading-weighted mean sd of its raw
    indicators, ``a = Σ sd(x)|λ| / Σ|λ|``; loadings (covariances with the score) are
    multiplied and the interaction's path coefficients divided by ``a``.
    """
    data = cast(pd.DataFrame, result.data)  # pls() always keeps the data
    scores = result.scores.copy()
    loadings = result.loadings.copy()
    paths = result.paths.copy()
    for name in int_names:
        items = list(result.measurement[name])
        lam = np.abs(result.loadings.loc[items, name].to_numpy())
        sd = data[items].std(ddof=1).to_numpy()
        a = float(np.sum(sd * lam) / np.sum(lam))
        scores[name] = scores[name] * a
        loadings[name] = loadings[name] * a
        paths.loc[name] = paths.loc[name] / a
    reliability = result.reliability.copy()
    names = result.constructs
    _, blocks = _blocks(result.measurement)
    for name in int_names:
        j = names.index(name)
        rho_c, ave = _k.rho_c_ave(loadings.to_numpy()[blocks[j], j])
        reliability.loc[name, ["rho_a", "rho_c", "ave"]] = [1.0, rho_c, ave]
    return dataclasses.replace(
        result,
        scores=scores,
        loadings=loadings,
        paths=paths,
        reliability=reliability,
        n_dropped=n_bad,
        missing=missing,
        notes=(*result.notes, *notes),
        extension="interaction",
    )


# --------------------------------------------------------------------------- simple slopes


@dataclass(frozen=True, eq=False, repr=False)
class SimpleSlopes(DisplayMixin):
    """Simple slopes of ``iv`` on ``dv`` at three levels of ``moderator``.

    Attributes
    ----------
    iv, moderator, dv : str
        The constructs.
    table : DataFrame
        One row per moderator level (``"-1 SD"``, ``"mean"``, ``"+1 SD"``): the
        moderator value (−1, 0, 1 in SD units), the ``slope`` of ``iv`` (its path plus
        the interaction path times the moderator value), the ``intercept`` (the
        moderator's path times its value), and the predicted ``dv`` at ``iv`` = −1, 0,
        +1 (columns ``"iv=-1"``, ``"iv=0"``, ``"iv=+1"``), all in standardized units.
    paths : Series
        The three paths used: ``iv``, ``iv*moderator`` and ``moderator`` on ``dv``.
    """

    iv: str
    moderator: str
    dv: str
    table: pd.DataFrame
    paths: pd.Series

    _title: ClassVar[str] = "Simple slopes"

    def _header(self) -> list[str]:
        return [f"effect of {self.iv} on {self.dv} at levels of {self.moderator}"]

    def _sections(self) -> list[tuple[str, pd.DataFrame | pd.Series]]:
        return [("Simple slopes", self.table), ("Paths", self.paths)]

    def plot(self, ax: Axes | None = None) -> Figure:
        """Draw the three lines, as seminr's ``slope_analysis()`` (matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure otherwise.

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> import pandas as pd
        >>> s = SimpleSlopes("X", "M", "Y", pd.DataFrame(
        ...     {"moderator": [-1.0, 0.0, 1.0], "slope": [0.2, 0.3, 0.4],
        ...      "intercept": [-0.1, 0.0, 0.1], "iv=-1": [-0.3, -0.3, -0.3],
        ...      "iv=0": [-0.1, 0.0, 0.1], "iv=+1": [0.1, 0.3, 0.5]},
        ...     index=["-1 SD", "mean", "+1 SD"]), pd.Series(dtype=float))
        >>> len(s.plot().axes[0].lines)
        3
        """
        from matplotlib.figure import Figure

        if ax is None:
            fig = Figure(figsize=(5.0, 4.0))
            ax = fig.add_subplot()
        else:
            fig = ax.figure  # type: ignore[assignment]
        x = np.array([-1.0, 0.0, 1.0])
        styles = {"-1 SD": "--", "mean": "-", "+1 SD": ":"}
        labels = {"-1 SD": "at −1 SD", "mean": "at mean", "+1 SD": "at +1 SD"}
        for level, row in self.table.iterrows():
            y = row[["iv=-1", "iv=0", "iv=+1"]].to_numpy(dtype=float)
            ax.plot(
                x,
                y,
                linestyle=styles[str(level)],
                color="black",
                label=f"{self.moderator} {labels[str(level)]}",
            )
        ax.set_xlabel(f"{self.iv} (SD)")
        ax.set_ylabel(f"{self.dv} (SD)")
        ax.set_xlim(-1, 1)
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        return fig  # type: ignore[return-value]


def simple_slopes(result: PLSResult, iv: str, moderator: str, dv: str) -> SimpleSlopes:
    """Simple-slope table of a moderated path, as seminr's ``slope_analysis()``.

    Parameters
    ----------
    result : PLSResult
        A model from :func:`moderation` (possibly PLSc-corrected).
    iv, moderator, dv : str
        The moderated predictor, the moderator and the outcome; the model must have
        the paths ``iv → dv``, ``moderator → dv`` and ``iv*moderator → dv``.

    Returns
    -------
    SimpleSlopes

    Raises
    ------
    ModelSpecError
        A construct or one of the three paths is not in the model.

    Notes
    -----
    In standardized units, ``dv = b_iv·x + b_mod·m + b_int·x·m``, so the slope of
    ``iv`` at moderator level m is ``b_iv + b_int·m`` (seminr multiplies the same
    3 × 3 grid of −1, 0, 1 into the paths). In R::

        slope_analysis(model, dv = "Satisfaction", moderator = "Expectation",
                       iv = "Image")

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
    >>> res = moderation(mobi, mm, "Satisfaction ~ Image + Expectation + Value + Image*Expectation",
    ...                  [interaction_term("Image", "Expectation", method="orthogonal")])
    >>> s = simple_slopes(res, "Image", "Expectation", "Satisfaction")
    >>> round(float(s.table.loc["+1 SD", "slope"]), 4)
    0.2898
    """
    name = f"{iv}*{moderator}"
    absent = [c for c in (iv, moderator, dv, name) if c not in result.constructs]
    if absent:
        raise ModelSpecError(
            "simple slopes need the predictor, the moderator, the outcome and their "
            "interaction term in the model",
            found=absent,
            expected=f"constructs of the model: {result.constructs}",
            fix="estimate the model with moderation(..., interaction_term(iv, moderator))",
        )
    need = [(iv, dv), (moderator, dv), (name, dv)]
    missing_paths = [f"{t} ~ {s}" for s, t in need if (s, t) not in set(result.structural)]
    if missing_paths:
        raise ModelSpecError(
            "the moderated paths are not all in the structural model",
            found=missing_paths,
            expected=f"{dv} ~ {iv} + {moderator} + {name}",
            fix="add the missing paths",
        )
    b_iv = float(result.paths.loc[iv, dv])
    b_int = float(result.paths.loc[name, dv])
    b_mod = float(result.paths.loc[moderator, dv])
    levels = np.array([-1.0, 0.0, 1.0])
    rows = []
    for m in levels:
        slope = b_iv + b_int * m
        intercept = b_mod * m
        rows.append((m, slope, intercept, intercept - slope, intercept, intercept + slope))
    table = pd.DataFrame(
        rows,
        index=pd.Index(["-1 SD", "mean", "+1 SD"], name="moderator level"),
        columns=["moderator", "slope", "intercept", "iv=-1", "iv=0", "iv=+1"],
    )
    paths = pd.Series({iv: b_iv, name: b_int, moderator: b_mod}, name=dv)
    return SimpleSlopes(iv=iv, moderator=moderator, dv=dv, table=table, paths=paths)
