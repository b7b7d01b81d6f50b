"""How certain a reported value is: a standard uncertainty in degrees, from a simple model.

Every value in ``results`` (:mod:`rom.metrics.results`) carries ``uncertainty_deg``: the
standard uncertainty (one standard deviation, degrees) of that value as a measure of the
client, for this clip. It combines independent components in quadrature
(``sqrt(sum of squares)``), each from evidence the clip itself gives:

``landmarks``
    MediaPipe's frame-to-frame reproducibility of a peak. Measured on the real clips by
    moving the frame's crop by 16 pixels, which must change nothing (README, Accuracy):
    90 % of 2D peaks moved by less than 4.4-4.8 deg, so one SD is about 4.6 / 1.645 =
    2.8 deg (:data:`BASE_2D_DEG`). The 3D estimate has no such measurement yet; MediaPipe's
    depth is coarser, so it is taken as 1.5 times larger (:data:`BASE_3D_DEG`, an
    assumption to be replaced by a multi-view reference). Scaled up where the landmarks'
    visibility at the value's frames is low: ``x (1 + 2 (1 - visibility))``.
``view``
    The plane of the movement turned away from the camera by ``obliqueness_deg``. A 2D
    angle is foreshortened: the error grows like ``|value| (1 - cos(obliqueness))``
    (measured on the synthetic skeleton at 30 deg: abduction 45 read 40.5, flexion 150
    read 153.5, within this bound). A 3D angle then rests on depth:
    ``DEPTH_DEG sin(obliqueness)``.
``repetitions``
    The spread of the repetition peaks: ``SD / sqrt(n)`` for two or more repetitions
    (the reported value is the largest, so this is a lower bound on how far it may sit
    from the client's typical end of range).
``estimates``
    Half the disagreement of the 2D and 3D estimates, counted only when the view supports
    both (a square view), where they should agree.
``spread``
    For a posture value (a median over a still period): the SD over that period divided
    by the square root of its length in seconds (sway is correlated within a second).

The model is deliberately small and its interface narrow (:func:`value_uncertainty`), so
that its constants can be calibrated against a multi-view reference without touching its
callers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "BASE_2D_DEG",
    "BASE_3D_DEG",
    "DEPTH_DEG",
    "Uncertainty",
    "value_uncertainty",
]

#: One SD of a 2D peak's frame-to-frame reproducibility, degrees (see module docstring).
BASE_2D_DEG = 2.8
#: The same for a 3D peak, degrees (assumed 1.5 x the 2D value).
BASE_3D_DEG = 4.2
#: Depth error of a 3D angle whose plane of movement is seen edge-on, degrees.
DEPTH_DEG = 10.0


@dataclass(frozen=True)
class Uncertainty:
    """A standard uncertainty (degrees) and the components it was built from."""

    deg: float
    components: dict[str, float] = field(default_factory=dict)


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
) -> Uncertainty:
    """Standard uncertainty of one reported value (see the module docstring).

    Parameters
    ----------
    estimate : {"2d", "3d"}
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
        Whether the view supports both estimates (then they should agree).
    spread_deg, spread_duration_s : float, optional
        SD (degrees) and length (seconds) of a still period a posture value is the
        median of.

    Returns
    -------
    Uncertainty
        ``deg`` rounded to 0.1; NaN when ``value_deg`` is not finite.

    Examples
    --------
    >>> value_uncertainty(estimate="2d", value_deg=150.0).deg
    2.8
    >>> value_uncertainty(estimate="2d", value_deg=150.0, rep_peaks_deg=[150, 140]).deg
    5.7
    """
    if estimate not in ("2d", "3d"):
        raise ValueError(f"estimate must be '2d' or '3d', got {estimate!r}")
    if not _finite(value_deg):
        return Uncertainty(float("nan"))
    parts: dict[str, float] = {}
    base = BASE_2D_DEG if estimate == "2d" else BASE_3D_DEG
    if _finite(visibility):
        base *= 1.0 + 2.0 * (1.0 - min(1.0, max(0.0, float(visibility))))  # type: ignore[arg-type]
    parts["landmarks"] = base
    if _finite(obliqueness_deg):
        theta = math.radians(min(90.0, abs(float(obliqueness_deg))))  # type: ignore[arg-type]
        if estimate == "2d":
            parts["view"] = abs(float(value_deg)) * (1.0 - math.cos(theta))
        else:
            parts["view"] = DEPTH_DEG * math.sin(theta)
    peaks = [float(p) for p in rep_peaks_deg if p is not None and math.isfinite(float(p))]
    if len(peaks) >= 2:
        mean = sum(peaks) / len(peaks)
        sd = math.sqrt(sum((p - mean) ** 2 for p in peaks) / (len(peaks) - 1))
        parts["repetitions"] = sd / math.sqrt(len(peaks))
    if both_estimates_valid and _finite(other_estimate_deg):
        parts["estimates"] = 0.5 * abs(float(value_deg) - float(other_estimate_deg))  # type: ignore[arg-type]
    if _finite(spread_deg):
        seconds = max(1.0, float(spread_duration_s)) if _finite(spread_duration_s) else 1.0  # type: ignore[arg-type]
        parts["spread"] = float(spread_deg) / math.sqrt(seconds)  # type: ignore[arg-type]
    total = math.sqrt(sum(v * v for v in parts.values()))
    return Uncertainty(round(total, 1), {k: round(v, 2) for k, v in parts.items()})
