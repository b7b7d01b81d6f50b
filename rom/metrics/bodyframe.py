"""Body (trunk) frames from MediaPipe world landmarks, one orthonormal frame per frame.

World landmarks (``PoseSequence.world_xyz``) are in metres with MediaPipe's convention:
origin at the hips' midpoint, x towards the image's right, y down, z away from the camera.
That is a right-handed system (x cross y = z).

A :class:`BodyFrame` holds three unit axes per frame, expressed in world coordinates:

``anterior``
    forwards, out of the chest;
``superior``
    up (along the trunk, or against gravity for the level frame);
``right``
    towards the person's own right.

Handedness: ``(anterior, superior, right)`` is right-handed, ``anterior x superior =
right`` (equivalently ``anterior = superior x right``). This is the ISB convention
(X anterior, Y superior, Z right), so joint-angle code can use ordinary cross products
on body-frame components. For the person's left side, "outwards" is ``-right``.

Four frames are offered:

* :func:`compute_trunk_frame` - superior along the trunk line (mid-hip to mid-shoulder),
  right along the hip line (left hip to right hip) made perpendicular to it. Used for the
  hips and for trunk rotation (shoulders against hips).
* :func:`compute_pelvis_frame` - right along the hip line itself, superior the trunk line
  made perpendicular to it (same anterior axis as the trunk frame). Used for the thigh's
  frontal-plane angle (hip abduction) and the femur's plane of elevation: the pelvis,
  not the trunk above it, is what the thigh moves against.
* :func:`compute_upper_trunk_frame` - same superior axis, right along the shoulder line.
  Used for the shoulders and the neck, which move with the thorax.
* :func:`compute_level_frame` - superior is the world's up (``-y``), right is the hip
  line made horizontal. Used for angles "from the vertical" (trunk flexion, lateral lean,
  tilts). MediaPipe's world axes are aligned with the camera, not with gravity, so by
  default this **assumes a level camera** (no pitch or roll): a camera tilted by 5
  degrees biases these angles by up to 5 degrees. Give it the vertical measured from the
  standing client (:mod:`rom.metrics.vertical`) to remove that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX, N_LANDMARKS
from rom.metrics.geometry import dot, midpoint, norm, normalize

__all__ = [
    "WORLD_UP",
    "BodyFrame",
    "compute_level_frame",
    "compute_pelvis_frame",
    "compute_trunk_frame",
    "compute_upper_trunk_frame",
]

#: The world's up direction in MediaPipe world coordinates (y points down), assuming a
#: level camera.
WORLD_UP = np.array([0.0, -1.0, 0.0])

_LS, _RS = LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"]
_LH, _RH = LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]


@dataclass(frozen=True)
class BodyFrame:
    """Orthonormal body axes per frame, in world coordinates.

    Attributes
    ----------
    origin : ndarray, shape (frames, 3)
        Origin of the frame in metres (world coordinates).
    anterior, superior, right : ndarray, shape (frames, 3)
        Unit axes; ``anterior x superior = right``. NaN in frames where the frame could
        not be built (missing landmarks, degenerate geometry).
    """

    origin: np.ndarray
    anterior: np.ndarray
    superior: np.ndarray
    right: np.ndarray

    @property
    def matrix(self) -> np.ndarray:
        """Rows are the axes: shape (frames, 3, 3), world -> body rotation."""
        return np.stack([self.anterior, self.superior, self.right], axis=1)

    def to_local(self, vectors: np.ndarray) -> np.ndarray:
        """Components of direction vectors along (anterior, superior, right).

        Parameters
        ----------
        vectors : ndarray, shape (frames, 3) or (frames, k, 3)
            World-coordinate vectors (metres); time is the first axis.

        Returns
        -------
        ndarray, same shape
            ``[..., 0]`` anterior, ``[..., 1]`` superior, ``[..., 2]`` right component.
        """
        v = np.asarray(vectors, dtype=np.float64)
        m = self.matrix
        if v.ndim == 2:
            return np.einsum("tij,tj->ti", m, v)
        return np.einsum("tij,tkj->tki", m, v)

    def to_local_points(self, points: np.ndarray) -> np.ndarray:
        """Points (frames, 3) or (frames, k, 3) in body coordinates about ``origin``."""
        p = np.asarray(points, dtype=np.float64)
        o = self.origin if p.ndim == 2 else self.origin[:, None, :]
        return self.to_local(p - o)


def _check_world(world_xyz: np.ndarray) -> np.ndarray:
    w = np.asarray(world_xyz, dtype=np.float64)
    if w.ndim != 3 or w.shape[1:] != (N_LANDMARKS, 3):
        raise ValueError(f"world_xyz must have shape (frames, {N_LANDMARKS}, 3), got {w.shape}")
    return w


def _build(origin: np.ndarray, superior: np.ndarray, lateral: np.ndarray) -> BodyFrame:
    """Frame from an up direction and a rough rightward direction (orthogonalised)."""
    sup = normalize(superior)
    lat = np.asarray(lateral, dtype=np.float64)
    across = lat - dot(lat, sup)[..., None] * sup
    # a lateral line (nearly) along the vertical leaves only rounding noise: no frame
    with np.errstate(invalid="ignore"):
        degenerate = norm(across) <= 1e-9 * norm(lat)
    right = np.where(degenerate[..., None], np.nan, normalize(across))
    anterior = np.cross(sup, right)
    return BodyFrame(origin=origin, anterior=anterior, superior=sup, right=right)


def compute_trunk_frame(world_xyz: np.ndarray) -> BodyFrame:
    """Trunk frame: superior = mid-hip to mid-shoulder, right from the hip line.

    Parameters
    ----------
    world_xyz : ndarray, shape (frames, 33, 3)
        MediaPipe world landmarks in metres.

    Returns
    -------
    BodyFrame
        Origin at the hips' midpoint.

    Examples
    --------
    >>> w = np.zeros((1, 33, 3))
    >>> w[0, 23], w[0, 24] = [0.1, 0, 0], [-0.1, 0, 0]    # facing the camera
    >>> w[0, 11], w[0, 12] = [0.2, -0.5, 0], [-0.2, -0.5, 0]
    >>> (compute_trunk_frame(w).anterior.round(6) + 0.0).tolist()   # towards the camera
    [[0.0, 0.0, -1.0]]
    """
    w = _check_world(world_xyz)
    hip = midpoint(w[:, _LH], w[:, _RH])
    sho = midpoint(w[:, _LS], w[:, _RS])
    return _build(hip, sho - hip, w[:, _RH] - w[:, _LH])


def compute_pelvis_frame(world_xyz: np.ndarray) -> BodyFrame:
    """Pelvis frame: right = the hip line (left hip to right hip), superior = the trunk line
    made perpendicular to it, anterior = superior x right.

    Goniometry measures hip abduction against the pelvis: the stationary arm lies along
    the line joining the two anterior superior iliac spines and zero is the femur
    perpendicular to it (Norkin & White, *Measurement of Joint Motion*, 5th ed., 2016,
    hip abduction). Video shows no iliac spines; the hip landmarks' line stands for that
    line, and the trunk line only gives the pelvis' forward tilt (the frame's anterior
    axis is the trunk frame's). A trunk bent sideways over the hips thus leaves the
    frame as it is; a pelvis tilted sideways (one hip lower) turns it. Origin mid-hip.

    Examples
    --------
    >>> w = np.zeros((1, 33, 3))
    >>> w[0, 23], w[0, 24] = [0.1, 0, 0], [-0.1, 0, 0]    # facing the camera
    >>> w[0, 11], w[0, 12] = [0.4, -0.45, 0], [0.0, -0.5, 0]   # trunk leaning to its left
    >>> (compute_pelvis_frame(w).superior.round(6) + 0.0).tolist()   # still straight up
    [[0.0, -1.0, 0.0]]
    """
    w = _check_world(world_xyz)
    hip = midpoint(w[:, _LH], w[:, _RH])
    sho = midpoint(w[:, _LS], w[:, _RS])
    right = normalize(w[:, _RH] - w[:, _LH])
    up = sho - hip
    across = up - dot(up, right)[..., None] * right
    with np.errstate(invalid="ignore"):
        degenerate = norm(across) <= 1e-9 * norm(up)
    sup = np.where(degenerate[..., None], np.nan, normalize(across))
    return BodyFrame(origin=hip, anterior=np.cross(sup, right), superior=sup, right=right)


def compute_upper_trunk_frame(world_xyz: np.ndarray) -> BodyFrame:
    """Upper-trunk (thorax) frame: superior = trunk line, right from the shoulder line.

    Use it for the shoulder and the neck: when the thorax rotates over the pelvis, this
    frame turns with the shoulders. Origin at the shoulders' midpoint.
    """
    w = _check_world(world_xyz)
    hip = midpoint(w[:, _LH], w[:, _RH])
    sho = midpoint(w[:, _LS], w[:, _RS])
    return _build(sho, sho - hip, w[:, _RS] - w[:, _LS])


def compute_level_frame(world_xyz: np.ndarray, up: np.ndarray | None = None) -> BodyFrame:
    """Level frame: superior = the vertical, right = horizontal hip line.

    Its sagittal and frontal planes are vertical planes that follow the pelvis' heading.
    ``up`` (3,) is the vertical in world coordinates; by default the camera's up
    (``WORLD_UP``: a level camera, since MediaPipe's world axes are camera-aligned); a
    measured one comes from :func:`rom.metrics.vertical.estimate_vertical`. Origin mid-hip.
    """
    w = _check_world(world_xyz)
    hip = midpoint(w[:, _LH], w[:, _RH])
    vertical = WORLD_UP if up is None else np.asarray(up, dtype=np.float64)
    up = np.broadcast_to(vertical, hip.shape)
    return _build(hip, up, w[:, _RH] - w[:, _LH])
