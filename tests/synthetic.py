"""Synthetic MediaPipe-like skeletons with known joint angles (a test factory, not a test).

Build a 33-landmark skeleton from joint angles in a body frame, turn it to face a given
yaw, project it through a pinhole camera, and return a :class:`~rom.sequence.PoseSequence`.

Body coordinates (metres, origin at the hips' midpoint): ``(a, s, r)`` = anterior,
superior, person's right; right-handed (``a x s = r``). The neutral pose stands upright,
arms hanging, face forwards, ears straight above the shoulders' midpoint.

Joint angles (degrees; each a scalar or a (frames,) array; all 0 by default) are built
with explicit rotations (Rodrigues), not with the formulas of ``rom.metrics``:

* trunk_flexion / trunk_lateral_flexion / trunk_rotation turn the whole upper body
  (shoulders, head, arms) about the mid-hip: flexion about -r (forwards), lateral flexion
  about +a (to the right), rotation about -s (to the right). Legs and hips stay put, so
  the catalogue's hip flexion (thigh against the *trunk line*) becomes hip + trunk angle;
  its hip abduction (thigh against the *pelvis*, the hip line) does not change.
* pelvic_obliquity lowers the right hip (turns the hip points about +a); thighs keep
  their direction.
* neck_flexion / neck_lateral_flexion / neck_rotation turn the head about the shoulders'
  midpoint, in the trunk's frame, same axes as the trunk. head_forward_m shifts the head
  forwards (forward-head posture) before turning it.
* shoulder_flexion / shoulder_abduction / shoulder_horizontal_abduction_<side> raise the
  arm from hanging by a shortest-path rotation towards a plane of elevation (sagittal
  forwards, frontal outwards, or horizontally at shoulder height from straight forwards);
  or give shoulder_plane_<side> and shoulder_elevation_<side> directly.
  shoulder_rotation_<side> (external +) turns the forearm about the humerus from its
  zero (forearm forwards at the side / in the 90/90 position); elbow_flexion_<side> bends
  the forearm from straight.
* hip_flexion / hip_abduction_<side> swing the thigh forwards / outwards;
  knee_flexion_<side> bends the shank backwards.

World placement: MediaPipe's world convention (origin mid-hip, x towards image right, y
down, z away from the camera). Yaw 0 faces the camera, 180 shows the back, +90 shows the
person's left side (they face image left), -90 their right side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rom.landmarks import LANDMARK_INDEX, N_LANDMARKS, mirror_index
from rom.metrics import catalogue
from rom.sequence import PoseSequence

A = np.array([1.0, 0.0, 0.0])
S = np.array([0.0, 1.0, 0.0])
R = np.array([0.0, 0.0, 1.0])

#: Camera yaw of named views (degrees): 0 = front, 180 = back, +90 = person's left side.
VIEWS: dict[str, float] = {
    "front": 0.0,
    "back": 180.0,
    "left-side": 90.0,
    "right-side": -90.0,
    "oblique-front-left-30": 30.0,
    "oblique-front-right-30": -30.0,
    "oblique-front-left-45": 45.0,
    "oblique-front-right-45": -45.0,
    "oblique-back-left-45": 135.0,
    "oblique-back-right-30": -150.0,
}
FRONTAL_VIEWS = ("front", "back")
SIDE_VIEWS = ("left-side", "right-side")

# Anthropometry (metres).
HIP_HALF_WIDTH = 0.10
SHOULDER_HEIGHT = 0.50
SHOULDER_HALF_WIDTH = 0.19
UPPER_ARM = 0.30
FOREARM = 0.26
THIGH = 0.44
SHANK = 0.42
#: Head points relative to the shoulders' midpoint (a, s, r), right side; left mirrors r.
HEAD = {
    "nose": (0.105, 0.155, 0.0),
    "eye_inner": (0.085, 0.19, 0.017),
    "eye": (0.085, 0.19, 0.032),
    "eye_outer": (0.08, 0.19, 0.047),
    "ear": (0.0, 0.17, 0.075),
    "mouth": (0.09, 0.115, 0.025),
}

_SIDES = ("left", "right")
_AXIAL = (
    "neck_flexion",
    "neck_lateral_flexion",
    "neck_rotation",
    "head_forward_m",
    "trunk_flexion",
    "trunk_lateral_flexion",
    "trunk_rotation",
    "pelvic_obliquity",
)
_PER_SIDE = (
    "shoulder_flexion",
    "shoulder_abduction",
    "shoulder_horizontal_abduction",
    "shoulder_plane",
    "shoulder_elevation",
    "shoulder_rotation",
    "elbow_flexion",
    "hip_flexion",
    "hip_abduction",
    "knee_flexion",
)
ANGLE_NAMES = _AXIAL + tuple(f"{n}_{s}" for n in _PER_SIDE for s in _SIDES)


@dataclass(frozen=True)
class Camera:
    """Pinhole camera looking along +z at a landmark of the first frame.

    ``distance_m`` is the depth of the ``look_at`` point (which lands on the image
    centre); ``focal_px`` the focal length in pixels. :meth:`far` is nearly orthographic;
    ``distance_m=inf`` is exactly orthographic with ``focal_px`` pixels per metre.
    """

    distance_m: float = 3.0
    focal_px: float = 1000.0
    image_size_px: tuple[int, int] = (1080, 1920)
    look_at: str = "mid_hip"

    @classmethod
    def far(cls, look_at: str = "mid_hip") -> Camera:
        """30 m away with a long lens: same image size as the default, tiny perspective."""
        return cls(distance_m=30.0, focal_px=10000.0, look_at=look_at)

    @classmethod
    def orthographic(cls, look_at: str = "mid_hip") -> Camera:
        """No perspective at all (333 px per metre, like the default camera at 3 m)."""
        return cls(distance_m=float("inf"), focal_px=333.3, look_at=look_at)


def rotation(axis: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (frames, 3, 3) about ``axis`` (3,) or (frames, 3), right-hand rule."""
    angle = np.radians(np.atleast_1d(np.asarray(angle_deg, dtype=float)))
    axis = np.asarray(axis, dtype=float)
    axis = np.broadcast_to(axis, (angle.shape[0], 3)) / np.linalg.norm(axis, axis=-1, keepdims=True)
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    k = np.zeros((angle.shape[0], 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 0] = -z, y, z
    k[:, 1, 2], k[:, 2, 0], k[:, 2, 1] = -x, -y, x
    c, s = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def _apply(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(frames,3,3) @ (frames,3) or (3,)."""
    v = np.broadcast_to(v, (m.shape[0], 3))
    return np.einsum("tij,tj->ti", m, v)


def _elevation(plane_deg: np.ndarray, elev_deg: np.ndarray, out: float) -> np.ndarray:
    """Shortest-path rotation taking -s towards d = a cos(plane) + outward sin(plane)."""
    p = np.radians(plane_deg)
    d = np.cos(p)[:, None] * A + (out * np.sin(p))[:, None] * R
    return rotation(np.cross(-S, d), elev_deg)


_ARM_WAYS = ("shoulder_flexion", "shoulder_abduction", "shoulder_horizontal_abduction")


def _resolve(n: int, angles: dict[str, npt.ArrayLike]) -> dict[str, np.ndarray]:
    """Every angle as a (frames,) array; ways of raising an arm not given are absent."""
    unknown = set(angles) - set(ANGLE_NAMES)
    if unknown:
        raise TypeError(f"unknown joint angle(s) {sorted(unknown)}; known: {ANGLE_NAMES}")
    out = {}
    for k in ANGLE_NAMES:
        if k in angles or not k.startswith(_ARM_WAYS):
            out[k] = np.broadcast_to(np.asarray(angles.get(k, 0.0), float), (n,))
    return out


def _arm_plane(g: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray]:
    """Plane of elevation (0 = forwards, 90 = outwards) and elevation of one arm."""
    given = [w for w in _ARM_WAYS if f"{w}_{side}" in g]
    if len(given) > 1 or (given and np.any(g[f"shoulder_elevation_{side}"] != 0)):
        raise ValueError(f"give one way of raising the {side} arm, got {given} (+ elevation)")
    if not given:
        return g[f"shoulder_plane_{side}"], g[f"shoulder_elevation_{side}"]
    v = g[f"{given[0]}_{side}"]
    if given[0] == "shoulder_flexion":
        return np.zeros_like(v), v
    if given[0] == "shoulder_abduction":
        return np.full_like(v, 90.0), v
    return v, np.full_like(v, 90.0)  # horizontal abduction: arm at shoulder height


def body_landmarks(n_frames: int = 1, **angles: npt.ArrayLike) -> np.ndarray:
    """The 33 landmarks in body coordinates (a, s, r), metres: shape (frames, 33, 3)."""
    g = _resolve(n_frames, angles)
    n = n_frames
    pts = np.zeros((n, N_LANDMARKS, 3))

    def put(name: str, value: np.ndarray) -> None:
        pts[:, LANDMARK_INDEX[name]] = value

    # pelvis (stays in place) and legs
    pelvis = rotation(A, g["pelvic_obliquity"])
    for side, out in (("left", -1.0), ("right", 1.0)):
        hip = _apply(pelvis, out * HIP_HALF_WIDTH * R)
        thigh = _elevation(
            np.where(g[f"hip_abduction_{side}"] != 0, 90.0, 0.0),
            g[f"hip_flexion_{side}"] + g[f"hip_abduction_{side}"],
            out,
        )
        if np.any((g[f"hip_abduction_{side}"] != 0) & (g[f"hip_flexion_{side}"] != 0)):
            raise ValueError("give hip flexion or hip abduction, not both")
        knee = hip + THIGH * _apply(thigh, -S)
        leg = thigh @ rotation(-R, g[f"knee_flexion_{side}"])
        ankle = knee + SHANK * _apply(leg, -S)
        put(f"{side}_hip", hip)
        put(f"{side}_knee", knee)
        put(f"{side}_ankle", ankle)
        put(f"{side}_heel", ankle + _apply(leg, -0.05 * A - 0.05 * S))
        put(f"{side}_foot_index", ankle + _apply(leg, 0.15 * A - 0.07 * S))

    # upper body in the trunk's own frame, then turned about the mid-hip
    trunk = (
        rotation(-R, g["trunk_flexion"])
        @ rotation(A, g["trunk_lateral_flexion"])
        @ rotation(-S, g["trunk_rotation"])
    )
    pivot = SHOULDER_HEIGHT * S
    neck = (
        rotation(-R, g["neck_flexion"])
        @ rotation(A, g["neck_lateral_flexion"])
        @ rotation(-S, g["neck_rotation"])
    )
    shift = g["head_forward_m"][:, None] * A
    for key, (a, s, r) in HEAD.items():
        sides = ((key, 1.0),) if key == "nose" else ((f"left_{key}", -1.0), (f"right_{key}", 1.0))
        if key == "mouth":
            sides = (("mouth_left", -1.0), ("mouth_right", 1.0))
        for name, out in sides:
            local = pivot + _apply(neck, shift + np.array([a, s, out * r]))
            put(name, _apply(trunk, local))

    for side, out in (("left", -1.0), ("right", 1.0)):
        shoulder = pivot + out * SHOULDER_HALF_WIDTH * R
        plane, elev = _arm_plane(g, side)
        arm = _elevation(plane, elev, out)
        h0, q0, e0 = -S, A, out * R  # humerus, forearm zero, external direction at rest
        psi = np.radians(g[f"shoulder_rotation_{side}"])[:, None]
        eps = np.radians(g[f"elbow_flexion_{side}"])[:, None]
        q = np.cos(psi) * q0 + np.sin(psi) * e0
        fore = np.cos(eps) * h0 + np.sin(eps) * q
        elbow = shoulder + UPPER_ARM * _apply(arm, h0)
        wrist = elbow + FOREARM * _apply(arm, fore)
        fdir = _apply(arm, fore)
        across = _apply(arm, np.cross(h0, q))  # across the forearm, for the hand
        hand = {
            "wrist": wrist,
            "index": wrist + 0.08 * fdir + 0.01 * across,
            "pinky": wrist + 0.07 * fdir - 0.02 * across,
            "thumb": wrist + 0.04 * fdir + 0.03 * across,
        }
        put(f"{side}_shoulder", _apply(trunk, shoulder))
        put(f"{side}_elbow", _apply(trunk, elbow))
        for k, v in hand.items():
            put(f"{side}_{k}", _apply(trunk, v))
    return pts


def to_world(body: np.ndarray, yaw_deg: float | np.ndarray = 0.0) -> np.ndarray:
    """Body coordinates -> MediaPipe world coordinates for a person at ``yaw_deg``."""
    n = body.shape[0]
    yaw = np.radians(np.broadcast_to(np.asarray(yaw_deg, float), (n,)))
    zeros = np.zeros(n)
    a_w = np.stack([-np.sin(yaw), zeros, -np.cos(yaw)], axis=1)
    s_w = np.tile([0.0, -1.0, 0.0], (n, 1))
    r_w = np.stack([-np.cos(yaw), zeros, np.sin(yaw)], axis=1)
    m = np.stack([a_w, s_w, r_w], axis=2)  # columns: images of a, s, r
    return np.einsum("tij,tkj->tki", m, body)


def _point(world: np.ndarray, name: str) -> np.ndarray:
    if name.startswith("mid_"):
        part = name[4:]
        return 0.5 * (
            world[:, LANDMARK_INDEX["left_" + part]] + world[:, LANDMARK_INDEX["right_" + part]]
        )
    return world[:, LANDMARK_INDEX[name]]


def project(world: np.ndarray, camera: Camera) -> np.ndarray:
    """World landmarks -> image_xyz (pixels, y down; z = depth scaled like x)."""
    target = _point(world, camera.look_at)[0]
    w, h = camera.image_size_px
    f = camera.focal_px
    if not np.isfinite(camera.distance_m):  # orthographic: f is pixels per metre
        rel = world - target
        return np.stack([w / 2 + f * rel[..., 0], h / 2 + f * rel[..., 1], f * world[..., 2]], -1)
    offset = np.array([-target[0], -target[1], camera.distance_m - target[2]])
    cam = world + offset
    u = w / 2 + f * cam[..., 0] / cam[..., 2]
    v = h / 2 + f * cam[..., 1] / cam[..., 2]
    z = f * world[..., 2] / camera.distance_m
    return np.stack([u, v, z], axis=-1)


def make_sequence(
    *,
    yaw_deg: float | np.ndarray = 0.0,
    camera: Camera | None = None,
    n_frames: int | None = None,
    fps: float = 30.0,
    **angles: npt.ArrayLike,
) -> PoseSequence:
    """A PoseSequence of the skeleton with ``angles``, seen at ``yaw_deg``.

    ``n_frames`` defaults to the length of the longest array argument (or 1).

    Examples
    --------
    >>> seq = make_sequence(shoulder_abduction_left=60, yaw_deg=180)
    >>> seq.n_frames
    1
    """
    camera = camera or Camera()
    lengths = [np.size(v) for v in (*angles.values(), yaw_deg) if np.ndim(v) > 0]
    n = n_frames or (max(lengths) if lengths else 1)
    body = body_landmarks(n, **angles)
    world = to_world(body, yaw_deg)
    image = project(world, camera)
    ones = np.ones((n, N_LANDMARKS))
    return PoseSequence(
        image_xyz=image,
        world_xyz=world,
        visibility=ones,
        presence=ones.copy(),
        time_s=np.arange(n) / fps,
        image_size_px=camera.image_size_px,
        source={"synthetic": True},
    )


def mirror(seq: PoseSequence) -> PoseSequence:
    """The anatomical mirror image: image and world x flipped, left/right labels swapped."""
    idx = mirror_index()
    img = seq.image_xyz[:, idx].copy()
    img[..., 0] = seq.image_size_px[0] - img[..., 0]
    world = seq.world_xyz[:, idx].copy()
    world[..., 0] *= -1
    return seq.with_arrays(
        image_xyz=img,
        world_xyz=world,
        visibility=seq.visibility[:, idx],
        presence=seq.presence[:, idx],
    )


def mirrored_column(col: str) -> tuple[str, float]:
    """The column that holds ``col``'s value for the mirrored person, and the sign it takes:
    a sided column trades its side; an angle whose positive direction names a side
    (catalogue ``lateral``) changes sign; everything else is unchanged."""
    adef = catalogue.angle_def(col)
    if adef.side:
        other = "right" if adef.side == "left" else "left"
        return col.replace(f"_{adef.side}_", f"_{other}_"), 1.0
    return col, (-1.0 if adef.lateral else 1.0)


def with_missing(
    seq: PoseSequence, landmark: str, frames: slice | np.ndarray = slice(None)
) -> PoseSequence:
    """A copy where ``landmark`` is NaN (coordinates and visibility) in ``frames``."""
    i = LANDMARK_INDEX[landmark]
    img, world, vis = seq.image_xyz.copy(), seq.world_xyz.copy(), seq.visibility.copy()
    img[frames, i] = np.nan
    world[frames, i] = np.nan
    vis[frames, i] = np.nan
    return seq.with_arrays(image_xyz=img, world_xyz=world, visibility=vis)
