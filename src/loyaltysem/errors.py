"""Every exception and warning that loyaltysem raises.

Errors that describe bad input subclass :class:`ValueError`, so code written for
pandas or scikit-learn that catches ``ValueError`` keeps working. Each message
names where the problem is (file, row as the user sees it, column, model line),
the value found, what was expected, and how to fix it.

Examples
--------
>>> from loyaltysem.errors import SurveyDataError, LoyaltySemError
>>> issubclass(SurveyDataError, ValueError) and issubclass(SurveyDataError, LoyaltySemError)
True
"""

from __future__ import annotations

__all__ = [
    "CodebookError",
    "ConvergenceError",
    "ConvergenceWarning",
    "HeywoodWarning",
    "IdentificationError",
    "IdentificationWarning",
    "LoyaltySemError",
    "LoyaltySemWarning",
    "MissingDataWarning",
    "ModelSpecError",
    "OutputError",
    "ReportError",
    "StudyError",
    "SurveyDataError",
]


class LoyaltySemError(Exception):
    """Base class of every error raised by loyaltysem."""


def _compose(
    message: str,
    *,
    file: str | None = None,
    row: int | None = None,
    column: str | None = None,
    line: int | None = None,
    key: str | None = None,
    found: object = None,
    expected: str | None = None,
    fix: str | None = None,
) -> str:
    where = []
    if file is not None:
        where.append(f"file {file!s}")
    if line is not None:
        where.append(f"line {line}")
    if key is not None:
        where.append(f"key {key!r}")
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column {column!r}")
    parts = [(", ".join(where) + ": " if where else "") + message]
    if found is not None:
        parts.append(f"found: {found!r}")
    if expected is not None:
        parts.append(f"expected: {expected}")
    if fix is not None:
        parts.append(f"fix: {fix}")
    return "\n  ".join(parts)


class _LocatedError(LoyaltySemError, ValueError):
    """An input error that knows where it happened and how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
        key: str | None = None,
        found: object = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.reason = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.line = line
        self.key = key
        self.found = found
        self.expected = expected
        self.fix = fix
        super().__init__(
            _compose(
                message,
                file=self.file,
                row=row,
                column=column,
                line=line,
                key=key,
                found=found,
                expected=expected,
                fix=fix,
            )
        )


class SurveyDataError(_LocatedError):
    """A survey data file (or frame) that does not match its codebook or cannot be read.

    Attributes ``file``, ``row`` (as the user sees it in the file: a CSV's line
    number counting the header as line 1, an Excel row number, a case number in
    SPSS/Stata), ``column``, ``found``, ``expected`` and ``fix`` say what and where.
    """


class ReportError(_LocatedError):
    """A report, table or figure that cannot be made from what was given (result type, option)."""


class CodebookError(_LocatedError):
    """A malformed codebook: missing columns, bad ranges, bad reverse flags, bad labels."""


class StudyError(_LocatedError):
    """A study file (``study.toml``) or a study run that cannot be used as given.

    Attributes ``file``, ``line`` (TOML syntax errors), ``key`` (such as
    ``model.estimator``), ``found``, ``expected`` and ``fix`` say what and where.
    """


class ModelSpecError(_LocatedError):
    """A model description (lavaan syntax) that cannot be parsed or does not fit the data."""


class IdentificationError(_LocatedError):
    """A model that is not identified (negative degrees of freedom, a latent without a scale)."""


class ConvergenceError(LoyaltySemError, ValueError):
    """An estimation that did not converge where a converged result was required."""


class OutputError(LoyaltySemError, OSError):
    """An output that cannot be written: permission, a full or read-only disk, a folder in the way.

    Attributes ``path`` (the file or folder), ``found``, ``expected`` and ``fix`` say what
    and where; it is an :class:`OSError`, so code catching ``OSError`` keeps working.

    Examples
    --------
    >>> err = OutputError("cannot write here", path="/x/out", fix="choose another --out")
    >>> isinstance(err, OSError), err.path
    (True, '/x/out')
    >>> print(err)
    /x/out: cannot write here
      fix: choose another --out
    """

    def __init__(
        self,
        message: str,
        *,
        path: object,
        found: object = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.reason = message
        self.path = str(path)
        self.found = found
        self.expected = expected
        self.fix = fix
        super().__init__(
            _compose(f"{self.path}: {message}", found=found, expected=expected, fix=fix)
        )


class LoyaltySemWarning(UserWarning):
    """Base class of every warning issued by loyaltysem."""


class ConvergenceWarning(LoyaltySemWarning):
    """The optimiser stopped before convergence; estimates are not to be trusted."""


class HeywoodWarning(LoyaltySemWarning):
    """A negative variance or a correlation beyond ±1 was estimated (a Heywood case)."""


class IdentificationWarning(LoyaltySemWarning):
    """The model may not be identified: standard errors are not to be trusted.

    The information matrix is singular, or the covariance matrix of the estimates is not
    positive definite.
    """


class MissingDataWarning(LoyaltySemWarning):
    """Missing values were found and handled; the message says how many and how."""
