"""Face-based cervical rotation on real video (real MediaPipe inference, full model).

The protocol films a seated client's head and shoulders only: the test makes such a clip
by cropping the shared outdoor clip to the man's head and shoulders (hips out of frame),
and checks that the face-based rotation is there where the 3D one (which needs the hips)
is not, and that it agrees with the body-based estimates where those are valid: the
full frame's 3D neck rotation (ear line against shoulder line) and the crop's own 2D
head model. Each is compared as an excursion from its value over the first second (the
3D and 2D estimates are not zeroed on the neutral).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from rom.metrics.angles import compute_angles
from rom.metrics.filtering import filter_angles
from rom.metrics.laterality import fix_label_swaps
from rom.pose.extract import ExtractSettings, extract_poses
from rom.pose.sources import open_source
from rom.pose.tracking import PersonChoice
from tests.videos import transform_video

pytestmark = pytest.mark.slow

OUTDOOR = "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
FRAMES = 120  # the man faces the camera, raising his arms (he turns and jumps later)
#: The man's head and shoulders in the outdoor clip (x 520-920, y 0-220 px: his hips
#: are at y 230-295), enlarged twice as a webcam would frame them.
CROP = (slice(0, 220), slice(520, 920))
MAN_PX = (710.0, 150.0)  # a pixel on the man in the first frames


def _angles(path: Path, model: Path, person: tuple[float, float]):
    settings = ExtractSettings(person=PersonChoice(point_px=person))
    with open_source(path) as source:
        seq = extract_poses(source, model, settings=settings)
    seq, _ = fix_label_swaps(seq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seq, filter_angles(compute_angles(seq))


@pytest.fixture(scope="module")
def runs(shared_dir: Path, shared_model: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("headpose")
    src = shared_dir / "clips" / OUTDOOR

    def crop(img: np.ndarray) -> np.ndarray:
        part = img[CROP]
        return np.ascontiguousarray(np.repeat(np.repeat(part, 2, axis=0), 2, axis=1))

    small = transform_video(src, work / "head_shoulders.mp4", crop, max_frames=FRAMES)
    whole = transform_video(src, work / "whole.mp4", lambda x: x, max_frames=FRAMES)
    in_crop = (2 * (MAN_PX[0] - CROP[1].start), 2 * (MAN_PX[1] - CROP[0].start))
    return _angles(small, shared_model, in_crop), _angles(whole, shared_model, MAN_PX)


def _excursion(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return x - np.nanmedian(x[t <= t[0] + 1.0])


def test_head_and_shoulders_framing_gives_face_based_rotation(runs) -> None:
    (seq, a), _ = runs
    found = seq.detected.sum()
    assert found >= 0.8 * FRAMES
    assert np.isfinite(a["neck_rotation_face_deg"]).sum() >= 0.8 * found
    assert np.isfinite(a["neck_rotation_3d_deg"]).sum() <= 0.2 * found  # no hips


def test_face_based_rotation_agrees_with_the_body_based_estimates(runs) -> None:
    (_seq, crop), (_whole_seq, whole) = runs
    t = crop.time_s
    n = min(len(t), len(whole.time_s))
    face = _excursion(crop["neck_rotation_face_deg"], t)[:n]
    checks = {
        "full frame 3D (ear line vs shoulder line)": _excursion(
            whole["neck_rotation_3d_deg"], whole.time_s
        )[:n],
        "crop 2D head model": _excursion(crop["neck_rotation_deg"], t)[:n],
        "full frame face-based": _excursion(whole["neck_rotation_face_deg"], whole.time_s)[:n],
    }
    for name, other in checks.items():
        d = np.abs(face - other)
        ok = np.isfinite(d)
        assert ok.sum() >= 30, f"{name}: only {ok.sum()} frames to compare"
        # measured: 3-6 deg (the man barely turns his head; MediaPipe's frame-to-frame
        # spread of the ears and shoulders is of that order)
        assert np.median(d[ok]) <= 8.0, f"{name}: median difference {np.median(d[ok]):.1f} deg"
