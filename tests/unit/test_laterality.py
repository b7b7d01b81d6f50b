"""Undoing MediaPipe's left/right label swaps (rom.metrics.laterality) on synthetic poses."""

from __future__ import annotations

import numpy as np
import pytest

from rom.landmarks import mirror_index
from rom.metrics.angles import compute_angles
from rom.metrics.laterality import (
    find_label_swaps,
    fix_label_swaps,
    image_heading_deg,
    swapped,
)
from rom.sequence import PoseSequence
from tests.synthetic import make_sequence

T30 = np.arange(90) / 30.0  # 3 s at 30 fps


def _flagged(mask: np.ndarray) -> list[int]:
    return np.flatnonzero(mask).tolist()


def test_a_block_read_half_round_is_swapped() -> None:
    h = np.full(90, 5.0)
    h[30:45] += 180.0
    assert _flagged(swapped(h, T30)) == list(range(30, 45))


def test_a_slow_turn_all_the_way_round_is_left_alone() -> None:
    h = np.linspace(0.0, 200.0, 90)  # 200 deg in 3 s: a real turn
    assert not swapped(h, T30).any()


def test_noise_and_partial_misreadings_are_not_swaps() -> None:
    rng = np.random.default_rng(0)
    h = 10.0 + rng.normal(0.0, 15.0, 90)
    h[40] += 80.0  # a bad frame, but not half round
    assert not swapped(h, T30).any()


def test_the_majority_of_a_stretch_is_taken_as_correct() -> None:
    h = np.zeros(90)
    h[20:] = 180.0  # 70 of 90 frames read the other way: those are taken as right
    assert _flagged(swapped(h, T30)) == list(range(20))


def test_a_long_gap_starts_a_new_stretch() -> None:
    # a person seen from the front, then (after 1 s unseen) from the back: both stand
    h = np.r_[np.zeros(30), np.full(30, np.nan), np.full(30, 180.0)]
    assert not swapped(h, T30).any()
    # the same without the gap is a swap of the shorter part
    assert _flagged(swapped(np.r_[np.zeros(50), np.full(40, 180.0)], T30)) == list(range(50, 90))


def test_side_on_frames_inside_a_swapped_block_follow_it() -> None:
    h = np.zeros(90)
    h[30:45] = 180.0
    h[36:39] = np.nan  # no heading (side-on), but the person is there
    present = np.ones(90, bool)
    assert _flagged(swapped(h, T30, present=present)) == list(range(30, 45))
    assert _flagged(swapped(h, T30)) == [*range(30, 36), *range(39, 45)]


def test_an_anchor_decides_between_equally_smooth_readings() -> None:
    # the world heading alone is ambiguous (a clean block at the start looks like the rest
    # being swapped); the image heading says which frames face the camera
    yaw = np.r_[np.full(20, 178.0), np.full(70, -2.0)]
    anchor = np.zeros(90)
    assert _flagged(swapped(yaw, T30, anchor_deg=anchor)) == list(range(20))


def _swap_labels(seq: PoseSequence, frames: slice, *, world: bool = True) -> PoseSequence:
    """What MediaPipe does: left and right labels traded in the image; in the world the
    depth-reflected pose (seen from behind) with the labels traded."""
    idx = mirror_index()
    img, wld = seq.image_xyz.copy(), seq.world_xyz.copy()
    vis, pres = seq.visibility.copy(), seq.presence.copy()
    img[frames], vis[frames], pres[frames] = (
        img[frames][:, idx],
        vis[frames][:, idx],
        pres[frames][:, idx],
    )
    if world:
        wld[frames] = wld[frames][:, idx] * np.array([1.0, 1.0, -1.0])
    return seq.with_arrays(image_xyz=img, world_xyz=wld, visibility=vis, presence=pres)


@pytest.mark.parametrize("yaw", [0.0, 30.0, -40.0, 180.0])
def test_swapped_frames_are_restored_exactly(yaw: float) -> None:
    t = np.arange(60) / 30.0
    seq = make_sequence(
        yaw_deg=yaw,
        shoulder_abduction_left=40 + 60 * np.sin(t),
        shoulder_abduction_right=20.0,
        neck_rotation=25 * np.sin(2 * t),
        trunk_lateral_flexion=10.0,
    )
    # visibility differs per side so that a wrong relabelling would show
    seq = seq.with_arrays(visibility=np.tile(np.linspace(0.6, 1.0, 33), (60, 1)))
    bad = _swap_labels(seq, slice(20, 32))
    fixed, swaps = fix_label_swaps(bad)
    assert _flagged(swaps.image) == list(range(20, 32))
    assert _flagged(swaps.world) == list(range(20, 32))
    for name in ("image_xyz", "world_xyz", "visibility", "presence"):
        np.testing.assert_allclose(getattr(fixed, name), getattr(seq, name), atol=1e-9)
    a, b = compute_angles(fixed), compute_angles(seq)
    for col in a.names:
        np.testing.assert_allclose(a[col], b[col], atol=1e-6, equal_nan=True, err_msg=col)


def test_image_only_swaps_leave_the_world_landmarks_alone() -> None:
    seq = make_sequence(yaw_deg=10.0, n_frames=40, shoulder_abduction_left=90.0)
    bad = _swap_labels(seq, slice(15, 18), world=False)
    swaps = find_label_swaps(bad)
    assert (_flagged(swaps.image), _flagged(swaps.world)) == ([15, 16, 17], [])
    fixed, _ = fix_label_swaps(bad)
    np.testing.assert_allclose(fixed.image_xyz, seq.image_xyz, atol=1e-9)


def test_a_clean_sequence_is_returned_unchanged() -> None:
    seq = make_sequence(yaw_deg=np.linspace(0, 170, 90), shoulder_abduction_left=45.0)
    fixed, swaps = fix_label_swaps(seq)
    assert fixed is seq and swaps.n_image == swaps.n_world == 0


def test_image_heading_reads_front_back_and_side_on() -> None:
    front = make_sequence(yaw_deg=0.0)
    back = make_sequence(yaw_deg=180.0)
    side = make_sequence(yaw_deg=90.0)
    assert image_heading_deg(front.image_xyz)[0] == 0.0
    assert image_heading_deg(back.image_xyz)[0] == 180.0
    assert np.isnan(image_heading_deg(side.image_xyz)[0])


def test_missing_frames_stay_missing() -> None:
    seq = make_sequence(yaw_deg=0.0, n_frames=30, shoulder_abduction_left=30.0)
    nan = np.full_like(seq.image_xyz[5:9], np.nan)
    seq = seq.with_arrays(
        image_xyz=np.concatenate([seq.image_xyz[:5], nan, seq.image_xyz[9:]]),
        world_xyz=np.concatenate([seq.world_xyz[:5], nan, seq.world_xyz[9:]]),
    )
    fixed, swaps = fix_label_swaps(_swap_labels(seq, slice(12, 16)))
    assert not swaps.image[5:9].any() and not swaps.world[5:9].any()
    assert np.isnan(fixed.image_xyz[5:9]).all()
