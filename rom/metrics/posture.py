"""Static posture: one value per posture measure from a clip of a client standing still.

A posture value is the median of the angle over the clip's longest *still period*, and
its spread the standard deviation there. A frame is still when every posture angle
varies by at most ``still_tolerance_deg`` peak to peak over a ``still_window_s`` window
around it; the still period is the longest run of still frames. Without a still period of
at least ``min_still_s`` seconds there is no posture value (NaN): the extremes of a clip
in which the client moves are not their posture. Signs follow the catalogue: positive
tilts mean the right side is lower, a positive lateral flexion a lean to the right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rom.metrics.filtering import runs
from rom.metrics.series import AngleSeries

__all__ = ["MIN_STILL_S", "POSTURE_ANGLES", "compute_posture", "still_period"]

#: Catalogue names summarised by :func:`compute_posture`.
POSTURE_ANGLES = (
    "head_tilt",
    "shoulder_tilt",
    "pelvic_tilt",
    "trunk_lateral_flexion",
    "craniovertebral",
)

#: Shortest still period (seconds) a posture value is taken from by default.
MIN_STILL_S = 5.0


def still_period(
    time_s: np.ndarray,
    columns: list[np.ndarray],
    *,
    window_s: float = 1.0,
    tolerance_deg: float = 3.0,
) -> tuple[int, int, float] | None:
    """The longest run of still frames, as ``(start, stop, duration_s)``, or None.

    Parameters
    ----------
    time_s : ndarray, shape (frames,)
        Timestamps, seconds.
    columns : list of ndarray, shape (frames,)
        Angles (degrees) that must all be still; NaN where missing (a frame where none
        is measured is not still).
    window_s : float
        Width of the centred window (seconds) a frame's stillness is judged over.
    tolerance_deg : float
        Largest peak-to-peak range (degrees) of every column within the window.

    Returns
    -------
    (start, stop, duration_s) or None
        Frame slice ``start:stop`` and its length in seconds (frames x frame interval).

    Examples
    --------
    >>> t = np.arange(60) / 10
    >>> x = np.r_[np.linspace(0, 30, 20), np.full(40, 30.0)]
    >>> still_period(t, [x])[2] > 3.0
    True
    """
    t = np.asarray(time_s, dtype=float)
    if t.size < 2:
        return None
    still = _still_frames(t, columns, window_s, tolerance_deg)
    spans = runs(still)
    if not spans:
        return None
    dt = float(np.median(np.diff(t)))
    a, b = max(spans, key=lambda r: (r[1] - r[0], -r[0]))
    return a, b, (b - a) * dt


def compute_posture(
    angles: AngleSeries,
    *,
    use_3d: bool = False,
    still_window_s: float = 1.0,
    still_tolerance_deg: float = 3.0,
    min_still_s: float = MIN_STILL_S,
) -> dict[str, Any]:
    """Static posture summary of a clip.

    Parameters
    ----------
    angles : AngleSeries
        Output of :func:`rom.metrics.angles.compute_angles` (ideally filtered).
    use_3d : bool
        Use the ``*_3d_deg`` columns where they exist (the craniovertebral angle is 2D
        only). Default: the 2D columns, the usual choice for a posture photo.
    still_window_s : float
        Width of the window (seconds) used to decide whether a frame is still.
    still_tolerance_deg : float
        Largest peak-to-peak range (degrees) of every posture angle within the window
        for the frame to count as still.
    min_still_s : float
        Shortest still period (seconds) a value is taken from; shorter: no values.

    Returns
    -------
    dict
        ``<name>_deg`` for each of :data:`POSTURE_ANGLES` (median over the still
        period, degrees; NaN when not measured or without a still period),
        ``<name>_sd_deg`` (its SD there), ``shoulder_height_difference_pct`` (right
        shoulder lower than the left, in percent of the horizontal shoulder width:
        ``100 * tan(shoulder_tilt)``), ``source`` (``"2d"`` / ``"3d"``), ``frames_used``
        (``"still"`` or ``"none"``), ``n_frames_used``, ``still_start_s`` and
        ``still_s`` (start and length of the longest still period, seconds; 0 when
        there is none).

    Examples
    --------
    >>> t = np.arange(60) / 10
    >>> a = AngleSeries.from_dict(t, {"shoulder_tilt_deg": np.full(60, 45.0)})
    >>> round(compute_posture(a)["shoulder_height_difference_pct"], 6)
    100.0
    """
    if not isinstance(angles, AngleSeries):
        raise TypeError(f"compute_posture needs an AngleSeries, got {type(angles).__name__}")
    cols: dict[str, np.ndarray] = {}
    n = len(angles.time_s)
    for name in POSTURE_ANGLES:
        col = f"{name}_3d_deg" if use_3d and f"{name}_3d_deg" in angles else f"{name}_deg"
        cols[name] = angles[col] if col in angles else np.full(n, np.nan)
    period = still_period(
        angles.time_s,
        list(cols.values()),
        window_s=still_window_s,
        tolerance_deg=still_tolerance_deg,
    )
    use = np.zeros(n, dtype=bool)
    if period is not None and period[2] >= min_still_s - 1e-9:
        use[period[0] : period[1]] = True
    out: dict[str, Any] = {}
    for name, x in cols.items():
        v = x[use & np.isfinite(x)]
        out[f"{name}_deg"] = float(np.median(v)) if v.size else float("nan")
        out[f"{name}_sd_deg"] = float(np.std(v, ddof=1)) if v.size >= 2 else float("nan")
    tilt = out["shoulder_tilt_deg"]
    out["shoulder_height_difference_pct"] = float(100.0 * np.tan(np.radians(tilt)))
    out["source"] = "3d" if use_3d else "2d"
    out["frames_used"] = "still" if use.any() else "none"
    measured = np.isfinite(np.column_stack(list(cols.values()))).any(axis=1) if n else use
    out["n_frames_used"] = int((use & measured).sum())
    out["still_start_s"] = float(angles.time_s[period[0]]) if period else float("nan")
    out["still_s"] = float(period[2]) if period else 0.0
    return out


def _still_frames(
    time_s: np.ndarray, columns: list[np.ndarray], window_s: float, tolerance_deg: float
) -> np.ndarray:
    """Boolean (frames,): every measured column varies by <= tolerance around the frame."""
    t = np.asarray(time_s, dtype=float)
    data = np.column_stack(columns) if columns else np.empty((t.size, 0))
    measured = np.isfinite(data).any(axis=0)
    data = data[:, measured]
    lo = np.searchsorted(t, t - window_s / 2, side="left")
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    still = np.zeros(t.size, dtype=bool)
    for i in range(t.size):
        if data.shape[1] == 0 or not np.isfinite(data[i]).any():
            continue
        win = data[lo[i] : hi[i]]
        ok = np.isfinite(win)
        spans = [np.ptp(win[ok[:, j], j]) for j in range(win.shape[1]) if ok[:, j].any()]
        still[i] = bool(spans) and max(spans) <= tolerance_deg
    return still
