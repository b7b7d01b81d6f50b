"""compute_view / check_view on synthetic skeletons seen from known directions."""

from __future__ import annotations

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX, LANDMARK_NAMES
from rom.metrics.view import ViewEstimate, check_view, compute_view, view_label
from rom.sequence import PoseSequence
from tests.synthetic import VIEWS, Camera, make_sequence, mirror

FAR = Camera.far()

EXPECTED_LABEL = {
    "front": "front",
    "back": "back",
    "left-side": "left-side",
    "right-side": "right-side",
    "oblique-front-left-30": "front",  # within the 30 deg tolerance
    "oblique-front-right-30": "front",
    "oblique-front-left-45": "oblique-front-left",
    "oblique-front-right-45": "oblique-front-right",
    "oblique-back-left-45": "oblique-back-left",
    "oblique-back-right-30": "back",
}


def _wrap(x: float) -> float:
    return (x + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize("camera", [FAR, Camera()], ids=["30m", "3m"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_yaw_and_label_per_view(view: str, camera: Camera) -> None:
    pose = {"shoulder_abduction_left": 30, "trunk_flexion": 10, "knee_flexion_right": 20}
    v = compute_view(make_sequence(yaw_deg=VIEWS[view], camera=camera, n_frames=5, **pose))
    assert abs(_wrap(v.dominant_yaw_deg - VIEWS[view])) < 0.5
    assert np.all(np.abs([_wrap(y - VIEWS[view]) for y in v.yaw_deg]) < 0.5)
    assert v.label == EXPECTED_LABEL[view]
    assert f"{v.dominant_yaw_deg:+.0f}" in v.description
    folded = min(abs(VIEWS[view]), 180 - abs(VIEWS[view]))
    tol = 2.0 if camera is FAR else 8.0  # a rough cross-check: feels perspective, flexion
    np.testing.assert_allclose(v.yaw_2d_abs_deg, folded, atol=tol)
    assert v.view_disagreement_deg < tol
    assert v.detected_fraction == 1.0


def test_yaw_follows_a_turning_person_without_wrapping() -> None:
    yaw = np.linspace(150, 210, 31)  # turns through the back view
    v = compute_view(make_sequence(yaw_deg=yaw, camera=FAR))
    np.testing.assert_allclose(v.yaw_deg, yaw, atol=0.5)
    assert v.label == "back"


def test_mirror_negates_yaw() -> None:
    seq = make_sequence(yaw_deg=40, camera=FAR)
    assert compute_view(mirror(seq)).dominant_yaw_deg == pytest.approx(-40, abs=0.5)


def test_yaw_ignores_trunk_bending() -> None:
    pose = {"trunk_flexion": 70, "trunk_lateral_flexion": 20}
    v = compute_view(make_sequence(yaw_deg=-60, camera=FAR, **pose))
    assert v.dominant_yaw_deg == pytest.approx(-60, abs=0.5)


@pytest.mark.parametrize(
    ("yaw", "label"),
    [
        (0, "front"),
        (29.9, "front"),
        (30.1, "oblique-front-left"),
        (-59, "oblique-front-right"),
        (61, "left-side"),
        (-120, "right-side"),
        (125, "oblique-back-left"),
        (-179, "back"),
        (180, "back"),
        (float("nan"), "unknown"),
    ],
)
def test_view_label(yaw: float, label: str) -> None:
    assert view_label(yaw) == label


def test_visible_and_in_frame_fractions() -> None:
    seq = make_sequence(camera=FAR, n_frames=10)
    vis, img = seq.visibility.copy(), seq.image_xyz.copy()
    vis[:4, LANDMARK_INDEX["left_wrist"]] = 0.2  # occluded in 4 of 10 frames
    img[:3, LANDMARK_INDEX["right_ankle"], 1] = 5000.0  # below the image in 3 frames
    v = compute_view(seq.with_arrays(visibility=vis, image_xyz=img))
    assert v.visible_fraction["left_wrist"] == pytest.approx(0.6)
    assert v.in_frame_fraction["left_wrist"] == pytest.approx(1.0)
    assert v.in_frame_fraction["right_ankle"] == pytest.approx(0.7)
    assert v.visible_fraction["right_ankle"] == pytest.approx(0.7)
    assert set(v.visible_fraction) == set(LANDMARK_NAMES)


# --- check_view --------------------------------------------------------------------------------
def _view(yaw: float, **pose: float) -> ViewEstimate:
    return compute_view(make_sequence(yaw_deg=yaw, camera=FAR, n_frames=3, **pose))


@pytest.mark.parametrize(
    ("yaw", "views"),
    [
        (0, ("front",)),
        (180, ("front", "back")),
        (20, ("front", "back")),
        (90, ("side",)),
        (-70, ("side",)),
        (90, ("left-side",)),
        (45, ("any",)),
        (120, ()),
    ],
)
def test_check_view_accepts_suitable_views(yaw: float, views: tuple[str, ...]) -> None:
    assert check_view(_view(yaw), views, ("left_shoulder", "right_hip")) == []


def test_check_view_explains_a_wrong_view() -> None:
    w = check_view(_view(75), ("front", "back"), (), protocol="shoulder-abduction")
    assert len(w) == 1
    msg = w[0]
    assert msg.startswith("protocol shoulder-abduction needs a front or back view")
    assert "left side faces the camera" in msg
    assert "+75 deg" in msg
    assert "turn the client to face the camera" in msg


@pytest.mark.parametrize(
    ("yaw", "views", "words"),
    [
        (0, ("side",), "side-on"),
        (-90, ("front",), "right side faces"),
        (45, ("front", "back"), "obliquely"),
        (180, ("left-side",), "back to the camera"),
        (0, ("back",), "turn the client's back to the camera"),
    ],
)
def test_check_view_messages(yaw: float, views: tuple[str, ...], words: str) -> None:
    w = check_view(_view(yaw), views, ())
    assert len(w) == 1 and words in w[0]
    assert w[0].startswith("this protocol needs")


def test_check_view_tolerance_is_a_setting() -> None:
    v = _view(40)
    assert check_view(v, ("front",), (), max_oblique_deg=45) == []
    assert len(check_view(v, ("front",), (), max_oblique_deg=30)) == 1


def test_check_view_warns_when_the_client_turns() -> None:
    yaw = np.concatenate([np.zeros(12), np.full(8, 80.0)])  # 40% of frames side-on
    v = compute_view(make_sequence(yaw_deg=yaw, camera=FAR))
    w = check_view(v, ("front",), ())
    assert len(w) == 1 and "turns during the clip" in w[0] and "60%" in w[0]


def test_check_view_landmark_messages() -> None:
    seq = make_sequence(camera=FAR, n_frames=10)
    vis, img = seq.visibility.copy(), seq.image_xyz.copy()
    vis[:5, LANDMARK_INDEX["left_wrist"]] = 0.1
    img[:6, LANDMARK_INDEX["right_ankle"], 0] = -10.0
    v = compute_view(seq.with_arrays(visibility=vis, image_xyz=img))
    w = check_view(v, ("front",), ("left_wrist", "right_ankle", "nose"))
    assert len(w) == 2
    assert "the left wrist is visible in only 50% of frames (needs 70%)" in w[0]
    assert "the right ankle is outside the image (or not found) in 60% of frames" in w[1]
    assert check_view(v, ("front",), ("left_wrist",), min_visible_fraction=0.5) == []


def test_check_view_when_nobody_is_seen() -> None:
    v = compute_view(PoseSequence.empty(5, (640, 480)))
    assert v.label == "unknown" and np.isnan(v.dominant_yaw_deg)
    w = check_view(v, ("front",), ("nose",))
    assert w == [
        "no person was detected in the clip; check the video and that the client is in frame"
    ]


def test_check_view_when_3d_is_missing() -> None:
    seq = make_sequence(camera=FAR, n_frames=3)
    v = compute_view(seq.with_arrays(world_xyz=np.full_like(seq.world_xyz, np.nan)))
    w = check_view(v, ("front",), ())
    assert len(w) == 1 and "could not be estimated" in w[0]


def test_check_view_flags_3d_and_2d_disagreement() -> None:
    seq = make_sequence(camera=FAR, n_frames=3, yaw_deg=0)
    turned = make_sequence(camera=FAR, n_frames=3, yaw_deg=70)  # 3D says 70, image says 0
    v = compute_view(seq.with_arrays(world_xyz=turned.world_xyz))
    w = check_view(v, ("side", "front"), ())
    assert any("disagree by 70 deg" in m for m in w)


@pytest.mark.parametrize(("views", "landmarks"), [(("top",), ()), (("front",), ("left_toe",))])
def test_check_view_refuses_unknown_names(
    views: tuple[str, ...], landmarks: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError):
        check_view(_view(0), views, landmarks)
