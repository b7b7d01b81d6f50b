"""Plausibility limits: the angles a human joint can reach at all.

A value beyond these limits is a landmark error (a joint guessed outside the image, a
left/right mix-up, a projection past overhead), not a finding; :mod:`rom.metrics.results`
flags it ``beyond_anatomical_range``. The limits are not norms: each is set about 10 to 20
degrees beyond the largest end of range reported for healthy adults, generous enough for
hypermobile clients. Sources for the end of range they exceed: AAOS 1965 (Joint Motion:
Method of Measuring and Recording), Greene & Heckman 1994, and Soucie et al. 2011
(Haemophilia 17:500-507, normal ROM of 674 healthy people aged 2-69: shoulder flexion
and abduction up to about 180, elbow flexion about 150, knee flexion about 145, hip
flexion about 130 with the knee bent). Angles measured against the trunk line or the
vertical (hip flexion, trunk flexion) include trunk and pelvic motion, hence wider limits.
"""

from __future__ import annotations

import math

from rom.metrics import catalogue

__all__ = ["ANATOMICAL_RANGE_DEG", "beyond_anatomical_range"]

#: Lowest and highest plausible value (degrees, catalogue signs) of each catalogue angle.
ANATOMICAL_RANGE_DEG: dict[str, tuple[float, float]] = {
    "neck_flexion": (-90.0, 90.0),
    "neck_lateral_flexion": (-60.0, 60.0),
    "neck_rotation": (-95.0, 95.0),
    "shoulder_flexion": (-80.0, 190.0),
    "shoulder_abduction": (-60.0, 190.0),
    "shoulder_horizontal_abduction": (-70.0, 150.0),
    "shoulder_external_rotation": (-100.0, 120.0),
    "shoulder_elevation": (0.0, 190.0),
    "elbow_flexion": (0.0, 160.0),
    "trunk_flexion": (-50.0, 130.0),
    "trunk_lateral_flexion": (-60.0, 60.0),
    "trunk_rotation": (-70.0, 70.0),
    "trunk_inclination": (0.0, 130.0),
    "hip_flexion": (-50.0, 160.0),
    "hip_abduction": (-45.0, 90.0),
    "knee_flexion": (0.0, 165.0),
    "head_tilt": (-70.0, 70.0),
    "shoulder_tilt": (-45.0, 45.0),
    "pelvic_tilt": (-45.0, 45.0),
    "craniovertebral": (0.0, 130.0),
}

missing = {a.name for a in catalogue.ANGLES.values()} - set(ANATOMICAL_RANGE_DEG)
if missing:  # pragma: no cover - a catalogue change must add its limits here
    raise RuntimeError(f"no anatomical range for {sorted(missing)}")
del missing


def beyond_anatomical_range(name: str, value_deg: float) -> float | None:
    """The limit a signed value (degrees, catalogue sign) passes, or None within range.

    Examples
    --------
    >>> beyond_anatomical_range("shoulder_flexion", 193.2)
    190.0
    >>> beyond_anatomical_range("elbow_flexion", 120.0) is None
    True
    """
    lo, hi = ANATOMICAL_RANGE_DEG[name]
    if not math.isfinite(value_deg):
        return None
    if value_deg > hi:
        return hi
    if value_deg < lo:
        return lo
    return None
