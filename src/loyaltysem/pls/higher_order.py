"""Higher-order constructs (HOC) in PLS path models by the two-stage approaches.

A higher-order construct is measured by lower-order constructs (its "dimensions"),
e.g. satisfaction formed by image and value. PLS estimates it in two stages
(Sarstedt, Hair, Cheah, Becker & Ringle 2019, *Australasian Marketing Journal* 27(3)):

``"disjoint"`` (seminr ``higher_composite(..., method = two_stage)``, its only method)
    Stage 1 estimates the model with the HOC replaced by its dimensions: every
    antecedent of the HOC points to each dimension and each dimension to every outcome
    of the HOC (seminr ``substitute_dimensions_for_HOC``). Stage 2 measures the HOC by
    the stage-1 scores of its dimensions, in the original structural model.
``"embedded"`` (repeated indicators in stage 1; Ringle, Sarstedt & Straub 2012)
    Stage 1 estimates the model with the HOC in place, measured by all items of its
    dimensions (repeated), and the dimensions linked to the HOC: ``HOC → dimension``
    for a mode-A HOC (reflective–reflective), ``dimension → HOC`` for a mode-B HOC
    (reflective–formative). Stage 2 as above.

``"two_stage"`` is accepted as seminr's name of ``"disjoint"``. Interaction terms
(:mod:`loyaltysem.pls.moderation`) may be added; they are built in stage 2, as seminr.

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls.higher_order import higher_composite, higher_order
>>> mobi = load_mobi()
>>> mm = {k: mobi.constructs[k] for k in
...       ["Image", "Expectation", "Quality", "Value", "Complaints", "Loyalty"]}
>>> res = higher_order(mobi, mm, '''
...     Satisfaction ~ Expectation + Quality
...     Complaints ~ Satisfaction
...     Loyalty ~ Satisfaction
... ''', [higher_composite("Satisfaction", ["Image", "Value"])])
>>> round(float(res.paths.loc["Quality", "Satisfaction"]), 4)  # seminr M5 (test-hoc.R)
0.7201
>>> res.measurement["Satisfaction"]
('Image', 'Value')
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem.errors import ModelSpecError
from loyaltysem.pls import (
    Missing,
    PLSResult,
    _complete_data,
    _items_frame,
    _measurement,
    pls,
)
from loyaltysem.pls.moderation import Interaction, _as_interactions, _check, _estimate, _structural

__all__ = [
    "HOC_METHODS",
    "HigherOrder",
    "HigherOrderStages",
    "higher_composite",
    "higher_order",
    "higher_order_stages",
]

HOC_METHODS: tuple[str, ...] = ("disjoint", "embedded", "two_stage")
"""Two-stage approaches; ``"two_stage"`` is seminr's name of ``"disjoint"``."""

HOCMethod = Literal["disjoint", "embedded", "two_stage"]


@dataclass(frozen=True)
class HigherOrder:
    """A higher-order composite (seminr ``higher_composite()``).

    Attributes
    ----------
    name : str
        The HOC, as named in the structural model.
    dimensions : tuple of str
        Its lower-order constructs (at least two), constructs of the measurement model.
    weights : {"A", "B"}
        Mode of the HOC in stage 2 (and stage 1 of ``"embedded"``).
    """

    name: str
    dimensions: tuple[str, ...]
    weights: str = "A"


def higher_composite(name: str, dimensions: Sequence[str], weights: str = "A") -> HigherOrder:
    """Declare a higher-order composite, as seminr's ``higher_composite()``.

    Parameters
    ----------
    name : str
        Name of the HOC in the structural model.
    dimensions : sequence of str
        Its lower-order constructs (two or more).
    weights : {"A", "B"}, default "A"
        seminr ``weights = mode_A`` (its default, correlation weights) or ``mode_B``.

    Returns
    -------
    HigherOrder

    Raises
    ------
    ModelSpecError
        Fewer than two dimensions, a repeated dimension, the HOC among its own
        dimensions, or a mode other than A and B.

    Examples
    --------
    >>> higher_composite("Satisfaction", ["Image", "Value"])
    HigherOrder(name='Satisfaction', dimensions=('Image', 'Value'), weights='A')
    """
    dims = (dimensions,) if isinstance(dimensions, str) else tuple(str(d) for d in dimensions)
    if len(dims) < 2:
        raise ModelSpecError(
            f"the higher-order construct {name} needs at least two lower-order constructs",
            found=list(dims),
            expected="two or more dimensions",
            fix=f"add dimensions to {name}, or use the lower-order construct itself",
        )
    twice = sorted({d for d in dims if dims.count(d) > 1})
    if twice or name in dims:
        raise ModelSpecError(
            f"the higher-order construct {name} lists a dimension twice or itself",
            found=twice or [name],
            expected="distinct lower-order constructs other than the HOC",
            fix="remove the repetition",
        )
    mode = str(weights).upper()
    if mode not in ("A", "B"):
        raise ModelSpecError(
            f"higher-order construct {name}: weights must be 'A' or 'B'",
            found=weights,
            expected="'A' (seminr mode_A) or 'B' (mode_B)",
            fix="weights='A'",
        )
    return HigherOrder(str(name), dims, mode)


@dataclass(frozen=True, eq=False, repr=False)
class HigherOrderStages(DisplayMixin):
    """Both stages of a higher-order model.

    Attributes
    ----------
    result : PLSResult
        Stage 2: the HOCs measured by their dimensions' stage-1 scores (items named
        like the dimensions), in the structural model given.
    first_stage : PLSResult
        Stage 1 (see :mod:`loyaltysem.pls.higher_order`).
    loadings, weights : DataFrame
        seminr's combined ``$outer_loadings`` / ``$outer_weights``: the stage-2
        tables with the dimensions' items and columns appended from stage 1.
    method : str
        ``"disjoint"`` or ``"embedded"``.
    """

    result: PLSResult
    first_stage: PLSResult
    loadings: pd.DataFrame
    weights: pd.DataFrame
    method: str

    _title: ClassVar[str] = "Higher-order PLS model (two stages)"

    def _header(self) -> list[str]:
        return [f"{self.method} two-stage approach", *self.result.notes]

    def _sections(self) -> list[tuple[str, pd.DataFrame | pd.Series]]:
        paths = pd.DataFrame(
            [(s, t, float(self.result.paths.loc[s, t])) for s, t in self.result.structural],
            columns=["source", "target", "estimate"],
        )
        return [
            ("Path coefficients (stage 2)", paths),
            ("Outer loadings (both stages)", self.loadings),
            ("Outer weights (both stages)", self.weights),
        ]


def _as_hocs(hocs: object) -> list[HigherOrder]:
    if isinstance(hocs, HigherOrder):
        hocs = [hocs]
    out: list[HigherOrder] = []
    for spec in hocs:  # type: ignore[attr-defined]
        if isinstance(spec, HigherOrder):
            out.append(higher_composite(spec.name, spec.dimensions, spec.weights))
        elif isinstance(spec, Sequence) and not isinstance(spec, str) and 2 <= len(spec) <= 3:
            out.append(higher_composite(*spec))
        else:
            raise ModelSpecError(
                "cannot read the higher-order construct",
                found=spec,
                expected="higher_composite(name, dimensions) or a tuple (name, dimensions[, mode])",
                fix="e.g. higher_composite('Satisfaction', ['Image', 'Value'])",
            )
    if not out:
        raise ModelSpecError(
            "no higher-order construct given",
            found=hocs,
            expected="at least one higher_composite(name, dimensions)",
            fix="use pls() for a model without higher-order constructs",
        )
    return out


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(pairs))


def _disjoint_paths(pairs: list[tuple[str, str]], hocs: list[HigherOrder]) -> list[tuple[str, str]]:
    """Replace each HOC by its dimensions, as seminr's ``substitute_dimensions_for_HOC``."""
    sm = list(pairs)
    for hoc in hocs:
        antecedents = [s for s, t in sm if t == hoc.name]
        if antecedents:
            sm = [p for p in sm if p[1] != hoc.name]
            sm += [(a, d) for a in antecedents for d in hoc.dimensions]
        outcomes = [t for s, t in sm if s == hoc.name]
        if outcomes:
            sm = [p for p in sm if p[0] != hoc.name]
            sm += [(d, o) for d in hoc.dimensions for o in outcomes]
    return _unique(sm)


def higher_order_stages(
    data: Any,
    measurement: Mapping[str, Sequence[str]],
    structural: str | Sequence[tuple[str, str]],
    hocs: HigherOrder | Sequence[HigherOrder | tuple[Any, ...]],
    *,
    method: HOCMethod = "disjoint",
    interactions: Interaction | Sequence[Interaction | tuple[str, ...]] | None = None,
    mode: str | Mapping[str, str] = "A",
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: Missing = "error",
) -> HigherOrderStages:
    r"""Estimate a model with higher-order constructs; both stages.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores.
    measurement : dict
        ``{construct: [items]}`` of the first-order constructs, dimensions included.
    structural : str or sequence of (source, target)
        Paths among the HOCs and the other constructs (dimensions appear only through
        their HOC); interaction terms as ``"iv*moderator"``.
    hocs : HigherOrder or sequence
        :func:`higher_composite` declarations.
    method : {"disjoint", "embedded", "two_stage"}, default "disjoint"
        ``"two_stage"`` is seminr's name of ``"disjoint"``.
    interactions : optional
        :func:`loyaltysem.pls.moderation.interaction_term` declarations, built in
        stage 2.
    mode, scheme, max_iter, tol, missing
        As :func:`loyaltysem.pls.pls` for the first-order constructs; missing answers
        are handled once, before stage 1.

    Returns
    -------
    HigherOrderStages

    Raises
    ------
    ModelSpecError
        A HOC with fewer than two dimensions, a dimension that is not a construct of
        ``measurement`` or belongs to two HOCs or has paths of its own, a HOC named
        like a first-order construct or absent from the structural model, an unknown
        method, and everything :func:`loyaltysem.pls.pls` refuses.

    Notes
    -----
    In R (disjoint two-stage, seminr's only method)::

        mm <- constructs(composite("Image", multi_items("IMAG", 1:5)), ...,
                         higher_composite("Satisfaction", dimensions = c("Image", "Value"),
                                          method = two_stage, weights = mode_A))
        model <- estimate_pls(mobi, mm, sm)
        model$first_stage_model

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Value", "Expectation", "Loyalty"]}
    >>> st = higher_order_stages(mobi, mm, "Satisfaction ~ Expectation\nLoyalty ~ Satisfaction",
    ...                          [higher_composite("Satisfaction", ["Image", "Value"])],
    ...                          method="embedded")
    >>> sorted(st.first_stage.structural)[:2]
    [('Expectation', 'Satisfaction'), ('Satisfaction', 'Image')]
    >>> list(st.weights.columns)
    ['Expectation', 'Loyalty', 'Satisfaction', 'Image', 'Value']
    """
    if method not in HOC_METHODS:
        raise ModelSpecError(
            "unknown higher-order method",
            found=method,
            expected=f"one of {list(HOC_METHODS)}",
            fix="method='disjoint' (seminr two_stage) or method='embedded'",
        )
    how = "embedded" if method == "embedded" else "disjoint"
    frame = _items_frame(data, "higher_order")
    cons = _measurement(measurement, frame)
    specs = _as_hocs(hocs)
    ints = _as_interactions(interactions) if interactions is not None else []
    dims_of: dict[str, str] = {}
    for hoc in specs:
        if hoc.name in cons:
            raise ModelSpecError(
                f"the higher-order construct {hoc.name} has the name of a first-order construct",
                found=hoc.name,
                expected="a new name for the HOC",
                fix=f"rename the HOC or the construct {hoc.name}",
            )
        unknown = [d for d in hoc.dimensions if d not in cons]
        if unknown:
            raise ModelSpecError(
                f"dimensions of the higher-order construct {hoc.name} are not in the "
                "measurement model",
                found=unknown,
                expected=f"constructs of the measurement model: {list(cons)}",
                fix="add their items to the measurement model, or check the spelling",
            )
        for d in hoc.dimensions:
            if d in dims_of:
                raise ModelSpecError(
                    f"the lower-order construct {d} belongs to two higher-order constructs",
                    found=[dims_of[d], hoc.name],
                    expected="each dimension in one HOC",
                    fix="give each HOC its own dimensions",
                )
            dims_of[d] = hoc.name
    hoc_names = [h.name for h in specs]
    stage2_cons: dict[str, list[str]] = {c: v for c, v in cons.items() if c not in dims_of}
    stage2_cons.update({h.name: list(h.dimensions) for h in specs})
    pairs = _check(stage2_cons, ints, structural) if ints else _structural(structural, [])
    in_paths = {c for p in pairs for c in p}
    own = sorted(d for d in dims_of if d in in_paths)
    if own:
        raise ModelSpecError(
            "lower-order constructs of a HOC have paths of their own",
            found={d: dims_of[d] for d in own},
            expected="dimensions connected to the model only through their HOC",
            fix="write the paths for the HOC, not for its dimensions",
        )
    absent = [h for h in hoc_names if h not in in_paths]
    if absent:
        raise ModelSpecError(
            "higher-order constructs without a path in the structural model",
            found=absent,
            expected="each HOC connected by at least one path",
            fix="add its paths, or drop the HOC",
        )
    if isinstance(mode, Mapping):
        extra = [str(k) for k in mode if k not in cons]
        if extra:
            raise ModelSpecError(
                "mode names constructs that are not first-order constructs",
                found=extra,
                expected=f"some of {list(cons)} (set a HOC's mode in higher_composite)",
                fix="higher_composite(name, dimensions, weights='B') for the HOC",
            )
        base_modes = {c: str(mode.get(c, "A")).upper() for c in cons}
    else:
        base_modes = dict.fromkeys(cons, str(mode).upper())

    items = [i for v in cons.values() for i in v]
    clean, n_bad = _complete_data(frame, items, missing, "higher_order")
    settings: dict[str, Any] = {"scheme": scheme, "max_iter": max_iter, "tol": tol}
    int_names = {i.name for i in ints}
    base_pairs = [p for p in pairs if p[0] not in int_names]

    if how == "disjoint":
        first = pls(clean, cons, _disjoint_paths(base_pairs, specs), mode=base_modes, **settings)
    else:
        stage1_data = clean.copy()
        stage1_cons: dict[str, list[str]] = dict(cons)
        stage1_modes = dict(base_modes)
        stage1_pairs = list(base_pairs)
        for hoc in specs:
            copies = []
            for d in hoc.dimensions:
                for item in cons[d]:
                    copy = f"{item}@{hoc.name}"
                    stage1_data[copy] = clean[item]
                    copies.append(copy)
            stage1_cons[hoc.name] = copies
            stage1_modes[hoc.name] = hoc.weights
            if hoc.weights == "A":
                stage1_pairs += [(hoc.name, d) for d in hoc.dimensions]
            else:
                stage1_pairs += [(d, hoc.name) for d in hoc.dimensions]
        first = pls(stage1_data, stage1_cons, _unique(stage1_pairs), mode=stage1_modes, **settings)

    clash = [d for d in dims_of if d in clean.columns]
    if clash:
        raise ModelSpecError(
            "stage 2 names the dimensions' scores like the dimensions, but the data "
            "already have such columns",
            found=clash,
            expected="no data column named like a lower-order construct",
            fix="rename those columns or the constructs",
        )
    stage2_data = pd.concat([clean, first.scores[list(dims_of)]], axis=1)
    stage2_modes = {c: base_modes[c] for c in stage2_cons if c in base_modes}
    stage2_modes.update({h.name: h.weights for h in specs})
    label = (
        "disjoint two-stage (seminr two_stage)"
        if how == "disjoint"
        else ("embedded two-stage (repeated indicators in stage 1)")
    )
    notes = [
        f"higher-order construct {h.name} = ({', '.join(h.dimensions)}), mode {h.weights}: {label}"
        for h in specs
    ]
    if ints:
        result = _estimate(stage2_data, stage2_cons, pairs, ints, stage2_modes, settings, 0, "")
    else:
        result = pls(stage2_data, stage2_cons, pairs, mode=stage2_modes, **settings)
    result = dataclasses.replace(
        result,
        n_dropped=n_bad,
        missing=missing,
        notes=(*result.notes, *notes),
        extension="higher_order",
    )
    loadings, weights = _combined(result, first, cons, list(dims_of))
    return HigherOrderStages(
        result=result, first_stage=first, loadings=loadings, weights=weights, method=how
    )


def _combined(
    result: PLSResult, first: PLSResult, cons: Mapping[str, Sequence[str]], dims: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Combine both stages' tables, as seminr's ``combine_first_order_second_order_matrices``."""
    loc_items = [i for d in dims for i in cons[d]]
    rows = [*result.loadings.index, *[i for i in loc_items if i not in result.loadings.index]]
    cols = [*result.loadings.columns, *dims]
    out = []
    for second, stage1 in ((result.loadings, first.loadings), (result.weights, first.weights)):
        table = pd.DataFrame(0.0, index=pd.Index(rows, name="item"), columns=cols)
        table.columns.name = "construct"
        table.loc[second.index, second.columns] = second.to_numpy()
        for d in dims:
            table.loc[list(cons[d]), d] = stage1.loc[list(cons[d]), d].to_numpy()
        out.append(table)
    return out[0], out[1]


def higher_order(
    data: Any,
    measurement: Mapping[str, Sequence[str]],
    structural: str | Sequence[tuple[str, str]],
    hocs: HigherOrder | Sequence[HigherOrder | tuple[Any, ...]],
    *,
    method: HOCMethod = "disjoint",
    interactions: Interaction | Sequence[Interaction | tuple[str, ...]] | None = None,
    mode: str | Mapping[str, str] = "A",
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: Missing = "error",
) -> PLSResult:
    r"""Estimate a model with higher-order constructs; the stage-2 result.

    The arguments are those of :func:`higher_order_stages`, which also returns stage 1
    and seminr's combined loadings and weights. In R: ``estimate_pls()`` with
    ``higher_composite(name, dimensions, method = two_stage)`` in the measurement model.

    Returns
    -------
    PLSResult
        Stage 2: each HOC measured by its dimensions' stage-1 scores (items named like
        the dimensions); a note per HOC says how it was estimated.

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Value", "Expectation", "Loyalty"]}
    >>> res = higher_order(mobi, mm, "Satisfaction ~ Expectation\nLoyalty ~ Satisfaction",
    ...                    [("Satisfaction", ["Image", "Value"])])
    >>> res.notes[-1].split(": ")[1]
    'disjoint two-stage (seminr two_stage)'
    """
    arguments: dict[str, Any] = {
        "measurement": measurement,
        "structural": structural,
        "hocs": hocs,
        "method": method,
        "interactions": interactions,
        "mode": mode,
        "scheme": scheme,
        "max_iter": max_iter,
        "tol": tol,
    }
    stages = higher_order_stages(data, missing=missing, **arguments)
    items = [i for c in measurement for i in measurement[c]]
    source = stages.first_stage.data
    source = None if source is None else source[list(dict.fromkeys(items))]
    return dataclasses.replace(
        stages.result, source=source, _refit=functools.partial(_refit, **arguments)
    )


def _refit(rows: pd.DataFrame, **arguments: Any) -> PLSResult:
    """:func:`higher_order` again on other rows of the raw items (a bootstrap draw)."""
    return higher_order(rows, missing="error", **arguments)
