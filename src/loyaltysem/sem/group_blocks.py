r"""The data and parameter table of a multi-group model, and its result.

Shared by the continuous multi-group fits (:mod:`loyaltysem.sem.multigroup`) and the ordinal
ones (:mod:`loyaltysem.sem.ordinal_multigroup`): the split of the respondents into groups
(lavaan's group order, rows left out counted), the multi-group parameter table with
lavaan's ``group.equal`` / ``group.partial`` labels, the joint fit measures, and
:class:`MultiGroupResult`. The conventions, with their lavaan sources, are in
:mod:`loyaltysem.sem.multigroup`.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._kernels import fit_indices as fi
from loyaltysem.errors import MissingDataWarning, ModelSpecError, SurveyDataError
from loyaltysem.sem.moments import (
    _refuse_singular,
    _survey_frame,
    moments_from_summary,
    pairwise_sample,
)
from loyaltysem.sem.results import MultiGroupResult, _plain
from loyaltysem.sem.specification import PARAMETER_OPS, ModelSpec
from loyaltysem.survey.survey import labelled_column

__all__ = [
    "GROUP_EQUAL",
    "MultiGroupResult",
    "RowParameterization",
    "group_estimates",
    "score_table",
]

#: The ``group.equal`` keywords of a continuous model (lavaan ``lav_partable_labels``).
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)

Z_95 = float(stats.norm.ppf(0.975))
_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3


def _copy(table: Any) -> Any:
    return table.copy(deep=not _PANDAS_COW)


# ------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class _GroupData:
    labels: tuple[Any, ...]
    covs: tuple[np.ndarray, ...]
    means: tuple[np.ndarray | None, ...]
    nobs: tuple[int, ...]
    n_excluded: tuple[int, ...]
    n_group_missing: int
    data_hash: str | None
    notes: tuple[str, ...]
    #: per group: the rows used (NaN = missing answer, only with missing != "listwise");
    #: an ordinal fit of one group (:func:`item_block`): the item frame with every row
    data: tuple[Any, ...] = ()
    missing: str = "listwise"
    #: "166 of 1,225 rows were left out ...": every row lost, counted ("" if none)
    lost_note: str = ""


def one_block(moments: Any, notes: Sequence[str] = ()) -> _GroupData:
    """The sample statistics of one group as the one block of the pipeline (G = 1).

    ``moments`` are :func:`loyaltysem.sem.single_group.moments_from_data`'s (or
    :func:`~loyaltysem.sem.single_group.moments_from_summary`'s): the covariance
    (divisor N; with missing data the EM moments), the means (``None`` for a
    covariance matrix given without them), N, the rows (complete rows; with missing
    data every row with an answer, NaN for a missing one; none for summary
    statistics or pairwise moments), the data hash and the rows left out, with
    ``notes`` saying why. It is :func:`blocks_from_moments` with one block.
    """
    return blocks_from_moments([moments], (1,), notes)


def blocks_from_moments(
    moments: Sequence[Any], labels: Sequence[Any], notes: Sequence[str] = ()
) -> _GroupData:
    """The blocks of the pipeline from each group's sample statistics (G >= 1).

    ``moments``: one :class:`~loyaltysem.sem.moments._Moments` per group, in the
    order of ``labels``. The rows go with the blocks only when every group has them
    (complete rows, or with full-information ML every row with an answer); summary
    statistics and pairwise moments have none. The data hash is the group's own for
    one block, else the hash of the groups' labels and hashes.
    """
    moments = list(moments)
    fiml = any(m.patterns is not None for m in moments)
    rows = [m.incomplete if fiml else m.values for m in moments]
    if len(moments) == 1:
        data_hash = moments[0].data_hash
    else:
        digest = hashlib.sha256(b"blocks")
        for label, m in zip(labels, moments, strict=True):
            digest.update(repr(_plain(label)).encode("utf-8"))
            digest.update(str(m.data_hash).encode("ascii"))
        data_hash = digest.hexdigest()
    return _GroupData(
        labels=tuple(labels),
        covs=tuple(m.s for m in moments),
        means=tuple(m.mean for m in moments),
        nobs=tuple(int(m.n) for m in moments),
        n_excluded=tuple(int(m.n_excluded) for m in moments),
        n_group_missing=0,
        data_hash=data_hash,
        notes=tuple(notes),
        data=() if any(r is None for r in rows) else tuple(rows),
        missing="ml" if fiml else "listwise",
    )


def item_block(
    items: pd.DataFrame, missing: str, data_hash: str | None = None, label: Any = "all"
) -> _GroupData:
    """The respondents of a one-group ordinal fit as the pipeline's one block, counted.

    ``items``: the model's item columns with every row (the polychorics delete rows
    themselves, after taking the categories from whole columns as lavaan's
    ``lavData``; :func:`loyaltysem.sem.ordinal.fit_blocks`). The rows left out
    (``listwise``: with a missing answer; ``pairwise``: without any answer) are counted
    and reported in the notes and a :class:`~loyaltysem.errors.MissingDataWarning`;
    ``data_hash`` defaults to the SHA-256 of the item codes used. The block has no
    covariance moments (``covs``, ``means`` empty): its statistics are the
    thresholds and polychorics the ordinal pipeline computes. Several groups:
    :func:`_split_groups`.

    Raises
    ------
    SurveyDataError
        No rows left after the deletion.
    """
    complete = items.notna().all(axis=1).to_numpy()
    answered = items.notna().any(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    notes: list[str] = []
    if missing == "pairwise":
        n_incomplete, n_dropped = n_dropped, int((~answered).sum())
        if n_incomplete:
            notes.append(
                f"pairwise deletion: {n_incomplete} of {len(items)} rows have a missing "
                f"answer on the model's items; each correlation uses the rows answering "
                f"both items"
                + (f"; {n_dropped} rows without any answer were left out" if n_dropped else "")
            )
    elif n_dropped:
        notes.append(
            f"listwise deletion: {n_dropped} of {len(items)} rows with a missing answer on "
            f"the model's items were left out; {int(complete.sum())} rows analysed"
        )
    for note in notes:
        _warn_user(note, MissingDataWarning)
    used = complete if missing == "listwise" else answered
    n = int(used.sum())
    if n == 0:
        raise SurveyDataError(
            f"no rows left after {missing} deletion",
            found=f"{len(items)} rows, all with a missing answer",
            expected="respondents answering the items of the model",
            fix="drop the items few people answered"
            + ("" if missing == "pairwise" else ", or use missing='pairwise'"),
        )
    if data_hash is None:
        values = np.ascontiguousarray(items[used].to_numpy(dtype=float))
        data_hash = hashlib.sha256(values.tobytes()).hexdigest()
    return _GroupData(
        labels=(label,),
        covs=(),
        means=(),
        nobs=(n,),
        n_excluded=(n_dropped,),
        n_group_missing=0,
        data_hash=data_hash,
        notes=tuple(notes),
        data=(items,),
        missing=missing,
    )


def _per_group(name: str, value: Any) -> tuple[list[Any], list[Any] | None] | None:
    """``value`` split into one entry per group, with the groups' names if it names them.

    One group's value (a DataFrame, a Series, a mapping of numbers, a number) is
    returned as ``None``: the caller reads it as G = 1. Several: a list or tuple (the
    groups in order), or a mapping ``{group: value}`` (lavaan's named list). A
    sample size per group may also be a Series or an array (lavaan's named vector).
    """
    if value is None or isinstance(value, pd.DataFrame):
        return None
    if name == "sample_nobs":
        if isinstance(value, pd.Series):
            return list(value.to_numpy()), [_plain(k) for k in value.index]
        if isinstance(value, Mapping):
            return list(value.values()), [_plain(k) for k in value]
        if isinstance(value, (list, tuple, np.ndarray)):
            return list(np.asarray(value, dtype=object).ravel()), None
        return None
    if isinstance(value, pd.Series):
        return None
    if isinstance(value, Mapping):
        entries = list(value.values())
        scalar = all(isinstance(v, (int, float, np.number)) for v in entries)
        return None if scalar else (entries, [_plain(k) for k in value])
    if isinstance(value, (list, tuple)):
        return list(value), None
    return None


def summary_blocks(
    ov: Sequence[str],
    *,
    sample_cov: Any = None,
    sample_cor: Any = None,
    sample_sd: Any = None,
    sample_mean: Any = None,
    sample_nobs: Any = None,
) -> _GroupData:
    """The blocks of summary statistics, one per group (lavaan ``sample.cov = list(...)``).

    Each argument is one group's statistics (G = 1: a DataFrame, a Series or mapping
    of numbers, a number) or one per group: a list (groups in order, named ``"Group 1"``,
    ``"Group 2"``, ... as lavaan names an unnamed list) or a mapping ``{group: ...}``
    (lavaan's named list; the groups in the matrices' order). Every group's statistics
    are read by :func:`loyaltysem.sem.moments.moments_from_summary` (a covariance
    matrix rescaled by (N - 1)/N, as lavaan) and become its block
    (:func:`blocks_from_moments`).

    Raises
    ------
    SurveyDataError
        Arguments with different numbers of groups or different group names; a
        group's matrix that is not labelled with the model's variables, symmetric or
        positive definite; a missing or non-integer N (the error names the group).

    Examples
    --------
    The two schools of Holzinger and Swineford as published matrices; in R:
    ``cfa(model, sample.cov = list(S1, S2), sample.nobs = c(n1, n2))``.

    >>> from loyaltysem.datasets import load_frame
    >>> hs = load_frame("holzinger_swineford")
    >>> ov = [f"x{i}" for i in range(1, 10)]
    >>> by = {k: g[ov] for k, g in hs.groupby("school", sort=False)}
    >>> gd = summary_blocks(ov, sample_cov={k: g.cov() for k, g in by.items()},
    ...                     sample_nobs={k: len(g) for k, g in by.items()})
    >>> gd.labels, gd.nobs
    (('Pasteur', 'Grant-White'), (156, 145))
    """
    given = {
        "sample_cov": sample_cov,
        "sample_cor": sample_cor,
        "sample_sd": sample_sd,
        "sample_mean": sample_mean,
        "sample_nobs": sample_nobs,
    }
    split = {k: _per_group(k, v) for k, v in given.items() if v is not None}
    several = {k: v for k, v in split.items() if v is not None}
    if not several:
        moments = moments_from_summary(list(ov), **given)
        return blocks_from_moments([moments], (1,))
    counts = {k: len(v[0]) for k, v in several.items()}
    single = sorted(k for k in split if split[k] is None)
    if single or len(set(counts.values())) > 1:
        found = {k: f"{n} groups" for k, n in counts.items()}
        found.update({k: "one group" for k in single})
        raise SurveyDataError(
            "the summary statistics do not have one entry per group",
            found=found,
            expected="the same number of groups in every argument: one matrix, one mean "
            "vector and one N per group (lavaan: sample.cov = list(S1, S2), sample.mean = "
            "list(m1, m2), sample.nobs = c(n1, n2))",
            fix="pass a list (or a dict keyed by group) of the same length to each of "
            + ", ".join(sorted(split)),
        )
    n_groups = next(iter(counts.values()))
    if n_groups < 1:
        raise SurveyDataError(
            "the summary statistics are empty",
            found=counts,
            expected="one matrix and one N per group",
            fix="pass sample_cov=[S1, S2], sample_nobs=[n1, n2]",
        )
    named = {k: v[1] for k, v in several.items() if v[1] is not None}
    labels: list[Any] = [f"Group {g + 1}" for g in range(n_groups)]
    if named:
        first = next(iter(named))
        labels = list(named[first])
        if len(set(map(str, labels))) != len(labels):
            raise SurveyDataError(
                f"{first} names a group twice",
                found=[str(v) for v in labels],
                expected="one entry per group, each group named once",
                fix="give each group its own name",
            )
        for key, names in named.items():
            if set(map(str, names)) != set(map(str, labels)):
                raise SurveyDataError(
                    f"{key} and {first} name different groups",
                    found={first: [str(v) for v in labels], key: [str(v) for v in names]},
                    expected="the same group names in every argument",
                    fix="key every dict by the same group names (or pass lists in one order)",
                )

    def entry(key: str, g: int) -> Any:
        if key not in several:
            return None
        values, names = several[key]
        return values[g] if names is None else values[[str(v) for v in names].index(str(labels[g]))]

    moments = []
    for g, label in enumerate(labels):
        nobs = entry("sample_nobs", g)
        if isinstance(nobs, (np.integer, np.floating)):
            nobs = nobs.item()
        moments.append(
            moments_from_summary(
                list(ov),
                sample_cov=entry("sample_cov", g),
                sample_cor=entry("sample_cor", g),
                sample_sd=entry("sample_sd", g),
                sample_mean=entry("sample_mean", g),
                sample_nobs=nobs,
                where=f" of group {_plain(label)!r}",
            )
        )
    return blocks_from_moments(moments, labels)


def _warn_user(message: str, category: type[Warning]) -> None:
    """Warn with ``stacklevel`` at the first frame outside loyaltysem (the user's call)."""
    root = os.path.dirname(os.path.dirname(__file__)) + os.sep  # the loyaltysem package
    frame = sys._getframe(0)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(root):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _lost_note(
    group: str, n_total: int, n_group_missing: int, n_excluded: int, missing: str
) -> str:
    """One sentence that counts every row a multi-group analysis leaves out."""
    lost = n_group_missing + n_excluded
    if not lost:
        return ""
    parts = []
    if n_group_missing:
        parts.append(f"{n_group_missing:,} with no value of {group!r}")
    if n_excluded:
        how = (
            "missing answers on model variables (listwise deletion)"
            if missing == "listwise"
            else "missing answers (see the notes per group)"
        )
        parts.append(f"{n_excluded:,} with {how}")
    return (
        f"{lost:,} of {n_total:,} rows were left out of the analysis by group {group!r}: "
        + " and ".join(parts)
    )


def _group_labels(column: pd.Series, *, code_order: bool = False) -> list[Any]:
    """Groups in lavaan's order: first appearance (also for a categorical column).

    ``code_order=True`` (a column with value labels, as an ordered categorical of its
    labels): the labels present, in code order, as lavaan orders them given
    ``group.label`` in that order.
    """
    if code_order:
        present = set(column.dropna())
        return [label for label in column.cat.categories if label in present]
    return list(pd.unique(column.dropna()))


def _group_column(data: Any, frame: pd.DataFrame, group: str) -> tuple[pd.Series, bool]:
    """The grouping column, by its value labels when the survey has them for it.

    A :class:`~loyaltysem.survey.Survey` keeps the codes of a labelled group column and
    its labels in ``Survey.value_labels``: the groups are then named by the labels
    (``男``, ``女``) and ordered by code (1 before 2) in every table.
    """
    labels = {} if isinstance(data, pd.DataFrame) else getattr(data, "value_labels", None)
    if isinstance(labels, Mapping) and group in labels:
        return labelled_column(frame[group], labels[group]), True
    column = frame[group]
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        # a blank cell is a missing group, never a group named "" (or "nan")
        blank = column.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)
        if blank.any():
            column = column.mask(blank)
    return column, False


def _split_groups(
    data: Any,
    group: str,
    ov: Sequence[str],
    missing: str = "listwise",
    ov_x: Sequence[str] = (),
) -> _GroupData:
    """Per-group data and sample moments (divisor n_g), counted.

    ``missing="listwise"``: rows with a missing answer on a model variable are left
    out within their group (counted). ``"ml"`` / ``"ml.x"`` / ``"pairwise"``: only rows
    with no answer at all are left out (counted); the moments are then the
    available-case ones (pairwise complete, divisor = pairs), used for start values
    only. With ``missing="ml"`` and fixed.x covariates ``ov_x``, rows missing a
    covariate are also deleted within their group, counted and reported, as lavaan
    0.6.14 does ("<k> cases were deleted in group <label> due to missing values in
    exogenous variable(s), while fixed.x = TRUE"); ``"ml.x"`` keeps them.
    """
    frame, survey_hash = _survey_frame(data)
    columns = [str(c) for c in frame.columns]
    if group not in columns:
        close = difflib.get_close_matches(str(group), columns, n=3)
        raise SurveyDataError(
            "the grouping column is not in the data",
            column=str(group),
            found=f"columns {columns[:12]}{' ...' if len(columns) > 12 else ''}",
            expected="the name of a column that says which group each respondent is in",
            fix=(f"did you mean {', '.join(close)}? " if close else "")
            + "pass group='<column>', e.g. group='wave'",
        )
    if group in ov:
        raise ModelSpecError(
            "the grouping column is also a variable of the model",
            column=str(group),
            found=str(group),
            expected="a grouping column that the model does not use",
            fix="remove it from the model, or group by another column",
        )
    sub = frame[list(ov)]
    non_numeric = [c for c in ov if not pd.api.types.is_numeric_dtype(sub[c])]
    if non_numeric:
        raise SurveyDataError(
            "model variables are not numeric",
            column=non_numeric[0],
            found={c: str(sub[c].dtype) for c in non_numeric},
            expected="numeric columns",
            fix="load the data through a codebook (read_survey) or convert the columns",
        )
    values = sub.to_numpy(dtype=float)
    gcol, code_order = _group_column(data, frame, group)
    labels = _group_labels(gcol, code_order=code_order)
    notes: list[str] = []
    n_missing = int(gcol.isna().sum())
    if len(labels) < 2:
        raise SurveyDataError(
            "a multi-group model needs at least two groups",
            column=str(group),
            found=f"{len(labels)} group(s): {[_plain(v) for v in labels]}",
            expected="two or more distinct values in the grouping column",
            fix="group by a column with several values, or use loyaltysem.fit() for one group",
        )
    digest = hashlib.sha256("\x1f".join([str(group), *map(str, ov)]).encode("utf-8"))
    if survey_hash is not None:
        digest.update(survey_hash.encode("ascii"))
    covs, means, nobs, excluded = [], [], [], []
    blocks: list[np.ndarray] = []
    p = len(ov)
    for label in labels:
        mask = (gcol == label).fillna(False).to_numpy(dtype=bool)
        block = values[mask]
        observed = np.isfinite(block)
        keep = observed.all(axis=1) if missing == "listwise" else observed.any(axis=1)
        n_x = 0
        if missing == "ml" and len(ov_x):  # fixed.x: rows missing a covariate (lavaan)
            has_x = observed[:, [list(ov).index(v) for v in ov_x]].all(axis=1)
            n_x = int((keep & ~has_x).sum())
            keep &= has_x
        n_out = int((~keep).sum())
        block = block[keep]
        n = len(block)
        where = f"{group} = {_plain(label)!r}"
        if n_out and missing == "listwise":
            notes.append(
                f"group {where}: {n_out} of {n + n_out} rows have missing values on model "
                "variables and were excluded (listwise deletion)"
            )
        elif n_out > n_x:
            notes.append(
                f"group {where}: {n_out - n_x} of {n + n_out} rows have no answer on any "
                "model variable and were excluded"
            )
        if n_x:
            notes.append(
                f"group {where}: {n_x} of {n + n_out} rows have a missing value on an "
                f"exogenous covariate ({', '.join(ov_x)}) and were excluded (fixed.x; "
                "missing='ml.x' keeps them)"
            )
        if n <= p:
            raise SurveyDataError(
                f"group {where} has too few complete rows for the number of observed variables",
                column=str(group),
                found=f"{n} complete rows in group {_plain(label)!r}, {p} variables",
                expected="more complete rows than observed variables in every group",
                fix="merge small groups, drop the group, or collect more responses",
            )
        for j, name in enumerate(ov):
            col = block[np.isfinite(block[:, j]), j]
            if len(col) == 0 or np.all(col == col[0]):
                raise SurveyDataError(
                    f"an item never varies within group {where}",
                    column=name,
                    found=(
                        f"{name} = {col[0]:g} for all {len(col)} respondents of group "
                        f"{_plain(label)!r} who answered it"
                        if len(col)
                        else f"no respondent of group {_plain(label)!r} answered {name}"
                    ),
                    expected="answers that vary within every group (a constant item has no "
                    "variance to model)",
                    fix=f"drop {name} from the model, or leave group {_plain(label)!r} out",
                )
        digest.update(repr(_plain(label)).encode("utf-8"))
        digest.update(np.ascontiguousarray(block).tobytes())
        if missing == "listwise":
            mean = block.mean(axis=0)
            centered = block - mean
            cov = centered.T @ centered / n
            _refuse_singular(list(ov), cov, mean, ov_x, where=f"in group {where}")
        elif missing == "pairwise":  # lavaan's pairwise moments, as for one group
            mean, cov, _ = pairwise_sample(block)
        else:
            frame_g = pd.DataFrame(block)
            mean = frame_g.mean().to_numpy()
            cov = frame_g.cov(ddof=0).to_numpy() if n > 1 else np.zeros((p, p))
            cov = np.nan_to_num(cov)
        covs.append(cov)
        means.append(mean)
        blocks.append(block)
        nobs.append(n)
        excluded.append(n_out)
    lost = _lost_note(str(group), len(frame), n_missing, int(sum(excluded)), missing)
    # answers set to missing when the survey was read (invalid="missing", Excel cells)
    read_losses = getattr(data, "loss_notes", None)
    earlier = list(read_losses()) if callable(read_losses) else []
    return _GroupData(
        labels=tuple(labels),
        covs=tuple(covs),
        means=tuple(means),
        nobs=tuple(nobs),
        n_excluded=tuple(excluded),
        n_group_missing=n_missing,
        data_hash=digest.hexdigest(),
        notes=tuple([lost] if lost else []) + tuple(notes) + tuple(earlier),
        data=tuple(blocks),
        missing=missing,
        lost_note=lost,
    )


def group_estimates(
    rows: pd.DataFrame,
    group: int,
    label: Any,
    est: np.ndarray,
    se: np.ndarray,
    std_lv: np.ndarray,
    std_all: np.ndarray,
    se_std_all: np.ndarray,
) -> pd.DataFrame:
    """One group's rows of a multi-group estimates table (``parameterEstimates()``).

    ``rows``: the group's rows of the parameter table (``lhs, op, rhs, label, free``);
    ``z``, ``pvalue`` and the 95 % interval from the normal distribution, ``z`` for free
    parameters only.
    """
    fr = rows["free"].to_numpy(dtype=int)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(fr > 0, est / se, np.nan)
    return pd.DataFrame(
        {
            "lhs": rows["lhs"].to_numpy(),
            "op": rows["op"].to_numpy(),
            "rhs": rows["rhs"].to_numpy(),
            "group": group,
            "group_label": [_plain(label)] * len(rows),
            "label": rows["label"].to_numpy(),
            "free": fr,
            "est": est,
            "se": se,
            "z": z,
            "pvalue": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": est - Z_95 * se,
            "ci_upper": est + Z_95 * se,
            "std_lv": std_lv,
            "std_all": std_all,
            "se_std_all": se_std_all,
        }
    )


@dataclass(frozen=True)
class RowParameterization:
    """lavaan's unconstrained parameterization of a multi-group table, for ``lavTestScore``.

    One parameter per free row (``row_param``: 1-based per row, 0 fixed); ``x_full``
    the constrained estimates copied to every row; ``shared`` (rows x q, 0/1) maps the
    constrained parameters to the rows; ``released``: for each equality constraint the
    0-based row parameter it frees.
    """

    rows: np.ndarray
    row_param: np.ndarray
    x_full: np.ndarray
    shared: np.ndarray
    released: list[int]

    @classmethod
    def build(
        cls, table: pd.DataFrame, eq_pairs: Sequence[tuple[int, int]], x: np.ndarray
    ) -> RowParameterization:
        """The parameterization of ``table`` (``free``) at the estimates ``x``."""
        free = table["free"].to_numpy(dtype=int)
        rows = np.flatnonzero(free > 0)
        row_param = np.zeros(len(table), dtype=int)
        row_param[rows] = np.arange(1, len(rows) + 1)
        shared = np.zeros((len(rows), int(free.max()) if len(rows) else 0))
        shared[np.arange(len(rows)), free[rows] - 1] = 1.0
        released = [int(row_param[o]) - 1 for _, o in eq_pairs]
        return cls(rows, row_param, np.asarray(x)[free[rows] - 1], shared, released)


def score_table(
    table: pd.DataFrame,
    eq_pairs: Sequence[tuple[int, int]],
    x2: np.ndarray,
    total: float,
) -> tuple[pd.DataFrame, pd.Series]:
    """``lavTestScore``'s tables: one row per equality constraint, largest first, and the total.

    ``table``: the multi-group parameter table (``lhs, op, rhs, group, plabel``);
    ``eq_pairs``: (reference row, constrained row) of each constraint; ``x2``: the
    univariate statistics in that order; ``total``: the test of all constraints.
    """
    other = [o for _, o in eq_pairs]
    ref = [r for r, _ in eq_pairs]
    gcol = table["group"].to_numpy()
    plabel = table["plabel"].to_numpy()
    out = pd.DataFrame(
        {
            "lhs": table["lhs"].to_numpy()[other],
            "op": table["op"].to_numpy()[other],
            "rhs": table["rhs"].to_numpy()[other],
            "group": gcol[other],
            "ref_group": gcol[ref],
            "constraint": [f"{plabel[r]} == {plabel[o]}" for r, o in eq_pairs],
            "X2": x2,
            "df": 1,
            "pvalue": stats.chi2.sf(x2, 1),
        }
    )
    out = out.sort_values("X2", ascending=False, kind="stable").reset_index(drop=True)
    n_con = len(eq_pairs)
    overall = pd.Series(
        {"X2": total, "df": float(n_con), "pvalue": float(stats.chi2.sf(total, n_con))},
        name="score test",
    )
    return out, overall


def defined_rows(
    definitions: Sequence[Any],
    table: pd.DataFrame,
    estimates: pd.DataFrame,
    x: np.ndarray,
    vcov: np.ndarray,
    std_all_rows: Callable[[np.ndarray], np.ndarray],
) -> pd.DataFrame:
    """The ``:=`` rows of a multi-group fit (lavaan: ``group = 0``), delta-method SEs.

    A label names the parameter in every group that carries it: written plainly it is
    one parameter equal across groups; ``c(a1, a2)`` gives each group its own label,
    so ``diff := a1*b1 - a2*b2`` compares an indirect effect between two groups.
    ``table`` is the multi-group parameter table (``free`` with global numbers,
    ``label``), ``estimates`` its rows in the same order, and ``std_all_rows`` maps a
    batch of parameter vectors to every row's std.all value (each group standardized
    on its own), for the standardized ``:=`` values and their SEs.
    """
    from types import SimpleNamespace

    from loyaltysem._kernels.delta import delta_method
    from loyaltysem.sem.specification import DefinedParameters

    pt = SimpleNamespace(
        free=table["free"].to_numpy(dtype=int), label=table["label"].to_numpy(dtype=object)
    )
    defined = DefinedParameters(definitions, pt, estimates["est"].to_numpy(dtype=float))  # type: ignore[arg-type]
    std_all, se_std_all = delta_method(std_all_rows, x, vcov, defined.from_rows)
    rows = defined.table(x, vcov, estimates["std_lv"].to_numpy(dtype=float), std_all, se_std_all)
    rows["group"] = 0
    rows["group_label"] = None
    return rows


# ------------------------------------------------------------ the parameter table
@dataclass(frozen=True)
class _MultiTable:
    """The parameter table of all groups (lavaan's ``parTable()`` of a multi-group fit)."""

    frame: pd.DataFrame  # lhs op rhs group free ustart exo label plabel user
    n_free: int
    eq_pairs: tuple[tuple[int, int], ...]  # (reference row, constrained row), lavaan order


def _normalize_partial(entries: Iterable[str]) -> list[str]:
    return ["".join(str(e).split()) for e in entries]


def _check_group_equal(
    group_equal: Sequence[str] | str, allowed: Sequence[str] = GROUP_EQUAL
) -> tuple[str, ...]:
    """The ``group_equal`` keywords, checked against ``allowed``, without repeats."""
    if isinstance(group_equal, str):
        group_equal = [group_equal]
    out = []
    for kw in group_equal:
        if kw not in allowed:
            close = difflib.get_close_matches(str(kw), list(allowed), n=1)
            raise ModelSpecError(
                "unknown group_equal keyword",
                found=kw,
                expected=f"some of {list(allowed)}",
                fix=f"use {close[0]!r}" if close else "use lavaan's group.equal keywords",
            )
        out.append(str(kw))
    return tuple(dict.fromkeys(out))


def _apply_group_modifiers(
    t: pd.DataFrame,
    n_groups: int,
    free: np.ndarray,
    ustart: np.ndarray,
    user_label: np.ndarray,
) -> None:
    """``c(a1, a2)``, ``c(1, NA)``: one label, fixed value or NA per group (in place)."""
    k = len(t)
    for r, mods in enumerate(t["group_mods"]):
        if not len(mods):
            continue
        if len(mods) != n_groups:
            raise ModelSpecError(
                "a c() modifier does not have one value per group",
                line=int(t["line"].iloc[r]) or None,
                found=f"c({', '.join(mods)}) on {t['lhs'].iloc[r]} {t['op'].iloc[r]} "
                f"{t['rhs'].iloc[r]}: {len(mods)} values",
                expected=f"{n_groups} values, one per group, in the groups' order",
                fix=f"write {n_groups} labels or values inside c(), e.g. "
                f"c({', '.join(f'a{g + 1}' for g in range(n_groups))})",
            )
        for g, entry in enumerate(mods):
            i = g * k + r
            try:
                value = float(entry)
            except ValueError:
                value = None
            if value is not None and entry not in ("NA", "na"):
                free[i], ustart[i], user_label[i] = False, value, ""
            elif entry in ("NA", "na"):
                free[i], ustart[i] = True, np.nan
            else:
                user_label[i] = entry


def _equality_classes(
    label: np.ndarray,
    user_label: np.ndarray,
    free: np.ndarray,
    ustart: np.ndarray,
    base_free: np.ndarray,
    n_groups: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]], np.ndarray]:
    """Number the free parameters of a multi-group table, as lavaan's constraints do.

    Rows with the same ``label`` (lavaan's ``lav_partable_labels``: a group-1 parameter of
    a ``group.equal`` kind labels the same parameter of the other groups; a user label is
    the same in every group) form one parameter, and so do rows sharing a free index of
    the single-group table (``base_free``: its own labels and ``==``) within a group. A
    class with a fixed member is fixed at the first fixed value (``free``, ``ustart``
    are updated in place). Rows are ``n_groups`` blocks of ``k``.

    Returns
    -------
    free_idx : ndarray of int
        1-based parameter number of each row (0 fixed).
    out_label : ndarray of str
        lavaan's labels: the user's, else the ``plabel`` of the class's first row.
    eq_pairs : list of (int, int)
        (reference row, constrained row) of each constraint, in lavaan's order of ``==``.
    plabel : ndarray of str
        ``.p1.``, ``.p2.``, ... per row.
    """
    n = len(label)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    first_of: dict[str, int] = {}
    dup_order: list[str] = []
    for i in range(n):
        if label[i] in first_of:
            parent[find(i)] = find(first_of[label[i]])
            if label[i] not in dup_order:
                dup_order.append(label[i])
        else:
            first_of[label[i]] = i
    for g in range(n_groups):
        seen: dict[int, int] = {}
        for r in range(k):
            i = g * k + r
            if base_free[i] > 0 and free[i]:
                if base_free[i] in seen:
                    parent[find(i)] = find(seen[base_free[i]])
                else:
                    seen[base_free[i]] = i
    roots = np.array([find(i) for i in range(n)])
    # a class with a fixed member is fixed at the first fixed value (lavaan)
    for root in np.unique(roots):
        members = np.flatnonzero(roots == root)
        fixed = members[~free[members]]
        if len(members) > 1 and len(fixed):
            free[members] = False
            ustart[members] = ustart[fixed[0]]
    free_idx = np.zeros(n, dtype=int)
    number: dict[int, int] = {}
    for i in range(n):
        if free[i]:
            free_idx[i] = number.setdefault(int(roots[i]), len(number) + 1)
    plabel = np.array([f".p{i + 1}." for i in range(n)], dtype=object)
    out_label = user_label.copy()
    eq_pairs: list[tuple[int, int]] = []
    for lab in dup_order:
        members = np.flatnonzero(label == lab)
        if free[members].all():
            for i in members:
                if out_label[i] == "":
                    out_label[i] = plabel[members[0]]
            eq_pairs += [(int(members[0]), int(o)) for o in members[1:]]
    return free_idx, out_label, eq_pairs, plabel


def _group_labels_of(
    lhs: np.ndarray,
    op: np.ndarray,
    rhs: np.ndarray,
    group: np.ndarray,
    flag: np.ndarray,
    group_partial: Sequence[str],
    user_label: np.ndarray,
    k: int,
    example: str,
) -> np.ndarray:
    """Lavaan's labels of a multi-group table (``lav_partable_labels``).

    Every row is labelled ``lhs op rhs`` (``.g2``, ... in groups 2..G); a group-1 row
    flagged by ``group_equal`` gives its label to the same row of the other groups,
    unless ``group_partial`` names it; a user label overrides. Rows are ``n_groups``
    blocks of ``k``. ``example`` shows the ``group_partial`` spelling in the error.

    Raises
    ------
    ModelSpecError
        ``group_partial`` names a parameter the model does not have (closest names).
    """
    first, later = group == 1, group > 1
    plain = np.array([f"{a}{o}{b}" for a, o, b in zip(lhs, op, rhs, strict=True)], dtype=object)
    partial = set(_normalize_partial(group_partial))
    unknown = sorted(partial - set(plain[first]))
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(plain[first]), n=3)
        raise ModelSpecError(
            "group_partial names a parameter that the model does not have",
            found=unknown,
            expected=f"parameters written as lhs op rhs, e.g. {example}",
            fix=(f"did you mean {', '.join(close)}? " if close else "")
            + "use the names of the model's parameters",
        )
    flag = flag & ~np.isin(plain, list(partial))
    label = np.array(
        [s if g == 1 else f"{s}.g{g}" for s, g in zip(plain, group, strict=True)], dtype=object
    )
    pos = np.arange(len(lhs)) % k
    for i in np.flatnonzero(flag):
        label[(pos == i) & later] = label[i]
    has_user = user_label != ""
    label[has_user] = user_label[has_user]
    return label


def _multigroup_table(
    spec: ModelSpec,
    n_groups: int,
    group_equal: tuple[str, ...],
    group_partial: Sequence[str],
) -> _MultiTable:
    """Replicate the single-group table per group and share parameters as lavaan does."""
    t = spec.table
    t = t[t["op"].isin(PARAMETER_OPS)].reset_index(drop=True)
    k = len(t)
    lhs = np.tile(t["lhs"].to_numpy(dtype=object), n_groups)
    op = np.tile(t["op"].to_numpy(dtype=object), n_groups)
    rhs = np.tile(t["rhs"].to_numpy(dtype=object), n_groups)
    user = np.tile(t["user"].to_numpy(dtype=int), n_groups)
    base_free = t["free"].to_numpy(dtype=int)
    free = np.tile(base_free > 0, n_groups)
    ustart = np.tile(t["ustart"].to_numpy(dtype=float), n_groups)
    exo = np.tile(t["exo"].to_numpy(dtype=int), n_groups)
    user_label = np.tile(t["label"].fillna("").astype(str).to_numpy(dtype=object), n_groups)
    group = np.repeat(np.arange(1, n_groups + 1), k)
    if "group_mods" in t.columns:
        _apply_group_modifiers(t, n_groups, free, ustart, user_label)
    lv = list(spec.lv)
    ov_nox = [v for v in spec.ov if v not in spec.ov_x]
    is_lv = np.isin(lhs, lv)
    later = group > 1
    # lav_partable_flat: latent means free in groups 2..G when intercepts are equal
    if "intercepts" in group_equal and "means" not in group_equal:
        sel = (op == "~1") & is_lv & (user == 0) & later
        free[sel], ustart[sel] = True, np.nan
    if (
        spec.options.get("std_lv")
        and "loadings" in group_equal
        and "lv.variances" not in group_equal
    ):
        sel = (op == "~~") & is_lv & (lhs == rhs) & (user == 0) & later
        free[sel], ustart[sel] = True, np.nan
    # lav_partable_labels: group-1 parameters of the group.equal kinds label the others
    first = group == 1
    in_nox = np.isin(lhs, ov_nox)
    flag = np.zeros(len(lhs), dtype=bool)
    kinds = {
        "loadings": op == "=~",
        "intercepts": (op == "~1") & in_nox,
        "means": (op == "~1") & is_lv,
        "regressions": op == "~",
        "residuals": (op == "~~") & in_nox & (lhs == rhs),
        "residual.covariances": (op == "~~") & in_nox & (lhs != rhs),
        "lv.variances": (op == "~~") & is_lv & (lhs == rhs),
        "lv.covariances": (op == "~~") & is_lv & (lhs != rhs),
    }
    for kw in group_equal:
        flag |= kinds[kw] & first
    label = _group_labels_of(
        lhs, op, rhs, group, flag, group_partial, user_label, k, "'LOY =~ LOY2' or 'x3 ~ 1'"
    )
    # equality classes: equal labels, plus within-group '==' (shared index in the spec)
    base = np.tile(base_free, n_groups)
    free_idx, out_label, eq_pairs, plabel = _equality_classes(
        label, user_label, free, ustart, base, n_groups, k
    )
    frame = pd.DataFrame(
        {
            "lhs": lhs,
            "op": op,
            "rhs": rhs,
            "group": group,
            "free": free_idx,
            "ustart": ustart,
            "exo": exo,
            "label": out_label,
            "plabel": plabel,
            "user": user,
        }
    )
    return _MultiTable(frame, int(free_idx.max()) if len(free_idx) else 0, tuple(eq_pairs))


# --------------------------------------------------------------------- fit measures
def _multigroup_measures(
    per_group: Sequence[Mapping[str, float]],
    nobs: Sequence[int],
    npar: int,
    df: float,
    n_moments: int,
) -> dict[str, float]:
    """Joint fit measures of a multi-group ML fit from the groups' (lavaan's rules)."""
    n = float(sum(nobs))
    g_count = len(per_group)
    w = np.asarray(nobs, dtype=float) / n

    def total(key: str) -> float:
        return float(sum(m[key] for m in per_group))

    def weighted(key: str) -> float:
        return float(w @ np.array([m[key] for m in per_group]))

    chisq = total("chisq")
    chisq_b, df_b = total("baseline.chisq"), total("baseline.df")
    out: dict[str, float] = {
        "npar": float(npar),
        "fmin": chisq / n / 2.0,
        "chisq": chisq,
        "df": float(df),
        "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
        "baseline.chisq": chisq_b,
        "baseline.df": df_b,
        "baseline.pvalue": float(stats.chi2.sf(chisq_b, df_b)),
        **fi.incremental_indices(chisq, df, chisq_b, df_b),
    }
    out["logl"] = total("logl")
    out["unrestricted.logl"] = total("unrestricted.logl")
    out.update(fi.information_criteria(out["logl"], npar, n))
    out["ntotal"] = n
    root_g = math.sqrt(g_count)
    out["rmsea"] = fi.rmsea(chisq, df, n) * root_g
    lo, hi = fi.rmsea_ci(chisq, df, n)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lo * root_g, hi * root_g
    out["rmsea.ci.level"] = 0.90
    # noncentrality N df h0^2 / G: the single-group formula with N / G
    out["rmsea.pvalue"] = fi.rmsea_pvalue(chisq, df, n / g_count, 0.05)
    out["rmsea.close.h0"] = 0.05
    out["rmsea.notclose.pvalue"] = (
        1.0 - fi.rmsea_pvalue(chisq, df, n / g_count, 0.08) if df > 0 else math.nan
    )
    out["rmsea.notclose.h0"] = 0.08
    for key in ("rmr", "rmr_nomean", "srmr", "srmr_bentler", "srmr_bentler_nomean", "crmr",
                "crmr_nomean", "srmr_mplus", "srmr_mplus_nomean"):  # fmt: skip
        out[key] = weighted(key)
    out["cn_05"] = fi.cn(chisq, df, n, 0.05)
    out["cn_01"] = fi.cn(chisq, df, n, 0.01)
    out["gfi"] = weighted("gfi")
    out["agfi"] = fi.agfi(out["gfi"], n_moments, df)
    out["pgfi"] = fi.pgfi(out["gfi"], n_moments, df)
    out["mfi"] = math.exp(-0.5 * (chisq - df) / n)
    out["ecvi"] = fi.ecvi(chisq, npar, n)
    return out


def _own_parameters(free: np.ndarray, group: np.ndarray, g: int) -> int:
    """Free parameters that only group ``g`` uses (its data alone must identify them)."""
    mine = set(free[(group == g) & (free > 0)].tolist())
    others = set(free[(group != g) & (free > 0)].tolist())
    return len(mine - others)
