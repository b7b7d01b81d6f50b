"""The measured vertical (rom.metrics.vertical) and the image-based 3D landmarks
(rom.metrics.lifting) on synthetic skeletons seen by pitched, rolled and misread cameras."""

from __future__ import annotations

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.angles import compute_angles
from rom.metrics.geometry import angle_between_deg
from rom.metrics.lifting import image_scale_px_per_m, refine_world
from rom.metrics.support import best_values, compute_support, estimate_order
from rom.metrics.uncertainty import BASE_2D_DEG, BASE_3D_DEG, frame_uncertainty
from rom.metrics.vertical import Vertical, estimate_vertical, rotation_between, standing_frames
from tests.synthetic import Camera, make_sequence, project, rotation

CAM = Camera(distance_m=3.0, focal_px=1500.0, image_size_px=(1080, 1920))


def tilted(seq, pitch_deg: float, roll_deg: float, camera: Camera = CAM):
    """The same scene filmed by a camera pitched down by ``pitch_deg`` and rolled
    clockwise by ``roll_deg``: world landmarks turned into the camera's axes and
    projected again (MediaPipe's world axes follow the camera)."""
    turn = (
        rotation(np.array([0.0, 0.0, 1.0]), roll_deg)[0]
        @ rotation(np.array([1.0, 0.0, 0.0]), pitch_deg)[0]
    )
    world = seq.world_xyz @ turn.T
    return seq.with_arrays(world_xyz=world, image_xyz=project(world, camera)), turn


#: The synthetic skeleton's own lean: its centre of mass stands over the ankles, 2.9 deg
#: behind the line from its foot centres (toes 0.15 m forwards), where a person's is
#: over the middle of the foot. The estimate must find that line whatever the camera.
SKELETON_LEAN_DEG = 2.9


@pytest.mark.parametrize(("pitch", "roll"), [(0.0, 0.0), (20.0, 0.0), (-15.0, 10.0), (25.0, -20.0)])
def test_vertical_of_a_standing_client_under_a_tilted_camera(pitch: float, roll: float) -> None:
    n = 30
    base = make_sequence(camera=CAM, shoulder_abduction_left=np.linspace(0, 90, n))
    seq, turn = tilted(base, pitch, roll)
    v = estimate_vertical(seq)
    true_up = turn @ np.array([0.0, -1.0, 0.0])
    assert v.source == "standing" and v.standing_frames == n
    err = float(angle_between_deg(v.up_world, true_up))
    assert err == pytest.approx(SKELETON_LEAN_DEG, abs=0.3)  # the camera's tilt is gone
    level_err = float(angle_between_deg(true_up, [0.0, -1.0, 0.0]))
    if level_err > 10:
        assert err < 0.25 * level_err


def test_trunk_angles_from_the_measured_vertical() -> None:
    """Quiet standing first, then a 30 deg forward lean; a camera pitched 20 deg would read
    the lean 20 deg off with the level-camera assumption."""
    flex = np.r_[np.zeros(20), np.full(20, 30.0)]
    seq, _ = tilted(make_sequence(camera=CAM, trunk_flexion=flex), 20.0, 0.0)
    level = compute_angles(seq)["trunk_flexion_3d_deg"]
    measured = compute_angles(seq, vertical=estimate_vertical(seq))["trunk_flexion_3d_deg"]
    assert np.max(np.abs(level - flex)) > 15.0
    assert np.max(np.abs(measured - flex)) < SKELETON_LEAN_DEG + 0.5


def test_2d_tilts_use_the_cameras_roll() -> None:
    seq, _ = tilted(
        make_sequence(camera=CAM, trunk_lateral_flexion=np.r_[np.zeros(20), np.full(10, 12.0)]),
        0.0,
        8.0,
    )
    v = estimate_vertical(seq)
    a0 = compute_angles(seq)["shoulder_tilt_deg"]
    a1 = compute_angles(seq, vertical=v)["shoulder_tilt_deg"]
    assert abs(np.median(a0[:20])) == pytest.approx(8.0, abs=1.0)  # the roll, read as a tilt
    assert abs(np.median(a1[:20])) < 1.0


def test_a_seated_or_partly_framed_client_keeps_the_level_camera() -> None:
    seated = make_sequence(
        camera=CAM,
        hip_flexion_left=90.0,
        hip_flexion_right=90.0,
        knee_flexion_left=90.0,
        knee_flexion_right=90.0,
        n_frames=20,
    )
    assert not standing_frames(seated)[0].any()
    assert estimate_vertical(seated).source == "level-camera"
    head_only = make_sequence(camera=CAM, n_frames=20)
    vis = head_only.visibility.copy()
    vis[:, LANDMARK_INDEX["left_ankle"]] = 0.0
    assert estimate_vertical(head_only.with_arrays(visibility=vis)).source == "level-camera"


def test_rotation_between_is_a_rotation() -> None:
    for a, b in (
        (np.array([0.0, 0.0, 1.0]), np.array([0.0, -1.0, 0.0])),
        (np.array([1.0, 0, 0]), np.array([-1.0, 0, 0])),
    ):
        r = rotation_between(a, b)
        assert np.allclose(r @ a, b) and np.allclose(r @ r.T, np.eye(3))
        assert np.isclose(np.linalg.det(r), 1.0)


def _scramble_world_xy(seq, deg: float):
    """MediaPipe's world landmarks with each limb segment's x, y turned about the camera
    axis (its depth kept), proximal segments by ``deg`` and distal ones by ``-deg``, as
    the lab reference shows them off."""
    w = seq.world_xyz.copy()
    for side in ("left", "right"):
        for (a, b), sign in (
            (("shoulder", "elbow"), 1.0),
            (("elbow", "wrist"), -1.0),
            (("hip", "knee"), 1.0),
            (("knee", "ankle"), -1.0),
        ):
            turn = rotation(np.array([0.0, 0.0, 1.0]), sign * deg)[0]
            i, j = LANDMARK_INDEX[f"{side}_{a}"], LANDMARK_INDEX[f"{side}_{b}"]
            seg = seq.world_xyz[:, j] - seq.world_xyz[:, i]
            w[:, j] = w[:, i] + seg @ turn.T
    return seq.with_arrays(world_xyz=w)


def test_refined_world_takes_x_and_y_from_the_image() -> None:
    flex = np.linspace(10.0, 140.0, 14)
    seq = make_sequence(
        camera=CAM,
        yaw_deg=30,
        elbow_flexion_right=flex,
        knee_flexion_left=flex,
        shoulder_flexion_right=45.0,
    )
    bad = _scramble_world_xy(seq, 20.0)
    raw = compute_angles(bad)
    ref = compute_angles(refine_world(bad, focal_px=CAM.focal_px))
    for col in ("elbow_flexion_right_3d_deg", "knee_flexion_left_3d_deg"):
        assert np.max(np.abs(raw[col] - flex)) > 5.0  # the misread world is off
        assert np.max(np.abs(ref[col] - flex)) < 1.5, col
    # an unknown camera's focal length (0.7 image diagonals) costs little
    guess = compute_angles(refine_world(bad))["elbow_flexion_right_3d_deg"]
    assert np.max(np.abs(guess - flex)) < 3.0


def test_image_scale_is_pixels_per_metre() -> None:
    seq = make_sequence(camera=Camera(distance_m=30.0, focal_px=15000.0), n_frames=5)
    assert np.allclose(image_scale_px_per_m(seq), 500.0, rtol=0.02)


def test_best_values_and_uncertainty() -> None:
    """Square-on abduction: the 2D value (planar angle); elbow flexion: the 3D value (an
    angle between segments); each with its calibrated standard uncertainty."""
    assert estimate_order("shoulder_abduction_left")[0] == "2d"
    assert estimate_order("elbow_flexion_left")[0] == "3d"
    front = make_sequence(camera=CAM, shoulder_abduction_left=np.linspace(0, 80, 9))
    angles, support = compute_angles(front), compute_support(front)
    best, used = best_values(angles, support)
    assert set(used["shoulder_abduction_left"]) == {"2d"}
    assert np.allclose(best["shoulder_abduction_left_deg"], np.linspace(0, 80, 9), atol=0.5)
    assert np.allclose(
        frame_uncertainty(angles, support)["shoulder_abduction_left"], BASE_2D_DEG, atol=0.5
    )
    side = make_sequence(camera=CAM, yaw_deg=90, elbow_flexion_left=np.linspace(20, 120, 9))
    angles, support = compute_angles(side), compute_support(side)
    best, used = best_values(angles, support)
    assert set(used["elbow_flexion_left"]) == {"3d"}
    assert np.allclose(best["elbow_flexion_left_deg"], np.linspace(20, 120, 9), atol=0.5)
    assert np.allclose(
        frame_uncertainty(angles, support)["elbow_flexion_left"], BASE_3D_DEG, atol=0.5
    )
    # bent towards the camera (front view): its plane is edge-on, no estimate is supported
    edge_on = make_sequence(camera=CAM, elbow_flexion_left=60.0, n_frames=3)
    _, used = best_values(compute_angles(edge_on), compute_support(edge_on))
    assert set(used["elbow_flexion_left"]) == {""}
    assert isinstance(Vertical.level().up_world, np.ndarray)
