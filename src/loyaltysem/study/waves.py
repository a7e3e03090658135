"""The waves of a study: where each comes from, its fingerprint, and reading it.

Three sources (``[data]`` of the study file): a glob of files, one per wave (the wave is
the file name without its extension); one file with a column naming the wave; or one
SQL query per wave through SQLAlchemy (SQLite as the embedded default). Each wave is a
:class:`Wave` whose :attr:`~Wave.fingerprint` is the SHA-256 of its own rows (or file)
and of the codebook, so that a resumed run redoes exactly the waves whose input changed,
and a new wave appended to a file leaves the earlier waves' fingerprints as they were.

Examples
--------
>>> from loyaltysem.study.config import load_study
>>> study = load_study({"data": {"file": "bundled:ecommerce", "column": "wave",
...                              "codebook": "bundled:ecommerce"},
...                     "model": {"syntax": "default"}})
>>> [(w.name, w.read().n) for w in waves_of(study)]
[('1', 410), ('2', 395), ('3', 420)]
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from loyaltysem._files import file_sha256
from loyaltysem.datasets import dataset_path
from loyaltysem.errors import StudyError
from loyaltysem.study.config import Study
from loyaltysem.survey import Codebook, Survey, read_survey

__all__ = ["Wave", "codebook_of", "waves_of"]


@dataclass(frozen=True)
class Wave:
    """One wave of a study, not read yet.

    Attributes
    ----------
    name : str
        The wave as the reports name it (file name, value of the wave column, SQL wave).
    folder : str
        The wave's folder name in the output (``name`` with unsafe characters replaced).
    source : str
        Where it comes from, for the manifest and the messages.
    fingerprint : str
        SHA-256 of the wave's input and the codebook ("" when the source could not be
        read: :meth:`read` then raises the reason).
    """

    name: str
    folder: str
    source: str
    fingerprint: str
    _read: Callable[[], Survey] = field(repr=False, compare=False)

    def read(self) -> Survey:
        """The wave as a :class:`~loyaltysem.survey.Survey` (raises what reading raises)."""
        return self._read()


def _safe(name: str) -> str:
    safe = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")
    return safe or "wave"


def _path(study: Study, value: str, kind: str) -> Path:
    if value.startswith("bundled:"):
        return dataset_path(
            value.split(":", 1)[1], kind="codebook" if kind == "codebook" else "data"
        )
    return study.resolve(value)


def codebook_of(study: Study) -> tuple[Codebook, str]:
    """The study's codebook and its SHA-256."""
    path = _path(study, study.data.codebook, "codebook")
    return Codebook.read(path), file_sha256(path)


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def _file_waves(study: Study, codebook: Codebook, cb_hash: str) -> list[Wave]:
    pattern = str(study.resolve(study.data.files or ""))
    paths = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
    if not paths:
        raise StudyError(
            "no wave file matches the pattern",
            file=None if study.path is None else str(study.path),
            key="data.files",
            found=study.data.files,
            expected=f"files matching {pattern}",
            fix="correct the pattern, or put the wave files in that folder",
        )
    return [
        Wave(
            name=p.stem,
            folder=_safe(p.stem),
            source=str(p),
            fingerprint=_digest(file_sha256(p), cb_hash),
            _read=lambda p=p: read_survey(p, codebook),
        )
        for p in paths
    ]


def _column_waves(study: Study, codebook: Codebook, cb_hash: str) -> list[Wave]:
    d = study.data
    path = _path(study, d.file or "", "data")
    whole = read_survey(path, codebook)
    column = d.column or ""
    if column not in whole.covariates.columns:
        raise StudyError(
            "the wave column is not a group or covariate column of the codebook",
            file=None if study.path is None else str(study.path),
            key="data.column",
            found=column,
            expected=f"one of {list(whole.covariates.columns)}",
            fix=f'declare it in the codebook ([columns] {column} = "group") or correct data.column',
        )
    values = whole.covariates[column]
    raw = whole.raw
    waves = []
    for value in pd.unique(values.dropna()):
        mask = (values == value).to_numpy()
        rows = raw.loc[mask]
        name = str(value)
        fingerprint = _digest(
            pd.util.hash_pandas_object(rows, index=True).to_numpy().tobytes(),
            "|".join(map(str, rows.columns)),
            cb_hash,
        )
        waves.append(
            Wave(
                name=name,
                folder=_safe(name),
                source=f"{path} ({column} = {name})",
                fingerprint=fingerprint,
                _read=lambda rows=rows, name=name: Survey.from_frame(
                    rows, codebook, source=f"{path} ({column} = {name})"
                ),
            )
        )
    n_missing = int(values.isna().sum())
    if n_missing:
        raise StudyError(
            f"{n_missing} respondents have no wave: they would belong to no wave",
            file=str(path),
            column=column,
            fix=f"fill in {column} for every respondent, or remove those rows",
        )
    return sorted(waves, key=lambda w: _order(w.name))


def _order(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)


def _sql_waves(study: Study, codebook: Codebook, cb_hash: str) -> list[Wave]:
    try:
        import sqlalchemy
    except ImportError as exc:  # pragma: no cover - the sql extra is installed in tests
        raise StudyError(
            "an SQL source needs SQLAlchemy",
            key="data.sql",
            fix="pip install 'loyaltysem[sql]'",
        ) from exc
    d = study.data
    url = d.sql or ""
    shown = re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", url)  # no password in messages
    engine = sqlalchemy.create_engine(url)

    def frame(wave: str) -> pd.DataFrame:
        with engine.connect() as conn:
            return pd.read_sql(sqlalchemy.text(d.query or ""), conn, params={"wave": wave})

    waves = []
    for name in d.waves or ():
        try:
            rows = frame(name)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0]
            waves.append(
                Wave(name, _safe(name), f"{shown} (wave {name})", "", _read=_raiser(message, shown))
            )
            continue
        fingerprint = _digest(
            pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes(),
            "|".join(map(str, rows.columns)),
            cb_hash,
        )
        waves.append(
            Wave(
                name=name,
                folder=_safe(name),
                source=f"{shown} (wave {name})",
                fingerprint=fingerprint,
                _read=lambda rows=rows, name=name: Survey.from_frame(
                    rows, codebook, source=f"{shown} (wave {name})"
                ),
            )
        )
    return waves


def _raiser(message: str, source: str) -> Callable[[], Survey]:
    def read() -> Survey:
        raise StudyError("the wave could not be read", file=source, found=message)

    return read


def waves_of(study: Study) -> list[Wave]:
    """The waves of a study, in order (file names sorted; wave values sorted).

    Raises
    ------
    StudyError
        No file matches, the wave column is unknown, or respondents have no wave.
    SurveyDataError, CodebookError
        The single data file or the codebook cannot be read (a wave file that cannot
        be read is not an error here: that wave's :meth:`Wave.read` raises, and the run
        reports it while the other waves finish).
    """
    codebook, cb_hash = codebook_of(study)
    d = study.data
    if d.files:
        waves = _file_waves(study, codebook, cb_hash)
    elif d.file:
        waves = _column_waves(study, codebook, cb_hash)
    else:
        waves = _sql_waves(study, codebook, cb_hash)
    names = [w.folder for w in waves]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise StudyError(
            "two waves have the same name",
            key="data",
            found=dup,
            fix="rename the wave files (or wave values) so that each is distinct",
        )
    return waves
