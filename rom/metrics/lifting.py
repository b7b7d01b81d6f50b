"""Better 3D landmarks for the 3D angles: the image's x, y with MediaPipe's depth, levelled.

MediaPipe gives each landmark twice: in the image (x, y in pixels, accurate to a few
pixels) and in metres around the hips (``world_xyz``: x, y, z, a model's guess of the
whole pose). Measured against the four-view lab reference (``benchmarks/accuracy.py``),
the world landmarks' x, y directions of the limb segments are off by 3 to 26 degrees
where the image's are right, and their depth differences are compressed (a forearm
reaching towards the camera keeps 10 to 70 percent of its depth; the world forearm is 20
percent short) - which is what makes 3D elbow and knee flexion read low near end range.

:func:`refine_world` keeps MediaPipe's depth but takes x and y from the image: every
landmark is put back on its camera ray (pinhole model, focal length ``focal_px``) at the
depth ``Z0 + z``, where ``z`` is its world depth relative to the hips and ``Z0`` the hips'
distance from the camera, ``Z0 = focal_px / scale`` with ``scale`` the image's pixels per
world metre over the trunk (shoulder line, hip line, trunk sides; the shoulder and ear
lines with head-and-shoulders framing). The axes stay the camera's (x right, y down, z
away), like MediaPipe's; the true vertical is given to :func:`~rom.metrics.angles.compute_angles`
separately (:mod:`rom.metrics.vertical`).

The focal length of an unknown camera defaults to 0.7 times the image diagonal (a
diagonal field of view of about 71 degrees: phones' main cameras and webcams are 65-80);
it only scales the small perspective correction, so a 50 percent error in it changes the
lab's limb angles by 0.3 degrees on average.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from rom.landmarks import LANDMARK_INDEX
from rom.sequence import PoseSequence

__all__ = ["DEFAULT_FOCAL_DIAGONALS", "image_scale_px_per_m", "refine_world"]

#: Default focal length of an unknown camera, in image diagonals.
DEFAULT_FOCAL_DIAGONALS = 0.7

_SCALE_SEGMENTS = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_ear", "right_ear"),
    ("left_ear", "left_shoulder"),
    ("right_ear", "right_shoulder"),
)


def image_scale_px_per_m(
    seq: PoseSequence, *, min_visibility: float = 0.5, smooth_s: float = 0.5
) -> np.ndarray:
    """Pixels per world metre at the person, per frame, shape (frames,).

    The summed image length of the visible trunk and head segments over their summed
    world length in x, y (both see the same foreshortening), then a running median over
    ``smooth_s`` seconds (the distance to the camera changes slowly). NaN where no
    segment is visible.
    """
    img = np.asarray(seq.image_xyz[..., :2], np.float64)
    w = np.asarray(seq.world_xyz[..., :2], np.float64)
    vis = np.nan_to_num(np.asarray(seq.visibility, np.float64))
    num = np.zeros(seq.n_frames)
    den = np.zeros(seq.n_frames)
    for a, b in _SCALE_SEGMENTS:
        i, j = LANDMARK_INDEX[a], LANDMARK_INDEX[b]
        li = np.linalg.norm(img[:, j] - img[:, i], axis=-1)
        lw = np.linalg.norm(w[:, j] - w[:, i], axis=-1)
        ok = (vis[:, i] >= min_visibility) & (vis[:, j] >= min_visibility)
        ok &= np.isfinite(li) & np.isfinite(lw)
        num += np.where(ok, li, 0.0)
        den += np.where(ok, lw, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(den > 0, num / den, np.nan)
    if seq.n_frames > 2 and np.isfinite(s).any():
        k = max(1, round(smooth_s * seq.fps) | 1)
        filled = np.where(np.isfinite(s), s, np.nanmedian(s))
        s = np.where(np.isfinite(s), median_filter(filled, size=k, mode="nearest"), np.nan)
    return s


def refine_world(
    seq: PoseSequence,
    *,
    focal_px: float | None = None,
    min_visibility: float = 0.5,
) -> PoseSequence:
    """``seq`` with world landmarks rebuilt from the image's x, y and MediaPipe's depth.

    Parameters
    ----------
    seq : PoseSequence
        Label swaps already undone.
    focal_px : float, optional
        The camera's focal length in pixels; default ``DEFAULT_FOCAL_DIAGONALS`` times the
        image diagonal.
    min_visibility : float
        Visibility at which a trunk landmark counts for the scale.

    Returns
    -------
    PoseSequence
        Same frames; ``world_xyz`` in metres, origin at the hips' midpoint, MediaPipe's
        axes; frames without a scale keep MediaPipe's world landmarks; image landmarks
        unchanged.
    """
    w_px, h_px = seq.image_size_px
    f = float(focal_px) if focal_px else DEFAULT_FOCAL_DIAGONALS * float(np.hypot(w_px, h_px))
    if not f > 0:
        raise ValueError(f"focal_px must be positive, got {focal_px}")
    img = np.asarray(seq.image_xyz, np.float64)
    world = np.asarray(seq.world_xyz, np.float64)
    s = image_scale_px_per_m(seq, min_visibility=min_visibility)
    hips = [LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]]
    z = world[..., 2] - world[:, hips, 2].mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        depth = (f / s)[:, None] + z  # metres from the camera
    x = (img[..., 0] - w_px / 2.0) * depth / f
    y = (img[..., 1] - h_px / 2.0) * depth / f
    pts = np.stack([x, y, world[..., 2]], axis=-1)
    pts = pts - pts[:, hips].mean(axis=1, keepdims=True)
    keep = ~np.isfinite(s)
    pts[keep] = world[keep]
    return seq.with_arrays(world_xyz=pts.astype(seq.world_xyz.dtype))
