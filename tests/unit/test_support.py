"""What the view supports (rom.metrics.support): per-frame obliqueness of each angle's
plane, landmarks outside the image, and the columns a view supports in the docs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.angles import compute_angles
from rom.metrics.support import (
    compute_support,
    estimate_valid,
    supported_values,
    view_support_markdown,
)
from rom.sequence import PoseSequence
from tests.synthetic import Camera, make_sequence

FAR = Camera.far()


@pytest.mark.parametrize(
    ("yaw", "frontal", "sagittal"), [(0, 0, 90), (180, 0, 90), (-90, 90, 0), (30, 30, 60)]
)
def test_obliqueness_of_the_anatomical_planes(yaw: float, frontal: float, sagittal: float) -> None:
    seq = make_sequence(yaw_deg=yaw, camera=FAR, n_frames=20, shoulder_abduction_left=60)
    sup = compute_support(seq)
    assert np.nanmedian(sup["shoulder_abduction_left"].obliqueness_deg) == pytest.approx(
        frontal, abs=1
    )
    assert np.nanmedian(sup["shoulder_flexion_left"].obliqueness_deg) == pytest.approx(
        sagittal, abs=1
    )


def test_neck_rotation_2d_needs_the_face_not_the_back() -> None:
    front = compute_support(make_sequence(yaw_deg=0, camera=FAR, n_frames=5))
    back = compute_support(make_sequence(yaw_deg=180, camera=FAR, n_frames=5))
    assert estimate_valid("neck_rotation", "2d", front["neck_rotation"].obliqueness_deg).all()
    assert not estimate_valid("neck_rotation", "2d", back["neck_rotation"].obliqueness_deg).any()


def test_an_elbow_bending_towards_the_camera_is_edge_on() -> None:
    seq = make_sequence(camera=FAR, n_frames=10, shoulder_flexion_right=90, elbow_flexion_right=90)
    ob = compute_support(seq)["elbow_flexion_right"].obliqueness_deg
    assert np.nanmedian(ob) == pytest.approx(90, abs=1)
    assert not estimate_valid("elbow_flexion_right", "2d", ob).any()
    assert not estimate_valid("elbow_flexion_right", "3d", ob).any()


def test_a_landmark_outside_the_image_or_at_its_edge_is_not_seen() -> None:
    seq = make_sequence(camera=FAR, n_frames=4, shoulder_abduction_left=90)
    img = seq.image_xyz.copy()
    w = seq.image_size_px[0]
    elbow = LANDMARK_INDEX["left_elbow"]
    img[1, elbow, 0] = w + 1  # outside, as MediaPipe places a joint it guesses
    img[2, elbow, 0] = w - 2  # at the edge
    sup = compute_support(seq.with_arrays(image_xyz=img))["shoulder_abduction_left"]
    assert sup.seen.tolist() == [True, False, False, True]
    assert sup.outside_at(1) == ["left_elbow"]
    angles = compute_angles(seq.with_arrays(image_xyz=img))
    kept = supported_values(angles, compute_support(seq.with_arrays(image_xyz=img)))
    col = "shoulder_abduction_left_deg"
    assert np.isfinite(angles[col][1]) and np.isnan(kept[col][1])


def test_a_missing_landmark_is_not_outside() -> None:
    seq = make_sequence(camera=FAR, n_frames=3)
    img = seq.image_xyz.copy()
    img[1, LANDMARK_INDEX["left_elbow"]] = np.nan
    assert compute_support(seq.with_arrays(image_xyz=img))["shoulder_abduction_left"].seen.all()


def test_empty_sequence() -> None:
    sup = compute_support(PoseSequence.empty(3, (640, 480)))
    assert np.isnan(sup["knee_flexion_left"].obliqueness_deg).all()


def test_docs_list_the_columns_each_view_supports() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "angles.md").read_text()
    assert view_support_markdown() in doc, "regenerate docs/angles.md's view table"
    table = view_support_markdown()
    front = next(line for line in table.splitlines() if line.startswith("| front or back"))
    assert "`shoulder_abduction_left_deg`" in front and "shoulder_flexion_left_deg" not in front
