"""Plotly figures of stored results: angle over time, before vs after, progress, spread.

Pure functions from the package's own values (an :class:`~rom.metrics.series.AngleSeries`,
measure values, comparison rows) to figures: nothing is computed here but positions on
the page. Sides differ by line style and marker shape as well as colour (the client's
left in orange, solid, circles; right in blue, dashed, squares; as in the overlay
video), so that colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rom.metrics.series import AngleSeries

SIDE_STYLE = {
    "left": {"color": "#E07000", "dash": "solid", "symbol": "circle"},
    "right": {"color": "#0077CC", "dash": "dash", "symbol": "square"},
    "": {"color": "#444444", "dash": "solid", "symbol": "diamond"},
}
#: a value read in another view than its measure's: words at the value, a lighter
#: cross-hatched bar or an open marker (never colour alone)
OTHER_VIEW_WORDS = "read in another view"
OTHER_VIEW_PATTERN = "x"
OTHER_VIEW_OPACITY = 0.45
SESSION_STYLE = {
    "before": {"color": "#9E9E9E", "pattern": ""},
    "after": {"color": "#2E7D32", "pattern": ""},
}
FONT = {"size": 16}


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def measure_title(measure: str) -> str:
    """``shoulder_abduction_3d`` -> ``Shoulder abduction (3D)``."""
    is_3d = measure.endswith("_3d")
    text = measure.removesuffix("_3d").replace("_", " ").capitalize()
    return f"{text} (3D)" if is_3d else text


def _side_of(column: str) -> str:
    for side in ("left", "right"):
        if f"_{side}_" in column or column.endswith(f"_{side}"):
            return side
    return ""


def _value_at(angles: AngleSeries, column: str, t: float) -> float:
    x = angles[column]
    ok = np.isfinite(x)
    if not ok.any():
        return math.nan
    return float(np.interp(t, angles.time_s[ok], x[ok]))


def angle_figure(angles: AngleSeries, values: Sequence[Any], *, title: str) -> Any:
    """One measure over time: a trace per column of ``values`` (measure values of one
    measure, e.g. left and right), each repetition peak marked, the reported peak
    starred and labelled, and the normal drawn as a dotted line per direction."""
    go = _go()
    fig = go.Figure()
    columns: list[str] = []
    for v in values:
        if v.column and v.column in angles and v.column not in columns:
            columns.append(v.column)
    for col in columns:
        side = _side_of(col)
        style = SIDE_STYLE[side]
        name = side.capitalize() if side else "Angle"
        fig.add_trace(
            go.Scatter(
                x=angles.time_s,
                y=angles[col],
                mode="lines",
                name=name,
                line={"color": style["color"], "dash": style["dash"], "width": 3},
                hovertemplate="%{x:.2f} s: %{y:.0f}°<extra>" + name + "</extra>",
            )
        )
    for v in values:
        if not v.column or v.column not in angles:
            continue
        side = _side_of(v.column)
        style = SIDE_STYLE[side]
        who = side.capitalize() if side else ""
        reps_t = list(v.rep_times_s)
        if reps_t:
            fig.add_trace(
                go.Scatter(
                    x=reps_t,
                    y=[_value_at(angles, v.column, t) for t in reps_t],
                    mode="markers",
                    name=f"{who} {v.label}: repetitions".strip(),
                    marker={
                        "symbol": style["symbol"] + "-open",
                        "size": 13,
                        "color": style["color"],
                        "line": {"width": 2},
                    },
                    hovertemplate="repetition at %{x:.2f} s: %{y:.0f}°<extra></extra>",
                )
            )
        if v.value_time_s is not None and v.value_deg is not None:
            y = _value_at(angles, v.column, v.value_time_s)
            fig.add_trace(
                go.Scatter(
                    x=[v.value_time_s],
                    y=[y],
                    mode="markers+text",
                    name=f"{who} {v.label}: peak".strip(),
                    text=[f"{who} {v.label} {v.value_deg:.0f}°".strip()],
                    # the right side's label below its star: two peaks at one height do
                    # not write over each other; inside the plot at its right edge
                    textposition=(
                        ("bottom" if side == "right" else "top")
                        + (
                            " left"
                            if v.value_time_s > 0.8 * float(angles.time_s[-1])
                            else " center"
                        )
                    ),
                    marker={"symbol": "star", "size": 18, "color": style["color"]},
                    showlegend=False,
                    hovertemplate="peak at %{x:.2f} s: %{y:.0f}°<extra></extra>",
                )
            )
    seen: set[tuple[str, float]] = set()
    for v in values:
        if v.normal_deg is None:
            continue
        y = -v.normal_deg if v.direction == "negative" else v.normal_deg
        if (v.direction, y) in seen:
            continue
        seen.add((v.direction, y))
        fig.add_hline(
            y=y,
            line={"dash": "dot", "color": "#666666"},
            annotation_text=f"normal {v.label} {v.normal_deg:.0f}°",
            annotation_position="top left",
        )
    fig.update_layout(
        title=title,
        xaxis_title="time (s)",
        yaxis_title="angle (°)",
        font=FONT,
        height=380,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def compare_figure(changes: Sequence[Any], *, title: str = "") -> Any:
    """Before vs after bars per measure (``rom.metrics.compare.Change`` rows), with the
    change needed to be real drawn on the after bar as an error bar around the before
    value: an after bar ending inside it is within measurement noise. Each bar is
    labelled with its value and the verdict in words; within-noise bars are hatched."""
    go = _go()
    labels = [change_label(c) for c in changes]
    before = [c.before_deg for c in changes]
    after = [c.after_deg for c in changes]
    fig = go.Figure()
    before_other = [bool(getattr(c, "before_view_note", "")) for c in changes]
    after_other = [bool(getattr(c, "after_view_note", "")) for c in changes]
    fig.add_trace(
        go.Bar(
            name="Before",
            x=labels,
            y=before,
            marker={
                "color": SESSION_STYLE["before"]["color"],
                "opacity": [OTHER_VIEW_OPACITY if o else 1.0 for o in before_other],
                "pattern": {
                    "shape": [OTHER_VIEW_PATTERN if o else "" for o in before_other],
                    "fgcolor": "white",
                    "fillmode": "overlay",
                },
            },
            text=[
                _deg_text(v) + (f"<br>{OTHER_VIEW_WORDS}" if o else "")
                for v, o in zip(before, before_other)
            ],
            textposition="outside",
        )
    )
    patterns = [
        OTHER_VIEW_PATTERN if o else "/" if c.verdict.startswith("within") else ""
        for c, o in zip(changes, after_other)
    ]
    thresholds = [c.threshold_deg if c.before_deg is not None else None for c in changes]
    fig.add_trace(
        go.Bar(
            name="After",
            x=labels,
            y=after,
            marker={
                "color": SESSION_STYLE["after"]["color"],
                "opacity": [OTHER_VIEW_OPACITY if o else 1.0 for o in after_other],
                # "overlay": white hatching over the green (Plotly's default "replace"
                # draws the hatching on a transparent background: an invisible bar)
                "pattern": {"shape": patterns, "fgcolor": "white", "fillmode": "overlay"},
            },
            text=[
                f"{_deg_text(v)}<br>" + (f"{OTHER_VIEW_WORDS}<br>" if o else "") + _verdict_words(c)
                for v, c, o in zip(after, changes, after_other)
            ],
            textposition="outside",
        )
    )
    # The noise band: before +/- the smallest real change, drawn across the after bar
    # (grouped bars: before at i - 0.2, after at i + 0.2). An after bar ending inside the
    # band is a change within measurement noise.
    for i, (b, t) in enumerate(zip(before, thresholds)):
        if b is None or t is None:
            continue
        fig.add_shape(
            type="rect",
            x0=i + 0.01,
            x1=i + 0.39,
            y0=b - t,
            y1=b + t,
            line={"color": "#000", "width": 2, "dash": "dot"},
            fillcolor="rgba(0,0,0,0.12)",
        )
    fig.add_trace(
        go.Scatter(
            name="Band: before ± smallest real change (inside = within noise)",
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "symbol": "square",
                "size": 14,
                "color": "rgba(0,0,0,0.12)",
                "line": {"color": "#000", "width": 2},
            },
        )
    )
    if any(before_other) or any(after_other):
        # a legend entry only (a Bar trace would take a slot in each group of bars)
        fig.add_trace(
            go.Scatter(
                name=f"{OTHER_VIEW_WORDS.capitalize()}: lighter, cross-hatched (not judged)",
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square-x-open", "size": 14, "color": "#555555"},
            )
        )
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis_title="range (°)",
        font=FONT,
        height=460,
        margin={"l": 60, "r": 20, "t": 60, "b": 120},
        legend={"orientation": "h", "y": -0.35},
    )
    return fig


def _verdict_words(c: Any) -> str:
    """The verdict as written on an after bar (which session lacks the value, if one)."""
    if c.verdict == "missing":
        if c.before_deg is None and c.after_deg is not None:
            return "not measured before"
        if c.after_deg is None and c.before_deg is not None:
            return "not measured after"
    return str(c.verdict)


def change_label(c: Any) -> str:
    side = f"{c.side} " if c.side else ""
    return f"{measure_title(c.measure)}<br>{side}{c.label}"


def _deg_text(v: float | None) -> str:
    return "not measured" if v is None else f"{v:.0f}°"


def progress_figure(rows: Sequence[Any], sessions: Sequence[str], *, title: str = "") -> Any:
    """Each measure across every session (``rom.metrics.compare.ProgressRow``): lines
    with markers, a gap where a session did not measure it, the verdict since the first
    session written at each point."""
    go = _go()
    fig = go.Figure()
    for k, r in enumerate(rows):
        side = r.side or ""
        style = SIDE_STYLE.get(side, SIDE_STYLE[""])
        # alternate lines are labelled below their points, so that two lines meeting at
        # one session do not write their verdicts over each other
        where = "top center" if k % 2 == 0 else "bottom center"
        notes = tuple(getattr(r, "view_notes", ()))
        other = [i < len(notes) and bool(notes[i]) for i in range(len(r.values_deg))]
        fig.add_trace(
            go.Scatter(
                x=list(sessions),
                y=[v if v is not None else None for v in r.values_deg],
                mode="lines+markers+text",
                name=f"{measure_title(r.measure)} {side} {r.label}".replace("  ", " "),
                # a value read in another view: an open marker and the words at the point
                text=[
                    "<br>".join(w for w in (OTHER_VIEW_WORDS if o else "", verdict_short(v)) if w)
                    for v, o in zip(r.verdicts, other)
                ],
                textposition=where,
                line={"color": style["color"], "dash": style["dash"], "width": 3},
                marker={
                    "symbol": [style["symbol"] + ("-open" if o else "") for o in other],
                    "size": 12,
                },
                connectgaps=False,
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="session",
        yaxis_title="range (°)",
        # from 0: a change of 2 degrees must not look like a steep decline
        yaxis={"rangemode": "tozero"},
        font=FONT,
        height=420,
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def verdict_short(verdict: str) -> str:
    return {"": ""}.get(verdict, verdict)


def distribution_figure(
    values: Iterable[float], groups: Iterable[str], *, title: str = "", x_title: str = ""
) -> Any:
    """Box plots with every point of ``values`` grouped by ``groups``."""
    go = _go()
    fig = go.Figure()
    by: dict[str, list[float]] = {}
    for v, g in zip(values, groups):
        if v is not None and math.isfinite(v):
            by.setdefault(g, []).append(v)
    for g, vs in by.items():
        fig.add_trace(
            go.Box(y=vs, name=g, boxpoints="all", jitter=0.4, pointpos=0, marker={"size": 7})
        )
    fig.update_layout(
        title=title, yaxis_title=x_title or "value (°)", font=FONT, height=440, showlegend=False
    )
    return fig
