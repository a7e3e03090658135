"""The study file (``study.toml``): which waves, which codebook, which model, which outputs.

A study file says everything a run over survey waves needs, so that the same analysis is
repeated on every new wave without touching code (``loyaltysem run study.toml``). It is
read by :func:`load_study` and checked against a schema (pydantic): an unknown key, a
value of the wrong type, a file that does not exist or a model that cannot be read is a
:class:`~loyaltysem.errors.StudyError` naming the file, the key, the value found, what
is expected and the fix. ``loyaltysem study init`` writes a commented example
(:data:`TEMPLATE`).

Paths in the study file are relative to the study file's folder.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "study.toml").write_text(TEMPLATE, encoding="utf-8")
>>> study = load_study(folder / "study.toml")
>>> study.data.column, study.model.syntax_name, study.bootstrap.draws
('wave', 'default', 1000)
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from loyaltysem.errors import StudyError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["TEMPLATE", "Study", "load_study"]

#: Estimators a study may name; ``auto`` takes :func:`loyaltysem.recommend_estimator`'s.
ESTIMATORS = ("auto", "ML", "MLM", "MLR", "WLSMV", "ULSMV")
FORMATS = ("html", "docx", "xlsx", "md", "tex", "pdf")

#: The commented example written by ``loyaltysem study init``: the bundled e-commerce
#: survey, one file with a ``wave`` column, the default model and its rival.
TEMPLATE = """\
# A loyaltysem study: the same analysis on every survey wave.
# Run it with:  loyaltysem run study.toml --out results
# Paths are relative to this file's folder.

[study]
name = "E-commerce trust and loyalty tracker"
seed = 20261207            # every random number of the run derives from it (per wave)
language = "en"            # "en" or "zh": the reports' language
formats = ["html", "xlsx", "md"]   # per-wave reports: html, docx, xlsx, md, tex, pdf

[data]
# The waves, in one of three ways:
#   files = "waves/*.csv"             one file per wave; the wave is the file name
#   file = "all.csv" + column = "wave"   one file with a wave column (below)
#   sql = "sqlite:///tracker.db" + query + waves   one query per wave (SQLAlchemy)
file = "bundled:ecommerce"          # the bundled example survey (loyaltysem.datasets)
column = "wave"
codebook = "bundled:ecommerce"      # a .toml, .yaml, .csv or .xlsx codebook

[screening]
clean = true               # leave out straight-liners, speeders and careless respondents

[model]
syntax = "default"         # "default", "rival", a file (model.lav) or lavaan syntax
rival = "rival"            # optional: the nested rival for a model comparison
estimator = "auto"         # auto (recommended per wave), ML, MLM, MLR, WLSMV, ULSMV

[bootstrap]
draws = 1000               # bootstrap draws for the indirect effects; 0: delta method
"""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudySection(_Section):
    """``[study]``: name, seed, language and report formats."""

    name: str = "loyaltysem study"
    seed: int = Field(default=1, ge=0, lt=2**32)
    language: Literal["en", "zh"] = "en"
    formats: tuple[Literal["html", "docx", "xlsx", "md", "tex", "pdf"], ...] = (
        "html",
        "xlsx",
        "md",
    )


class DataSection(_Section):
    """``[data]``: where the waves are and the codebook that reads them."""

    files: str | None = None
    file: str | None = None
    column: str | None = None
    sql: str | None = None
    query: str | None = None
    waves: tuple[str, ...] | None = None
    codebook: str


class ScreeningSection(_Section):
    """``[screening]``: whether the flagged respondents are left out."""

    clean: bool = True


class ModelSection(_Section):
    """``[model]``: the model, its rival and the estimator."""

    syntax: str
    rival: str | None = None
    estimator: Literal["auto", "ML", "MLM", "MLR", "WLSMV", "ULSMV"] = "auto"

    @field_validator("syntax")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the model is empty")
        return value

    @property
    def syntax_name(self) -> str:
        """``default``, ``rival``, the file name, or ``inline``."""
        return _model_name(self.syntax)


class BootstrapSection(_Section):
    """``[bootstrap]``: the draws of the indirect effects' intervals."""

    draws: int = Field(default=1000, ge=0, le=100_000)


class Study(_Section):
    """A study file, checked: :func:`load_study` makes it.

    Attributes
    ----------
    study, data, screening, model, bootstrap
        The sections of the file (defaults filled in).
    path : Path or None
        The study file (``None`` for a study made from a dict).
    """

    study: StudySection = StudySection()
    data: DataSection
    screening: ScreeningSection = ScreeningSection()
    model: ModelSection
    bootstrap: BootstrapSection = BootstrapSection()
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The study file (``None`` for a study made from a dict)."""
        return self._path

    @property
    def folder(self) -> Path:
        """The folder that relative paths start from."""
        return Path(".") if self._path is None else self._path.parent

    def resolve(self, value: str) -> Path:
        """A path of the study file, relative to its folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.folder / p

    def fingerprint(self) -> str:
        """SHA-256 of what decides a wave's outputs (every setting but the study's name)."""
        content = self.model_dump(mode="json")
        content["study"].pop("name", None)
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _model_name(syntax: str) -> str:
    if syntax in ("default", "rival"):
        return syntax
    if "\n" not in syntax and syntax.strip().endswith((".lav", ".txt", ".model")):
        return Path(syntax.strip()).name
    return "inline"


def _key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _expected(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "one of the keys documented in docs/study.md"
    if kind == "missing":
        return "this key (it has no default)"
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    return str(err.get("msg", "")).replace("Input should be", "a value that is").strip()


def _fix(key: str, kind: str) -> str:
    if kind == "extra_forbidden":
        return f"remove or correct {key!r} (a typo?); `loyaltysem study init` writes every key"
    if kind == "missing":
        return f"add {key} = ... to the study file"
    return f"correct {key} in the study file"


def _from_validation(exc: ValidationError, file: str | None) -> StudyError:
    err = exc.errors()[0]
    key = _key(err["loc"])
    more = len(exc.errors()) - 1
    message = "the study file does not follow the schema"
    if more:
        message += f" ({more} more problem{'s' if more > 1 else ''} after this one)"
    return StudyError(
        message,
        file=file,
        key=key,
        found=err.get("input") if err.get("type") != "missing" else None,
        expected=_expected(err),
        fix=_fix(key, str(err.get("type"))),
    )


def _check_data(study: Study, file: str | None) -> None:
    d = study.data
    ways = [k for k, v in (("files", d.files), ("file", d.file), ("sql", d.sql)) if v]
    if len(ways) != 1:
        raise StudyError(
            "the waves must come from exactly one source",
            file=file,
            key="data",
            found=ways or "none of files, file, sql",
            expected='files = "waves/*.csv", or file = ... with column = ..., or sql = ... '
            "with query = ... and waves = [...]",
            fix="keep one of data.files, data.file, data.sql",
        )
    if d.file and not d.column:
        raise StudyError(
            "a single data file needs the column that names the wave",
            file=file,
            key="data.column",
            expected="the name of the wave column",
            fix='add column = "wave" under [data]',
        )
    if d.sql and (not d.query or not d.waves):
        raise StudyError(
            "an SQL source needs a query with a :wave parameter and the list of waves",
            file=file,
            key="data.query" if not d.query else "data.waves",
            found=d.query if d.query else None,
            expected='query = "SELECT * FROM responses WHERE wave = :wave", waves = ["2026Q1"]',
            fix="add query and waves under [data]",
        )
    if d.files and not glob.has_magic(d.files) and not study.resolve(d.files).exists():
        raise StudyError(
            "the wave files do not exist",
            file=file,
            key="data.files",
            found=d.files,
            expected="a glob of files relative to the study file, such as waves/*.csv",
            fix="correct the path or the pattern",
        )
    for key, value in (("data.file", d.file), ("data.codebook", d.codebook)):
        if value and not value.startswith("bundled:") and not study.resolve(value).is_file():
            raise StudyError(
                "the file does not exist",
                file=file,
                key=key,
                found=value,
                expected=f"a file relative to the study file's folder ({study.folder})",
                fix=f"correct {key}",
            )


def _check_model(study: Study, file: str | None) -> None:
    for key, value in (("model.syntax", study.model.syntax), ("model.rival", study.model.rival)):
        if value is None or value in ("default", "rival") or "\n" in value or "~" in value:
            continue
        if not study.resolve(value).is_file():
            raise StudyError(
                "the model file does not exist",
                file=file,
                key=key,
                found=value,
                expected='"default", "rival", a model file, or lavaan syntax',
                fix=f"correct {key}",
            )


def load_study(source: str | Path | Mapping[str, Any]) -> Study:
    """Read and check a study file (or a dict with its contents).

    Parameters
    ----------
    source : str, Path or mapping
        The ``study.toml`` file, or its contents as a dict (paths then relative to the
        working folder).

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        The file cannot be read or is not TOML (with the line), a key is unknown or
        missing, a value has the wrong type or is out of range, a file it names does not
        exist, or the waves' source is ambiguous.

    Examples
    --------
    >>> study = load_study({"data": {"file": "bundled:ecommerce", "column": "wave",
    ...                              "codebook": "bundled:ecommerce"},
    ...                     "model": {"syntax": "default"}})
    >>> study.model.estimator, study.study.language
    ('auto', 'en')
    >>> load_study({"data": {"file": "bundled:ecommerce", "column": "wave",
    ...                      "codebook": "bundled:ecommerce"},
    ...             "model": {"syntax": "default", "estimatr": "MLR"}})
    Traceback (most recent call last):
    ...
    loyaltysem.errors.StudyError: key 'model.estimatr': the study file does not follow the schema
      found: 'MLR'
      expected: one of the keys documented in docs/study.md
      fix: remove or correct 'model.estimatr' (a typo?); `loyaltysem study init` writes every key
    """
    path: Path | None = None
    if isinstance(source, Mapping):
        content: dict[str, Any] = dict(source)
        file: str | None = None
    else:
        path = Path(source)
        file = str(path)
        if not path.is_file():
            raise StudyError(
                "the study file does not exist",
                file=file,
                fix="check the path, or write an example with `loyaltysem study init study.toml`",
            )
        try:
            content = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise StudyError(
                "the study file is not UTF-8 text",
                file=file,
                found=repr(exc.object[max(0, exc.start - 5) : exc.end + 5]),
                fix="save the study file as UTF-8",
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"at line (\d+)", str(exc))  # tomllib < 3.14 has no lineno
            line = int(at.group(1)) if at else None
            raise StudyError(
                "the study file is not valid TOML",
                file=file,
                line=line,
                found=str(exc).split(" (at line")[0],
                expected='key = value lines under [section] headers, strings in "quotes"',
                fix="correct the line (see `loyaltysem study init` for an example)",
            ) from exc
    try:
        study = Study.model_validate(content)
    except ValidationError as exc:
        raise _from_validation(exc, file) from None
    study._path = path
    _check_data(study, file)
    _check_model(study, file)
    return study
