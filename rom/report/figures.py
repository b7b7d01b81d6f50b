"""Static charts for the report (Matplotlib, Agg backend, PNG bytes).

* :func:`change_chart`: per measure, the value before and after as bars, and the band
  around the value before that a change must leave to be real (the larger of the
  published MDC and the recordings' own noise); a value read in another view than its
  measure's is a lighter, hatched bar (never colour alone) with its legend entry.
* :func:`series_chart`: the angle over time of one recording, repetition peaks marked
  and the reported peak starred.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rom.metrics.compare import Change
from rom.metrics.measure_values import MeasureValue, display_name
from rom.metrics.series import AngleSeries

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

__all__ = ["change_chart", "change_figure", "series_chart", "series_figure"]

BEFORE = "#8c96a0"
AFTER = "#1f6fb4"
BAND = "#f2b134"
#: a value read in another view than its measure's: hatched and lighter
OTHER_VIEW_HATCH = "////"
OTHER_VIEW_ALPHA = 0.4
OTHER_VIEW_LABEL = "read in another view (change not judged)"
DPI = 150


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def _legend_above(fig: Figure, handles: Sequence[Artist], ncols: int) -> None:
    """The legend in a band above the axes (``constrained`` layout reserves it), where it
    can never hide a bar, line or marker, however long the bars are."""
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=max(1, min(ncols, len(handles))),
        fontsize=7,
        frameon=False,
    )


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def change_chart(changes: Sequence[Change]) -> bytes | None:
    """:func:`change_figure` as PNG bytes; None when no measure has a value."""
    fig = change_figure(changes)
    return None if fig is None else _png(fig)


def change_figure(changes: Sequence[Change]) -> Figure | None:
    """Horizontal bars before (grey) and after (blue) per measure, with the band of
    +/- the verdict's threshold around the value before (amber); a value read in another
    view than its measure's (``Change.before_view_note`` / ``after_view_note``) is a
    lighter, hatched bar with a legend entry of its own; missing values get no bar and the
    word "missing"; the legend above the axes. None when no measure has a value."""
    rows = [c for c in changes if c.before_deg is not None or c.after_deg is not None]
    if not rows:
        return None
    fig = _figure(7.0, 0.55 * len(rows) + 1.0)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1].astype(float)
    for yi, c in zip(y, rows):
        for dy, value, colour, note in (
            (0.18, c.before_deg, BEFORE, c.before_view_note),
            (-0.18, c.after_deg, AFTER, c.after_view_note),
        ):
            if value is not None:
                _bar(ax, yi + dy, value, colour, other_view=bool(note))
        if c.before_deg is not None and c.threshold_deg is not None:
            lo = max(c.before_deg - c.threshold_deg, 0.0)
            hi = c.before_deg + c.threshold_deg
            ax.add_patch(_rect(lo, yi - 0.42, hi - lo, 0.84, BAND))
        missing = [w for w, v in (("before", c.before_deg), ("after", c.after_deg)) if v is None]
        if missing:
            ax.text(1, yi, f"missing {' and '.join(missing)}", va="center", fontsize=7)
    ax.set_yticks(y, [f"{display_name(c.measure, c.side)}\n{c.label}" for c in rows], fontsize=7)
    ax.set_xlabel("degrees")
    from matplotlib.patches import Patch

    handles = [
        Patch(color=BEFORE, label="before"),
        Patch(color=AFTER, label="after"),
        Patch(color=BAND, alpha=0.35, label="within noise / MDC of the value before"),
    ]
    if any(c.before_view_note or c.after_view_note for c in rows):
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#444",
                hatch=OTHER_VIEW_HATCH,
                label=OTHER_VIEW_LABEL,
            )
        )
    _legend_above(fig, handles, ncols=len(handles))
    ax.grid(axis="x", alpha=0.3)
    return fig


def _bar(ax: Axes, y: float, value: float, colour: str, *, other_view: bool) -> None:
    """One horizontal bar; a value read in another view is lighter and hatched, its
    outline in the session's colour (so before/after still reads without colour)."""
    from matplotlib.colors import to_rgb

    if other_view:
        ax.barh(
            y,
            value,
            height=0.34,
            facecolor=(*to_rgb(colour), OTHER_VIEW_ALPHA),
            edgecolor=colour,
            hatch=OTHER_VIEW_HATCH,
            linewidth=1.0,
            zorder=2,
            gid="other_view",
        )
    else:
        ax.barh(y, value, height=0.34, color=colour, zorder=2)


def _rect(x: float, y: float, w: float, h: float, colour: str) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, color=colour, alpha=0.35, linewidth=0, zorder=1)


def series_chart(
    angles: AngleSeries, values: Sequence[MeasureValue], *, title: str = ""
) -> bytes | None:
    """:func:`series_figure` as PNG bytes; None without columns to draw."""
    fig = series_figure(angles, values, title=title)
    return None if fig is None else _png(fig)


def series_figure(
    angles: AngleSeries, values: Sequence[MeasureValue], *, title: str = ""
) -> Figure | None:
    """The angle over time of each column the ``values`` come from (one line each),
    repetition peaks as open circles, the reported peak as a star; the legend above the
    axes. None without such columns."""
    cols: list[str] = []
    for v in values:
        if v.column and v.column in angles and v.column not in cols:
            cols.append(v.column)
    if not cols:
        return None
    fig = _figure(7.0, 2.6)
    ax = fig.add_subplot()
    colours = ["#1f6fb4", "#e07b00", "#2e9e44", "#b8336a", "#6a4bb5", "#7f7f7f"]
    for i, col in enumerate(cols):
        colour = colours[i % len(colours)]
        first = next(v for v in values if v.column == col)
        ax.plot(
            angles.time_s,
            angles[col],
            color=colour,
            lw=1.2,
            label=display_name(first.measure, first.side),
        )
        for v in values:
            if v.column != col or not v.reported:
                continue
            sign = -1.0 if v.direction == "negative" else 1.0
            if v.rep_times_s:
                ax.plot(
                    v.rep_times_s,
                    [sign * p for p in v.rep_peaks_deg[: len(v.rep_times_s)]],
                    "o",
                    color=colour,
                    ms=4,
                    mfc="white",
                )
            if v.value_time_s is not None and v.value_deg is not None:
                ax.plot([v.value_time_s], [sign * v.value_deg], "*", color=colour, ms=10)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("angle (deg)")
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    from matplotlib.lines import Line2D

    handles: list[Artist] = [
        line for line in ax.get_lines() if not str(line.get_label()).startswith("_")
    ]
    handles += [
        Line2D([], [], ls="", marker="o", color="#444", mfc="white", ms=4, label="repetition peak"),
        Line2D([], [], ls="", marker="*", color="#444", ms=8, label="reported peak"),
    ]
    _legend_above(fig, handles, ncols=4)
    return fig
