"""Repetition counts in words a therapist reads (one formatter: rom analyze's lines, the
dashboard's tables, the report). A new user saw "0/1 reps" printed unexplained."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np

from rom.metrics.measure_values import MeasureValue
from rom.metrics.results import REPETITION_MEANING, repetitions_text, result_lines
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, raises


def test_counts_in_words() -> None:
    assert repetitions_text([("left", 3), ("right", 3)]) == "3 repetitions each side"
    assert repetitions_text([("left", 0), ("right", 1)]) == (
        "repetitions: left none complete, right 1"
    )
    assert repetitions_text([("left", 0), ("right", 0)]) == "no complete repetition on either side"
    assert repetitions_text([("", 1)]) == "1 repetition"
    assert repetitions_text([("", None)]) == ""
    assert "half" in REPETITION_MEANING and "very first or last frames" in REPETITION_MEANING


def test_a_peak_without_a_complete_repetition_reads_in_words() -> None:
    """One side raised twice; the other raised once and held up to the clip's end (its
    peak seen mid-clip, the value stands; no complete repetition: it never came back)."""
    two = raises(120, n_reps=2)
    t = np.arange(two.size) / 30.0
    cut = np.interp(t, [0.0, 1.0, 2.5, 3.5, t[-1]], [0.0, 0.0, 100.0, 85.0, 85.0])
    seq = make_sequence(
        camera=Camera.far(), shoulder_abduction_left=two, shoulder_abduction_right=cut
    )
    doc = analyse(seq, "shoulder-abduction")
    line = next(x for x in result_lines(doc["results"]) if "abduction" in x)
    assert not re.search(r"\d+/\d+ rep", line) and "reps" not in line, line
    sides = doc["results"]["measures"][0]["sides"]
    n_left, n_right = sides["left"]["n_reps"], sides["right"]["n_reps"]
    assert sides["right"]["status"] == "measured" and n_right < n_left, sides
    want = repetitions_text([("left", n_left), ("right", n_right)])
    assert want in line and "none complete" in want


def test_dashboard_table_and_report_use_the_same_words() -> None:
    from rom.app.tables import result_rows
    from rom.report.build import RecordingPart, ReportData, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    block = {
        "measures": [
            {
                "measure": "shoulder_abduction",
                "title": "Shoulder abduction",
                "kind": "rom",
                "direction": "positive",
                "label": "abduction",
                "sides": {
                    "left": {"status": "measured", "value_deg": 150.0, "n_reps": 0},
                    "right": {"status": "measured", "value_deg": 152.0, "n_reps": 2},
                },
            }
        ]
    }
    reps = [r["Repetitions"] for r in result_rows(block)]
    assert reps == ["no complete repetition", "2 repetitions"]
    now = datetime(2026, 1, 1)
    session = SessionInfo("c1", "pre", now, "")
    info = RecordingInfo(
        1,
        "c1",
        "pre",
        "shoulder-abduction",
        "v.mp4",
        "",
        "full",
        "x",
        "front",
        5.0,
        True,
        "",
        (),
        "",
        now,
    )
    value = MeasureValue(
        "shoulder-abduction",
        "shoulder_abduction",
        "right",
        "positive",
        "abduction",
        value_deg=152.0,
        rep_peaks_deg=(150.0, 152.0),
    )
    data = ReportData(
        client=ClientInfo("c1", "", now),
        before=session,
        after=session,
        sessions=[session],
        changes=[],
        asymmetry=[],
        progress=[],
        recordings=[RecordingPart("pre", info, [value], None, [])],
        change_chart_png=None,
        mdc_sources=[],
    )
    html = render_html(data)
    assert repetitions_text([("", 2)]) in html and "150.0, 152.0" in html
    assert REPETITION_MEANING[1:40] in html
