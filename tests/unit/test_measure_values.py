"""The values stored and compared, read from a summary built by the real ROM summary on
synthetic traces with known peaks."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.measure_values import display_name, measure_values
from rom.metrics.protocols import get_protocol
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries
from rom.summary import protocol_results


def _summary(protocol: str, columns: dict[str, np.ndarray], t: np.ndarray) -> dict:
    angles = AngleSeries.from_dict(t, columns)
    rom = summarize_angles(angles)
    p = get_protocol(protocol)
    return {"rom": rom, "protocol": {"name": p.name, "results": protocol_results(p, rom)}}


def _raises(peaks_deg: list[float], t: np.ndarray, rest: float = 0.0) -> np.ndarray:
    """Still at ``rest`` for 1 s, then one smooth raise per peak (2 s each)."""
    x = np.full(t.shape, rest)
    for k, peak in enumerate(peaks_deg):
        start = 1.0 + 2.0 * k
        inside = (t >= start) & (t < start + 2.0)
        x[inside] = rest + (peak - rest) * np.sin(np.pi * (t[inside] - start) / 2.0) ** 2
    return x


def test_abduction_values_are_the_peaks_with_their_repetitions_and_norm() -> None:
    t = np.arange(0, 8, 1 / 30)
    left = _raises([140.0, 150.0, 145.0], t)
    right = _raises([160.0, 158.0, 162.0], t)
    s = _summary(
        "shoulder-abduction",
        {"shoulder_abduction_left_deg": left, "shoulder_abduction_right_deg": right},
        t,
    )
    vals = {(v.side, v.direction): v for v in measure_values(s)}
    # Only the direction the protocol tests (abduction has a norm, adduction none).
    assert set(vals) == {("left", "positive"), ("right", "positive")}
    lv = vals[("left", "positive")]
    assert lv.value_deg == pytest.approx(150.0, abs=0.5)
    assert lv.measure == "shoulder_abduction" and lv.estimate == "2d" and lv.status == "ok"
    assert sorted(lv.rep_peaks_deg) == pytest.approx([140.0, 145.0, 150.0], abs=0.5)
    assert len(lv.rep_times_s) == 3
    assert lv.normal_deg == 180.0 and lv.percent_of_normal == pytest.approx(100 * 150 / 180, 0.01)
    assert lv.value_time_s == pytest.approx(4.0, abs=0.05)


def test_negative_directions_are_magnitudes_and_missing_is_not_zero() -> None:
    t = np.arange(0, 6, 1 / 30)
    x = _raises([60.0, -50.0], t)  # right turn 60, left turn 50
    s = _summary(
        "cervical-rotation",
        {"neck_rotation_deg": x, "neck_rotation_3d_deg": np.full(t.shape, np.nan)},
        t,
    )
    vals = {(v.measure, v.direction): v for v in measure_values(s)}
    right = vals[("neck_rotation", "positive")]
    left = vals[("neck_rotation", "negative")]
    assert right.value_deg == pytest.approx(60.0, abs=0.5) and right.side == ""
    assert left.value_deg == pytest.approx(50.0, abs=0.5)  # 50 deg of left rotation
    assert left.rep_peaks_deg and all(p > 0 for p in left.rep_peaks_deg)
    missing = vals[("neck_rotation_3d", "positive")]
    assert missing.value_deg is None and missing.status == "not measured"
    assert missing.estimate == "3d"


def test_a_direction_never_reached_is_not_performed() -> None:
    t = np.arange(0, 6, 1 / 30)
    s = _summary("cervical-rotation", {"neck_rotation_deg": _raises([60.0, 55.0], t)}, t)
    left = next(v for v in measure_values(s) if v.direction == "negative")
    assert left.status == "not performed" and left.value_deg is None
    assert not left.reported and left.percent_of_normal is None


def test_display_names() -> None:
    assert display_name("neck_rotation") == "Neck rotation"
    assert display_name("knee_flexion_3d", "right") == "Knee flexion, right (3D)"
