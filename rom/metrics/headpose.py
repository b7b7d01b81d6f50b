"""Head pose from the face: cervical rotation, lateral flexion and flexion relative to the
shoulders, zeroed on the client's neutral posture (pure NumPy).

MediaPipe Pose gives eleven face landmarks (nose, inner / centre / outer eye corners,
ears, mouth corners) in the image. They are fitted, frame by frame, to a rigid 3D face
model (:data:`FACE_MODEL`) through a pinhole camera: the rotation and translation that
best reproject the model onto the landmarks, each weighted by its visibility (the
Perspective-n-Point problem, solved by Gauss-Newton from several starting headings;
Hartley & Zisserman, *Multiple View Geometry*, 2nd ed., chapter 7). Only the face is
used, so this works with head and shoulders in frame and no hips.

The head's orientation is then expressed in a thorax frame built from the shoulders:
right along the shoulder line (MediaPipe's world landmarks), up along the vertical made
perpendicular to it (the camera's up, or a measured :class:`~rom.metrics.vertical.Vertical`),
forwards = up x right. The rotation ``E`` from the client's neutral (the still stretch at
the start) to each frame is split into three angles in the order axial rotation, then
flexion, then lateral flexion (each well defined whatever the other two, unlike
projections on planes), with ``f`` the head's forwards and ``h`` its right axis:

rotation
    ``atan2(f . right, f . anterior)``: the heading of the face, positive towards the
    right (chin towards the right shoulder);
flexion
    ``asin(-f . superior)``: the face's pitch, positive downwards (chin towards the
    chest);
lateral flexion
    the angle of ``h`` from the horizontal about ``f``, positive when the right ear goes
    down (towards the right shoulder).

The face model is the median head of the shared lab reference (four calibrated views of
MediaPipe's own face landmarks, triangulated), in units of the ear-to-ear distance: the
proportions of MediaPipe's landmarks, not of a skull (its "ears" sit 0.10 m apart). Only
proportions matter for the angles. A head of other proportions (the synthetic skeleton's:
nose 0.70 ear-widths forwards instead of 0.79, eyes higher, mouth shallower) changes
rotation and lateral flexion by under 1 degree up to 60 degrees, and flexion, which rests
on the face's vertical proportions, by up to 15 percent (7.5 degrees at 50 degrees of
flexion); the zeroing on the client's neutral removes the rest of a face's asymmetry.

Limits: beyond about 75 degrees of rotation the far side of the face is hidden and
MediaPipe guesses its landmarks; the fit's residual (``residual_px``) and the
visibility-weighted count of seen points say how far to trust a frame. Published
face-landmark head pose agrees with a CROM device at r = 0.96-0.99 (e.g. Bulgarelli et
al. 2023, rotation within about 5 degrees).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX, LANDMARK_NAMES
from rom.metrics.geometry import normalize

__all__ = [
    "FACE_LANDMARKS",
    "FACE_MODEL",
    "HeadPose",
    "fit_head_pose",
    "head_angles",
    "thorax_axes",
]

#: The eleven face landmarks of MediaPipe Pose, in landmark order.
FACE_LANDMARKS: tuple[str, ...] = LANDMARK_NAMES[:11]

# (anterior, superior, right) of each face landmark from the ears' midpoint, in ear-to-ear
# distances (the lab reference's median head; left and right averaged).
_HALF = {
    "nose": (0.785, 0.0, 0.0),
    "eye_inner": (0.525, 0.24, 0.14),
    "eye": (0.485, 0.23, 0.25),
    "eye_outer": (0.42, 0.22, 0.355),
    "ear": (0.0, 0.0, 0.5),
    "mouth": (0.625, -0.345, 0.145),
}


def _model() -> np.ndarray:
    pts = []
    for name in FACE_LANDMARKS:
        if name == "nose":
            pts.append(_HALF["nose"])
            continue
        side, part = name.split("_", 1) if not name.startswith("mouth") else ("", "mouth")
        if part == "mouth":
            side = name.split("_")[1]
        a, s, r = _HALF[part]
        pts.append((a, s, r if side == "right" else -r))
    return np.array(pts, dtype=np.float64)


#: Face model, shape (11, 3): (anterior, superior, right) in ear-to-ear distances.
FACE_MODEL = _model()
_FACE_IDX = np.array([LANDMARK_INDEX[n] for n in FACE_LANDMARKS])
#: Nominal ear-to-ear distance of MediaPipe's landmarks (metres) to size the model; only
#: the distance to the camera depends on it.
_EAR_DISTANCE_M = 0.10

# Body (anterior, superior, right) -> camera (x right, y down, z away) for a head facing
# the camera: anterior = -z, superior = -y, right = -x.
_FACING = np.array([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])


@dataclass(frozen=True)
class HeadPose:
    """Head orientation per frame.

    Attributes
    ----------
    rotation : ndarray, shape (frames, 3, 3)
        Head -> camera rotation: its columns are the head's anterior, superior and right
        axes in camera coordinates (x right, y down, z away). NaN where not fitted.
    residual_px : ndarray, shape (frames,)
        Visibility-weighted RMS reprojection error of the fit (pixels).
    ear_distance_px : ndarray, shape (frames,)
        The face's size in the image: model ear-to-ear distance at the fitted depth.
    away_deg : ndarray, shape (frames,)
        Angle between the face's forwards and the line to the camera (0 = facing the
        camera, 90 = profile).
    """

    rotation: np.ndarray
    residual_px: np.ndarray
    ear_distance_px: np.ndarray
    away_deg: np.ndarray

    def reliable(self, *, max_away_deg: float = 80.0, max_residual: float = 0.15) -> np.ndarray:
        """(frames,) True where the fit can be trusted: the face turned at most
        ``max_away_deg`` from the camera (beyond, its far side is hidden) and the residual
        at most ``max_residual`` of the face's size."""
        with np.errstate(invalid="ignore"):
            return (self.away_deg <= max_away_deg) & (
                self.residual_px <= max_residual * self.ear_distance_px
            )


def _rodrigues(w: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from rotation vectors (..., 3)."""
    theta = np.linalg.norm(w, axis=-1)[..., None, None]
    k = np.zeros(w.shape[:-1] + (3, 3))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -w[..., 2], w[..., 1], -w[..., 0]
    k[..., 1, 0], k[..., 2, 0], k[..., 2, 1] = w[..., 2], -w[..., 1], w[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(theta > 1e-12, np.sin(theta) / theta, 1.0)
        b = np.where(theta > 1e-12, (1.0 - np.cos(theta)) / theta**2, 0.5)
    return np.eye(3) + a * k + b * (k @ k)


def _yaw(deg: float) -> np.ndarray:
    """Camera-frame rotation of a head facing the camera turned by ``deg`` to its right
    (about the camera's vertical)."""
    t = np.radians(deg)
    # turning right moves the face's forwards (-z) towards the person's right (-x)
    turn = np.array([[np.cos(t), 0.0, -np.sin(t)], [0.0, 1.0, 0.0], [np.sin(t), 0.0, np.cos(t)]])
    return turn @ _FACING


def fit_head_pose(
    image_xy: np.ndarray,
    weights: np.ndarray,
    *,
    image_size_px: tuple[int, int],
    focal_px: float | None = None,
    iterations: int = 15,
    starts_deg: tuple[float, ...] = (-60.0, -25.0, 0.0, 25.0, 60.0),
) -> HeadPose:
    """Fit :data:`FACE_MODEL` to the face landmarks of every frame.

    Parameters
    ----------
    image_xy : ndarray, shape (frames, 33, 2)
        Pose landmarks in pixels (x right, y down); only the eleven face points are used.
    weights : ndarray, shape (frames, 33)
        Visibility in [0, 1]; points below 0.05 are ignored; at least five must remain.
    image_size_px : (int, int)
        Width and height (the principal point is the centre).
    focal_px : float, optional
        Focal length; default 0.7 x the image diagonal (see :mod:`rom.metrics.lifting`).
    iterations : int
        Gauss-Newton steps per starting heading.
    starts_deg : tuple of float
        Starting headings (degrees to the right); the best fit is kept.

    Returns
    -------
    HeadPose
    """
    xy = np.asarray(image_xy, np.float64)[:, _FACE_IDX, :2]
    w = np.nan_to_num(np.asarray(weights, np.float64)[:, _FACE_IDX])
    w = np.where(np.isfinite(xy).all(axis=-1) & (w >= 0.05), np.clip(w, 0.0, 1.0), 0.0)
    n = xy.shape[0]
    width, height = image_size_px
    f = float(focal_px) if focal_px else 0.7 * float(np.hypot(width, height))
    c = np.array([width / 2.0, height / 2.0])
    obs = np.nan_to_num(xy)
    model = FACE_MODEL * _EAR_DISTANCE_M
    # the distance from the face's image size: eye-to-eye and ear-to-ear, whichever is larger
    spans = np.stack(
        [
            np.linalg.norm(xy[:, 7] - xy[:, 8], axis=-1),  # ear to ear
            np.linalg.norm(xy[:, 3] - xy[:, 6], axis=-1) / 0.71,  # eye corners, as ears
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no face in a frame: NaN
        span = np.nanmax(spans, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0 = np.where(span > 0, f * _EAR_DISTANCE_M / span, np.nan)
    centre = np.nansum(obs * w[..., None], axis=1) / np.maximum(w.sum(axis=1), 1e-9)[:, None]
    t0 = np.stack([(centre[:, 0] - c[0]) * z0 / f, (centre[:, 1] - c[1]) * z0 / f, z0], axis=-1)
    usable = ((w > 0).sum(axis=1) >= 5) & np.isfinite(z0)
    # every starting heading at once: the batch is (starts x frames)
    k = len(starts_deg)
    rot = np.concatenate([np.broadcast_to(_yaw(a), (n, 3, 3)) for a in starts_deg]).copy()
    t = np.tile(np.where(np.isfinite(t0), t0, 1.0), (k, 1))
    wk, obs_k, use_k = np.tile(w, (k, 1)), np.tile(obs, (k, 1, 1)), np.tile(usable, k)
    sw = np.sqrt(wk)
    for _ in range(iterations):
        p = np.einsum("fij,kj->fki", rot, model) + t[:, None, :]  # (B, 11, 3)
        z = np.maximum(p[..., 2], 1e-3)
        proj = f * p[..., :2] / z[..., None] + c
        res = ((proj - obs_k) * sw[..., None]).reshape(len(t), -1)
        # d proj / d p, then d p / d (omega, t) with omega a left-multiplied small rotation
        rx = p - t[:, None, :]
        jac = np.zeros(p.shape[:2] + (2, 6))
        fz = f / z
        for axis in range(2):  # u (x) and v (y) rows
            d0 = fz if axis == 0 else np.zeros_like(fz)
            d1 = fz if axis == 1 else np.zeros_like(fz)
            d2 = -fz * p[..., axis] / z
            # d p / d omega = -[rx]_x, so d u / d omega = d u / d p . -[rx]_x
            jac[..., axis, 0] = -d1 * rx[..., 2] + d2 * rx[..., 1]
            jac[..., axis, 1] = d0 * rx[..., 2] - d2 * rx[..., 0]
            jac[..., axis, 2] = -d0 * rx[..., 1] + d1 * rx[..., 0]
            jac[..., axis, 3], jac[..., axis, 4], jac[..., axis, 5] = d0, d1, d2
        jac = (jac * sw[..., None, None]).reshape(len(t), -1, 6)
        jtj = np.einsum("bki,bkj->bij", jac, jac) + 1e-6 * np.eye(6)
        jtr = np.einsum("bki,bk->bi", jac, res)
        step = np.zeros((len(t), 6))
        step[use_k] = -np.linalg.solve(jtj[use_k], jtr[use_k][..., None])[..., 0]
        rot = _rodrigues(step[:, :3]) @ rot
        t = t + step[:, 3:]
    p = np.einsum("fij,kj->fki", rot, model) + t[:, None, :]
    proj = f * p[..., :2] / np.maximum(p[..., 2:3], 1e-3) + c
    err2 = np.sum((proj - obs_k) ** 2, axis=-1)
    cost = np.sum(wk * err2, axis=1) / np.maximum(wk.sum(axis=1), 1e-9)
    cost = np.where(use_k & (t[:, 2] > 0), cost, np.inf).reshape(k, n)
    pick = np.argmin(cost, axis=0)
    best_cost = cost[pick, np.arange(n)]
    best_r = rot.reshape(k, n, 3, 3)[pick, np.arange(n)]
    best_t = t.reshape(k, n, 3)[pick, np.arange(n)]
    ok = np.isfinite(best_cost)
    best_r[~ok] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ear_px = f * _EAR_DISTANCE_M / best_t[:, 2]
        to_camera = -best_t / np.linalg.norm(best_t, axis=-1, keepdims=True)
        away = np.degrees(np.arccos(np.clip(np.sum(best_r[..., 0] * to_camera, -1), -1, 1)))
    return HeadPose(
        best_r,
        np.where(ok, np.sqrt(best_cost), np.nan),
        np.where(ok, ear_px, np.nan),
        np.where(ok, away, np.nan),
    )


def thorax_axes(
    world_xyz: np.ndarray,
    up_world: np.ndarray | None = None,
    *,
    smooth_frames: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thorax (anterior, superior, right) axes per frame from the shoulders, in camera-
    aligned world axes: right along the shoulder line, superior the vertical ``up_world``
    (default the camera's up, ``(0, -1, 0)``) made perpendicular to it, anterior =
    superior x right. ``smooth_frames`` > 1 takes a running median of the shoulder line
    over that many frames first (the shoulders turn slowly; MediaPipe's depth of them
    jitters). Each (frames, 3); NaN where a shoulder is missing."""
    w = np.asarray(world_xyz, np.float64)
    line = normalize(w[:, LANDMARK_INDEX["right_shoulder"]] - w[:, LANDMARK_INDEX["left_shoulder"]])
    if smooth_frames > 1 and line.shape[0] > 1:
        line = _running_median(line, smooth_frames)
    right = normalize(line)
    up = np.array([0.0, -1.0, 0.0]) if up_world is None else np.asarray(up_world, np.float64)
    sup = normalize(up - np.sum(up * right, axis=-1)[:, None] * right)
    ant = np.cross(sup, right)
    return ant, sup, right


def _running_median(x: np.ndarray, k: int) -> np.ndarray:
    """Running median over ``k`` frames along axis 0, ignoring NaN (NaN rows stay NaN)."""
    k = k | 1  # odd: centred
    half = k // 2
    pad = np.pad(x, ((half, half),) + ((0, 0),) * (x.ndim - 1), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(pad, k, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
        out = np.nanmedian(windows, axis=-1)
    return np.where(np.isfinite(x), out, np.nan)


def head_angles(
    pose: HeadPose,
    thorax: tuple[np.ndarray, np.ndarray, np.ndarray],
    neutral: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cervical rotation, lateral flexion and flexion (degrees) relative to the thorax.

    Parameters
    ----------
    pose : HeadPose
        From :func:`fit_head_pose`.
    thorax : (anterior, superior, right), each (frames, 3)
        From :func:`thorax_axes`.
    neutral : ndarray of bool, shape (frames,), optional
        Frames of the client's neutral posture: their mean head-in-thorax orientation is
        the zero. ``None`` (or no usable frame): the face model's own zero (facing along
        the thorax's anterior axis, nose-to-ear line level).

    Returns
    -------
    dict
        ``rotation``, ``lateral_flexion``, ``flexion``: (frames,) arrays, NaN where the
        head or the thorax is unknown (see the module docstring for signs).
    """
    ant, sup, right = thorax
    t = np.stack([ant, sup, right], axis=-1)  # thorax -> camera (columns)
    q = np.einsum("fji,fjk->fik", t, pose.rotation)  # head axes in thorax coordinates
    q0 = np.eye(3)
    if neutral is not None:
        good = np.asarray(neutral, bool) & np.isfinite(q).all(axis=(1, 2))
        if good.any():
            u, _, vt = np.linalg.svd(q[good].mean(axis=0))  # chordal mean of rotations
            q0 = u @ vt
    e = np.einsum("fij,kj->fik", q, q0)  # Q Q0^T, in thorax coordinates (a, s, r)
    fwd, head_right = e[..., 0], e[..., 2]
    rotation = np.degrees(np.arctan2(fwd[:, 2], fwd[:, 0]))
    flexion = np.degrees(np.arcsin(np.clip(-fwd[:, 1], -1.0, 1.0)))
    sup = np.array([0.0, 1.0, 0.0])
    r0 = normalize(np.cross(fwd, sup))  # the head's right axis had it not tilted sideways
    u0 = np.cross(r0, fwd)
    lateral = np.degrees(np.arctan2(-np.sum(head_right * u0, -1), np.sum(head_right * r0, -1)))
    return {"rotation": rotation, "lateral_flexion": lateral, "flexion": flexion}
