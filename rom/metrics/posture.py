"""Static posture: one value per posture measure from a clip of a client standing still.

Each value is the median over the clip's *still* frames (every posture angle within
``still_tolerance_deg`` peak-to-peak over a ``still_window_s`` window around the frame),
or over all frames when fewer than ``min_still_frames`` are still. Signs follow the
catalogue: positive tilts mean the right side is lower, a positive lateral flexion a
lean to the right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rom.metrics.series import AngleSeries

__all__ = ["POSTURE_ANGLES", "compute_posture"]

#: Catalogue names summarised by :func:`compute_posture`.
POSTURE_ANGLES = (
    "head_tilt",
    "shoulder_tilt",
    "pelvic_tilt",
    "trunk_lateral_flexion",
    "craniovertebral",
)


def compute_posture(
    angles: AngleSeries,
    *,
    use_3d: bool = False,
    still_window_s: float = 1.0,
    still_tolerance_deg: float = 3.0,
    min_still_frames: int = 5,
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
    min_still_frames : int
        Fewer still frames than this: use all frames.

    Returns
    -------
    dict
        ``<name>_deg`` for each of :data:`POSTURE_ANGLES` (median, degrees; NaN when not
        measured), ``shoulder_height_difference_pct`` (right shoulder lower than the left,
        in percent of the horizontal shoulder width: ``100 * tan(shoulder_tilt)``),
        ``source`` (``"2d"`` / ``"3d"``), ``frames_used`` (``"still"`` / ``"all"``) and
        ``n_frames_used`` (frames used where at least one posture angle was measured).

    Examples
    --------
    >>> t = np.arange(10) / 10
    >>> a = AngleSeries.from_dict(t, {"shoulder_tilt_deg": np.full(10, 45.0)})
    >>> round(compute_posture(a)["shoulder_height_difference_pct"], 6)
    100.0
    """
    if not isinstance(angles, AngleSeries):
        raise TypeError(f"compute_posture needs an AngleSeries, got {type(angles).__name__}")
    cols: dict[str, np.ndarray] = {}
    for name in POSTURE_ANGLES:
        col = f"{name}_3d_deg" if use_3d and f"{name}_3d_deg" in angles else f"{name}_deg"
        n = len(angles.time_s)
        cols[name] = angles[col] if col in angles else np.full(n, np.nan)
    still = _still_frames(angles.time_s, list(cols.values()), still_window_s, still_tolerance_deg)
    use = still if still.sum() >= min_still_frames else np.ones_like(still)
    out: dict[str, Any] = {}
    for name, x in cols.items():
        v = x[use & np.isfinite(x)]
        out[f"{name}_deg"] = float(np.median(v)) if v.size else float("nan")
    tilt = out["shoulder_tilt_deg"]
    out["shoulder_height_difference_pct"] = float(100.0 * np.tan(np.radians(tilt)))
    out["source"] = "3d" if use_3d else "2d"
    out["frames_used"] = "still" if use is still else "all"
    measured = np.isfinite(np.column_stack(list(cols.values()))).any(axis=1)
    out["n_frames_used"] = int((use & measured).sum())
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
