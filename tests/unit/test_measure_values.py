"""The values stored and compared, read from the ``results`` block (docs/results.md)."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.measure_values import display_name, measure_values, rep_times
from rom.metrics.series import AngleSeries


def _side(**kw: object) -> dict:
    side = {
        "status": "measured",
        "value_deg": 154.2,
        "uncertainty_deg": 8.7,
        "estimate": "2d",
        "column": "shoulder_abduction_left_deg",
        "peak_time_s": 4.0,
        "normal_deg": 180.0,
        "percent_of_normal": 85.7,
        "n_reps": 3,
        "rep_peaks_deg": [140.0, 154.2, None, 145.0],
        "reason": None,
        "flags": ["no_neutral"],
        "warnings": ["2 gap(s) of missing frames"],
    }
    side.update(kw)
    return side


def _summary() -> dict:
    return {
        "results": {
            "protocol": "shoulder-abduction",
            "view": "front",
            "measures": [
                {
                    "measure": "shoulder_abduction",
                    "kind": "rom",
                    "direction": "positive",
                    "label": "abduction",
                    "norm_source": "AAOS 1965",
                    "sides": {
                        "left": _side(),
                        "right": _side(
                            status="not_seen",
                            value_deg=None,
                            reason="wrist outside the image",
                            column="shoulder_abduction_right_deg",
                            rep_peaks_deg=[150.0],
                        ),
                    },
                },
                {
                    "measure": "neck_rotation",
                    "kind": "rom",
                    "direction": "negative",
                    "label": "rotation to the left",
                    "norm_source": None,
                    "sides": {
                        "none": _side(
                            value_deg=50.0, column="neck_rotation_deg", rep_peaks_deg=[48.0, 50.0]
                        )
                    },
                },
                {
                    "measure": "shoulder_tilt",
                    "kind": "posture",
                    "direction": "value",
                    "label": "right shoulder lower (+) / left lower (-)",
                    "norm_source": "x",
                    "sides": {
                        "none": _side(
                            value_deg=-2.5,
                            spread_deg=0.8,
                            column="shoulder_tilt_deg",
                            rep_peaks_deg=None,
                            percent_of_normal=None,
                        )
                    },
                },
            ],
        }
    }


def test_one_value_per_measure_direction_and_side_as_the_results_say() -> None:
    vals = {(v.measure, v.side, v.direction): v for v in measure_values(_summary())}
    left = vals[("shoulder_abduction", "left", "positive")]
    assert left.protocol == "shoulder-abduction" and left.reported
    assert (left.value_deg, left.uncertainty_deg, left.estimate) == (154.2, 8.7, "2d")
    assert left.rep_peaks_deg == (140.0, 154.2, 145.0)  # a repetition this side missed: left out
    assert left.normal_deg == 180.0 and left.percent_of_normal == 85.7
    assert left.flags == ("no_neutral",) and left.warnings
    right = vals[("shoulder_abduction", "right", "positive")]
    assert right.value_deg is None and not right.reported and right.status == "not_seen"
    assert right.reason == "wrist outside the image" and right.percent_of_normal is None
    neck = vals[("neck_rotation", "", "negative")]
    assert neck.value_deg == 50.0 and neck.side == "" and neck.kind == "rom"
    tilt = vals[("shoulder_tilt", "", "value")]
    assert tilt.kind == "posture" and tilt.value_deg == -2.5 and tilt.spread_deg == 0.8
    assert tilt.rep_peaks_deg == ()


def test_an_old_summary_without_results_is_refused() -> None:
    with pytest.raises(ValueError, match="no 'results' block"):
        measure_values({"rom": {}})


def test_repetition_times_are_found_in_the_trace() -> None:
    t = np.arange(0, 8, 1 / 30)
    x = np.zeros_like(t)
    for start, peak in ((1.0, 140.0), (3.0, 154.2), (5.0, 145.0)):
        inside = (t >= start) & (t < start + 2)
        x[inside] = peak * np.sin(np.pi * (t[inside] - start) / 2) ** 2
    assert rep_times(x, t, [140.0, 154.2, 145.0], 1.0) == pytest.approx((2.0, 4.0, 6.0), abs=0.04)
    # Negative directions: magnitudes of the minima.
    assert rep_times(-x, t, [140.0, 154.2], -1.0) == pytest.approx((2.0, 4.0), abs=0.04)
    angles = AngleSeries.from_dict(t, {"shoulder_abduction_left_deg": x})
    (left, *_) = measure_values(_summary(), angles)
    assert left.rep_times_s == pytest.approx((2.0, 4.0, 6.0), abs=0.04)


def test_display_names() -> None:
    assert display_name("neck_rotation") == "Neck rotation"
    assert display_name("knee_flexion", "right") == "Knee flexion, right"
