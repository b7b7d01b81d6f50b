"""Range-of-motion summary of angle traces: neutral, peaks, repetitions, speed, quality.

Pass angles that are already cleaned (:func:`rom.metrics.filtering.filter_angles`): the
peak angular velocity in particular is meaningless on raw, noisy landmarks.

Conventions
-----------
* Angles are in degrees from the catalogue's anatomical zero (e.g. arm hanging along the
  trunk for shoulder flexion), so ``peak_deg`` is the number to compare with clinical
  norms measured by the neutral-zero method. ``excursion_deg`` is the same peak measured
  from the client's own starting (neutral) pose instead, which removes a constant offset
  (camera not square to the client, habitual posture).
* Signed angles (a negative direction exists) get two directions: ``positive`` (the peak
  is the maximum) and ``negative`` (the peak is the minimum, a negative number when the
  movement crosses zero). Unsigned angles (``negative_label`` None, e.g. elbow flexion)
  get the ``positive`` direction only; ``min_deg`` then tells, e.g., an extension deficit.

Neutral pose
------------
Unless ``neutral_deg`` is given, the neutral is the median angle over the longest *still*
stretch within the first ``neutral_window_s`` seconds after the first valid frame. A
stretch is still when every window of ``neutral_min_still_s`` seconds inside it has all
frames valid and a peak-to-peak range of at most ``neutral_tolerance_deg``. A range
criterion is used rather than a speed threshold because differentiating noisy landmark
angles inflates speed. If no still stretch exists (the client moved at once) the neutral
is NaN, ``neutral_source`` is ``"not_found"`` and excursions are NaN; the peaks are still
reported from the anatomical zero.

Repetitions
-----------
A repetition is an excursion of a meaningful share of the movement: a peak found with
:func:`scipy.signal.find_peaks` on each contiguous valid run (never across a gap) whose
prominence is at least the largest of ``prominence_deg`` (10 deg), ``rep_share`` (half)
of the direction's own range in the clip (its peak from the reference below), and
``expected_share`` (15 %) of the expected range (the protocol's normal end of range,
when given), with at least ``min_rep_interval_s`` between peaks. So a 30-degree bump
after two 150-degree raises is not a third raise, while a client whose shoulder only
reaches 40 degrees still has their raises counted. A repetition must also reach
``reference +/- that prominence``, where the reference is the neutral, or the anatomical
zero (0 deg) for signed angles when no neutral was found; this keeps a return to neutral
between two left turns from counting as a right turn. A peak's prominence is read on the
sides of it that were seen (:func:`seen_prominence`): a run that begins part way up a
movement (tracking started late, a gap) does not shrink it. A peak on the first or last
two frames of a run is not a repetition (its shape is unknown) but still counts as the
direction's overall peak, flagged with ``peak_at_edge`` / ``peak_near_gap``
(:func:`peak_edge`: within ``edge_s`` of a run's end, one rule for the clip's ends and
the edges of gaps).

Both sides of a bilateral movement done together count the same repetitions
(:func:`align_bilateral_repetitions`): when most repetition peaks of a left column and
of its right twin coincide in time, the repetitions are the union of both sides' peak
times, and each side's peak at each repetition is its highest value near that time.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import find_peaks, peak_prominences

from rom.errors import RomWarning
from rom.metrics import catalogue
from rom.metrics.filtering import runs, sampling_rate_hz
from rom.metrics.series import AngleSeries

__all__ = [
    "align_bilateral_repetitions",
    "away_from_edges",
    "detect_neutral",
    "peak_edge",
    "seen_prominence",
    "short_label",
    "summarize_angle",
    "summarize_angles",
]

_TOL_S = 1e-9
#: How near (s) a peak may lie to the first or last measured frame, or to a frame
#: without a value, before it counts as at that edge (:func:`peak_edge`): the reach of
#: the low-pass filter's impulse response.
EDGE_S = 0.2
#: A peak whose one side reaches a measured stretch's end is read on its other side only
#: when that side has at least this many frames (a peak on the stretch's first or last
#: frame, or next to it, has no known shape: not a repetition).
_MIN_SEEN_SIDE_FRAMES = 2


def short_label(description: str) -> str:
    """Short direction label from a catalogue description: the text before any bracket.

    Examples
    --------
    >>> short_label("flexion (chin towards chest)")
    'flexion'
    >>> short_label("rotation to the right (chin towards right shoulder)")
    'rotation to the right'
    """
    return re.split(r"\s*\(", description, maxsplit=1)[0].strip()


def detect_neutral(
    values_deg: np.ndarray,
    time_s: np.ndarray,
    *,
    neutral_window_s: float = 1.0,
    neutral_min_still_s: float = 0.5,
    neutral_tolerance_deg: float = 5.0,
) -> tuple[float, float, float]:
    """Neutral angle from the still pose at the start of the clip.

    Parameters
    ----------
    values_deg : ndarray, shape (frames,)
        One angle in degrees; NaN where missing.
    time_s : ndarray, shape (frames,)
        Timestamps in seconds.
    neutral_window_s : float
        Search only the first this-many seconds after the first valid frame.
    neutral_min_still_s : float
        Shortest still stretch accepted, seconds.
    neutral_tolerance_deg : float
        Largest peak-to-peak range (degrees) within any ``neutral_min_still_s`` window of
        a still stretch.

    Returns
    -------
    (neutral_deg, start_s, end_s)
        Median angle over the longest still stretch and the stretch's first and last
        timestamps; all NaN when no still stretch is found.

    Examples
    --------
    >>> t = np.arange(90) / 30
    >>> x = np.where(t < 1.0, 5.0, 5.0 + 60 * (t - 1.0))
    >>> round(detect_neutral(x, t)[0], 6)
    5.0
    """
    x = np.asarray(values_deg, dtype=float)
    t = np.asarray(time_s, dtype=float)
    nan3 = (float("nan"),) * 3
    valid = np.isfinite(x)
    if valid.sum() < 2:
        return nan3
    first = int(np.argmax(valid))
    stop = int(np.searchsorted(t, t[first] + neutral_window_s + _TOL_S, side="right"))
    seg_x, seg_t = x[first:stop], t[first:stop]
    half_dt = 0.5 / sampling_rate_hz(t)
    still = np.zeros(len(seg_x), dtype=bool)
    for i in range(len(seg_x)):
        j = int(np.searchsorted(seg_t, seg_t[i] + neutral_min_still_s + _TOL_S, side="right"))
        j = min(j, len(seg_x)) - 1
        if seg_t[j] - seg_t[i] < neutral_min_still_s - half_dt:
            continue  # window runs past the search window (or over a time jump)
        win = seg_x[i : j + 1]
        if np.all(np.isfinite(win)) and np.ptp(win) <= neutral_tolerance_deg:
            still[i : j + 1] = True
    stretches = runs(still)
    if not stretches:
        return nan3
    a, b = max(stretches, key=lambda r: (seg_t[r[1] - 1] - seg_t[r[0]], -r[0]))
    return float(np.median(seg_x[a:b])), float(seg_t[a]), float(seg_t[b - 1])


def _reps(
    x: np.ndarray,
    t: np.ndarray,
    *,
    sign: int,
    height: float | None,
    prominence_deg: float,
    distance_frames: int,
    edge_frames: int = 1,
) -> tuple[list[float], list[float]]:
    """Repetition peaks (values in degrees, times in s) in one direction, run by run.

    A peak's prominence is read on the sides of it that were seen whole
    (:func:`seen_prominence`), so the count does not depend on where in the first (or
    last) movement the measured stretch happens to begin (or end)."""
    peaks_deg: list[float] = []
    peaks_s: list[float] = []
    for a, b in runs(np.isfinite(x)):
        if b - a < 3:
            continue
        y = sign * x[a:b]
        idx, _ = find_peaks(
            y, height=None if height is None else sign * height, distance=distance_frames
        )
        prom = seen_prominence(y, idx, min_side_frames=edge_frames)
        idx = idx[prom >= prominence_deg]
        peaks_deg += [float(v) for v in x[a:b][idx]]
        peaks_s += [float(v) for v in t[a:b][idx]]
    return peaks_deg, peaks_s


def seen_prominence(y: np.ndarray, peaks: np.ndarray, *, min_side_frames: int = 1) -> np.ndarray:
    """Prominence (same unit as ``y``) of each peak of a measured stretch ``y`` (frames,),
    read on the sides of it that were seen whole.

    The usual prominence (:func:`scipy.signal.peak_prominences`) is the peak's height
    above the higher of its two bases, each base the lowest point between the peak and a
    higher peak or the stretch's end. A side whose lowest point is the stretch's first
    (or last) sample is *open*: the movement was still going when measuring began (or
    stopped), and that point is only where measuring began. Its base is not counted:
    the prominence is the drop on the closed side. Otherwise the count depends on the
    frame tracking starts at: the arm-raise sample clip, tracked from 0.3 s (42 deg, on
    the way up), gives its first raise a prominence of 105 deg; a 70 % resize of it,
    tracked from 0.73 s (145 deg, just below the top at 150), 5 deg; against a 79 deg
    threshold, 2 repetitions became 1. With both sides open, or an open side shorter than
    ``min_side_frames`` (a peak at the stretch's very edge: its shape is unknown), the
    usual prominence stands.

    Examples
    --------
    >>> y = np.array([88.0, 120, 147, 100, 5, 60, 154, 90, 6])   # tracking began mid-raise
    >>> seen_prominence(y, np.array([2, 6])).tolist()
    [142.0, 149.0]
    """
    y = np.asarray(y, dtype=float)
    peaks = np.asarray(peaks, dtype=int)
    if not peaks.size:
        return np.zeros(0)
    usual, left_base, right_base = peak_prominences(y, peaks)
    out = usual.astype(float)
    last = y.size - 1
    for k, i in enumerate(peaks):
        lb, rb = int(left_base[k]), int(right_base[k])
        # open: the side's lowest point is the stretch's end (still going when measuring
        # began or stopped), and the side is long enough to have a shape
        left_open = lb == 0 and y[0] < y[i] and i >= min_side_frames
        right_open = rb == last and y[last] < y[i] and last - i >= min_side_frames
        if left_open != right_open:
            out[k] = y[i] - (y[rb] if left_open else y[lb])
    return out


def held_extremes(x: np.ndarray, hold_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Per frame, the lowest (and highest) value within a window of ``hold_frames``
    frames around it, within each valid run (NaN stays NaN).

    The maximum of the first is the highest value the angle *held* for that long: a
    one-frame landmark glitch cannot set a peak, while a real end of range, where the
    movement turns and the angle is momentarily still, is barely lowered (a 2 s, 90 deg
    sine loses 1.1 deg with a 0.1 s hold).
    """
    hi = np.full_like(x, np.nan, dtype=float)
    lo = np.full_like(x, np.nan, dtype=float)
    for a, b in runs(np.isfinite(x)):
        seg = x[a:b]
        size = min(hold_frames, len(seg))
        hi[a:b] = minimum_filter1d(seg, size, mode="nearest")
        lo[a:b] = maximum_filter1d(seg, size, mode="nearest")
    return hi, lo


def _gaps(valid: np.ndarray, dt: float) -> list[tuple[int, int, float]]:
    """NaN runs as (start, stop, duration_s), duration = missing frames x frame interval."""
    return [(a, b, (b - a) * dt) for a, b in runs(~valid)]


def _nan() -> float:
    return float("nan")


def summarize_angle(
    values_deg: np.ndarray,
    time_s: np.ndarray,
    *,
    positive_label: str,
    negative_label: str | None = None,
    column: str | None = None,
    neutral_deg: float | None = None,
    neutral_window_s: float = 1.0,
    neutral_min_still_s: float = 0.5,
    neutral_tolerance_deg: float = 5.0,
    prominence_deg: float = 10.0,
    rep_share: float = 0.5,
    expected_deg: Mapping[str, float] | None = None,
    expected_share: float = 0.15,
    min_rep_interval_s: float = 1.0,
    peak_hold_s: float = 0.0,
    edge_s: float = EDGE_S,
    max_gap_s: float = 0.25,
    min_valid_fraction: float = 0.5,
    min_valid_frames: int = 10,
) -> dict[str, Any]:
    """ROM summary of one angle trace.

    Parameters
    ----------
    values_deg : ndarray, shape (frames,)
        Filtered angle in degrees; NaN where missing.
    time_s : ndarray, shape (frames,)
        Timestamps in seconds, strictly increasing.
    positive_label, negative_label : str
        Descriptions of the positive / negative direction (catalogue text is fine; a
        short label is derived with :func:`short_label`). ``negative_label=None`` marks
        an unsigned angle.
    column : str, optional
        Column name, copied into the result.
    neutral_deg : float, optional
        Neutral angle in degrees; detected from the start of the clip when omitted
        (see the module docstring and :func:`detect_neutral`).
    neutral_window_s, neutral_min_still_s, neutral_tolerance_deg : float
        Neutral detection settings (seconds, seconds, degrees).
    prominence_deg : float
        Smallest prominence (degrees) of a repetition peak; also the smallest excursion
        for a direction to count as ``performed``.
    rep_share : float
        A repetition's prominence must also reach this share of the direction's own
        range in the clip (its peak from the reference).
    expected_deg : mapping of str to float, optional
        Expected end of range per direction (``"positive"`` / ``"negative"``, degrees of
        magnitude), e.g. a protocol's normal value.
    expected_share : float
        A repetition's prominence must also reach this share of ``expected_deg``.
    min_rep_interval_s : float
        Smallest time between two repetition peaks of one direction, seconds.
    peak_hold_s : float
        A peak is the extreme value held for at least this long (seconds; see
        :func:`held_extremes`); 0 (the default) takes the single most extreme frame of
        the filtered signal. A hold shrugs off one-frame glitches but, counted in whole
        frames, lowers sharp peaks more at high frame rates than at low ones.
    edge_s : float
        A peak within this many seconds of the first / last valid frame is flagged
        ``peak_at_edge``; a missing frame within this many seconds of a peak flags
        ``peak_near_gap``.
    max_gap_s : float
        Gaps of missing frames longer than this (seconds) are counted as large.
    min_valid_fraction : float
        Below this fraction of valid frames, ``quality["too_few_valid"]`` is set.
    min_valid_frames : int
        Below this many valid frames, ``quality["too_few_valid"]`` is set.

    Returns
    -------
    dict
        Keys ``column, signed, n_frames, duration_s, neutral_deg, neutral_source,
        neutral_start_s, neutral_end_s, min_deg, min_time_s, max_deg, max_time_s,
        arc_deg, median_deg, peak_velocity_deg_s, peak_velocity_time_s, directions, quality,
        warnings``; ``directions`` maps ``"positive"`` (and ``"negative"`` for signed
        angles) to ``label, description, peak_deg, peak_time_s, excursion_deg,
        performed, n_reps, rep_peaks_deg, rep_times_s, rep_mean_deg, rep_sd_deg,
        rep_prominence_deg, peak_at_edge, peak_near_gap, peak_edge`` (``peak_edge``: the
        clip's ``"start"`` or ``"end"``, a ``"gap"``, or None; :func:`peak_edge`). Missing
        numbers are NaN, never None.

    Examples
    --------
    >>> t = np.arange(0, 6, 1 / 30)
    >>> x = np.where(t < 1, 0.0, 90 * np.sin(np.pi * (t - 1) / 5) ** 2)
    >>> s = summarize_angle(x, t, positive_label="flexion", negative_label="extension")
    >>> round(s["directions"]["positive"]["peak_deg"]), s["directions"]["positive"]["n_reps"]
    (90, 1)
    """
    x = np.asarray(values_deg, dtype=float)
    t = np.asarray(time_s, dtype=float)
    if x.ndim != 1 or t.shape != x.shape:
        raise ValueError(
            f"values_deg and time_s must both have shape (frames,), got {x.shape} and {t.shape}"
        )
    signed = negative_label is not None
    valid = np.isfinite(x)
    n, n_valid = len(x), int(valid.sum())
    notes: list[str] = []

    dt = 1.0 / sampling_rate_hz(t) if n >= 2 else _nan()
    vf = n_valid / n if n else 0.0
    gaps = _gaps(valid, dt) if n >= 2 else []
    large = [g for g in gaps if g[2] > max_gap_s + _TOL_S]
    quality: dict[str, Any] = {
        "n_valid": n_valid,
        "valid_fraction": vf,
        "too_few_valid": vf < min_valid_fraction or n_valid < min_valid_frames,
        "n_large_gaps": len(large),
        "longest_gap_s": max((g[2] for g in gaps), default=0.0),
        "missing_at_start_s": gaps[0][2] if gaps and gaps[0][0] == 0 else 0.0,
        "missing_at_end_s": gaps[-1][2] if gaps and gaps[-1][1] == n else 0.0,
        "neutral_found": False,
        "peak_at_edge": False,
        "peak_near_gap": False,
    }
    if quality["too_few_valid"]:
        notes.append(f"only {n_valid} of {n} frames ({vf:.0%}) have a valid angle")
    if large:
        stretches = "1 stretch" if len(large) == 1 else f"{len(large)} stretches"
        notes.append(
            f"no value over {stretches} of frames longer than {max_gap_s:g} s "
            f"(longest {max(g[2] for g in large):.2f} s)"
        )

    # --- neutral -----------------------------------------------------------------------
    if neutral_deg is not None:
        neutral, n_start, n_end, source = float(neutral_deg), _nan(), _nan(), "given"
    elif n_valid >= 2:
        neutral, n_start, n_end = detect_neutral(
            x,
            t,
            neutral_window_s=neutral_window_s,
            neutral_min_still_s=neutral_min_still_s,
            neutral_tolerance_deg=neutral_tolerance_deg,
        )
        source = "detected" if np.isfinite(neutral) else "not_found"
    else:
        neutral, n_start, n_end, source = _nan(), _nan(), _nan(), "not_found"
    quality["neutral_found"] = source != "not_found"
    if source == "not_found" and n_valid >= 2:
        notes.append(
            f"no still neutral pose in the first {neutral_window_s:g} s: peaks are from the "
            "anatomical zero, excursions from neutral unavailable"
        )

    # --- extremes and speed ---------------------------------------------------------------
    if n_valid:
        hold = max(1, round(peak_hold_s / dt)) if n >= 2 else 1
        hi, lo = held_extremes(x, hold)
        if np.nanmin(lo) > np.nanmax(hi):  # no value held that long (too short, jittery)
            hi, lo = x, x
        i_max, i_min = int(np.nanargmax(hi)), int(np.nanargmin(lo))
        max_deg, min_deg = float(hi[i_max]), float(lo[i_min])
        max_t, min_t = float(t[i_max]), float(t[i_min])
    else:
        i_max = i_min = -1
        max_deg = min_deg = max_t = min_t = _nan()
    vel_deg_s, vel_t = _nan(), _nan()
    if n >= 2:
        speed = np.full(n, np.nan)
        for a, b in runs(valid):  # within each measured run, never across a gap
            if b - a >= 2:
                speed[a:b] = np.abs(np.gradient(x[a:b], t[a:b]))
        if np.isfinite(speed).any():
            i_v = int(np.nanargmax(speed))
            vel_deg_s, vel_t = float(speed[i_v]), float(t[i_v])

    # --- directions ---------------------------------------------------------------------
    if np.isfinite(neutral):
        ref: float | None = neutral
    else:
        ref = 0.0 if signed else None
    distance = max(1, round(min_rep_interval_s / dt)) if n >= 2 else 1

    directions: dict[str, dict[str, Any]] = {}
    labels = {"positive": positive_label, "negative": negative_label}
    for key, sign in (("positive", 1), ("negative", -1)):
        description = labels[key]
        if description is None:
            continue
        peak, peak_t = (max_deg, max_t) if sign > 0 else (min_deg, min_t)
        excursion = sign * (peak - neutral) if np.isfinite(neutral) else _nan()
        base = ref if ref is not None else min_deg
        own = sign * (peak - base) if n_valid else _nan()
        performed = bool(n_valid) and own >= prominence_deg
        expected = (expected_deg or {}).get(key)
        rep_prominence = max(
            prominence_deg,
            rep_share * own if np.isfinite(own) else 0.0,
            expected_share * float(expected) if expected else 0.0,
        )
        rep_deg: list[float] = []
        rep_s: list[float] = []
        if n_valid >= 3:
            rep_deg, rep_s = _reps(
                hi if sign > 0 else lo,  # held values, like the direction's peak
                t,
                sign=sign,
                height=None if ref is None else ref + sign * rep_prominence,
                prominence_deg=rep_prominence,
                distance_frames=distance,
                edge_frames=_MIN_SEEN_SIDE_FRAMES,
            )
        edge = peak_edge(valid, t, peak_t, edge_s) if n_valid else None
        at_edge = edge in ("start", "end")
        near_gap = edge == "gap"
        label = short_label(description)
        if performed and at_edge:
            notes.append(f"{label} peak at the start or end of the clip: it may be cut off")
        if performed and near_gap:
            notes.append(
                f"{label} peak next to frames without a value (not measured, or left out): "
                "the client may have moved further while not measured"
            )
        quality["peak_at_edge"] |= performed and at_edge
        quality["peak_near_gap"] |= performed and near_gap
        directions[key] = {
            "label": label,
            "description": description,
            "peak_deg": peak,
            "peak_time_s": peak_t,
            "excursion_deg": excursion,
            "performed": performed,
            "n_reps": len(rep_deg),
            "rep_peaks_deg": rep_deg,
            "rep_times_s": rep_s,
            "rep_mean_deg": float(np.mean(rep_deg)) if rep_deg else _nan(),
            "rep_sd_deg": float(np.std(rep_deg, ddof=1)) if len(rep_deg) >= 2 else _nan(),
            "rep_prominence_deg": rep_prominence,
            "peak_at_edge": at_edge,
            "peak_near_gap": near_gap,
            "peak_edge": edge,
        }

    return {
        "column": column,
        "signed": signed,
        "n_frames": n,
        "duration_s": float(t[-1] - t[0]) if n else 0.0,
        "neutral_deg": neutral,
        "neutral_source": source,
        "neutral_start_s": n_start,
        "neutral_end_s": n_end,
        "min_deg": min_deg,
        "min_time_s": min_t,
        "max_deg": max_deg,
        "max_time_s": max_t,
        "arc_deg": max_deg - min_deg,
        "median_deg": float(np.median(x[valid])) if n_valid else _nan(),
        "peak_velocity_deg_s": vel_deg_s,
        "peak_velocity_time_s": vel_t,
        "directions": directions,
        "quality": quality,
        "warnings": notes,
    }


def peak_edge(valid: np.ndarray, time_s: np.ndarray, peak_t: float, edge_s: float) -> str | None:
    """Where a peak at ``peak_t`` (s) lies against the ends of the measured stretches, by
    one rule for the clip's ends and the edges of gaps: within ``edge_s`` seconds of the
    first measured frame (``"start"``: the start of what was measured), of the last
    (``"end"``), or of a frame without a value between them (``"gap"``: not measured, or
    left out); else None. ``valid`` (frames,) bool: frames with a value. The default
    0.2 s is the reach of the low-pass filter's impulse response (a 4th-order 6 Hz
    Butterworth run forwards and backwards stays above 5 % of its peak for 0.2 s at 30
    fps, 0.15 s at 60).

    The low-pass filter and the outlier window have no context on the far side of such a
    frame (the filter runs on each measured stretch alone), and the movement may go on
    where nothing was measured: such a peak may be cut off or an artefact of the edge.

    Examples
    --------
    >>> t = np.arange(10) / 10
    >>> v = np.r_[[True] * 5, False, [True] * 4]
    >>> [peak_edge(v, t, x, 0.15) for x in (0.1, 0.3, 0.4, 0.9)]
    ['start', None, 'gap', 'end']
    """
    v = np.asarray(valid, dtype=bool)
    t = np.asarray(time_s, dtype=float)
    if not v.any() or not np.isfinite(peak_t):
        return None
    near = edge_s + _TOL_S
    if peak_t - float(t[v][0]) <= near:
        return "start"
    if float(t[v][-1]) - peak_t <= near:
        return "end"
    if np.any(np.abs(t[~v] - peak_t) <= near):
        return "gap"
    return None


def away_from_edges(valid: np.ndarray, time_s: np.ndarray, edge_s: float = EDGE_S) -> np.ndarray:
    """Frames (bool, shape (frames,)) with a value whose peak would not lie at an edge by
    :func:`peak_edge`'s rule (farther than ``edge_s`` from the first and last measured
    frames and from every frame without a value): where a peak is seen whole.

    Examples
    --------
    >>> t = np.arange(10) / 10
    >>> v = np.r_[[True] * 5, False, [True] * 4]
    >>> np.flatnonzero(away_from_edges(v, t, 0.15)).tolist()
    [2, 3, 7]
    """
    v = np.asarray(valid, dtype=bool)
    t = np.asarray(time_s, dtype=float)
    out = np.zeros(v.shape, dtype=bool)
    if not v.any():
        return out
    near = edge_s + _TOL_S
    out = v & (t - float(t[v][0]) > near) & (float(t[v][-1]) - t > near)
    gaps = np.sort(t[~v])
    if gaps.size:
        i = np.searchsorted(gaps, t)
        before = np.abs(t - gaps[np.clip(i - 1, 0, gaps.size - 1)])
        after = np.abs(gaps[np.clip(i, 0, gaps.size - 1)] - t)
        out &= np.minimum(before, after) > near
    return out


def summarize_angles(
    angles: AngleSeries,
    *,
    neutral_deg: Mapping[str, float] | None = None,
    expected_deg: Mapping[str, Mapping[str, float]] | None = None,
    bilateral: bool = True,
    **settings: Any,
) -> dict[str, dict[str, Any]]:
    """ROM summary of every column of ``angles``, keyed by column name.

    Direction labels come from :func:`rom.metrics.catalogue.angle_def`; a column not in
    the catalogue is summarised as a signed angle labelled ``positive`` / ``negative``
    with a :class:`~rom.errors.RomWarning`.

    Parameters
    ----------
    angles : AngleSeries
        Filtered angles in degrees.
    neutral_deg : mapping of str to float, optional
        Known neutral angles (degrees) by column; the others are detected.
    expected_deg : mapping of str to mapping, optional
        Expected end of range by column and direction (see :func:`summarize_angle`).
    bilateral : bool
        Align the repetitions of left/right twins moved together
        (:func:`align_bilateral_repetitions`).
    **settings
        Keyword settings of :func:`summarize_angle` (``prominence_deg``,
        ``min_rep_interval_s``, ``neutral_window_s``...).

    Returns
    -------
    dict of str to dict
        One :func:`summarize_angle` result per column, in column order.

    Examples
    --------
    >>> t = np.arange(60) / 30
    >>> a = AngleSeries(t, ("elbow_flexion_left_deg",), np.full((60, 1), 10.0))
    >>> summarize_angles(a)["elbow_flexion_left_deg"]["directions"]["positive"]["label"]
    'flexion'
    """
    given = dict(neutral_deg or {})
    unknown = set(given) - set(angles.names)
    if unknown:
        raise ValueError(f"neutral_deg names columns not in angles: {', '.join(sorted(unknown))}")
    out: dict[str, dict[str, Any]] = {}
    for name in angles.names:
        try:
            definition = catalogue.angle_def(name)
            pos, neg = definition.positive, definition.negative
        except KeyError:
            warnings.warn(
                f"{name} is not in the angle catalogue: summarised as a signed angle",
                RomWarning,
                stacklevel=2,
            )
            pos, neg = "positive", "negative"
        out[name] = summarize_angle(
            angles[name],
            angles.time_s,
            positive_label=pos,
            negative_label=neg,
            column=name,
            neutral_deg=given.get(name),
            expected_deg=(expected_deg or {}).get(name),
            **settings,
        )
    if bilateral:
        tolerance_s = 0.5 * float(settings.get("min_rep_interval_s", 1.0))
        for name in angles.names:
            twin = name.replace("_left_", "_right_")
            if "_left_" in name and twin in out:
                out[name], out[twin] = align_bilateral_repetitions(
                    out[name],
                    out[twin],
                    angles[name],
                    angles[twin],
                    angles.time_s,
                    tolerance_s=tolerance_s,
                )
    return out


def _side_peak_near(x: np.ndarray, t: np.ndarray, t0: float, sign: int, tol: float) -> float:
    near = (np.abs(t - t0) <= tol + _TOL_S) & np.isfinite(x)
    if not near.any():
        return _nan()
    return float(np.max(x[near])) if sign > 0 else float(np.min(x[near]))


def align_bilateral_repetitions(
    left: dict[str, Any],
    right: dict[str, Any],
    left_deg: np.ndarray,
    right_deg: np.ndarray,
    time_s: np.ndarray,
    *,
    tolerance_s: float = 0.5,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Give both sides of a movement done with both limbs together the same repetitions.

    For each direction, the two sides' repetition peaks are matched in time (within
    ``tolerance_s``). When at least half of the peaks of the side with more of them have
    a partner, the movement was done together: the repetitions become the union of both
    sides' peak times (merged within ``tolerance_s``), and each side's peak at each
    repetition is its most extreme value within ``tolerance_s`` of that time (NaN where
    it was not measured). Otherwise (one arm after the other, or one side only) the
    summaries are returned unchanged. Aligned directions get ``"bilateral": "together"``.

    Parameters
    ----------
    left, right : dict
        :func:`summarize_angle` results of a left column and its right twin.
    left_deg, right_deg : ndarray, shape (frames,)
        The two angle traces (degrees) the summaries were made from.
    time_s : ndarray, shape (frames,)
        Timestamps, seconds.
    tolerance_s : float
        Largest time between the two sides' peaks of one repetition, seconds.

    Returns
    -------
    (left, right)
        New summaries (the inputs are not changed).
    """
    t = np.asarray(time_s, dtype=float)
    left = {**left, "directions": {k: dict(v) for k, v in left["directions"].items()}}
    right = {**right, "directions": {k: dict(v) for k, v in right["directions"].items()}}
    for key, sign in (("positive", 1), ("negative", -1)):
        if key not in left["directions"] or key not in right["directions"]:
            continue
        dl, dr = left["directions"][key], right["directions"][key]
        tl, tr = list(dl["rep_times_s"]), list(dr["rep_times_s"])
        if not tl or not tr:
            continue
        matched = sum(1 for a in tl if any(abs(a - b) <= tolerance_s + _TOL_S for b in tr))
        if matched < 0.5 * max(len(tl), len(tr)):
            continue
        events: list[float] = []
        for time in sorted(tl + tr):
            if events and time - events[-1] <= tolerance_s + _TOL_S:
                continue
            events.append(time)
        for d, x in ((dl, left_deg), (dr, right_deg)):
            peaks = [
                _side_peak_near(np.asarray(x, dtype=float), t, e, sign, tolerance_s) for e in events
            ]
            seen = [p for p in peaks if np.isfinite(p)]
            d.update(
                n_reps=len(events),
                rep_peaks_deg=peaks,
                rep_times_s=events,
                rep_mean_deg=float(np.mean(seen)) if seen else _nan(),
                rep_sd_deg=float(np.std(seen, ddof=1)) if len(seen) >= 2 else _nan(),
                bilateral="together",
            )
    return left, right
