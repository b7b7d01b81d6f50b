"""Cleaning angle time series: outlier rejection, gap filling and a zero-lag low-pass.

Every function takes arrays whose first axis is time (``(frames,)`` or ``(frames, ...)``)
and returns a new array of the same shape; NaN marks a missing sample. Nothing is ever
filtered across a gap: gaps longer than ``max_gap_s`` stay NaN and split the signal into
runs that are low-pass filtered separately, so missing data stays missing.

:func:`filter_angles` chains the stages on an :class:`~rom.metrics.series.AngleSeries`:
Hampel outlier rejection, then rejection of samples at the edges of gaps and of the clip
that disagree with their neighbourhood (:func:`gap_edge_outlier_mask`: the Hampel window
has no context there, and a landmark that is about to be lost or has just been found is
often wrong),
then linear interpolation of short gaps, then a zero-lag Butterworth low-pass.
:func:`filter_angles_with_report` also says, per column, what was removed. Angles are expected to be continuous (already unwrapped); nothing
here wraps them back into +-180 degrees.
"""

from __future__ import annotations

import bisect
import functools
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

from rom.errors import ConfigError, RomWarning
from rom.metrics.series import AngleSeries

__all__ = [
    "FilterReport",
    "FilterSettings",
    "filter_angles",
    "filter_angles_with_report",
    "gap_edge_outlier_mask",
    "hampel",
    "hampel_mask",
    "interpolate_gaps",
    "lowpass",
    "runs",
    "sampling_rate_hz",
    "valid_fraction",
]

#: Robust scale factor: MAD x 1.4826 estimates the SD of normally distributed data.
_MAD_TO_SD = 1.4826


# --- small helpers ---------------------------------------------------------------------


def _as_2d(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """View ``x`` (frames, ...) as float (frames, columns); also return the original shape."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        raise ValueError("x must have at least one axis (frames, ...), got a scalar")
    return arr.reshape(arr.shape[0], -1), arr.shape


def _check_time(time_s: np.ndarray, n_frames: int) -> np.ndarray:
    t = np.asarray(time_s, dtype=float)
    if t.shape != (n_frames,):
        raise ValueError(f"time_s must have shape ({n_frames},) to match x, got {t.shape}")
    if n_frames > 1 and not np.all(np.diff(t) > 0):
        raise ValueError("time_s must be finite and strictly increasing (seconds)")
    return t


def runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs of True in a 1-D boolean mask, as ``(start, stop)`` slices.

    Examples
    --------
    >>> runs(np.array([False, True, True, False, True]))
    [(1, 3), (4, 5)]
    """
    v = np.asarray(valid, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate(([0], v, [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def sampling_rate_hz(time_s: np.ndarray) -> float:
    """Sampling rate in Hz from the median spacing of the timestamps (seconds).

    The median ignores dropped frames; variable-frame-rate video is treated as if sampled
    at its typical rate.
    """
    t = np.asarray(time_s, dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"time_s must have shape (frames,) with >= 2 frames, got {t.shape}")
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        raise ValueError("time_s must be strictly increasing (seconds)")
    return 1.0 / dt


def valid_fraction(x: np.ndarray) -> float:
    """Fraction (0 to 1) of finite entries of ``x``; 0.0 for an empty array.

    Examples
    --------
    >>> valid_fraction(np.array([1.0, np.nan, 3.0, 4.0]))
    0.75
    """
    arr = np.asarray(x, dtype=float)
    return float(np.isfinite(arr).mean()) if arr.size else 0.0


# --- gap interpolation -----------------------------------------------------------------


def interpolate_gaps(
    x: np.ndarray,
    time_s: np.ndarray,
    *,
    max_gap_s: float = 0.25,
    method: Literal["linear", "pchip"] = "linear",
) -> np.ndarray:
    """Fill short interior NaN gaps by interpolation over time.

    A gap is filled only if it has a valid sample on both sides and the time between
    those two samples (the span bridged) is at most ``max_gap_s``. At 30 fps the default
    0.25 s bridges up to 6 missing frames. Longer gaps, and NaN before the first or after
    the last valid sample, stay NaN (no extrapolation).

    Parameters
    ----------
    x : ndarray, shape (frames, ...)
        Signal, e.g. angles in degrees; NaN where missing.
    time_s : ndarray, shape (frames,)
        Timestamps in seconds, strictly increasing.
    max_gap_s : float
        Longest span (seconds) between the valid samples around a gap that is bridged.
    method : {"linear", "pchip"}
        Linear interpolation, or shape-preserving PCHIP through all valid samples of the
        column (never overshoots the neighbouring samples).

    Returns
    -------
    ndarray
        A copy of ``x`` with the short gaps filled.

    Examples
    --------
    >>> t = np.arange(6) / 10
    >>> interpolate_gaps(np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan]), t)
    array([ 0.,  1.,  2., nan, nan, nan])
    """
    if max_gap_s < 0:
        raise ValueError(f"max_gap_s must be >= 0 seconds, got {max_gap_s}")
    if method not in ("linear", "pchip"):
        raise ValueError(f"method must be 'linear' or 'pchip', got {method!r}")
    x2, shape = _as_2d(x)
    t = _check_time(time_s, x2.shape[0])
    out = x2.copy()
    tol = 1e-9
    for c in range(out.shape[1]):
        col = out[:, c]
        valid = np.isfinite(col)
        if valid.sum() < 2:
            continue
        fill = np.zeros_like(valid)
        for start, stop in runs(~valid):
            if start == 0 or stop == len(col):
                continue  # leading / trailing: no valid sample on one side
            if t[stop] - t[start - 1] <= max_gap_s + tol:
                fill[start:stop] = True
        if not fill.any():
            continue
        if method == "linear":
            col[fill] = np.interp(t[fill], t[valid], col[valid])
        else:
            col[fill] = PchipInterpolator(t[valid], col[valid])(t[fill])
    return out.reshape(shape)


# --- Hampel outlier rejection ----------------------------------------------------------


def _half_window(
    time_s: np.ndarray | None, window_s: float | None, window_frames: int | None
) -> int:
    if window_frames is not None:
        if window_frames < 3:
            raise ValueError(f"window_frames must be >= 3, got {window_frames}")
        return int(window_frames) // 2
    if time_s is None or window_s is None:
        raise ValueError("hampel needs time_s with window_s (seconds), or window_frames")
    if window_s <= 0:
        raise ValueError(f"window_s must be > 0 seconds, got {window_s}")
    return max(1, round(window_s * sampling_rate_hz(time_s) / 2))


def nanmedian_rows(a: np.ndarray) -> np.ndarray:
    """Median of each row of ``a`` (rows, n) ignoring NaN; NaN for an all-NaN row.

    Equal to ``np.nanmedian(a, axis=1)`` (the mean of the two middle values for an even
    count), without its slow masked-array path for rows that hold NaN: one sort, with
    NaN sorted last.
    """
    rows = np.sort(a, axis=1)
    m = (~np.isnan(rows)).sum(axis=1)
    idx = np.arange(len(rows))
    lo = rows[idx, np.maximum(m - 1, 0) // 2]
    hi = rows[idx, m // 2 - (m == 0)]
    with np.errstate(over="ignore"):  # two values near the float limit: inf, as NumPy's
        return np.where(m > 0, (lo + hi) / 2.0, np.nan)


def hampel_mask(
    x: np.ndarray,
    time_s: np.ndarray | None = None,
    *,
    window_s: float | None = 0.5,
    window_frames: int | None = None,
    n_sigmas: float = 3.0,
) -> np.ndarray:
    """Boolean mask (same shape as ``x``) of the samples the Hampel identifier rejects.

    A valid sample is an outlier when it lies more than ``n_sigmas`` robust SDs
    (1.4826 x the median absolute deviation) from the median of the valid samples in a
    centred window. NaN samples are ignored (never outliers, never counted). A sample is
    tested only if at least half a half-window of valid samples lies on *each* side of
    it: a one-sided window (the first and last ~window/4 of the signal, or next to a
    gap) has a median biased by the movement's trend and would wrongly flag real motion,
    so such samples are never flagged. See :func:`hampel` for the parameters.
    """
    if n_sigmas <= 0:
        raise ValueError(f"n_sigmas must be > 0, got {n_sigmas}")
    x2, shape = _as_2d(x)
    if time_s is not None:
        _check_time(time_s, x2.shape[0])
    k = _half_window(time_s, window_s, window_frames)
    n = x2.shape[0]
    mask = np.zeros(x2.shape, dtype=bool)
    if n < 3:
        return mask.reshape(shape)
    for c in range(x2.shape[1]):
        col = x2[:, c]
        valid = np.isfinite(col)
        if valid.sum() < 3:
            continue
        padded = np.concatenate((np.full(k, np.nan), col, np.full(k, np.nan)))
        win = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)[valid]
        finite = np.isfinite(win)
        # a sample is tested only with context on both sides: at the ends of the signal
        # and next to gaps a one-sided window's median is biased by the movement's trend
        need = max(1, k // 2)
        context = (finite[:, :k].sum(axis=1) >= need) & (finite[:, k + 1 :].sum(axis=1) >= need)
        med = nanmedian_rows(win)
        mad = nanmedian_rows(np.abs(win - med[:, None]))
        dev = np.abs(col[valid] - med)
        out = context & (dev > n_sigmas * _MAD_TO_SD * mad)
        mask[np.flatnonzero(valid)[out], c] = True
    return mask.reshape(shape)


def hampel(
    x: np.ndarray,
    time_s: np.ndarray | None = None,
    *,
    window_s: float | None = 0.5,
    window_frames: int | None = None,
    n_sigmas: float = 3.0,
    replace: Literal["interpolate", "median", "nan"] = "interpolate",
) -> np.ndarray:
    """Hampel filter: replace isolated outliers (spikes, brief landmark swaps).

    By default each outlier is replaced by linear interpolation (over time) between the
    nearest valid non-outlier samples on either side, which follows a curved movement
    better than the window median; this never creates NaN (a tested sample always has
    valid neighbours on both sides). ``replace="median"`` is the classic Hampel filter
    (the window median, biased by a few degrees where the movement curves);
    ``replace="nan"`` marks outliers missing instead.

    Limits: bursts of outliers longer than about half the window are not detected; the
    threshold scales with the local spread, so during a fast movement only large spikes
    (at 30 fps with a 0.5 s window, more than about 2 x the change over the window) are
    caught; samples without valid neighbours on both sides (the first and last few
    frames, frames next to a gap) are never tested (see :func:`hampel_mask`).

    Parameters
    ----------
    x : ndarray, shape (frames, ...)
        Signal, e.g. angles in degrees; NaN where missing (ignored, left NaN).
    time_s : ndarray, shape (frames,), optional
        Timestamps in seconds; needed to convert ``window_s`` to frames.
    window_s : float, optional
        Full width of the centred window in seconds (default 0.5 s).
    window_frames : int, optional
        Full width of the window in frames (>= 3); overrides ``window_s``.
    n_sigmas : float
        Threshold in robust SDs.
    replace : {"interpolate", "median", "nan"}
        What an outlier becomes.

    Returns
    -------
    ndarray
        A copy of ``x`` with the outliers replaced.

    Examples
    --------
    >>> x = np.zeros(11); x[5] = 90.0
    >>> float(hampel(x, window_frames=5)[5])
    0.0
    """
    if replace not in ("interpolate", "median", "nan"):
        raise ValueError(f"replace must be 'interpolate', 'median' or 'nan', got {replace!r}")
    x2, shape = _as_2d(x)
    mask = hampel_mask(
        x2, time_s, window_s=window_s, window_frames=window_frames, n_sigmas=n_sigmas
    )
    return _replace_outliers(x2, mask, time_s, window_s, window_frames, replace).reshape(shape)


def _replace_outliers(
    x2: np.ndarray,
    mask: np.ndarray,
    time_s: np.ndarray | None,
    window_s: float | None,
    window_frames: int | None,
    replace: str,
) -> np.ndarray:
    """``x2`` (frames, columns) with the samples in ``mask`` replaced (see :func:`hampel`)."""
    shape = x2.shape
    out = x2.copy()
    if not mask.any():
        return out.reshape(shape)
    if replace == "nan":
        out[mask] = np.nan
        return out.reshape(shape)
    k = _half_window(time_s, window_s, window_frames)
    t = np.arange(x2.shape[0], dtype=float) if time_s is None else np.asarray(time_s, float)
    for c in np.flatnonzero(mask.any(axis=0)):
        col = x2[:, c]
        bad = np.flatnonzero(mask[:, c])
        good = np.isfinite(col) & ~mask[:, c]
        if replace == "interpolate" and good.any():
            out[bad, c] = np.interp(t[bad], t[good], col[good])
            continue
        for i in bad:
            out[i, c] = float(np.nanmedian(col[max(0, i - k) : i + k + 1]))
    return out.reshape(shape)


# --- outliers at the edges of gaps -------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, k=1)


def _median(a: np.ndarray) -> float:
    """Median of a small 1-D array (np.median's overhead dominates at this size)."""
    s = np.sort(a)
    n = s.size
    return float(0.5 * (s[(n - 1) // 2] + s[n // 2]))


def _robust_line(tt: np.ndarray, xx: np.ndarray, t0: float) -> tuple[float, float]:
    """Theil-Sen line through (tt, xx) evaluated at ``t0``, and the robust SD of its residuals."""
    i, j = _pairs(tt.size)
    slope = _median((xx[j] - xx[i]) / (tt[j] - tt[i])) if i.size else 0.0
    icpt = _median(xx - slope * tt)
    resid = xx - (slope * tt + icpt)
    return slope * t0 + icpt, _MAD_TO_SD * _median(np.abs(resid - _median(resid)))


def gap_edge_outlier_mask(
    x: np.ndarray,
    time_s: np.ndarray,
    *,
    hampel_window_s: float = 0.5,
    context_s: float = 0.2,
    island_s: float = 0.1,
    neighbour_s: float = 1.0,
    n_sigmas: float = 3.0,
    min_deviation_deg: float = 15.0,
) -> np.ndarray:
    """Boolean mask of samples next to missing data that disagree with their neighbourhood.

    The Hampel filter (:func:`hampel_mask`, window ``hampel_window_s``) does not test a
    sample without enough valid neighbours on both sides. Next to missing data that is
    where landmarks go wrong: in the frames before a body part is lost, or just after it
    is found again. This tests the samples Hampel left untested for lack of valid
    neighbours:

    * **in a run of valid values**: an untested sample at a run's end (start) is compared,
      from the inside out, with a robust (Theil-Sen) line through the ``context_s``
      seconds of accepted samples just inside it, one frame ahead of that line. It is an
      outlier when it lies further from the line than ``n_sigmas`` robust SDs of the
      line's residuals and at least ``min_deviation_deg``; an outlier is left out of the
      next samples' context. (A line through 0.2 s predicts the next frame of a smooth
      1 s, 75-degree raise, 235 deg/s at its fastest, within 8 degrees at 30 fps: real
      movement stays well inside the 15-degree floor.)
    * **islands**: a run of at most ``island_s`` seconds is compared with the
      interpolation between the medians of the ``context_s`` seconds of the nearest
      longer runs before and after it (or the one side present) within ``neighbour_s``
      seconds; each sample further than ``min_deviation_deg`` from it is an outlier. An
      island with no such neighbour is left alone (nothing to compare it with).
    * **the clip's first and last frame**: each is compared with the robust line through
      the ``context_s`` seconds of accepted samples next to it, by the rule for a run's
      end (a recording stopped at the top of a raise read 191 deg of shoulder abduction
      in its last frame after 145 and 149). Only the outermost frame: working further in,
      from the inside out, a line through the top of a fast raise took the raise's first
      frames for errors (a clip starting mid-raise at 98, 108, 150, 125, 137 deg lost its
      first two, and with them its measured peak).

    Parameters
    ----------
    x : ndarray, shape (frames, ...)
        Signal in degrees; NaN where missing.
    time_s : ndarray, shape (frames,)
        Timestamps, seconds.

    Returns
    -------
    ndarray of bool, same shape as ``x``

    Examples
    --------
    >>> t = np.arange(50) / 30
    >>> x = np.r_[np.linspace(40, 50, 20), -5.0, [np.nan] * 9, np.linspace(50, 40, 20)]
    >>> np.flatnonzero(gap_edge_outlier_mask(x, t)).tolist()
    [20]
    """
    x2, shape = _as_2d(x)
    t = _check_time(time_s, x2.shape[0])
    mask = np.zeros(x2.shape, dtype=bool)
    n = x2.shape[0]
    if n < 4:
        return mask.reshape(shape)
    dt = 1.0 / sampling_rate_hz(t)
    half = max(1, round(hampel_window_s / dt / 2))  # as in hampel_mask
    need = max(1, half // 2)  # samples of context Hampel needs on each side
    k = max(3, round(context_s / dt))
    isl = max(1, round(island_s / dt))
    idx = np.arange(n)

    def deviates(i: int, ctx: list[int], col: np.ndarray) -> bool:
        c_idx = np.asarray(ctx)
        pred, sd = _robust_line(t[c_idx], col[c_idx], t[i])
        return bool(abs(col[i] - pred) > max(n_sigmas * sd, min_deviation_deg))

    for c in range(x2.shape[1]):
        col = x2[:, c]
        valid = np.isfinite(col)
        if valid.sum() < 3:
            continue
        # Hampel's context: valid samples within ``half`` frames on each side; a side cut
        # short only by the clip's start or end is judged below, its outermost frame only
        cum = np.concatenate(([0], np.cumsum(valid)))
        lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half, n - 1)
        left, right = cum[idx] - cum[lo], cum[hi + 1] - cum[idx + 1]
        lacks_left = valid & (left < need) & (left < idx - lo)
        lacks_right = valid & (right < need) & (right < hi - idx)
        spans = runs(valid)
        longs = [(a, b) for a, b in spans if b - a > isl]
        for a, b in spans:
            if b - a <= isl and (lacks_left[a:b].any() or lacks_right[a:b].any()):
                # an island: against the medians of the nearest longer runs' edges (one
                # edge sample could itself be wrong)
                refs = [
                    (float(np.median(t[p:q])), float(np.median(col[p:q])))
                    for p, q in (
                        [(max(r[0], r[1] - k), r[1]) for r in longs if r[1] <= a][-1:]
                        + [(r[0], min(r[1], r[0] + k)) for r in longs if r[0] >= b][:1]
                    )
                    if min(abs(t[p] - t[a]), abs(t[q - 1] - t[b - 1])) <= neighbour_s
                ]
                for i in range(a, b) if refs else []:
                    ref = (
                        float(np.interp(t[i], [refs[0][0], refs[1][0]], [refs[0][1], refs[1][1]]))
                        if len(refs) == 2
                        else refs[0][1]
                    )
                    mask[i, c] |= abs(col[i] - ref) > min_deviation_deg
                continue
            # a longer run: its untested samples against the line through the accepted
            # samples on their inner side, inside out
            untested = lacks_left[a:b] | lacks_right[a:b]
            accepted = (np.flatnonzero(~untested) + a).tolist()  # sorted
            if len(accepted) < 3:
                continue  # too short to tell a trend from an outlier
            ends = np.flatnonzero(lacks_right[a:b] & ~lacks_left[a:b]) + a
            starts = np.flatnonzero(lacks_left[a:b] & ~lacks_right[a:b]) + a
            for i in ends.tolist():  # the run's end, inside out
                pos = bisect.bisect_left(accepted, i)
                if pos < 3:
                    continue
                if deviates(i, accepted[max(0, pos - k) : pos], col):
                    mask[i, c] = True
                else:
                    accepted.insert(pos, i)
            for i in starts.tolist()[::-1]:  # the run's start, inside out
                pos = bisect.bisect_right(accepted, i)
                if len(accepted) - pos < 3:
                    continue
                if deviates(i, accepted[pos : pos + k], col):
                    mask[i, c] = True
                else:
                    accepted.insert(pos, i)
        for i, step in ((0, 1), (n - 1, -1)):  # the clip's first and last frame
            if not valid[i] or mask[i, c]:
                continue
            ctx: list[int] = []
            j = i + step
            while 0 <= j < n and valid[j] and not mask[j, c] and len(ctx) < k:
                ctx.append(j)
                j += step
            if len(ctx) >= max(3, isl) and deviates(i, sorted(ctx), col):
                mask[i, c] = True
    return mask.reshape(shape)


# --- low-pass ---------------------------------------------------------------------------


def lowpass(
    x: np.ndarray,
    time_s: np.ndarray,
    *,
    cutoff_hz: float = 6.0,
    order: int = 4,
) -> np.ndarray:
    """Zero-lag Butterworth low-pass (forward-backward, ``scipy.signal.sosfiltfilt``).

    The sampling rate is taken from the median spacing of ``time_s``. Each contiguous run
    of valid samples is filtered on its own (NaN gaps are never filtered across); a run
    too short for the filter's edge padding (at most ``3 x (2 x sections + 1)`` samples,
    15 for order 4) is left unfiltered. Because the filter runs twice, the effective
    order is ``2 x order`` and the gain at ``cutoff_hz`` is 0.5 (-6 dB).

    If ``cutoff_hz`` is not below the Nyquist frequency the signal is returned unchanged
    with a :class:`~rom.errors.RomWarning`.

    Parameters
    ----------
    x : ndarray, shape (frames, ...)
        Signal, e.g. angles in degrees; NaN where missing.
    time_s : ndarray, shape (frames,)
        Timestamps in seconds, strictly increasing.
    cutoff_hz : float
        Cut-off frequency in Hz of each (single-pass) Butterworth filter.
    order : int
        Order of the single-pass Butterworth filter.

    Returns
    -------
    ndarray
        A filtered copy of ``x``; NaN exactly where ``x`` is NaN.

    Examples
    --------
    >>> t = np.arange(300) / 30
    >>> y = lowpass(np.full(300, 20.0), t, cutoff_hz=6.0)
    >>> bool(np.allclose(y, 20.0))
    True
    """
    if cutoff_hz <= 0:
        raise ValueError(f"cutoff_hz must be > 0 Hz, got {cutoff_hz}")
    if int(order) != order or order < 1:
        raise ValueError(f"order must be a positive integer, got {order}")
    x2, shape = _as_2d(x)
    t = _check_time(time_s, x2.shape[0])
    out = x2.copy()
    if x2.shape[0] < 2:
        return out.reshape(shape)
    fs = sampling_rate_hz(t)
    if cutoff_hz >= fs / 2:
        warnings.warn(
            f"low-pass skipped: cutoff {cutoff_hz:g} Hz is not below the Nyquist frequency "
            f"{fs / 2:g} Hz of {fs:g} Hz footage; lower cutoff_hz",
            RomWarning,
            stacklevel=2,
        )
        return out.reshape(shape)
    sos = butter(int(order), cutoff_hz, btype="low", fs=fs, output="sos")
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    padlen = 3 * ntaps  # sosfiltfilt's default padding
    for c in range(out.shape[1]):
        for start, stop in runs(np.isfinite(x2[:, c])):
            if stop - start > padlen:
                out[start:stop, c] = sosfiltfilt(sos, x2[start:stop, c], padlen=padlen)
    return out.reshape(shape)


# --- the chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterSettings:
    """Settings of :func:`filter_angles`; every stage can be switched off.

    Attributes
    ----------
    hampel : bool
        Apply the Hampel outlier filter (outliers replaced by interpolation between
        their valid neighbours).
    hampel_window_s : float
        Full width of the Hampel window, seconds.
    hampel_n_sigmas : float
        Hampel threshold in robust SDs.
    gap_edges : bool
        Remove samples next to gaps, and the clip's first and last sample, that disagree
        with their neighbourhood (:func:`gap_edge_outlier_mask`, same threshold in SDs,
        at least 15 degrees).
    interpolate : bool
        Bridge short NaN gaps by linear interpolation.
    max_gap_s : float
        Longest gap span bridged, seconds (see :func:`interpolate_gaps`).
    lowpass : bool
        Apply the zero-lag Butterworth low-pass.
    cutoff_hz : float
        Low-pass cut-off, Hz.
    order : int
        Order of the single-pass Butterworth filter.
    """

    hampel: bool = True
    hampel_window_s: float = 0.5
    hampel_n_sigmas: float = 3.0
    gap_edges: bool = True
    interpolate: bool = True
    max_gap_s: float = 0.25
    lowpass: bool = True
    cutoff_hz: float = 6.0
    order: int = 4

    def __post_init__(self) -> None:

        checks = [
            ("hampel_window_s", 0 < self.hampel_window_s < math.inf, "> 0 seconds"),
            ("hampel_n_sigmas", 0 < self.hampel_n_sigmas < math.inf, "> 0"),
            ("max_gap_s", math.isfinite(self.max_gap_s) and self.max_gap_s >= 0, ">= 0 seconds"),
            ("cutoff_hz", 0 < self.cutoff_hz < math.inf, "> 0 Hz"),
            ("order", int(self.order) == self.order and self.order >= 1, "an integer >= 1"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise ConfigError(
                    f"filter setting {name} must be {expected}, got {getattr(self, name)!r}"
                )

    @classmethod
    def off(cls) -> FilterSettings:
        """Settings with every stage switched off (the angles pass through unchanged)."""
        return cls(hampel=False, gap_edges=False, interpolate=False, lowpass=False)


@dataclass(frozen=True)
class FilterReport:
    """What :func:`filter_angles_with_report` removed from one column.

    Attributes
    ----------
    n_spikes : int
        Samples replaced by the Hampel filter (isolated spikes).
    gap_edge_times_s : tuple of float
        Times (seconds) of samples next to missing data removed as outliers.
    clip_end_times_s : tuple of float
        Times (seconds) of the clip's first or last sample, removed as an outlier
        (nothing before or after it to interpolate from: it stays missing).
    """

    n_spikes: int = 0
    gap_edge_times_s: tuple[float, ...] = ()
    clip_end_times_s: tuple[float, ...] = ()

    def notes(self) -> list[str]:
        """The report in words, for a column's warnings (empty when nothing was removed)."""
        out = []
        for times_s, where in (
            (self.gap_edge_times_s, "next to missing frames"),
            (self.clip_end_times_s, "at the clip's start or end"),
        ):
            if times_s:
                times = ", ".join(f"{v:.2f}" for v in times_s[:5])
                more = " ..." if len(times_s) > 5 else ""
                out.append(
                    f"{len(times_s)} value(s) {where} (at {times}{more} s) disagreed with "
                    "the frames around them and were removed as landmark errors"
                )
        return out


def filter_angles(angles: AngleSeries, settings: FilterSettings | None = None) -> AngleSeries:
    """Clean every angle column: Hampel, then gap interpolation, then low-pass.

    Gaps longer than ``settings.max_gap_s`` (and leading / trailing NaN) stay NaN; the
    low-pass never crosses them.

    Parameters
    ----------
    angles : AngleSeries
        Angles in degrees, continuous (unwrapped).
    settings : FilterSettings, optional
        Defaults to ``FilterSettings()``.

    Returns
    -------
    AngleSeries
        Same times and names, filtered values.

    Examples
    --------
    >>> t = np.arange(90) / 30
    >>> a = AngleSeries(t, ("elbow_flexion_left_deg",), np.full((90, 1), 30.0))
    >>> bool(np.allclose(filter_angles(a).values_deg, 30.0))
    True
    """
    return filter_angles_with_report(angles, settings)[0]


def filter_angles_with_report(
    angles: AngleSeries, settings: FilterSettings | None = None
) -> tuple[AngleSeries, dict[str, FilterReport]]:
    """:func:`filter_angles`, and per column a :class:`FilterReport` of what it removed."""
    s = settings if settings is not None else FilterSettings()
    t = angles.time_s
    x = np.asarray(angles.values_deg, dtype=float)
    reports = {name: FilterReport() for name in angles.names}
    if x.shape[0] == 0 or x.shape[1] == 0:
        return angles.with_values(x.copy()), reports
    spikes = np.zeros(x.shape, dtype=bool)
    edges = np.zeros(x.shape, dtype=bool)
    if s.hampel and x.shape[0] >= 3:
        spikes = hampel_mask(x, t, window_s=s.hampel_window_s, n_sigmas=s.hampel_n_sigmas)
        x = _replace_outliers(x, spikes, t, s.hampel_window_s, None, "interpolate")
    if s.gap_edges and x.shape[0] >= 4:
        edges = gap_edge_outlier_mask(
            x, t, hampel_window_s=s.hampel_window_s, n_sigmas=s.hampel_n_sigmas
        )
        x = np.where(edges, np.nan, x)
    if s.interpolate and x.shape[0] >= 2:
        x = interpolate_gaps(x, t, max_gap_s=s.max_gap_s)
    if s.lowpass and x.shape[0] >= 2:
        x = lowpass(x, t, cutoff_hz=s.cutoff_hz, order=s.order)
    ends = np.zeros(len(t), dtype=bool)
    ends[[0, -1]] = True
    for j, name in enumerate(angles.names):
        if spikes[:, j].any() or edges[:, j].any():
            reports[name] = FilterReport(
                n_spikes=int(spikes[:, j].sum()),
                gap_edge_times_s=tuple(float(v) for v in t[edges[:, j] & ~ends]),
                clip_end_times_s=tuple(float(v) for v in t[edges[:, j] & ends]),
            )
    return angles.with_values(x), reports


def bound_unsigned(angles: AngleSeries) -> AngleSeries:
    """Unsigned catalogue angles (elbow flexion, elevation...) clipped to [0, 180] degrees:
    a filter's overshoot near full extension must not report an impossible -4 deg."""
    from rom.metrics import catalogue

    x = angles.values_deg.copy()
    for j, name in enumerate(angles.names):
        try:
            unsigned = not catalogue.angle_def(name).signed
        except KeyError:
            continue
        if unsigned:
            x[:, j] = np.clip(x[:, j], 0.0, 180.0)  # NaN stays NaN
    return angles.with_values(x)
