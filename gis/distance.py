"""Distances in metres on the WGS-84 ellipsoid, and metre-to-degree padding for boxes.

Why the ellipsoid: PostGIS ``geography`` measures on the ellipsoid, and SpatiaLite does too
when asked (``ST_Distance(a, b, 1)``).  Python-side checks ("is this visit within 200 m of its
target?") must give the same answer as the database, or a record could be linked by one and
flagged by the other.  On the sphere the error is up to 0.5 % (500.05 m vs 498.44 m for the
stack spike's ``e499`` point), which is enough to flip a "within 500 m" rule.

The inverse problem is solved with Vincenty's iteration, which agrees with GeographicLib
(what PostGIS and SpatiaLite/PROJ use) to well under a millimetre wherever it converges.  It
fails to converge only for nearly antipodal points (more than ~19,900 km apart), where the
Andoyer-Lambert approximation is used instead; that is metres out at worst, irrelevant for a
county but still a number instead of an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from gis.errors import NOT_A_NUMBER, GeometryError

#: WGS-84 semi-major axis in metres.
WGS84_A = 6378137.0
#: WGS-84 flattening.
WGS84_F = 1 / 298.257223563
#: WGS-84 semi-minor axis in metres.
WGS84_B = WGS84_A * (1 - WGS84_F)
#: Length of a geodesic between antipodal points: half a meridian, through a pole.
HALF_MERIDIAN_M = 20003931.458625447

#: Shortest length of one degree of latitude (at the equator), in metres.
METRES_PER_DEGREE_LAT_MIN = 110574.0
#: Length of one degree of longitude at the equator, in metres (as in the stack spike).
METRES_PER_DEGREE_LON_EQUATOR = 111320.0
#: Relative safety margin on the longitude padding, covering the few parts per million by
#: which ``111320 * cos(lat)`` can overstate a degree of longitude on the ellipsoid.
_LON_PAD_MARGIN = 1e-4

_MAX_ITERATIONS = 200
# Absolute, in radians of lambda: the distance then rests on a sigma at most this far from the
# converged one, i.e. below 0.1 micrometre (1e-12 allowed ~6 micrometres, a 0.3 % error for
# millimetre distances along the equator, where each step shrinks by only the flattening).
_TOLERANCE = 1e-14


def _check_finite(*values: float) -> None:
    for value in values:
        if isinstance(value, bool) or not math.isfinite(value):
            raise GeometryError(
                NOT_A_NUMBER,
                f"distances need finite longitudes and latitudes in degrees, got {value!r}",
            )


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Ellipsoidal (WGS-84) distance in metres between two lon/lat points in degrees.

    Agrees with PostGIS ``ST_Distance(a::geography, b::geography)`` and SpatiaLite
    ``ST_Distance(a, b, 1)`` to about a millimetre.  Equal points give exactly 0.0.
    """
    _check_finite(lon1, lat1, lon2, lat2)
    if lon1 == lon2 and lat1 == lat2:
        return 0.0
    result = _vincenty_inverse(lon1, lat1, lon2, lat2)
    if result is None:
        result = _andoyer_lambert(lon1, lat1, lon2, lat2)
    return result


def geodesic_distances_m(
    lon1: Sequence[float], lat1: Sequence[float], lon2: Sequence[float], lat2: Sequence[float]
) -> list[float]:
    """:func:`geodesic_distance_m` of many pairs at once: the same iteration run on NumPy
    arrays. A push of 500 visits judges each against the one before it, and one at a time
    the iteration cost more than anything else in the plausibility check (5 µs a pair in
    Python, a tenth of that here). Pairs that do not converge (nearly antipodal) are measured
    one at a time as :func:`geodesic_distance_m` does; the rest agree with it to within a
    micrometre (``tests/unit/gis/test_gis_distance.py``).
    """
    lon1, lat1, lon2, lat2 = (np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    for values in (lon1, lat1, lon2, lat2):
        finite = np.isfinite(values)
        if not finite.all():
            _check_finite(float(values[~finite][0]))
    f = WGS84_F
    delta = np.fmod(lon2 - lon1, 360.0)
    delta = np.where(delta > 180.0, delta - 360.0, np.where(delta < -180.0, delta + 360.0, delta))
    big_l = np.radians(delta)
    u1 = np.arctan((1 - f) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - f) * np.tan(np.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    n = big_l.shape[0]
    lam = big_l.copy()
    active = ~((lon1 == lon2) & (lat1 == lat2))
    converged = np.zeros(n, dtype=bool)
    state = np.zeros((5, n))  # sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_MAX_ITERATIONS):
            if not active.any():
                break
            sin_lam, cos_lam = np.sin(lam), np.cos(lam)
            sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
            cos_sq_alpha = 1.0 - sin_alpha * sin_alpha
            cos_2sigma_m = np.where(
                cos_sq_alpha != 0.0, cos_sigma - 2.0 * sin_u1 * sin_u2 / cos_sq_alpha, 0.0
            )
            new_lam = _next_lambda(
                big_l, sin_alpha, cos_sq_alpha, sigma, sin_sigma, cos_sigma, cos_2sigma_m
            )
            coincident = active & (sin_sigma == 0.0)  # the same point, written two ways
            active &= ~coincident
            diverged = active & (np.abs(new_lam) > math.pi)
            done = active & ~diverged & (np.abs(new_lam - lam) < _TOLERANCE)
            state[:, done] = np.stack([sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m])[
                :, done
            ]
            converged |= done
            lam = np.where(active, new_lam, lam)
            active &= ~(done | diverged)
    sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m = state
    lengths = _geodesic_length(sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m)
    out = np.where(converged, lengths, 0.0).tolist()
    for i in np.flatnonzero(~converged & ~((lon1 == lon2) & (lat1 == lat2))):
        out[i] = geodesic_distance_m(lon1[i], lat1[i], lon2[i], lat2[i])  # did not converge
    return out


def _vincenty_inverse(lon1: float, lat1: float, lon2: float, lat2: float) -> float | None:
    """Vincenty (1975) inverse formula; ``None`` when it does not converge."""
    f = WGS84_F
    big_l = math.radians(_wrap_degrees(lon2 - lon1))
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1 = math.sin(u1), math.cos(u1)
    sin_u2, cos_u2 = math.sin(u2), math.cos(u2)

    lam = big_l
    for _ in range(_MAX_ITERATIONS):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0.0:
            return 0.0  # coincident points (e.g. the same pole written with two longitudes)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos_sq_alpha = 1.0 - sin_alpha * sin_alpha
        cos_2sigma_m = (
            cos_sigma - 2.0 * sin_u1 * sin_u2 / cos_sq_alpha if cos_sq_alpha != 0.0 else 0.0
        )
        lam_prev = lam
        lam = _next_lambda(
            big_l, sin_alpha, cos_sq_alpha, sigma, sin_sigma, cos_sigma, cos_2sigma_m
        )
        if abs(lam) > math.pi:
            return None  # diverging: nearly antipodal
        if abs(lam - lam_prev) < _TOLERANCE:
            break
    else:
        return None

    return _geodesic_length(sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m)


def _next_lambda(big_l, sin_alpha, cos_sq_alpha, sigma, sin_sigma, cos_sigma, cos_2sigma_m):
    """One step of Vincenty's iteration on lambda (floats or NumPy arrays alike)."""
    f = WGS84_F
    c = f / 16.0 * cos_sq_alpha * (4.0 + f * (4.0 - 3.0 * cos_sq_alpha))
    return big_l + (1.0 - c) * f * sin_alpha * (
        sigma + c * sin_sigma * (cos_2sigma_m + c * cos_sigma * (-1.0 + 2.0 * cos_2sigma_m**2))
    )


def _geodesic_length(sin_sigma, cos_sigma, sigma, cos_sq_alpha, cos_2sigma_m):
    """Vincenty's length of the geodesic from the converged iteration (floats or NumPy
    arrays alike)."""
    a, b = WGS84_A, WGS84_B
    u_sq = cos_sq_alpha * (a * a - b * b) / (b * b)
    big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)))
    big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sigma_m
            + big_b
            / 4.0
            * (
                cos_sigma * (-1.0 + 2.0 * cos_2sigma_m**2)
                - big_b
                / 6.0
                * cos_2sigma_m
                * (-3.0 + 4.0 * sin_sigma**2)
                * (-3.0 + 4.0 * cos_2sigma_m**2)
            )
        )
    )
    return b * big_a * (sigma - delta_sigma)


def _andoyer_lambert(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Andoyer-Lambert first-order approximation, used only where Vincenty diverges.

    The result is capped at :data:`HALF_MERIDIAN_M`, the longest possible geodesic.
    """
    f = WGS84_F
    big_f = math.radians(lat1 + lat2) / 2.0
    g = math.radians(lat1 - lat2) / 2.0
    lam = math.radians(_wrap_degrees(lon2 - lon1)) / 2.0
    s = math.sin(g) ** 2 * math.cos(lam) ** 2 + math.cos(big_f) ** 2 * math.sin(lam) ** 2
    c = math.cos(g) ** 2 * math.cos(lam) ** 2 + math.sin(big_f) ** 2 * math.sin(lam) ** 2
    if c <= 0.0 or s <= 0.0:
        return HALF_MERIDIAN_M if c <= 0.0 else 0.0
    omega = math.atan(math.sqrt(s / c))
    r = math.sqrt(s * c) / omega
    d = 2.0 * omega * WGS84_A
    h1 = (3.0 * r - 1.0) / (2.0 * c)
    h2 = (3.0 * r + 1.0) / (2.0 * s)
    distance = d * (
        1.0
        + f * h1 * math.sin(big_f) ** 2 * math.cos(g) ** 2
        - f * h2 * math.cos(big_f) ** 2 * math.sin(g) ** 2
    )
    return min(distance, HALF_MERIDIAN_M)


def _wrap_degrees(delta: float) -> float:
    """A longitude difference folded into [-180, 180]."""
    delta = math.fmod(delta, 360.0)
    if delta > 180.0:
        delta -= 360.0
    elif delta < -180.0:
        delta += 360.0
    return delta


def metres_to_degree_deltas(lat: float, metres: float) -> tuple[float, float]:
    """Half-widths ``(dlon, dlat)`` in degrees of a box that surely holds a circle.

    Used to pad a bounding box so that an index pre-filter never drops a point that the exact
    metre test would keep.  ``dlat = m / 110574`` uses the shortest degree of latitude;
    ``dlon = m / (111320 * cos(lat'))`` is evaluated at the box edge farthest from the equator
    (``|lat| + dlat``) and widened by 0.01 %, so the box errs on the large side.  Within that
    distance of a pole every longitude qualifies and ``dlon`` is 360.
    """
    _check_finite(lat, metres)
    if metres < 0:
        raise ValueError(f"metres must not be negative, got {metres!r}")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude must be within [-90, 90], got {lat!r}")
    dlat = metres / METRES_PER_DEGREE_LAT_MIN
    far_lat = abs(lat) + dlat
    if far_lat >= 90.0:
        return 360.0, dlat
    cos_far = math.cos(math.radians(far_lat))
    dlon = metres / (METRES_PER_DEGREE_LON_EQUATOR * cos_far) * (1.0 + _LON_PAD_MARGIN)
    return min(dlon, 360.0), dlat
