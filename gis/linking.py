"""Ranking the enterprises a complaint may be about: distance and fit to the category.

The database finds the enterprises within the complaint category's search radius (an indexed
``ST_DWithin`` on geography, or ``PtDistWithin(a, b, r, 1)`` on SpatiaLite, both on the
ellipsoid) and hands each one here with its distance, industry and declared pollutants.
:func:`rank_candidates` scores them and returns suggestions for an officer to confirm or
reject; when a complaint's location is corrected the caller simply runs it again.

Score, in [0, 1], a weighted mean of three parts (weights in :class:`LinkingRules`):

- distance: ``1 - distance / radius`` (1 on the spot, 0 at the edge of the radius);
- industry fit: how typical the enterprise's industry is for the category (a table, 0..1);
- pollutant fit: the best fit among the pollutants the enterprise declares (a table, 0..1).

Candidates beyond the radius are left out (the edge itself is in).  Ties are broken by distance
and then by enterprise id, so the order is the same on every backend and every run; scores are
rounded to 4 decimals first so that float noise cannot reorder equal scores.

This module knows no category, industry or pollutant codes: the tables are data.  The bureau's
defaults live in :mod:`bureau.linking_defaults`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gis.flags import format_metres

FitTable = Mapping[str, Mapping[str, float]]
"""``category -> code -> fit`` with fits in [0, 1]; a missing code fits 0."""

_SCORE_DECIMALS = 4


def _finite(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


@dataclass(frozen=True)
class LinkingRules:
    """Search radii and fit tables per complaint category, and the score weights."""

    radius_m: Mapping[str, float]
    default_radius_m: float
    industry_fit: FitTable = field(default_factory=dict)
    pollutant_fit: FitTable = field(default_factory=dict)
    distance_weight: float = 0.5
    industry_weight: float = 0.2
    pollutant_weight: float = 0.3
    max_suggestions: int | None = 10

    def __post_init__(self) -> None:
        radii = {"default": self.default_radius_m, **self.radius_m}
        for name, radius in radii.items():
            if not _finite(radius) or radius <= 0:
                raise ValueError(f"radius for {name!r} must be a positive number of metres")
        for table_name, table in (
            ("industry_fit", self.industry_fit),
            ("pollutant_fit", self.pollutant_fit),
        ):
            for category, fits in table.items():
                for code, fit in fits.items():
                    if not _finite(fit) or not 0.0 <= fit <= 1.0:
                        raise ValueError(
                            f"{table_name}[{category!r}][{code!r}] must be in [0, 1], got {fit!r}"
                        )
        weights = (self.distance_weight, self.industry_weight, self.pollutant_weight)
        if not all(_finite(w) and w >= 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("weights must be non-negative numbers and not all zero")
        if self.max_suggestions is not None and (
            not isinstance(self.max_suggestions, int) or self.max_suggestions < 1
        ):
            raise ValueError("max_suggestions must be a positive integer or None")
        # Freeze the tables so that shared rules cannot be changed by one caller.
        object.__setattr__(self, "radius_m", MappingProxyType(dict(self.radius_m)))
        for name in ("industry_fit", "pollutant_fit"):
            table = getattr(self, name)
            frozen = {c: MappingProxyType(dict(f)) for c, f in table.items()}
            object.__setattr__(self, name, MappingProxyType(frozen))

    def radius_for(self, category: str) -> float:
        """The search radius in metres for a category (the default if it has none)."""
        return float(self.radius_m.get(category, self.default_radius_m))


@dataclass(frozen=True)
class EnterpriseCandidate:
    """An enterprise near a complaint: its id, distance and what it does and emits."""

    enterprise_id: int | str
    distance_m: float
    industry: str
    pollutants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A ranked enterprise for an officer to confirm or reject, with why it was suggested."""

    enterprise_id: int | str
    score: float
    distance_m: float
    industry_fit: float
    pollutant_fit: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "enterprise_id": self.enterprise_id,
            "score": self.score,
            "distance_m": self.distance_m,
            "industry_fit": self.industry_fit,
            "pollutant_fit": self.pollutant_fit,
            "reasons": list(self.reasons),
        }


def search_radius_m(category: str, rules: LinkingRules) -> float:
    """The radius in metres within which to look for enterprises for this category."""
    return rules.radius_for(category)


def _check(candidates: Iterable[EnterpriseCandidate]) -> list[EnterpriseCandidate]:
    unique: dict[int | str, EnterpriseCandidate] = {}
    for candidate in candidates:
        if not _finite(candidate.distance_m) or candidate.distance_m < 0:
            raise ValueError(
                f"enterprise {candidate.enterprise_id!r}: distance must be a non-negative "
                f"number of metres, got {candidate.distance_m!r}"
            )
        seen = unique.get(candidate.enterprise_id)
        if seen is not None and seen != candidate:
            raise ValueError(
                f"enterprise {candidate.enterprise_id!r} given twice with different values"
            )
        unique[candidate.enterprise_id] = candidate
    return list(unique.values())


def _best_pollutant(
    category: str, pollutants: tuple[str, ...], rules: LinkingRules
) -> tuple[float, str | None]:
    fits = rules.pollutant_fit.get(category, {})
    best, best_code = 0.0, None
    for code in sorted(set(pollutants)):
        fit = float(fits.get(code, 0.0))
        if fit > best:
            best, best_code = fit, code
    return best, best_code


def fit_part(
    category: str, industry: str, pollutants: tuple[str, ...], rules: LinkingRules
) -> float:
    """The weighted industry and pollutant fit of an enterprise for a category: the part of
    its score that does not depend on distance (what a batch pre-selection needs per pair)."""
    industry_fit = float(rules.industry_fit.get(category, {}).get(industry, 0.0))
    pollutant_fit, _code = _best_pollutant(category, pollutants, rules)
    return rules.industry_weight * industry_fit + rules.pollutant_weight * pollutant_fit


def rank_candidates(
    category: str, candidates: Iterable[EnterpriseCandidate], rules: LinkingRules
) -> list[Suggestion]:
    """Suggestions for a complaint of ``category``, best first (at most ``max_suggestions``).

    Candidates beyond the category's radius are dropped; the same candidate twice counts once;
    a negative or non-finite distance, or one id with two different records, is a ``ValueError``.
    """
    radius = rules.radius_for(category)
    total_weight = rules.distance_weight + rules.industry_weight + rules.pollutant_weight
    industry_fits = rules.industry_fit.get(category, {})
    scored = []
    for candidate in _check(candidates):
        distance = float(candidate.distance_m)
        if distance > radius:
            continue
        closeness = 1.0 - distance / radius
        industry_fit = float(industry_fits.get(candidate.industry, 0.0))
        pollutant_fit, pollutant = _best_pollutant(category, candidate.pollutants, rules)
        score = (
            rules.distance_weight * closeness
            + rules.industry_weight * industry_fit
            + rules.pollutant_weight * pollutant_fit
        ) / total_weight
        rounded = round(score, _SCORE_DECIMALS)
        scored.append(
            (-rounded, distance, candidate.enterprise_id, candidate, industry_fit, pollutant_fit,
             pollutant)
        )  # fmt: skip
    scored.sort(key=lambda item: item[:3])
    if rules.max_suggestions is not None:
        del scored[rules.max_suggestions :]
    # reasons only for the suggestions kept: hundreds of candidates surround a complaint
    suggestions = []
    for negative, distance, _id, candidate, industry_fit, pollutant_fit, pollutant in scored:
        reasons = [
            f"{format_metres(distance)} away, within the {format_metres(radius)} search radius "
            f"for {category} complaints"
        ]
        if industry_fit > 0:
            reasons.append(
                f"industry {candidate.industry} often causes {category} complaints "
                f"(fit {industry_fit:.1f})"
            )
        else:
            reasons.append(f"industry {candidate.industry} is not typical of {category} complaints")
        if pollutant is not None:
            reasons.append(f"declares {pollutant} emissions (fit {pollutant_fit:.1f})")
        elif candidate.pollutants:
            reasons.append(f"declares no pollutant related to {category}")
        else:
            reasons.append("declares no pollutants")
        suggestions.append(
            Suggestion(
                enterprise_id=candidate.enterprise_id,
                score=-negative,
                distance_m=distance,
                industry_fit=industry_fit,
                pollutant_fit=pollutant_fit,
                reasons=tuple(reasons),
            )
        )
    return suggestions
