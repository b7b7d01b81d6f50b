"""The four-view lab reference and what it says about rom, on the real shared clips (real
MediaPipe inference, full model: about a minute).

What holds on any machine: the triangulation agrees with each view to a fraction of a
head's width, its own noise is small against rom's errors, the left/right relabelling
matches what rom finds view by view, and the measured vertical and the image-based 3D
landmarks bring rom closer to the reference than MediaPipe's world landmarks and the
level-camera assumption do. The figures themselves are ``benchmarks/accuracy.py``'s.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from rom.metrics.angles import compute_angles
from rom.metrics.filtering import bound_unsigned, filter_angles
from rom.metrics.geometry import angle_between_deg
from rom.metrics.laterality import find_label_swaps, fix_label_swaps
from rom.metrics.vertical import estimate_vertical
from rom.pipeline import measure_angles
from rom.pose.extract import extract_poses
from rom.pose.sources import open_source
from rom.reference.build import build_reference, leave_one_out_noise
from rom.reference.calibration import read_qca

pytestmark = pytest.mark.slow

LAB = "lab_two_people_balance_portrait_60fps_cam0{}.mp4"
LIMBS = [
    f"{n}_{s}_3d_deg"
    for n in ("elbow_flexion", "knee_flexion", "hip_flexion", "shoulder_elevation")
    for s in ("left", "right")
]


@pytest.fixture(scope="module")
def lab(shared_dir: Path, shared_model: Path):
    cams = read_qca(shared_dir / "clips" / "lab_calibration.qca.txt")
    views = []
    for i in range(1, 5):
        with open_source(shared_dir / "clips" / LAB.format(i)) as source:
            views.append(extract_poses(source, shared_model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = build_reference(cams, views)
        noise, loo = leave_one_out_noise(cams, views, ref)
    return cams, views, ref, noise, loo


def test_the_triangulation_agrees_with_every_view(lab) -> None:
    _cams, _views, ref, _, _ = lab
    reproj = ref.reprojection_px()
    # MediaPipe's landmarks scatter by 5-15 px on these 1088 x 1920 frames (a head is
    # about 150 px wide): a consistent triangulation reprojects within 20 px
    assert all(v < 20.0 for v in reproj.values()), reproj
    seen = np.isfinite(ref.points_lab[..., 0])
    assert seen.mean() > 0.85
    # bone lengths stay put over the clip (a rigid forearm, shank...): within 15 %
    from rom.landmarks import LANDMARK_INDEX as I

    for a, b in (("elbow", "wrist"), ("knee", "ankle"), ("shoulder", "elbow"), ("hip", "knee")):
        for s in ("left", "right"):
            d = np.linalg.norm(
                ref.points_lab[:, I[f"{s}_{b}"]] - ref.points_lab[:, I[f"{s}_{a}"]], axis=-1
            )
            d = d[np.isfinite(d)]
            assert np.percentile(d, 90) / np.percentile(d, 10) < 1.3, f"{s} {a}-{b}"
    # the lab's floor: the feet near z = 0, the nose 1.3-1.9 m up
    assert abs(np.nanmedian(ref.points_lab[:, I["left_heel"], 2])) < 0.15
    assert 1.3 < np.nanmedian(ref.points_lab[:, I["nose"], 2]) < 1.9


def test_relabelling_agrees_with_roms_own_view_by_view(lab) -> None:
    """The views the triangulation reads as left/right swapped are the views where rom's
    single-view relabelling finds swaps too (the two methods share nothing)."""
    _, views, ref, _, _ = lab
    for v, seq in enumerate(views):
        own = find_label_swaps(seq).image
        both = ref.swapped[v] & seq.detected
        if own.sum() == 0:
            assert both.sum() <= 3, f"camera {v + 1}: {both.sum()} frames swapped"
        else:
            agree = np.mean(both[own | both] == own[own | both])
            assert agree > 0.7, f"camera {v + 1}: agreement {agree:.2f}"


def test_reference_noise_is_small_against_roms_errors(lab) -> None:
    _, views, _, noise, loo = lab
    ref_noise = np.mean([noise[c]["mae"] for c in LIMBS])
    assert ref_noise < 8.0
    errors = []
    for v, seq in enumerate(views):
        fixed, _ = fix_label_swaps(seq)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = bound_unsigned(filter_angles(compute_angles(fixed)))
        errors.append(np.nanmean([np.nanmean(np.abs(a[c] - loo[v].angles[c])) for c in LIMBS]))
    assert ref_noise < 0.5 * np.median(errors)


def test_roms_3d_and_vertical_beat_the_raw_world_landmarks(lab) -> None:
    """In most views: the 3D limb angles of rom's angle stage (image x, y with
    MediaPipe's depth) are closer to the reference than MediaPipe's world landmarks', and
    the measured vertical is closer to the lab's than the camera's up."""
    cams, views, _, _, loo = lab
    better_3d, better_vertical, measured = 0, 0, 0
    for v, seq in enumerate(views):
        fixed, _ = fix_label_swaps(seq)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours, _, _ = measure_angles(fixed)
            raw = bound_unsigned(filter_angles(compute_angles(fixed)))

        def mae(a, ref=loo[v]):
            return np.nanmean([np.nanmean(np.abs(a[c] - ref.angles[c])) for c in LIMBS])

        better_3d += mae(ours) < mae(raw)
        vert = estimate_vertical(fixed)
        true_up = cams[v].R @ np.array([0.0, 0.0, 1.0])
        if vert.source == "standing":
            measured += 1
            better_vertical += angle_between_deg(vert.up_world, true_up) < angle_between_deg(
                np.array([0.0, -1.0, 0.0]), true_up
            )
    assert better_3d >= 3, f"rom's 3D better in only {better_3d} of 4 views"
    assert measured >= 3 and better_vertical == measured


def _results(view, protocol: str | None) -> dict:
    from rom.metrics.protocols import get_protocol
    from rom.summary import build_summary

    seq, _ = fix_label_swaps(view)
    angles, _, removed = measure_angles(seq)
    doc = build_summary(
        seq,
        angles,
        get_protocol(protocol) if protocol else None,
        config={},
        version="test",
        filter_reports=removed,
    )
    return doc["results"]


def _side(results: dict, measure: str, side: str) -> dict:
    m = next(
        m for m in results["measures"] if m["measure"] == measure and m["direction"] == "positive"
    )
    return m["sides"][side]


def test_a_view_that_hides_a_limb_gives_no_value_far_from_the_others(lab) -> None:
    """Issue 8: camera 3, filming the man from behind, read his left elbow flexion 115 deg
    where cameras 1, 2 and 4 read 31-48 (his upper arm, hidden by his body, shrank to a
    third of its length in the 3D landmarks). Every view's value, when it gives one, now
    lies with the others' (within 30 deg of their median; their own spread is 17)."""
    _cams, views, _ref, _, _ = lab
    values = []
    for view in views:
        r = _side(_results(view, None), "elbow_flexion", "left")
        # a value, or a peak at the edge of what was measured as its lower bound
        values.append(r["value_deg"] if r["status"] == "measured" else r.get("at_least_deg"))
    assert sum(v is not None for v in values) >= 3, values
    for i, v in enumerate(values):
        others = [x for j, x in enumerate(values) if j != i and x is not None]
        if v is not None:
            assert abs(v - float(np.median(others))) < 30.0, (i + 1, values)


def test_the_standing_leg_is_no_hip_abduction_in_any_view(lab) -> None:
    """Issue 8: the man balances on his left leg throughout, leaning over it with the right
    leg raised; camera 2 read "left hip abduction 43 deg" (the trunk leaning) and the
    raised right leg "not performed, plane of elevation -176". In no view is the standing
    leg's reading a hip abduction, and the raised leg is measured in most views."""
    _cams, views, _ref, _, _ = lab
    right_measured = 0
    for i, view in enumerate(views, start=1):
        res = _results(view, "hip-abduction")
        left, right = _side(res, "hip_abduction", "left"), _side(res, "hip_abduction", "right")
        assert left["status"] != "measured", (i, left)
        right_measured += right["status"] == "measured"
    assert right_measured >= 3
