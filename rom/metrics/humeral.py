"""Which plane a limb was raised in: the ISB description of humeral (and femoral) motion.

The shoulder's catalogue angles (flexion, abduction) are projections of the upper arm on
one anatomical plane. Projections cannot tell an arm raised forwards from one raised
sideways once it is high (both read near 180), and a projection past overhead reads more
than 180. The International Society of Biomechanics describes the humerus relative to
the thorax instead by three angles in a Y-X-Y sequence (Wu et al. 2005, "ISB
recommendation on definitions of joint coordinate systems of various joints for the
reporting of human joint motion - Part II: shoulder, elbow, wrist and hand", J Biomech
38:981-992, section 3.4):

plane of elevation
    the vertical plane the arm is raised in, about the thorax's long axis: 0 = the
    frontal plane (abduction), +90 = the sagittal plane in front (flexion), -90 = the
    sagittal plane behind (extension); in (-180, 180].
elevation
    the angle between the upper arm and the thorax's long axis pointing down, 0 (arm
    hanging) to 180 (arm straight up). ISB writes it negative; it is positive here, as
    clinicians read it.
axial rotation
    rotation of the humerus about its own axis, read from the forearm (the ISB's
    alternative humerus frame built with the forearm, for a bent elbow): 0 = forearm
    pointing forwards in the plane of elevation's zero, **external rotation positive**
    (ISB: internal positive; the sign is flipped to match the catalogue's
    ``shoulder_external_rotation``).

Sides follow ISB's right-side frame; the left side is mirrored (its "outwards" is the
body's left), so both sides read +90 for flexion and 0 for abduction.

The thorax frame is the catalogue's upper-trunk frame (:mod:`rom.metrics.bodyframe`:
superior from mid-hip to mid-shoulder, right from the shoulder line; ISB builds it from
C7, T8, IJ and PX, which video does not show). The same description of the thigh in the
pelvis frame (:func:`rom.metrics.bodyframe.compute_pelvis_frame`: the hip line, not the
trunk above it) tells hip flexion from hip abduction (:func:`compute_femoral_angles`).

The plane of elevation is undefined while the limb hangs (elevation near 0) and
straight up (near 180): it is NaN below ``min_elevation_deg`` and above
``180 - min_elevation_deg``. The axial rotation is NaN unless the elbow is bent at least
``min_elbow_flexion_deg`` and the plane is defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX
from rom.metrics.bodyframe import BodyFrame, compute_pelvis_frame, compute_upper_trunk_frame
from rom.metrics.geometry import angle_between_deg, normalize, wrap_deg
from rom.sequence import PoseSequence

__all__ = [
    "PLANES",
    "Excursion",
    "LimbElevation",
    "circular_median_deg",
    "compute_femoral_angles",
    "compute_humeral_angles",
    "elevation_angles",
    "excursions",
    "name_plane",
    "restrict_to_movement",
]

#: Nominal plane of elevation (degrees) of each named movement, and the half-width of the
#: band around it where a raise counts as that movement. Between abduction (0) and
#: flexion (90) lies the scapular plane (about 30-40 deg), which is neither.
PLANES: dict[str, tuple[float, float]] = {
    "abduction": (0.0, 35.0),
    "flexion": (90.0, 35.0),
    "extension": (-90.0, 35.0),
}


@dataclass(frozen=True)
class LimbElevation:
    """ISB description of one limb over time (degrees; shape (frames,), NaN = undefined).

    Attributes
    ----------
    side : str
        ``left`` or ``right`` (the client's own).
    plane_of_elevation_deg : ndarray
        0 = frontal plane (abduction), +90 = forwards (flexion), -90 = backwards.
    elevation_deg : ndarray
        0 = hanging along the trunk, 180 = straight up.
    axial_rotation_deg : ndarray
        External rotation positive (humerus only; NaN for the thigh).
    """

    side: str
    plane_of_elevation_deg: np.ndarray
    elevation_deg: np.ndarray
    axial_rotation_deg: np.ndarray


def name_plane(plane_of_elevation_deg: float) -> str:
    """The movement a plane of elevation corresponds to, in words.

    Examples
    --------
    >>> name_plane(8.0), name_plane(85.0), name_plane(45.0), name_plane(-95.0)
    ('abduction', 'flexion', 'scapular plane', 'extension')
    """
    p = float(plane_of_elevation_deg)
    if not np.isfinite(p):
        return "unknown"
    for name, (nominal, half) in PLANES.items():
        if abs((p - nominal + 180.0) % 360.0 - 180.0) <= half:
            return name
    if 0.0 < p < 90.0:
        return "scapular plane"
    if -90.0 < p < 0.0:
        return "behind the frontal plane"
    return "across the body"


def elevation_angles(
    segment: np.ndarray,
    frame: BodyFrame,
    side: str,
    *,
    forearm: np.ndarray | None = None,
    min_elevation_deg: float = 20.0,
    min_elbow_flexion_deg: float = 30.0,
) -> LimbElevation:
    """Plane of elevation, elevation and axial rotation of a limb segment in a body frame.

    Parameters
    ----------
    segment : ndarray, shape (frames, 3)
        Proximal to distal joint (shoulder to elbow, hip to knee), world coordinates.
    frame : BodyFrame
        The proximal body frame (thorax for the arm, trunk for the thigh).
    side : {"left", "right"}
        The client's side; the left side is mirrored onto ISB's right-side convention.
    forearm : ndarray, shape (frames, 3), optional
        Elbow to wrist, for the axial rotation (NaN without it).
    min_elevation_deg : float
        The plane (and the rotation) is NaN within this many degrees of hanging or
        straight up, where it is undefined.
    min_elbow_flexion_deg : float
        The rotation is NaN with the elbow straighter than this.

    Returns
    -------
    LimbElevation

    Examples
    --------
    >>> from rom.metrics.bodyframe import BodyFrame
    >>> eye = np.eye(3)[None]   # anterior = x, superior = y, right = z
    >>> f = BodyFrame(np.zeros((1, 3)), eye[:, 0], eye[:, 1], eye[:, 2])
    >>> e = elevation_angles(np.array([[1.0, 0.0, 0.0]]), f, "right")   # straight forwards
    >>> float(e.plane_of_elevation_deg[0]), float(e.elevation_deg[0])
    (90.0, 90.0)
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    seg = np.asarray(segment, dtype=np.float64)
    if seg.ndim != 2 or seg.shape[1] != 3:
        raise ValueError(f"segment must have shape (frames, 3), got {seg.shape}")
    out = -1.0 if side == "left" else 1.0
    d = normalize(frame.to_local(seg))  # (anterior, superior, right) components
    d[:, 2] *= out  # right-side convention: +lateral
    with np.errstate(invalid="ignore"):
        elevation = np.degrees(np.arccos(np.clip(-d[:, 1], -1.0, 1.0)))
        plane = np.degrees(np.arctan2(d[:, 0], d[:, 2]))
        defined = (elevation >= min_elevation_deg) & (elevation <= 180.0 - min_elevation_deg)
    plane = np.where(defined, plane, np.nan)
    rotation = np.full(seg.shape[0], np.nan)
    if forearm is not None:
        f = frame.to_local(np.asarray(forearm, dtype=np.float64))
        f[:, 2] *= out
        pe = np.radians(plane)
        el = np.radians(elevation)
        # ISB Y-X-Y: after the plane (about Y) and elevation (about the new X), the
        # humerus frame's x axis is (cos pe, 0, -sin pe) and its z axis
        # (sin pe cos el, sin el, cos pe cos el) in (anterior, superior, lateral); here
        # elevation is positive (ISB's is negative), hence +sin el on the superior axis.
        x_h = np.stack([np.cos(pe), np.zeros_like(pe), -np.sin(pe)], axis=1)
        z_h = np.stack([np.sin(pe) * np.cos(el), np.sin(el), np.cos(pe) * np.cos(el)], axis=1)
        flexion = angle_between_deg(seg, forearm)
        with np.errstate(invalid="ignore"):
            # forearm forwards (x_h) = 0; swung laterally (+z_h) = external rotation
            rot = np.degrees(
                np.arctan2(np.einsum("ij,ij->i", f, z_h), np.einsum("ij,ij->i", f, x_h))
            )
            rotation = np.where(defined & (flexion >= min_elbow_flexion_deg), rot, np.nan)
    return LimbElevation(side, plane, elevation, rotation)


def _masked_world(seq: PoseSequence, min_visibility: float) -> np.ndarray:
    world = np.asarray(seq.world_xyz, dtype=np.float64).copy()
    if min_visibility > 0:
        world[~(np.asarray(seq.visibility, dtype=np.float64) >= min_visibility)] = np.nan
    return world


def compute_humeral_angles(
    seq: PoseSequence, *, min_visibility: float = 0.5, min_elevation_deg: float = 20.0
) -> dict[str, LimbElevation]:
    """ISB humerothoracic angles of both arms, keyed ``left`` / ``right``.

    Landmarks with a visibility below ``min_visibility`` are missing (as in
    :func:`rom.metrics.angles.compute_angles`).

    Examples
    --------
    >>> h = compute_humeral_angles(PoseSequence.empty(2, (640, 480)))
    >>> sorted(h), bool(np.isnan(h["left"].elevation_deg).all())
    (['left', 'right'], True)
    """
    w = _masked_world(seq, min_visibility)
    thorax = compute_upper_trunk_frame(w)
    out = {}
    for side in ("left", "right"):
        sh, el, wr = (w[:, LANDMARK_INDEX[f"{side}_{j}"]] for j in ("shoulder", "elbow", "wrist"))
        out[side] = elevation_angles(
            el - sh, thorax, side, forearm=wr - el, min_elevation_deg=min_elevation_deg
        )
    return out


def compute_femoral_angles(
    seq: PoseSequence, *, min_visibility: float = 0.5, min_elevation_deg: float = 20.0
) -> dict[str, LimbElevation]:
    """The same description for the thigh in the pelvis frame (plane of elevation 0 = hip
    abduction, +90 = hip flexion); no axial rotation (NaN).

    The frame is the pelvis' (:func:`rom.metrics.bodyframe.compute_pelvis_frame`), as for
    the catalogue's hip abduction: a leg raised sideways by a client leaning the other
    way is still raised in the frontal plane (in the trunk's frame it pointed across the
    body, plane of elevation -176 deg, on a lab clip)."""
    w = _masked_world(seq, min_visibility)
    pelvis = compute_pelvis_frame(w)
    out = {}
    for side in ("left", "right"):
        hip, knee = (w[:, LANDMARK_INDEX[f"{side}_{j}"]] for j in ("hip", "knee"))
        out[side] = elevation_angles(knee - hip, pelvis, side, min_elevation_deg=min_elevation_deg)
    return out


@dataclass(frozen=True)
class Excursion:
    """One raise of a limb: frames ``start:stop`` with the limb off its resting position.

    ``plane_of_elevation_deg`` is the median plane over the frames where the elevation is
    between 45 and 135 degrees (where the plane is well defined), else over every frame
    where it is defined; NaN when never. ``movement`` names it (:func:`name_plane`).
    """

    start: int
    stop: int
    peak_deg: float
    peak_time_s: float
    plane_of_elevation_deg: float
    movement: str


def excursions(
    elevation_deg: np.ndarray,
    plane_of_elevation_deg: np.ndarray,
    time_s: np.ndarray,
    *,
    min_elevation_deg: float = 20.0,
    max_plane_spread_deg: float = 25.0,
) -> list[Excursion]:
    """Split a limb's motion into raises (runs of elevation >= ``min_elevation_deg``), each
    with the plane it was raised in.

    The plane is judged on the way up and down, not at the top: straight overhead the
    plane is undefined and every raise looks alike. It is the circular median of the
    raise's planes (:func:`circular_median_deg`); when their median absolute deviation
    from it exceeds ``max_plane_spread_deg`` (less than a named band's half-width, 35),
    the plane was not measured, only noise (a limb raised little, its depth poorly
    seen), and the raise's movement is ``unknown``: no plane verdict is drawn from it.

    Parameters
    ----------
    elevation_deg, plane_of_elevation_deg, time_s : ndarray, shape (frames,)
        Elevation and plane of elevation (degrees, :class:`LimbElevation`) and times.

    Returns
    -------
    list of Excursion

    Examples
    --------
    >>> e = np.r_[np.zeros(5), np.linspace(0, 170, 10), np.linspace(170, 0, 10)]
    >>> p = np.where((e > 20) & (e < 160), 88.0, np.nan)
    >>> [(x.movement, round(x.peak_deg)) for x in excursions(e, p, np.arange(25) / 10)]
    [('flexion', 170)]
    """
    e = np.asarray(elevation_deg, dtype=float)
    p = np.asarray(plane_of_elevation_deg, dtype=float)
    t = np.asarray(time_s, dtype=float)
    with np.errstate(invalid="ignore"):
        up = e >= min_elevation_deg
    edges = np.diff(np.r_[0, up.astype(np.int8), 0])
    out = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        seg_e, seg_p = e[a:b], p[a:b]
        with np.errstate(invalid="ignore"):
            mid = np.isfinite(seg_p) & (seg_e >= 45.0) & (seg_e <= 135.0)
        pick = seg_p[mid] if mid.any() else seg_p[np.isfinite(seg_p)]
        plane = circular_median_deg(pick)
        # a plane that wanders over the raise was not measured (the depth of a leg raised
        # 30 deg, seen from the front, swung its plane from -9 to 136 deg): unknown
        spread = float(np.median(np.abs(wrap_deg(pick - plane)))) if pick.size else np.nan
        named = name_plane(plane) if spread <= max_plane_spread_deg else "unknown"
        i = int(np.nanargmax(seg_e))
        out.append(Excursion(int(a), int(b), float(seg_e[i]), float(t[a + i]), plane, named))
    return out


def circular_median_deg(angles_deg: np.ndarray) -> float:
    """Median of angles (degrees) on the circle, in (-180, 180]; NaN for none.

    A plain median of planes either side of +/-180 (a leg pointing across the body reads
    179 in one frame, -179 in the next) would be 0, the opposite direction: the angles are
    first turned about their circular mean (the direction of their mean unit vector),
    wrapped to (-180, 180] around it, their median taken and turned back.

    Examples
    --------
    >>> circular_median_deg(np.array([179.0, -179.0, -178.0]))
    -179.0
    >>> circular_median_deg(np.array([10.0, 20.0, 90.0]))
    20.0
    """
    a = np.asarray(angles_deg, dtype=float)
    a = a[np.isfinite(a)]
    if not a.size:
        return float("nan")
    r = np.radians(a)
    centre = float(np.degrees(np.arctan2(np.sin(r).mean(), np.cos(r).mean())))
    around = (a - centre + 180.0) % 360.0 - 180.0
    out = (centre + float(np.median(around)) + 180.0) % 360.0 - 180.0
    return 180.0 if out == -180.0 else float(out)


def restrict_to_movement(
    elevation_deg: np.ndarray, raises: list[Excursion], movement: str
) -> np.ndarray:
    """The elevation with every raise in another plane removed (NaN), for a movement named
    in :data:`PLANES`: e.g. flexion is the elevation of the raises made forwards. Frames
    at rest stay; a raise whose plane is unknown stays.

    Examples
    --------
    >>> e = np.r_[np.zeros(3), np.full(3, 90.0), np.zeros(3)]
    >>> r = [Excursion(3, 6, 90.0, 0.4, 5.0, "abduction")]
    >>> restrict_to_movement(e, r, "flexion").tolist()[2:7]
    [0.0, nan, nan, nan, 0.0]
    """
    if movement not in PLANES:
        raise ValueError(f"movement must be one of {', '.join(PLANES)}, got {movement!r}")
    out = np.asarray(elevation_deg, dtype=float).copy()
    for x in raises:
        if x.movement not in (movement, "unknown"):
            out[x.start : x.stop] = np.nan
    return out
