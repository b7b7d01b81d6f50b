"""The printed results say the quality notes the report shows (issue 8: ``rom analyze``
left out "no still start" and "the joint was hard to see at the peak", which the PDF
report showed for the same values)."""

from __future__ import annotations

import numpy as np

from rom.metrics.notes import flag_words
from rom.metrics.results import result_lines
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, measure, raises

FAR = Camera.far()


def test_a_value_without_a_still_start_is_marked_with_the_reports_words() -> None:
    arc = raises(150, rest_s=0.0)  # raising from the first frame: no still neutral
    arc = np.concatenate([arc, np.zeros(30)])
    doc = analyse(make_sequence(camera=FAR, shoulder_abduction_left=arc), "shoulder-abduction")
    r = measure(doc, "shoulder_abduction")["sides"]["left"]
    assert r["status"] == "measured" and "no_neutral" in r["flags"], r
    lines = result_lines(doc["results"])
    line = next(x for x in lines if "abduction" in x.lower())
    assert "[note 1]" in line, line
    assert f"  note 1: {flag_words('no_neutral')}" in lines, lines


def test_low_visibility_at_the_peak_is_marked() -> None:
    arc = raises(150)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc)
    vis = np.asarray(seq.visibility).copy()
    vis[:] = 0.6  # above the 0.5 cut, below the 0.7 of "hard to see"
    seq = seq.with_arrays(visibility=vis)
    doc = analyse(seq, "shoulder-abduction")
    m = measure(doc, "shoulder_abduction")
    assert all("low_visibility" in r["flags"] for r in m["sides"].values())
    lines = result_lines(doc["results"])
    line = next(x for x in lines if "abduction" in x.lower())
    assert line.count("[note 1]") == 2, line
    assert f"  note 1: {flag_words('low_visibility')}" in lines


def test_no_note_no_mark() -> None:
    arc = raises(150)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc)
    lines = result_lines(analyse(seq, "shoulder-abduction")["results"])
    assert not any("note" in x for x in lines), lines
