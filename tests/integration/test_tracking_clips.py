"""The analysed person on the real shared clips: the right one, and never a bystander."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from rom.metrics.geometry import wrap_deg
from rom.metrics.laterality import fix_label_swaps, image_heading_deg
from rom.metrics.view import body_yaw_deg
from rom.pose.extract import extract_poses
from rom.pose.sources import open_source
from rom.pose.tracking import torso_centre, torso_size
from rom.sequence import PoseSequence

OUTDOOR = "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
LAB = "lab_two_people_balance_portrait_60fps_cam0{}.mp4"

#: Where the man on the platform stands in each lab view's first frame (midpoint of the
#: hips, pixels), and where the nearest other person is (read off the clips by eye and
#: with a multi-person MediaPipe pass).
LAB_START = {
    1: ((421, 706), (752, 1351)),
    2: ((581, 761), (283, 1041)),
    3: ((649, 896), (250, 800)),
    4: ((393, 980), (788, 691)),
}

_cache: dict[str, PoseSequence] = {}


def track(shared_dir: Path, shared_model: Path, name: str) -> PoseSequence:
    if name not in _cache:
        with open_source(shared_dir / "clips" / name) as src:
            _cache[name] = extract_poses(src, shared_model)
    return _cache[name]


def centres(seq: PoseSequence) -> np.ndarray:
    out = np.full((seq.n_frames, 2), np.nan)
    for i in np.flatnonzero(seq.detected):
        out[i] = torso_centre(seq.image_xyz[i, :, :2])
    return out


def assert_no_switch(seq: PoseSequence) -> None:
    """Between two consecutive measured frames the torso never jumps by more than 0.75 of
    a torso: a switch to another person would (the people here are further apart)."""
    c = centres(seq)
    idx = np.flatnonzero(seq.detected)
    for a, b in itertools.pairwise(idx):
        if b == a + 1:
            size = torso_size(seq.image_xyz[a, :, :2])
            jump = np.linalg.norm(c[b] - c[a])
            assert jump < 0.75 * size, (
                f"torso jumped {jump:.0f} px (torso {size:.0f} px) at frame {b}"
            )


@pytest.mark.slow
def test_outdoor_clip_follows_the_man_on_the_box_not_the_walking_woman(
    shared_dir, shared_model
) -> None:
    seq = track(shared_dir, shared_model, OUTDOOR)
    c = centres(seq)
    # The man stands on the box (x about 600-900 px, upper half of the frame) until he
    # jumps off at about frame 160; the woman walks from x about 1400 to 200 in the
    # foreground (frames 50-200), lower in the frame.
    on_box = seq.detected[10:155]
    assert on_box.mean() > 0.95
    xs, ys = c[10:155, 0][on_box], c[10:155, 1][on_box]
    assert (xs > 550).all() and (xs < 950).all()
    assert (ys < 500).all()
    # Frame 60: MediaPipe's single-pose default picks the woman (x about 1400) here.
    assert seq.detected[60] and c[60, 0] < 900
    assert_no_switch(seq)
    # Once he has left, nothing is reported in his place (the woman is still in view).
    assert not seq.detected[175:200].any()


@pytest.mark.slow
@pytest.mark.parametrize("cam", [1, 2, 3, 4])
def test_lab_clips_follow_the_man_on_the_platform(shared_dir, shared_model, cam: int) -> None:
    seq = track(shared_dir, shared_model, LAB.format(cam))
    man, other = (np.array(p, float) for p in LAB_START[cam])
    hips = seq.image_xyz[:, [23, 24], :2].mean(axis=1)
    first = np.flatnonzero(seq.detected)[0]
    assert first <= 3
    assert np.linalg.norm(hips[first] - man) < 120
    assert seq.detected.mean() > 0.6
    assert_no_switch(seq)
    # The first half second stays with the man, nearer his start than the other person's.
    for i in np.flatnonzero(seq.detected[:30]):
        assert np.linalg.norm(hips[i] - man) < np.linalg.norm(hips[i] - other)


@pytest.mark.slow
def test_world_landmarks_and_visibility_are_kept(shared_dir, shared_model) -> None:
    seq = track(shared_dir, shared_model, LAB.format(1))
    i = np.flatnonzero(seq.detected)[0]
    assert np.isfinite(seq.world_xyz[i]).all()
    # World landmarks are metres around the hips: a person is 1-2 m tall.
    height = seq.world_xyz[i, :, 1].max() - seq.world_xyz[i, :, 1].min()
    assert 1.0 < height < 2.2
    assert ((seq.visibility[i] >= 0) & (seq.visibility[i] <= 1)).all()
    assert seq.source["width_px"] == 1088 and seq.source["height_px"] == 1920


@pytest.mark.slow
def test_person_chosen_by_a_point_is_followed(shared_dir, shared_model) -> None:
    """`--person X,Y`: pick the woman in the foreground of lab camera 1 instead."""
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    woman = np.array(LAB_START[1][1], float)
    with open_source(shared_dir / "clips" / LAB.format(1)) as src:
        seq = extract_poses(
            src, shared_model, settings=ExtractSettings(person=PersonChoice(point_px=tuple(woman)))
        )
    hips = seq.image_xyz[:, [23, 24], :2].mean(axis=1)
    first = np.flatnonzero(seq.detected)[0]
    assert np.linalg.norm(hips[first] - woman) < 150
    assert seq.detected.mean() > 0.6
    assert_no_switch(seq)


@pytest.mark.slow
def test_person_chosen_by_index_counts_people_not_skeletons(shared_model) -> None:
    """`--person 1` on the sample clip: the man stands on the box from the start, and
    MediaPipe's search finds passing extra skeletons on and beside him; the woman walks
    in from the right at about 2.4 s. Person 1 (left to right) is the woman, not a
    double of the man."""
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    sample = Path(__file__).resolve().parents[2] / "sample_videos"
    with open_source(sample / "arm_raises_front_1768x994_30fps.mp4") as src:
        seq = extract_poses(
            src, shared_model, settings=ExtractSettings(person=PersonChoice(index=1))
        )
    c = centres(seq)
    first = int(np.flatnonzero(seq.detected)[0])
    assert c[first, 0] > 1000, c[first]  # the man is at x of about 640
    assert_no_switch(seq)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["half_fps", "mirror"])
def test_mirrored_and_half_rate_copies_of_the_outdoor_clip_are_tracked(
    shared_dir, shared_model, variant
) -> None:
    """Copies of the clip (mirrored, or at half the frame rate) start the track from a
    coarse whole-frame pose of the small man; the track must recover and follow him, not
    lose him. The copies are made from the decoded frames in memory and read through a
    MemorySource, so every machine feeds MediaPipe the same pixels (no encoder involved).
    """
    from rom.pose.sources import MemorySource
    from tests.metamorphic import decode

    frames = decode(shared_dir / "clips" / OUTDOOR, 150)
    if variant == "half_fps":
        copy = [(t, np.ascontiguousarray(img[:, :1664])) for t, img in frames[::2]]
        fps = 15.0
    else:
        copy = [(t, np.ascontiguousarray(img[:, 1663::-1])) for t, img in frames]
        fps = 30.0
    del frames
    with MemorySource.from_frames(copy, fps=fps, name=f"outdoor-{variant}") as s:
        seq = extract_poses(s, shared_model)
    assert seq.detected.mean() > 0.8
    c = centres(seq)[seq.detected]
    w = seq.image_size_px[0]
    xs = c[:, 0] if variant == "half_fps" else w - c[:, 0]
    assert ((xs > 550) & (xs < 950)).all()  # always the man on the box
    assert_no_switch(seq)


def _facing_front(seq: PoseSequence) -> float:
    """Fraction of the frames with an image heading that show the person's front."""
    heading = image_heading_deg(seq.image_xyz)
    known = heading[np.isfinite(heading)]
    return float((known == 0.0).mean())


@pytest.mark.slow
def test_left_right_swaps_are_undone_on_the_lab_front_view(shared_dir, shared_model) -> None:
    """Camera 2 sees the man from the front; MediaPipe reads him as seen from behind (left
    and right traded) for about 20 frames in the middle of the clip."""
    seq = track(shared_dir, shared_model, LAB.format(2))
    assert _facing_front(seq) < 0.8, "the clip no longer shows the swaps this test is about"
    fixed, swaps = fix_label_swaps(seq)
    assert swaps.n_image >= 20 and swaps.n_world >= 20
    assert _facing_front(fixed) >= 0.98
    yaw = body_yaw_deg(fixed.world_xyz.astype(float))[fixed.detected]
    off = np.abs(wrap_deg(yaw - np.median(yaw)))
    assert (off < 60).mean() >= 0.95, f"world yaw off by >= 60 deg in {(off >= 60).sum()} frames"


@pytest.mark.slow
def test_left_right_swaps_are_undone_on_the_lab_back_view(shared_dir, shared_model) -> None:
    """Camera 3 sees the man from behind; when he bends over (frames 49-78) MediaPipe reads
    him as facing the camera (checked by eye: his back is to it throughout)."""
    seq = track(shared_dir, shared_model, LAB.format(3))
    assert _facing_front(seq) > 0.2, "the clip no longer shows the swaps this test is about"
    fixed, swaps = fix_label_swaps(seq)
    assert swaps.n_image >= 20 and swaps.n_world >= 20
    assert _facing_front(fixed) == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("cam", [1, 4])
def test_lab_views_without_swaps_are_left_alone(shared_dir, shared_model, cam: int) -> None:
    seq = track(shared_dir, shared_model, LAB.format(cam))
    _, swaps = fix_label_swaps(seq)
    assert swaps.n_image + swaps.n_world <= 2, (swaps.n_image, swaps.n_world)


@pytest.mark.slow
def test_outdoor_arms_overhead_swaps_are_undone(shared_dir, shared_model) -> None:
    """With both arms overhead MediaPipe trades the man's sides in a few frames; he faces
    the camera throughout his time on the box."""
    seq = track(shared_dir, shared_model, OUTDOOR).slice(0, 155)
    assert _facing_front(seq) < 1.0, "the clip no longer shows the swaps this test is about"
    fixed, _ = fix_label_swaps(seq)
    assert _facing_front(fixed) == 1.0


@pytest.mark.slow
def test_naming_the_default_person_gives_the_default_track(shared_dir, shared_model) -> None:
    """A new user's review: `--person 0` on the outdoor clip (the man, whom the default
    picks) tracked 146/230 frames against 155/230 by default, from a later start. Naming
    the default person must give the default's track, landmark for landmark."""
    from rom.pose.extract import ExtractSettings, open_landmarkers
    from rom.pose.tracking import PersonChoice

    clip = shared_dir / "clips" / "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
    pair = open_landmarkers(shared_model)
    try:
        seqs = []
        for person in (None, PersonChoice(index=0)):
            with open_source(clip) as src:
                seqs.append(extract_poses(src, pair, settings=ExtractSettings(person=person)))
    finally:
        pair.close()
    default, named = seqs
    assert default.detected.sum() > 0.5 * default.n_frames
    np.testing.assert_array_equal(named.detected, default.detected)
    np.testing.assert_array_equal(named.image_xyz, default.image_xyz)


def test_a_fresh_landmarker_spends_no_frame_on_restart(shared_model) -> None:
    """Restarting clears a used landmarker with a blank frame (so that a reused one gives
    the landmarks of a newly loaded one, checked above); a landmarker that has seen
    nothing yet needs no clearing, and `rom analyze` restarts its landmarkers before every
    clip: no frame of MediaPipe's time is spent on the blank then."""
    from rom.pose.landmarker import Landmarker

    seen: list[int] = []
    with Landmarker(shared_model) as lm:
        real = lm._lm
        detect = real.detect_for_video

        def spy(image, ms):  # the real detector, counted
            seen.append(ms)
            return detect(image, ms)

        real.detect_for_video = spy
        lm.restart()
        assert seen == [], "a fresh landmarker was given a blank frame"
        frame = np.zeros((64, 64, 3), np.uint8)
        lm.detect(frame, 0.0)
        lm.restart()
        assert len(seen) == 2, "a used landmarker must be cleared with a blank frame"
        lm.detect(frame, 0.0)
        assert seen[-1] > seen[-2], "MediaPipe's clock must keep increasing after a restart"
