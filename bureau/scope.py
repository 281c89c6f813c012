"""Business scope (业务范围): which desk a complaint goes to, by its category.

Routing (:mod:`gis.routing`) decides *where* a complaint belongs (a station or the county desk);
the scope decides *which kind* of responsible officer handles it there, so a wastewater complaint
reaches someone who can read a discharge permit and a noise complaint someone with a sound level
meter. The table is configuration with defaults; :func:`scope_table` checks an override.

Defaults (:data:`DEFAULT_SCOPE`) follow how county bureaus usually split their work:
waste gas, odour and dust go to ``air`` (all are air quality, and odour is regulated as an air
pollutant under GB 14554); waste water to ``water``; noise to ``noise``; solid and hazardous
waste to ``solid_waste`` (one desk for solid waste and chemicals); radiation to ``radiation``;
ecology to ``ecology``; anything else to ``general`` (the enforcement team), which is also the
fallback for a valid category that an override leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bureau.errors import InvalidInput
from bureau.vocabulary import COMPLAINT_CATEGORIES, DESKS

__all__ = ["DEFAULT_SCOPE", "FALLBACK_DESK", "desk_for", "scope_table"]

FALLBACK_DESK = "general"
"""The desk for a valid category that the table does not name."""

DEFAULT_SCOPE: Mapping[str, str] = MappingProxyType(
    {
        "waste_gas": "air",
        "odour": "air",
        "dust": "air",
        "waste_water": "water",
        "noise": "noise",
        "solid_waste": "solid_waste",
        "hazardous_waste": "solid_waste",
        "radiation": "radiation",
        "ecology": "ecology",
        "other": "general",
    }
)


def scope_table(overrides: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """:data:`DEFAULT_SCOPE` with ``overrides`` applied, checked, read-only.

    Every key must be a complaint category and every value a desk code; otherwise
    :class:`InvalidInput` names every bad entry.
    """
    table = dict(DEFAULT_SCOPE)
    problems: dict[str, list[str]] = {}
    for category, desk in (overrides or {}).items():
        if category not in COMPLAINT_CATEGORIES:
            problems.setdefault(str(category), []).append(
                f"not a complaint category; must be one of: {', '.join(COMPLAINT_CATEGORIES)}"
            )
        elif desk not in DESKS:
            problems.setdefault(category, []).append(
                f"unknown desk {desk!r}; must be one of: {', '.join(DESKS)}"
            )
        else:
            table[category] = desk
    if problems:
        raise InvalidInput("the business scope table has unknown entries", errors=problems)
    return MappingProxyType(table)


def desk_for(category: str, table: Mapping[str, str] = DEFAULT_SCOPE) -> str:
    """The desk code for a complaint category (:data:`FALLBACK_DESK` if the table lacks it).

    A category that is not a complaint category at all is :class:`InvalidInput`: routing a
    typo to the general desk would hide the typo.
    """
    if category not in COMPLAINT_CATEGORIES:
        raise InvalidInput(
            f"category: unknown complaint category {category!r}",
            errors={"category": [f"must be one of: {', '.join(COMPLAINT_CATEGORIES)}"]},
        )
    return table.get(category, FALLBACK_DESK)
