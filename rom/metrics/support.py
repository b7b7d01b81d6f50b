"""What the camera view supports, frame by frame: which estimate of an angle can be
trusted, and whether the body parts it needs were inside the image.

Two per-frame facts about every catalogue angle, from one :class:`~rom.sequence.PoseSequence`:

obliqueness (degrees)
    The angle between the plane the angle is measured in and the image plane: 0 = the
    plane square to the camera (what a 2D estimate needs), 90 = seen edge-on (the
    movement goes towards or away from the camera and only depth shows it). The plane is
    the anatomical one for planar angles (sagittal: normal = the body's right axis;
    frontal: normal = anterior; transverse angles, read from the front, use the frontal
    normal) and the plane the segments actually span for the others (elevation: trunk
    axis and upper arm; elbow and knee: the two segments, or, with the joint nearly
    straight, the limb's own angle out of the image plane; trunk inclination: the
    vertical and the trunk). MediaPipe's world landmarks are aligned with the camera, so
    the line of sight is the world z axis. NaN where the plane is undefined (a limb
    hanging straight, a trunk upright): any estimate is then accepted. A view does not
    change from one frame to the next, while MediaPipe's depth jitters: the obliqueness
    is the running median over ``smooth_s`` (0.5 s).
seen
    False when a landmark the angle needs lies outside the image or within
    ``edge_margin`` of its border (MediaPipe still guesses it there, with a high
    visibility score, from the body around it).

A 2D estimate is valid where the obliqueness is at most :data:`MAX_2D_OBLIQUENESS_DEG`
(30: the limit ``check_view`` already warns at; at 30 deg the synthetic skeleton's 2D
abduction 45 reads 40.5), a 3D estimate where it is at most
:data:`MAX_3D_OBLIQUENESS_DEG` (60: beyond, the movement is mostly along the line of
sight, where MediaPipe's depth is coarsest). An angle that has no 2D estimate at all
(3D only) is accepted in 3D in every view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX
from rom.metrics import catalogue
from rom.metrics.bodyframe import (
    BodyFrame,
    compute_level_frame,
    compute_trunk_frame,
    compute_upper_trunk_frame,
)
from rom.metrics.geometry import angle_between_deg, midpoint, norm, normalize
from rom.metrics.series import AngleSeries
from rom.sequence import PoseSequence

__all__ = [
    "MAX_2D_OBLIQUENESS_DEG",
    "MAX_3D_OBLIQUENESS_DEG",
    "AngleSupport",
    "compute_support",
    "estimate_valid",
    "supported_values",
    "view_support_markdown",
]

MAX_2D_OBLIQUENESS_DEG = 30.0
MAX_3D_OBLIQUENESS_DEG = 60.0
#: Fraction of the image's smaller side counted as its edge.
EDGE_MARGIN_FRACTION = 0.01

_LINE_OF_SIGHT = np.array([0.0, 0.0, 1.0])
#: Below this joint angle (degrees) a limb counts as straight (no plane between segments).
_STRAIGHT_DEG = 20.0


@dataclass(frozen=True)
class AngleSupport:
    """Per-frame support of one catalogue angle (both its 2D and 3D columns).

    Attributes
    ----------
    key : str
        Catalogue key, e.g. ``shoulder_abduction_left``.
    obliqueness_deg : ndarray, shape (frames,)
        Plane of the angle against the image plane, degrees (NaN = undefined).
    seen : ndarray of bool, shape (frames,)
        Every landmark the angle needs is inside the image (or missing altogether).
    visibility : ndarray, shape (frames,)
        The lowest visibility of those landmarks (NaN where none was found).
    landmarks : tuple of str
        The landmarks the angle needs (catalogue ``landmarks``).
    outside : ndarray of bool, shape (frames, len(landmarks))
        Which of them lies outside the image (or at its edge), frame by frame.
    """

    key: str
    obliqueness_deg: np.ndarray
    seen: np.ndarray
    visibility: np.ndarray
    landmarks: tuple[str, ...] = ()
    outside: np.ndarray | None = None

    def outside_at(self, frame: int) -> list[str]:
        """Names of the landmarks outside the image (or at its edge) in one frame."""
        if self.outside is None:
            return []
        return [n for n, o in zip(self.landmarks, self.outside[frame]) if o]


def estimate_valid(key_or_column: str, estimate: str, obliqueness_deg: np.ndarray) -> np.ndarray:
    """Where (bool, same shape) ``estimate`` ("2d"/"3d") of an angle is supported by the view.

    Examples
    --------
    >>> estimate_valid("shoulder_flexion_left", "2d", np.array([10.0, 45.0, np.nan])).tolist()
    [True, False, True]
    """
    adef = catalogue.angle_def(
        key_or_column if key_or_column.endswith("_deg") else key_or_column + "_deg"
    )
    ob = np.asarray(obliqueness_deg, dtype=float)
    if estimate == "2d":
        if not adef.views:
            return np.zeros(ob.shape, dtype=bool)
        limit = MAX_2D_OBLIQUENESS_DEG
    elif estimate == "3d":
        if not adef.has_3d:
            return np.zeros(ob.shape, dtype=bool)
        if not adef.views:
            return np.ones(ob.shape, dtype=bool)
        limit = MAX_3D_OBLIQUENESS_DEG
    else:
        raise ValueError(f"estimate must be '2d' or '3d', got {estimate!r}")
    with np.errstate(invalid="ignore"):
        return ~(ob > limit)


def _tilt_from_sight_deg(normal: np.ndarray) -> np.ndarray:
    """Angle (degrees) between a plane with this normal and the image plane."""
    with np.errstate(invalid="ignore"):
        c = np.abs(normalize(normal) @ _LINE_OF_SIGHT)
        return np.degrees(np.arccos(np.clip(c, 0.0, 1.0)))


def _out_of_image_plane_deg(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        s = np.abs(normalize(v) @ _LINE_OF_SIGHT)
        return np.degrees(np.arcsin(np.clip(s, 0.0, 1.0)))


def _frame_for(name: str, frames: dict[str, BodyFrame]) -> BodyFrame:
    if name.startswith(("hip_", "pelvic_", "trunk_rotation")):
        return frames["trunk"]
    if name.startswith(("trunk_flexion", "trunk_lateral", "head_tilt")):
        return frames["level"]
    return frames["upper"]


def _obliqueness(
    adef: catalogue.AngleDef, w: np.ndarray, frames: dict[str, BodyFrame]
) -> np.ndarray:
    def p(name: str) -> np.ndarray:
        name = name.replace("{side}", adef.side or "")
        if name.startswith("mid_"):
            part = name[4:]
            return midpoint(
                w[:, LANDMARK_INDEX["left_" + part]], w[:, LANDMARK_INDEX["right_" + part]]
            )
        return w[:, LANDMARK_INDEX[name]]

    frame = _frame_for(adef.name, frames)
    if adef.plane == "sagittal":
        return _tilt_from_sight_deg(frame.right)
    if adef.plane in ("frontal", "transverse"):
        if adef.views == ("front",):  # read from the face: a back view will not do
            with np.errstate(invalid="ignore"):
                c = -(normalize(frame.anterior) @ _LINE_OF_SIGHT)
                return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))
        return _tilt_from_sight_deg(frame.anterior)
    # plane "3d": the plane the segments span
    if adef.name in ("elbow_flexion", "knee_flexion"):
        a, b, c = (
            ("{side}_shoulder", "{side}_elbow", "{side}_wrist")
            if adef.name == "elbow_flexion"
            else ("{side}_hip", "{side}_knee", "{side}_ankle")
        )
        u, f = p(b) - p(a), p(c) - p(b)
        bent = angle_between_deg(u, f)
        with np.errstate(invalid="ignore"):
            return np.where(
                bent >= _STRAIGHT_DEG,
                _tilt_from_sight_deg(np.cross(u, f)),
                _out_of_image_plane_deg(u + f),
            )
    if adef.name == "shoulder_elevation":
        arm = p("{side}_elbow") - p("{side}_shoulder")
        axis = frame.superior
    else:  # trunk_inclination: the vertical and the trunk
        arm = p("mid_shoulder") - p("mid_hip")
        axis = frames["level"].superior
    n = np.cross(axis, arm)
    with np.errstate(invalid="ignore"):
        spanned = norm(n) >= np.sin(np.radians(_STRAIGHT_DEG)) * norm(arm)
    return np.where(spanned, _tilt_from_sight_deg(n), np.nan)


def _running_median(x: np.ndarray, time_s: np.ndarray, window_s: float) -> np.ndarray:
    """NaN-aware centred running median over ``window_s`` seconds (NaN stays NaN)."""
    n = x.size
    if n < 3 or window_s <= 0:
        return x
    dt = float(np.median(np.diff(time_s)))
    half = max(1, round(window_s / dt / 2))
    padded = np.concatenate((np.full(half, np.nan), x, np.full(half, np.nan)))
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    out = np.full(n, np.nan)
    has = np.isfinite(x)
    if has.any():
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[has] = np.nanmedian(win[has], axis=1)
    return out


def compute_support(
    seq: PoseSequence,
    *,
    min_visibility: float = 0.5,
    edge_margin_fraction: float = EDGE_MARGIN_FRACTION,
    smooth_s: float = 0.5,
) -> dict[str, AngleSupport]:
    """Per-frame support of every catalogue angle, keyed by catalogue key.

    Parameters
    ----------
    seq : PoseSequence
        The tracked person.
    min_visibility : float
        Landmarks below this visibility are missing (as in ``compute_angles``).
    edge_margin_fraction : float
        A landmark within this fraction of the image's smaller side from its border
        counts as outside the image.
    smooth_s : float
        Width (seconds) of the running median applied to the obliqueness.

    Returns
    -------
    dict of str to AngleSupport

    Examples
    --------
    >>> s = compute_support(PoseSequence.empty(2, (640, 480)))
    >>> s["shoulder_abduction_left"].seen.tolist()
    [True, True]
    """
    if not isinstance(seq, PoseSequence):
        raise TypeError(f"compute_support needs a PoseSequence, got {type(seq).__name__}")
    vis = np.asarray(seq.visibility, dtype=np.float64)
    world = np.asarray(seq.world_xyz, dtype=np.float64).copy()
    if min_visibility > 0:
        world[~(vis >= min_visibility)] = np.nan
    frames = {
        "upper": compute_upper_trunk_frame(world),
        "trunk": compute_trunk_frame(world),
        "level": compute_level_frame(world),
    }
    t = np.asarray(seq.time_s, dtype=float)
    w_px, h_px = seq.image_size_px
    margin = edge_margin_fraction * min(w_px, h_px)
    xy = np.asarray(seq.image_xyz[..., :2], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        outside = (
            (xy[..., 0] < margin)
            | (xy[..., 0] > w_px - 1 - margin)
            | (xy[..., 1] < margin)
            | (xy[..., 1] > h_px - 1 - margin)
        )  # NaN compares False: a missing landmark is not "outside"
    out = {}
    for key, adef in catalogue.ANGLES.items():
        idx = [LANDMARK_INDEX[n] for n in adef.landmarks]
        with np.errstate(invalid="ignore"):
            lowest = np.where(np.isfinite(vis[:, idx]), vis[:, idx], np.inf).min(axis=1)
        out[key] = AngleSupport(
            key=key,
            obliqueness_deg=_running_median(_obliqueness(adef, world, frames), t, smooth_s),
            seen=np.asarray(~outside[:, idx].any(axis=1), dtype=bool),
            visibility=np.where(np.isfinite(lowest), lowest, np.nan),
            landmarks=tuple(adef.landmarks),
            outside=outside[:, idx],
        )
    return out


def supported_values(
    angles: AngleSeries, support: Mapping[str, AngleSupport], *, require_seen: bool = True
) -> AngleSeries:
    """``angles`` with NaN wherever the view does not support the column's estimate (see
    :func:`estimate_valid`) and, with ``require_seen``, wherever a landmark it needs lies
    outside the image: the values a peak may be taken from. Columns not in the catalogue
    pass unchanged.

    Examples
    --------
    >>> from rom.metrics.angles import compute_angles
    >>> seq = PoseSequence.empty(2, (640, 480))
    >>> a = compute_angles(seq)
    >>> supported_values(a, compute_support(seq)).names == a.names
    True
    """
    x = np.asarray(angles.values_deg, dtype=float).copy()
    for j, col in enumerate(angles.names):
        try:
            adef = catalogue.angle_def(col)
        except KeyError:
            continue
        sup = support[adef.key]
        ok = estimate_valid(
            adef.key, "3d" if col.endswith("_3d_deg") else "2d", sup.obliqueness_deg
        )
        if require_seen:
            ok &= sup.seen
        x[~ok, j] = np.nan
    return angles.with_values(x)


def view_support_markdown() -> str:
    """Which ``angles.csv`` columns each camera view supports, as a Markdown table.

    Examples
    --------
    >>> view_support_markdown().splitlines()[0].startswith("| View |")
    True
    """
    groups = {
        "front or back": ("front", "back"),
        "side": ("side",),
    }
    rows = ["| View | 2D columns valid (camera square to their plane) |", "| --- | --- |"]
    for label, views in groups.items():
        cols = [
            f"`{a.column_2d}`"
            for a in catalogue.ANGLES.values()
            if a.views and ("any" in a.views or any(v in a.views for v in views))
        ]
        rows.append(f"| {label} | {', '.join(cols)} |")
    three = [f"`{a.column_3d}`" for a in catalogue.ANGLES.values() if a.has_3d and a.views]
    only3 = [f"`{a.column_3d}`" for a in catalogue.ANGLES.values() if a.has_3d and not a.views]
    rows.append(
        "| any view, 3D | "
        + ", ".join(three)
        + " while the angle's plane is within "
        + f"{MAX_3D_OBLIQUENESS_DEG:.0f} deg of square to the camera; "
        + ", ".join(only3)
        + " (3D only) in every view |"
    )
    return "\n".join(rows) + "\n"
