"""Face blurring (rom.privacy): the head region changes beyond recognition, nothing else does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rom.privacy import FACE_LANDMARKS, blur_faces, head_ellipse

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"


def _inside(ellipse: tuple[float, float, float, float], shape: tuple[int, int]) -> np.ndarray:
    cx, cy, rx, ry = ellipse
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    return ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 <= 1.0


def _detail(rgb: np.ndarray, region: np.ndarray) -> float:
    """Mean absolute Laplacian inside ``region`` (away from its edge): how much fine
    detail (edges of eyes, nose, mouth) there is."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    core = cv2.erode(region.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_32F))[core].mean())


@pytest.fixture(scope="module")
def real_frame_and_poses(shared_model: Path) -> tuple[np.ndarray, list, list]:
    """Frame 40 of the sample clip and the poses MediaPipe finds in it (a man on a box
    and a woman walking past)."""
    import av

    from rom.pose.landmarker import Landmarker

    with av.open(str(SAMPLE)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == 40:
                rgb = np.ascontiguousarray(f.to_ndarray(format="rgb24"))
                break
    h, w = rgb.shape[:2]
    with Landmarker(shared_model, num_poses=4, min_detection_confidence=0.3) as lm:
        poses = lm.detect(rgb, 0.0)
    xy = [p.image[:, :2] * [w, h] for p in poses]
    vis = [p.visibility for p in poses]
    assert len(xy) >= 1
    return rgb, xy, vis


@pytest.mark.slow
def test_real_frame_faces_are_blurred_and_nothing_else_changes(real_frame_and_poses) -> None:
    rgb, xy, vis = real_frame_and_poses
    out = blur_faces(rgb, np.stack(xy), np.stack(vis))
    assert out.shape == rgb.shape and out.dtype == rgb.dtype
    changed = (out != rgb).any(axis=2)
    heads = np.zeros(rgb.shape[:2], bool)
    for p, v in zip(xy, vis):
        ellipse = head_ellipse(p, v)
        assert ellipse is not None
        region = _inside(ellipse, rgb.shape[:2])
        heads |= region
        # Every face landmark MediaPipe sees is inside the blurred region.
        for i in FACE_LANDMARKS:
            if v[i] > 0.5:
                x, y = p[i]
                assert region[int(y), int(x)], f"face landmark {i} outside the blurred region"
        # The face loses its detail: edges of eyes, nose and mouth are gone.
        assert changed[region].mean() > 0.5
        assert _detail(out, region) < 0.3 * _detail(rgb, region)
    # Outside the heads not a single pixel changed.
    assert not changed[~heads].any()
    # And the heads are small: the rest of the frame is still there to look at.
    assert heads.mean() < 0.05


@pytest.mark.slow
def test_real_frame_without_face_landmarks_blurs_above_the_shoulders(real_frame_and_poses) -> None:
    rgb, xy, vis = real_frame_and_poses
    p = xy[0].copy()
    full = head_ellipse(p, vis[0])
    p[list(FACE_LANDMARKS)] = np.nan
    guess = head_ellipse(p, vis[0])
    assert full is not None and guess is not None
    # The estimate from the shoulders lands on the head (within its size of the real one).
    assert np.hypot(full[0] - guess[0], full[1] - guess[1]) < max(full[2], full[3])
    out = blur_faces(rgb, p, vis[0])
    assert (out != rgb).any()


def test_nobody_in_the_frame_changes_nothing() -> None:
    img = np.random.default_rng(1).integers(0, 255, (60, 80, 3), np.uint8)
    out = blur_faces(img, np.full((33, 2), np.nan))
    assert np.array_equal(out, img) and out is not img


def test_blur_returns_a_copy_and_leaves_the_input_alone() -> None:
    img = np.random.default_rng(2).integers(0, 255, (100, 100, 3), np.uint8)
    before = img.copy()
    xy = np.full((33, 2), np.nan)
    xy[0], xy[7], xy[8] = (50, 40), (40, 40), (60, 40)
    out = blur_faces(img, xy)
    assert np.array_equal(img, before)
    assert (out != img).any()


def test_low_visibility_face_landmarks_are_used_when_nothing_better_exists() -> None:
    """A face turned away (every face landmark barely visible) still has its head blurred."""
    img = np.random.default_rng(3).integers(0, 255, (100, 100, 3), np.uint8)
    xy = np.full((33, 2), np.nan)
    xy[0], xy[7], xy[8] = (50, 40), (40, 40), (60, 40)
    out = blur_faces(img, xy, np.zeros(33))
    assert (out[40, 50] != img[40, 50]).any()


def test_head_partly_outside_the_frame() -> None:
    img = np.random.default_rng(4).integers(0, 255, (50, 50, 3), np.uint8)
    xy = np.full((33, 2), np.nan)
    xy[0], xy[7], xy[8] = (2, 2), (-8, 2), (12, 2)
    out = blur_faces(img, xy)
    assert (out[:5, :5] != img[:5, :5]).any()
    assert np.array_equal(out[40:], img[40:])


def test_wrong_shapes_are_refused() -> None:
    img = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match="shape"):
        blur_faces(img, np.zeros((17, 2)))
    with pytest.raises(ValueError, match="shape"):
        blur_faces(np.zeros((10, 10)), np.zeros((33, 2)))
    with pytest.raises(ValueError, match="visibility"):
        blur_faces(img, np.zeros((33, 2)), np.zeros(5))


coords = st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf), st.floats(-60, 60))


@settings(max_examples=150, deadline=None)
@given(
    xy=arrays(float, (2, 33, 2), elements=coords),
    vis=arrays(float, (2, 33), elements=st.one_of(st.floats(-1, 2), st.just(np.nan))),
    h=st.integers(1, 40),
    w=st.integers(1, 40),
)
def test_any_landmarks_never_crash_and_only_head_regions_change(
    xy: np.ndarray, vis: np.ndarray, h: int, w: int
) -> None:
    img = np.random.default_rng(0).integers(0, 255, (h, w, 3), np.uint8)
    out = blur_faces(img, xy, vis)
    assert out.shape == img.shape and out.dtype == np.uint8
    allowed = np.zeros((h, w), bool)
    for p, v in zip(xy, vis):
        e = head_ellipse(p, v)
        if e is not None:
            cx, cy, rx, ry = e
            allowed |= _inside((cx, cy, max(rx, 6.0), max(ry, 6.0)), (h, w))
    assert not (out != img).any(axis=2)[~allowed].any()


def _sample_frame(index: int = 40) -> np.ndarray:
    import av

    with av.open(str(SAMPLE)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                return np.ascontiguousarray(f.to_ndarray(format="rgb24"))
    raise AssertionError("the sample clip is shorter than expected")


def test_a_face_without_a_body_is_found_and_blurred_in_key_frames() -> None:
    """A new user's review: a distant, masked bystander in a lab clip's key frames kept
    her face, as faces were found only through body poses. Here a face, cut from the
    sample clip (the woman at the right), alone on a plain background: no body for a
    pose model to find, only the face detector can; the key frames' blur covers it and
    changes nothing far from it."""
    from rom.privacy import blur_face_boxes, detect_faces
    from rom.report.keyframes import _blur_function

    rgb = _sample_frame()
    boxes = detect_faces(rgb)
    assert len(boxes), "no face found in the sample frame"
    # the largest face found, cut with a margin, pasted on a plain grey canvas
    x0, y0, x1, y1 = boxes[np.argmax(boxes[:, 2] - boxes[:, 0])].astype(int)
    m = (x1 - x0) // 2
    face = rgb[max(y0 - m, 0) : y1 + m, max(x0 - m, 0) : x1 + m]
    canvas = np.full((400, 400, 3), 128, np.uint8)
    oy, ox = 150, 160
    canvas[oy : oy + face.shape[0], ox : ox + face.shape[1]] = face
    found = detect_faces(canvas)
    assert len(found) >= 1, "the face alone is not found"
    nobody = np.full((0, 33, 2), np.nan)
    out = _blur_function()(canvas, nobody, np.zeros((0, 33)))
    assert np.array_equal(out, blur_face_boxes(canvas, found))
    for bx0, by0, bx1, by1 in found.astype(int):
        region = np.zeros(canvas.shape[:2], bool)
        region[by0:by1, bx0:bx1] = True
        assert np.abs(out.astype(int) - canvas)[region].mean() > 5
        assert _detail(out, region) < 0.5 * _detail(canvas, region)
    changed = np.abs(out.astype(int) - canvas).max(axis=2) > 0
    assert not changed[:, :100].any() and not changed[-60:].any()  # only around the face
    # blur=False (--show-faces) is the user's choice: extract_key_frames then runs no
    # blur at all; with blur, a frame with no face at all is left as it was
    plain = np.full((200, 200, 3), 90, np.uint8)
    assert np.array_equal(_blur_function()(plain, nobody, np.zeros((0, 33))), plain)


def test_detect_faces_checks_its_input() -> None:
    from rom.privacy import blur_face_boxes, detect_faces

    with pytest.raises(ValueError, match="rgb must have shape"):
        detect_faces(np.zeros((10, 10)))
    img = np.zeros((50, 50, 3), np.uint8)
    assert np.array_equal(blur_face_boxes(img, np.empty((0, 4))), img)
