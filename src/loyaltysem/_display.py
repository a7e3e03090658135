"""Display base for result objects: the only place where numbers are rounded.

Result objects hold pandas tables at full precision. They show themselves via
:meth:`DisplayMixin.summary` (plain text), ``__repr__`` and ``_repr_html_``
(Jupyter); those are the only places where rounding happens.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

__all__ = ["DisplayMixin", "format_frame", "html_section", "text_section"]

DEFAULT_DIGITS = 3


def format_frame(frame: pd.DataFrame | pd.Series, digits: int = DEFAULT_DIGITS) -> pd.DataFrame:
    """Return a copy of ``frame`` with floats rounded to ``digits`` for display.

    Parameters
    ----------
    frame : DataFrame or Series
        Table at full precision; it is not modified.
    digits : int, default 3
        Decimal places shown.

    Returns
    -------
    DataFrame
        A new frame; float columns rounded, everything else unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> format_frame(pd.DataFrame({"x": [0.123456]}))
           x
    0  0.123
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(digits)
    return out


def text_section(
    title: str, frame: pd.DataFrame | pd.Series, digits: int = DEFAULT_DIGITS, na_rep: str = "NaN"
) -> str:
    """Render a titled table as plain text."""
    body = format_frame(frame, digits).to_string(na_rep=na_rep)
    return f"{title}\n{'-' * len(title)}\n{body}\n"


def html_section(
    title: str, frame: pd.DataFrame | pd.Series, digits: int = DEFAULT_DIGITS, na_rep: str = "NaN"
) -> str:
    """Render a titled table as HTML."""
    return f"<h4>{html.escape(title)}</h4>\n" + format_frame(frame, digits).to_html(na_rep=na_rep)


class DisplayMixin:
    """Mixin giving a result ``summary()``, ``__repr__`` and ``_repr_html_``.

    Subclasses implement :meth:`_sections`, yielding ``(title, table)`` pairs, and
    may override :meth:`_header` (lines shown above the tables).
    """

    _title: str = "Result"
    _na_rep: str = "NaN"  # how missing cells show (blank where NaN means "not applicable")

    def _header(self) -> list[str]:
        return []

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        return []

    def summary(self, digits: int = DEFAULT_DIGITS) -> str:
        """Return a plain-text summary, numbers rounded to ``digits`` decimals."""
        lines = [self._title, "=" * len(self._title), *self._header(), ""]
        text = "\n".join(lines)
        for title, frame in self._sections():
            text += "\n" + text_section(title, frame, digits, self._na_rep)
        return text

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = "".join(f"<p>{html.escape(line)}</p>" for line in self._header())
        body = "".join(html_section(t, f, na_rep=self._na_rep) for t, f in self._sections())
        return f"<div><h3>{html.escape(self._title)}</h3>{head}{body}</div>"
