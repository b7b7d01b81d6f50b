"""A peak at the clip's start or end, or beside frames without a value, is not a seen
peak: it is a lower bound ("peak not seen (at least N deg)"), never a value against the
normal range, by one rule for every edge (issue 8: the arm-raise sample clip printed trunk
lateral flexion "right 11 (32% of 35)" from a peak at 0.23 s, the clip's first frames; the
outdoor clip printed elbow flexion "right 117 (78% of 150) [... it may be cut off]" from
the frame where the person was lost, 5.3 s)."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.results import result_lines
from rom.metrics.rom_summary import peak_edge, summarize_angle
from tests.synthetic import Camera, make_sequence, with_missing
from tests.unit.test_results import analyse, measure

FAR = Camera.far()
T = np.arange(0, 5, 1 / 30)


def _line(doc: dict, word: str) -> str:
    return next(x for x in result_lines(doc["results"]) if word in x)


def test_a_peak_in_the_first_frames_is_said_beside_the_value() -> None:
    """The client starts bent 14 deg to the right and straightens within 0.4 s."""
    lean = 14.0 * np.clip(1 - T / 0.4, 0, None)
    doc = analyse(make_sequence(camera=FAR, trunk_lateral_flexion=lean), "trunk-lateral-flexion")
    r = measure(doc, "trunk_lateral_flexion")["sides"]["none"]
    assert r["status"] == "not_seen" and r["peak_time_s"] < 0.2
    assert r["peak_edge"] == "start" and "peak_at_edge" in r["flags"]
    assert r["value_deg"] is None and r["percent_of_normal"] is None
    assert r["at_least_deg"] == pytest.approx(14, abs=3)
    line = _line(doc, "Trunk lateral flexion")
    assert "peak not seen (at least" in line and "% of" not in line, line
    assert "at the start of what was measured" in line, line


def test_a_peak_at_the_end_and_one_beside_a_gap_are_said_alike() -> None:
    end = 14.0 * np.clip((T - 4.6) / 0.4, 0, None)
    doc = analyse(make_sequence(camera=FAR, trunk_lateral_flexion=end), "trunk-lateral-flexion")
    line = _line(doc, "Trunk lateral flexion")
    assert "peak not seen (at least" in line and "at the end of what was measured" in line
    r = measure(doc, "trunk_lateral_flexion")["sides"]["none"]
    assert r["status"] == "not_seen" and r["value_deg"] is None
    # a bend to 25 deg at 2.5 s whose top went unmeasured (shoulders hidden 2.2-2.8 s)
    bend = 25.0 * np.exp(-(((T - 2.5) / 0.4) ** 2))
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=bend)
    hidden = (T > 2.2) & (T < 2.8)
    for name in ("left_shoulder", "right_shoulder"):
        seq = with_missing(seq, name, hidden)
    doc = analyse(seq, "trunk-lateral-flexion")
    r = measure(doc, "trunk_lateral_flexion")["sides"]["none"]
    # inside a measured stretch the value stands, said beside it (LOWER_BOUND_EDGES: as a
    # lower bound, one copy of a clip read a value and another "not seen")
    assert r["status"] == "measured" and r["peak_edge"] == "gap", r
    assert r["value_deg"] is not None and r["value_deg"] < 25
    line = _line(doc, "Trunk")
    assert "beside frames without a value: it may be cut off" in line, line
    assert "peak not seen" not in line, line


def test_a_lower_bound_is_a_lower_bound_in_every_output() -> None:
    """The results rows (results.csv) carry the lower bound, not a value or a percentage
    of normal."""
    from rom.metrics.results import result_rows

    end = 14.0 * np.clip((T - 4.6) / 0.4, 0, None)
    doc = analyse(make_sequence(camera=FAR, trunk_lateral_flexion=end), "trunk-lateral-flexion")
    rows = [
        r
        for r in result_rows(doc["results"])
        if r["measure"] == "trunk_lateral_flexion" and r["direction"] == "positive"
    ]
    stats = {r["statistic"]: r for r in rows}
    assert stats["value"]["value"] is None and "percent_of_normal" not in stats
    assert stats["at_least"]["value"] == pytest.approx(14, abs=3)
    assert stats["at_least"]["status"] == "not_seen"


def test_one_rule_for_the_ends_of_every_measured_stretch() -> None:
    valid = np.ones(T.size, bool)
    valid[60:70] = False
    assert peak_edge(valid, T, 0.1, 0.2) == "start"
    assert peak_edge(valid, T, float(T[-1]), 0.2) == "end"
    assert peak_edge(valid, T, float(T[59]), 0.2) == peak_edge(valid, T, float(T[71]), 0.2) == "gap"
    assert peak_edge(valid, T, 1.0, 0.2) is None
    x = np.where(valid, 20 * np.exp(-(((T - 1.95) / 0.3) ** 2)), np.nan)
    d = summarize_angle(x, T, positive_label="flexion")["directions"]["positive"]
    assert d["peak_edge"] == "gap" and d["peak_near_gap"] and not d["peak_at_edge"]


@pytest.mark.parametrize("edge", ["start", "end", "gap"])
def test_the_words_name_the_edge(edge: str) -> None:
    from rom.metrics.results import edge_words

    text = edge_words({"peak_edge": edge, "peak_time_s": 1.0, "flags": []})
    assert text.startswith("peak at 1.0 s,") and text.endswith("it may be cut off")


def test_a_peak_beside_a_gap_reached_again_in_view_stands() -> None:
    """Two raises to 25 deg: the first's top beside a gap, the second's seen whole. The
    value is the seen one (measured, no edge), not a lower bound."""
    bend = 25.0 * (np.exp(-(((T - 1.5) / 0.4) ** 2)) + np.exp(-(((T - 3.5) / 0.4) ** 2)))
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=bend)
    hidden = (T > 1.2) & (T < 1.45)
    for name in ("left_shoulder", "right_shoulder"):
        seq = with_missing(seq, name, hidden)
    r = measure(analyse(seq, "trunk-lateral-flexion"), "trunk_lateral_flexion")["sides"]["none"]
    assert r["status"] == "measured" and r["value_deg"] == pytest.approx(25, abs=3), r
    assert "peak_edge" not in r and "peak_near_gap" not in r["flags"]


def test_a_side_not_seen_beside_a_value_is_its_own_clause() -> None:
    """One arm's raise seen whole, the other's top past the clip's end: the line gives the value, then
    the other side's reason as a clause of its own ("[2D]; right: ..."), never a colon
    glued to the estimate's tag ("[2D]: right: ...", the sample clip at stop 20)."""
    raise_ = 120.0 * np.exp(-(((T - 2.5) / 0.6) ** 2))
    late = 120.0 * np.exp(-(((T - 5.0) / 0.6) ** 2))  # still rising when the clip ends
    seq = make_sequence(camera=FAR, shoulder_abduction_left=raise_, shoulder_abduction_right=late)
    doc = analyse(seq, "shoulder-abduction")
    sides = measure(doc, "shoulder_abduction")["sides"]
    assert sides["left"]["status"] == "measured", sides["left"]
    assert sides["right"]["status"] == "not_seen", sides["right"]
    line = _line(doc, "Shoulder abduction")
    assert "]; right: " in line and "]: " not in line, line
