"""The true vertical in the camera's axes, from the client standing still.

MediaPipe's world landmarks are aligned with the camera, not with gravity: a camera
pitched down by 20 degrees (the shared lab's are) tilts every "from the vertical" angle
(trunk flexion and lateral flexion, the tilts) by up to 20 degrees if the camera's -y is
taken as up, and a rolled camera tilts the image's up just as much.

A standing person keeps the body's centre of mass over the feet (over the foot they stand
on, or between both): otherwise they fall. So the line from the supporting foot to the
centre of mass is close to vertical; on the lab reference (a man balancing on one leg,
then both) it is 4.6 degrees from the calibrated vertical in the median frame.

* frames where the client *stands* are found: shoulders, hips, knees and ankles visible
  and the supporting leg extended (hip to ankle at least ``min_leg_extension`` of the
  thigh plus shank: not seated or squatting); the supporting foot is the lower one, or
  both when their heights differ by less than ``both_feet_fraction`` of the leg;
* the centre of mass is the mass-weighted mean of the segments' centres (masses and
  centre positions from de Leva, *Adjustments to Zatsiorsky-Seluyanov's segment inertia
  parameters*, J Biomech 1996, male values);
* the vertical is the median direction of the foot-to-centre-of-mass line over the
  standing frames, in the world landmarks (3D) and in the image (2D: the camera's roll
  at the person);
* with fewer than ``min_standing_s`` of standing frames (head-and-shoulders framing, a
  seated client), or a vertical further than ``max_tilt_deg`` from the camera's up, the
  level-camera assumption stays (``source == "level-camera"``).

Limits: it rests on MediaPipe's depth for the camera's pitch. Measured on the four lab
views (cameras pitched 18-25 degrees and rolled up to 26): 3.5 to 11 degrees from the
calibrated vertical where the level assumption is 18 to 34 degrees off
(``benchmarks/accuracy.py`` prints it per view).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.geometry import angle_between_deg, midpoint, norm, normalize
from rom.sequence import PoseSequence

__all__ = ["Vertical", "estimate_vertical", "rotation_between"]

_NEEDED = tuple(f"{s}_{p}" for s in ("left", "right") for p in ("shoulder", "hip", "knee", "ankle"))


@dataclass(frozen=True)
class Vertical:
    """The vertical of one clip.

    Attributes
    ----------
    up_world : ndarray, shape (3,)
        Unit "up" in MediaPipe world axes (x right, y down, z away from the camera);
        ``(0, -1, 0)`` for a level camera.
    up_image : ndarray, shape (2,)
        Unit "up" in image axes with y pointing up (x right); ``(0, 1)`` for no roll.
    source : str
        ``"standing"`` (measured) or ``"level-camera"`` (assumed).
    standing_frames : int
        Frames the estimate comes from.
    tilt_deg : float
        Angle between ``up_world`` and the camera's up (degrees): how far the camera is
        pitched and rolled.
    """

    up_world: np.ndarray
    up_image: np.ndarray
    source: str
    standing_frames: int
    tilt_deg: float

    @classmethod
    def level(cls) -> Vertical:
        """The level-camera assumption."""
        return cls(np.array([0.0, -1.0, 0.0]), np.array([0.0, 1.0]), "level-camera", 0, 0.0)


def _p(xyz: np.ndarray, name: str) -> np.ndarray:
    if name.startswith("mid_"):
        part = name[4:]
        return midpoint(
            xyz[:, LANDMARK_INDEX["left_" + part]], xyz[:, LANDMARK_INDEX["right_" + part]]
        )
    return xyz[:, LANDMARK_INDEX[name]]


#: Segments (proximal, distal, mass fraction, centre of mass from proximal as a fraction
#: of the length), de Leva 1996 (male); the head's centre is the ears' midpoint and the
#: trunk runs from the shoulders' midpoint to the hips'; hands ride with the forearms.
_SEGMENTS = (
    ("mid_ear", "mid_ear", 0.0694, 0.0),
    ("mid_shoulder", "mid_hip", 0.4346, 0.4486),
    *(
        seg
        for s in ("left", "right")
        for seg in (
            (f"{s}_shoulder", f"{s}_elbow", 0.0271, 0.5772),
            (f"{s}_elbow", f"{s}_wrist", 0.0162 + 0.0061, 0.4574),
            (f"{s}_hip", f"{s}_knee", 0.1416, 0.4095),
            (f"{s}_knee", f"{s}_ankle", 0.0433, 0.4459),
            (f"{s}_heel", f"{s}_foot_index", 0.0137, 0.5),
        )
    ),
)


def centre_of_mass(xyz: np.ndarray) -> np.ndarray:
    """Whole-body centre of mass (frames, dims) from landmarks (frames, 33, dims), by de
    Leva's segment masses; NaN where a segment is missing."""
    total = np.zeros(xyz.shape[0:1] + xyz.shape[2:])
    mass = 0.0
    for a, b, m, r in _SEGMENTS:
        pa, pb = _p(xyz, a), _p(xyz, b)
        total = total + m * (pa + r * (pb - pa))
        mass += m
    return total / mass


def _feet(xyz: np.ndarray) -> list[np.ndarray]:
    """Each foot's centre (heel-toe midpoint, else the ankle): [left, right]."""
    out = []
    for s in ("left", "right"):
        foot = midpoint(_p(xyz, f"{s}_heel"), _p(xyz, f"{s}_foot_index"))
        out.append(
            np.where(np.isfinite(foot).all(axis=-1, keepdims=True), foot, _p(xyz, f"{s}_ankle"))
        )
    return out


def _base(xyz: np.ndarray, which: np.ndarray) -> np.ndarray:
    """The supporting foot's centre: left (-1), right (+1) or between both (0)."""
    left, right = _feet(xyz)
    w = which[:, None]
    return np.where(w == 0, 0.5 * (left + right), np.where(w < 0, left, right))


def standing_frames(
    seq: PoseSequence,
    *,
    up_world: np.ndarray | None = None,
    min_visibility: float = 0.5,
    min_leg_extension: float = 0.85,
    both_feet_fraction: float = 0.08,
) -> tuple[np.ndarray, np.ndarray]:
    """Frames where the person stands, and on which foot.

    Returns ``(standing, which)``: (frames,) bool, and (frames,) int, -1 on the left foot,
    +1 on the right, 0 on both. Needs both shoulders, hips, knees and ankles visible and
    the supporting leg's hip-to-ankle distance at least ``min_leg_extension`` of its
    thigh plus shank (3D). The supporting foot is the lower along ``up_world`` (default
    the camera's up), both when the ankles' heights differ by less than
    ``both_feet_fraction`` of the leg's length.
    """
    vis = np.asarray(seq.visibility, np.float64)
    ok = np.ones(seq.n_frames, dtype=bool)
    for name in _NEEDED:
        ok &= np.nan_to_num(vis[:, LANDMARK_INDEX[name]]) >= min_visibility
    w = np.asarray(seq.world_xyz, np.float64)
    up = np.array([0.0, -1.0, 0.0]) if up_world is None else np.asarray(up_world, np.float64)
    lengths = {
        s: norm(_p(w, f"{s}_knee") - _p(w, f"{s}_hip"))
        + norm(_p(w, f"{s}_ankle") - _p(w, f"{s}_knee"))
        for s in ("left", "right")
    }
    leg = 0.5 * (lengths["left"] + lengths["right"])
    dh = np.sum((_p(w, "left_ankle") - _p(w, "right_ankle")) * up, axis=-1)
    with np.errstate(invalid="ignore"):
        which = np.where(np.abs(dh) <= both_feet_fraction * leg, 0, np.where(dh < 0, -1, 1))
        for code, sides in ((-1, ("left",)), (1, ("right",)), (0, ("left", "right"))):
            for s in sides:
                reach = norm(_p(w, f"{s}_ankle") - _p(w, f"{s}_hip"))
                ok &= (which != code) | (reach >= min_leg_extension * lengths[s])
    return ok & np.isfinite(leg), which


def estimate_vertical(
    seq: PoseSequence,
    *,
    min_visibility: float = 0.5,
    min_standing_s: float = 0.3,
    max_tilt_deg: float = 40.0,
) -> Vertical:
    """The clip's vertical from the frames where the client stands (see the module doc).

    Parameters
    ----------
    seq : PoseSequence
        Landmarks as MediaPipe gave them (world landmarks in camera-aligned axes), label
        swaps undone.
    min_visibility : float
        Visibility at which a landmark counts as seen.
    min_standing_s : float
        Least standing time (seconds) for a measured vertical.
    max_tilt_deg : float
        A measured vertical further than this from the camera's up is not trusted.

    Returns
    -------
    Vertical

    Examples
    --------
    >>> estimate_vertical(PoseSequence.empty(3, (640, 480))).source
    'level-camera'
    """
    level = Vertical.level()
    fps = seq.fps if seq.n_frames > 1 else 30.0
    w = np.asarray(seq.world_xyz, np.float64)
    img = np.asarray(seq.image_xyz[..., :2], np.float64) * [1.0, -1.0]  # y up
    up_w = level.up_world
    stand = np.zeros(seq.n_frames, dtype=bool)
    which = np.zeros(seq.n_frames, dtype=int)
    for _ in range(2):  # the second time, the supporting foot is the lower along this up
        stand, which = standing_frames(seq, up_world=up_w, min_visibility=min_visibility)
        if stand.sum() < max(3, min_standing_s * fps):
            return level
        line = centre_of_mass(w[stand]) - _base(w[stand], which[stand])
        up_w = normalize(np.median(normalize(line), axis=0))
    line_i = centre_of_mass(img[stand]) - _base(img[stand], which[stand])
    up_i = normalize(np.median(normalize(line_i), axis=0))
    tilt = float(angle_between_deg(up_w, level.up_world))
    roll = float(angle_between_deg(up_i, level.up_image))
    if not (tilt <= max_tilt_deg and roll <= max_tilt_deg):
        return level
    return Vertical(up_w, up_i, "standing", int(stand.sum()), tilt)


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation (3x3) taking unit vector ``a`` onto unit vector ``b``
    (Rodrigues' formula); the identity when they are equal.

    Examples
    --------
    >>> r = rotation_between(np.array([0.0, 0, 1]), np.array([0.0, -1, 0]))
    >>> (r @ [0.0, 0, 1]).round(6).tolist()
    [0.0, -1.0, 0.0]
    """
    a, b = normalize(np.asarray(a, float)), normalize(np.asarray(b, float))
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if np.linalg.norm(v) < 1e-12:
        if c > 0:
            return np.eye(3)
        # half a turn about any axis perpendicular to a
        perp = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(perp) < 1e-6:
            perp = np.cross(a, [0.0, 1.0, 0.0])
        perp = normalize(perp)
        return 2.0 * np.outer(perp, perp) - np.eye(3)
    k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + k + k @ k / (1.0 + c)
