"""Face blurring for every image `rom` writes (overlay video, key frames in reports).

One pure function, :func:`blur_faces`, takes an RGB frame and the pose landmarks of the
people in it and returns a copy whose head regions are blurred beyond recognition. The
head is located from the pose's own face landmarks (MediaPipe indices 0-10: nose, eyes,
ears, mouth corners), so no second model is needed, and it degrades gracefully: with only
some face landmarks, or none but the shoulders, a head region is still estimated; with
neither, the frame is returned unchanged.

Head geometry (adult proportions; Tilley, *The Measure of Man and Woman*, 2002): the
head is about as wide as the ear-to-ear distance ``W`` and 1.6 ``W`` tall, the eye line
about half way between chin and crown; the shoulders are about 2.6 ``W`` wide. The region
blurred is an ellipse of semi-axes ``0.9 D`` (horizontal) and ``1.15 D`` (vertical)
around the face landmarks' centre raised by ``0.1 D``, where ``D`` is the largest
distance between two face landmarks (ear to ear seen from the front, ear to nose in
profile) or 0.35 shoulder widths, whichever is larger; times ``1 + margin``. Without
face landmarks the head is placed on the trunk's axis 0.3 trunk lengths (shoulders to
hips) above the shoulders, with ``D`` a quarter of the trunk length (measured on the
project's clips: face centre 0.24-0.40 trunk lengths above the shoulders, ``D`` 0.11-0.26).

A second net, :func:`detect_faces`, finds faces by their look rather than through a body
pose: OpenCV's Haar cascade for frontal faces (Viola & Jones 2001, CVPR; Lienhart &
Maydt 2002, ICIP), shipped inside the OpenCV wheel, so nothing is downloaded. Profiles
are not looked for (the profile cascade, on the image and its mirror, took 5 times as
long: 7 s a key frame on a busy 2-core machine, against 1.2 for the frontal one alone).
It finds a small, distant or masked bystander whose body the pose model misses (a masked
woman far in the background of the lab clips); :func:`blur_face_boxes` blurs what it
finds. It errs towards blurring: a few patches that only look like a face (window
blinds, a knee) are blurred too.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from rom.landmarks import LANDMARK_INDEX

__all__ = [
    "FACE_CASCADES",
    "FACE_LANDMARKS",
    "blur_face_boxes",
    "blur_faces",
    "detect_faces",
    "head_ellipse",
]

#: OpenCV's Haar cascades :func:`detect_faces` runs (files in ``cv2.data.haarcascades``):
#: frontal faces. A face larger than a quarter of the frame's shorter side is not looked
#: for: it belongs to someone near the camera, whom the pose look finds.
FACE_CASCADES = ("haarcascade_frontalface_default.xml",)

#: MediaPipe Pose landmark indices of the face (nose, eyes, ears, mouth corners).
FACE_LANDMARKS = tuple(range(11))
_SHOULDERS = (LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"])
_HIPS = (LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"])


def head_ellipse(
    image_xy_px: np.ndarray,
    visibility: np.ndarray | None = None,
    *,
    margin: float = 0.25,
    min_visibility: float = 0.1,
) -> tuple[float, float, float, float] | None:
    """The head region of one pose: ``(cx, cy, rx, ry)`` in pixels, or None.

    Parameters
    ----------
    image_xy_px : ndarray, shape (33, 2)
        Pose landmarks in image pixels (x right, y down); NaN where not seen.
    visibility : ndarray, shape (33,), optional
        MediaPipe visibility (0-1). Face landmarks below ``min_visibility`` are left out
        unless that leaves none (a face turned away still has a head to blur).
    margin : float
        Extra fraction added to both semi-axes.
    min_visibility : float
        See ``visibility``.

    Returns
    -------
    tuple or None
        Centre and semi-axes of the head ellipse; None when neither a face landmark
        nor both shoulders are known.
    """
    xy = np.asarray(image_xy_px, dtype=float)
    if xy.shape != (33, 2):
        raise ValueError(f"image_xy_px must have shape (33, 2), got {xy.shape}")
    finite = np.isfinite(xy).all(axis=1)
    face = np.array(FACE_LANDMARKS)
    face = face[finite[face]]
    if visibility is not None and len(face):
        vis = np.asarray(visibility, dtype=float).reshape(-1)
        if vis.shape != (33,):
            raise ValueError(f"visibility must have shape (33,), got {vis.shape}")
        seen = face[np.nan_to_num(vis[face], nan=0.0) >= min_visibility]
        face = seen if len(seen) else face
    shoulders = xy[list(_SHOULDERS)] if finite[list(_SHOULDERS)].all() else None
    hips = xy[list(_HIPS)] if finite[list(_HIPS)].all() else None
    shoulder_w = (
        float(np.linalg.norm(shoulders[0] - shoulders[1])) if shoulders is not None else 0.0
    )
    if len(face):
        pts = xy[face]
        diffs = pts[:, None, :] - pts[None, :, :]
        d = max(float(np.sqrt((diffs**2).sum(-1)).max()), 0.35 * shoulder_w)
        cx, cy = (pts.min(axis=0) + pts.max(axis=0)) / 2.0
        cy -= 0.1 * d
    elif shoulders is not None:
        # No face landmark: the head sits on the trunk's axis above the shoulders.
        top = shoulders.mean(axis=0)
        up = top - hips.mean(axis=0) if hips is not None else np.zeros(2)
        torso = float(np.linalg.norm(up))
        if torso > 0:
            d = max(0.25 * torso, 0.35 * shoulder_w)
            cx, cy = top + 0.3 * torso * up / torso
        else:
            d = 0.35 * shoulder_w
            cx, cy = top[0], top[1] - 1.7 * d
    else:
        return None
    if not (np.isfinite(d) and d > 0):
        return None
    k = 1.0 + max(margin, 0.0)
    return float(cx), float(cy), 0.9 * d * k, 1.15 * d * k


def blur_faces(
    rgb: np.ndarray,
    image_xy_px: np.ndarray,
    visibility: np.ndarray | None = None,
    *,
    margin: float = 0.25,
    min_radius_px: float = 6.0,
) -> np.ndarray:
    """A copy of ``rgb`` with each person's head blurred beyond recognition.

    Parameters
    ----------
    rgb : ndarray, shape (height, width, 3), uint8
        The frame (RGB or BGR: colour order does not matter).
    image_xy_px : ndarray, shape (33, 2) or (people, 33, 2)
        Pose landmarks in pixels of this frame; NaN where not seen (a row of NaN: the
        person is not in this frame, nothing is blurred for them).
    visibility : ndarray, shape (33,) or (people, 33), optional
        MediaPipe visibility per landmark (see :func:`head_ellipse`).
    margin : float
        Extra fraction of the head size blurred around it.
    min_radius_px : float
        Smallest semi-axis blurred (a distant head is still covered).

    Returns
    -------
    ndarray
        Same shape and dtype; pixels outside the head ellipses are unchanged. Inside,
        the image is pixelated to about 6 blocks across the head, then smoothed, so no
        facial feature survives.

    Examples
    --------
    >>> img = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    >>> xy = np.full((33, 2), np.nan)
    >>> xy[0], xy[7], xy[8] = (80, 40), (70, 40), (90, 40)
    >>> out = blur_faces(img, xy)
    >>> bool((out[40, 80] != img[40, 80]).any()), bool((out[110, 10] == img[110, 10]).all())
    (True, True)
    """

    img = np.asarray(rgb)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"rgb must have shape (height, width, 3), got {img.shape}")
    out = img.copy()
    people = np.asarray(image_xy_px, dtype=float)
    people = people[None] if people.ndim == 2 else people
    if people.ndim != 3 or people.shape[1:] != (33, 2):
        raise ValueError(
            f"image_xy_px must have shape (33, 2) or (people, 33, 2), got {people.shape}"
        )
    vis = None if visibility is None else np.asarray(visibility, dtype=float)
    if vis is not None:
        vis = vis[None] if vis.ndim == 1 else vis
        if vis.shape != people.shape[:2]:
            raise ValueError(f"visibility must have shape {people.shape[:2]}, got {vis.shape}")
    for i, xy in enumerate(people):
        ellipse = head_ellipse(xy, None if vis is None else vis[i], margin=margin)
        if ellipse is None:
            continue
        cx, cy, rx, ry = ellipse
        _blur_ellipse(out, cx, cy, max(rx, min_radius_px), max(ry, min_radius_px))
    return out


def _blur_ellipse(out: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> None:
    """Obscure the ellipse (centre, semi-axes in pixels) of ``out`` in place."""
    h, w = out.shape[:2]
    x0, x1 = int(np.floor(cx - rx)), int(np.ceil(cx + rx)) + 1
    y0, y1 = int(np.floor(cy - ry)), int(np.ceil(cy + ry)) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return  # the head is outside the frame
    roi = out[y0:y1, x0:x1]
    ys, xs = np.ogrid[y0:y1, x0:x1]
    inside = ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 <= 1.0
    if inside.any():
        roi[inside] = _obscure(roi, rx)[inside]


@functools.lru_cache(maxsize=1)
def _cascades() -> tuple[Any, ...]:
    import cv2

    folder = Path(getattr(getattr(cv2, "data", None), "haarcascades", "") or ".")
    loaded = []
    for name in FACE_CASCADES:
        c = cv2.CascadeClassifier(str(folder / name))
        if c.empty():
            raise RuntimeError(
                f"OpenCV's face detector {name} is missing from {folder}; reinstall the "
                "OpenCV wheel (opencv-contrib-python, which MediaPipe brings)"
            )
        loaded.append(c)
    return tuple(loaded)


def detect_faces(rgb: np.ndarray, *, min_size_px: int = 20, min_neighbors: int = 5) -> np.ndarray:
    """Faces found by their look (OpenCV's Haar cascades, :data:`FACE_CASCADES`).

    Parameters
    ----------
    rgb : ndarray, shape (height, width, 3), uint8
        The frame (RGB or BGR).
    min_size_px : int
        Smallest face looked for (side of its box, pixels).
    min_neighbors : int
        Detections a face needs around it (OpenCV's ``minNeighbors``); 5 keeps a masked
        face 56 px tall in a 1088 x 1920 lab frame, 9 loses it in two frames of three.

    Returns
    -------
    ndarray, shape (faces, 4)
        Boxes ``(x0, y0, x1, y1)`` in pixels (float).

    Raises
    ------
    RuntimeError
        OpenCV's cascade files are missing.

    Examples
    --------
    >>> detect_faces(np.zeros((120, 160, 3), np.uint8)).shape
    (0, 4)
    """
    import cv2

    img = np.asarray(rgb)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"rgb must have shape (height, width, 3), got {img.shape}")
    grey = cv2.equalizeHist(cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2GRAY))
    largest = max(min(grey.shape) // 4, min_size_px + 1)
    boxes: list[tuple[float, float, float, float]] = []
    for cascade in _cascades():
        found = cascade.detectMultiScale(
            grey,
            scaleFactor=1.1,
            minNeighbors=min_neighbors,
            minSize=(min_size_px, min_size_px),
            maxSize=(largest, largest),
        )
        for x, y, bw, bh in np.asarray(found).reshape(-1, 4):
            boxes.append((float(x), float(y), float(x + bw), float(y + bh)))
    return np.array(boxes, float).reshape(-1, 4)


def blur_face_boxes(rgb: np.ndarray, boxes: np.ndarray, *, margin: float = 0.25) -> np.ndarray:
    """A copy of ``rgb`` with the head around each face box (``(x0, y0, x1, y1)``
    pixels, :func:`detect_faces`) blurred beyond recognition: an ellipse over the box
    grown by ``margin``, 1.3 times as tall as wide (a face box runs from brows to chin:
    the forehead and hair are blurred too)."""
    img = np.asarray(rgb)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"rgb must have shape (height, width, 3), got {img.shape}")
    out = img.copy()
    k = 1.0 + max(margin, 0.0)
    for x0, y0, x1, y1 in np.asarray(boxes, float).reshape(-1, 4):
        rx = 0.5 * (x1 - x0) * k
        if not (np.isfinite(rx) and rx > 0):
            continue
        _blur_ellipse(out, 0.5 * (x0 + x1), 0.5 * (y0 + y1) - 0.1 * (y1 - y0), rx, 1.3 * rx)
    return out


def _obscure(roi: np.ndarray, radius_px: float) -> np.ndarray:
    """Pixelate to about 6 blocks across a head of this radius, then smooth."""
    import cv2

    h, w = roi.shape[:2]
    block = max(radius_px / 3.0, 2.0)
    small = cv2.resize(
        roi,
        (max(1, round(w / block)), max(1, round(h / block))),
        interpolation=cv2.INTER_AREA,
    )
    coarse = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    k = min(int(block), 63) | 1
    return cv2.GaussianBlur(coarse, (k, k), 0)
