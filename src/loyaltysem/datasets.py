"""Bundled survey data: the simulated e-commerce example and real data with provenance.

Every data set ships with a codebook (``<name>_codebook.toml``) so that it loads as a
:class:`~loyaltysem.survey.Survey` exactly as a user's own file would, through
:func:`~loyaltysem.survey.read_survey`. Provenance (source repository, commit and path),
SHA-256 checksums, citations and licences are in ``loyaltysem/data/PROVENANCE.md``;
:func:`list_datasets` returns the overview as a table.

- ``ecommerce``: :func:`load_ecommerce`, simulated; no R equivalent.
- ``mobi``: :func:`load_mobi`; R ``seminr::mobi``, ``semPLS::mobi``.
- ``holzinger_swineford``: :func:`load_holzinger_swineford`;
  R ``lavaan::HolzingerSwineford1939``.
- ``political_democracy``: :func:`load_political_democracy`;
  R ``lavaan::PoliticalDemocracy``.
- ``corp_rep``: :func:`load_corp_rep`; R ``seminr::corp_rep_data``.

:func:`load_frame` gives any of them as the plain CSV frame, and :func:`dataset_path`
the path of a file or of its codebook.

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
>>> load_mobi().data.shape  # R: dim(seminr::mobi)
(250, 24)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

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
    """One bundled data set: its files and the facts shown by :func:`list_datasets`."""

    file: str
    codebook: str
    rows: int
    columns: int
    description: str
    citation: str
    licence: str
    r_name: str


_DATASETS: dict[str, _Dataset] = {
    "ecommerce": _Dataset(
        file="ecommerce.csv",
        codebook="ecommerce_codebook.toml",
        rows=1225,
        columns=34,
        description="Simulated e-commerce trust and loyalty survey: 3 waves, 29 items of the "
        "default instrument (7-point), -99 = missing, a few straight-liners, wave 3 with "
        "drifted loadings",
        citation="loyaltysem, scripts/make_ecommerce.py (fixed seed); not real respondents",
        licence="GPL-3.0-or-later (part of loyaltysem)",
        r_name="",
    ),
    "mobi": _Dataset(
        file="mobi.csv",
        codebook="mobi_codebook.toml",
        rows=250,
        columns=24,
        description="ECSI mobile-phone customer survey, 24 items on a 1-10 scale, "
        "7 constructs, no missing values",
        citation="Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), PLS path modeling, "
        "Computational Statistics & Data Analysis 48(1), 159-205",
        licence="GPL-3 (carrier: seminr); GPL-2 (semPLS)",
        r_name="seminr::mobi",
    ),
    "holzinger_swineford": _Dataset(
        file="HolzingerSwineford1939.csv",
        codebook="holzinger_swineford_codebook.toml",
        rows=301,
        columns=15,
        description="Mental ability test scores x1-x9 of 301 children from two schools "
        "(visual, textual, speed)",
        citation="Holzinger & Swineford (1939), A study in factor analysis: the stability of a "
        "bi-factor solution, Supplementary Educational Monographs 48, University of Chicago",
        licence="GPL-2/GPL-3 (carrier: lavaan)",
        r_name="lavaan::HolzingerSwineford1939",
    ),
    "political_democracy": _Dataset(
        file="PoliticalDemocracy.csv",
        codebook="political_democracy_codebook.toml",
        rows=75,
        columns=11,
        description="Industrialization (1960) and political democracy (1960, 1965) in 75 "
        "developing countries",
        citation="Bollen (1989), Structural Equations with Latent Variables, Wiley",
        licence="GPL-2/GPL-3 (carrier: lavaan)",
        r_name="lavaan::PoliticalDemocracy",
    ),
    "corp_rep": _Dataset(
        file="corp_rep_data.csv",
        codebook="corp_rep_codebook.toml",
        rows=344,
        columns=50,
        description="Corporate reputation of mobile-phone providers, 1-7 scales "
        "(switching costs 1-5), -99 = missing",
        citation="Hair, Hult, Ringle & Sarstedt (2017), A Primer on Partial Least Squares "
        "Structural Equation Modeling (PLS-SEM), 2nd ed., Sage",
        licence="GPL-3 (carrier: seminr); the data come from the textbook",
        r_name="seminr::corp_rep_data",
    ),
}
_KINDS: tuple[str, ...] = ("data", "codebook")


def _aliases() -> dict[str, str]:
    """Lower-case spellings users may try (R names, file stems) mapped to the valid name."""
    table: dict[str, str] = {}
    for name, entry in _DATASETS.items():
        spellings = [name, Path(entry.file).stem, entry.r_name.split("::")[-1]]
        for spelling in spellings:
            if spelling:
                table[spelling.lower()] = name
    return table


def _suggest(found: object, valid: list[str], aliases: dict[str, str] | None = None) -> str:
    """The fix for an unknown name: the closest valid one, or the list of all."""
    text = str(found).strip().lower()
    table = dict(aliases or {})
    table.update({v.lower(): v for v in valid})
    if text in table:
        return f"did you mean {table[text]!r}?"
    close = difflib.get_close_matches(text, list(table), n=1, cutoff=0.5)
    if close:
        return f"did you mean {table[close[0]]!r}?"
    return f"use one of {valid}"


def _entry(name: str) -> _Dataset:
    """The registry entry of ``name``, or a :class:`SurveyDataError` with a suggestion."""
    if isinstance(name, str) and name in _DATASETS:
        return _DATASETS[name]
    valid = list(_DATASETS)
    raise SurveyDataError(
        "there is no bundled data set of that name",
        found=name,
        expected=f"one of {valid} (see loyaltysem.datasets.list_datasets())",
        fix=_suggest(name, valid, _aliases()),
    )


def dataset_path(name: str, kind: Literal["data", "codebook"] = "data") -> Path:
    """Path of a bundled data file or of its codebook.

    Parameters
    ----------
    name : str
        ``"ecommerce"``, ``"mobi"``, ``"holzinger_swineford"``,
        ``"political_democracy"`` or ``"corp_rep"``.
    kind : {"data", "codebook"}, default "data"
        The CSV file, or the TOML codebook that describes it (copy and adapt it
        for your own data).

    Returns
    -------
    pathlib.Path
        Absolute path inside the installed package (``loyaltysem/data/``).

    Raises
    ------
    SurveyDataError
        An unknown name or kind (the message suggests the closest valid one), or a
        file that is missing from the installation.

    Examples
    --------
    >>> dataset_path("mobi").name, dataset_path("mobi", "codebook").name
    ('mobi.csv', 'mobi_codebook.toml')
    >>> dataset_path("HolzingerSwineford1939")
    Traceback (most recent call last):
    ...
    loyaltysem.errors.SurveyDataError: there is no bundled data set of that name
      found: 'HolzingerSwineford1939'
      expected: one of [...] (see loyaltysem.datasets.list_datasets())
      fix: did you mean 'holzinger_swineford'?
    """
    entry = _entry(name)
    if kind not in _KINDS:
        raise SurveyDataError(
            "unknown kind of bundled file",
            found=kind,
            expected=f"one of {list(_KINDS)}",
            fix=_suggest(kind, list(_KINDS)),
        )
    file = entry.file if kind == "data" else entry.codebook
    path = Path(str(resources.files("loyaltysem").joinpath("data", file)))
    if not path.is_file():
        raise SurveyDataError(
            f"the bundled {kind} file of {name!r} is not installed",
            file=str(path),
            expected=f"{file} in loyaltysem/data/",
            fix="reinstall loyaltysem (the wheel ships data/*.csv, *.toml and *.md)",
        )
    return path


def list_datasets() -> pd.DataFrame:
    """The bundled data sets, one row each.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (for :func:`dataset_path` and :func:`load_frame`), ``file``,
        ``rows`` and ``columns`` (of the CSV as :func:`load_frame` reads it),
        ``description``, ``citation`` (the original study) and ``licence`` (of the
        package the file was taken from). Details: ``loyaltysem/data/PROVENANCE.md``.

    Examples
    --------
    >>> table = list_datasets()
    >>> table.columns.tolist()
    ['name', 'file', 'rows', 'columns', 'description', 'citation', 'licence']
    >>> table.set_index("name").loc["corp_rep", "citation"][:30]
    'Hair, Hult, Ringle & Sarstedt '
    """
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
    """The bundled CSV as :func:`pandas.read_csv` reads it, without the codebook.

    Missing-value codes are kept (``-99`` in ``corp_rep`` and ``ecommerce`` stays
    ``-99``) and reverse-keyed items are not recoded; use the ``load_*`` functions for
    a checked :class:`~loyaltysem.survey.Survey`.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    Returns
    -------
    pandas.DataFrame
        All columns of the file, in file order.

    Raises
    ------
    SurveyDataError
        An unknown name.

    Examples
    --------
    >>> load_frame("political_democracy").shape  # R: dim(lavaan::PoliticalDemocracy)
    (75, 11)
    >>> int((load_frame("corp_rep") == -99).to_numpy().sum())
    70
    """
    return pd.read_csv(dataset_path(name))


def _load(name: str) -> Survey:
    """Read a bundled data set through its codebook."""
    return read_survey(dataset_path(name), codebook=dataset_path(name, "codebook"))


def load_ecommerce(wave: int | None = None) -> Survey:
    """The bundled e-commerce trust and loyalty survey (simulated, three waves).

    1,225 simulated respondents in three waves (410, 395, 420) answering the 29 items
    (9 constructs) of the default instrument of ``loyaltysem.instruments`` on a
    7-point scale, with ``-99`` for missing answers, a few straight-liners and drifted
    loadings in wave 3. Made by ``scripts/make_ecommerce.py`` with a fixed seed (see
    ``docs/instrument.md`` and ``PROVENANCE.md``). No person answered this survey, and
    there is no R equivalent.

    Parameters
    ----------
    wave : int, optional
        Keep one wave only; the other respondents are listed in
        :attr:`Survey.exclusions <loyaltysem.survey.Survey.exclusions>`.

    Returns
    -------
    Survey
        Items (``LOY4`` reverse-coded, ``-99`` missing) and the covariates ``wave``,
        ``gender``, ``platform`` and ``age``.

    Raises
    ------
    SurveyDataError
        A wave that is not in the data.

    Examples
    --------
    >>> s = load_ecommerce()
    >>> s.n, len(s.items), len(s.constructs), sorted(s.covariates["wave"].unique().tolist())
    (1225, 29, 9, [1, 2, 3])
    >>> load_ecommerce(wave=3).covariates["wave"].unique().tolist()
    [3]
    """
    survey = _load("ecommerce")
    if wave is None:
        return survey
    waves = sorted(int(w) for w in survey.covariates["wave"].dropna().unique())
    if isinstance(wave, bool) or wave not in waves:
        raise SurveyDataError(
            "the bundled e-commerce survey has no such wave",
            column="wave",
            found=wave,
            expected=f"one of {waves}",
            fix="pass one of the waves listed, or wave=None for all",
        )
    return survey.subset(survey.covariates["wave"] == wave, reason=f"wave {wave} only")


def load_mobi() -> Survey:
    """The ECSI mobile-phone customer survey (Tenenhaus et al. 2005).

    250 respondents, 24 items on a 1-10 scale, no missing values. Constructs: Image
    IMAG1-5, Expectation CUEX1-3, Quality PERQ1-7, Value PERV1-2, Satisfaction
    CUSA1-3, Complaints CUSCO, Loyalty CUSL1-3.

    R equivalent: ``seminr::mobi`` (also ``semPLS::mobi``). Source: sem-in-r/seminr @
    ``937f3065`` : ``data/mobi.rda``.

    Returns
    -------
    Survey
        The 24 items, no covariates.

    References
    ----------
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path
    modeling. *Computational Statistics & Data Analysis*, 48(1), 159-205.

    Examples
    --------
    >>> s = load_mobi()
    >>> s.constructs["Value"], s.codebook.constructs["Loyalty"].label_zh
    (['PERV1', 'PERV2'], '忠诚度')
    >>> round(float(s.data["CUSA1"].mean()), 4)  # R: mean(seminr::mobi$CUSA1)
    7.988
    """
    return _load("mobi")


def load_holzinger_swineford() -> Survey:
    """Holzinger and Swineford's (1939) mental ability test scores.

    301 seventh- and eighth-grade children from two schools (Pasteur, Grant-White);
    nine continuous test scores: visual x1-3, textual x4-6, speed x7-9. ``id`` is the
    respondent id; ``sex``, ``ageyr``, ``agemo``, ``grade`` (one missing) are
    covariates and ``school`` is a group.

    R equivalent: ``lavaan::HolzingerSwineford1939`` (exported from lavaan 0.6.14).

    Returns
    -------
    Survey
        The nine test scores and the covariates.

    References
    ----------
    Holzinger, K. J., & Swineford, F. (1939). *A study in factor analysis: The stability
    of a bi-factor solution.* Supplementary Educational Monographs, 48. University of
    Chicago.

    Examples
    --------
    >>> s = load_holzinger_swineford()
    >>> s.n, s.constructs["visual"]
    (301, ['x1', 'x2', 'x3'])
    >>> round(float(s.data["x1"].mean()), 4)  # R: mean(HolzingerSwineford1939$x1)
    4.9358
    """
    return _load("holzinger_swineford")


def load_political_democracy() -> Survey:
    """Bollen's (1989) industrialization and political democracy data.

    75 developing countries; continuous indicators: ind60 = x1-x3 (1960), dem60 =
    y1-y4 (1960), dem65 = y5-y8 (1965).

    R equivalent: ``lavaan::PoliticalDemocracy`` (exported from lavaan 0.6.14).

    Returns
    -------
    Survey
        The eleven indicators, no covariates.

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables.* Wiley.

    Examples
    --------
    >>> s = load_political_democracy()
    >>> s.n, s.constructs["ind60"]
    (75, ['x1', 'x2', 'x3'])
    """
    return _load("political_democracy")


def load_corp_rep() -> Survey:
    """The corporate-reputation survey of Hair et al. (2017), with ``-99`` as missing.

    344 customers of four mobile-phone providers: COMP comp_1-3, LIKE like_1-3, CUSA
    cusa (single item), CUSL cusl_1-3, QUAL qual_1-8, PERF perf_1-5, CSOR csor_1-5,
    ATTR attr_1-3 (1-7 scales), four single-item ``*_global`` measures (1-7) and
    switching costs switch_1-4 (1-5). Groups: serviceprovider, servicetype,
    sample_type, mga_1-4; covariates: age, education, occupation, nphh.

    The codebook declares ``missing_codes = [-99]``; :func:`~loyaltysem.survey.read_survey`
    applies them to the items (cusl_1 3, cusl_2 4, cusl_3 3, cusa 1) and to the numeric
    group/covariate columns (age 1, education 9, occupation 45, nphh 4), logging each
    count. No respondent is dropped on loading.

    R equivalent: ``seminr::corp_rep_data``. Source: sem-in-r/seminr @ ``937f3065`` :
    ``data/corp_rep_data.rda``.

    Returns
    -------
    Survey
        39 items in 10 constructs and 11 group/covariate columns.

    References
    ----------
    Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). *A Primer on
    Partial Least Squares Structural Equation Modeling (PLS-SEM)* (2nd ed.). Sage.

    Examples
    --------
    >>> s = load_corp_rep()
    >>> int(s.data["cusl_2"].isna().sum()), int(s.covariates["occupation"].isna().sum())
    (4, 45)
    """
    return _load("corp_rep")
