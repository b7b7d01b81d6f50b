"""Undo MediaPipe's left/right label swaps.

MediaPipe sometimes reads a person facing the camera as one facing away (or the reverse)
for a few frames: every left landmark then carries the right one's label. A swapped frame
swaps the ``_left_`` and ``_right_`` columns and flips the sign of every frontal angle, so
one such frame at a peak would move a side's ROM by tens of degrees.

A person cannot turn half round between two video frames. So, separately for the image
landmarks and the world landmarks, a heading is read per frame and followed over time:

* **world**: the body yaw (:func:`rom.metrics.view.body_yaw_deg`); a swapped frame also
  has its depth mirrored (the model picked the depth-reflected pose, the one seen from
  behind), so it reads about 180 deg away from its neighbours.
* **image**: which way round the shoulders and hips are in the picture. For a front view
  the person's right is on image left; a swapped frame has it on image right. Frames
  nearly side-on (left and right less than a quarter of the trunk length apart in x) have
  no image heading and keep the state of the frames around them.

Each frame can be read as labelled or as swapped (heading + 180 deg). Within a stretch of
frames at most ``max_step_s`` apart (a longer gap starts a new one), the readings that
turn the heading least over time are chosen (:func:`swapped`), and of the two equally
smooth opposites the one most frames agree with; the image reading, which tells front
from back better than MediaPipe's depth, anchors the world one. Swapped frames are
relabelled: left and right landmarks (with their visibility and presence) trade places,
and for the world landmarks depth (z) changes sign. A genuine turn, however quick in
clinical terms, moves the heading smoothly and is left alone. A stretch that MediaPipe
labels wrongly from start to end cannot be told from a person seen from the other side,
and is left alone too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX, mirror_index
from rom.metrics.geometry import midpoint, norm, wrap_deg
from rom.metrics.view import body_yaw_deg
from rom.sequence import PoseSequence

__all__ = ["LabelSwaps", "find_label_swaps", "fix_label_swaps", "image_heading_deg", "swapped"]

_LS, _RS = LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"]
_LH, _RH = LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]

#: Cost of reading one frame as swapped, in degrees of turning: a swapped block shorter
#: than 360 / this frames between two correctly labelled stretches is undone.
SWAP_COST_DEG = 0.5
#: Cost of a world reading facing away from the image reading (degrees of turning).
ANCHOR_COST_DEG = 90.0

#: Least |x(right) - x(left)| of shoulders plus hips, as a fraction of the trunk length in
#: the image, for a frame to have an image heading (about 40 deg or more from side-on).
MIN_IMAGE_WIDTH_FRACTION = 0.25


@dataclass(frozen=True)
class LabelSwaps:
    """Frames whose left/right labels were swapped.

    Attributes
    ----------
    image, world : ndarray of bool, shape (frames,)
        True where the image (resp. world) landmarks carry swapped labels.
    """

    image: np.ndarray
    world: np.ndarray

    @property
    def n_image(self) -> int:
        return int(self.image.sum())

    @property
    def n_world(self) -> int:
        return int(self.world.sum())


def image_heading_deg(image_xy: np.ndarray) -> np.ndarray:
    """Per-frame heading from the picture alone: 0 = the person's right on image left (a
    front view), 180 = on image right (a back view), NaN near side-on or when unknown.

    ``image_xy``: landmarks in pixels, shape (frames, 33, >=2).
    """
    p = np.asarray(image_xy, dtype=np.float64)[..., :2]
    dx = (p[:, _RS, 0] - p[:, _LS, 0]) + (p[:, _RH, 0] - p[:, _LH, 0])
    trunk = norm(midpoint(p[:, _LS], p[:, _RS]) - midpoint(p[:, _LH], p[:, _RH]))
    with np.errstate(invalid="ignore"):
        clear = np.abs(dx) >= MIN_IMAGE_WIDTH_FRACTION * trunk
    return np.where(clear, np.where(dx < 0, 0.0, 180.0), np.nan)


def swapped(
    heading_deg: np.ndarray,
    time_s: np.ndarray,
    *,
    present: np.ndarray | None = None,
    anchor_deg: np.ndarray | None = None,
    max_step_s: float = 0.25,
) -> np.ndarray:
    """Frames whose labels are swapped: the labelling that turns the heading least.

    Each frame is read either as labelled or as swapped (heading + 180 deg). Within a
    stretch of known frames at most ``max_step_s`` apart, the reading that makes the
    total heading change, summed over consecutive frames, smallest is found by dynamic
    programming (two states per frame); it and its complete opposite turn equally, and the
    one that leaves most frames as labelled is kept. A smooth turn is the smallest change as
    it is, so it is left alone; a frame read half round from its neighbours is swapped.

    Parameters
    ----------
    heading_deg : ndarray, shape (frames,)
        A heading in degrees (any origin); NaN where unknown.
    time_s : ndarray, shape (frames,)
        Timestamps in seconds.
    present : ndarray of bool, shape (frames,), optional
        Frames where the person was detected. A detected frame without a heading takes
        the state of the known frames on both sides of it when they agree.
    anchor_deg : ndarray, shape (frames,), optional
        A second, independent heading (NaN where unknown): a reading more than 90 deg
        from it costs as much as a ``ANCHOR_COST_DEG`` turn.
    max_step_s : float
        Known frames further apart than this (seconds) start a new stretch.

    Returns
    -------
    ndarray of bool, shape (frames,)

    Examples
    --------
    >>> h = np.array([0, 2, 181, 183, 4, 5, 3.0])
    >>> swapped(h, np.arange(7) / 30).astype(int).tolist()
    [0, 0, 1, 1, 0, 0, 0]
    """
    h = np.asarray(heading_deg, dtype=np.float64)
    t = np.asarray(time_s, dtype=np.float64)
    out = np.zeros(h.shape, dtype=bool)
    known = np.flatnonzero(np.isfinite(h))
    if known.size < 2:
        return out
    breaks = np.flatnonzero(np.diff(t[known]) > max_step_s) + 1
    for part in np.split(np.arange(known.size), breaks):
        frames = known[part]
        mismatch = np.zeros((frames.size, 2))
        if anchor_deg is not None:
            # as labelled, off when > 90 deg from the anchor; swapped, when < 90 (NaN: never)
            off = np.abs(wrap_deg(h[frames] - np.asarray(anchor_deg, np.float64)[frames]))
            with np.errstate(invalid="ignore"):
                mismatch[:, 0] = ANCHOR_COST_DEG * (off > 90.0)
                mismatch[:, 1] = ANCHOR_COST_DEG * (off < 90.0)
        state = _least_turning(h[frames], mismatch)
        if 2 * state.sum() > state.size:  # the opposite reading turns as little
            state = ~state
        out[frames] = state
    if present is not None:
        # a detected frame without a heading (side-on) between two swapped known frames of
        # one stretch is swapped too: the labels cannot have changed twice unseen
        gaps = np.flatnonzero(np.asarray(present, bool) & ~np.isfinite(h))
        pos = np.searchsorted(known, gaps)
        inner = (pos > 0) & (pos < known.size)
        for g, p in zip(gaps[inner], pos[inner], strict=True):
            a, b = known[p - 1], known[p]
            if out[a] and out[b] and t[b] - t[a] <= max_step_s:
                out[g] = True
    return out


def _least_turning(h: np.ndarray, unary: np.ndarray) -> np.ndarray:
    """Per frame, whether to read ``h`` + 180 so that the summed |step| plus the ``unary``
    cost (frames, 2) of each reading is least (Viterbi).

    A small cost per swapped frame makes "as labelled" win ties and near-ties: a block of
    swapped frames is undone when the two half turns at its ends outweigh it.
    """
    n = h.size
    # a step between two frames read alike turns |step|; read differently, 180 - |step|
    same = np.abs(wrap_deg(np.diff(h))).tolist()
    own = (unary + [0.0, SWAP_COST_DEG]).tolist()
    cost = own[0]
    back = np.zeros((n, 2), dtype=int)
    for k in range(1, n):
        new = [0.0, 0.0]
        turn = (same[k - 1], 180.0 - same[k - 1])
        for s in (0, 1):
            from_0, from_1 = cost[0] + turn[s], cost[1] + turn[1 - s]
            back[k, s] = int(from_1 < from_0)
            new[s] = min(from_0, from_1) + own[k][s]
        cost = new
    state = np.zeros(n, dtype=bool)
    s = int(cost[1] < cost[0])
    for k in range(n - 1, -1, -1):
        state[k] = bool(s)
        s = back[k, s]
    return state


def find_label_swaps(seq: PoseSequence, *, max_step_s: float = 0.25) -> LabelSwaps:
    """The frames of ``seq`` whose image and world landmarks carry swapped labels."""
    detected = seq.detected
    yaw = body_yaw_deg(np.asarray(seq.world_xyz, np.float64))
    heading = image_heading_deg(seq.image_xyz)
    image = swapped(heading, seq.time_s, present=detected, max_step_s=max_step_s)
    # the image tells front from back better than MediaPipe's depth: it anchors the world
    fixed_heading = np.where(image, heading + 180.0, heading)
    world = swapped(
        yaw, seq.time_s, present=detected, anchor_deg=fixed_heading, max_step_s=max_step_s
    )
    return LabelSwaps(image=image, world=world)


def fix_label_swaps(
    seq: PoseSequence, *, max_step_s: float = 0.25
) -> tuple[PoseSequence, LabelSwaps]:
    """``seq`` with MediaPipe's left/right label swaps undone, and the frames changed.

    Image landmarks, visibility and presence are relabelled where the image labels are
    swapped; world landmarks are relabelled and their depth negated where the world labels
    are.
    """
    swaps = find_label_swaps(seq, max_step_s=max_step_s)
    if not (swaps.image.any() or swaps.world.any()):
        return seq, swaps
    idx = mirror_index()
    image, world = seq.image_xyz.copy(), seq.world_xyz.copy()
    visibility, presence = seq.visibility.copy(), seq.presence.copy()
    f = swaps.image
    image[f], visibility[f], presence[f] = (
        image[f][:, idx],
        visibility[f][:, idx],
        presence[f][:, idx],
    )
    f = swaps.world
    world[f] = world[f][:, idx] * np.array([1.0, 1.0, -1.0], dtype=world.dtype)
    fixed = seq.with_arrays(
        image_xyz=image, world_xyz=world, visibility=visibility, presence=presence
    )
    return fixed, swaps
