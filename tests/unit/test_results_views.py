"""Each value is read from a view, and the view must support it: right against left only
between values read alike (same kind of estimate, same or mirror view); face-based
cervical values only where the thorax faces the camera; a 2D raise between two planes is
neither movement (issue 8, a new user's review of a fresh clone)."""

from __future__ import annotations

import numpy as np
import pytest

from rom.metrics.angles import compute_angles
from rom.metrics.results import _asymmetry, result_lines
from rom.metrics.support import MAX_FACE_FACING_DEG, compute_support, supported_values
from rom.metrics.view import same_view
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, measure, raises

FAR = Camera.far()


def _turning(first: dict, second: dict, yaw_first: float, yaw_second: float, **kw: object):
    """A client at ``yaw_first`` making the movements ``first`` (arrays), turning over
    0.5 s, then at ``yaw_second`` making ``second``."""
    n1 = max(np.size(v) for v in first.values())
    n2 = max(np.size(v) for v in second.values())
    turn = np.linspace(yaw_first, yaw_second, 15)
    yaw = np.concatenate([np.full(n1, yaw_first), turn, np.full(n2, yaw_second)])
    angles = {}
    for name in {*first, *second}:
        a = np.asarray(first.get(name, np.zeros(n1)), float)
        b = np.asarray(second.get(name, np.zeros(n2)), float)
        angles[name] = np.concatenate([a, np.full(turn.size, a[-1]), b])
    return make_sequence(yaw_deg=yaw, camera=FAR, **angles, **kw)  # type: ignore[arg-type]


def test_same_view_is_the_same_heading_or_its_mirror() -> None:
    assert same_view(-4.0, 20.0) and same_view(90.0, -85.0) and same_view(np.nan, 90.0)
    assert not same_view(-90.0, -2.0) and not same_view(0.0, 50.0)


def test_sides_read_from_different_views_are_not_compared() -> None:
    """The sample clip printed knee flexion "right-left +30 (within uncertainty)" between a
    left side read side-on at 4.1 s and a right side read from the front. Here the left
    hip abducts 40 facing the camera, the right 40 after a turn of 50 deg: both values
    stand, the difference is not given, and the line says why."""
    first = {"hip_abduction_left": raises(40, n_reps=1)}
    second = {"hip_abduction_right": raises(40, n_reps=1)}
    seq = _turning(first, second, 0.0, -50.0)
    doc = analyse(seq, None)
    m = measure(doc, "hip_abduction")
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert left["status"] == right["status"] == "measured", (left, right)
    assert left["estimate"] == right["estimate"]
    assert left["view_at_peak"] == "front" and right["view_at_peak"] != "front"
    a = m["asymmetry"]
    assert a["status"] == "not_comparable" and a["difference_deg"] is None
    assert "different views" in a["reason"] and "filmed from the front" in a["reason"]
    line = next(x for x in result_lines(doc["results"]) if x.strip().startswith("Hip"))
    assert "right-left not compared" in line and "different views" in line, line
    assert "right-left +" not in line and "right-left -" not in line


def test_each_side_from_its_own_side_compares_and_is_no_other_view() -> None:
    """A side-view test filmed from the left, then from the right (the usual way): both
    views are the protocol's, so neither value is flagged and the sides compare."""
    first = {"hip_flexion_left": raises(60, n_reps=1)}
    second = {"hip_flexion_right": raises(70, n_reps=1)}
    seq = _turning(first, second, 90.0, -90.0)
    m = measure(analyse(seq, "hip-flexion"), "hip_flexion")
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert left["view_at_peak"] == "left-side" and right["view_at_peak"] == "right-side"
    for r in (left, right):
        assert r["status"] == "measured" and "other_view" not in r["flags"], r
    assert m["asymmetry"]["status"] == "measured"
    assert m["asymmetry"]["difference_deg"] == pytest.approx(10, abs=3)


def test_sides_read_with_different_estimates_are_not_compared() -> None:
    r = {"status": "measured", "estimate": "2d", "value_deg": 150.0, "yaw_at_peak_deg": 0.0}
    lft = {**r, "estimate": "3d"}
    a = _asymmetry(r, lft)
    assert a["status"] == "not_comparable" and "in 2D" in a["reason"] and "in 3D" in a["reason"]


def test_face_based_values_need_the_thorax_facing_the_camera() -> None:
    """The sample clip's cervical rotation to the right, 22.5 deg, came from the face at
    4.43 s with the client side-on (80 deg), unflagged. Here the client turns the head
    30 deg left facing the camera, then turns side-on (-80) and turns the head 30 deg
    left again: only the first turn is a face-based value."""
    first = {"neck_rotation": -raises(30, n_reps=1)}
    second = {"neck_rotation": -raises(45, n_reps=1, rest_s=0.5)}
    seq = _turning(first, second, 0.0, -80.0)
    sup = compute_support(seq)["neck_rotation"]
    assert sup.facing_deg is not None
    n1 = first["neck_rotation"].size
    assert np.all(sup.facing_deg[: n1 - 15] < 10) and np.all(sup.facing_deg[-40:] > 70)
    face = supported_values(compute_angles(seq), compute_support(seq))["neck_rotation_face_deg"]
    assert np.isfinite(face[: n1 - 15]).any() and np.isnan(face[-40:]).all()
    assert sup.valid("face")[-40:].sum() == 0 and MAX_FACE_FACING_DEG == 60
    doc = analyse(seq, None)
    left = measure(doc, "neck_rotation", "negative")["sides"]["none"]
    assert left["status"] == "measured" and left["estimate"] == "face"
    assert left["value_deg"] == pytest.approx(30, abs=4)  # the turn made facing the camera
    assert left["peak_time_s"] < seq.time_s[n1]
    assert left["view_at_peak"] == "front" and "other_view" not in left["flags"]


def test_a_face_based_value_read_facing_the_camera_in_an_oblique_clip() -> None:
    """Face-based values get the view check too: a client mostly at 45 deg (oblique) who
    turns the head while facing the camera. The value was read in its measure's view
    (the front), so it is not flagged other_view; the line still says when and from
    where it was read, since the clip's view was another."""
    first = {"neck_rotation": np.zeros(150)}
    second = {"neck_rotation": -raises(30, n_reps=1, rest_s=0.5)}
    seq = _turning(first, second, -45.0, 0.0)
    doc = analyse(seq, None)
    assert doc["results"]["view"].startswith("oblique")
    left = measure(doc, "neck_rotation", "negative")["sides"]["none"]
    assert left["status"] == "measured" and left["estimate"] == "face"
    assert "other_view" not in left["flags"] and left["view_at_peak"] == "front"
    assert left["read_in_clip_view"] is False
    line = next(x for x in result_lines(doc["results"]) if "Neck rotation" in x)
    assert "[filmed from the front at" in line


@pytest.mark.parametrize("protocol", [None, "shoulder-abduction"])
def test_an_oblique_camera_value_is_flagged_with_or_without_a_protocol(
    protocol: str | None,
) -> None:
    """Lab camera 1 (yaw -41) read shoulder abduction 80 (3D): flagged other_view with
    --protocol shoulder-abduction, not without one, so rom batch --summary pooled it with
    values filmed from the front. An abduction filmed 40 deg from the front all through is
    flagged either way, with a warning saying which view the measure needs; the same
    raise filmed from the front is not."""
    oblique = analyse(
        make_sequence(yaw_deg=-40.0, camera=FAR, shoulder_abduction_right=raises(90, n_reps=2)),
        protocol,
    )
    right = measure(oblique, "shoulder_abduction")["sides"]["right"]
    assert right["status"] == "measured" and right["estimate"] == "3d", right
    assert "other_view" in right["flags"] and right["read_in_clip_view"] is True
    assert any("from a front or back view" in w for w in right["warnings"]), right["warnings"]
    front = analyse(
        make_sequence(yaw_deg=0.0, camera=FAR, shoulder_abduction_right=raises(90, n_reps=2)),
        protocol,
    )
    square = measure(front, "shoulder_abduction")["sides"]["right"]
    assert square["status"] == "measured" and "other_view" not in square["flags"], square


def test_a_view_verdict_on_the_moving_frames_says_when_and_what_was_seen_square() -> None:
    """The sample clip (front, yaw -4) with --protocol cervical-lateral-flexion said only
    "the frontal plane was 81 deg from square ... filmed from the client's right side":
    the neck did not bend in the 3 s filmed from the front, and its readings moved only
    after the client turned side-on to walk away. The reason now says both."""
    first = {"neck_lateral_flexion": np.zeros(120)}
    second = {"neck_lateral_flexion": raises(25, n_reps=1, rest_s=0.3)}
    seq = _turning(first, second, 0.0, 85.0)
    doc = analyse(seq, "cervical-lateral-flexion")
    side = measure(doc, "neck_lateral_flexion")["sides"]["none"]
    assert side["status"] == "not_measurable", side
    reason = side["reason"]
    assert reason.startswith("filmed from the front (") and "it did not move 10 deg" in reason
    assert "where it moved, the frontal plane was" in reason, reason


def test_a_2d_raise_between_planes_is_not_flexion() -> None:
    """The sample clip's shoulder flexion right 168 (2D, side-on at 4.7 s) was a raise in
    the scapular plane (plane of elevation 37): side-on its projection overstates the
    elevation, and the 3D value already leaves such raises out."""
    arc = raises(150, n_reps=1)
    seq = make_sequence(
        yaw_deg=-90, camera=FAR, shoulder_plane_right=45.0, shoulder_elevation_right=arc
    )
    r = measure(analyse(seq, "shoulder-flexion"), "shoulder_flexion")["sides"]["right"]
    assert r["status"] == "not_performed" and r["value_deg"] is None, r
    assert r["moved_in"] == "scapular plane" and "moved_in_another_plane" in r["flags"]
    assert "scapular plane" in r["reason"]


def test_values_not_comparable_are_flagged_and_not_set_against_each_other_later() -> None:
    """The flag travels with each value into storage, so a before/after comparison of
    sessions does not compute the asymmetry the results refused; summary.json's
    per-column rows say which views their peaks came from."""
    from rom.metrics.compare import compare_asymmetry
    from rom.metrics.measure_values import measure_values

    first = {"hip_abduction_left": raises(40, n_reps=1)}
    second = {"hip_abduction_right": raises(40, n_reps=1)}
    doc = analyse(_turning(first, second, 0.0, -50.0), None)
    sides = measure(doc, "hip_abduction")["sides"]
    assert all("sides_not_comparable" in sides[s]["flags"] for s in ("left", "right"))
    values = [v for v in measure_values(doc) if v.measure == "hip_abduction"]
    rows = [r for r in compare_asymmetry(values, values) if r.measure == "hip_abduction"]
    assert rows and rows[0].before_si_pct is None and rows[0].before_diff_deg is None
    legacy = doc["asymmetry"]["hip_abduction_3d_deg"]["positive"]  # the estimate used
    assert legacy["left_view"] == "front" and legacy["right_view"] != "front"
    assert legacy["comparable"] is False and legacy["diff_deg"] is None


def test_a_leg_has_no_scapular_plane() -> None:
    """The sample clip's hip abduction (2D, front) is not performed: at its peaks the legs
    were raised between sideways and forwards (plane of elevation 38-47 deg), named so."""
    from rom.metrics.results import _plane_words

    assert _plane_words("scapular plane", "leg") == "a plane between sideways and forwards"
    assert "scapular plane" in _plane_words("scapular plane", "arm")


@pytest.mark.parametrize(
    ("yaw", "name", "judged"),
    [
        (0.0, "shoulder_abduction", True),
        (180.0, "shoulder_abduction", True),
        (-45.0, "shoulder_abduction", False),
        (140.0, "shoulder_abduction", False),
        (-90.0, "knee_flexion", False),
    ],
)
def test_a_difference_is_judged_only_where_both_sides_are_seen_alike(
    yaw: float, name: str, judged: bool
) -> None:
    """Lab camera 3 (about 40 deg from behind) printed elbow flexion "right 125, left 44;
    right-left +81 (larger than the measurement noise)" where camera 4 read the right
    elbow 95: in one oblique or side view one side is the near side, the other the far,
    seen at different angles. Both sides move 60 and 120 deg here (a real difference):
    from the front or back it is judged; from an oblique or side view it is not, and the
    line says why."""
    seq = make_sequence(
        yaw_deg=yaw, camera=FAR, **{f"{name}_left": raises(60), f"{name}_right": raises(120)}
    )
    doc = analyse(seq, None)
    m = measure(doc, name)
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert left["status"] == right["status"] == "measured", (left, right)
    a = m["asymmetry"]
    line = next(x for x in result_lines(doc["results"]) if x.strip().startswith(m["title"]))
    if judged:
        assert a["status"] == "measured" and a["difference_deg"] == pytest.approx(60, abs=8)
        assert "larger than the measurement noise" in line, line
    else:
        assert a["status"] == "not_comparable" and a["difference_deg"] is None, a
        assert "oblique or side view" in a["reason"] and "not judged" in a["reason"]
        assert "right-left not compared" in line and "oblique or side view" in line, line
        assert "sides_not_comparable" in left["flags"]


def test_sides_seen_alike_is_the_mirror_rule() -> None:
    from rom.metrics.view import sides_seen_alike

    assert sides_seen_alike(0.0, 0.0) and sides_seen_alike(180.0, -175.0)
    assert sides_seen_alike(-90.0, 90.0) and sides_seen_alike(-45.0, 45.0)
    assert sides_seen_alike(np.nan, -90.0)
    assert not sides_seen_alike(-45.0, -45.0) and not sides_seen_alike(-90.0, -90.0)
    assert not sides_seen_alike(148.0, 132.0)


def test_a_lower_bound_at_the_end_of_the_frames_the_view_allowed_says_where_they_lay() -> None:
    """Lab camera 1's trunk side bend was "not seen: it lay at 0.3 s, at the end of what
    was measured" in a 1.7 s clip: the end of what the view allowed, not the clip's.
    Here an arm rises until the client turns side-on: the lower bound says which part of
    the clip had values."""
    first = {"shoulder_abduction_right": np.linspace(0.0, 80.0, 120)}
    second = {"shoulder_abduction_right": np.full(90, 80.0)}
    seq = _turning(first, second, 0.0, 88.0)
    right = measure(analyse(seq, "shoulder-abduction"), "shoulder_abduction")["sides"]["right"]
    assert right["status"] == "not_seen" and right["at_least_deg"] is not None, right
    assert "at the end of what was measured (values from 0.0 to" in right["reason"], right
    assert f"of the {seq.time_s[-1] + 1 / 30:.1f} s clip)" in right["reason"], right
    assert "film the whole movement square to the camera and with the client" in right["reason"]


def test_a_not_performed_read_in_another_view_says_so() -> None:
    """Lab camera 1 (41 deg from the front) said "no extension" of a trunk the four-view
    reference had extending 16 deg (a 42 deg side bend read obliquely in 3D). A verdict
    of no movement read 40 deg from the measure's view says where it was read; filmed
    from the front it does not."""
    for yaw, said in ((-40.0, True), (0.0, False)):
        seq = make_sequence(yaw_deg=yaw, camera=FAR, neck_lateral_flexion=raises(30, n_reps=2))
        m = measure(analyse(seq, None), "neck_lateral_flexion", "negative")
        r = m["sides"]["none"]
        assert r["status"] == "not_performed", r
        assert ("deg from a front or back view: less certain" in r["reason"]) is said, r


def test_a_value_without_a_complete_repetition_is_printed_without_a_protocol() -> None:
    """Lab camera 2's right shoulder abduction 71 (an arm raised and held through a
    balance) was in results.csv but not printed without a protocol, which printed only
    measures with a complete repetition."""
    hold = np.r_[
        np.zeros(30),
        np.linspace(0, 70, 30),
        np.full(30, 70.0),
        np.linspace(70, 50, 15),
        np.full(45, 50.0),
    ]
    seq = make_sequence(yaw_deg=0.0, camera=FAR, shoulder_abduction_right=hold)
    doc = analyse(seq, None)
    right = measure(doc, "shoulder_abduction")["sides"]["right"]
    assert right["status"] == "measured" and not right["n_reps"], right
    lines = result_lines(doc["results"])
    assert any(x.strip().startswith("Shoulder abduction") for x in lines), lines


def test_an_angle_between_segments_is_judged_in_its_standard_tests_view() -> None:
    """Lab camera 1 (41 deg from the front) read knee flexion 38 unflagged without a
    protocol and flagged other_view with --protocol knee-flexion (a side view): without
    a protocol an elbow or knee is now judged in its packaged protocol's view too."""
    for yaw, flagged in ((-90.0, False), (-40.0, True)):
        seq = make_sequence(yaw_deg=yaw, camera=FAR, knee_flexion_right=raises(90, n_reps=2))
        for protocol in (None, "knee-flexion"):
            r = measure(analyse(seq, protocol), "knee_flexion")["sides"]["right"]
            assert r["status"] == "measured", (yaw, protocol, r)
            assert ("other_view" in r["flags"]) is flagged, (yaw, protocol, r)


def test_a_posture_clip_shorter_than_the_still_period_says_so() -> None:
    """Lab camera 2 (1.7 s) with --protocol posture-front said "the client did not keep
    still at any time": a clip shorter than the still period needed says that first."""
    seq = make_sequence(yaw_deg=0.0, camera=FAR, shoulder_abduction_right=np.zeros(60))
    doc = analyse(seq, "posture-front")
    r = next(m for m in doc["results"]["measures"])["sides"]["none"]
    assert r["status"] == "not_measurable", r
    assert "the clip lasts only 2.0 s; film the client standing still for 10 s" in r["reason"]
