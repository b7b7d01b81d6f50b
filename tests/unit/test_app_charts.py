"""The dashboard's comparison charts: what they draw, checked on the Plotly figure."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("plotly")

from rom.app.charts import compare_figure, progress_figure


def change(before, after, verdict, threshold=12.0, side="left"):
    return SimpleNamespace(
        measure="shoulder_abduction",
        side=side,
        label="abduction",
        before_deg=before,
        after_deg=after,
        threshold_deg=threshold,
        verdict=verdict,
    )


def test_an_after_bar_within_noise_is_drawn_hatched_over_its_colour() -> None:
    fig = compare_figure([change(152.0, 154.0, "within noise"), change(100.0, 140.0, "real")])
    after = next(t for t in fig.data if t.name == "After")
    pattern = after.marker.pattern
    assert list(pattern.shape) == ["/", ""]
    # Plotly's default fill mode draws the hatching on a transparent background: the bar
    # vanished from the page; "overlay" hatches over the bar's own colour
    assert pattern.fillmode == "overlay"
    assert after.marker.color not in (None, "rgba(0,0,0,0)")
    # the noise band is drawn around the before value
    band, _ = fig.layout.shapes
    assert (band.y0, band.y1) == (140.0, 164.0)


def test_a_value_missing_in_one_session_says_which() -> None:
    fig = compare_figure(
        [change(None, 156.0, "missing", None), change(150.0, None, "missing", None, "right")]
    )
    after = next(t for t in fig.data if t.name == "After")
    assert after.text[0] == "156°<br>not measured before"
    assert after.text[1] == "not measured<br>not measured after"
    assert not fig.layout.shapes  # no band without a before value


def test_two_lines_meeting_at_a_session_write_their_verdicts_apart() -> None:
    rows = [
        SimpleNamespace(
            measure="shoulder_abduction",
            side=side,
            label="abduction",
            values_deg=values,
            verdicts=("", "not judged", "within noise"),
        )
        for side, values in (("left", (152.0, 106.0, 155.0)), ("right", (None, 80.0, 156.0)))
    ]
    fig = progress_figure(rows, ["pre", "post", "follow-up"])
    positions = [t.textposition for t in fig.data]
    assert positions[0] != positions[1]
    assert list(fig.data[1].y) == [None, 80.0, 156.0]


def test_left_and_right_peaks_are_labelled_apart_and_inside_the_plot() -> None:
    import numpy as np

    from rom.app.charts import angle_figure
    from rom.metrics.series import AngleSeries

    t = np.arange(0, 5, 1 / 30)
    left = 154 * np.sin(np.pi * t / 5) ** 2
    angles = AngleSeries.from_dict(
        t, {"shoulder_abduction_left_deg": left, "shoulder_abduction_right_deg": left + 2}
    )

    def value(side, at):
        return SimpleNamespace(
            column=f"shoulder_abduction_{side}_deg",
            label="abduction",
            rep_times_s=(),
            value_time_s=at,
            value_deg=154.0,
            normal_deg=180.0,
            direction="positive",
        )

    fig = angle_figure(angles, [value("left", 2.5), value("right", 4.8)], title="")
    peaks = {t.name: t.textposition for t in fig.data if t.name.endswith("peak")}
    assert peaks["Left abduction: peak"].startswith("top")
    assert peaks["Right abduction: peak"] == "bottom left"  # near the right edge


def test_the_progress_chart_starts_at_zero() -> None:
    rows = [
        SimpleNamespace(
            measure="shoulder_abduction",
            side="left",
            label="abduction",
            values_deg=(156.0, 154.0),
            verdicts=("", "within noise"),
        )
    ]
    fig = progress_figure(rows, ["pre", "post"])
    assert fig.layout.yaxis.rangemode == "tozero"
