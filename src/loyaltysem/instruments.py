"""The default e-commerce instrument, its model templates and population values.

The default instrument measures nine constructs of the e-commerce trust and loyalty
literature with 29 items on a 7-point agreement scale, worded in English and
Chinese (our own wording; ``docs/instrument.md`` lists it):

===== ======================== ========== ===========
code  construct                中文        items
===== ======================== ========== ===========
REP   platform reputation      平台口碑    REP1–REP3
SEC   transaction security     交易安全    SEC1–SEC3
SQ    service quality          服务质量    SQ1–SQ4
PQ    product quality          产品质量    PQ1–PQ3
PRI   price competitiveness    价格竞争力  PRI1–PRI3
ASS   after-sales service      售后服务    ASS1–ASS3
TRU   trust                    信任        TRU1–TRU3
SAT   satisfaction             满意度      SAT1–SAT3
LOY   loyalty                  忠诚度      LOY1–LOY4 (LOY4 reverse-keyed)
===== ======================== ========== ===========

This module holds

- :func:`default_instrument`: the instrument as a :class:`~loyaltysem.survey.Codebook`
  (package data ``data/ecommerce_instrument.toml``);
- :data:`DEFAULT_MODEL` and :data:`RIVAL_MODEL`: the default structural model and its
  rival with direct paths, in lavaan syntax, with labelled paths and ``:=`` indirect
  effects of every antecedent on loyalty;
- :data:`ECSI_MODEL`: the European Customer Satisfaction Index model for the ``mobi``
  data (Tenenhaus et al. 2005);
- :func:`measurement_model`: ``=~`` lines from a codebook or a mapping;
- :data:`POPULATION`: the population values from which ``loyaltysem.planning.simulation``
  draws the bundled example survey.

Examples
--------
>>> from loyaltysem.instruments import DEFAULT_MODEL, default_instrument
>>> cb = default_instrument()
>>> len(cb.items), len(cb.constructs), cb.reversed_items
(29, 9, ['LOY4'])
>>> print(DEFAULT_MODEL.splitlines()[1])
REP =~ REP1 + REP2 + REP3
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from loyaltysem.errors import ModelSpecError
from loyaltysem.survey import Codebook

__all__ = [
    "DEFAULT_MODEL",
    "ECSI_MODEL",
    "INSTRUMENT_FILE",
    "POPULATION",
    "RIVAL_MODEL",
    "PopulationValues",
    "default_instrument",
    "measurement_model",
]

#: File name of the default instrument inside the package's ``data`` folder.
INSTRUMENT_FILE = "ecommerce_instrument.toml"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@functools.lru_cache(maxsize=1)
def default_instrument() -> Codebook:
    """Return the default e-commerce instrument as a codebook.

    Read once from the package data file ``data/ecommerce_instrument.toml`` and
    cached (a :class:`~loyaltysem.survey.Codebook` is immutable).

    Returns
    -------
    Codebook
        29 items in nine constructs, 7-point scale (1–7), missing code ``-99``,
        value labels in English and Chinese, ``LOY4`` reverse-keyed.

    Examples
    --------
    >>> cb = default_instrument()
    >>> cb.construct_items["LOY"]
    ['LOY1', 'LOY2', 'LOY3', 'LOY4']
    >>> cb.item("LOY4").text
    'I am likely to switch to another platform soon.'
    >>> cb.construct_labels("zh")["TRU"]
    '信任'
    """
    resource = importlib.resources.files("loyaltysem").joinpath("data", INSTRUMENT_FILE)
    with importlib.resources.as_file(resource) as path:
        return Codebook.from_toml(path)


def measurement_model(constructs: Codebook | Mapping[str, Sequence[str]]) -> str:
    """Write the lavaan measurement model (``=~`` lines) of a set of constructs.

    Parameters
    ----------
    constructs : Codebook or mapping of str to sequence of str
        A codebook (its :attr:`~loyaltysem.survey.Codebook.construct_items` are used)
        or a mapping of construct name to its indicator names, in the order wanted.

    Returns
    -------
    str
        One line ``construct =~ item1 + item2 + ...`` per construct, each ending in a
        newline.

    Raises
    ------
    ModelSpecError
        If there are no constructs, a construct has no indicators, an indicator is
        listed twice, or a name is not a valid lavaan variable name.

    Examples
    --------
    >>> print(measurement_model({"TRU": ["TRU1", "TRU2", "TRU3"], "LOY": ["LOY1", "LOY2"]}))
    TRU =~ TRU1 + TRU2 + TRU3
    LOY =~ LOY1 + LOY2
    <BLANKLINE>
    >>> measurement_model(default_instrument()).count("=~")
    9
    """
    mapping = constructs.construct_items if isinstance(constructs, Codebook) else constructs
    if not isinstance(mapping, Mapping) or not mapping:
        raise ModelSpecError(
            "measurement_model needs at least one construct",
            found=mapping,
            expected="a Codebook or a mapping {construct: [items]}",
            fix='pass e.g. {"TRU": ["TRU1", "TRU2", "TRU3"]}',
        )
    seen: dict[str, str] = {}
    lines = []
    for construct, items in mapping.items():
        if isinstance(items, str) or not isinstance(items, Sequence) or not items:
            raise ModelSpecError(
                f"construct {construct!r} has no indicators",
                found=items,
                expected="a non-empty list of item names",
                fix=f"list the items that measure {construct!r}",
            )
        for name in (construct, *items):
            if not isinstance(name, str) or not _NAME.match(name):
                raise ModelSpecError(
                    "a construct or item name is not a valid lavaan variable name",
                    found=name,
                    expected="letters, digits, '_' and '.', starting with a letter or '_'",
                    fix="rename the column in the codebook and the data",
                )
        for item in items:
            if item in seen:
                raise ModelSpecError(
                    f"item {item!r} is listed under {seen[item]!r} and {construct!r}",
                    found=item,
                    expected="each indicator under one construct",
                    fix="remove the duplicate (cross-loadings must be written by hand)",
                )
            seen[item] = str(construct)
        lines.append(f"{construct} =~ {' + '.join(items)}\n")
    return "".join(lines)


# --------------------------------------------------------------------------- models

_MEASUREMENT = (
    "# Measurement model\n"
    "REP =~ REP1 + REP2 + REP3\n"
    "SEC =~ SEC1 + SEC2 + SEC3\n"
    "SQ =~ SQ1 + SQ2 + SQ3 + SQ4\n"
    "PQ =~ PQ1 + PQ2 + PQ3\n"
    "PRI =~ PRI1 + PRI2 + PRI3\n"
    "ASS =~ ASS1 + ASS2 + ASS3\n"
    "TRU =~ TRU1 + TRU2 + TRU3\n"
    "SAT =~ SAT1 + SAT2 + SAT3\n"
    "LOY =~ LOY1 + LOY2 + LOY3 + LOY4\n"
)

_DEFINED = (
    "# Indirect effects on loyalty\n"
    "ind_REP_TRU := a1*d1\n"
    "ind_REP_TRU_SAT := a1*b1*d2\n"
    "ind_REP := a1*d1 + a1*b1*d2\n"
    "ind_SEC_TRU := a2*d1\n"
    "ind_SEC_TRU_SAT := a2*b1*d2\n"
    "ind_SEC := a2*d1 + a2*b1*d2\n"
    "ind_SQ_TRU := a3*d1\n"
    "ind_SQ_TRU_SAT := a3*b1*d2\n"
    "ind_SQ := a3*d1 + a3*b1*d2\n"
    "ind_PQ_SAT := c1*d2\n"
    "ind_PRI_SAT := c2*d2\n"
    "ind_ASS_SAT := c3*d2\n"
    "ind_TRU_SAT := b1*d2\n"
    "total_TRU := d1 + b1*d2\n"
)

#: The default e-commerce loyalty model in lavaan syntax (design.md §3).
#:
#: Reputation, security and service quality build trust (paths ``a1``–``a3``);
#: trust, product quality, price and after-sales service build satisfaction
#: (``b1``, ``c1``–``c3``); trust and satisfaction build loyalty (``d1``, ``d2``).
#: The ``:=`` lines define the indirect effects on LOY: through TRU
#: (``ind_REP_TRU``), through TRU then SAT (``ind_REP_TRU_SAT``), their sum
#: (``ind_REP``), through SAT (``ind_PQ_SAT``...), and ``total_TRU = d1 + b1*d2``.
#: Items must be reverse-coded (``LOY4``) as :func:`~loyaltysem.survey.read_survey`
#: does with the codebook.
DEFAULT_MODEL: str = (
    _MEASUREMENT
    + "# Structural model\n"
    + "TRU ~ a1*REP + a2*SEC + a3*SQ\n"
    + "SAT ~ b1*TRU + c1*PQ + c2*PRI + c3*ASS\n"
    + "LOY ~ d1*TRU + d2*SAT\n"
    + _DEFINED
)

#: The rival model: :data:`DEFAULT_MODEL` plus direct paths ``LOY ~ PQ + PRI + ASS``
#: (labels ``e1``–``e3``). The default model is nested in it (``e1 = e2 = e3 = 0``),
#: so the two can be compared with a chi-square difference test.
RIVAL_MODEL: str = (
    _MEASUREMENT
    + "# Structural model\n"
    + "TRU ~ a1*REP + a2*SEC + a3*SQ\n"
    + "SAT ~ b1*TRU + c1*PQ + c2*PRI + c3*ASS\n"
    + "LOY ~ d1*TRU + d2*SAT + e1*PQ + e2*PRI + e3*ASS\n"
    + _DEFINED
)

#: The European Customer Satisfaction Index model (Tenenhaus et al. 2005) for the
#: ``mobi`` data (250 mobile-phone customers, items on a 1–10 scale). Complaints has
#: a single indicator, ``CUSCO``, whose residual variance is fixed to 0.
#:
#: References: Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005).
#: PLS path modeling. *Computational Statistics & Data Analysis*, 48(1), 159–205.
ECSI_MODEL: str = (
    "# Measurement model\n"
    "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\n"
    "Expectation =~ CUEX1 + CUEX2 + CUEX3\n"
    "Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7\n"
    "Value =~ PERV1 + PERV2\n"
    "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
    "Complaints =~ CUSCO\n"
    "Loyalty =~ CUSL1 + CUSL2 + CUSL3\n"
    "# Single indicator: no measurement error\n"
    "CUSCO ~~ 0*CUSCO\n"
    "# Structural model\n"
    "Expectation ~ Image\n"
    "Quality ~ Expectation\n"
    "Value ~ Expectation + Quality\n"
    "Satisfaction ~ Image + Expectation + Quality + Value\n"
    "Complaints ~ Satisfaction\n"
    "Loyalty ~ Image + Satisfaction + Complaints\n"
)


# ----------------------------------------------------------------- population values


@dataclass(frozen=True)
class PopulationValues:
    """Population values of a standardized SEM with ordinal (Likert) indicators.

    All values are standardized: constructs and item latent responses have
    variance 1. Loadings and thresholds refer to the *keyed* direction, that is to
    reverse-keyed items after reverse coding.

    Parameters
    ----------
    loadings : mapping of str to float
        Item → standardized loading on its construct (the construct comes from the
        instrument).
    paths : mapping of str to mapping of str to float
        Endogenous construct → {predictor: standardized path coefficient}.
    correlations : mapping of (str, str) to float
        Correlations among the exogenous constructs, one entry per pair.
    thresholds : mapping of str to tuple of float
        Item → the six increasing cut points on the latent-response scale that turn
        it into categories 1–7 (keyed direction).
    """

    loadings: Mapping[str, float]
    paths: Mapping[str, Mapping[str, float]]
    correlations: Mapping[tuple[str, str], float]
    thresholds: Mapping[str, tuple[float, ...]]


#: Base cut points: with a standard normal latent response they give the category
#: shares .03, .05, .09, .17, .26, .25, .15 (mean 4.93, skewed to the left).
_BASE_THRESHOLDS = (-1.88, -1.41, -0.95, -0.41, 0.25, 1.04)
#: Shift of the cut points per construct (positive = lower mean answers).
_SHIFT = {
    "REP": 0.0,
    "SEC": 0.05,
    "SQ": 0.0,
    "PQ": -0.05,
    "PRI": 0.15,
    "ASS": 0.10,
    "TRU": 0.0,
    "SAT": -0.05,
    "LOY": 0.05,
}
_LOADINGS = {
    "REP1": 0.78,
    "REP2": 0.82,
    "REP3": 0.74,
    "SEC1": 0.80,
    "SEC2": 0.76,
    "SEC3": 0.72,
    "SQ1": 0.75,
    "SQ2": 0.79,
    "SQ3": 0.72,
    "SQ4": 0.70,
    "PQ1": 0.81,
    "PQ2": 0.84,
    "PQ3": 0.73,
    "PRI1": 0.77,
    "PRI2": 0.80,
    "PRI3": 0.71,
    "ASS1": 0.79,
    "ASS2": 0.83,
    "ASS3": 0.75,
    "TRU1": 0.84,
    "TRU2": 0.80,
    "TRU3": 0.78,
    "SAT1": 0.85,
    "SAT2": 0.82,
    "SAT3": 0.80,
    "LOY1": 0.82,
    "LOY2": 0.80,
    "LOY3": 0.76,
    "LOY4": 0.65,
}
_PATHS = {
    "TRU": {"REP": 0.30, "SEC": 0.25, "SQ": 0.30},
    "SAT": {"TRU": 0.35, "PQ": 0.25, "PRI": 0.15, "ASS": 0.20},
    "LOY": {"TRU": 0.30, "SAT": 0.45},
}
_CORRELATIONS = {
    ("REP", "SEC"): 0.45,
    ("REP", "SQ"): 0.40,
    ("REP", "PQ"): 0.40,
    ("REP", "PRI"): 0.30,
    ("REP", "ASS"): 0.35,
    ("SEC", "SQ"): 0.40,
    ("SEC", "PQ"): 0.35,
    ("SEC", "PRI"): 0.30,
    ("SEC", "ASS"): 0.40,
    ("SQ", "PQ"): 0.40,
    ("SQ", "PRI"): 0.30,
    ("SQ", "ASS"): 0.45,
    ("PQ", "PRI"): 0.35,
    ("PQ", "ASS"): 0.40,
    ("PRI", "ASS"): 0.30,
}


def _item_thresholds() -> dict[str, tuple[float, ...]]:
    out = {}
    for item in _LOADINGS:
        construct = re.sub(r"\d+$", "", item)
        out[item] = tuple(round(t + _SHIFT[construct], 2) for t in _BASE_THRESHOLDS)
    return out


#: Population values of the default model, from which the bundled example survey is
#: simulated (``loyaltysem.planning.simulation.PopulationModel.default()``).
#:
#: - **Loadings** (standardized, keyed direction): REP .78 .82 .74; SEC .80 .76 .72;
#:   SQ .75 .79 .72 .70; PQ .81 .84 .73; PRI .77 .80 .71; ASS .79 .83 .75;
#:   TRU .84 .80 .78; SAT .85 .82 .80; LOY .82 .80 .76 .65 (LOY4, reverse-keyed).
#: - **Paths** (standardized): REP→TRU .30, SEC→TRU .25, SQ→TRU .30; TRU→SAT .35,
#:   PQ→SAT .25, PRI→SAT .15, ASS→SAT .20; TRU→LOY .30, SAT→LOY .45. Disturbance
#:   variances are whatever makes TRU, SAT and LOY have variance 1.
#: - **Exogenous correlations** among REP, SEC, SQ, PQ, PRI, ASS: .30 to .45
#:   (REP–SEC .45, SQ–ASS .45, PRI with the others .30–.35).
#: - **Thresholds**: the cut points (-1.88, -1.41, -0.95, -0.41, 0.25, 1.04) give the
#:   category shares .03 .05 .09 .17 .26 .25 .15 (mean 4.93, negatively skewed),
#:   shifted per construct by REP 0, SEC +.05, SQ 0, PQ -.05, PRI +.15, ASS +.10,
#:   TRU 0, SAT -.05, LOY +.05 (a positive shift lowers the answers). For LOY4 they
#:   apply to the reverse-coded answer: raw answers to "I am likely to switch" are low.
POPULATION: PopulationValues = PopulationValues(
    loadings=MappingProxyType(dict(_LOADINGS)),
    paths=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in _PATHS.items()}),
    correlations=MappingProxyType(dict(_CORRELATIONS)),
    thresholds=MappingProxyType(_item_thresholds()),
)
