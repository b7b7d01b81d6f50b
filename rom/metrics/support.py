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
    hanging straight, a trunk upright): any estimate is then accepted. A planar angle's
    obliqueness is the larger of the body frame's and the one the pelvis' heading
    implies (:func:`rom.metrics.view.plane_obliqueness_deg`): one view for every
    decision, the worse where MediaPipe's depth makes them disagree.

    A view does not change from one frame to the next unless the person turns, while
    MediaPipe's depth jitters (most at the top of a raise). So the obliqueness of a
    planar angle (sagittal, frontal, transverse: its plane is the body frame's) follows
    the *sustained* orientation of the body (:func:`sustained_deg`): an excursion shorter
    than ``view_hold_s`` (0.75 s) is dropped, a turn that lasts longer is kept, from the
    frame it starts (so a client who turns side-on part way is judged side-on from
    then). The plane of a ``3d`` angle (the plane its segments span) really moves with
    the limb; it is smoothed over ``smooth_s`` (0.5 s) only.
seen
    False when a landmark the angle needs lies outside the image or within
    ``edge_margin_fraction`` (2 %) of the image's smaller side from its border: MediaPipe
    still guesses it there, with a high visibility score, from the body around it. For
    the shoulder and hip angles the limb's distal joint (wrist, ankle) counts too: with
    the forearm out of the image, the elbow near the edge is misplaced (seen on a clip
    cropped at the top: 167 deg of abduction where the whole frame read 153).

A face-based estimate (``*_face_deg``, the cervical angles) is computed only where the
face is seen well enough (:mod:`rom.metrics.headpose`: turned less than 80 deg from the
camera), and it sets the head against a thorax built from the shoulders' 3D (world)
landmarks: a thorax seen side-on has its shoulder line along the line of sight, where
only MediaPipe's coarse depth places it. So the view must support it too: it is valid
where the thorax faces the camera within :data:`MAX_FACE_FACING_DEG` (60, the limit of a
3D estimate), the *facing* angle (``AngleSupport.facing_deg``: 0 facing the camera, 90
side-on, 180 back to it) being sustained like a planar angle's obliqueness. Seen on the
sample clip: a cervical rotation of 22.5 deg read from the face at 4.43 s, the client
side-on (80 deg), was the clip's peak.

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
from scipy.ndimage import maximum_filter1d

from rom.landmarks import LANDMARK_INDEX
from rom.metrics import catalogue
from rom.metrics.bodyframe import (
    BodyFrame,
    compute_level_frame,
    compute_trunk_frame,
    compute_upper_trunk_frame,
)
from rom.metrics.filtering import sampling_rate_hz
from rom.metrics.geometry import angle_between_deg, midpoint, norm, normalize
from rom.metrics.series import AngleSeries
from rom.metrics.view import body_yaw_deg, plane_obliqueness_deg
from rom.sequence import PoseSequence

__all__ = [
    "FACE_FIRST",
    "MAX_2D_OBLIQUENESS_DEG",
    "MAX_3D_OBLIQUENESS_DEG",
    "MAX_FACE_FACING_DEG",
    "AngleSupport",
    "best_values",
    "column_estimate",
    "compute_support",
    "estimate_order",
    "estimate_valid",
    "supported_values",
    "sustained_deg",
    "view_support_markdown",
]

MAX_2D_OBLIQUENESS_DEG = 30.0
MAX_3D_OBLIQUENESS_DEG = 60.0
#: A face-based estimate needs the thorax within this many degrees of facing the camera.
MAX_FACE_FACING_DEG = MAX_3D_OBLIQUENESS_DEG
#: Fraction of the image's smaller side counted as its edge.
EDGE_MARGIN_FRACTION = 0.02

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
        The landmarks that must be inside the image (catalogue ``landmarks``, plus the
        wrist or ankle for shoulder and hip angles).
    outside : ndarray of bool, shape (frames, len(landmarks))
        Which of them lies outside the image (or at its edge), frame by frame.
    facing_deg : ndarray, shape (frames,), or None
        For an angle with a face-based estimate: the angle between the thorax's forwards
        and the direction to the camera, sustained (degrees; 0 facing the camera, 90
        side-on, 180 back to it; NaN = unknown).
    intact : ndarray of bool, shape (frames,), or None
        Every limb segment the angle uses (upper arm, forearm, thigh, shank) has a 3D
        length within :data:`SEGMENT_LENGTH_RANGE` of its median over the clip
        (:func:`segment_intact`); False where a bone shrank or stretched, i.e. a
        landmark was misplaced (hidden behind the body, taken for another). None: not
        checked.
    """

    key: str
    obliqueness_deg: np.ndarray
    seen: np.ndarray
    visibility: np.ndarray
    landmarks: tuple[str, ...] = ()
    outside: np.ndarray | None = None
    facing_deg: np.ndarray | None = None
    intact: np.ndarray | None = None

    def valid(self, estimate: str) -> np.ndarray:
        """Where (bool, shape (frames,)) the view supports ``estimate`` ("2d", "3d",
        "face") of this angle: :func:`estimate_valid` with this angle's obliqueness and
        facing, and its limb segments intact (a misplaced landmark supports no estimate)."""
        ok = estimate_valid(self.key, estimate, self.obliqueness_deg, facing_deg=self.facing_deg)
        if self.intact is not None and estimate != "face":
            ok = ok & self.intact
        return ok

    def outside_at(self, frame: int) -> list[str]:
        """Names of the landmarks outside the image (or at its edge) in one frame."""
        if self.outside is None:
            return []
        return [n for n, o in zip(self.landmarks, self.outside[frame]) if o]


#: Measures whose face-based estimate is preferred to the 2D and 3D ones wherever it exists:
#: cervical rotation (the 2D model needs the shoulders square to the camera, the 3D one the
#: hips in frame; the face-based one neither, and is zeroed on the client's neutral).
FACE_FIRST = ("neck_rotation",)


def estimate_order(key: str) -> tuple[str, ...]:
    """The estimates of a catalogue angle, best first, where the view supports them.

    * a planar angle (sagittal, frontal, transverse): 2D, then 3D. On the four-view lab
      reference (``benchmarks/accuracy.py``) the two tie where 2D is supported (frontal
      angles within 30 deg of square: mean absolute error 7.5 and 7.8 deg, full model;
      7.5 and 7.2, heavy), and a 2D reading from a square camera is the method clinicians
      know;
    * an angle between segments (plane ``3d``: elevation, elbow and knee flexion, trunk
      inclination): 3D, then 2D. Its 2D value holds only while the segments lie in the
      image plane; on the lab reference rom's 3D beats it where 2D is supported (10.7
      against 12.9 deg, full; 10.6 against 11.7, heavy);
    * cervical rotation (:data:`FACE_FIRST`): face-based first (it needs neither square
      shoulders, as the 2D model does, nor the hips, as the 3D one does); the other
      cervical angles: face-based last.

    Examples
    --------
    >>> estimate_order("elbow_flexion_left"), estimate_order("neck_rotation")
    (('3d', '2d', 'face'), ('face', '2d', '3d'))
    """
    adef = catalogue.ANGLES[key]
    both = ("3d", "2d") if adef.plane == "3d" else ("2d", "3d")
    return ("face", *both) if adef.name in FACE_FIRST else (*both, "face")


def column_estimate(column: str) -> str:
    """The estimate a column holds: ``"2d"``, ``"3d"`` or ``"face"``.

    Examples
    --------
    >>> column_estimate("neck_rotation_face_deg"), column_estimate("elbow_flexion_left_deg")
    ('face', '2d')
    """
    if column.endswith("_3d_deg"):
        return "3d"
    if column.endswith("_face_deg"):
        return "face"
    return "2d"


def estimate_valid(
    key_or_column: str,
    estimate: str,
    obliqueness_deg: np.ndarray,
    *,
    facing_deg: np.ndarray | None = None,
) -> np.ndarray:
    """Where (bool, same shape as ``obliqueness_deg``) ``estimate`` ("2d"/"3d"/"face") of
    an angle is supported by the view: 2D and 3D by the obliqueness of the angle's plane
    (degrees), the face-based estimate by ``facing_deg`` (the thorax's angle from facing
    the camera, :attr:`AngleSupport.facing_deg`; without it, wherever the angle has one).
    NaN (undefined) is accepted. Raises ValueError for an unknown ``estimate``.

    Examples
    --------
    >>> estimate_valid("shoulder_flexion_left", "2d", np.array([10.0, 45.0, np.nan])).tolist()
    [True, False, True]
    >>> estimate_valid("neck_rotation", "face", np.zeros(2), facing_deg=np.array([5.0, 80.0])).tolist()
    [True, False]
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
    elif estimate == "face":
        if not adef.has_face:
            return np.zeros(ob.shape, dtype=bool)
        if facing_deg is None:
            return np.ones(ob.shape, dtype=bool)
        ob = np.broadcast_to(np.asarray(facing_deg, dtype=float), ob.shape)
        limit = MAX_FACE_FACING_DEG
    else:
        raise ValueError(f"estimate must be '2d', '3d' or 'face', got {estimate!r}")
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


def _facing_deg(frame: BodyFrame) -> np.ndarray:
    """Angle (degrees) between a body frame's forwards and the direction to the camera:
    0 facing it, 90 side-on, 180 back to it."""
    with np.errstate(invalid="ignore"):
        c = -(normalize(frame.anterior) @ _LINE_OF_SIGHT)
        return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


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
            return _facing_deg(frame)
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


def _running_median(
    x: np.ndarray, time_s: np.ndarray, window_s: float, *, fill: bool = False
) -> np.ndarray:
    """NaN-aware centred running median over ``window_s`` seconds (NaN stays NaN unless
    ``fill``: then a NaN frame takes the median of the values around it)."""
    n = x.size
    if n < 3 or window_s <= 0:
        return x
    steps = np.diff(time_s)
    steps = steps[np.isfinite(steps) & (steps > 0)]
    if not steps.size:
        return x
    dt = float(np.median(steps))
    half = max(1, round(window_s / dt / 2))
    padded = np.concatenate((np.full(half, np.nan), x, np.full(half, np.nan)))
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    out = np.full(n, np.nan)
    has = np.isfinite(x)
    if fill:
        has = np.isfinite(win).any(axis=1)
    if has.any():
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[has] = np.nanmedian(win[has], axis=1)
    return out


def sustained_deg(x: np.ndarray, time_s: np.ndarray, min_hold_s: float = 0.75) -> np.ndarray:
    """The sustained level of an orientation signal (degrees): what it holds for at least
    ``min_hold_s`` seconds, frame by frame.

    A centred running median over ``2 * min_hold_s``: an excursion (or a run of NaN-free
    jitter) shorter than ``min_hold_s`` is outvoted by the frames around it and dropped;
    a change that lasts longer (the person turned) is kept, with its start in the right
    frame, since a running median does not smear a step (Tukey 1977, *Exploratory Data
    Analysis*, ch. 7: running medians keep edges and remove impulses). Missing values
    (NaN) do not vote; a frame without a value takes the sustained level around it (NaN
    only with no value within ``min_hold_s``): the view does not change because a
    landmark was missed.

    Parameters
    ----------
    x : ndarray, shape (frames,)
        Per-frame values (degrees), e.g. the obliqueness of an anatomical plane.
    time_s : ndarray, shape (frames,)
        Frame times (seconds), increasing.
    min_hold_s : float
        Shortest change (seconds) accepted as real; 0 returns ``x`` unchanged.

    Returns
    -------
    ndarray, shape (frames,)

    Raises
    ------
    ValueError
        When ``x`` and ``time_s`` differ in shape, or ``min_hold_s`` is negative.

    Examples
    --------
    >>> t = np.arange(120) / 30.0                      # 4 s at 30 fps
    >>> x = np.full(120, 5.0); x[40:50] = 80.0         # a 0.33 s excursion
    >>> float(sustained_deg(x, t).max())
    5.0
    >>> x = np.full(120, 5.0); x[60:] = 80.0           # a turn that lasts
    >>> sustained_deg(x, t)[[59, 60]].tolist()
    [5.0, 80.0]
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(time_s, dtype=float)
    if x.shape != t.shape or x.ndim != 1:
        raise ValueError(f"x and time_s must be 1-D and alike, got {x.shape} and {t.shape}")
    if min_hold_s < 0:
        raise ValueError(f"min_hold_s must be >= 0, got {min_hold_s}")
    return _running_median(x, t, 2.0 * min_hold_s, fill=True)


def _seen_landmarks(adef: catalogue.AngleDef) -> tuple[str, ...]:
    """The landmarks that must be inside the image for an angle's value to be seen."""
    names = list(adef.landmarks)
    if adef.side and adef.name.startswith("shoulder_"):
        names.append(f"{adef.side}_wrist")
    if adef.side and adef.name.startswith("hip_"):
        names.append(f"{adef.side}_ankle")
    return tuple(dict.fromkeys(names))


#: A limb segment's 3D length, as a fraction of its median over the clip, outside which
#: its landmarks are misplaced: bones do not change length. In MediaPipe's world
#: landmarks of the four lab views (every upper arm, forearm, thigh and shank, both sides)
#: 0.3, 1.2, 2.3 and 0.5 % of the frames of cameras 1 to 4 lie outside, 0.5 and 0.3 % of
#: the sample and outdoor clips'. Camera 3 films the man from behind: his left upper arm,
#: hidden by his body, shrank to 0.28-0.55 of its length for 0.4 s and his elbow flexion
#: read 115 deg where cameras 1, 2 and 4 read 48, 32 and 31 (with the check: 43.5). The
#: results of cameras 1, 2 and 4 do not change; camera 2's right forearm, pointing at the
#: camera with the elbow bent (shrunk to 0.21-0.43), loses 0.9-1.1 s of frames.
SEGMENT_LENGTH_RANGE = (0.5, 1.5)
_SEGMENTS = (("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle"))


def _segments(adef: catalogue.AngleDef) -> list[tuple[str, str]]:
    """The limb segments (landmark pairs) an angle uses."""
    names = set(adef.landmarks)
    out = []
    for side in ("left", "right"):
        for a, b in _SEGMENTS:
            if f"{side}_{a}" in names and f"{side}_{b}" in names:
                out.append((f"{side}_{a}", f"{side}_{b}"))
    return out


def segment_intact(
    world: np.ndarray,
    pairs: list[tuple[str, str]],
    *,
    length_range: tuple[float, float] = SEGMENT_LENGTH_RANGE,
    grow_frames: int = 0,
) -> np.ndarray:
    """Frames (bool, shape (frames,)) where every segment of ``pairs`` has a 3D length
    within ``length_range`` of its own median over the clip; a frame without the segment
    (an angle interpolated across a gap) takes the worse of the measured frames either
    side of it. ``world`` (frames, 33, 3), NaN where
    missing; the failing frames are widened by ``grow_frames`` on each side (the low-pass
    filter spreads a wrong value to its neighbours).

    Examples
    --------
    >>> w = np.zeros((5, 33, 3))
    >>> w[:, 13, 1] = [0.3, 0.3, 0.1, 0.3, 0.3]   # left elbow 0.3 m below the shoulder
    >>> segment_intact(w, [("left_shoulder", "left_elbow")]).tolist()
    [True, True, False, True, True]
    """
    n = world.shape[0]
    ok = np.ones(n, dtype=bool)
    lo, hi = length_range
    for a, b in pairs:
        d = np.linalg.norm(world[:, LANDMARK_INDEX[b]] - world[:, LANDMARK_INDEX[a]], axis=-1)
        measured = np.flatnonzero(np.isfinite(d))
        if not measured.size:
            continue
        typical = float(np.median(d[measured]))
        if not typical > 0:
            continue
        bad_at = (d[measured] < lo * typical) | (d[measured] > hi * typical)
        # a frame without the segment (a gap the angle is interpolated across) is as
        # good as the measured frames either side of it: bad if either is
        before = np.clip(np.searchsorted(measured, np.arange(n), side="right") - 1, 0, None)
        after = np.clip(
            np.searchsorted(measured, np.arange(n), side="left"), None, measured.size - 1
        )
        ok &= ~(bad_at[before] | bad_at[after])
    if grow_frames > 0 and not ok.all():
        ok = ~(maximum_filter1d((~ok).astype(np.uint8), 2 * grow_frames + 1) > 0)
    return ok


def compute_support(
    seq: PoseSequence,
    *,
    min_visibility: float = 0.5,
    edge_margin_fraction: float = EDGE_MARGIN_FRACTION,
    smooth_s: float = 0.5,
    view_hold_s: float = 0.75,
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
        Width (seconds) of the running median applied to the obliqueness of a ``3d``
        angle's plane (the plane its segments span).
    view_hold_s : float
        Shortest change of the body's orientation (seconds) that counts for a planar
        angle (sagittal, frontal, transverse): :func:`sustained_deg`.

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
    # the thorax the face-based estimates are set against (rom.metrics.headpose)
    facing = sustained_deg(_facing_deg(frames["upper"]), t, view_hold_s)
    # the pelvis' heading (rom.metrics.view: the clip's view and each value's view)
    yaw = body_yaw_deg(world)
    # a misplaced limb landmark's wrong value spreads over the low-pass filter's reach
    grow = max(1, round(0.1 * sampling_rate_hz(t))) if len(t) > 1 else 0
    out = {}
    for key, adef in catalogue.ANGLES.items():
        names = _seen_landmarks(adef)
        idx = [LANDMARK_INDEX[n] for n in names]
        with np.errstate(invalid="ignore"):
            lowest = np.where(np.isfinite(vis[:, idx]), vis[:, idx], np.inf).min(axis=1)
        oblique = _obliqueness(adef, world, frames)
        if adef.plane != "3d" and adef.views != ("front",):
            # one view for every decision: the plane is as far from square as the
            # worse of the body frame's and the pelvis' heading say (they disagree
            # when MediaPipe's depth does: a side-bent client filmed obliquely from
            # behind read 13 deg by the shoulders, 49 by the pelvis)
            with np.errstate(invalid="ignore"):
                oblique = np.fmax(oblique, plane_obliqueness_deg(adef.plane, yaw))
        out[key] = AngleSupport(
            key=key,
            obliqueness_deg=(
                _running_median(oblique, t, smooth_s)
                if adef.plane == "3d"
                else sustained_deg(oblique, t, view_hold_s)
            ),
            seen=np.asarray(~outside[:, idx].any(axis=1), dtype=bool),
            visibility=np.where(np.isfinite(lowest), lowest, np.nan),
            landmarks=names,
            outside=outside[:, idx],
            facing_deg=facing if adef.has_face else None,
            intact=segment_intact(world, _segments(adef), grow_frames=grow)
            if _segments(adef)
            else None,
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
        ok = sup.valid(column_estimate(col))
        if require_seen:
            ok &= sup.seen
        x[~ok, j] = np.nan
    return angles.with_values(x)


def best_values(
    angles: AngleSeries, support: Mapping[str, AngleSupport], *, require_seen: bool = False
) -> tuple[AngleSeries, dict[str, np.ndarray]]:
    """rom's best estimate of every catalogue angle, frame by frame.

    Per frame, the first of the estimates in :func:`estimate_order` that the view
    supports (2D: the plane within :data:`MAX_2D_OBLIQUENESS_DEG` of square; 3D: within
    :data:`MAX_3D_OBLIQUENESS_DEG`; face-based: where it exists), else NaN. This is,
    frame by frame, the choice :mod:`rom.metrics.results` makes per measure.

    Returns
    -------
    (AngleSeries, dict)
        Columns ``<key>_deg`` (one per catalogue angle present in ``angles``), and per
        key the estimate used in each frame (array of ``"2d"``, ``"3d"``, ``"face"`` or
        ``""``).
    """
    sup_vals = supported_values(angles, support, require_seen=require_seen)
    out: dict[str, np.ndarray] = {}
    used: dict[str, np.ndarray] = {}
    n = len(angles.time_s)
    for key, adef in catalogue.ANGLES.items():
        cols = {
            "2d": adef.column_2d if adef.views else None,
            "3d": adef.column_3d if adef.has_3d else None,
            "face": adef.column_face if adef.has_face else None,
        }
        order = estimate_order(key)
        value = np.full(n, np.nan)
        which = np.full(n, "", dtype=object)
        present = False
        for est in order:
            col = cols[est]
            if col is None or col not in sup_vals:
                continue
            present = True
            x = sup_vals[col]
            take = np.isnan(value) & np.isfinite(x)
            value[take] = x[take]
            which[take] = est
        if present:
            out[f"{key}_deg"] = value
            used[key] = which.astype(str)
    return AngleSeries.from_dict(angles.time_s, out), used


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
    face = [f"`{a.column_face}`" for a in catalogue.ANGLES.values() if a.has_face]
    rows.append(
        "| any view that shows the face, face-based | "
        + ", ".join(face)
        + " where the face is turned less than 80 deg from the camera and the thorax less "
        + f"than {MAX_FACE_FACING_DEG:.0f} deg (head and shoulders in frame suffice) |"
    )
    return "\n".join(rows) + "\n"
