"""How certain a reported value is: a standard uncertainty in degrees, from a small model
calibrated against the four-view lab reference.

Every value in ``results`` (:mod:`rom.metrics.results`) carries ``uncertainty_deg``: the
standard uncertainty (one standard deviation, degrees) of that value as a measure of the
client, for this clip. It combines independent components in quadrature
(``sqrt(sum of squares)``), each from evidence the clip itself gives:

``landmarks``
    The estimate's own error with the plane square to the camera: :data:`BASE_2D_DEG`,
    :data:`BASE_3D_DEG` (:data:`BASE_FACE_DEG` for the face-based cervical angles),
    scaled up where the landmarks' visibility at the value's frames is low:
    ``x (1 + 2 (1 - visibility))``.
``view``
    The plane of the movement turned away from the camera by ``obliqueness_deg``. A 2D
    angle is foreshortened: the error grows like ``|value| (1 - cos(obliqueness))``
    (measured on the synthetic skeleton at 30 deg: abduction 45 read 40.5, flexion 150
    read 153.5, within this bound). A 3D angle then rests on depth:
    ``DEPTH_DEG sin(obliqueness)``.
``estimates``
    The disagreement of the 2D and 3D estimates of the same angle where the view
    supports both (a square view, where they should agree): :data:`DISAGREEMENT_2D`
    (:data:`DISAGREEMENT_3D`) times ``|2D - 3D|`` for a 2D (3D) value; at least one of
    them is that far off. Elsewhere the view explains it (the 2D value is foreshortened).
``repetitions``
    The spread of the repetition peaks: ``SD / sqrt(n)`` for two or more repetitions.
``spread``
    For a posture value (a median over a still period): the SD over that period divided
    by the square root of its length in seconds (sway is correlated within a second).

Calibration (``benchmarks/accuracy.py``, the lab's four views, full and heavy models, 25
angles, every frame with a reference value): the constants maximise the likelihood of
the errors against the reference built from the other three views, under a normal model
with this standard deviation. The errors are heavier-tailed than normal, so the band of
two standard uncertainties covers 94 percent of them (93 percent when each view's
constants are fitted on the other three views: leave one view out) and one standard
uncertainty covers about 80 percent rather than 68. The first guesses (2.8 and 4.2 deg
from the 16-pixel crop shift, which measures reproducibility, not accuracy) covered 49
and 31 percent at one SD. The face-based constant has no reference yet (the lab clips'
faces are pixelated); it is the face-based rotation's median distance to the 2D model on
the outdoor clip, doubled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rom.metrics import catalogue

if TYPE_CHECKING:
    from rom.metrics.series import AngleSeries
    from rom.metrics.support import AngleSupport

__all__ = [
    "BASE_2D_DEG",
    "BASE_3D_DEG",
    "BASE_FACE_DEG",
    "DEPTH_DEG",
    "DISAGREEMENT_2D",
    "DISAGREEMENT_3D",
    "Uncertainty",
    "difference_sd",
    "frame_uncertainty",
    "noise_words",
    "value_uncertainty",
]

#: One SD of a 2D angle seen square-on, degrees (calibrated, see the module docstring).
BASE_2D_DEG = 10.3
#: One SD of a 3D angle seen square-on, degrees (calibrated).
BASE_3D_DEG = 13.9
#: Depth error of a 3D angle whose plane of movement is seen edge-on, degrees (calibrated).
DEPTH_DEG = 17.8
#: One SD of a face-based cervical angle (head pose from the face landmarks), degrees
#: (not calibrated: see the module docstring).
BASE_FACE_DEG = 4.0
#: One SD of a face-based angle's zero when no still neutral was found to zero it on,
#: degrees: the face model's own zero sits 10 to 25 deg off for a given face and camera
#: (measured on the outdoor clip and synthetic heads, README "Known limits"); the middle.
FACE_ZERO_DEG = 17.5
#: Share of the 2D-3D disagreement counted in a 2D value's uncertainty (calibrated).
DISAGREEMENT_2D = 1.6
#: The same for a 3D value (calibrated).
DISAGREEMENT_3D = 0.87


@dataclass(frozen=True)
class Uncertainty:
    """A standard uncertainty (degrees) and the components it was built from."""

    deg: float
    components: dict[str, float] = field(default_factory=dict)


def difference_sd(u_a: float, u_b: float) -> float:
    """Standard uncertainty (one SD, degrees) of the difference of two independent values
    of standard uncertainties ``u_a`` and ``u_b``: ``sqrt(u_a^2 + u_b^2)`` (GUM, JCGM
    100:2008, eq. 10). Its 95 % band is 1.96 times it.

    Examples
    --------
    >>> difference_sd(3.0, 4.0)
    5.0
    """
    return math.sqrt(u_a * u_a + u_b * u_b)


def noise_words(exceeds: bool, band_deg: float | None) -> str:
    """A right-left difference read against its 95 % noise band (degrees; no band said
    when None or 0), in the words ``rom analyze``, the report and compare print.

    Examples
    --------
    >>> noise_words(False, 54.2), noise_words(True, None)
    ('within the measurement noise of +/- 54 deg', 'larger than the measurement noise')
    """
    band = f" of +/- {band_deg:.0f} deg" if band_deg else ""
    return f"{'larger than' if exceeds else 'within'} the measurement noise{band}"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(float(x))


def value_uncertainty(
    *,
    estimate: str,
    value_deg: float,
    obliqueness_deg: float | None = None,
    visibility: float | None = None,
    rep_peaks_deg: Sequence[float | None] = (),
    other_estimate_deg: float | None = None,
    both_estimates_valid: bool = False,
    spread_deg: float | None = None,
    spread_duration_s: float | None = None,
    zero_unknown: bool = False,
) -> Uncertainty:
    """Standard uncertainty of one reported value (see the module docstring).

    Parameters
    ----------
    estimate : {"2d", "3d", "face"}
        Which estimate the value is.
    value_deg : float
        The value (degrees from the anatomical zero, in its direction).
    obliqueness_deg : float, optional
        Angle between the movement's plane and the image plane at the value's frames
        (0 = square to the camera).
    visibility : float, optional
        Lowest MediaPipe visibility (0-1) of the landmarks the value needs, at its frames.
    rep_peaks_deg : sequence of float
        Repetition peaks (degrees; None / NaN ignored).
    other_estimate_deg : float, optional
        The other estimate's value (3D when ``estimate`` is 2D and vice versa).
    both_estimates_valid : bool
        Whether the view supports both estimates (then they should agree, and their
        disagreement counts).
    spread_deg, spread_duration_s : float, optional
        SD (degrees) and length (seconds) of a still period a posture value is the
        median of.
    zero_unknown : bool
        No still neutral was found: a face-based value is measured from the face model's
        own zero, which adds :data:`FACE_ZERO_DEG` (component ``zero``).

    Returns
    -------
    Uncertainty
        ``deg`` rounded to 0.1; NaN when ``value_deg`` is not finite.

    Examples
    --------
    >>> value_uncertainty(estimate="2d", value_deg=150.0).deg
    10.3
    >>> value_uncertainty(
    ...     estimate="3d", value_deg=150.0, other_estimate_deg=140.0, both_estimates_valid=True
    ... ).deg
    16.4
    """
    if estimate not in ("2d", "3d", "face"):
        raise ValueError(f"estimate must be '2d', '3d' or 'face', got {estimate!r}")
    if not _finite(value_deg):
        return Uncertainty(float("nan"))
    parts: dict[str, float] = {}
    base = {"2d": BASE_2D_DEG, "3d": BASE_3D_DEG, "face": BASE_FACE_DEG}[estimate]
    if _finite(visibility):
        base *= 1.0 + 2.0 * (1.0 - min(1.0, max(0.0, float(visibility))))  # type: ignore[arg-type]
    parts["landmarks"] = base
    if _finite(obliqueness_deg):
        theta = math.radians(min(90.0, abs(float(obliqueness_deg))))  # type: ignore[arg-type]
        if estimate == "2d":
            parts["view"] = abs(float(value_deg)) * (1.0 - math.cos(theta))
        elif estimate == "3d":
            parts["view"] = DEPTH_DEG * math.sin(theta)
    peaks = [float(p) for p in rep_peaks_deg if p is not None and math.isfinite(float(p))]
    if len(peaks) >= 2:
        mean = sum(peaks) / len(peaks)
        sd = math.sqrt(sum((p - mean) ** 2 for p in peaks) / (len(peaks) - 1))
        parts["repetitions"] = sd / math.sqrt(len(peaks))
    if both_estimates_valid and _finite(other_estimate_deg) and estimate in ("2d", "3d"):
        share = DISAGREEMENT_2D if estimate == "2d" else DISAGREEMENT_3D
        parts["estimates"] = share * abs(float(value_deg) - float(other_estimate_deg))  # type: ignore[arg-type]
    if zero_unknown and estimate == "face":
        parts["zero"] = FACE_ZERO_DEG
    if _finite(spread_deg):
        seconds = max(1.0, float(spread_duration_s)) if _finite(spread_duration_s) else 1.0  # type: ignore[arg-type]
        parts["spread"] = float(spread_deg) / math.sqrt(seconds)  # type: ignore[arg-type]
    total = math.sqrt(sum(v * v for v in parts.values()))
    return Uncertainty(round(total, 1), {k: round(v, 2) for k, v in parts.items()})


def frame_uncertainty(
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    *,
    base_2d_deg: float | None = None,
    base_3d_deg: float | None = None,
    base_face_deg: float | None = None,
    depth_deg: float | None = None,
    disagreement_2d: float | None = None,
    disagreement_3d: float | None = None,
) -> dict[str, np.ndarray]:
    """Standard uncertainty (degrees) of rom's best value of every angle, frame by frame.

    The same model as :func:`value_uncertainty`, vectorised over frames, for the value
    :func:`rom.metrics.support.best_values` picks in each frame: the landmark term of its
    estimate scaled by the landmarks' visibility, the view term (2D: foreshortening of
    the value; 3D: depth, ``depth_deg sin(obliqueness)``) and the share of the difference
    between the 2D and 3D estimates where the view supports both (the plane within
    ``MAX_2D_OBLIQUENESS_DEG`` of square). The constants default to the
    module's, calibrated on the lab reference (see the module docstring); the keywords
    exist to calibrate them.

    Returns
    -------
    dict
        Catalogue key -> (frames,) uncertainty; NaN where there is no best value.
    """
    from rom.metrics.support import MAX_2D_OBLIQUENESS_DEG, best_values

    b2 = BASE_2D_DEG if base_2d_deg is None else base_2d_deg
    b3 = BASE_3D_DEG if base_3d_deg is None else base_3d_deg
    bf = BASE_FACE_DEG if base_face_deg is None else base_face_deg
    dd = DEPTH_DEG if depth_deg is None else depth_deg
    k2 = DISAGREEMENT_2D if disagreement_2d is None else disagreement_2d
    k3 = DISAGREEMENT_3D if disagreement_3d is None else disagreement_3d
    best, used = best_values(angles, support)
    out: dict[str, np.ndarray] = {}
    for key, which in used.items():
        adef = catalogue.ANGLES[key]
        sup = support[key]
        value = best[f"{key}_deg"]
        vis = np.clip(np.nan_to_num(sup.visibility, nan=1.0), 0.0, 1.0)
        theta = np.radians(np.clip(np.abs(np.nan_to_num(sup.obliqueness_deg)), 0.0, 90.0))
        base = np.select([which == "2d", which == "3d", which == "face"], [b2, b3, bf], np.nan)
        parts = [base * (1.0 + 2.0 * (1.0 - vis))]
        parts.append(
            np.where(which == "2d", np.abs(value) * (1.0 - np.cos(theta)), 0.0)
            + np.where(which == "3d", dd * np.sin(theta), 0.0)
        )
        c2 = adef.column_2d if adef.views else None
        c3 = adef.column_3d if adef.has_3d else None
        if c2 is not None and c3 is not None and c2 in angles and c3 in angles:
            gap = np.abs(angles[c2] - angles[c3])
            share = np.select([which == "2d", which == "3d"], [k2, k3], 0.0)
            both = np.isfinite(gap) & (np.nan_to_num(sup.obliqueness_deg) <= MAX_2D_OBLIQUENESS_DEG)
            parts.append(np.where(both, share * gap, 0.0))
        total = np.sqrt(sum(p * p for p in parts))
        out[key] = np.where(np.isfinite(value), total, np.nan)
    return out
