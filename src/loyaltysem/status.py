"""One status for every result: converged, admissible, identified, with the reasons.

Every result of the library (:class:`~loyaltysem.SEMResult`, multi-group fits, invariance
ladders, comparisons, bootstraps, validity reports, PLS fits) carries a :class:`Status`:

- ``converged``: the optimiser met its convergence criterion;
- ``admissible``: no negative variance, no correlation beyond ±1, the covariance matrices
  of the latent variables and of the residuals positive definite (lavaan's
  ``lav_object_post_check``);
- ``identified``: the information matrix could be inverted and the covariance matrix of
  the estimates is positive definite (lavaan's ``lav_model_vcov`` check);
- ``reasons``: one sentence per problem, naming the parameter or the items when known.

A status is shown first in ``summary()`` and HTML, is issued as a Python warning of the
library's categories (:class:`~loyaltysem.errors.ConvergenceWarning`,
:class:`~loyaltysem.errors.HeywoodWarning`,
:class:`~loyaltysem.errors.IdentificationWarning`) pointing at the user's call
(:func:`warn_status`), and is written beside every table (:meth:`Status.to_frame`,
:meth:`Status.annotate`).

Examples
--------
>>> from loyaltysem.status import Status
>>> ok = Status()
>>> ok.label, ok.ok
('converged, admissible, identified', True)
>>> bad = Status.from_warnings(
...     False,
...     ["the optimizer did not converge after 10000 iterations: the estimates are not "
...      "to be trusted",
...      "negative variance estimate (Heywood case): TRU2 ~~ TRU2 = -0.031"])
>>> bad.label
'NOT converged; inadmissible: TRU2 ~~ TRU2 = -0.031'
>>> Status.combine({"metric": ok, "scalar": bad}).reasons[1]
'scalar: negative variance estimate (Heywood case): TRU2 ~~ TRU2 = -0.031'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
import warnings as _warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from loyaltysem.errors import ConvergenceWarning, HeywoodWarning, IdentificationWarning

__all__ = [
    "KINDS",
    "Findings",
    "Status",
    "quiet",
    "user_stacklevel",
    "warn_status",
    "warns_status",
]

#: The kinds of a reason: which check it fails (``note``: said, but fails none).
KINDS = ("convergence", "admissibility", "identification", "note")

_CATEGORY = {
    "convergence": ConvergenceWarning,
    "admissibility": HeywoodWarning,
    "identification": IdentificationWarning,
}

# Phrases of the library's own warning strings (estimation, ordinal, groups), by kind: the
# fallback classification of results whose producers give strings only.
_ADMISSIBILITY = ("heywood case", "inadmissible", "not positive definite (an inadmissible")
_IDENTIFICATION = (
    "information matrix is singular",
    "(vcov) is not positive definite",
    "may not be identified",
    "not identified",
)
_CONVERGENCE = ("optimizer did not converge", "did not converge after")


def classify(reason: str) -> str:
    """The kind of one of the library's warning sentences (see ``KINDS``).

    Examples
    --------
    >>> classify("negative variance estimate (Heywood case): x1 ~~ x1 = -0.1")
    'admissibility'
    >>> classify("12 rows with missing values were deleted listwise")
    'note'
    """
    text = reason.lower()
    if any(p in text for p in _ADMISSIBILITY):
        return "admissibility"
    if any(p in text for p in _IDENTIFICATION):
        return "identification"
    if any(p in text for p in _CONVERGENCE) and "saturated" not in text:
        return "convergence"
    return "note"


def _short(reason: str, kind: str) -> str:
    """The few words of a reason that the one-line label shows (with its group or level)."""
    for start in ("negative ", "the "):
        at = reason.find(start)
        if at > 0 and reason[:at].endswith(": "):  # "metric: group g = 'x': negative ..."
            where = reason[:at].replace("group ", "")
            return where + _short(reason[at:], kind)
    if "(Heywood case): " in reason:
        return reason.rsplit("(Heywood case): ", 1)[1]
    low = reason.lower()
    if "latent variables is not positive definite" in low:
        return "latent covariance matrix not positive definite"
    if "(theta) is" in low:
        return "residual covariance matrix not positive definite"
    if "information matrix is singular" in low:
        return "singular information matrix"
    if "(vcov) is not positive definite" in low:
        return "vcov not positive definite"
    if kind == "convergence":
        return ""
    head = reason.split(":", 1)[0]
    return head if len(head) <= 60 else head[:57] + "..."


@dataclass(frozen=True)
class Status:
    """Whether a result can be read: converged, admissible, identified, and why not.

    Attributes
    ----------
    converged : bool
        The optimiser met its convergence criterion.
    admissible : bool
        No negative variance, no correlation beyond ±1, latent and residual covariance
        matrices positive definite.
    identified : bool
        Information matrix invertible and the covariance matrix of the estimates positive
        definite.
    reasons : tuple of str
        One sentence per problem (and per note), naming the parameter or items when known.
    kinds : tuple of str
        The kind of each reason (``KINDS``), in the order of ``reasons``.
    """

    converged: bool = True
    admissible: bool = True
    identified: bool = True
    reasons: tuple[str, ...] = ()
    kinds: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if len(self.kinds) != len(self.reasons):  # reasons given without kinds
            kinds = tuple(classify(r) for r in self.reasons)
            object.__setattr__(self, "kinds", kinds)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_reasons(
        cls, reasons: Iterable[tuple[str, str]], *, converged: bool | None = None
    ) -> Status:
        """A status from ``(kind, sentence)`` pairs, classified where they arise.

        ``converged`` defaults to "no reason of kind convergence".

        Examples
        --------
        >>> s = Status.from_reasons([("identification", "the information matrix is singular")])
        >>> s.identified, s.converged, s.label
        (False, True, 'converged; NOT identified: singular information matrix')
        """
        pairs = [(k, str(r)) for k, r in reasons]
        for kind, _ in pairs:
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        kinds = tuple(k for k, _ in pairs)
        return cls(
            converged=("convergence" not in kinds) if converged is None else bool(converged),
            admissible="admissibility" not in kinds,
            identified="identification" not in kinds,
            reasons=tuple(r for _, r in pairs),
            kinds=kinds,
        )

    @classmethod
    def from_warnings(cls, converged: bool, warnings: Iterable[str]) -> Status:
        """A status from a result's ``converged`` flag and warning sentences.

        The sentences are the library's own (``classify()``); those that describe no
        problem (rows deleted listwise, say) are kept as notes.
        """
        return cls.from_reasons(((classify(w), w) for w in warnings), converged=converged)

    @classmethod
    def combine(cls, parts: Mapping[str, Status] | Iterable[Status]) -> Status:
        """The status of a result built on several others (a ladder, a comparison).

        Each check holds only when it holds for every part; the reasons are prefixed by
        the part's name (a mapping's key).
        """
        items = list(parts.items()) if isinstance(parts, Mapping) else [("", p) for p in parts]
        reasons: list[str] = []
        kinds: list[str] = []
        for name, part in items:
            prefix = f"{name}: " if name else ""
            reasons += [prefix + r for r in part.reasons]
            kinds += list(part.kinds)
        return cls(
            converged=all(p.converged for _, p in items),
            admissible=all(p.admissible for _, p in items),
            identified=all(p.identified for _, p in items),
            reasons=tuple(reasons),
            kinds=tuple(kinds),
        )

    def with_reasons(self, reasons: Iterable[tuple[str, str]]) -> Status:
        """The status with more ``(kind, sentence)`` reasons (the checks follow them)."""
        extra = Status.from_reasons(reasons)
        return Status(
            converged=self.converged and extra.converged,
            admissible=self.admissible and extra.admissible,
            identified=self.identified and extra.identified,
            reasons=self.reasons + extra.reasons,
            kinds=self.kinds + extra.kinds,
        )

    # ------------------------------------------------------------------ reading
    @property
    def ok(self) -> bool:
        """Converged, admissible and identified."""
        return self.converged and self.admissible and self.identified

    def problems(self, kind: str | None = None) -> tuple[str, ...]:
        """The reasons that fail a check (of one ``kind``), without the notes."""
        return tuple(
            r
            for r, k in zip(self.reasons, self.kinds, strict=True)
            if k != "note" and (kind is None or k == kind)
        )

    @property
    def label(self) -> str:
        """One line: ``converged, admissible, identified`` or what fails, first detail.

        Examples
        --------
        >>> Status(admissible=False).label
        'converged; inadmissible'
        """
        if self.ok:
            return "converged, admissible, identified"
        parts = ["converged" if self.converged else "NOT converged"]
        for flag, kind, word in (
            (self.admissible, "admissibility", "inadmissible"),
            (self.identified, "identification", "NOT identified"),
        ):
            if flag:
                continue
            found = (_short(r, kind) for r in self.problems(kind))
            shorts = list(dict.fromkeys(s for s in found if s))
            if shorts:
                more = f" (+{len(shorts) - 2} more)" if len(shorts) > 2 else ""
                word += ": " + ", ".join(shorts[:2]) + more
            parts.append(word)
        return "; ".join(parts)

    @property
    def brief(self) -> str:
        """The three checks in three words (a ``repr`` part), without details.

        Examples
        --------
        >>> Status(converged=False, admissible=False).brief
        'NOT converged, inadmissible, identified'
        """
        return ", ".join(
            [
                "converged" if self.converged else "NOT converged",
                "admissible" if self.admissible else "inadmissible",
                "identified" if self.identified else "NOT identified",
            ]
        )

    def repr_part(self) -> str:
        """:attr:`brief` as one ``repr`` token: ``converged,admissible,identified``."""
        return self.brief.replace(", ", ",").replace(" ", "_")

    @property
    def outcome(self) -> str:
        """A fit as one cell of a table: ``fitted``, ``not converged`` or ``improper: ...``.

        Examples
        --------
        >>> Status().outcome, Status(converged=False).outcome
        ('fitted', 'not converged')
        >>> Status(identified=False).outcome
        'improper: converged; NOT identified'
        """
        if self.ok:
            return "fitted"
        if not self.converged:
            return "not converged"
        return f"improper: {self.label}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the three checks, ``ok``, ``label`` and the reasons with kinds."""
        return {
            "converged": self.converged,
            "admissible": self.admissible,
            "identified": self.identified,
            "ok": self.ok,
            "label": self.label,
            "reasons": [
                {"kind": k, "reason": r} for r, k in zip(self.reasons, self.kinds, strict=True)
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per check and reason: ``check, passed, reason`` (a status file).

        A check that passes has one row with an empty reason; a failed check one row
        per reason; notes follow as ``check = "note"``.

        Examples
        --------
        >>> heywood = "negative variance estimate (Heywood case): x1 ~~ x1 = -0.1"
        >>> Status.from_warnings(True, [heywood]).to_frame()["passed"].tolist()
        [True, False, True]
        """
        rows: list[dict[str, Any]] = []
        for check, kind, passed in (
            ("converged", "convergence", self.converged),
            ("admissible", "admissibility", self.admissible),
            ("identified", "identification", self.identified),
        ):
            mine = self.problems(kind)
            if passed or not mine:
                rows.append({"check": check, "passed": passed, "reason": ""})
            rows += [{"check": check, "passed": passed, "reason": r} for r in mine]
        rows += [{"check": "note", "passed": True, "reason": r} for r in self.problems_notes()]
        return pd.DataFrame(rows, columns=["check", "passed", "reason"])

    def problems_notes(self) -> tuple[str, ...]:
        """The reasons of kind ``note`` (said, but failing no check)."""
        return tuple(r for r, k in zip(self.reasons, self.kinds, strict=True) if k == "note")

    def annotate(self, table: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``table`` with a ``status`` column holding :attr:`label`.

        Examples
        --------
        >>> import pandas as pd
        >>> Status().annotate(pd.DataFrame({"est": [1.0]}))["status"].tolist()
        ['converged, admissible, identified']
        """
        out = table.copy()
        out["status"] = self.label
        return out

    def header(self) -> list[str]:
        """The lines a summary shows first: ``status: <label>`` and each problem."""
        return [f"status: {self.label}"] + [f"  - {r}" for r in self.problems()]


class Findings(list[str]):
    """A result's warning sentences, each with its kind, recorded where it is found.

    A list of str (what ``result.warnings`` holds) that also keeps the kind of each
    sentence: :meth:`add` a problem with its kind; the notes given at creation are
    classified by ``classify()``. :meth:`status` builds the result's :class:`Status`.

    Examples
    --------
    >>> found = Findings(["3 rows were excluded (listwise deletion)"])
    >>> found.add("admissibility", "negative variance estimate (Heywood case): a ~~ a = -1")
    >>> found.status(True).label
    'converged; inadmissible: a ~~ a = -1'
    >>> len(found)
    2
    """

    def __init__(self, notes: Iterable[str] = ()) -> None:
        super().__init__(notes)
        self.kinds = [classify(n) for n in self]

    def add(self, kind: str, text: str) -> None:
        """Record one sentence of a known kind (``KINDS``)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.append(text)
        self.kinds.append(kind)

    def add_all(self, kind: str, texts: Iterable[str]) -> None:
        """Record several sentences of one kind."""
        for text in texts:
            self.add(kind, text)

    def status(self, converged: bool) -> Status:
        """The status of a result with these findings."""
        if len(self.kinds) != len(self):  # appended to as a plain list: classify those
            self.kinds += [classify(t) for t in self[len(self.kinds) :]]
        return Status.from_reasons(zip(self.kinds, self, strict=True), converged=converged)


# ---------------------------------------------------------------------- warnings
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("loyaltysem_quiet", default=False)


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside loyaltysem.

    Counted for a ``warnings.warn`` call made by the function that calls this one.
    """
    frame = sys._getframe(1)  # the function that will call warnings.warn (level 1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Within this block :func:`warn_status` says nothing (for fits inside a larger call).

    The outer public function issues one warning of the combined status instead.
    """
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def warn_status(status: Status, what: str = "") -> None:
    """Issue a status' problems as warnings, pointing at the user's call.

    One warning per failing check: :class:`~loyaltysem.errors.ConvergenceWarning`,
    :class:`~loyaltysem.errors.HeywoodWarning` (inadmissible) and
    :class:`~loyaltysem.errors.IdentificationWarning`; nothing when ``status.ok`` or
    inside :func:`quiet`. ``what`` prefixes the message (e.g. ``"invariance: "``).
    """
    if status.ok or _QUIET.get():
        return
    for kind in ("convergence", "admissibility", "identification"):
        reasons = status.problems(kind)
        failed = {
            "convergence": not status.converged,
            "admissibility": not status.admissible,
            "identification": not status.identified,
        }[kind]
        if not failed:
            continue
        text = (
            "; ".join(reasons)
            or {
                "convergence": "the optimizer did not converge",
                "admissibility": "the solution is inadmissible",
                "identification": "the model may not be identified",
            }[kind]
        )
        _warnings.warn(what + text, _CATEGORY[kind], stacklevel=user_stacklevel())


_F = TypeVar("_F", bound=Callable[..., Any])


def warns_status(what: str) -> Callable[[_F], _F]:
    """Decorate a public function whose result has a ``status``: one warning of it.

    The fits made inside the function are :func:`quiet`; the result's status is then
    issued once by :func:`warn_status`, prefixed by ``what`` (e.g. ``"validate: "``).
    """

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with quiet():
                result = func(*args, **kwargs)
            status = getattr(result, "status", None)
            if isinstance(status, Status):
                warn_status(status, what)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate
