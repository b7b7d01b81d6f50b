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


def test_a_progress_value_read_in_another_view_is_an_open_marker_with_words() -> None:
    """Issue 8: the dashboard drew a value read in another view as an ordinary point."""
    from rom.metrics.compare import progress
    from rom.metrics.measure_values import MeasureValue

    def value(v: float, flags: tuple[str, ...] = ()) -> list[MeasureValue]:
        peaks = (v - 1.0, v, v + 1.0)
        return [MeasureValue("shoulder-abduction", "shoulder_abduction", "left", "positive",
                             "abduction", value_deg=v, value_time_s=4.5, rep_peaks_deg=peaks,
                             flags=flags)]  # fmt: skip

    rows = progress([value(100.0), value(105.9, ("other_view",)), value(130.0)])
    (trace,) = progress_figure(rows, ["pre", "mid", "post"]).data
    assert list(trace.marker.symbol) == ["circle", "circle-open", "circle"]
    assert "read in another view" in trace.text[1] and "not judged" in trace.text[1]
    assert "another view" not in trace.text[0] + trace.text[2]


def test_a_bar_read_in_another_view_is_lighter_cross_hatched_and_in_the_legend() -> None:
    plain = change(100.0, 105.9, "not judged")
    flagged = SimpleNamespace(
        **{**vars(plain), "after_view_note": "read at 4.5 s in another view than the measure's"}
    )
    fig = compare_figure([flagged, change(150.0, 152.0, "within noise")])
    after = next(t for t in fig.data if t.name == "After")
    assert list(after.marker.pattern.shape) == ["x", "/"]
    assert list(after.marker.opacity) == [pytest.approx(0.45), 1.0]
    assert "read in another view" in after.text[0] and "another view" not in after.text[1]
    before = next(t for t in fig.data if t.name == "Before")
    assert list(before.marker.pattern.shape) == ["", ""]
    assert any("another view" in (t.name or "").lower() for t in fig.data)
    assert not any(
        "another view" in (t.name or "").lower()
        for t in compare_figure([change(150.0, 152.0, "within noise")]).data
    )


def test_the_dashboard_compare_table_says_a_value_was_read_in_another_view() -> None:
    pytest.importorskip("streamlit")
    from rom.app.pages import compare as page
    from rom.metrics.compare import compare_values
    from rom.metrics.measure_values import MeasureValue

    def value(v: float, flags: tuple[str, ...] = ()) -> MeasureValue:
        return MeasureValue("shoulder-abduction", "shoulder_abduction", "left", "positive",
                            "abduction", value_deg=v, value_time_s=4.5,
                            rep_peaks_deg=(v - 1, v, v + 1), flags=flags)  # fmt: skip

    (row,) = page.change_rows(compare_values([value(100.0)], [value(106.0, ("other_view",))]))
    assert row["After"] == "106° (read in another view)" and row["Before"] == "100°"
