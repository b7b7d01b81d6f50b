"""The report's static charts: the legend never hides data. Each chart is drawn and the
legend's box (in pixels) is checked against every bar, band, line, marker and text drawn
in the axes, and against the axes themselves, whatever the values (long bars, peaks in
every corner)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from rom.metrics.compare import Change
from rom.metrics.measure_values import MeasureValue
from rom.metrics.series import AngleSeries
from rom.report import figures


def _change(measure: str, side: str, before: float | None, after: float | None) -> Change:
    return Change(
        protocol="shoulder-abduction",
        measure=measure,
        side=side,
        direction="positive",
        label="abduction",
        before_deg=before,
        after_deg=after,
        before_status="measured" if before is not None else "not_measurable",
        after_status="measured" if after is not None else "not_measurable",
        change_deg=None if before is None or after is None else after - before,
        change_pct=None,
        mdc_deg=8.0,
        mdc_level="",
        mdc_source="",
        noise_sd_deg=None,
        noise_df=0,
        noise_mdc_deg=None,
        threshold_deg=8.0 if before is not None else None,
        verdict="within noise",
        basis="",
        normal_deg=180.0,
        before_pct_normal=None,
        after_pct_normal=None,
        before_estimate="2d",
        after_estimate="2d",
    )


CHANGE_SETS = {
    # the review's case: the after bars reach the right edge, where the legend sat
    "long bars": [
        _change("shoulder_abduction", "left", 150.0, 178.0),
        _change("shoulder_abduction", "right", 160.0, 179.0),
        _change("shoulder_flexion", "left", 170.0, 176.0),
    ],
    "one row": [_change("shoulder_abduction", "left", 170.0, 180.0)],
    "missing values": [
        _change("shoulder_abduction", "left", None, 175.0),
        _change("shoulder_abduction", "right", 177.0, None),
        _change("neck_rotation", "", 60.0, 75.0),
        _change("neck_flexion", "", 45.0, 50.0),
        _change("elbow_flexion", "left", 140.0, 150.0),
        _change("elbow_flexion", "right", 150.0, 145.0),
    ],
}


def _series(kind: str) -> tuple[AngleSeries, list[MeasureValue]]:
    t = np.linspace(0.0, 10.0, 301)
    names = ("shoulder_abduction_left_deg", "shoulder_abduction_right_deg")
    if kind == "peaks at the ends":  # the highest values in the top corners
        left = 170 * np.abs(t - 5) / 5
        right = 160 * np.abs(t - 5) / 5
    else:  # repetitions across the whole clip, one side only measured later
        left = 85 + 85 * np.sin(2 * np.pi * t / 2.5)
        right = np.where(t > 3, 80 + 80 * np.sin(2 * np.pi * t / 2.5), np.nan)
    angles = AngleSeries(t, names, np.column_stack([left, right]))
    values = []
    for side, x in (("left", left), ("right", right)):
        i = int(np.nanargmax(x))
        values.append(
            MeasureValue(
                protocol="shoulder-abduction",
                measure="shoulder_abduction",
                side=side,
                direction="positive",
                label="abduction",
                column=f"shoulder_abduction_{side}_deg",
                value_deg=float(x[i]),
                value_time_s=float(t[i]),
                rep_peaks_deg=(float(x[i]),) * 3,
                rep_times_s=(float(t[0]), float(t[i]), float(t[-1])),
            )
        )
    return angles, values


def _drawn(fig: Figure) -> FigureCanvasAgg:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas


def _overlap(a: Bbox, b: Bbox) -> bool:
    """True when the boxes share an area (touching edges do not count)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5


def _assert_legend_clear(fig: Figure) -> None:
    canvas = _drawn(fig)
    renderer = canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends, "the chart has a legend"
    data = []
    for ax in fig.axes:
        data += [a for a in (*ax.patches, *ax.lines, *ax.texts) if a.get_visible()]
        data += [c for c in ax.containers for c in c]  # bar containers
    assert data
    fig_box = fig.bbox
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1, "legend cut at the sides"
        assert fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1, "legend cut at the top/bottom"
        for ax in fig.axes:
            assert not _overlap(box, ax.get_window_extent(renderer)), "legend inside the axes"
        for artist in data:
            extent = artist.get_window_extent(renderer)
            assert not _overlap(box, extent), f"legend covers {artist}"


@pytest.mark.parametrize("name", list(CHANGE_SETS))
def test_the_change_chart_legend_never_covers_a_bar(name: str) -> None:
    fig = figures.change_figure(CHANGE_SETS[name])
    assert fig is not None
    _assert_legend_clear(fig)


@pytest.mark.parametrize("kind", ["peaks at the ends", "repetitions"])
@pytest.mark.parametrize("title", ["", "before: a rather long clip name recorded today.mp4"])
def test_the_angle_chart_legend_never_covers_a_line(kind: str, title: str) -> None:
    angles, values = _series(kind)
    fig = figures.series_figure(angles, values, title=title)
    assert fig is not None
    _assert_legend_clear(fig)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "repetition peak" in labels and "reported peak" in labels


def test_the_charts_are_still_png_and_none_without_data() -> None:
    png = figures.change_chart(CHANGE_SETS["long bars"])
    assert png is not None and png.startswith(b"\x89PNG")
    angles, values = _series("repetitions")
    png = figures.series_chart(angles, values)
    assert png is not None and png.startswith(b"\x89PNG")
    assert figures.change_chart([_change("neck_rotation", "", None, None)]) is None
    unused = [dataclasses.replace(v, column="") for v in values]
    assert figures.series_chart(angles, unused) is None


def _other_view(c: Change, *, before: bool = False, after: bool = False) -> Change:
    note = "read at 4.5 s in another view than the measure's"
    return dataclasses.replace(
        c,
        verdict="not judged",
        threshold_deg=None,
        before_view_note=note if before else "",
        after_view_note=note if after else "",
    )


CHANGE_SETS["another view"] = [
    _other_view(_change("shoulder_abduction", "left", 100.0, 105.9), after=True),
    _other_view(_change("shoulder_abduction", "right", 150.0, 178.0), before=True),
    _change("shoulder_flexion", "left", 170.0, 176.0),
]


def test_a_value_read_in_another_view_is_a_hatched_lighter_bar_with_a_legend_entry() -> None:
    """Issue 8: a value read in another view was drawn as an ordinary bar. It is hatched
    and lighter (never colour alone), and the legend says what that means; ordinary
    values stay solid, and a chart without such a value has no such entry."""
    fig = figures.change_figure(CHANGE_SETS["another view"])
    assert fig is not None
    _assert_legend_clear(fig)
    bars = [p for c in fig.axes[0].containers for p in c]
    marked = [b for b in bars if b.get_hatch()]
    # after of the first row (105.9) and before of the second (150.0), nothing else
    assert sorted(b.get_width() for b in marked) == [105.9, 150.0]
    assert all(b.get_facecolor()[3] < 1.0 for b in marked)
    assert all(b.get_facecolor()[3] == 1.0 for b in bars if not b.get_hatch())
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert figures.OTHER_VIEW_LABEL in labels
    plain = figures.change_figure(CHANGE_SETS["long bars"])
    assert plain is not None
    assert figures.OTHER_VIEW_LABEL not in [t.get_text() for t in plain.legends[0].get_texts()]
    assert not any(p.get_hatch() for c in plain.axes[0].containers for p in c)
