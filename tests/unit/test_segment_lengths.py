"""A limb whose bone shrinks or stretches in the 3D landmarks was misplaced (hidden by the
body, taken for something else): the frames are not a measurement (issue 8: lab camera 3,
filming a man from behind, read his left elbow flexion 115 deg where cameras 1, 2 and 4
read 48, 32 and 31: his left upper arm, hidden by his body, was 0.28-0.55 of its length).
Calibrated on the four lab views in ``rom.metrics.support.SEGMENT_LENGTH_RANGE``."""

from __future__ import annotations

import numpy as np
import pytest

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.support import compute_support, segment_intact
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import analyse, measure, raises

FAR = Camera.far()


def _elbow_collapsing(frames: slice) -> tuple:
    """Both elbows bend to 40 deg twice; in ``frames`` the left elbow landmark slides to
    the shoulder's depth and towards it (upper arm at 35 % of its length), reading a
    large flexion."""
    arc = raises(40, n_reps=2)
    seq = make_sequence(camera=FAR, elbow_flexion_left=arc, elbow_flexion_right=arc, yaw_deg=90)
    w = seq.world_xyz.copy()
    img = seq.image_xyz.copy()
    sh, el = LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["left_elbow"]
    for arr in (w, img):
        arr[frames, el] = arr[frames, sh] + 0.35 * (arr[frames, el] - arr[frames, sh])
        arr[frames, el, 0] += 0.5 * (arr[frames, el, 0] - arr[frames, sh, 0]) + (
            0.1 if arr is w else 40.0
        )
    return seq.with_arrays(world_xyz=w, image_xyz=img), arc


def test_a_collapsed_limb_is_no_measurement() -> None:
    seq, _ = _elbow_collapsing(slice(40, 55))
    sup = compute_support(seq)["elbow_flexion_left"]
    assert sup.intact is not None
    assert not sup.intact[40:55].any() and sup.intact[:30].all() and sup.intact[70:].all()
    m = measure(analyse(seq, "elbow-flexion"), "elbow_flexion")
    left, right = m["sides"]["left"], m["sides"]["right"]
    assert right["status"] == "measured" and right["value_deg"] == pytest.approx(40, abs=3)
    # the left peak is the true one, not the collapsed frames' reading
    assert left["status"] == "measured", left
    assert left["value_deg"] == pytest.approx(40, abs=3), left


def test_segment_lengths_within_the_range_pass_and_gaps_take_their_neighbours() -> None:
    w = np.zeros((9, 33, 3))
    length = np.array([0.3, 0.31, 0.29, 0.3, np.nan, 0.1, np.nan, 0.3, 0.3])
    w[:, LANDMARK_INDEX["left_knee"], 1] = length
    ok = segment_intact(w, [("left_hip", "left_knee")])
    assert ok.tolist() == [True, True, True, True, False, False, False, True, True]
    assert segment_intact(w, [("left_hip", "left_knee")], grow_frames=1)[3] == np.False_
