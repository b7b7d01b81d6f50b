"""A peak at the clip's start or end, or beside frames without a value, is said beside
the value, by one rule for both (issue 8: the arm-raise sample clip printed trunk lateral
flexion "right 11 (32% of 35)" from a peak at 0.23 s, the clip's first frames, and the
console did not say so)."""

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
    assert r["status"] == "measured" and r["peak_time_s"] < 0.2
    assert r["peak_edge"] == "start" and "peak_at_edge" in r["flags"]
    line = _line(doc, "Trunk lateral flexion")
    assert "at the start of what was measured: it may be cut off" in line, line


def test_a_peak_at_the_end_and_one_beside_a_gap_are_said_alike() -> None:
    end = 14.0 * np.clip((T - 4.6) / 0.4, 0, None)
    doc = analyse(make_sequence(camera=FAR, trunk_lateral_flexion=end), "trunk-lateral-flexion")
    assert "at the end of what was measured: it may be cut off" in _line(
        doc, "Trunk lateral flexion"
    )
    # a bend to 25 deg at 2.5 s whose top went unmeasured (shoulders hidden 2.2-2.8 s)
    bend = 25.0 * np.exp(-(((T - 2.5) / 0.4) ** 2))
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=bend)
    hidden = (T > 2.2) & (T < 2.8)
    for name in ("left_shoulder", "right_shoulder"):
        seq = with_missing(seq, name, hidden)
    doc = analyse(seq, "trunk-lateral-flexion")
    r = measure(doc, "trunk_lateral_flexion")["sides"]["none"]
    assert r["status"] == "measured" and r["peak_edge"] == "gap", r
    assert "beside frames without a value: it may be cut off" in _line(doc, "Trunk")


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
