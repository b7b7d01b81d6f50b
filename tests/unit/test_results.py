"""The clinical answer (rom.metrics.results) on synthetic clients with known movements:
one value per measure, the estimate the view supports, the plane the limb moved in,
peaks not seen, posture over a still period, repetitions, tidy rows and printed lines."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import bound_unsigned, filter_angles_with_report
from rom.metrics.protocols import get_protocol
from rom.metrics.results import ROW_FIELDS, describe_value, result_lines, result_rows
from rom.metrics.uncertainty import BASE_2D_DEG
from rom.sequence import PoseSequence
from rom.summary import build_summary
from tests.synthetic import Camera, make_sequence

FPS = 30.0
FAR = Camera.far()


def raises(
    peak_deg: float, n_reps: int = 2, *, rest_s: float = 1.0, rep_s: float = 2.0
) -> np.ndarray:
    """Still for ``rest_s``, then ``n_reps`` smooth raises to ``peak_deg`` and back, then
    still again for ``rest_s`` (degrees per frame at 30 fps)."""
    t = np.arange(0, rest_s + n_reps * rep_s + rest_s, 1 / FPS)
    phase = np.clip((t - rest_s) / rep_s, 0, n_reps)
    return peak_deg * np.sin(np.pi * (phase % 1.0)) ** 2 * (phase < n_reps)


def analyse(seq: PoseSequence, protocol: str | None) -> dict:
    filtered, removed = filter_angles_with_report(compute_angles(seq))
    return build_summary(
        seq,
        bound_unsigned(filtered),
        get_protocol(protocol) if protocol else None,
        config={},
        version="test",
        filter_reports=removed,
    )


def measure(doc: dict, name: str, direction: str = "positive") -> dict:
    found = [
        m
        for m in doc["results"]["measures"]
        if m["measure"] == name and m["direction"] == direction
    ]
    assert len(found) == 1, [(m["measure"], m["direction"]) for m in doc["results"]["measures"]]
    return found[0]


# --- item 2: one value per measure ---------------------------------------------------------


def test_abduction_from_the_front_is_one_2d_value_per_side_and_no_adduction() -> None:
    arc = raises(150)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc)
    doc = analyse(seq, "shoulder-abduction")
    res = doc["results"]
    assert next(iter(doc)) == "results" and res["protocol"] == "shoulder-abduction"
    assert [m["direction"] for m in res["measures"]] == ["positive"]  # no adduction
    m = measure(doc, "shoulder_abduction")
    for side in ("left", "right"):
        r = m["sides"][side]
        assert r["status"] == "measured" and r["estimate"] == "2d"
        assert r["value_deg"] == pytest.approx(150, abs=1.5)
        assert r["percent_of_normal"] == pytest.approx(100 * r["value_deg"] / 180, abs=0.1)
        assert r["moved_in"] == "abduction" and abs(r["plane_of_elevation_deg"]) < 5
        assert r["other_estimate_deg"] == pytest.approx(150, abs=1.5)  # 3D kept beside it
        # a clean square-on 2D value: only the estimate's own (calibrated) uncertainty
        assert r["uncertainty_deg"] == pytest.approx(BASE_2D_DEG, abs=1.0)
    assert m["asymmetry"]["difference_deg"] == pytest.approx(0, abs=1)
    assert not m["asymmetry"]["exceeds_uncertainty"]
    lines = result_lines(res)
    assert len(lines) == 1 and "left 150" in lines[0] and "right 150" in lines[0]
    assert "adduction" not in lines[0]


def test_an_oblique_camera_gives_the_3d_value() -> None:
    arc = raises(120)
    seq = make_sequence(
        yaw_deg=45, camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc
    )
    m = measure(analyse(seq, "shoulder-abduction"), "shoulder_abduction")
    for side in ("left", "right"):
        r = m["sides"][side]
        assert r["estimate"] == "3d" and r["status"] == "measured"
        assert r["value_deg"] == pytest.approx(120, abs=1.5)
        assert r["obliqueness_deg"] == pytest.approx(45, abs=3)


# --- item 3: the view, the plane, the anatomy ---------------------------------------------


def test_flexion_from_the_front_is_not_measurable_and_names_the_plane_moved_in() -> None:
    """Issue 8: a front clip of arms raised sideways printed flexion 193 deg (3D) and
    extension -156 (2D)."""
    arc = raises(160)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc)
    doc = analyse(seq, "shoulder-flexion")
    for direction in ("positive", "negative"):
        for side in ("left", "right"):
            r = measure(doc, "shoulder_flexion", direction)["sides"][side]
            assert r["status"] == "not_measurable" and r["value_deg"] is None
            assert "film from the side" in r["reason"]
            assert r["moved_in"] == "abduction"
    assert any("needs a side view" in w for w in doc["results"]["warnings"])
    assert all("not measurable" in line for line in result_lines(doc["results"]))


def test_abduction_filmed_from_the_side_is_not_flexion() -> None:
    """From the side, an arm raised sideways projects onto the sagittal plane as an arm
    raised forwards (2D flexion near 180): the plane it went through says otherwise."""
    arc = raises(150)
    seq = make_sequence(yaw_deg=-90, camera=FAR, shoulder_abduction_right=arc)
    doc = analyse(seq, "shoulder-flexion")
    r = measure(doc, "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "not_performed" and r["moved_in"] == "abduction"
    assert "moved_in_another_plane" in r["flags"] and "frontal plane" in r["reason"]


def test_flexion_from_the_side_is_measured_in_2d() -> None:
    arc = raises(165)
    seq = make_sequence(yaw_deg=-90, camera=FAR, shoulder_flexion_right=arc)
    r = measure(analyse(seq, "shoulder-flexion"), "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "measured" and r["estimate"] == "2d"
    assert r["value_deg"] == pytest.approx(165, abs=1.5) and r["moved_in"] == "flexion"


def test_3d_flexion_is_the_elevation_in_the_sagittal_plane_never_past_180() -> None:
    """An arm swung past overhead reads more than 180 as a projection on the sagittal
    plane; ISB elevation does not, and the plane is that of the raise."""
    arc = raises(178)
    seq = make_sequence(yaw_deg=-45, camera=FAR, shoulder_flexion_right=arc)
    doc = analyse(seq, "shoulder-flexion")
    r = measure(doc, "shoulder_flexion")["sides"]["right"]
    assert r["estimate"] == "3d" and r["column"] == "shoulder_elevation_right_3d_deg"
    assert r["value_deg"] == pytest.approx(178, abs=1.5) and r["value_deg"] <= 180


def test_values_beyond_the_anatomical_range_are_no_number() -> None:
    """A value past what the joint can do is a landmark error: said in words, never a
    number (the lab camera 3 clip printed hip abduction left 108 deg, 240% of normal)."""
    arc = raises(200)  # past what a shoulder can do: a landmark error in real footage
    seq = make_sequence(yaw_deg=-90, camera=FAR, shoulder_flexion_right=arc)
    doc = analyse(seq, "shoulder-flexion")
    r = measure(doc, "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "not_measurable" and r["value_deg"] is None
    assert r["percent_of_normal"] is None and r["uncertainty_deg"] is None
    assert "beyond_anatomical_range" in r["flags"]
    assert "past what a shoulder can reach" in r["reason"] and "landmark error" in r["reason"]
    line = next(x for x in result_lines(doc["results"]) if "Shoulder flexion" in x)
    assert "not measurable" in line and "past what a shoulder can reach" in line
    assert not re.search(r"\b(19[1-9]|20\d)\b", line), line  # the impossible value: not printed
    values = [
        row
        for row in result_rows(doc["results"])
        if row["statistic"] in ("value", "percent_of_normal")
        and row["side"] == "right"
        and row["measure"] == "shoulder_flexion"
        and row["direction"] == "positive"
    ]
    assert [row["value"] for row in values] == [None]
    # a side within range beside it keeps its number
    arc_ok = raises(150)
    seq = make_sequence(
        yaw_deg=-90, camera=FAR, shoulder_flexion_right=arc, hip_flexion_right=raises(60)
    )
    doc = analyse(seq, None)
    assert measure(doc, "hip_flexion")["sides"]["right"]["status"] == "measured"
    assert arc_ok.max() == pytest.approx(150)


# --- item 4: checks without a protocol, and columns the view does not support ----------


def test_without_a_protocol_the_view_is_checked_and_unsupported_columns_marked() -> None:
    arc = raises(150)
    yaw = np.where(np.arange(arc.size) < arc.size // 2, 0.0, 60.0)  # turns half way
    seq = make_sequence(
        yaw_deg=yaw, camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc
    )
    doc = analyse(seq, None)
    assert doc["results"]["protocol"] is None
    assert any("turns during the clip" in w for w in doc["results"]["warnings"])
    angles = doc["angles"]
    assert angles["shoulder_flexion_left_deg"]["valid_for_view"] is False
    assert angles["shoulder_abduction_left_3d_deg"]["valid_for_view"] is True
    assert [m["measure"] for m in doc["results"]["measures"]].count("shoulder_abduction") == 1
    assert any(
        line.strip().startswith("Shoulder abduction") for line in result_lines(doc["results"])
    )


def test_an_elbow_bending_towards_the_camera_has_no_2d_value() -> None:
    """2D elbow flexion of an arm pointing at the camera can read anything (176 deg for a
    straight arm in issue 8's tai chi clip): the view does not support it."""
    flex = raises(90, n_reps=2)
    n = flex.size
    seq = make_sequence(
        camera=FAR, shoulder_flexion_right=np.full(n, 90.0), elbow_flexion_right=flex
    )
    doc = analyse(seq, "elbow-flexion")
    assert doc["angles"]["elbow_flexion_right_deg"]["valid_for_view"] is False
    r = measure(doc, "elbow_flexion")["sides"]["right"]
    assert r["status"] == "not_measurable" and r["value_deg"] is None
    assert "from square" in r["reason"]
    # seen from 45 degrees the same movement is measurable in 3D
    seq = make_sequence(
        yaw_deg=-45, camera=FAR, shoulder_flexion_right=np.full(n, 90.0), elbow_flexion_right=flex
    )
    r = measure(analyse(seq, "elbow-flexion"), "elbow_flexion")["sides"]["right"]
    assert r["estimate"] == "3d" and r["value_deg"] == pytest.approx(90, abs=2)


# --- item 5: a landmark outside the image cannot set a peak -----------------------------


def test_a_peak_outside_the_image_is_not_seen() -> None:
    """Issue 8: with the arms leaving a cropped frame at the top of each raise, the peaks
    came from frames where the elbow lay outside the image (visibility 0.97)."""
    arc = raises(150)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=0.7 * arc)
    # crop the top of the frame so that the left elbow leaves it at the top of each
    # raise (MediaPipe's visibility stays high there); the right arm is lowered a little
    # so that it stays in frame
    elbow_y = seq.image_xyz[:, LANDMARK_INDEX["left_elbow"], 1]
    top = float(np.percentile(elbow_y, 5))
    img = seq.image_xyz.copy()
    img[..., 1] -= top
    cropped = PoseSequence(
        image_xyz=img,
        world_xyz=seq.world_xyz,
        visibility=seq.visibility,
        presence=seq.presence,
        time_s=seq.time_s,
        image_size_px=(seq.image_size_px[0], int(seq.image_size_px[1] - top)),
        source=seq.source,
    )
    doc = analyse(cropped, "shoulder-abduction")
    m = measure(doc, "shoulder_abduction")
    left = m["sides"]["left"]
    assert left["status"] == "not_seen" and left["value_deg"] is None
    assert "peak_not_seen" in left["flags"] and "left elbow" in left["reason"]
    assert 0 < left["at_least_deg"] < 150
    assert m["sides"]["right"]["status"] == "measured"  # the right arm stayed in frame
    assert m["asymmetry"]["status"] == "not_comparable"
    assert any("left peak not seen" in line for line in result_lines(doc["results"]))


# --- item 6: an isolated bad sample at a gap's edge ------------------------------------


def test_a_bad_frame_before_a_gap_does_not_become_the_peak() -> None:
    """Issue 8: in a dark copy, one frame before a 0.43 s gap read 2.4 deg neck rotation
    where the client never went below 40, and was reported as the minimum."""
    n = 240
    t = np.arange(n) / FPS
    rot = -45 + 10 * np.sin(2 * np.pi * t / 4)  # turned left, between -55 and -35
    seq = make_sequence(camera=FAR, neck_rotation=rot, n_frames=n)
    img, world, vis = seq.image_xyz.copy(), seq.world_xyz.copy(), seq.visibility.copy()
    gap = slice(120, 133)  # 0.43 s without the person
    img[gap], world[gap], vis[gap] = np.nan, np.nan, np.nan
    # in the frame before the gap the head reads as facing forwards: nose and ears
    # placed as in frame 0 of a client looking straight ahead
    straight = make_sequence(camera=FAR, n_frames=1)
    head = [LANDMARK_INDEX[n] for n in ("nose", "left_ear", "right_ear", "left_eye", "right_eye")]
    img[119, head] = straight.image_xyz[0, head]
    world[119, head] = straight.world_xyz[0, head]
    seq = seq.with_arrays(image_xyz=img, world_xyz=world, visibility=vis)
    doc = analyse(seq, "cervical-rotation")
    right = measure(doc, "neck_rotation", "positive")["sides"]["none"]
    left = measure(doc, "neck_rotation", "negative")["sides"]["none"]
    # the client never turned right: the bad frame must not make a right turn, nor
    # shrink the left turn's reading
    assert right["status"] == "not_performed"
    assert left["value_deg"] == pytest.approx(55, abs=2)
    assert any(
        "removed as landmark errors" in w for w in doc["rom"]["neck_rotation_deg"]["warnings"]
    )
    assert not any(
        "true peak may be larger" in w for col in doc["rom"].values() for w in col["warnings"]
    )


# --- item 7: repetitions ------------------------------------------------------------------


@pytest.mark.parametrize(("yaw", "estimate"), [(0.0, "2d"), (45.0, "3d")])
def test_both_arms_raised_together_count_the_same_repetitions(yaw: float, estimate: str) -> None:
    left = raises(150, n_reps=3)
    right = left.copy()
    # the right arm's last raise is lost from view at its top (a gap), the left is seen
    seq = make_sequence(
        yaw_deg=yaw, camera=FAR, shoulder_abduction_left=left, shoulder_abduction_right=right
    )
    vis = seq.visibility.copy()
    top = slice(int((1 + 5) * FPS) - 3, int((1 + 5) * FPS) + 3)  # the third raise's top
    vis[top, LANDMARK_INDEX["right_elbow"]] = 0.1
    seq = seq.with_arrays(visibility=vis)
    m = measure(analyse(seq, "shoulder-abduction"), "shoulder_abduction")
    assert m["sides"]["left"]["estimate"] == m["sides"]["right"]["estimate"] == estimate
    assert m["sides"]["left"]["n_reps"] == m["sides"]["right"]["n_reps"] == 3
    assert m["sides"]["left"]["bilateral"] == "together"


def test_a_small_bump_after_full_raises_is_not_a_repetition() -> None:
    """Issue 8: the right arm counted 3 repetitions (151, 156 and 32 deg)."""
    arc = np.r_[
        raises(150, n_reps=2, rest_s=1.0), 32 * np.sin(np.linspace(0, np.pi, 45)) ** 2, np.zeros(30)
    ]
    seq = make_sequence(camera=FAR, shoulder_abduction_right=arc, shoulder_abduction_left=arc * 0)
    r = measure(analyse(seq, "shoulder-abduction"), "shoulder_abduction")["sides"]["right"]
    assert r["n_reps"] == 2 and min(r["rep_peaks_deg"]) > 140


# --- item 1: posture ----------------------------------------------------------------------


def test_posture_is_the_still_value_against_the_norm_band() -> None:
    n = int(8 * FPS)
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=4.0, n_frames=n)
    doc = analyse(seq, "posture-front")
    tilt = measure(doc, "shoulder_tilt", "value")["sides"]["none"]
    assert tilt["status"] == "measured" and tilt["estimate"] == "2d"
    assert tilt["value_deg"] == pytest.approx(4.0, abs=0.3)
    assert tilt["within_normal"] is False  # the norm's band is -3 to +3
    assert (tilt["normal_min_deg"], tilt["normal_max_deg"]) == (-3.0, 3.0)
    assert tilt["still_s"] == pytest.approx(8.0, abs=0.1) and tilt["spread_deg"] < 0.5
    pelvis = measure(doc, "pelvic_tilt", "value")["sides"]["none"]
    assert pelvis["within_normal"] is True
    line = next(x for x in result_lines(doc["results"]) if "Shoulder tilt" in x)
    assert "right shoulder lower than the left" in line and "outside normal" in line


def test_posture_with_the_head_cut_off_says_so() -> None:
    seq = make_sequence(camera=FAR, n_frames=int(6 * FPS))
    top = float(np.nanmax(seq.image_xyz[:, LANDMARK_INDEX["left_shoulder"], 1])) - 60
    img = seq.image_xyz.copy()
    img[..., 1] -= top  # the frame's top edge runs just above the shoulders
    cut = PoseSequence(
        image_xyz=img,
        world_xyz=seq.world_xyz,
        visibility=seq.visibility,
        presence=seq.presence,
        time_s=seq.time_s,
        image_size_px=(seq.image_size_px[0], int(seq.image_size_px[1] - top)),
        source=seq.source,
    )
    doc = analyse(cut, "posture-front")
    head = measure(doc, "head_tilt", "value")["sides"]["none"]
    assert head["status"] == "not_measurable" and "not_in_image" in head["flags"]
    assert "left eye" in head["reason"] and "outside the image" in head["reason"]
    assert measure(doc, "shoulder_tilt", "value")["sides"]["none"]["status"] == "measured"


def test_posture_of_a_moving_client_is_not_measurable_with_a_warning() -> None:
    t = np.arange(0, 8, 1 / FPS)
    seq = make_sequence(camera=FAR, trunk_lateral_flexion=12 * np.sin(2 * np.pi * t / 1.5))
    doc = analyse(seq, "posture-front")
    for m in doc["results"]["measures"]:
        r = m["sides"]["none"]
        assert r["status"] == "not_measurable" and r["value_deg"] is None
        assert "no_still_period" in r["flags"]
    assert any("no still period of 5 s" in w for w in doc["results"]["warnings"])


# --- rows and words -------------------------------------------------------------------------


def test_tidy_rows_one_per_measure_direction_side_and_statistic() -> None:
    arc = raises(150)
    seq = make_sequence(camera=FAR, shoulder_abduction_left=arc, shoulder_abduction_right=arc)
    rows = result_rows(analyse(seq, "shoulder-abduction")["results"])
    assert all(tuple(r) == ROW_FIELDS for r in rows)
    keys = [(r["measure"], r["direction"], r["side"], r["statistic"], r["rep"]) for r in rows]
    assert len(keys) == len(set(keys))
    values = [r for r in rows if r["statistic"] == "value"]
    assert {r["side"] for r in values} == {"left", "right"}
    reps = [r for r in rows if r["statistic"] == "rep_peak" and r["side"] == "left"]
    assert [r["rep"] for r in reps] == [1, 2]
    assert {r["statistic"] for r in rows if r["side"] == "right-left"} >= {
        "difference",
        "symmetry_index",
    }


def test_values_in_words() -> None:
    assert (
        describe_value("neck_rotation_deg", -12.3) == "neck rotation: 12 deg (rotation to the left)"
    )
    assert (
        describe_value("shoulder_abduction_right_deg", 91.0) == "right shoulder abduction: 91 deg"
    )


def test_a_movement_too_small_from_a_held_posture_says_from_where() -> None:
    """An arm held forwards at 40 deg that moves 6 deg more did not flex 10 deg: the
    reason says the movement is counted from the starting posture, so 'largest 46' does
    not read as a contradiction."""
    arc = 40.0 + raises(6.0)
    seq = make_sequence(yaw_deg=-90, camera=FAR, shoulder_flexion_right=arc)
    r = measure(analyse(seq, "shoulder-flexion"), "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "not_performed", r
    assert "from the starting posture (40 deg; largest 46 deg)" in r["reason"], r["reason"]


def test_a_direction_never_past_the_zero_position_is_not_performed() -> None:
    """A head bowed 40 deg that comes back to 25 moved towards extension but never
    reached it: neck extension is not performed (not 'extension -25 deg')."""
    arc = 40.0 - raises(15.0)
    seq = make_sequence(yaw_deg=-90, camera=FAR, neck_flexion=arc)
    doc = analyse(seq, "cervical-flexion-extension")
    r = measure(doc, "neck_flexion", "negative")["sides"]["none"]
    assert r["status"] == "not_performed", r
    assert r["value_deg"] is None
    assert "never passed the zero position (nearest: 25 deg of flexion)" in r["reason"], r


# --- flexion and extension read from the unsigned 3D elevation ------------------------------


def _in_plane(doc: dict, direction: str, side: str = "right") -> dict:
    r = measure(doc, "shoulder_flexion", direction)["sides"][side]
    assert r["estimate"] == "3d" and r["column"] == f"shoulder_elevation_{side}_3d_deg", r
    return r


def _sway(n: int, amplitude_deg: float = 15.0, period_s: float = 0.8) -> np.ndarray:
    """An arm swinging forwards and backwards at its side (no still start: no neutral)."""
    return amplitude_deg * np.sin(2 * np.pi * np.arange(n) / FPS / period_s)


def test_an_arm_hanging_at_its_side_is_neither_flexion_nor_extension() -> None:
    """Issue 8 (tester): a front clip printed the left arm's resting elevation, 21 deg at
    3.2 s, as both flexion and extension. The elevation has no sign; an arm swinging
    +/-15 deg at its side never started still, so the rest was once the lowest value."""
    n = int(6 * FPS)
    seq = make_sequence(yaw_deg=-45, camera=FAR, shoulder_flexion_right=_sway(n), n_frames=n)
    doc = analyse(seq, "shoulder-flexion")
    for direction in ("positive", "negative"):
        r = _in_plane(doc, direction)
        assert r["status"] == "not_performed" and r["value_deg"] is None, r
        assert "at_rest" in r["flags"] and "resting elevation" in r["reason"], r
    lines = result_lines(doc["results"])
    assert not any("extension" in line and "deg (" in line for line in lines), lines


def test_flexion_only_is_no_extension() -> None:
    arc = raises(150, rest_s=0.0)  # raised from the first frame: no still start
    seq = make_sequence(yaw_deg=-45, camera=FAR, shoulder_flexion_right=arc + _sway(len(arc), 8.0))
    doc = analyse(seq, "shoulder-flexion")
    flexion = _in_plane(doc, "positive")
    assert flexion["status"] == "measured" and flexion["value_deg"] == pytest.approx(150, abs=8)
    extension = _in_plane(doc, "negative")
    assert extension["status"] == "not_performed" and extension["value_deg"] is None, extension


def test_extension_only_is_no_flexion() -> None:
    arc = -raises(50, rest_s=0.0)  # backwards, from the first frame
    seq = make_sequence(yaw_deg=-45, camera=FAR, shoulder_flexion_right=arc + _sway(len(arc), 8.0))
    doc = analyse(seq, "shoulder-flexion")
    extension = _in_plane(doc, "negative")
    assert extension["status"] == "measured", extension
    assert extension["value_deg"] == pytest.approx(50, abs=8)
    flexion = _in_plane(doc, "positive")
    assert flexion["status"] == "not_performed" and flexion["value_deg"] is None, flexion
