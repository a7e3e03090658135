"""The :class:`Survey`: typed, reverse-coded item scores with a log of every step."""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin, short_repr
from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey.codebook import Codebook, _is_blank, normalize_label
from loyaltysem.survey.io import NA_TOKENS, RawTable, read_raw
from loyaltysem.survey.matching import resolve_columns
from loyaltysem.survey.platforms import qualtrics_header_rows, skip_header_rows

if TYPE_CHECKING:
    from loyaltysem.survey.screening import ScreeningReport

__all__ = ["LogEntry", "Survey", "labelled_column", "read_survey"]

_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3


def _protected(frame: pd.DataFrame) -> pd.DataFrame:
    # Under pandas 3 copy-on-write a shallow copy cannot change the original.
    return frame.copy(deep=not _PANDAS_COW)


@dataclass(frozen=True)
class LogEntry:
    """One transformation applied to the data.

    Attributes
    ----------
    step : str
        ``read``, ``missing-code``, ``na-token``, ``label``, ``reverse``, ``invalid``,
        ``exclude``, ``subset``, ``excel`` (cells of an Excel sheet read as missing:
        blank rows, merged cells, formulas without a stored value).
    column : str or None
        The column concerned, if one.
    count : int
        Number of cells or respondents affected.
    detail : str
        What happened, in words.
    """

    step: str
    column: str | None
    count: int
    detail: str


@dataclass(frozen=True)
class _Problem:
    pos: int
    row: int
    column: str
    value: object
    reason: str
    expected: str


def _close(name: str, options: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, list(options), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(map(repr, near))}?)" if near else ""


class _ItemParser:
    """Turns one column of raw cells into numbers, collecting what it did."""

    def __init__(self, codebook: Codebook, table: RawTable, name: str) -> None:
        self.item = codebook.item(name)
        self.table = table
        self.name = name
        file_codes = table.missing_codes.get(name, ())
        self.codes = {*codebook.missing_codes, *self.item.missing_codes, *file_codes}
        self.ranges = table.missing_ranges.get(name, ())
        self.text_codes = {
            normalize_label(t) for t in (*codebook.missing_text, *self.item.missing_text)
        }
        self.shown_codes = [f"{c:g}" for c in sorted(self.codes)]
        self.shown_codes += [f"{lo:g} to {hi:g}" for lo, hi in self.ranges] + [
            *codebook.missing_text,
            *self.item.missing_text,
        ]
        self.labels = codebook.label_lookup(name)
        self.problems: list[_Problem] = []
        self.counts = {"missing-code": 0, "na-token": 0, "label": 0}

    def expected(self) -> str:
        it = self.item
        if it.type == "likert":
            text = f"a whole number from {it.min:g} to {it.max:g}"
        elif it.min is not None and it.max is not None:
            text = f"a number from {it.min:g} to {it.max:g}"
        else:
            text = "a number"
        if self.labels:
            text += " or a value label"
        return text

    def parse(self, values: pd.Series) -> np.ndarray:
        """The column's numbers (NaN = missing); problems and counts are collected.

        Each distinct cell is interpreted once (:meth:`_cell`) and the results are spread
        over the rows: a Likert column of a million answers has a handful of distinct
        cells. Columns whose cells mix booleans with numbers are read cell by cell, since
        ``True == 1`` would merge them.
        """
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.asarray(values.cat.codes, dtype=np.int64)
            uniques: Sequence[object] = list(values.cat.categories)
        else:
            cells = values.to_numpy(dtype=object)
            kind = pd.api.types.infer_dtype(cells, skipna=True)
            if kind not in ("string", "integer", "floating", "mixed-integer-float", "empty"):
                codes = np.arange(len(cells))
                uniques = list(cells)
            else:
                codes, found = pd.factorize(cells, use_na_sentinel=True)
                uniques = list(found)
        results = [self._cell(cell) for cell in uniques]
        numbers = np.array([r[0] for r in results] + [np.nan], dtype=float)
        out = numbers[codes]  # code -1 (a missing cell) takes the last entry, NaN
        occurrences = np.bincount(codes[codes >= 0], minlength=len(uniques))
        self.counts["na-token"] += int((codes < 0).sum())
        bad: dict[int, str] = {}
        for k, (_, outcome) in enumerate(results):
            if outcome in self.counts:
                self.counts[outcome] += int(occurrences[k])
            elif outcome != "ok":
                bad[k] = outcome
        if bad:
            where = np.flatnonzero(np.isin(codes, list(bad)))
            for pos in where.tolist():
                self._problem(pos, values.iloc[pos], bad[int(codes[pos])])
        return out

    def _cell(self, cell: object) -> tuple[float, str]:
        """One cell → (number or NaN, what it was: ``ok``, a count's name, or a problem)."""
        nan = float("nan")
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            return nan, "na-token"
        if isinstance(cell, (bool, np.bool_)):
            return nan, "a true/false value where a rating was expected"
        if isinstance(cell, (int, float, np.integer, np.floating)):
            number = float(cell)
        else:
            text = str(cell).strip()
            if self.text_codes and normalize_label(text) in self.text_codes:
                return nan, "missing-code"
            if text in NA_TOKENS:
                return nan, "na-token"
            try:
                number = float(text)
            except ValueError:
                key = normalize_label(text)
                if key not in self.labels:
                    return nan, "a text answer with no value label"
                number = self.labels[key]
                if self._is_code(number):
                    return nan, "missing-code"
                return self._checked(number, "label")
        if self._is_code(number):
            return nan, "missing-code"
        return self._checked(number, "ok")

    def _is_code(self, number: float) -> bool:
        return number in self.codes or any(lo <= number <= hi for lo, hi in self.ranges)

    def _checked(self, number: float, outcome: str) -> tuple[float, str]:
        if not np.isfinite(number):
            return float("nan"), "not a finite number"
        it = self.item
        if it.type == "likert" and number != round(number):
            return float("nan"), "not a whole number"
        if (it.min is not None and number < it.min) or (it.max is not None and number > it.max):
            return float("nan"), "outside the scale"
        return number, outcome

    def _problem(self, pos: int, value: object, reason: str) -> None:
        self.problems.append(
            _Problem(pos, self.table.row_of(pos), self.name, value, reason, self.expected())
        )

    def check_file_labels(self) -> None:
        """Fail if the file's own value labels contradict the codebook's."""
        file_labels = self.table.value_labels.get(self.name, {})
        for value, label in file_labels.items():
            key = normalize_label(label)
            if self._is_code(value):
                continue
            if key in self.labels and self.labels[key] != value:
                raise SurveyDataError(
                    f"the file labels {value:g} as {label!r}, but the codebook says {label!r} "
                    f"= {self.labels[key]:g}",
                    file=self.table.source,
                    column=self.name,
                    found=f"{value:g} = {label!r}",
                    expected=f"{self.labels[key]:g} = {label!r}",
                    fix="the export may be reverse-coded or use other codes: recode the column "
                    "or correct the codebook's value labels",
                )


def _and_list(parts: list[str]) -> str:
    """``2 and 3``; ``2, 4 and 7``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _as_written(value: object) -> str:
    """A raw cell as the user wrote it: ``1`` for an Excel 1.0, text stripped."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _normalize_covariate(series: pd.Series) -> pd.Series:
    """Give a non-item column one dtype whatever the file format."""
    values = series.map(
        lambda v: None if _is_blank(v) or (isinstance(v, str) and v.strip() in NA_TOKENS) else v
    )
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() == values.notna().sum():
        finite = numeric.dropna()
        if len(finite) and (finite == finite.round()).all() and finite.abs().max() < 2**53:
            return numeric.astype("Int64")
        return numeric.astype("float64")
    # map() may turn None into NaN: test for blank, never write the text "nan"
    return values.map(lambda v: None if _is_blank(v) else str(v).strip()).astype("string")


def labelled_column(codes: pd.Series, labels: Mapping[float, str]) -> pd.Series:
    """Codes → an ordered categorical of their labels, categories in code order.

    Examples
    --------
    >>> import pandas as pd
    >>> col = labelled_column(pd.Series([2, 1, None], dtype="Int64"), {1: "男", 2: "女"})
    >>> col.tolist(), list(col.cat.categories)
    (['女', '男', nan], ['男', '女'])
    """
    order = sorted(labels)
    categories = [labels[k] for k in order]
    keys = np.array(order, dtype=float)
    numbers = pd.to_numeric(codes, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    pos = np.minimum(np.searchsorted(keys, numbers), len(keys) - 1)
    cat_codes = np.where(keys[pos] == numbers, pos, -1)  # NaN and unlabelled codes: -1
    return pd.Series(
        pd.Categorical.from_codes(cat_codes, categories=categories, ordered=True),
        index=codes.index,
        name=codes.name,
    )


def _code(value: float) -> float:
    """A code as written: ``1`` for 1.0."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _label_columns(
    covariates: pd.DataFrame,
    keep: Sequence[str],
    codebook: Codebook,
    table: RawTable,
    rows: pd.Series,
    log: list[LogEntry],
) -> dict[str, dict[float, str]]:
    """Attach value labels to group and covariate columns (changes ``covariates`` in place).

    The codebook's labels of a column win over the file's. A text column with codebook
    labels is mapped to its codes (``男`` → 1). Labels must name every value the column
    holds: a value without one is an error naming the cell when the codebook gave the
    labels; with the file's labels the column keeps its codes and the log says why.
    """
    out: dict[str, dict[float, str]] = {}
    for c in keep:
        from_codebook = c in codebook.column_labels
        given = codebook.column_labels.get(c) or table.value_labels.get(c) or {}
        codes = {*codebook.missing_codes, *table.missing_codes.get(c, ())}
        labels = {
            float(k): str(v)
            for k, v in given.items()
            if float(k) not in codes and not table.is_missing_code(c, float(k))
        }
        if not labels:
            continue
        where = "the codebook" if from_codebook else "the file"
        col = covariates[c]
        if not pd.api.types.is_numeric_dtype(col):
            if not from_codebook:
                continue
            lookup = {normalize_label(v): k for k, v in labels.items()}
            numbers = np.full(len(col), np.nan)
            for pos, cell in enumerate(col.tolist()):
                if cell is None or cell is pd.NA:
                    continue
                text = str(cell)
                try:
                    numbers[pos] = float(text)
                except ValueError:
                    numbers[pos] = lookup.get(normalize_label(text), np.inf)
            bad = np.flatnonzero(np.isinf(numbers))
            if len(bad):
                _unlabelled_error(c, col.iloc[bad[0]], rows.iloc[bad[0]], labels, table)
            col = pd.Series(numbers, index=col.index, name=c)
            if (col.dropna() == col.dropna().round()).all():
                col = col.astype("Int64")
            covariates[c] = col
            log.append(
                LogEntry("label", c, int(col.notna().sum()), "text mapped to codes by its labels")
            )
        observed = col.dropna()
        uncovered = ~observed.astype("float64").isin(list(labels))
        if uncovered.any():
            first = int(np.flatnonzero(col.notna().to_numpy())[np.flatnonzero(uncovered)[0]])
            if from_codebook:
                _unlabelled_error(c, col.iloc[first], rows.iloc[first], labels, table)
            values = sorted({_code(v) for v in observed[uncovered]})
            log.append(
                LogEntry(
                    "value-labels",
                    c,
                    int(uncovered.sum()),
                    f"the file's value labels do not name the values {values[:10]}: the column "
                    "keeps its codes (give the column value labels in the codebook)",
                )
            )
            continue
        out[c] = {_code(k): labels[k] for k in sorted(labels)}
        shown = ", ".join(f"{_code(k)} = {v}" for k, v in out[c].items())
        log.append(
            LogEntry("value-labels", c, int(observed.size), f"value labels from {where}: {shown}")
        )
    return out


def _unlabelled_error(
    column: str, value: object, row: int, labels: Mapping[float, str], table: RawTable
) -> None:
    shown = ", ".join(f"{_code(k)} = {v}" for k, v in sorted(labels.items()))
    raise SurveyDataError(
        "a value of a labelled column has no value label",
        file=table.source,
        **({"line": int(row)} if table.row_label == "line" else {"row": int(row)}),
        column=column,
        found=_as_written(value),
        expected=f"one of the labelled values ({shown}) or a missing code",
        fix=f"add a label for {_as_written(value)} to the codebook's value labels of column "
        f"{column!r}, or declare it a missing-value code",
    )


@dataclass(frozen=True, eq=False)
class Survey(DisplayMixin):
    """A loaded, typed, reverse-coded survey with the record of how it was made.

    Build one with :func:`read_survey` or :meth:`Survey.from_frame`; never change one:
    :meth:`clean` and :meth:`subset` return new surveys.

    Attributes
    ----------
    codebook : Codebook
        The data contract used.
    source : str or None
        File the survey was read from.
    log : tuple of LogEntry
        Every transformation applied, in order.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltysem.survey import Codebook, Survey
    >>> cb = Codebook.from_dict({
    ...     "missing_codes": [-99],
    ...     "items": [{"item": "LOY1", "construct": "LOY", "min": 1, "max": 7},
    ...               {"item": "LOY4", "construct": "LOY", "min": 1, "max": 7, "reverse": True}],
    ... })
    >>> s = Survey.from_frame(pd.DataFrame({"LOY1": [7, 6, -99], "LOY4": [1, 3, 2]}), cb)
    >>> s.data
         LOY1  LOY4
    row
    1     7.0   7.0
    2     6.0   5.0
    3     NaN   6.0
    >>> [e.step for e in s.log]
    ['read', 'missing-code', 'reverse']
    """

    _data: pd.DataFrame
    _raw: pd.DataFrame
    _covariates: pd.DataFrame
    codebook: Codebook
    _rows: pd.Series
    source: str | None = None
    log: tuple[LogEntry, ...] = ()
    _invalid: pd.DataFrame = field(default_factory=lambda: _empty_invalid())
    _exclusions: pd.DataFrame = field(default_factory=lambda: _empty_exclusions())
    _value_labels: Mapping[str, Mapping[float, str]] = field(default_factory=dict)

    _title = "Survey"

    # ------------------------------------------------------------- accessors
    @property
    def data(self) -> pd.DataFrame:
        """Item scores (float, reverse-coded, NaN = missing), one row per respondent."""
        return _protected(self._data)

    @property
    def raw(self) -> pd.DataFrame:
        """The cells as read from the file, before any interpretation."""
        return _protected(self._raw)

    @property
    def covariates(self) -> pd.DataFrame:
        """Non-item columns (group, covariate) aligned with :attr:`data`."""
        return _protected(self._covariates)

    @property
    def value_labels(self) -> dict[str, dict[float, str]]:
        """Value labels of the group and covariate columns: column → {code: label}.

        From the codebook's labels for the column, else from the SPSS/Stata file; only
        when they name every value the column holds (missing codes left out). The
        columns of :attr:`covariates` keep the codes (so a covariate stays a number in a
        model); :attr:`labelled_covariates` shows the labels, and a multi-group fit
        names its groups by them.
        """
        return {c: dict(m) for c, m in self._value_labels.items()}

    @property
    def labelled_covariates(self) -> pd.DataFrame:
        """:attr:`covariates` with every labelled column as an ordered categorical.

        The categories are the labels in code order (``1 = 男`` before ``2 = 女``);
        unlabelled columns are as in :attr:`covariates`.
        """
        out = _protected(self._covariates)
        for column, labels in self._value_labels.items():
            out[column] = labelled_column(self._covariates[column], labels)
        return out

    @property
    def rows(self) -> pd.Series:
        """Respondent → row number as seen in the source file (line, row or case)."""
        return self._rows.copy()

    @property
    def invalid(self) -> pd.DataFrame:
        """Cells set to missing because they were invalid (``invalid="missing"``)."""
        return _protected(self._invalid)

    @property
    def exclusions(self) -> pd.DataFrame:
        """Respondents removed by :meth:`clean` or :meth:`subset`, with the reason."""
        return _protected(self._exclusions)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self._data.shape[0])

    @property
    def items(self) -> list[str]:
        """Item names in codebook order."""
        return self.codebook.item_names

    @property
    def constructs(self) -> dict[str, list[str]]:
        """Construct → its items."""
        return self.codebook.construct_items

    @functools.cached_property
    def data_hash(self) -> str:
        """SHA-256 of the item scores and respondent index (for provenance; computed once)."""
        hashed = pd.util.hash_pandas_object(self._data, index=True).to_numpy()
        digest = hashlib.sha256(hashed.tobytes())
        digest.update("|".join(map(str, self._data.columns)).encode())
        return digest.hexdigest()

    def log_frame(self) -> pd.DataFrame:
        """Return ``log`` as a DataFrame."""
        return pd.DataFrame(
            [(e.step, e.column, e.count, e.detail) for e in self.log],
            columns=["step", "column", "count", "detail"],
        )

    def to_frame(self) -> pd.DataFrame:
        """Return item scores and non-item columns side by side."""
        return pd.concat([self._covariates, self._data], axis=1)

    # -------------------------------------------------------------- display
    def _header(self) -> list[str]:
        lines = [
            f"source: {self.source or '(data frame)'}",
            f"respondents: {self.n}, items: {len(self.items)}, constructs: {len(self.constructs)}",
        ]
        if len(self._exclusions):
            lines.append(f"excluded respondents: {len(self._exclusions)}")
        lines += self.loss_notes()
        for column in self.codebook.group_columns:
            if column in self._covariates.columns:
                k = int(self._covariates[column].isna().sum())
                if k:
                    lines.append(
                        f"{k} respondent{'s' if k != 1 else ''} with no value of {column!r} "
                        "(left out of multi-group analyses by it)"
                    )
        return lines

    def _sections(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Log", self.log_frame())]

    def __repr__(self) -> str:
        source = self.source.replace("\\", "/").rsplit("/", 1)[-1] if self.source else None
        parts = [
            f"n={self.n}",
            f"items={len(self.items)}",
            f"constructs={len(self.constructs)}",
            f"excluded={len(self._exclusions)}" if len(self._exclusions) else "",
            f"invalid_cells={len(self._invalid)}" if len(self._invalid) else "",
            f"source={source!r}",
        ]
        return short_repr("Survey", parts)

    # ------------------------------------------------------------ construct
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        codebook: Codebook,
        *,
        source: str | None = None,
        unknown_columns: Literal["error", "keep", "ignore"] = "error",
        invalid: Literal["raise", "missing"] = "raise",
    ) -> Survey:
        """Build a survey from a DataFrame whose columns the codebook explains.

        Parameters
        ----------
        frame : DataFrame
            One row per respondent; item columns hold numbers, text answers that a
            value label names, missing codes, or blanks.
        codebook : Codebook
            The data contract.
        source : str, optional
            Shown in messages and provenance.
        unknown_columns : {"error", "keep", "ignore"}
            What to do with columns the codebook does not mention: raise (default),
            keep them as covariates, or drop them (logged either way).
        invalid : {"raise", "missing"}
            Out-of-range, non-integer or unlabelled answers raise (default) or are
            set to missing, counted in the log and listed in :attr:`invalid`.

        Raises
        ------
        SurveyDataError
            Missing or unknown columns, invalid answers, duplicate or missing
            respondent ids, no respondents.
        """
        if not isinstance(frame, pd.DataFrame):
            raise SurveyDataError(
                "the data is not a pandas DataFrame",
                found=type(frame).__name__,
                expected="pandas.DataFrame",
                fix="pass a DataFrame, or use read_survey(path, codebook=...) for a file",
            )
        if frame.shape[0] == 0:
            raise SurveyDataError(
                "the data frame has no rows",
                file=source,
                expected="at least one respondent",
                fix="check the filter that produced the frame",
            )
        header = [str(c) for c in frame.columns]
        if len(set(header)) != len(header):
            dup = sorted({c for c in header if header.count(c) > 1})
            raise SurveyDataError(
                "column names appear twice",
                file=source,
                found=dup,
                expected="unique column names",
                fix="rename the duplicate columns",
            )
        obj = frame.copy()
        obj.columns = header
        obj = obj.astype(object).where(obj.notna(), None)
        table = RawTable(
            frame=obj.reset_index(drop=True),
            row_of=lambda i: i + 1,
            source=source or "(data frame)",
            row_label="row",
        )
        return cls._from_table(
            table, codebook, source=source, unknown_columns=unknown_columns, invalid=invalid
        )

    @classmethod
    def _from_table(
        cls,
        table: RawTable,
        codebook: Codebook,
        *,
        source: str | None,
        unknown_columns: str,
        invalid: str,
    ) -> Survey:
        if unknown_columns not in ("error", "keep", "ignore"):
            raise SurveyDataError(
                "unknown value of unknown_columns",
                found=unknown_columns,
                expected="'error', 'keep' or 'ignore'",
                fix="pass one of those",
            )
        if invalid not in ("raise", "missing"):
            raise SurveyDataError(
                "unknown value of invalid",
                found=invalid,
                expected="'raise' or 'missing'",
                fix="pass one of those",
            )
        if not isinstance(codebook, Codebook):
            raise CodebookError(
                "codebook is not a Codebook",
                found=type(codebook).__name__,
                expected="loyaltysem.Codebook (Codebook.read(path) or Codebook.from_dict(...))",
                fix="load the codebook first",
            )
        file = table.source
        log: list[LogEntry] = [LogEntry("read", None, len(table.frame), n) for n in table.notes]
        log += [LogEntry("excel", None, count, what) for count, what in table.losses]
        if not table.notes:
            log.append(
                LogEntry(
                    "read", None, len(table.frame), f"{len(table.frame)} rows from a data frame"
                )
            )
        renamed = resolve_columns(list(table.frame.columns), codebook, file=file)
        if renamed:
            table = _renamed(table, renamed)
            shown = "; ".join(f"{old!r} -> {new}" for old, new in list(renamed.items())[:5])
            log.append(
                LogEntry(
                    "columns",
                    None,
                    len(renamed),
                    f"exported columns renamed to the codebook's codes: {shown}"
                    + (" ..." if len(renamed) > 5 else ""),
                )
            )
        frame = table.frame
        header = list(frame.columns)
        missing = [i for i in codebook.item_names if i not in header]
        if missing:
            hints = "; ".join(f"{m}{_close(m, header)}" for m in missing[:10])
            raise SurveyDataError(
                f"{len(missing)} item column(s) of the codebook are not in the data",
                file=file,
                column=missing[0],
                found=missing,
                expected=f"columns named as the codebook's items: {hints}",
                fix="give each codebook row a 'column' with the header as exported or its "
                "question number (see docs/codebook.md), rename the data columns to the "
                "codebook's item names, or correct the codebook",
            )
        absent_roles = [c for c, r in codebook.columns.items() if r == "id" and c not in header]
        if absent_roles:
            raise SurveyDataError(
                "the respondent-id column named in the codebook is not in the data",
                file=file,
                column=absent_roles[0],
                found=header,
                expected=f"a column {absent_roles[0]!r}{_close(absent_roles[0], header)}",
                fix="rename the column or correct the codebook's id column",
            )
        known = set(codebook.item_names) | set(codebook.columns)
        unknown = [c for c in header if c not in known]
        if unknown and unknown_columns == "error":
            raise SurveyDataError(
                f"{len(unknown)} column(s) are not explained by the codebook",
                file=file,
                column=unknown[0],
                found=unknown,
                expected="every column to be an item or to have a role (id, group, covariate, "
                "ignore) in the codebook",
                fix="add them to the codebook (role column in CSV/Excel, [columns] in TOML), or "
                "pass unknown_columns='keep' or 'ignore'",
            )
        # respondent identifiers
        id_col = codebook.id_column
        rows = pd.Series(table.row_numbers(), dtype="int64")
        label = table.row_label
        # a CSV's rows are its lines (header = line 1): say "line" where the error points
        at = (lambda r: {"line": r}) if label == "line" else (lambda r: {"row": r})
        if id_col is not None and id_col in header:
            ids = _normalize_covariate(frame[id_col])
            blank = ids.isna().to_numpy().nonzero()[0]
            if len(blank):
                raise SurveyDataError(
                    f"{len(blank)} respondent(s) have no id",
                    file=file,
                    **at(int(rows.iloc[blank[0]])),
                    column=id_col,
                    found="(blank)",
                    expected="an id in every row",
                    fix="fill in the ids, or drop the id role from the codebook",
                )
            dup_mask = ids.duplicated(keep=False).to_numpy()
            if dup_mask.any():
                first_pos = int(np.flatnonzero(dup_mask)[0])
                same = (ids == ids.iloc[first_pos]).fillna(False).to_numpy(dtype=bool)
                where = rows[same].tolist()
                written = [_as_written(v) for v in frame[id_col].iloc[np.flatnonzero(same)]]
                shown = written[0]
                more = ["..."] if len(where) > 10 else []
                listed = _and_list([str(r) for r in where[:10]] + more)
                # one word for the place, as in the error's prefix ("line" or "row")
                word = "line" if label == "line" else "row"
                notes = {"line": " (the header is line 1)", "case": " (case numbers)"}
                header_note = notes.get(label, "")
                spellings = list(dict.fromkeys(written))
                found = f"id {shown} on {word}s {listed}"
                if len(spellings) > 1:
                    found += f", written as {', '.join(spellings)}: the same number"
                raise SurveyDataError(
                    f"respondent id {shown} appears {len(where)} times, on {word}s {listed}"
                    f"{header_note}; {int(dup_mask.sum())} rows share an id with another row",
                    file=file,
                    **at(int(where[1])),
                    column=id_col,
                    found=found,
                    expected="unique respondent ids",
                    fix="remove duplicate submissions (keep one per respondent) or correct the ids",
                )
            index = pd.Index(ids.to_numpy(), name=id_col, dtype=ids.dtype)
        else:
            index = pd.RangeIndex(1, len(frame) + 1, name="row")
        # items
        # one float matrix filled column by column: no copy when the frame is built
        scores = np.empty((len(frame), len(codebook.item_names)), order="F")
        problems: list[_Problem] = []
        for j, name in enumerate(codebook.item_names):
            parser = _ItemParser(codebook, table, name)
            parser.check_file_labels()
            scores[:, j] = parser.parse(frame[name])
            problems.extend(parser.problems)
            if parser.counts["na-token"]:
                log.append(
                    LogEntry(
                        "na-token",
                        name,
                        parser.counts["na-token"],
                        "empty or NA cells read as missing",
                    )
                )
            if parser.counts["missing-code"]:
                shown = ", ".join(parser.shown_codes)
                log.append(
                    LogEntry(
                        "missing-code",
                        name,
                        parser.counts["missing-code"],
                        f"missing-value codes ({shown}) set to missing",
                    )
                )
            if parser.counts["label"]:
                log.append(
                    LogEntry(
                        "label",
                        name,
                        parser.counts["label"],
                        "text answers mapped to numbers by value labels",
                    )
                )
        invalid_frame = _empty_invalid()
        if problems:
            if invalid == "raise":
                first = problems[0]
                more = len(problems) - 1
                others = "; ".join(
                    f"{p.column} {table.row_label} {p.row}: {p.value!r}" for p in problems[1:6]
                )
                tail = f" ({more} more invalid cell(s): {others}{' ...' if more > 5 else ''})"
                raise SurveyDataError(
                    f"{first.reason}{tail if more else ''}",
                    file=file,
                    **({"line": first.row} if table.row_label == "line" else {"row": first.row}),
                    column=first.column,
                    found=first.value,
                    expected=first.expected,
                    fix="correct the cell; or add a value label, or a missing code (numbers such "
                    "as -99 or text such as (跳过), in the codebook's missing column or "
                    "missing_codes), to the codebook; or pass invalid='missing' (CLI: --invalid "
                    "missing) to set such cells to missing (they are counted)",
                )
            invalid_frame = pd.DataFrame(
                {
                    "respondent": [index[p.pos] for p in problems],
                    table.row_label: [p.row for p in problems],
                    "column": [p.column for p in problems],
                    "value": [str(p.value) for p in problems],
                    "reason": [p.reason for p in problems],
                }
            )
            for col, count in invalid_frame["column"].value_counts(sort=False).items():
                log.append(
                    LogEntry(
                        "invalid",
                        str(col),
                        int(count),
                        "invalid answers set to missing (see Survey.invalid)",
                    )
                )
        # reverse keying, applied once
        for j, it in enumerate(codebook.items):
            if it.reverse:
                scores[:, j] = it.reverse_code(scores[:, j])
                log.append(
                    LogEntry(
                        "reverse",
                        it.name,
                        int(np.isfinite(scores[:, j]).sum()),
                        f"reverse-keyed: x -> {it.min:g} + {it.max:g} - x",
                    )
                )
        data = pd.DataFrame(scores, index=index, columns=codebook.item_names, copy=False)
        # non-item columns
        keep = [
            c
            for c in header
            if codebook.columns.get(c) in ("group", "covariate", "duration", "start", "end")
        ]
        if unknown and unknown_columns == "keep":
            keep += unknown
            log.append(
                LogEntry(
                    "columns",
                    None,
                    len(unknown),
                    f"kept columns the codebook does not name: {unknown}",
                )
            )
        if unknown and unknown_columns == "ignore":
            log.append(
                LogEntry(
                    "columns",
                    None,
                    len(unknown),
                    f"ignored columns the codebook does not name: {unknown}",
                )
            )
        ignored = [c for c in header if codebook.columns.get(c) == "ignore"]
        if ignored:
            log.append(
                LogEntry("columns", None, len(ignored), f"ignored by the codebook: {ignored}")
            )
        covariates = pd.DataFrame(
            {c: _normalize_covariate(frame[c]).set_axis(index) for c in keep}, index=index
        )
        for c in keep:  # blank and NA cells of non-item columns: missing, never "nan"
            n_blank = int(covariates[c].isna().sum())
            if n_blank:
                log.append(LogEntry("na-token", c, n_blank, "empty or NA cells read as missing"))
        # the codebook-wide missing-value codes (numbers and text) and the file's own
        # (SPSS user-missing) codes hold for group and covariate columns too
        text_codes = {normalize_label(t) for t in codebook.missing_text}
        for c in keep:
            codes = sorted({*codebook.missing_codes, *table.missing_codes.get(c, ())})
            col = covariates[c]
            if text_codes:
                raw_col = frame[c].set_axis(index)
                is_text = raw_col.map(
                    lambda v: isinstance(v, str) and normalize_label(v) in text_codes
                ).astype(bool)
                if is_text.any():
                    kept = pd.Series(
                        [None if t else v for v, t in zip(raw_col, is_text, strict=True)],
                        index=index,
                        dtype=object,
                    )
                    covariates[c] = _normalize_covariate(kept)
                    col = covariates[c]
                    log.append(
                        LogEntry(
                            "missing-code",
                            c,
                            int(is_text.sum()),
                            f"missing-value codes {list(codebook.missing_text)} set to missing",
                        )
                    )
            spans = table.missing_ranges.get(c, ())
            if (codes or spans) and pd.api.types.is_numeric_dtype(col):
                hit = col.isin(codes).fillna(False).astype(bool)
                numbers = col.to_numpy(dtype=float, na_value=np.nan)
                for lo, hi in spans:
                    hit |= (numbers >= lo) & (numbers <= hi)
                if hit.any():
                    covariates[c] = col.mask(hit)
                    shown = [int(v) if float(v).is_integer() else v for v in codes]
                    shown += [f"{lo:g} to {hi:g}" for lo, hi in spans]
                    log.append(
                        LogEntry(
                            "missing-code",
                            c,
                            int(hit.sum()),
                            f"missing-value codes {shown} set to missing",
                        )
                    )
        value_labels = _label_columns(covariates, keep, codebook, table, rows, log)
        raw = frame.copy()
        raw.index = index
        rows.index = index
        return cls(
            _data=data,
            _raw=raw,
            _covariates=covariates,
            codebook=codebook,
            _rows=rows,
            source=source,
            log=tuple(log),
            _invalid=invalid_frame,
            _value_labels=value_labels,
        )

    # --------------------------------------------------------------- derive
    def _replace(
        self, keep: np.ndarray, entries: list[LogEntry], exclusions: pd.DataFrame
    ) -> Survey:
        return Survey(
            _data=self._data.loc[keep],
            _raw=self._raw.loc[keep],
            _covariates=self._covariates.loc[keep],
            codebook=self.codebook,
            _rows=self._rows.loc[keep],
            source=self.source,
            log=(*self.log, *entries),
            _invalid=self._invalid,
            _exclusions=pd.concat([self._exclusions, exclusions])
            if len(exclusions)
            else self._exclusions,
            _value_labels=self._value_labels,
        )

    def subset(self, mask: pd.Series | np.ndarray | Sequence[bool], *, reason: str) -> Survey:
        """Return a new survey with the respondents where ``mask`` is true.

        The dropped respondents are counted in ``log`` and listed in
        :attr:`exclusions` with ``reason``.

        Examples
        --------
        >>> from loyaltysem.datasets import load_ecommerce
        >>> s = load_ecommerce()
        >>> w1 = s.subset(s.covariates["wave"] == 1, reason="wave 1 only")
        >>> w1.n + len(w1.exclusions) == s.n
        True
        """
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (self.n,):
            raise SurveyDataError(
                "the mask does not have one entry per respondent",
                found=keep.shape,
                expected=f"({self.n},)",
                fix="build the mask from survey.data or survey.covariates",
            )
        dropped = self._data.index[~keep]
        excl = pd.DataFrame(
            {"row": self._rows.loc[dropped].to_numpy(), "reasons": reason},
            index=dropped,
        )
        entry = LogEntry(
            "subset",
            None,
            int((~keep).sum()),
            f"kept {int(keep.sum())} of {self.n} respondents: {reason}",
        )
        return self._replace(keep, [entry], excl)

    def screen(self, **options: Any) -> ScreeningReport:
        """Screen the items: missing, range, distribution, careless answers, speed, outliers.

        Keyword options are passed to :func:`loyaltysem.survey.screening.screen`. From the
        codebook come the item ranges, the reverse-keyed items (the careless indices
        are computed on the answers as given, in codebook order) and the completion
        times (:meth:`completion_times`) for the speeder screen.

        Raises
        ------
        SurveyDataError
            An option is invalid, or a duration, start or end cell cannot be read
            (the error names the file, row, column and value).

        Examples
        --------
        >>> from loyaltysem.datasets import load_ecommerce
        >>> report = load_ecommerce().screen()
        >>> bool(report.items.loc["LOY4", "n"] > 0)
        True
        >>> report.policy.reverse_keyed, report.speeders_screened  # no duration column
        (('LOY4',), False)
        """
        import inspect

        from loyaltysem.survey.screening import screen

        accepted = [n for n in inspect.signature(screen).parameters if n != "data"]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise SurveyDataError(
                f"unknown screening option{'s' if len(unknown) > 1 else ''}",
                found=unknown,
                expected=f"options of loyaltysem.survey.screening.screen: {', '.join(accepted)}",
                fix=f"check the spelling of the option{_close(unknown[0], accepted)}",
            )
        lo = {it.name: it.min for it in self.codebook.items if it.min is not None}
        hi = {it.name: it.max for it in self.codebook.items if it.max is not None}
        options.setdefault("item_min", lo)
        options.setdefault("item_max", hi)
        options.setdefault("reverse_keyed", [it.name for it in self.codebook.items if it.reverse])
        if "durations" not in options:
            options["durations"] = self.completion_times()
        report = screen(self._data, **options)
        lost = self.loss_notes()
        if lost:  # answers lost before screening are counted where the screening is read
            report = replace(report, notes=(*lost, *report.notes))
        return report

    def loss_notes(self) -> tuple[str, ...]:
        """Answers lost or altered when the survey was read, one sentence each.

        Invalid answers set to missing (``invalid="missing"``) and cells of an Excel
        file read as missing (blank rows, merged cells, formulas without a stored
        value). :meth:`screen` and the fits of this survey show them in their notes.

        Examples
        --------
        >>> from loyaltysem.survey import Codebook, Survey
        >>> import pandas as pd
        >>> cb = Codebook.from_dict({"items": [{"item": "A1", "construct": "A", "min": 1,
        ...                                     "max": 5}]})
        >>> s = Survey.from_frame(pd.DataFrame({"A1": [1, 9, 3]}), cb, invalid="missing")
        >>> s.loss_notes()
        ('1 answer was invalid and set to missing (see Survey.invalid)',)
        """
        notes: list[str] = []
        k = len(self._invalid)
        if k:
            notes.append(
                f"{k} answer{'s were' if k != 1 else ' was'} invalid and set to missing "
                "(see Survey.invalid)"
            )
        notes += [e.detail for e in self.log if e.step == "excel"]
        return tuple(notes)

    def completion_times(self) -> pd.Series | None:
        """Each respondent's completion time in seconds, from the exported columns.

        Read from the column with role ``duration`` (问卷星 ``所用时间`` as ``230秒``,
        腾讯问卷 ``答题时长``, Qualtrics ``Duration (in seconds)``), else from the
        columns with roles ``start`` and ``end`` (``end - start``); the first such
        column in the codebook is used. Cells are parsed as
        ``loyaltysem.survey.screening.parse_duration()`` and
        ``parse_timestamp()`` describe.

        Returns
        -------
        Series or None
            Float seconds indexed like :attr:`data` (``NaN`` where the cell is empty),
            named after the column(s) used; ``None`` if the codebook names no duration
            column and no start and end pair.

        Raises
        ------
        SurveyDataError
            A cell that is not a duration or a date and time, or an end before its
            start (the error names the file, the row as the file shows it, the column
            and the value); a codebook that gives a timing role to a column the data
            does not have, or names a start column without an end column (or the
            reverse) and no duration column.

        Examples
        --------
        >>> import pandas as pd
        >>> from loyaltysem.survey import Codebook, Survey
        >>> cb = Codebook.from_dict({
        ...     "items": [{"item": "Q1", "construct": "C", "min": 1, "max": 5}],
        ...     "columns": {"所用时间": "duration"},
        ... })
        >>> s = Survey.from_frame(pd.DataFrame({"Q1": [4, 5], "所用时间": ["230秒", "3分5秒"]}), cb)
        >>> s.completion_times().tolist()
        [230.0, 185.0]
        """
        from loyaltysem.survey.screening import completion_times

        roles = self.codebook.columns
        timing = [c for c, r in roles.items() if r in ("duration", "start", "end")]
        absent = [c for c in timing if c not in self._raw.columns]
        if absent:
            raise SurveyDataError(
                f"the codebook gives the role {roles[absent[0]]!r} to a column the data does "
                "not have",
                file=self.source,
                column=absent[0],
                found=list(map(str, self._raw.columns)),
                expected=f"a column {absent[0]!r}{_close(absent[0], list(self._raw.columns))}",
                fix="correct the column name in the codebook, or remove its role",
            )
        by_role = {r: [c for c in timing if roles[c] == r] for r in ("duration", "start", "end")}
        if not by_role["duration"] and bool(by_role["start"]) != bool(by_role["end"]):
            have, lack = ("start", "end") if by_role["start"] else ("end", "start")
            raise SurveyDataError(
                f"the codebook names a {have} column but no {lack} column",
                file=self.source,
                column=by_role[have][0],
                found=f"{have}: {by_role[have][0]!r}",
                expected="a duration column, or both a start and an end column",
                fix=f"give the {lack} time column the role {lack!r}, or remove the role {have!r}",
            )

        def cells(column: str) -> pd.Series:
            raw = self._raw[column]
            blank = raw.map(lambda v: isinstance(v, str) and v.strip() in NA_TOKENS)
            return raw.mask(blank.astype(bool), None)

        common = {"rows": self._rows, "file": self.source}
        if by_role["duration"]:
            column = by_role["duration"][0]
            times = completion_times(duration=cells(column), **common)
            return times.rename(column)
        if by_role["start"] and by_role["end"]:
            first, last = by_role["start"][0], by_role["end"][0]
            times = completion_times(start=cells(first), end=cells(last), **common)
            return times.rename(f"{last} - {first}")
        return None

    def clean(
        self,
        report: ScreeningReport | None = None,
        *,
        careless: bool = True,
        outliers: bool = False,
        max_missing_pct: float | None = None,
        speeders: bool | None = None,
        **screen_options: Any,
    ) -> Survey:
        """Return a new survey without the respondents a stated policy excludes.

        Parameters
        ----------
        report : ScreeningReport, optional
            A report from :meth:`screen` (computed with ``screen_options`` if omitted).
        careless : bool, default True
            Exclude respondents flagged as careless (long strings, low variability,
            on the answers as given).
        outliers : bool, default False
            Exclude multivariate outliers (Mahalanobis D², flagged at the report's
            alpha).
        max_missing_pct : float, optional
            Exclude respondents missing more than this percentage of the items.
        speeders : bool, optional
            Exclude speeders (faster than the report's ``speeder_fraction`` of the
            median completion time). Default: yes when the survey has completion
            times; without them the log says the speeder screen was not run.
            ``True`` without completion times raises :class:`SurveyDataError`.

        Returns
        -------
        Survey
            The kept respondents; every exclusion is counted in ``log`` and listed
            with its reasons in :attr:`exclusions`.

        Examples
        --------
        >>> from loyaltysem.datasets import load_ecommerce
        >>> s = load_ecommerce()
        >>> c = s.clean(max_missing_pct=50)
        >>> c.n + len(c.exclusions) == s.n
        True
        """
        if report is None:
            report = self.screen(**screen_options)
        excl = report.exclusions(
            careless=careless,
            outliers=outliers,
            max_missing_pct=max_missing_pct,
            speeders=speeders,
        )
        unknown = excl.index.difference(self._data.index)
        if len(unknown):
            raise SurveyDataError(
                "the screening report names respondents this survey does not have",
                found=list(unknown[:5]),
                expected="a report computed from this survey",
                fix="call survey.screen() on the same survey",
            )
        keep = ~self._data.index.isin(excl.index)
        entries = []
        for column in [c for c in excl.columns if excl[c].dtype == bool]:
            count = int(excl[column].sum())
            if count:
                entries.append(LogEntry("exclude", None, count, f"excluded: {column}"))
        speed = "speeder" in excl.columns
        if not report.speeders_screened:
            entries.append(
                LogEntry(
                    "exclude",
                    None,
                    0,
                    "speeders not screened: no completion times (codebook roles duration, "
                    "or start and end)",
                )
            )
        entries.append(
            LogEntry(
                "exclude",
                None,
                len(excl),
                f"kept {int(keep.sum())} of {self.n} respondents "
                f"(careless={careless}, speeders={speed}, outliers={outliers}, "
                f"max_missing_pct={max_missing_pct})",
            )
        )
        excl = excl.copy()
        excl.insert(0, "row", self._rows.loc[excl.index].to_numpy())
        return self._replace(np.asarray(keep), entries, excl)


def _renamed(table: RawTable, renamed: Mapping[str, str]) -> RawTable:
    """The table with its exported headers renamed to the codebook's short codes."""
    return replace(
        table,
        frame=table.frame.rename(columns=dict(renamed)),
        missing_codes={renamed.get(k, k): v for k, v in table.missing_codes.items()},
        missing_ranges={renamed.get(k, k): v for k, v in table.missing_ranges.items()},
        value_labels={renamed.get(k, k): v for k, v in table.value_labels.items()},
    )


def _empty_invalid() -> pd.DataFrame:
    return pd.DataFrame(columns=["respondent", "row", "column", "value", "reason"])


def _empty_exclusions() -> pd.DataFrame:
    return pd.DataFrame(columns=["row", "reasons"])


def read_survey(
    path: str | Path,
    codebook: Codebook | str | Path | Mapping[str, Any],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    unknown_columns: Literal["error", "keep", "ignore"] = "error",
    invalid: Literal["raise", "missing"] = "raise",
) -> Survey:
    """Read a questionnaire file with its codebook into a :class:`Survey`.

    Parameters
    ----------
    path : str or Path
        CSV/TSV (UTF-8, UTF-8 with BOM, GBK/GB18030; delimiter sniffed), XLSX, SAV,
        DTA or Parquet. A Qualtrics CSV's extra header rows (question texts and
        ``{"ImportId": ...}`` tags) are skipped and the skip is logged; row numbers
        stay those of the file.
    codebook : Codebook, path or dict
        The data contract (see :class:`Codebook`). Columns are matched to its rows
        by their ``column`` (header as exported, or question number), their short
        code, or their ``text``/``text_zh`` (see ``loyaltysem.survey.matching``),
        and renamed to the short codes.
    sheet : str or int, optional
        Excel sheet with the responses (default: the first).
    encoding, delimiter : str, optional
        Override detection for text files.
    unknown_columns : {"error", "keep", "ignore"}
        See :meth:`Survey.from_frame`.
    invalid : {"raise", "missing"}
        See :meth:`Survey.from_frame`.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyDataError
        The file cannot be read, or its content does not match the codebook; the
        message names the file, the row (as the file shows it), the column, the
        value found, what was expected and the fix.
    CodebookError
        The codebook is malformed.

    Examples
    --------
    >>> from loyaltysem import read_survey
    >>> from loyaltysem.datasets import dataset_path
    >>> s = read_survey(dataset_path("corp_rep"), dataset_path("corp_rep", "codebook"))
    >>> int(s.data["cusl_2"].isna().sum())  # four -99 codes
    4
    """
    if not isinstance(path, (str, os.PathLike)):
        raise SurveyDataError(
            "the survey path is not a file name",
            found=type(path).__name__,
            expected="a path (str or pathlib.Path) to a .csv, .xlsx, .sav, .dta or .parquet file",
            fix="pass the file's path; for a DataFrame use Survey.from_frame(df, codebook)",
        )
    if isinstance(codebook, Codebook):
        cb = codebook
    elif isinstance(codebook, Mapping):
        cb = Codebook.from_dict(codebook)
    elif isinstance(codebook, (str, os.PathLike)):
        cb = Codebook.read(codebook)
    else:
        raise CodebookError(
            "the codebook is not a Codebook, a dict or a path",
            found=type(codebook).__name__,
            expected="loyaltysem.Codebook, a dict in the TOML/YAML/JSON layout, or the path "
            "of a .csv, .xlsx, .toml, .yaml or .json codebook",
            fix="pass the codebook's path, e.g. read_survey('survey.csv', 'codebook.csv')",
        )
    table = read_raw(path, sheet=sheet, encoding=encoding, delimiter=delimiter)
    extra = qualtrics_header_rows(table)
    if extra:
        table = skip_header_rows(table, extra, "Qualtrics question texts / ImportId tags")
    return Survey._from_table(
        table, cb, source=str(path), unknown_columns=unknown_columns, invalid=invalid
    )
