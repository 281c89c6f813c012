"""The bureau's default linking rules: search radius and fit tables per complaint category.

:mod:`gis.linking` ranks candidate enterprises with tables it does not interpret; this module
fills them with the bureau's codes (:data:`~bureau.vocabulary.COMPLAINT_CATEGORIES`,
:data:`~bureau.vocabulary.INDUSTRIES`, :data:`~bureau.vocabulary.POLLUTANTS`) and lets a
deployment override any entry through :func:`linking_rules`.

Search radii (metres), from how far each kind of nuisance carries to the complainant:

- ``noise`` 500: a point source loses 6 dB per doubling of distance, so a loud plant (about
  100 dB(A) at 1 m) is still near the 45 dB(A) night limit of GB 3096 class 1 areas at ~500 m;
  farther away other sources dominate.
- ``radiation`` 500: sources (X-ray rooms, transmitters) act locally.
- ``dust`` 1000: construction and yard dust settles mostly within a few hundred metres; cement
  and aggregate plants reach about a kilometre.
- ``solid_waste`` 1000 and ``other`` 1000: dumping is usually beside the site that produced it.
- ``hazardous_waste`` 2000 and ``ecology`` 2000: a wider net for things carried by truck or
  spread over land.
- ``waste_gas`` 3000 and ``odour`` 3000: plumes from stacks, livestock farms and treatment
  plants are smelled a few kilometres downwind (the issue's "a few kilometres").
- ``waste_water`` 5000: discharges travel down rivers and canals; the complainant often stands
  well downstream of the outfall.

Fit tables (0..1): a pollutant category fits enterprises that declare that pollutant (1.0) and,
less, related ones (odour and waste gas go together; hazardous waste is also solid waste).
Industry fit is a prior from the industries' typical emissions (the same pairs the demo
county uses), used when declared pollutants are missing or incomplete; ``radiation`` and
``other`` have no typical industry in :data:`~bureau.vocabulary.INDUSTRIES`.

Weights (distance 0.5, declared pollutants 0.3, industry 0.2): distance is the firmest
evidence; declared pollutants come from the enterprise's own permit record, stronger than the
generic industry prior.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bureau.errors import InvalidInput
from bureau.vocabulary import COMPLAINT_CATEGORIES, INDUSTRIES, POLLUTANTS
from gis.linking import FitTable, LinkingRules

__all__ = [
    "DEFAULT_INDUSTRY_FIT",
    "DEFAULT_LINKING_RULES",
    "DEFAULT_POLLUTANT_FIT",
    "DEFAULT_RADIUS_M",
    "FALLBACK_RADIUS_M",
    "linking_rules",
]


def _frozen(table: Mapping[str, Mapping[str, float]]) -> FitTable:
    return MappingProxyType(
        {category: MappingProxyType(dict(row)) for category, row in table.items()}
    )


FALLBACK_RADIUS_M = 1000.0
"""Radius for a category an override table leaves out."""

DEFAULT_RADIUS_M: Mapping[str, float] = MappingProxyType(
    {
        "waste_gas": 3000.0,
        "waste_water": 5000.0,
        "noise": 500.0,
        "solid_waste": 1000.0,
        "odour": 3000.0,
        "dust": 1000.0,
        "hazardous_waste": 2000.0,
        "radiation": 500.0,
        "ecology": 2000.0,
        "other": 1000.0,
    }
)

DEFAULT_POLLUTANT_FIT: FitTable = _frozen(
    {
        "waste_gas": {"waste_gas": 1.0, "odour": 0.6, "dust": 0.5},
        "waste_water": {"waste_water": 1.0, "hazardous_waste": 0.3},
        "noise": {"noise": 1.0},
        "solid_waste": {"solid_waste": 1.0, "hazardous_waste": 0.6},
        "odour": {"odour": 1.0, "waste_gas": 0.7, "waste_water": 0.4, "solid_waste": 0.4},
        "dust": {"dust": 1.0, "waste_gas": 0.4},
        "hazardous_waste": {"hazardous_waste": 1.0, "solid_waste": 0.4},
        "radiation": {"radiation": 1.0},
        "ecology": {"waste_water": 0.5, "solid_waste": 0.5, "dust": 0.3},
        "other": {},
    }
)

DEFAULT_INDUSTRY_FIT: FitTable = _frozen(
    {
        "waste_gas": {
            "chemical": 1.0,
            "cement": 0.9,
            "metal_surface": 0.9,
            "pharmaceutical": 0.8,
            "catering": 0.7,  # cooking fumes (油烟)
            "waste_treatment": 0.7,
            "electroplating": 0.6,
            "printing_dyeing": 0.5,
            "construction_materials": 0.4,
            "food_processing": 0.3,
            "papermaking": 0.3,
        },
        "waste_water": {
            "electroplating": 1.0,
            "printing_dyeing": 1.0,
            "papermaking": 1.0,
            "chemical": 0.9,
            "pharmaceutical": 0.9,
            "livestock": 0.9,
            "food_processing": 0.8,
            "metal_surface": 0.5,
            "catering": 0.3,
        },
        "noise": {
            "cement": 0.9,
            "construction_materials": 0.9,
            "metal_surface": 0.8,
            "catering": 0.7,
            "food_processing": 0.5,
            "waste_treatment": 0.4,
        },
        "solid_waste": {
            "waste_treatment": 1.0,
            "livestock": 0.7,
            "papermaking": 0.6,
            "construction_materials": 0.5,
            "food_processing": 0.4,
        },
        "odour": {
            "livestock": 1.0,
            "waste_treatment": 1.0,
            "chemical": 0.9,
            "pharmaceutical": 0.9,
            "printing_dyeing": 0.7,
            "papermaking": 0.7,
            "food_processing": 0.7,
            "catering": 0.6,
        },
        "dust": {
            "cement": 1.0,
            "construction_materials": 1.0,
            "waste_treatment": 0.4,
            "metal_surface": 0.3,
        },
        "hazardous_waste": {
            "chemical": 1.0,
            "electroplating": 1.0,
            "pharmaceutical": 0.9,
            "metal_surface": 0.9,
            "waste_treatment": 0.9,
        },
        "radiation": {},
        "ecology": {
            "livestock": 0.6,
            "construction_materials": 0.5,
            "papermaking": 0.4,
            "waste_treatment": 0.4,
        },
        "other": {},
    }
)


def linking_rules(
    *,
    radius_m: Mapping[str, float] | None = None,
    industry_fit: FitTable | None = None,
    pollutant_fit: FitTable | None = None,
    max_suggestions: int | None = 10,
) -> LinkingRules:
    """The default rules with overrides applied per category.

    An override replaces a category's radius or its whole fit row (so a row can also drop
    codes). Unknown category, industry or pollutant codes and out-of-range numbers are
    :class:`InvalidInput`, naming each bad entry.
    """
    problems: dict[str, list[str]] = {}
    radii = {**DEFAULT_RADIUS_M, **(radius_m or {})}
    industries = {**DEFAULT_INDUSTRY_FIT, **(industry_fit or {})}
    pollutants = {**DEFAULT_POLLUTANT_FIT, **(pollutant_fit or {})}
    for name, table, codes in (
        ("industry_fit", industries, INDUSTRIES),
        ("pollutant_fit", pollutants, POLLUTANTS),
    ):
        for category, row in table.items():
            for code in row:
                if code not in codes:
                    problems.setdefault(f"{name}.{category}", []).append(f"unknown code {code!r}")
    for name, table in (
        ("radius_m", radii),
        ("industry_fit", industries),
        ("pollutant_fit", pollutants),
    ):
        for category in table:
            if category not in COMPLAINT_CATEGORIES:
                problems.setdefault(f"{name}.{category}", []).append("not a complaint category")
    if problems:
        raise InvalidInput("the linking rules have unknown codes", errors=problems)
    try:
        return LinkingRules(
            radius_m=radii,
            default_radius_m=FALLBACK_RADIUS_M,
            industry_fit=industries,
            pollutant_fit=pollutants,
            max_suggestions=max_suggestions,
        )
    except ValueError as exc:
        raise InvalidInput(
            f"the linking rules are invalid: {exc}", errors={"linking": [str(exc)]}
        ) from exc


DEFAULT_LINKING_RULES: LinkingRules = linking_rules()
"""The rules to use unless configuration says otherwise."""
