"""compute_angles against synthetic skeletons with known joint angles.

Expected values come from how the skeleton was built (tests/synthetic.py turns segments
with explicit rotations), never from rom.metrics' own formulas. The first tests check
that the factory itself means what the catalogue's words say (e.g. "lateral flexion to
the right" lowers the right ear), so a sign error cannot hide in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from rom.metrics import catalogue
from rom.metrics.angles import compute_angles
from tests.synthetic import (
    FRONTAL_VIEWS,
    SIDE_VIEWS,
    VIEWS,
    Camera,
    body_landmarks,
    make_sequence,
    mirror,
    mirrored_column,
    with_missing,
)

TOL_DEG = 0.5
FAR = Camera.far()
#: Exactly orthographic: for consistency checks between views, where perspective (not
#: the code) would make two views of an oblique segment differ.
EXACT = Camera.orthographic()
#: 100 m away with an equally long lens: for the 2D models whose segment points at the
#: camera (shoulder rotation), where 30 m still leaves ~0.5 deg of perspective.
ORTHO = Camera(distance_m=100.0, focal_px=33333.0)


def body(**angles: float) -> dict[str, np.ndarray]:
    pts = body_landmarks(1, **angles)[0]
    return {name: pts[i] for name, i in LANDMARK_INDEX.items()}


# --- the factory means what the catalogue says -------------------------------------------
def test_factory_front_view_layout() -> None:
    seq = make_sequence(yaw_deg=0.0)
    x = seq.image_xyz[0, :, 0]
    i = LANDMARK_INDEX
    assert x[i["left_shoulder"]] > x[i["right_shoulder"]]  # person's left on image right
    z = seq.world_xyz[0, :, 2]
    assert z[i["nose"]] < z[i["left_ear"]]  # nose nearer the camera
    y = seq.image_xyz[0, :, 1]
    assert y[i["nose"]] < y[i["left_hip"]]  # head above hips (image y down)


def test_factory_left_side_view_faces_image_left() -> None:
    seq = make_sequence(yaw_deg=90.0)
    x, z = seq.image_xyz[0, :, 0], seq.world_xyz[0, :, 2]
    i = LANDMARK_INDEX
    assert x[i["nose"]] < x[i["left_ear"]]
    assert z[i["left_shoulder"]] < z[i["right_shoulder"]]  # left side nearer the camera


def test_factory_back_view_layout() -> None:
    seq = make_sequence(yaw_deg=180.0)
    x = seq.image_xyz[0, :, 0]
    assert x[LANDMARK_INDEX["left_shoulder"]] < x[LANDMARK_INDEX["right_shoulder"]]


def test_factory_directions_match_catalogue_words() -> None:
    b = body(shoulder_flexion_right=90)  # arm forwards
    np.testing.assert_allclose(b["right_elbow"] - b["right_shoulder"], [0.30, 0, 0], atol=1e-12)
    b = body(shoulder_abduction_left=90)  # arm out to the person's left (-r)
    np.testing.assert_allclose(b["left_elbow"] - b["left_shoulder"], [0, 0, -0.30], atol=1e-12)
    b = body(elbow_flexion_right=90, shoulder_rotation_right=90)  # ER: forearm outwards
    np.testing.assert_allclose(b["right_wrist"] - b["right_elbow"], [0, 0, 0.26], atol=1e-12)
    b = body(elbow_flexion_left=90, shoulder_rotation_left=90)
    np.testing.assert_allclose(b["left_wrist"] - b["left_elbow"], [0, 0, -0.26], atol=1e-12)
    b = body(shoulder_abduction_right=90, elbow_flexion_right=90, shoulder_rotation_right=90)
    np.testing.assert_allclose(b["right_wrist"] - b["right_elbow"], [0, 0.26, 0], atol=1e-12)
    b = body(knee_flexion_left=90)  # shank backwards
    np.testing.assert_allclose(b["left_ankle"] - b["left_knee"], [-0.42, 0, 0], atol=1e-12)
    b = body(neck_lateral_flexion=20)  # to the right: right ear lower
    assert b["right_ear"][1] < b["left_ear"][1]
    b = body(neck_rotation=30)  # to the right: nose towards +r
    assert b["nose"][2] > 0
    b = body(trunk_rotation=30)  # to the right: right shoulder backwards
    assert b["right_shoulder"][0] < 0 < b["left_shoulder"][0]
    b = body(trunk_lateral_flexion=10)  # bend right: right shoulder lower
    assert b["right_shoulder"][1] < b["left_shoulder"][1]
    b = body(pelvic_obliquity=5)
    assert b["right_hip"][1] < b["left_hip"][1]
    b = body(hip_abduction_right=30)
    assert b["right_knee"][2] > b["right_hip"][2]


# --- known angles ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    key: str  # catalogue key
    pose: dict[str, Any]
    expected: float
    views_2d: tuple[str, ...] = ()  # where the 2D estimate is checked; () = from catalogue
    look_at: str = "mid_hip"  # the joint put at the image centre for the 3 m camera
    near_ok: bool = True  # the 2D tolerance also holds at 3 m
    far: Camera = field(default=FAR)

    @property
    def adef(self) -> catalogue.AngleDef:
        return catalogue.ANGLES[self.key]

    def proper_views(self) -> tuple[str, ...]:
        if self.views_2d:
            return self.views_2d
        out: list[str] = []
        for v in self.adef.views:
            out += {"front": ["front"], "back": ["back"], "side": list(SIDE_VIEWS)}[v]
        return tuple(out)

    def label(self) -> str:
        pose = ",".join(f"{k}={v:g}" for k, v in self.pose.items()) or "neutral"
        return f"{self.key}[{pose}]"


def _cases() -> list[Case]:
    c: list[Case] = []
    for v in (-40, -15, 0, 20, 45):
        c.append(Case("neck_flexion", {"neck_flexion": v}, v, look_at="mid_ear"))
    for v in (-30, -10, 25, 40):
        c.append(Case("neck_lateral_flexion", {"neck_lateral_flexion": v}, v, look_at="mid_ear"))
    for v in (-70, -20, 0, 35, 60):
        c.append(Case("neck_rotation", {"neck_rotation": v}, v, look_at="mid_ear", near_ok=False))
    for s in ("left", "right"):
        sh, el = f"{s}_shoulder", f"{s}_elbow"
        for v in (-50, -20, 30, 90, 150, 175):
            c.append(Case(f"shoulder_flexion_{s}", {f"shoulder_flexion_{s}": v}, v, look_at=sh))
        for v in (-20, 10, 45, 90, 160, 178):
            c.append(Case(f"shoulder_abduction_{s}", {f"shoulder_abduction_{s}": v}, v, look_at=sh))
        for v in (-40, 0, 45, 90, 110):
            c.append(
                Case(
                    f"shoulder_horizontal_abduction_{s}",
                    {f"shoulder_horizontal_abduction_{s}": v},
                    v,
                )
            )
        for v in (-60, -30, 0, 30, 60, 80):  # elbow at the side, bent 90
            pose = {f"elbow_flexion_{s}": 90, f"shoulder_rotation_{s}": v}
            c.append(Case(f"shoulder_external_rotation_{s}", pose, v, ("front",), el, False, ORTHO))
        for v in (-45, 0, 45, 90):  # 90/90 position
            pose = {
                f"shoulder_abduction_{s}": 90,
                f"elbow_flexion_{s}": 90,
                f"shoulder_rotation_{s}": v,
            }
            c.append(Case(f"shoulder_external_rotation_{s}", pose, v, ("front",), el, False, ORTHO))
        for v in (0, 40, 120, 170):
            c.append(
                Case(f"shoulder_elevation_{s}", {f"shoulder_flexion_{s}": v}, v, SIDE_VIEWS, sh)
            )
            c.append(
                Case(
                    f"shoulder_elevation_{s}", {f"shoulder_abduction_{s}": v}, v, FRONTAL_VIEWS, sh
                )
            )
        c.append(
            Case(f"shoulder_elevation_{s}", {f"shoulder_flexion_{s}": -40}, 40, SIDE_VIEWS, sh)
        )
        for v in (0, 30, 90, 145):  # forearm flexing forwards: sagittal
            c.append(Case(f"elbow_flexion_{s}", {f"elbow_flexion_{s}": v}, v, SIDE_VIEWS, el))
        for v in (30, 90, 130):  # arm abducted 90, forearm flexing upwards: frontal
            pose = {
                f"shoulder_abduction_{s}": 90,
                f"shoulder_rotation_{s}": 90,
                f"elbow_flexion_{s}": v,
            }
            c.append(Case(f"elbow_flexion_{s}", pose, v, FRONTAL_VIEWS, el))
        for v in (-25, 0, 45, 90, 120):
            c.append(Case(f"hip_flexion_{s}", {f"hip_flexion_{s}": v}, v, look_at=f"{s}_hip"))
        for v in (-15, 0, 30, 50):
            c.append(Case(f"hip_abduction_{s}", {f"hip_abduction_{s}": v}, v, look_at=f"{s}_hip"))
        for v in (0, 20, 60, 120):
            c.append(
                Case(f"knee_flexion_{s}", {f"knee_flexion_{s}": v}, v, SIDE_VIEWS, f"{s}_knee")
            )
        c.append(
            Case(
                f"knee_flexion_{s}",
                {f"hip_flexion_{s}": 90, f"knee_flexion_{s}": 90},
                90,
                SIDE_VIEWS,
            )
        )
        c.append(
            Case(
                f"knee_flexion_{s}",
                {f"hip_abduction_{s}": 40, f"knee_flexion_{s}": 0},
                0,
                FRONTAL_VIEWS,
            )
        )
    for v in (-25, 0, 30, 60, 90):
        c.append(Case("trunk_flexion", {"trunk_flexion": v}, v))
    for v in (-30, -5, 20, 35):
        c.append(Case("trunk_lateral_flexion", {"trunk_lateral_flexion": v}, v))
    for v in (-45, -10, 30, 50):
        c.append(Case("trunk_rotation", {"trunk_rotation": v}, v))
    for v in (0, 25, 60):
        c.append(Case("trunk_inclination", {"trunk_flexion": v}, v, SIDE_VIEWS))
        c.append(Case("trunk_inclination", {"trunk_lateral_flexion": -v}, v, FRONTAL_VIEWS))
    c.append(Case("trunk_inclination", {"trunk_flexion": -20}, 20, SIDE_VIEWS))
    for v in (-20, -4, 3, 15):
        c.append(Case("head_tilt", {"neck_lateral_flexion": v}, v, look_at="mid_ear"))
    c.append(Case("head_tilt", {"neck_lateral_flexion": 10, "trunk_lateral_flexion": 5}, 15))
    for v in (-10, -2, 3, 8):
        c.append(Case("shoulder_tilt", {"trunk_lateral_flexion": v}, v, look_at="mid_shoulder"))
    for tilt in (-7.0, -1.5, 2.0, 5.0):
        c.append(Case("pelvic_tilt", {"pelvic_obliquity": tilt}, tilt))
    for f in (0.0, 0.03, 0.06, 0.12):  # forward head posture: ear 0.17 m above the shoulders
        c.append(
            Case(
                "craniovertebral",
                {"head_forward_m": f},
                float(np.degrees(np.arctan2(0.17, f))),
                look_at="mid_shoulder",
            )
        )
    for v in (15, 40):  # neck flexion about the shoulders' midpoint
        c.append(Case("craniovertebral", {"neck_flexion": v}, 90.0 - v, look_at="mid_shoulder"))
    return c


CASES = _cases()
CASES_3D = [c for c in CASES if c.adef.has_3d]
CASES_2D = [(c, v) for c in CASES if c.adef.views for v in c.proper_views()]


def test_every_catalogue_column_has_known_angle_cases() -> None:
    keys_2d = {c.key for c, _ in CASES_2D}
    keys_3d = {c.key for c in CASES_3D}
    missing_2d = [a.key for a in catalogue.ANGLES.values() if a.views and a.key not in keys_2d]
    missing_3d = [a.key for a in catalogue.ANGLES.values() if a.has_3d and a.key not in keys_3d]
    assert not missing_2d and not missing_3d


def test_every_signed_angle_is_checked_in_both_directions() -> None:
    for adef in catalogue.ANGLES.values():
        if not adef.signed:
            continue
        values = [c.expected for c in CASES if c.key == adef.key]
        assert min(values) < 0 < max(values), adef.key


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("case", CASES_3D, ids=Case.label)
def test_3d_angle_in_every_view(case: Case, view: str) -> None:
    seq = make_sequence(yaw_deg=VIEWS[view], camera=FAR, **case.pose)
    got = compute_angles(seq)[case.adef.column_3d][0]
    assert abs(got - case.expected) <= TOL_DEG, f"{case.adef.column_3d}: got {got}"


@pytest.mark.parametrize(("case", "view"), CASES_2D, ids=[f"{c.label()}-{v}" for c, v in CASES_2D])
def test_2d_angle_in_proper_view_far_camera(case: Case, view: str) -> None:
    cam = Camera(case.far.distance_m, case.far.focal_px, case.far.image_size_px, case.look_at)
    seq = make_sequence(yaw_deg=VIEWS[view], camera=cam, **case.pose)
    got = compute_angles(seq, with_3d=False)[case.adef.column_2d][0]
    assert abs(got - case.expected) <= TOL_DEG, f"{case.adef.column_2d}: got {got}"


NEAR_2D = [(c, v) for c, v in CASES_2D if c.near_ok]


@pytest.mark.parametrize(("case", "view"), NEAR_2D, ids=[f"{c.label()}-{v}" for c, v in NEAR_2D])
def test_2d_angle_in_proper_view_at_3m_joint_centred(case: Case, view: str) -> None:
    seq = make_sequence(
        yaw_deg=VIEWS[view], camera=Camera(3.0, 1000.0, look_at=case.look_at), **case.pose
    )
    got = compute_angles(seq, with_3d=False)[case.adef.column_2d][0]
    assert abs(got - case.expected) <= TOL_DEG, f"{case.adef.column_2d}: got {got}"


# --- sides and signs --------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_one_arm_abducted_moves_only_that_side(side: str, view: str) -> None:
    other = "right" if side == "left" else "left"
    a = compute_angles(
        make_sequence(yaw_deg=VIEWS[view], camera=FAR, **{f"shoulder_abduction_{side}": 60})
    )
    assert a[f"shoulder_abduction_{side}_3d_deg"][0] == pytest.approx(60, abs=TOL_DEG)
    assert a[f"shoulder_abduction_{other}_3d_deg"][0] == pytest.approx(0, abs=TOL_DEG)
    if view in FRONTAL_VIEWS:
        assert a[f"shoulder_abduction_{side}_deg"][0] == pytest.approx(60, abs=TOL_DEG)
        assert a[f"shoulder_abduction_{other}_deg"][0] == pytest.approx(0, abs=TOL_DEG)


_RICH_POSE: dict[str, Any] = {
    "neck_flexion": 12,
    "neck_lateral_flexion": 9,
    "neck_rotation": 25,
    "trunk_flexion": 8,
    "trunk_lateral_flexion": -6,
    "trunk_rotation": 14,
    "pelvic_obliquity": 3,
    "shoulder_abduction_left": 70,
    "shoulder_flexion_right": 40,
    "elbow_flexion_left": 90,
    "shoulder_rotation_left": 35,
    "elbow_flexion_right": 30,
    "hip_flexion_left": 20,
    "hip_abduction_right": 15,
    "knee_flexion_left": 35,
    "knee_flexion_right": 10,
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_mirrored_person_swaps_sides_and_negates_sided_directions(view: str) -> None:
    seq = make_sequence(yaw_deg=VIEWS[view], camera=FAR, **_RICH_POSE)
    a, m = compute_angles(seq), compute_angles(mirror(seq))
    checked = 0
    for col in a.names:
        target, sign = mirrored_column(col)
        x, y = a[col][0], m[target][0]
        assert np.isnan(x) == np.isnan(y), col
        if np.isfinite(x):
            assert y == pytest.approx(sign * x, abs=1e-6), col
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize(
    "pose", [_RICH_POSE, {"neck_lateral_flexion": -25, "shoulder_abduction_right": 100}]
)
def test_front_and_back_views_agree_on_frontal_2d_angles(pose: dict[str, Any]) -> None:
    front = compute_angles(make_sequence(yaw_deg=0, camera=EXACT, **pose), with_3d=False)
    back = compute_angles(make_sequence(yaw_deg=180, camera=EXACT, **pose), with_3d=False)
    for adef in catalogue.ANGLES.values():
        if adef.plane == "frontal" and adef.views:
            assert back[adef.column_2d][0] == pytest.approx(front[adef.column_2d][0], abs=1e-6), (
                adef.key
            )


@pytest.mark.parametrize("pose", [_RICH_POSE, {"trunk_flexion": 35, "shoulder_flexion_left": -30}])
def test_both_side_views_agree_on_sagittal_2d_angles(pose: dict[str, Any]) -> None:
    left = compute_angles(make_sequence(yaw_deg=90, camera=EXACT, **pose), with_3d=False)
    right = compute_angles(make_sequence(yaw_deg=-90, camera=EXACT, **pose), with_3d=False)
    for adef in catalogue.ANGLES.values():
        if adef.plane == "sagittal" and adef.views:
            assert right[adef.column_2d][0] == pytest.approx(left[adef.column_2d][0], abs=1e-6), (
                adef.key
            )


# --- reference frames: what each angle is relative to ------------------------------------------
def test_hip_flexion_is_relative_to_the_trunk_line() -> None:
    a = compute_angles(make_sequence(yaw_deg=90, camera=FAR, trunk_flexion=30, hip_flexion_left=20))
    assert a["hip_flexion_left_3d_deg"][0] == pytest.approx(50, abs=TOL_DEG)
    assert a["hip_flexion_left_deg"][0] == pytest.approx(50, abs=TOL_DEG)
    assert a["hip_flexion_right_3d_deg"][0] == pytest.approx(30, abs=TOL_DEG)
    assert a["trunk_flexion_3d_deg"][0] == pytest.approx(30, abs=TOL_DEG)


@pytest.mark.parametrize("view", ["front", "left-side", "oblique-front-right-45"])
def test_shoulder_angles_follow_the_thorax(view: str) -> None:
    pose = {"trunk_flexion": 40, "trunk_rotation": 25, "shoulder_flexion_right": 90}
    a = compute_angles(make_sequence(yaw_deg=VIEWS[view], camera=FAR, **pose))
    assert a["shoulder_flexion_right_3d_deg"][0] == pytest.approx(90, abs=TOL_DEG)
    assert a["trunk_rotation_3d_deg"][0] == pytest.approx(25, abs=TOL_DEG)


def test_head_tilt_is_from_the_horizontal_but_neck_lateral_flexion_from_the_trunk() -> None:
    a = compute_angles(make_sequence(camera=FAR, trunk_lateral_flexion=8, neck_lateral_flexion=12))
    for suffix in ("_deg", "_3d_deg"):
        assert a["head_tilt" + suffix][0] == pytest.approx(20, abs=TOL_DEG)
        assert a["neck_lateral_flexion" + suffix][0] == pytest.approx(12, abs=TOL_DEG)
        assert a["shoulder_tilt" + suffix][0] == pytest.approx(8, abs=TOL_DEG)
        assert a["trunk_lateral_flexion" + suffix][0] == pytest.approx(8, abs=TOL_DEG)


def test_forward_head_tilts_neck_flexion_by_the_ear_shift() -> None:
    a = compute_angles(make_sequence(yaw_deg=-90, camera=FAR, head_forward_m=0.05))
    expected = float(np.degrees(np.arctan2(0.05, 0.17)))
    assert a["neck_flexion_deg"][0] == pytest.approx(expected, abs=TOL_DEG)
    assert a["neck_flexion_3d_deg"][0] == pytest.approx(expected, abs=TOL_DEG)


# --- undefined measures are empty, not made up -------------------------------------------------
def test_planar_angle_is_empty_when_segment_is_out_of_its_plane() -> None:
    a = compute_angles(make_sequence(camera=FAR, shoulder_abduction_left=90))
    assert np.isnan(a["shoulder_flexion_left_3d_deg"][0])  # arm straight out: no flexion
    assert np.isnan(a["shoulder_horizontal_abduction_right_3d_deg"][0])  # arm hanging
    assert a["shoulder_horizontal_abduction_left_3d_deg"][0] == pytest.approx(90, abs=TOL_DEG)


def test_out_of_plane_limit_is_a_setting() -> None:
    seq = make_sequence(camera=FAR, shoulder_abduction_left=60)  # 60 deg out of sagittal
    assert np.isnan(compute_angles(seq, max_out_of_plane_deg=50)["shoulder_flexion_left_3d_deg"][0])
    assert compute_angles(seq)["shoulder_flexion_left_3d_deg"][0] == pytest.approx(0, abs=TOL_DEG)


@pytest.mark.parametrize("elbow", [0, 30, 50, 130, 170])
def test_shoulder_rotation_is_empty_unless_elbow_near_90(elbow: float) -> None:
    seq = make_sequence(camera=FAR, elbow_flexion_right=elbow, shoulder_rotation_right=30)
    a = compute_angles(seq)
    assert np.isnan(a["shoulder_external_rotation_right_deg"][0])
    assert np.isnan(a["shoulder_external_rotation_right_3d_deg"][0])


def test_shoulder_rotation_elbow_range_is_a_setting() -> None:
    seq = make_sequence(camera=FAR, elbow_flexion_right=50, shoulder_rotation_right=30)
    a = compute_angles(seq, er_elbow_range_deg=(45.0, 135.0))
    assert a["shoulder_external_rotation_right_3d_deg"][0] == pytest.approx(30, abs=TOL_DEG)


def test_side_view_measures_are_empty_in_a_front_view_and_vice_versa() -> None:
    front = compute_angles(make_sequence(yaw_deg=0, camera=FAR, trunk_flexion=20), with_3d=False)
    side = compute_angles(
        make_sequence(yaw_deg=90, camera=FAR, trunk_lateral_flexion=20), with_3d=False
    )
    for adef in catalogue.ANGLES.values():
        if adef.views == ("side",):
            assert np.isnan(front[adef.column_2d][0]), adef.key
        if set(adef.views) <= {"front", "back"} and adef.views:
            assert np.isnan(side[adef.column_2d][0]), adef.key


def test_craniovertebral_is_empty_when_ear_below_shoulder() -> None:
    a = compute_angles(make_sequence(yaw_deg=90, camera=FAR, trunk_flexion=100, neck_flexion=60))
    assert np.isnan(a["craniovertebral_deg"][0])


# --- missing and low-visibility landmarks -----------------------------------------------------
def test_missing_landmark_empties_exactly_the_angles_that_need_it() -> None:
    seq = make_sequence(camera=FAR, n_frames=3, shoulder_abduction_left=45, elbow_flexion_left=90)
    a = compute_angles(with_missing(seq, "left_elbow", slice(1, 2)))
    full = compute_angles(seq)
    for col in a.names:
        uses_elbow = col.startswith(("shoulder_", "elbow_")) and "_left_" in col
        if uses_elbow:
            assert np.isnan(a[col][1]), col
        else:
            np.testing.assert_array_equal(a[col][1], full[col][1], err_msg=col)
        np.testing.assert_array_equal(a[col][[0, 2]], full[col][[0, 2]], err_msg=col)


def test_missing_hip_empties_every_3d_angle_measured_in_the_body_frame() -> None:
    seq = with_missing(make_sequence(camera=FAR, shoulder_abduction_left=45), "right_hip")
    a = compute_angles(seq)
    frame_free = ("elbow_flexion_", "knee_flexion_left", "head_tilt", "shoulder_tilt")
    for col in a.names:
        if col.endswith("_3d_deg"):
            assert np.isnan(a[col][0]) != col.startswith(frame_free), col


def test_undetected_frame_is_empty_everywhere() -> None:
    seq = make_sequence(camera=FAR, n_frames=4, neck_rotation=20)
    img, world = seq.image_xyz.copy(), seq.world_xyz.copy()
    img[2], world[2] = np.nan, np.nan
    a = compute_angles(seq.with_arrays(image_xyz=img, world_xyz=world))
    assert np.isnan(a.values_deg[2]).all()
    assert np.isfinite(a["neck_rotation_deg"][[0, 1, 3]]).all()


@pytest.mark.parametrize(
    ("visibility", "min_visibility", "empty"),
    [(0.3, 0.5, True), (0.6, 0.5, False), (0.3, 0.2, False), (0.0, 0.0, False)],
)
def test_low_visibility_counts_as_missing(
    visibility: float, min_visibility: float, empty: bool
) -> None:
    seq = make_sequence(camera=FAR, shoulder_abduction_right=45)
    vis = seq.visibility.copy()
    vis[:, LANDMARK_INDEX["right_elbow"]] = visibility
    a = compute_angles(seq.with_arrays(visibility=vis), min_visibility=min_visibility)
    for col in (
        "shoulder_abduction_right_deg",
        "shoulder_abduction_right_3d_deg",
        "elbow_flexion_right_deg",
    ):
        assert np.isnan(a[col][0]) == empty, col
    assert a["shoulder_abduction_left_deg"][0] == pytest.approx(0, abs=TOL_DEG)


def test_side_view_midpoint_falls_back_to_the_near_side() -> None:
    seq = make_sequence(yaw_deg=90, camera=FAR, trunk_flexion=30, neck_flexion=20)
    vis = seq.visibility.copy()
    for far in ("right_shoulder", "right_hip", "right_ear"):  # left side faces the camera
        vis[:, LANDMARK_INDEX[far]] = 0.1
    a = compute_angles(seq.with_arrays(visibility=vis))
    assert a["trunk_flexion_deg"][0] == pytest.approx(30, abs=TOL_DEG)
    assert a["neck_flexion_deg"][0] == pytest.approx(20, abs=TOL_DEG)
    assert np.isnan(a["trunk_flexion_3d_deg"][0])  # 3D needs both sides: no guessing


# --- continuity and ranges ---------------------------------------------------------------------
@pytest.mark.parametrize("view", ["left-side", "right-side"])
def test_no_360_jump_past_full_flexion(view: str) -> None:
    sweep = np.linspace(150, 210, 61)  # the arm passes overhead and on backwards
    a = compute_angles(make_sequence(yaw_deg=VIEWS[view], camera=FAR, shoulder_flexion_left=sweep))
    for col in ("shoulder_flexion_left_deg", "shoulder_flexion_left_3d_deg"):
        x = a[col]
        assert np.all(np.abs(np.diff(x)) < 2), col
        np.testing.assert_allclose(x, sweep, atol=TOL_DEG, err_msg=col)


def test_continuity_is_kept_across_missing_frames() -> None:
    sweep = np.linspace(-140, -200, 31)  # through -180
    seq = make_sequence(yaw_deg=VIEWS["oblique-front-left-45"], camera=FAR, trunk_rotation=sweep)
    seq = with_missing(seq, "left_shoulder", slice(10, 14))
    x = compute_angles(seq)["trunk_rotation_3d_deg"]
    assert np.isnan(x[10:14]).all()
    ok = np.isfinite(x)
    np.testing.assert_allclose(x[ok], sweep[ok], atol=TOL_DEG)


def test_unsigned_angles_stay_in_0_180() -> None:
    sweep = np.linspace(0, 180, 37)
    a = compute_angles(
        make_sequence(
            camera=FAR, yaw_deg=90, elbow_flexion_right=sweep, shoulder_flexion_left=sweep
        )
    )
    for col in (
        "elbow_flexion_right_deg",
        "elbow_flexion_right_3d_deg",
        "shoulder_elevation_left_3d_deg",
    ):
        x = a[col]
        assert np.nanmin(x) >= 0 and np.nanmax(x) <= 180, col
        np.testing.assert_allclose(x, sweep, atol=TOL_DEG, err_msg=col)


# --- the output's shape ---------------------------------------------------------------------------
@pytest.mark.parametrize("with_3d", [True, False])
def test_columns_are_the_catalogue_columns(with_3d: bool) -> None:
    a = compute_angles(make_sequence(n_frames=2), with_3d=with_3d)
    assert a.names == tuple(catalogue.columns(with_3d=with_3d))
    assert a.values_deg.shape == (2, len(a.names))


@pytest.mark.parametrize(
    "kwargs",
    [{"min_visibility": 1.5}, {"max_out_of_plane_deg": 0}, {"er_elbow_range_deg": (120.0, 60.0)}],
)
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        compute_angles(make_sequence(), **kwargs)  # type: ignore[arg-type]


def test_needs_a_pose_sequence() -> None:
    with pytest.raises(TypeError, match="PoseSequence"):
        compute_angles(np.zeros((1, 33, 3)))  # type: ignore[arg-type]


def test_docs_table_is_the_catalogue() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "angles.md").read_text()
    assert catalogue.markdown_table() in doc, "regenerate docs/angles.md's table"


def _swap_labels(seq: Any, parts: tuple[str, ...]) -> Any:
    img, world = seq.image_xyz.copy(), seq.world_xyz.copy()
    for part in parts:
        i, j = LANDMARK_INDEX[f"left_{part}"], LANDMARK_INDEX[f"right_{part}"]
        img[:, [i, j]], world[:, [i, j]] = img[:, [j, i]], world[:, [j, i]]
    return seq.with_arrays(image_xyz=img, world_xyz=world)


@pytest.mark.parametrize("view", ["front", "back"])
def test_face_mirrored_against_the_body_gives_empty_face_angles(view: str) -> None:
    seq = make_sequence(yaw_deg=VIEWS[view], camera=FAR, neck_lateral_flexion=10, neck_rotation=20)
    a = compute_angles(_swap_labels(seq, ("ear", "eye")))  # as MediaPipe may do from behind
    for name in ("neck_lateral_flexion", "head_tilt", "neck_rotation"):
        assert np.isnan(a[f"{name}_3d_deg"][0]), name
    for name in ("neck_lateral_flexion", "head_tilt"):
        assert np.isnan(a[f"{name}_deg"][0]), name
    assert a["shoulder_tilt_deg"][0] == pytest.approx(0, abs=TOL_DEG)


@pytest.mark.parametrize(
    ("yaw", "measured"), [(60.0, True), (-65.0, True), (80.0, False), (-100.0, False)]
)
def test_frontal_2d_angles_stop_near_a_side_view(yaw: float, measured: bool) -> None:
    a = compute_angles(make_sequence(yaw_deg=yaw, camera=FAR, shoulder_abduction_left=40))
    assert np.isfinite(a["shoulder_abduction_left_deg"][0]) == measured
    assert a["shoulder_abduction_left_3d_deg"][0] == pytest.approx(40, abs=TOL_DEG)


def test_lateral_axial_angles_are_those_named_after_a_side() -> None:
    lateral = {a.name for a in catalogue.ANGLES.values() if a.lateral}
    assert lateral == {
        "neck_lateral_flexion",
        "neck_rotation",
        "trunk_lateral_flexion",
        "trunk_rotation",
        "head_tilt",
        "shoulder_tilt",
        "pelvic_tilt",
    }


@pytest.mark.parametrize("column", ["shoulder_abduction_left", "shoulder_flexion_right"])
@pytest.mark.parametrize("est", ["", "_3d"])
def test_one_frame_of_an_arm_past_vertical_reads_past_180_not_the_other_way(
    column: str, est: str
) -> None:
    """The arm's flexion and abduction pass 180 overhead (hyperabduction, a trunk lean)
    and never reach 90 the other way: a single frame at 190 (the live preview computes
    one frame) is 190, not 170 of adduction / extension."""
    yaw = 0.0 if "abduction" in column else -90.0  # the view the 2D estimate needs
    for deg in (100.0, 175.0, 190.0, 215.0):
        a = compute_angles(make_sequence(camera=FAR, yaw_deg=yaw, **{column: deg}))
        got = float(a[f"{column}{est}_deg"][0])
        assert got == pytest.approx(deg, abs=1.0), (deg, got)
    # the other way stays negative (adduction / extension)
    a = compute_angles(make_sequence(camera=FAR, yaw_deg=yaw, **{column: -30.0}))
    assert float(a[f"{column}{est}_deg"][0]) == pytest.approx(-30.0, abs=1.0)
