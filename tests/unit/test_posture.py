"""compute_posture: static posture values from still frames of synthetic standing poses."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.angles import compute_angles
from rom.metrics.posture import POSTURE_ANGLES, compute_posture
from rom.metrics.series import AngleSeries
from tests.synthetic import Camera, make_sequence

FAR = Camera.far()


@pytest.mark.parametrize("yaw", [0.0, 180.0])
@pytest.mark.parametrize("use_3d", [False, True])
def test_posture_of_a_still_stance(yaw: float, use_3d: bool) -> None:
    pose = {"trunk_lateral_flexion": 4, "neck_lateral_flexion": -7, "pelvic_obliquity": -2.5}
    seq = make_sequence(yaw_deg=yaw, camera=FAR, n_frames=40, **pose)
    p = compute_posture(compute_angles(seq), use_3d=use_3d)
    assert p["head_tilt_deg"] == pytest.approx(-3, abs=0.5)  # trunk +4, neck -7 from it
    assert p["shoulder_tilt_deg"] == pytest.approx(4, abs=0.5)  # right shoulder lower
    assert p["pelvic_tilt_deg"] == pytest.approx(-2.5, abs=0.5)  # left hip lower
    assert p["trunk_lateral_flexion_deg"] == pytest.approx(4, abs=0.5)
    assert np.isnan(p["craniovertebral_deg"])  # a side-view measure: not from the front
    # shoulders 0.38 m apart, right one lower by 0.38 sin(4) over a width of 0.38 cos(4)
    assert p["shoulder_height_difference_pct"] == pytest.approx(
        100 * np.tan(np.radians(4)), abs=1.0
    )
    assert p["frames_used"] == "still" and p["n_frames_used"] == 40
    assert p["source"] == ("3d" if use_3d else "2d")


def test_craniovertebral_from_a_side_view() -> None:
    seq = make_sequence(yaw_deg=-90, camera=FAR, n_frames=20, head_forward_m=0.06)
    p = compute_posture(compute_angles(seq))
    assert p["craniovertebral_deg"] == pytest.approx(np.degrees(np.arctan2(0.17, 0.06)), abs=0.5)
    assert np.isnan(p["shoulder_tilt_deg"])  # a front-view measure: not from the side


def test_still_frames_are_preferred_to_moving_ones() -> None:
    n = 120  # 4 s at 30 fps
    lean = np.concatenate([np.linspace(-15, 15, 30), np.full(90, 6.0)])  # sways 1 s, stands 3 s
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=lean, fps=30.0)
    p = compute_posture(compute_angles(seq))
    assert p["frames_used"] == "still"
    assert p["trunk_lateral_flexion_deg"] == pytest.approx(6.0, abs=0.5)
    assert 70 <= p["n_frames_used"] <= 90  # the stance minus half a window at its start
    everything = compute_posture(compute_angles(seq), min_still_frames=n + 1)
    assert everything["frames_used"] == "all" and everything["n_frames_used"] == n
    assert everything["trunk_lateral_flexion_deg"] == pytest.approx(np.median(lean), abs=0.5)


def test_all_frames_are_used_when_nothing_is_still() -> None:
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=np.linspace(-20, 20, 30), fps=10.0)
    p = compute_posture(compute_angles(seq))
    assert p["frames_used"] == "all"
    assert p["trunk_lateral_flexion_deg"] == pytest.approx(0.0, abs=0.5)


def test_missing_columns_and_empty_series_give_nan() -> None:
    t = np.arange(5) / 5
    p = compute_posture(AngleSeries.from_dict(t, {"pelvic_tilt_deg": np.full(5, np.nan)}))
    for name in POSTURE_ANGLES:
        assert np.isnan(p[f"{name}_deg"])
    assert np.isnan(p["shoulder_height_difference_pct"])


def test_shoulder_height_difference_sign_follows_the_tilt() -> None:
    t = np.arange(10) / 10
    p = compute_posture(AngleSeries.from_dict(t, {"shoulder_tilt_deg": np.full(10, -5.0)}))
    assert p["shoulder_height_difference_pct"] == pytest.approx(100 * np.tan(np.radians(-5)))


def test_needs_an_angle_series() -> None:
    with pytest.raises(TypeError, match="AngleSeries"):
        compute_posture({"head_tilt_deg": np.zeros(3)})  # type: ignore[arg-type]
