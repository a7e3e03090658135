"""The :class:`Survey`: typed, reverse-coded item scores with a log of every step."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin, short_repr
from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey.codebook import Codebook, _is_blank, normalize_label
from loyaltysem.survey.io import NA_TOKENS, RawTable, read_raw

if TYPE_CHECKING:
    from loyaltysem.screening import ScreeningReport

__all__ = ["LogEntry", "Survey", "read_survey"]

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
        ``exclude``, ``subset``.
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
        out = np.full(len(values), np.nan)
        codes = self.codes
        for pos, cell in enumerate(values.tolist()):
            if cell is None or (isinstance(cell, float) and np.isnan(cell)):
                self.counts["na-token"] += 1
                continue
            if isinstance(cell, (bool, np.bool_)):
                self._problem(pos, cell, "a true/false value where a rating was expected")
                continue
            if isinstance(cell, (int, float, np.integer, np.floating)):
                number = float(cell)
            else:
                text = str(cell).strip()
                if text in NA_TOKENS:
                    self.counts["na-token"] += 1
                    continue
                try:
                    number = float(text)
                except ValueError:
                    key = normalize_label(text)
                    if key in self.labels:
                        number = self.labels[key]
                        self.counts["label"] += 1
                    else:
                        self._problem(pos, cell, "a text answer with no value label")
                        continue
            if number in codes:
                self.counts["missing-code"] += 1
                continue
            if not np.isfinite(number):
                self._problem(pos, cell, "not a finite number")
                continue
            it = self.item
            if it.type == "likert" and number != round(number):
                self._problem(pos, cell, "not a whole number")
                continue
            if (it.min is not None and number < it.min) or (it.max is not None and number > it.max):
                self._problem(pos, cell, "outside the scale")
                continue
            out[pos] = number
        return out

    def _problem(self, pos: int, value: object, reason: str) -> None:
        self.problems.append(
            _Problem(pos, self.table.row_of(pos), self.name, value, reason, self.expected())
        )

    def check_file_labels(self) -> None:
        """Fail if the file's own value labels contradict the codebook's."""
        file_labels = self.table.value_labels.get(self.name, {})
        for value, label in file_labels.items():
            key = normalize_label(label)
            if value in self.codes:
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
    return values.map(lambda v: None if v is None else str(v).strip()).astype("string")


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

    @property
    def data_hash(self) -> str:
        """SHA-256 of the item scores and respondent index (for provenance)."""
        hashed = pd.util.hash_pandas_object(self._data, index=True).to_numpy()
        digest = hashlib.sha256(hashed.tobytes())
        digest.update("|".join(map(str, self._data.columns)).encode())
        return digest.hexdigest()

    def log_frame(self) -> pd.DataFrame:
        """Return :attr:`log` as a DataFrame."""
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
        if len(self._invalid):
            lines.append(f"invalid cells set to missing: {len(self._invalid)}")
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
        frame = table.frame
        file = table.source
        log: list[LogEntry] = [LogEntry("read", None, len(frame), note) for note in table.notes]
        if not table.notes:
            log.append(LogEntry("read", None, len(frame), f"{len(frame)} rows from a data frame"))
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
                fix="rename the data columns to the codebook's item names, or correct the codebook",
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
        positions = np.arange(len(frame))
        rows = pd.Series([table.row_of(int(p)) for p in positions], dtype="int64")
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
        scores: dict[str, np.ndarray] = {}
        problems: list[_Problem] = []
        for name in codebook.item_names:
            parser = _ItemParser(codebook, table, name)
            parser.check_file_labels()
            scores[name] = parser.parse(frame[name])
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
                shown = ", ".join(f"{c:g}" for c in sorted(parser.codes))
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
                    fix="correct the cell, add a value label or missing code to the codebook, or "
                    "pass invalid='missing' to set such cells to missing (they are counted)",
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
        data = pd.DataFrame(scores, index=index)
        # reverse keying, applied once
        for it in codebook.items:
            if it.reverse:
                data[it.name] = it.reverse_code(data[it.name])
                log.append(
                    LogEntry(
                        "reverse",
                        it.name,
                        int(data[it.name].notna().sum()),
                        f"reverse-keyed: x -> {it.min:g} + {it.max:g} - x",
                    )
                )
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
        # the codebook-wide missing-value codes hold for group and covariate columns too
        codes = list(codebook.missing_codes)
        for c in keep:
            col = covariates[c]
            if codes and pd.api.types.is_numeric_dtype(col):
                hit = col.isin(codes).fillna(False).astype(bool)
                if hit.any():
                    covariates[c] = col.mask(hit)
                    log.append(
                        LogEntry(
                            "missing-code",
                            c,
                            int(hit.sum()),
                            f"missing-value codes {codes} set to missing",
                        )
                    )
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
        )

    def subset(self, mask: pd.Series | np.ndarray | Sequence[bool], *, reason: str) -> Survey:
        """Return a new survey with the respondents where ``mask`` is true.

        The dropped respondents are counted in :attr:`log` and listed in
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
        """Screen the items: missing, range, distribution, careless answers, outliers.

        Keyword options are passed to :func:`loyaltysem.screening.screen`; the item
        ranges come from the codebook.

        Examples
        --------
        >>> from loyaltysem.datasets import load_ecommerce
        >>> report = load_ecommerce().screen()
        >>> bool(report.items.loc["LOY4", "n"] > 0)
        True
        """
        from loyaltysem.screening import screen

        lo = {it.name: it.min for it in self.codebook.items if it.min is not None}
        hi = {it.name: it.max for it in self.codebook.items if it.max is not None}
        options.setdefault("item_min", lo)
        options.setdefault("item_max", hi)
        return screen(self._data, **options)

    def clean(
        self,
        report: ScreeningReport | None = None,
        *,
        careless: bool = True,
        outliers: bool = False,
        max_missing_pct: float | None = None,
        **screen_options: Any,
    ) -> Survey:
        """Return a new survey without the respondents a stated policy excludes.

        Parameters
        ----------
        report : ScreeningReport, optional
            A report from :meth:`screen` (computed with ``screen_options`` if omitted).
        careless : bool, default True
            Exclude respondents flagged as careless (long strings, low variability).
        outliers : bool, default False
            Exclude multivariate outliers (Mahalanobis D², flagged at the report's
            alpha).
        max_missing_pct : float, optional
            Exclude respondents missing more than this percentage of the items.

        Returns
        -------
        Survey
            The kept respondents; every exclusion is counted in :attr:`log` and listed
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
            careless=careless, outliers=outliers, max_missing_pct=max_missing_pct
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
        entries.append(
            LogEntry(
                "exclude",
                None,
                len(excl),
                f"kept {int(keep.sum())} of {self.n} respondents "
                f"(careless={careless}, outliers={outliers}, "
                f"max_missing_pct={max_missing_pct})",
            )
        )
        excl = excl.copy()
        excl.insert(0, "row", self._rows.loc[excl.index].to_numpy())
        return self._replace(np.asarray(keep), entries, excl)


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
        DTA or Parquet.
    codebook : Codebook, path or dict
        The data contract (see :class:`Codebook`).
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
    if isinstance(codebook, Codebook):
        cb = codebook
    elif isinstance(codebook, Mapping):
        cb = Codebook.from_dict(codebook)
    else:
        cb = Codebook.read(codebook)
    table = read_raw(path, sheet=sheet, encoding=encoding, delimiter=delimiter)
    return Survey._from_table(
        table, cb, source=str(path), unknown_columns=unknown_columns, invalid=invalid
    )
