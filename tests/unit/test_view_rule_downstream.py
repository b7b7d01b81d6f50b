"""The view rule downstream (issue 8): compare and the report carry a value's other-view
flag and never call its change real; printed right-left differences equal the
difference of the printed values; a lone repetition count says whose."""

from __future__ import annotations

import dataclasses
import re

from rom.clinic_cli import comparison_table
from rom.metrics.compare import compare_asymmetry, compare_values
from rom.metrics.measure_values import MeasureValue
from rom.metrics.results import _asymmetry, repetitions_text, result_lines


def _value(v: float, peaks: tuple[float, ...], flags: tuple[str, ...] = ()) -> MeasureValue:
    return MeasureValue(
        "shoulder-abduction",
        "shoulder_abduction",
        "left",
        "positive",
        "abduction",
        value_deg=v,
        value_time_s=4.5,
        rep_peaks_deg=peaks,
        flags=flags,
    )


def test_a_change_from_another_view_is_marked_and_not_judged() -> None:
    before = _value(100.0, (99.0, 100.0, 101.0))
    after = _value(160.0, (159.0, 160.0, 161.0), ("other_view",))
    (c,) = compare_values([before], [after])
    assert c.verdict == "not judged" and "another view" in c.basis
    assert c.after_view_note == "read at 4.5 s in another view than the measure's"
    assert not c.before_view_note
    table = comparison_table([c], "pre", "post")
    assert "160.0*" in table and "*: read in another view" in table
    (same,) = compare_values([before], [_value(160.0, (159.0, 160.0, 161.0))])
    assert same.verdict == "real"  # the same change read in the measure's view


def test_a_lower_bound_shows_as_at_least_not_missing() -> None:
    """rom compare showed "missing" for a side whose peak was not seen although the
    analysis said "at least 106 deg": the table shows the lower bound, never as a value
    (no change, no verdict on it), and the summary's at_least_deg reaches it."""
    from rom.metrics.measure_values import measure_values

    not_seen = {
        "status": "not_seen",
        "value_deg": None,
        "at_least_deg": 106.4,
        "estimate": "3d",
        "reason": "the abduction peak was not seen",
        "flags": ["peak_at_edge"],
    }
    summary = {
        "results": {
            "protocol": "shoulder-abduction",
            "measures": [
                {
                    "measure": "shoulder_abduction",
                    "direction": "positive",
                    "label": "abduction",
                    "sides": {"left": not_seen},
                }
            ],
        }
    }
    (after,) = measure_values(summary)
    assert after.at_least_deg == 106.4 and after.value_deg is None
    (c,) = compare_values([_value(100.0, (99.0, 100.0, 101.0))], [after])
    assert c.after_deg is None and c.change_deg is None and c.verdict == "missing"
    assert c.after_at_least_deg == 106.4 and c.before_at_least_deg is None
    row = next(x for x in comparison_table([c], "pre", "post").splitlines() if "abduction" in x)
    assert "   100.0    >=106 " in row, row  # before, after: the lower bound, not "missing"
    # the report's before/after table and the recording's own table
    assert _report_text([c], [after]).count("≥106.4") == 2
    # read in another view: the lower bound carries the mark as a value would
    oblique = dataclasses.replace(after, flags=("other_view",), value_time_s=1.6)
    (o,) = compare_values([_value(100.0, (99.0, 100.0, 101.0))], [oblique])
    assert o.after_view_note and ">=106*" in comparison_table([o], "pre", "post")
    # rom compare --progress (table and CSV) shows it too, never "missing"
    from rom.clinic_cli import progress_table
    from rom.metrics.compare import progress

    (row,) = progress([[_value(100.0, (99.0, 100.0, 101.0))], [oblique]])
    assert row.values_deg == (100.0, None) and row.at_least(1) == 106.4
    line = next(x for x in progress_table([row], ["pre", "post"]).splitlines() if "abduction" in x)
    assert line.split()[-2:] == ["100.0", ">=106*"], line
    page = _report_text([o], [oblique])  # the recording's table marks it, the change's says it
    assert "≥106.4*" in page and "read at 1.6 s in another view than the measure's" in page


def _report_text(changes: list, values: list) -> str:
    """The report's text (tags dropped) for ``changes`` between two sessions and one
    recording of ``values``."""
    import html as html_lib
    from datetime import datetime

    from rom.report.build import RecordingPart, ReportData, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    now = datetime(2026, 1, 1)
    pre, post = SessionInfo("c1", "pre", now, ""), SessionInfo("c1", "post", now, "")
    info = RecordingInfo(
        1, "c1", "post", "shoulder-abduction", "v.mp4", "", "full", "x", "front", 5.0,
        True, "", (), "", now,
    )  # fmt: skip
    data = ReportData(
        client=ClientInfo("c1", "", now),
        before=pre,
        after=post,
        sessions=[pre, post],
        changes=changes,
        asymmetry=[],
        progress=[],
        recordings=[RecordingPart("post", info, values, None, [])],
        change_chart_png=None,
        mdc_sources=[],
    )
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", render_html(data)))


def test_asymmetry_with_a_side_from_another_view_is_not_compared() -> None:
    def side(s: str, v: float, flags: tuple[str, ...] = ()) -> MeasureValue:
        return MeasureValue("", "elbow_flexion", s, "positive", "flexion", value_deg=v, flags=flags)

    (a,) = compare_asymmetry(
        [side("left", 31.0), side("right", 95.0, ("other_view",))],
        [side("left", 30.0), side("right", 40.0)],
    )
    assert a.before_diff_deg is None and a.after_diff_deg == 10.0


def _side(v: float, n: int | None = 2) -> dict:
    return {
        "status": "measured",
        "value_deg": v,
        "uncertainty_deg": 3.0,
        "estimate": "3d",
        "n_reps": n,
        "flags": [],
        "peak_time_s": 1.0,
        "yaw_at_peak_deg": 0.0,
    }


def test_the_printed_difference_is_the_difference_of_the_printed_values() -> None:
    left, right = _side(13.6), _side(36.4)  # printed 14 and 36: +22, not +23
    asym = _asymmetry(right, left)
    block = {
        "protocol": "knee-flexion",
        "measures": [
            {
                "measure": "knee_flexion",
                "title": "Knee flexion",
                "kind": "rom",
                "direction": "positive",
                "label": "flexion",
                "sides": {"left": left, "right": right},
                "asymmetry": asym,
            }
        ],
    }
    (line,) = result_lines(block)
    printed = [int(x) for x in re.findall(r"(?:left|right) (\d+) \+/-", line)]
    assert printed == [14, 36]
    assert "right-left +22 deg" in line, line
    assert "measurement noise of +/- 8 deg" in line and "uncertainty" not in line


def test_a_lone_repetition_count_says_whose() -> None:
    assert repetitions_text([("right", 1)]) == "right: 1 repetition"
    assert repetitions_text([("left", 2), ("right", 2)]) == "2 repetitions each side"


def test_a_side_bend_is_no_turn() -> None:
    right = {**_side(20.0), "status": "not_performed"}
    a = _asymmetry(
        right, _side(30.0), ("the lateral flexion to the right", "the lateral flexion to the left")
    )
    assert "lateral flexion to the right has no value" in a["reason"]


def test_progress_marks_a_value_read_in_another_view_and_gives_each_mark_one_meaning() -> None:
    from rom.clinic_cli import REAL_CHANGE_MARK, progress_table
    from rom.metrics.compare import progress

    s1 = [_value(100.0, (99.0, 100.0, 101.0))]
    s2 = [_value(105.9, (104.9, 105.9, 106.9), ("other_view",))]
    s3 = [_value(130.0, (129.0, 130.0, 131.0))]
    (row,) = progress([s1, s2, s3])
    assert row.view_notes == ("", "read at 4.5 s in another view than the measure's", "")
    assert row.verdicts == ("", "not judged", "real")
    assert row.as_dict()["view_notes"] == row.view_notes
    table = progress_table([row], ["pre", "mid", "post"])
    assert "105.9*" in table and "*: read in another view" in table
    assert f"130.0{REAL_CHANGE_MARK}" in table and "130.0*" not in table
    assert f"{REAL_CHANGE_MARK}: a real change since the first session" in table
    assert "* a real change" not in table  # '*' has one meaning: another view
    # without a value from another view, no '*' and no footnote for it
    (plain,) = progress([s1, s3])
    assert "*" not in progress_table([plain], ["pre", "post"])


def test_a_change_not_judged_or_missing_has_no_trend() -> None:
    before = _value(100.0, (99.0, 100.0, 101.0))
    (flagged,) = compare_values([before], [_value(160.0, (160.0,), ("other_view",))])
    assert flagged.verdict == "not judged" and flagged.change_deg == 60.0
    assert flagged.trend == "" and flagged.as_dict()["trend"] == ""
    (few,) = compare_values([_value(100.0, (100.0,))], [_value(130.0, (130.0,))])
    assert few.verdict == "not judged" and few.trend == ""
    (real,) = compare_values([before], [_value(160.0, (159.0, 160.0, 161.0))])
    assert real.verdict == "real" and real.trend == "increase"
    (noise,) = compare_values([before], [_value(99.0, (98.0, 99.0, 100.0))])
    assert noise.verdict == "within noise" and noise.trend == "decrease"


def test_the_reports_progress_table_marks_a_value_read_in_another_view() -> None:
    """Issue 8: the report's progress table showed 105.9 like any value."""
    import html as html_lib
    from datetime import datetime

    import pytest

    pytest.importorskip("jinja2")
    from rom.metrics.compare import progress
    from rom.report.build import ReportData, render_html
    from rom.store.store import ClientInfo, SessionInfo

    now = datetime(2026, 11, 30, 12, 0)
    sessions = [SessionInfo("C1", s, now, "") for s in ("pre", "mid", "post")]

    def page(rows: list) -> str:
        data = ReportData(
            client=ClientInfo("C1", "", now),
            before=sessions[0],
            after=sessions[-1],
            sessions=sessions,
            changes=[],
            asymmetry=[],
            progress=rows,
            recordings=[],
            change_chart_png=None,
            mdc_sources=[],
        )
        html = render_html(data)
        body = html.split("Progress over all sessions")[1].split("The recordings")[0]
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))

    s1 = [_value(100.0, (99.0, 100.0, 101.0))]
    s2 = [_value(105.9, (104.9, 105.9, 106.9), ("other_view",))]
    s3 = [_value(130.0, (129.0, 130.0, 131.0))]
    text = page(progress([s1, s2, s3]))
    assert "105.9*" in text and "*: read in another view than the measure's" in text
    assert "100.0*" not in text and "130.0*" not in text
    plain = page(progress([s1, s3]))
    assert "*" not in plain


def test_the_reports_recording_table_marks_a_value_read_in_another_view() -> None:
    """Issue 8: the PDF report's recording table showed a value read in another view
    like any other, where ``rom compare`` marks it ``*``."""
    import html as html_lib
    from datetime import datetime

    import pytest

    pytest.importorskip("jinja2")
    from rom.metrics.measure_values import MeasureValue
    from rom.report.build import RecordingPart, ReportData, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    now = datetime(2026, 1, 1)
    session = SessionInfo("c1", "pre", now, "")
    info = RecordingInfo(
        1, "c1", "pre", "shoulder-abduction", "v.mp4", "", "full", "x", "front", 5.0,
        True, "", (), "", now,
    )  # fmt: skip

    def value(side: str, deg: float, flags: tuple[str, ...] = ()) -> MeasureValue:
        return MeasureValue(
            "shoulder-abduction", "shoulder_abduction", side, "positive", "abduction",
            value_deg=deg, value_time_s=4.5, flags=flags,
        )  # fmt: skip

    def page(values: list) -> str:
        data = ReportData(
            client=ClientInfo("c1", "", now),
            before=session,
            after=session,
            sessions=[session],
            changes=[],
            asymmetry=[],
            progress=[],
            recordings=[RecordingPart("pre", info, values, None, [])],
            change_chart_png=None,
            mdc_sources=[],
        )
        body = render_html(data).split("The recordings")[1].split("How to read")[0]
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))

    text = page([value("right", 152.0), value("left", 105.9, ("other_view",))])
    assert "105.9*" in text and "152.0*" not in text
    assert "*: read in another view than the measure's" in text
    plain = page([value("right", 152.0), value("left", 150.0)])
    assert "*" not in plain
