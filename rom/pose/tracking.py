"""Choosing the analysed person and following them without switching to a bystander.

Pure functions over landmark arrays in pixels, plus one image function (the appearance
histogram). The extraction loop (:mod:`rom.pose.extract`) calls them each frame:

1. :func:`choose_person` picks the analysed person among the first poses found
   (largest and most central by default, or by index / by a point);
2. :func:`crop_box` gives the region to search in the next frame (around the person,
   growing while they are lost);
3. :func:`is_same_person` accepts a new pose only if its position, size and clothing
   colours agree with the track; otherwise the frame is marked missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX

_TORSO = [LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
_LS, _RS, _LH, _RH = _TORSO


@dataclass(frozen=True)
class PersonChoice:
    """How the user picks the person: ``index`` counts people left to right from 0 in the
    first frames where that many people are seen steadily (a skeleton found twice on one
    body, or once on a wall, is no one); ``point_px`` is an (x, y) pixel inside the person."""

    index: int | None = None
    point_px: tuple[float, float] | None = None

    @classmethod
    def parse(cls, text: str | None) -> PersonChoice | None:
        """``"1"`` -> index 1; ``"640,360"`` -> the person at pixel (640, 360)."""
        if text is None or text == "":
            return None
        text = text.strip()
        if "," in text:
            x, y = (float(v) for v in text.split(",", 1))
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"a pixel must be two finite numbers, got {text!r}")
            return cls(point_px=(x, y))
        index = int(text)
        if index < 0:
            raise ValueError(f"a person index counts from 0, got {index}")
        return cls(index=index)


@dataclass(frozen=True)
class Track:
    """The analysed person's last accepted pose: landmarks in pixels (33, 2), the time they
    were seen (s), their torso size (px) and clothing-colour histogram (or None)."""

    xy_px: np.ndarray
    visibility: np.ndarray
    time_s: float
    size_px: float
    appearance: np.ndarray | None = None
    #: poses accepted since the track was (re)started: a young track may be re-seeded
    n_accepted: int = 1


def body_box(
    xy_px: np.ndarray, visibility: np.ndarray, *, min_visibility: float = 0.2
) -> np.ndarray:
    """Bounding box (x0, y0, x1, y1) in pixels of the landmarks seen well enough."""
    keep = visibility >= min_visibility
    pts = xy_px[keep] if keep.sum() >= 4 else xy_px
    return np.array([*pts.min(axis=0), *pts.max(axis=0)], dtype=float)


def torso_size(xy_px: np.ndarray) -> float:
    """Mean shoulder-to-hip distance in pixels (a scale that does not change with arm poses)."""
    left = float(np.linalg.norm(xy_px[_LS] - xy_px[_LH]))
    right = float(np.linalg.norm(xy_px[_RS] - xy_px[_RH]))
    width = float(np.linalg.norm(xy_px[_LS] - xy_px[_RS]))
    return float(max((left + right) / 2.0, width, 1.0))


def torso_centre(xy_px: np.ndarray) -> np.ndarray:
    return xy_px[_TORSO].mean(axis=0)


def initial_score(
    xy_px: np.ndarray, visibility: np.ndarray, frame_size_px: tuple[int, int]
) -> float:
    """Largest-and-most-central score: body height as a fraction of the frame, weighted
    down with the distance of the body's centre from the frame's centre (horizontal
    distance counts four times more than vertical: people stand low in portrait frames)."""
    w, h = frame_size_px
    x0, y0, x1, y1 = body_box(xy_px, visibility)
    dx = ((x0 + x1) / 2 - w / 2) / w
    dy = ((y0 + y1) / 2 - h / 2) / h
    height = (y1 - y0) / h
    return float(height * np.exp(-((dx / 0.25) ** 2 + (dy / 0.5) ** 2)))


def choose_person(
    candidates: list[tuple[np.ndarray, np.ndarray]],
    frame_size_px: tuple[int, int],
    choice: PersonChoice | None = None,
) -> int | None:
    """Index into ``candidates`` [(xy_px (33, 2), visibility (33,)), ...] of the person to
    analyse, or None when the choice cannot be met in this frame (wait for a later one)."""
    if not candidates:
        return None
    if choice is None:
        scores = [initial_score(xy, vis, frame_size_px) for xy, vis in candidates]
        return int(np.argmax(scores))
    if choice.index is not None:
        # MediaPipe's multi-pose search sometimes returns one person twice: a second
        # skeleton on the same body is not a second person to count
        people = distinct(candidates)
        order = sorted(people, key=lambda i: float(torso_centre(candidates[i][0])[0]))
        return order[choice.index] if choice.index < len(order) else None
    assert choice.point_px is not None
    p = np.asarray(choice.point_px, float)
    inside = []
    for i, (xy, vis) in enumerate(candidates):
        x0, y0, x1, y1 = body_box(xy, vis)
        if x0 <= p[0] <= x1 and y0 <= p[1] <= y1:
            inside.append((np.linalg.norm(torso_centre(xy) - p), i))
    return min(inside)[1] if inside else None


def distinct(candidates: list[tuple[np.ndarray, np.ndarray]]) -> list[int]:
    """Indices of ``candidates`` [(xy_px (33, 2), visibility (33,)), ...] that are
    different people: two poses whose torso centres lie within 0.75 of the smaller torso
    size are one person found twice (the one seen better, by mean visibility, is kept)."""
    order = sorted(range(len(candidates)), key=lambda i: -float(np.mean(candidates[i][1])))
    kept: list[int] = []
    for i in order:
        xy = candidates[i][0]
        c, size = torso_centre(xy), torso_size(xy)
        if all(
            np.linalg.norm(c - torso_centre(candidates[k][0]))
            >= 0.75 * min(size, torso_size(candidates[k][0]))
            for k in kept
        ):
            kept.append(i)
    return sorted(kept)


def crop_box(
    track: Track,
    frame_size_px: tuple[int, int],
    time_s: float,
    *,
    margin: float = 0.25,
    grow_per_s: float = 1.5,
) -> tuple[int, int, int, int]:
    """Integer pixel region (x0, y0, x1, y1) to search for the person at ``time_s``.

    The last pose's bounding box with ``margin`` (fraction of the box's larger side, at
    least half a torso) on each side; while the person is lost it grows by
    ``grow_per_s`` box sizes per second, up to the whole frame.
    """
    w, h = frame_size_px
    x0, y0, x1, y1 = body_box(track.xy_px, track.visibility)
    side = max(x1 - x0, y1 - y0)
    lost_s = max(time_s - track.time_s, 0.0)
    # The first frames after the last sighting are not a loss yet (about 3 at 30 fps).
    pad = max(margin * side, 0.5 * track.size_px) + grow_per_s * side * max(lost_s - 0.1, 0.0)
    bx0, bx1 = int(max(x0 - pad, 0)), int(min(x1 + pad, w))
    by0, by1 = int(max(y0 - pad, 0)), int(min(y1 + pad, h))
    if bx1 - bx0 < 16 or by1 - by0 < 16:
        return 0, 0, w, h
    return bx0, by0, bx1, by1


def mask_others(
    crop: np.ndarray,
    crop_origin_px: tuple[int, int],
    others_px: list[np.ndarray],
    keep_px: np.ndarray,
) -> np.ndarray:
    """A copy of ``crop`` with other people's boxes (x0, y0, x1, y1 in frame pixels)
    greyed out, except where they overlap the analysed person's box ``keep_px``.

    MediaPipe keeps following whoever it found last; hiding a bystander it locked onto
    makes it look for the analysed person again.
    """
    out = crop.copy()
    ox, oy = crop_origin_px
    h, w = crop.shape[:2]

    def local(box: np.ndarray) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = np.round(box - [ox, oy, ox, oy]).astype(int)
        return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)

    for box in others_px:
        # Landmark boxes miss hair, hands and loose clothes: hide a little more.
        pad = 0.15 * np.array([-1, -1, 1, 1]) * max(box[2] - box[0], box[3] - box[1])
        x0, y0, x1, y1 = local(box + pad)
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = 127
    x0, y0, x1, y1 = local(keep_px)
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = crop[y0:y1, x0:x1]
    return out


def is_consistent(
    ref_xy_px: np.ndarray,
    xy_px: np.ndarray,
    *,
    max_shift_sizes: float = 0.35,
    max_ratio: float = 1.4,
) -> bool:
    """Whether two poses (33, 2 pixels) can be the same body: torso centres at most
    ``max_shift_sizes`` torso sizes (of ``ref``) apart, torso sizes within ``max_ratio``."""
    ref_size = torso_size(ref_xy_px)
    moved = float(np.linalg.norm(torso_centre(xy_px) - torso_centre(ref_xy_px)))
    ratio = torso_size(xy_px) / ref_size
    return moved <= max_shift_sizes * ref_size and 1.0 / max_ratio <= ratio <= max_ratio


def is_same_person(
    track: Track,
    xy_px: np.ndarray,
    appearance: np.ndarray | None,
    time_s: float,
    *,
    max_speed_sizes_per_s: float = 3.0,
    max_appearance_distance: float = 0.6,
    reacquire_after_s: float = 0.05,
    frame_interval_s: float = 0.0,
) -> bool:
    """Whether a new pose continues the track.

    Position: the torso centre may move at most 0.25 torso size plus
    ``max_speed_sizes_per_s`` torso sizes per second since the person was last seen.
    Size: the torso size may change by at most 40 % (more after a long loss).
    Clothing: the torso colour histogram must be within ``max_appearance_distance`` of
    the track's after a loss (a gap longer than ``reacquire_after_s`` and than 1.5
    frame intervals), 0.85 otherwise (the Bhattacharyya distance: 0 = same colours,
    1 = none in common).
    """
    dt = max(time_s - track.time_s, 0.0)
    if not is_consistent(
        track.xy_px,
        xy_px,
        max_shift_sizes=0.25 + max_speed_sizes_per_s * dt,
        max_ratio=1.4 if dt < 0.5 else 2.0,
    ):
        return False
    # Lighting changes clothing colours from frame to frame (sun, shade): from one frame
    # to the next only a wholesale change counts; after a loss, colours must agree.
    if appearance is not None and track.appearance is not None:
        lost = dt > max(reacquire_after_s, 1.5 * frame_interval_s)
        limit_app = max_appearance_distance if lost else 0.85
        if appearance_distance(appearance, track.appearance) > limit_app:
            return False
    return True


def sustained_sightings(
    found: np.ndarray,
    time_s: np.ndarray,
    *,
    window_s: float = 0.25,
    min_frames: int = 3,
    min_fraction: float = 0.4,
) -> np.ndarray:
    """Which accepted poses count as seeing the person: those with enough others around.

    A person in view is found in most frames; a detection with few others around it (a
    skeleton found on a title card's text, a flash frame, blips every few frames) is not
    them. A frame counts when, within ``window_s`` seconds centred on it (at least 7
    frames; at the clip's ends, the first or last 7), the person was found in at least ``min_frames`` frames and ``min_fraction``
    of the frames (fewer when the whole clip is shorter than that).

    Parameters
    ----------
    found : ndarray of bool, shape (frames,)
        Frames where a pose was accepted for the person.
    time_s : ndarray, shape (frames,)
        Frame times, seconds, increasing.

    Returns
    -------
    ndarray of bool, shape (frames,)
        ``found`` without the unsustained sightings.

    Examples
    --------
    >>> f = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1], bool)
    >>> sustained_sightings(f, np.arange(18) / 30).astype(int).tolist()
    [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1]
    """
    found = np.asarray(found, bool)
    t = np.asarray(time_s, float)
    n = len(found)
    if found.shape != t.shape:
        raise ValueError(f"found and time_s must have one shape, got {found.shape}, {t.shape}")
    if n == 0 or min_frames <= 1:
        return found.copy()
    half = window_s / 2
    lo = np.searchsorted(t, t - half, side="left")
    hi = np.searchsorted(t, t + half, side="right")
    # At least 7 frames: 3 either side, or, at the clip's ends, the first / last 7.
    i = np.arange(n)
    lo = np.minimum(lo, np.clip(i - 3, 0, max(n - 7, 0)))
    hi = np.maximum(hi, np.clip(i + 4, min(7, n), n))
    counts = np.concatenate([[0], np.cumsum(found)])
    seen = counts[hi] - counts[lo]
    size = hi - lo
    need = np.minimum(np.maximum(min_frames, np.ceil(min_fraction * size)), n)
    return found & (seen >= need)


def update_track(
    track: Track | None,
    xy_px: np.ndarray,
    visibility: np.ndarray,
    time_s: float,
    appearance: np.ndarray | None,
    *,
    appearance_memory: float = 0.9,
) -> Track:
    """The track after accepting a pose; the appearance is a running average so that a
    brief occlusion does not replace the clothing model."""
    if track is None or track.appearance is None or appearance is None:
        hist = appearance if appearance is not None else (track.appearance if track else None)
    elif appearance_distance(appearance, track.appearance) > 0.5:
        hist = track.appearance  # an occluder's colours must not leak into the model
    else:
        hist = appearance_memory * track.appearance + (1.0 - appearance_memory) * appearance
    n = 1 if track is None else track.n_accepted + 1
    return Track(xy_px.copy(), visibility.copy(), time_s, torso_size(xy_px), hist, n)


def appearance(
    rgb: np.ndarray, xy_px: np.ndarray, *, bins: tuple[int, int] = (16, 8)
) -> np.ndarray | None:
    """Hue-saturation histogram (normalised to sum 1) of the torso quadrilateral
    (shoulders and hips) in an RGB frame, or None if the torso is not in the frame."""
    import cv2

    h, w = rgb.shape[:2]
    quad = xy_px[[_LS, _RS, _RH, _LH]]
    if not np.isfinite(quad).all():
        return None
    # Shrink towards the centre so the background at the body's edges is left out.
    centre = quad.mean(axis=0)
    quad = centre + 0.7 * (quad - centre)
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    patch = rgb[y0:y1, x0:x1]
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad - [x0, y0]).astype(np.int32), 255)
    if mask.sum() < 255 * 16:
        return None
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], mask, list(bins), [0, 180, 0, 256]).astype(np.float32)
    total = float(hist.sum())
    return hist / total if total > 0 else None


def appearance_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya distance between two normalised histograms (0 same .. 1 disjoint)."""
    bc = float(np.sum(np.sqrt(np.clip(a, 0, None) * np.clip(b, 0, None))))
    return float(np.sqrt(max(1.0 - bc, 0.0)))
