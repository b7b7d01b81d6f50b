"""One clinical value per measure, side and direction: what is stored, compared and reported.

A :class:`MeasureValue` is one number a therapist reads ("left shoulder abduction: 154
deg, normal 180"), with the repetition peaks it came from (which give the noise of the
recording), its normal value and its quality. :func:`measure_values` reads them from a
``summary.json`` document; storage (:mod:`rom.store`), comparison
(:mod:`rom.metrics.compare`) and the report read nothing else, so this module is the one
seam between the analysis's output format and everything downstream.

Conventions: ``value_deg`` is the **magnitude in the direction named** (extension 45 means
the neck reached 45 deg of extension, a peak of -45 deg), so a larger value is always more
range; ``rep_peaks_deg`` use the same sign. ``None`` means not measured, never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rom.metrics import catalogue

__all__ = ["MeasureValue", "measure_key", "measure_values"]

#: Status of a value: a number is reported only for "ok".
STATUSES = ("ok", "not performed", "not measured", "not measurable")


@dataclass(frozen=True)
class MeasureValue:
    """One value of one measure in one recording (see the module docstring).

    protocol : protocol name, "" when the clip was analysed without one
    measure : catalogue angle name, ``_3d`` appended for the 3D estimate when both are
        reported (e.g. ``shoulder_abduction``, ``shoulder_abduction_3d``)
    side : ``left`` / ``right``, or "" for axial measures (neck, trunk)
    direction : ``positive`` / ``negative`` (end of range) or ``value`` (posture)
    label : the direction's clinical word (``abduction``, ``rotation to the left``)
    column : the ``angles.csv`` column the value was read from
    estimate : ``2d`` or ``3d``
    value_deg : magnitude in the direction, degrees; None when not measured
    uncertainty_deg : +/- of ``value_deg`` when the analysis gives one, degrees
    value_time_s : time of the peak in the clip, seconds
    normal_deg, percent_of_normal, norm_source : the protocol's norm
    rep_peaks_deg, rep_times_s : the repetition peaks (same sign as ``value_deg``) and
        their times
    status : one of :data:`STATUSES`; reason : why a value is not "ok"
    flags, warnings : quality flags (short names) and sentences for the user
    """

    protocol: str
    measure: str
    side: str
    direction: str
    label: str
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
    status: str = "ok"
    reason: str = ""
    flags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return measure_key(self.protocol, self.measure, self.side, self.direction)

    @property
    def base_measure(self) -> str:
        """The catalogue angle name (without ``_3d``), e.g. ``shoulder_abduction``."""
        return self.measure.removesuffix("_3d")

    @property
    def reported(self) -> bool:
        """True when there is a number to show (status ok and a finite value)."""
        return self.status == "ok" and _finite(self.value_deg)


def measure_key(
    protocol: str, measure: str, side: str, direction: str
) -> tuple[str, str, str, str]:
    """The identity of a value across sessions: (protocol, measure, side, direction)."""
    return (protocol or "", measure, side or "", direction)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _num(x: Any) -> float | None:
    return float(x) if _finite(x) else None


def _column_parts(column: str) -> tuple[str, str, str]:
    """(measure, side, estimate) of an ``angles.csv`` column."""
    d = catalogue.angle_def(column)
    is_3d = column.endswith("_3d_deg")
    return d.name + ("_3d" if is_3d else ""), d.side or "", "3d" if is_3d else "2d"


def _flags(direction: Mapping[str, Any], quality: Mapping[str, Any]) -> tuple[str, ...]:
    out = [k for k in ("peak_at_edge", "peak_near_gap") if direction.get(k)]
    if quality.get("too_few_valid"):
        out.append("too_few_valid")
    return tuple(out)


def _one(
    protocol: str,
    column: str,
    key: str,
    d: Mapping[str, Any],
    col_summary: Mapping[str, Any],
    norm: Mapping[str, Any] | None,
) -> MeasureValue:
    measure, side, estimate = _column_parts(column)
    sign = -1.0 if key == "negative" else 1.0
    peak = _num(d.get("peak_deg"))
    performed = bool(d.get("performed", True))
    value = sign * peak if peak is not None else None
    reps = tuple(sign * float(p) for p in d.get("rep_peaks_deg") or () if _finite(p))
    times = tuple(float(t) for t in d.get("rep_times_s") or () if _finite(t))
    if value is None:
        status, reason = "not measured", "the angle could not be measured in this clip"
    elif not performed or value <= 0:
        status, reason = "not performed", "the movement in this direction was not made"
    else:
        status, reason = "ok", ""
    normal = _num(norm.get("normal_deg")) if norm else None
    pct = _num(norm.get("percent_of_normal")) if norm else None
    if pct is None and status == "ok" and normal and value is not None:
        pct = 100.0 * value / normal
    return MeasureValue(
        protocol=protocol,
        measure=measure,
        side=side,
        direction=key,
        label=str(d.get("label") or key),
        column=column,
        estimate=estimate,
        value_deg=value if status == "ok" else None,
        value_time_s=_num(d.get("peak_time_s")),
        normal_deg=normal,
        percent_of_normal=pct if status == "ok" else None,
        norm_source=str((norm or {}).get("norm_source") or ""),
        rep_peaks_deg=reps,
        rep_times_s=times[: len(reps)],
        status=status,
        reason=reason,
        flags=_flags(d, col_summary.get("quality", {})),
        warnings=tuple(str(w) for w in col_summary.get("warnings", ())),
    )


def measure_values(summary: Mapping[str, Any]) -> list[MeasureValue]:
    """The clinical values of one analysis, from its ``summary.json`` document.

    With a protocol: each protocol angle, in each direction the protocol has a norm for
    (the directions it tests). Without one: every summarised angle in each direction.

    A summary with a ``results`` block (``docs/results.md``) is read from that block, one
    value per measure, direction and side, as ``rom analyze`` reports it.

    Raises ``KeyError`` / ``ValueError`` when ``summary`` is not a rom summary.
    """
    if isinstance(summary.get("results"), Mapping):
        return _from_results(summary)
    rom = summary["rom"]
    proto = summary.get("protocol") or None
    out: list[MeasureValue] = []
    if proto:
        name = str(proto["name"])
        for column, dirs in proto["results"].items():
            if column not in rom:
                continue
            for key, res in dirs.items():
                if res.get("normal_deg") is None:
                    continue
                d = rom[column]["directions"].get(key, {})
                out.append(_one(name, column, key, d, rom[column], res))
    else:
        for column, s in rom.items():
            for key, d in s["directions"].items():
                out.append(_one("", column, key, d, s, None))
    return out


def values_by_key(values: Iterable[MeasureValue]) -> dict[tuple[str, str, str, str], MeasureValue]:
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
