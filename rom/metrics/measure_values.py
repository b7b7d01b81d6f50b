"""One clinical value per measure, side and direction: what is stored, compared and reported.

A :class:`MeasureValue` is one number a therapist reads ("left shoulder abduction: 154
deg, normal 180"), with the repetition peaks it came from (which give the noise of the
recording), its normal value and its quality. :func:`measure_values` reads them from the
``results`` block of ``summary.json`` (:func:`rom.metrics.results.compute_results`,
documented in ``docs/results.md``); storage (:mod:`rom.store`), comparison
(:mod:`rom.metrics.compare`) and the report read nothing else.

Conventions (those of ``results``): ``value_deg`` is, for range of motion, the **magnitude
in the direction named** (extension 45 means 45 deg of extension), so a larger value is
always more range, and ``rep_peaks_deg`` use the same sign; for posture it is the signed
median over the still period. ``None`` means no value (``status`` says why), never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rom.metrics.series import AngleSeries

__all__ = [
    "VIEW_FLAGS",
    "MeasureValue",
    "display_name",
    "measure_key",
    "measure_values",
    "other_view_note",
    "values_by_key",
]

#: Flags of a value read in another view than its measure is judged in
#: (:func:`rom.metrics.results.compute_results`, the one view rule): ``rom analyze``
#: prints it with when and from where it was read; the batch summary leaves it out of its
#: means; compare and the report mark it and never call its change real.
VIEW_FLAGS: tuple[str, ...] = ("other_view",)

#: Status of a value (those of ``results``): a number is reported only when "measured".
STATUSES = ("measured", "not_measurable", "not_performed", "not_seen")


@dataclass(frozen=True)
class MeasureValue:
    """One value of one measure in one recording (see the module docstring).

    protocol : protocol name, "" when the clip was analysed without one
    measure : catalogue angle name without side or unit, e.g. ``shoulder_abduction``
    side : ``left`` / ``right``, or "" for axial measures (neck, trunk, posture)
    direction : ``positive`` / ``negative`` (end of range) or ``value`` (posture)
    label : the direction's clinical word (``abduction``, ``rotation to the left``)
    kind : ``rom`` (range of motion) or ``posture``
    column : the ``angles.csv`` column the value was read from
    estimate : ``2d`` or ``3d`` (which estimate the value is), "" when none
    value_deg : the value, degrees; None unless ``status`` is "measured"
    uncertainty_deg : standard uncertainty (one SD) of ``value_deg``, degrees
    value_time_s : time of the peak in the clip, seconds
    normal_deg, percent_of_normal, norm_source : the norm
    rep_peaks_deg, rep_times_s : the repetition peaks (same sign as ``value_deg``) and,
        when known, their times (s)
    spread_deg : posture: the SD over the still period, degrees
    status : one of :data:`STATUSES`; reason : why there is no value
    flags, warnings : quality flags (short names) and sentences for the user
    at_least_deg : status "not_seen": the largest value seen (a lower bound, degrees),
        shown as "at least" and never as a value
    """

    protocol: str
    measure: str
    side: str
    direction: str
    label: str
    kind: str = "rom"
    column: str = ""
    estimate: str = "2d"
    value_deg: float | None = None
    uncertainty_deg: float | None = None
    value_time_s: float | None = None
    normal_deg: float | None = None
    percent_of_normal: float | None = None
    norm_source: str = ""
    rep_peaks_deg: tuple[float, ...] = ()
    rep_times_s: tuple[float, ...] = ()
    spread_deg: float | None = None
    status: str = "measured"
    reason: str = ""
    flags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    at_least_deg: float | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return measure_key(self.protocol, self.measure, self.side, self.direction)

    @property
    def base_measure(self) -> str:
        """The catalogue angle name, e.g. ``shoulder_abduction``."""
        return self.measure.removesuffix("_3d")

    @property
    def other_view(self) -> bool:
        """True when the value was read in another view than its measure's
        (:data:`VIEW_FLAGS`)."""
        return any(f in VIEW_FLAGS for f in self.flags)

    @property
    def shown(self) -> bool:
        """True when a table shows a figure: the value, or a lower bound ("at least")."""
        return self.reported or (self.status == "not_seen" and _finite(self.at_least_deg))

    @property
    def reported(self) -> bool:
        """True when there is a number to show (measured, finite)."""
        return self.status == "measured" and _finite(self.value_deg)


def other_view_note(v: MeasureValue | None) -> str:
    """ "" when ``v`` was read in its measure's view; else the words ``rom analyze`` uses,
    with the time: "read at 4.5 s in another view than the measure's".

    Examples
    --------
    >>> other_view_note(MeasureValue("", "elbow_flexion", "left", "positive", "flexion",
    ...                              value_deg=90.0, value_time_s=4.5, flags=("other_view",)))
    "read at 4.5 s in another view than the measure's"
    """
    if v is None or not v.other_view:
        return ""
    at = f" at {v.value_time_s:.1f} s" if v.value_time_s is not None else ""
    return f"read{at} in another view than the measure's"


def measure_key(
    protocol: str, measure: str, side: str, direction: str
) -> tuple[str, str, str, str]:
    """The identity of a value across sessions: (protocol, measure, side, direction)."""
    return (protocol or "", measure, side or "", direction)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _num(x: Any) -> float | None:
    return float(x) if _finite(x) else None


def rep_times(
    values_deg: np.ndarray, time_s: np.ndarray, peaks_deg: Sequence[float], sign: float
) -> tuple[float, ...]:
    """The times of repetition peaks, found in the angle trace they came from.

    ``peaks_deg`` are magnitudes in the direction ``sign`` (+1 / -1), in time order, as
    rounded in ``results``; each is matched, in order, to the local extremum of
    ``sign x values_deg`` closest in value after the previous one. Returns () when the
    trace has fewer extrema than peaks.
    """
    x = sign * np.asarray(values_deg, dtype=float)
    t = np.asarray(time_s, dtype=float)
    ok = np.isfinite(x)
    if len(peaks_deg) == 0 or ok.sum() < 3:
        return ()
    prev = np.r_[-np.inf, x[:-1]]
    nxt = np.r_[x[1:], -np.inf]
    extrema = np.flatnonzero(
        ok & (x >= np.nan_to_num(prev, nan=-np.inf)) & (x >= np.nan_to_num(nxt, nan=-np.inf))
    )
    out: list[float] = []
    start = 0
    for p in peaks_deg:
        cands = extrema[extrema >= start]
        if len(cands) == 0:
            return ()
        # The first extremum within 1 deg of the rounded peak, else the closest in value.
        close = cands[np.abs(x[cands] - p) <= 1.0]
        i = int(close[0]) if len(close) else int(cands[np.argmin(np.abs(x[cands] - p))])
        out.append(float(t[i]))
        start = i + 1
    return tuple(out)


def _one(
    protocol: str,
    m: Mapping[str, Any],
    side_key: str,
    r: Mapping[str, Any],
    angles: AngleSeries | None,
) -> MeasureValue:
    status = str(r.get("status") or "not_measurable")
    value = _num(r.get("value_deg")) if status == "measured" else None
    peaks = tuple(float(p) for p in r.get("rep_peaks_deg") or () if _finite(p))
    column = str(r.get("column") or "")
    times: tuple[float, ...] = ()
    if angles is not None and column in angles and peaks and m.get("kind", "rom") == "rom":
        sign = -1.0 if m["direction"] == "negative" else 1.0
        times = rep_times(angles[column], angles.time_s, peaks, sign)
    return MeasureValue(
        protocol=protocol,
        measure=str(m["measure"]),
        side="" if side_key == "none" else side_key,
        direction=str(m["direction"]),
        label=str(m.get("label") or m["direction"]),
        kind=str(m.get("kind") or "rom"),
        column=column,
        estimate=str(r.get("estimate") or ""),
        value_deg=value,
        uncertainty_deg=_num(r.get("uncertainty_deg")) if value is not None else None,
        value_time_s=_num(r.get("peak_time_s")),
        normal_deg=_num(r.get("normal_deg")),
        percent_of_normal=_num(r.get("percent_of_normal")) if value is not None else None,
        norm_source=str(m.get("norm_source") or ""),
        rep_peaks_deg=peaks,
        rep_times_s=times,
        spread_deg=_num(r.get("spread_deg")),
        status=status,
        reason=str(r.get("reason") or ""),
        flags=tuple(str(f) for f in r.get("flags") or ()),
        warnings=tuple(str(w) for w in r.get("warnings") or ()),
        at_least_deg=_num(r.get("at_least_deg")) if status == "not_seen" else None,
    )


def measure_values(
    summary: Mapping[str, Any], angles: AngleSeries | None = None
) -> list[MeasureValue]:
    """The clinical values of one analysis: one per measure, direction and side of the
    ``results`` block of ``summary`` (a ``summary.json`` document), in its order.

    ``angles`` (the analysis's angle series) lets the repetitions' times be found.
    Raises ``ValueError`` when ``summary`` has no ``results`` block.
    """
    results = summary.get("results")
    if not isinstance(results, Mapping) or "measures" not in results:
        raise ValueError(
            "this summary has no 'results' block (written by an older rom): analyse the clip again"
        )
    protocol = str(results.get("protocol") or "")
    return [
        _one(protocol, m, side_key, r, angles)
        for m in results["measures"]
        for side_key, r in m["sides"].items()
    ]


def values_by_key(
    values: Iterable[MeasureValue],
) -> dict[tuple[str, str, str, str], MeasureValue]:
    """Index values by :attr:`MeasureValue.key` (the last one wins on a duplicate key)."""
    return {v.key: v for v in values}


def display_name(measure: str, side: str = "") -> str:
    """A measure as a therapist reads it: ``shoulder_abduction_3d``, ``left`` ->
    "Shoulder abduction, left (3D)".

    Examples
    --------
    >>> display_name("neck_rotation")
    'Neck rotation'
    >>> display_name("shoulder_abduction_3d", "left")
    'Shoulder abduction, left (3D)'
    """
    is_3d = measure.endswith("_3d")
    text = measure.removesuffix("_3d").replace("_", " ").capitalize()
    if side:
        text += f", {side}"
    return text + (" (3D)" if is_3d else "")


#: ``results`` block status -> :data:`STATUSES`.
_STATUS = {
    "measured": "ok",
    "not_performed": "not performed",
    "not_measurable": "not measurable",
    "not_seen": "not measured",
}


def _from_results(summary: Mapping[str, Any]) -> list[MeasureValue]:
    """The values of a ``results`` block (see ``docs/results.md``): a side ``none`` is an
    axial measure (side ""); repetition times come from the ROM summary of the value's
    column when it lists as many repetitions."""
    block = summary["results"]
    rom = summary.get("rom") or {}
    protocol = str(block.get("protocol") or "")
    out: list[MeasureValue] = []
    for m in block.get("measures", ()):
        for side, r in (m.get("sides") or {}).items():
            status = _STATUS.get(str(r.get("status")), str(r.get("status") or "not measured"))
            column = str(r.get("column") or "")
            reps = tuple(float(x) for x in r.get("rep_peaks_deg") or () if _finite(x))
            d = ((rom.get(column) or {}).get("directions") or {}).get(m["direction"], {})
            times = tuple(float(t) for t in d.get("rep_times_s") or () if _finite(t))
            out.append(
                MeasureValue(
                    protocol=protocol,
                    measure=str(m["measure"]),
                    side="" if side == "none" else str(side),
                    direction=str(m["direction"]),
                    label=str(m.get("label") or m["direction"]),
                    column=column,
                    estimate=str(r.get("estimate") or ""),
                    value_deg=_num(r.get("value_deg")) if status == "ok" else None,
                    uncertainty_deg=_num(r.get("uncertainty_deg")),
                    value_time_s=_num(r.get("peak_time_s")),
                    normal_deg=_num(r.get("normal_deg")),
                    percent_of_normal=_num(r.get("percent_of_normal")) if status == "ok" else None,
                    norm_source=str(m.get("norm_source") or ""),
                    rep_peaks_deg=reps,
                    rep_times_s=times if len(times) == len(reps) else (),
                    status=status,
                    reason=str(r.get("reason") or ""),
                    flags=tuple(str(f) for f in r.get("flags") or ()),
                    warnings=tuple(str(w) for w in r.get("warnings") or ()),
                )
            )
    return out
