"""What time means in a clip whose timestamps are broken, and a record of what was mended.

Containers stamp each frame with a presentation time. Real files break that in a few ways:

* **jumps back**: recorders, DVRs and dash cams write a clip in chunks that are joined
  later (``cat a.ts b.ts``), each chunk stamped from zero; an MPEG-TS clock also wraps
  round after 26.5 hours;
* **duplicates**: two frames with the same time (muxers that drop the fraction of a
  millisecond, frame-rate converters);
* **near-duplicates**: a frame stamped a small fraction of a frame interval after the one
  before it.

Left as they are, the frames after a jump are squeezed into microseconds: durations,
angular velocities and repetition times become meaningless. Here time is the clip's
**real elapsed time**: within a run of well-ordered timestamps the container's times are
kept as they are (variable frame rate stays exact); where a frame's time is not at least a
quarter of a frame interval after the previous frame's, it is placed one frame duration
after it (the previous frame's own duration when the container gives one, else the
nominal interval), and the frames that follow keep their spacing from there. A jump
*forward* is kept (a recorder paused, or part of the recording is missing: that time
really passed) and reported when it exceeds one second.

:class:`Timeline` does this frame by frame (a decoder never holds the whole clip);
:func:`repair_timestamps` applies it to a whole array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Timeline", "repair_timestamps"]

#: A step shorter than this fraction of the nominal frame interval is a broken timestamp.
MIN_STEP_INTERVALS = 0.25
#: A forward jump longer than this (seconds) is reported (and kept).
REPORT_FORWARD_JUMP_S = 1.0


class Timeline:
    """Turns container timestamps into strictly increasing clip time, frame by frame.

    Parameters
    ----------
    nominal_interval_s : float
        The stream's nominal frame interval (1 / frame rate), seconds; > 0.

    Examples
    --------
    >>> tl = Timeline(0.04)
    >>> [round(tl.time(t), 3) for t in (10.0, 10.04, 10.08, 10.0, 10.04)]
    [0.0, 0.04, 0.08, 0.12, 0.16]
    >>> tl.counts["jumps_back"]
    1
    """

    def __init__(self, nominal_interval_s: float) -> None:
        if not (math.isfinite(nominal_interval_s) and nominal_interval_s > 0):
            raise ValueError(f"nominal_interval_s must be > 0, got {nominal_interval_s!r}")
        self.interval_s = float(nominal_interval_s)
        self._offset_s: float | None = None
        self._last_s: float | None = None
        self._last_duration_s: float | None = None
        self._index = -1
        self.counts = {
            "jumps_back": 0,
            "duplicates": 0,
            "near_duplicates": 0,
            "missing": 0,
            "forward_jumps": 0,
        }
        #: (kind, frame index, clip time in s, size of the step in s) of the first events
        self.events: list[tuple[str, int, float, float]] = []
        #: the first event of each kind (kept however many came before it)
        self.first_event: dict[str, tuple[str, int, float, float]] = {}

    def time(self, raw_s: float | None, duration_s: float | None = None) -> float:
        """Clip time (s from the first frame) of the next frame.

        ``raw_s`` is the container's presentation time (None or NaN when it has none);
        ``duration_s`` the frame's own duration, if the container gives one.
        """
        self._index += 1
        raw = float(raw_s) if raw_s is not None else math.nan
        raw = raw if math.isfinite(raw) else math.nan
        step_s = self._expected_step()
        if self._offset_s is None:  # no container time seen yet
            out = 0.0 if self._last_s is None else self._last_s + step_s
            if math.isfinite(raw):
                self._offset_s = out - raw
            else:
                self._count("missing", out, math.nan)
        elif not math.isfinite(raw):
            out = self._last_s + step_s if self._last_s is not None else 0.0
            self._count("missing", out, math.nan)
        else:
            assert self._last_s is not None
            out = raw + self._offset_s
            step = out - self._last_s
            if step < MIN_STEP_INTERVALS * self.interval_s:
                kind = (
                    "jumps_back"
                    if step <= -0.5 * self.interval_s
                    else "duplicates"
                    if abs(step) <= 1e-6
                    else "near_duplicates"
                )
                out = self._last_s + step_s
                self._offset_s = out - raw
                self._count(kind, out, step)
            elif step > REPORT_FORWARD_JUMP_S and step > 2 * step_s:
                self._count("forward_jumps", out, step)
        self._last_s = out
        d = float(duration_s) if duration_s is not None else math.nan
        # A frame's own duration is trusted when it is plausible (a quarter of the nominal
        # interval up to 10 intervals).
        plausible = MIN_STEP_INTERVALS * self.interval_s <= d <= 10 * self.interval_s
        self._last_duration_s = d if plausible else None
        return out

    def _expected_step(self) -> float:
        return self._last_duration_s or self.interval_s

    def _count(self, kind: str, at_s: float, step_s: float) -> None:
        self.counts[kind] += 1
        event = (kind, self._index, at_s, step_s)
        self.first_event.setdefault(kind, event)
        if len(self.events) < 20:
            self.events.append(event)

    @property
    def n_repaired(self) -> int:
        """Frames whose time was not the container's (jumps back, duplicates, missing)."""
        c = self.counts
        return c["jumps_back"] + c["duplicates"] + c["near_duplicates"] + c["missing"]

    def report(self) -> dict[str, Any]:
        """Counts and the first events, for ``summary.json`` (``source.timestamps``)."""
        return {
            **self.counts,
            "repaired_frames": self.n_repaired,
            "first_events": [
                {"kind": k, "frame": i, "time_s": round(t, 4), "step_s": _round(s)}
                for k, i, t, s in self.events
            ],
        }

    def warnings(self, name: str) -> list[str]:
        """One-line warnings for the user (empty when every timestamp was usable)."""
        out = []
        c = self.counts
        broken = [
            f"{c[k]} {label}"
            for k, label in (
                ("jumps_back", "jump(s) back"),
                ("duplicates", "duplicate(s)"),
                ("near_duplicates", "near-duplicate(s)"),
                ("missing", "frame(s) without a time"),
            )
            if c[k]
        ]
        if broken:
            first = min(
                (e for k, e in self.first_event.items() if k != "forward_jumps"),
                key=lambda e: e[1],
            )
            out.append(
                f"{name}: timestamps broken ({', '.join(broken)}; first at frame {first[1]}): "
                "the clip was probably joined from pieces or re-stamped; time continues by "
                "frame durations across each break (real elapsed time), so durations and "
                "speeds stay right, but check the clip is one continuous recording"
            )
        if c["forward_jumps"]:
            first = self.first_event["forward_jumps"]
            out.append(
                f"{name}: timestamps jump forward {c['forward_jumps']} time(s) (first by "
                f"{first[3]:.1f} s at frame {first[1]}): the recording paused or a part is "
                "missing; that time is kept as a gap"
            )
        return out


def _round(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


def repair_timestamps(
    raw_s: Sequence[float | None] | np.ndarray,
    durations_s: Sequence[float | None] | np.ndarray | None = None,
    *,
    nominal_interval_s: float,
) -> np.ndarray:
    """Clip time (s, float64, strictly increasing, from 0) for container times ``raw_s``.

    Parameters
    ----------
    raw_s : array-like, shape (frames,)
        Presentation times in seconds as stored (NaN / None: none stored).
    durations_s : array-like, shape (frames,), optional
        Each frame's duration in seconds, if the container gives them.
    nominal_interval_s : float
        1 / the stream's frame rate.

    Returns
    -------
    ndarray, shape (frames,)
        See the module docstring for the rule.

    Examples
    --------
    >>> repair_timestamps([0.0, 0.1, 0.1, 0.3], nominal_interval_s=0.1).round(3).tolist()
    [0.0, 0.1, 0.2, 0.4]
    """
    tl = Timeline(nominal_interval_s)
    n = len(raw_s)
    d = [None] * n if durations_s is None else list(durations_s)
    if len(d) != n:
        raise ValueError(f"durations_s must have {n} entries, got {len(d)}")
    return np.array([tl.time(r, di) for r, di in zip(raw_s, d)], dtype=np.float64)
