"""A client lying along the image's horizontal axis (a video turned without rotation
metadata) is refused with the fix; an upright client, even bent forwards, is not
(rom.metrics.view.orientation_problem)."""

from __future__ import annotations

import numpy as np
import pytest

from rom.errors import InputError, OrientationError
from rom.metrics.view import body_axis_deg, orientation_problem
from rom.sequence import PoseSequence
from tests.synthetic import Camera, make_sequence
from tests.unit.test_results import raises


def turned(seq: PoseSequence, k: int) -> PoseSequence:
    """``seq`` as seen in its video turned by ``np.rot90(frame, k)`` (k = 1:
    anticlockwise, the head goes to the image's left; -1: clockwise; 2: upside down)."""
    w, h = seq.image_size_px
    x, y = seq.image_xyz[..., 0], seq.image_xyz[..., 1]
    k %= 4
    if k == 1:  # anticlockwise: (x, y) -> (y, w - 1 - x)
        nx, ny, size = y, w - 1 - x, (h, w)
    elif k == 3:  # clockwise: (x, y) -> (h - 1 - y, x)
        nx, ny, size = h - 1 - y, x, (h, w)
    else:
        nx, ny, size = w - 1 - x, h - 1 - y, (w, h)
    image = np.stack([nx, ny, seq.image_xyz[..., 2]], axis=-1)
    return PoseSequence(
        image_xyz=image,
        world_xyz=seq.world_xyz,
        visibility=seq.visibility,
        presence=seq.presence,
        time_s=seq.time_s,
        image_size_px=size,
        source={"synthetic": True},
    )


@pytest.mark.parametrize("yaw", [0.0, -90.0, 45.0])
def test_an_upright_client_is_accepted(yaw: float) -> None:
    seq = make_sequence(yaw_deg=yaw, camera=Camera.far(), shoulder_abduction_left=raises(150))
    assert np.nanmax(np.abs(body_axis_deg(seq))) < 5
    assert orientation_problem(seq) is None


def test_a_client_bending_forwards_is_upright() -> None:
    """Trunk flexion 90 (side view): the trunk lies horizontal, the legs stand."""
    seq = make_sequence(yaw_deg=-90, camera=Camera.far(), trunk_flexion=raises(90, n_reps=3))
    assert np.nanmax(np.abs(body_axis_deg(seq))) < 50
    assert orientation_problem(seq) is None


@pytest.mark.parametrize(
    ("k", "head", "fix"), [(-1, "right", "anticlockwise"), (1, "left", "clockwise")]
)
def test_a_turned_video_is_refused_with_the_way_to_rotate(k: int, head: str, fix: str) -> None:
    seq = turned(make_sequence(camera=Camera.far(), shoulder_abduction_left=raises(150)), k)
    assert np.nanmedian(np.abs(body_axis_deg(seq))) == pytest.approx(90, abs=3)
    text = orientation_problem(seq)
    assert text is not None and "\\n" not in text
    assert "horizontal axis" in text and f"head to the {head}" in text
    assert f"rotate the video 90 deg {fix}" in text and "rotation metadata" in text


@pytest.mark.parametrize("yaw", [0.0, 180.0, -90.0])
def test_an_upside_down_video_is_refused_with_the_way_to_rotate(yaw: float) -> None:
    """An upside-down front clip was read as a back view (yaw -178) and analysed, its
    raised arms "not performed": refused like a 90 deg turn, whatever the view."""
    seq = turned(
        make_sequence(yaw_deg=yaw, camera=Camera.far(), shoulder_abduction_left=raises(150)), 2
    )
    assert np.nanmedian(np.abs(body_axis_deg(seq))) == pytest.approx(180, abs=3)
    text = orientation_problem(seq)
    assert text is not None and "\n" not in text
    assert "upside down" in text and "rotate the video 180 deg" in text
    assert "rotation metadata" in text


def test_a_few_frames_fitted_upside_down_are_no_turned_video() -> None:
    """MediaPipe fits some frames upside down (a half-size copy of the sample clip, arms
    overhead: 7 of 11 frames): no evidence of a turned video."""
    upright = make_sequence(camera=Camera.far(), shoulder_abduction_left=raises(150))
    flipped = turned(upright, 2)
    n = upright.n_frames
    mixed = upright.with_arrays(
        image_xyz=np.where(
            (np.arange(n) % 3 != 0)[:, None, None], flipped.image_xyz, upright.image_xyz
        )
    )
    assert np.mean(np.abs(body_axis_deg(mixed)) > 120) > 0.6
    assert orientation_problem(mixed) is None


def test_the_error_is_a_project_input_error() -> None:
    assert issubclass(OrientationError, InputError) and OrientationError.exit_code == 2
