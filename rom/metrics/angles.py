"""Joint angles for every column of the catalogue, from a :class:`~rom.sequence.PoseSequence`.

:func:`compute_angles` is the one entry point. It is driven by the catalogue
(:mod:`rom.metrics.catalogue`): each catalogue name maps to a small *rule* below (a moving
segment against a reference direction, an angle at a joint, or a line against a reference
line) and one generic routine evaluates that rule in 2D (image) or 3D (body frame).
Three measures that are not simple geometry (2D neck rotation, shoulder rotation and the
craniovertebral angle) have their own functions, documented where they are defined.

Conventions
-----------
Sides are the person's own. Signed angles are in (-180, 180] and made continuous over
time by :func:`~rom.metrics.geometry.unwrap_deg` (360-degree jumps removed, each
continuous stretch's median brought into (-180, 180], so a column may run a little past
180 to stay continuous); the arm's flexion and abduction, which pass 180 overhead and
never reach 90 the other way, into (-90, 270] (the catalogue's ``range_centre_deg``), so
that one frame of an arm past vertical reads 190, not 170 the other way. Unsigned angles
are in [0, 180]. NaN means the angle could not
be measured in that frame.

2D estimates
    From ``image_xyz[..., :2]`` in pixels, image y flipped so that "up" is up. A frontal
    angle is measured in a person-centred image frame (R, U): U is image up and R is the
    person's right, which is image left in a front view and image right in a back view;
    the facing is read per frame from the order of the shoulders and hips along x (NaN
    beyond about 70 degrees from a front or back view, where it is unreliable). A sagittal angle is measured in (A, U): A is
    the person's forwards, from the nose relative to the ears and the toes relative to the
    heels (NaN when ambiguous, i.e. near a front or back view). So e.g. flexion is
    positive whichever side faces the camera, and lateral flexion to the person's right
    is positive in a front and a back view. Image up is taken as vertical (level camera)
    unless a measured ``vertical`` gives the image's up at the person (its roll).
    The trunk line is mid-hip to mid-shoulder. In side-view (sagittal) measures only, a
    midpoint whose far-side landmark is missing falls back to the near-side landmark
    (both project to nearly the same point in a side view).
3D estimates
    From ``world_xyz`` in a body frame (:mod:`rom.metrics.bodyframe`): the upper-trunk
    frame for the shoulders and neck, the trunk (pelvis-heading) frame for the hips and
    trunk rotation, the level frame (the vertical: the camera's up unless a measured
    ``vertical`` is given, :mod:`rom.metrics.vertical`) for angles "from the vertical"
    and the tilts. A planar angle is the angle of the segment's projection
    on the anatomical plane; it is NaN when the segment is more than
    ``max_out_of_plane_deg`` out of that plane (e.g. "flexion" of an arm held straight
    out to the side is undefined, not +/-90).

Face-based estimates
    ``*_face_deg`` (cervical rotation, lateral flexion, flexion): head pose fitted to the
    eleven face landmarks, relative to the shoulders and the vertical, zeroed on the
    still stretch at the start (:mod:`rom.metrics.headpose`).
Missing data
    A landmark whose visibility is below ``min_visibility`` is treated as missing (NaN)
    for every angle; a missing landmark makes every angle that needs it NaN. A line
    measure (ear, eye, shoulder, hip line) whose left and right ends disagree with the
    body's (e.g. MediaPipe mirrored the face in a back view) is NaN, not sign-flipped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX
from rom.metrics import catalogue
from rom.metrics.bodyframe import (
    BodyFrame,
    compute_level_frame,
    compute_pelvis_frame,
    compute_trunk_frame,
    compute_upper_trunk_frame,
)
from rom.metrics.catalogue import AngleDef
from rom.metrics.geometry import (
    angle_between_deg,
    cross2,
    dot,
    midpoint,
    norm,
    normalize,
    out_of_plane_deg,
    planar_angle_deg,
    signed_angle_2d_deg,
    unwrap_deg,
)
from rom.metrics.headpose import (
    FACE_LANDMARKS,
    _running_median,
    fit_head_pose,
    head_angles,
    thorax_axes,
)
from rom.metrics.rom_summary import detect_neutral
from rom.metrics.series import AngleSeries
from rom.metrics.vertical import Vertical
from rom.sequence import PoseSequence

__all__ = ["DEFAULT_HEAD_DEPTH_RATIO", "compute_angles"]

#: Forward distance of the nose tip from the ear line over the ear-to-ear distance, used
#: by the 2D neck-rotation model when the clip has no usable 3D head (adult
#: anthropometry: about 0.10 m over 0.15 m).
DEFAULT_HEAD_DEPTH_RATIO = 0.7

#: A still start whose face-based angles are further than this (degrees) from the face
#: model's zero is not taken as the client's neutral (they started turned).
MAX_NEUTRAL_OFFSET_DEG = 30.0

#: Elbow flexion range (degrees) where shoulder rotation is defined by default.
ER_ELBOW_RANGE_DEG = (60.0, 120.0)

# Ambiguity thresholds of the 2D facing cues, as fractions of the body's image scale
# (median trunk length). Shoulders + hips span about 1.1 trunk lengths face-on, so 0.4
# leaves frontal measures empty beyond ~70 deg from a front/back view (they are only
# valid within ~30 deg anyway; nearer a side view the facing itself is unreliable, and a
# wrong facing flips the sign of a frontal angle); nose-ear plus
# toe-heel offsets span about 0.6 side-on (0.2 without feet), so 0.1 leaves sagittal
# measures empty within ~10-20 deg of a front/back view.
_FRONTAL_MIN_FRACTION = 0.4
_SAGITTAL_MIN_FRACTION = 0.1

# --- rules ------------------------------------------------------------------------------
# Directions are named; 3D maps them to body-frame axes (index, sign), 2D to the
# person-centred image frame. "outward" is +right for the right side, -right for the left.
_AXIS = {"anterior": 0, "superior": 1, "right": 2}


@dataclass(frozen=True)
class _Segment:
    """Angle of segment start->end from a zero direction, positive towards ``positive``."""

    start: str
    end: str
    frame: str  # 3D frame: "upper", "trunk", "pelvis" or "level"
    zero: str  # "trunk_down", "pelvis_down", "trunk_up", "vertical_up" or "anterior"
    positive: str | None  # "anterior", "outward", "right"; None = unsigned angle


@dataclass(frozen=True)
class _Joint:
    """Unsigned angle between segments a->b and b->c (0 = straight)."""

    a: str
    b: str
    c: str


@dataclass(frozen=True)
class _Line:
    """Line left_<part> -> right_<part> against a reference line.

    ``positive`` ``"down"``: frontal plane, positive when the right end is lower;
    ``"back"``: transverse plane, positive when the right end is further back.
    ``ref`` is the reference line's part (``None`` = the horizontal); in 3D the reference
    line is the frame's right axis (the frame is chosen to be built from it).

    The line must point to the person's right, like the reference: the right end on the
    person's right of the left end (2D: by the frontal facing; 3D: along the frame's right
    axis, or along the ``agree`` line for a tilt). Otherwise the labels disagree (e.g.
    MediaPipe mirrored the face in a back view) or the angle would exceed 90 degrees,
    which none of these measures can: the value is left empty rather than flipped.
    """

    part: str
    ref: str | None
    frame: str
    positive: str
    agree: str | None = None


_SPECIAL = "special"

_RULES: dict[str, _Segment | _Joint | _Line | str] = {
    "neck_flexion": _Segment("mid_shoulder", "mid_ear", "upper", "trunk_up", "anterior"),
    "neck_lateral_flexion": _Line("ear", "shoulder", "upper", "down"),
    "neck_rotation": _Line("ear", "shoulder", "upper", "back"),  # 2D: special model
    "shoulder_flexion": _Segment(
        "{side}_shoulder", "{side}_elbow", "upper", "trunk_down", "anterior"
    ),
    "shoulder_abduction": _Segment(
        "{side}_shoulder", "{side}_elbow", "upper", "trunk_down", "outward"
    ),
    "shoulder_horizontal_abduction": _Segment(
        "{side}_shoulder", "{side}_elbow", "upper", "anterior", "outward"
    ),
    "shoulder_external_rotation": _SPECIAL,
    "shoulder_elevation": _Segment("{side}_shoulder", "{side}_elbow", "upper", "trunk_down", None),
    "elbow_flexion": _Joint("{side}_shoulder", "{side}_elbow", "{side}_wrist"),
    "trunk_flexion": _Segment("mid_hip", "mid_shoulder", "level", "vertical_up", "anterior"),
    "trunk_lateral_flexion": _Segment("mid_hip", "mid_shoulder", "level", "vertical_up", "right"),
    "trunk_rotation": _Line("shoulder", "hip", "trunk", "back"),
    "trunk_inclination": _Segment("mid_hip", "mid_shoulder", "level", "vertical_up", None),
    "hip_flexion": _Segment("{side}_hip", "{side}_knee", "trunk", "trunk_down", "anterior"),
    # against the pelvis (the hip line), as a goniometer: a trunk bent sideways over the
    # hips is no hip abduction (a man leaning 41 deg over his standing leg read 43)
    "hip_abduction": _Segment("{side}_hip", "{side}_knee", "pelvis", "pelvis_down", "outward"),
    "knee_flexion": _Joint("{side}_hip", "{side}_knee", "{side}_ankle"),
    "head_tilt": _Line("eye", None, "level", "down", agree="shoulder"),
    "shoulder_tilt": _Line("shoulder", None, "level", "down"),
    "pelvic_tilt": _Line("hip", None, "level", "down"),
    "craniovertebral": _SPECIAL,
}


def compute_angles(
    seq: PoseSequence,
    *,
    with_3d: bool = True,
    min_visibility: float = 0.5,
    max_out_of_plane_deg: float = 70.0,
    er_elbow_range_deg: tuple[float, float] = ER_ELBOW_RANGE_DEG,
    vertical: Vertical | None = None,
    focal_px: float | None = None,
) -> AngleSeries:
    """Every angle of the catalogue, per frame, in degrees.

    Parameters
    ----------
    seq : PoseSequence
        Landmarks of one person (time first).
    with_3d : bool
        Also compute the ``*_3d_deg`` columns from the world landmarks.
    min_visibility : float
        Landmarks with a visibility score below this (0..1) are treated as missing.
        ``0`` disables the mask.
    max_out_of_plane_deg : float
        A 3D planar angle is NaN when its segment is more than this many degrees out of
        the anatomical plane (the projection, hence the angle, is then ill-defined).
    er_elbow_range_deg : (float, float)
        Shoulder rotation is only defined, hence only reported, while the (3D) elbow
        flexion lies in this range (degrees).
    vertical : Vertical, optional
        The clip's vertical (:func:`rom.metrics.vertical.estimate_vertical`); default the
        camera's up (a level camera).
    focal_px : float, optional
        The camera's focal length for the face-based head pose (default 0.7 x the image
        diagonal).

    Returns
    -------
    AngleSeries
        Columns exactly ``catalogue.columns(with_3d=with_3d)``, in that order (face-based
        columns too; they need no world landmarks beyond the shoulders).

    Examples
    --------
    >>> seq = PoseSequence.empty(3, (640, 480))
    >>> a = compute_angles(seq)
    >>> bool(np.isnan(a["elbow_flexion_left_deg"]).all())
    True
    """
    if not isinstance(seq, PoseSequence):
        raise TypeError(f"compute_angles needs a PoseSequence, got {type(seq).__name__}")
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    if not 0.0 < max_out_of_plane_deg <= 90.0:
        raise ValueError(f"max_out_of_plane_deg must be in (0, 90], got {max_out_of_plane_deg}")
    lo, hi = er_elbow_range_deg
    if not 0.0 <= lo < hi <= 180.0:
        raise ValueError(f"er_elbow_range_deg must be 0 <= low < high <= 180, got {lo, hi}")

    vertical = vertical or Vertical.level()
    ctx = _Context.build(seq, min_visibility, max_out_of_plane_deg, (lo, hi), vertical)
    out: dict[str, np.ndarray] = {}
    for adef in catalogue.ANGLES.values():
        rule = _RULES.get(adef.name)
        if rule is None:
            raise NotImplementedError(
                f"no rule computes catalogue angle {adef.name!r}; add one to rom/metrics/angles.py"
            )
        if adef.views:
            out[adef.column_2d] = _finish(adef, _compute_2d(ctx, adef, rule))
        if with_3d and adef.has_3d:
            out[adef.column_3d] = _finish(adef, _compute_3d(ctx, adef, rule))
    face = _face_angles(seq, ctx, focal_px, min_visibility)
    for adef in catalogue.ANGLES.values():
        if adef.has_face:
            out[adef.column_face] = _finish(adef, face[adef.name])
    names = catalogue.columns(with_3d=with_3d)
    return AngleSeries.from_dict(seq.time_s, {n: out[n] for n in names})


def _finish(adef: AngleDef, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return unwrap_deg(values, centre_deg=adef.range_centre_deg) if adef.signed else values


# --- context: masked landmarks, frames and facing, computed once ---------------------------
class _Points:
    """Landmark lookup over masked coordinates, with ``mid_<part>`` pseudo-landmarks."""

    def __init__(self, xyz: np.ndarray, *, fallback: bool = False) -> None:
        self.xyz = xyz
        self.fallback = fallback

    def __call__(self, name: str) -> np.ndarray:
        if not name.startswith("mid_"):
            return self.xyz[:, LANDMARK_INDEX[name]]
        part = name[4:]
        left = self.xyz[:, LANDMARK_INDEX["left_" + part]]
        right = self.xyz[:, LANDMARK_INDEX["right_" + part]]
        mid = midpoint(left, right)
        if self.fallback:
            lost = np.isnan(mid).any(axis=-1, keepdims=True)
            one = np.where(np.isnan(left).any(axis=-1, keepdims=True), right, left)
            mid = np.where(lost, one, mid)
        return mid

    def line(self, part: str) -> np.ndarray:
        """Vector from the left to the right landmark of ``part``."""
        return self("right_" + part) - self("left_" + part)


@dataclass(frozen=True)
class _Context:
    img: _Points  # image-up coordinates (x right, y up), pixels
    img_side: _Points  # same, with near-side fallback for side-view measures
    world: _Points  # metres
    frames: dict[str, BodyFrame]
    frontal_sign: np.ndarray  # (frames,) +1: person's right = image right; NaN ambiguous
    sagittal_sign: np.ndarray  # (frames,) +1: person faces image right; NaN ambiguous
    max_out_of_plane_deg: float
    er_elbow_range_deg: tuple[float, float]
    head_depth_ratio: float
    vertical: Vertical

    @classmethod
    def build(
        cls,
        seq: PoseSequence,
        min_visibility: float,
        max_oop: float,
        er_range: tuple[float, float],
        vertical: Vertical,
    ) -> _Context:
        img = np.asarray(seq.image_xyz[..., :2], dtype=np.float64).copy()
        img[..., 1] *= -1.0  # image y points down; make it up
        world = np.asarray(seq.world_xyz, dtype=np.float64).copy()
        if min_visibility > 0:
            missing = ~(np.asarray(seq.visibility, dtype=np.float64) >= min_visibility)
            img[missing] = np.nan
            world[missing] = np.nan
        pts, side_pts, wpts = _Points(img), _Points(img, fallback=True), _Points(world)
        frames = {
            "upper": compute_upper_trunk_frame(world),
            "trunk": compute_trunk_frame(world),
            "pelvis": compute_pelvis_frame(world),
            "level": compute_level_frame(world, up=vertical.up_world),
        }
        scale = _image_scale(side_pts)  # a threshold's scale: near-side points will do
        return cls(
            img=pts,
            img_side=side_pts,
            world=wpts,
            frames=frames,
            frontal_sign=_frontal_sign(pts, scale),
            sagittal_sign=_sagittal_sign(side_pts, scale),
            max_out_of_plane_deg=max_oop,
            er_elbow_range_deg=er_range,
            head_depth_ratio=_head_depth_ratio(wpts, frames["upper"]),
            vertical=vertical,
        )


def _image_scale(p: _Points) -> float:
    """Clip-level body size in pixels: median trunk length (or 2.5 neck lengths)."""
    trunk = norm(p("mid_shoulder") - p("mid_hip"))
    neck = 2.5 * norm(p("mid_ear") - p("mid_shoulder"))
    size = np.where(np.isfinite(trunk), trunk, neck)
    return float(np.nanmedian(size)) if np.isfinite(size).any() else np.nan


def _sign_or_nan(signal: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        clear = np.abs(signal) >= threshold
    return np.where(clear, np.sign(signal), np.nan)


def _frontal_sign(p: _Points, scale: float) -> np.ndarray:
    """+1 when the person's right is towards image +x (back view), -1 (front view)."""
    dx = np.stack([p.line("shoulder")[:, 0], p.line("hip")[:, 0]], axis=1)
    any_ok = np.isfinite(dx).any(axis=1)
    signal = np.where(any_ok, np.nansum(np.nan_to_num(dx, nan=0.0), axis=1), np.nan)
    return _sign_or_nan(signal, _FRONTAL_MIN_FRACTION * scale)


def _sagittal_sign(p: _Points, scale: float) -> np.ndarray:
    """+1 when the person faces image +x, from nose vs ears and toes vs heels."""
    head = p("nose")[:, 0] - p("mid_ear")[:, 0]
    feet = np.stack(
        [p(f"{s}_foot_index")[:, 0] - p(f"{s}_heel")[:, 0] for s in ("left", "right")], axis=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN, as wanted
        foot = np.nanmean(feet, axis=1)
    parts = np.stack([head, foot], axis=1)
    any_ok = np.isfinite(parts).any(axis=1)
    signal = np.where(any_ok, np.nansum(np.nan_to_num(parts, nan=0.0), axis=1), np.nan)
    return _sign_or_nan(signal, _SAGITTAL_MIN_FRACTION * scale)


def _head_depth_ratio(w: _Points, upper: BodyFrame) -> float:
    """Clip median of (nose's forward distance from the ear line) / (ear-to-ear distance).

    Measured in 3D in a head-level frame: right = ear line, up = trunk up made
    perpendicular to it, forward = up x right. Falls back to DEFAULT_HEAD_DEPTH_RATIO.
    """
    ear = w.line("ear")
    e_hat = normalize(ear)
    up = normalize(upper.superior - dot(upper.superior, e_hat)[:, None] * e_hat)
    fwd = np.cross(up, e_hat)
    d = dot(w("nose") - w("mid_ear"), fwd)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = d / norm(ear)
    k = k[np.isfinite(k) & (k > 0)]
    return float(np.median(k)) if k.size else DEFAULT_HEAD_DEPTH_RATIO


# --- 3D --------------------------------------------------------------------------------------
def _axis3(frame: BodyFrame, direction: str, outward: float) -> np.ndarray:
    """Unit world vector of a named direction in a body frame."""
    if direction == "anterior":
        return frame.anterior
    if direction in ("superior", "trunk_up", "vertical_up"):
        return frame.superior
    if direction in ("trunk_down", "pelvis_down"):
        return -frame.superior
    if direction == "right":
        return frame.right
    if direction == "outward":
        return outward * frame.right
    raise ValueError(f"unknown direction {direction!r}")


def _outward(adef: AngleDef) -> float:
    return -1.0 if adef.side == "left" else 1.0


def _name(template: str, adef: AngleDef) -> str:
    return template.replace("{side}", adef.side or "")


def _compute_3d(ctx: _Context, adef: AngleDef, rule: object) -> np.ndarray:
    w = ctx.world
    if isinstance(rule, _Joint):
        a, b, c = (w(_name(n, adef)) for n in (rule.a, rule.b, rule.c))
        return angle_between_deg(b - a, c - b)
    if isinstance(rule, _Segment):
        frame = ctx.frames[rule.frame]
        v = w(_name(rule.end, adef)) - w(_name(rule.start, adef))
        zero = _axis3(frame, rule.zero, _outward(adef))
        if rule.positive is None:
            return angle_between_deg(v, zero)
        pos = _axis3(frame, rule.positive, _outward(adef))
        return _guarded(planar_angle_deg(v, zero, pos), v, np.cross(zero, pos), ctx)
    if isinstance(rule, _Line):
        frame = ctx.frames[rule.frame]
        e = w.line(rule.part)
        if rule.ref is None:  # elevation of the line above the level frame's horizontal
            up = frame.superior
            vertical = dot(e, up)
            horizontal = norm(e - vertical[:, None] * up)
            out = np.degrees(np.arctan2(-vertical, horizontal))
            with np.errstate(invalid="ignore"):
                agree = dot(e, w.line(rule.agree)) > 0 if rule.agree else norm(e) > 0
            return np.where(agree, out, np.nan)
        towards = -frame.superior if rule.positive == "down" else -frame.anterior
        angle = planar_angle_deg(e, frame.right, towards)
        with np.errstate(invalid="ignore"):
            agree = dot(e, frame.right) > 0
        return np.where(agree, _guarded(angle, e, np.cross(frame.right, towards), ctx), np.nan)
    if adef.name == "shoulder_external_rotation":
        return _shoulder_rotation_3d(ctx, adef)
    raise NotImplementedError(f"no 3D rule for {adef.name!r}")


def _guarded(angle: np.ndarray, v: np.ndarray, normal: np.ndarray, ctx: _Context) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        off = out_of_plane_deg(v, normal) > ctx.max_out_of_plane_deg
    return np.where(off, np.nan, angle)


def _elbow_gate(ctx: _Context, adef: AngleDef) -> np.ndarray:
    """True where the 3D elbow flexion lies in ``er_elbow_range_deg``."""
    w, s = ctx.world, adef.side
    sh, el, wr = w(f"{s}_shoulder"), w(f"{s}_elbow"), w(f"{s}_wrist")
    flex = angle_between_deg(el - sh, wr - el)
    lo, hi = ctx.er_elbow_range_deg
    with np.errstate(invalid="ignore"):
        return (flex >= lo) & (flex <= hi)


def _shoulder_rotation_3d(ctx: _Context, adef: AngleDef) -> np.ndarray:
    """Rotation of the forearm about the humerus, in the upper-trunk frame.

    h = unit(shoulder -> elbow), f = elbow -> wrist. The zero direction is the anterior
    axis made perpendicular to h (forearm straight forwards: arm at the side, or the 90/90
    position with the forearm horizontal forwards); the external direction is
    ``outward * (h x zero)`` (outwards for an arm at the side, upwards in the 90/90
    position). Angle = atan2(f . external, f . zero). NaN when the humerus lies within
    ``90 - max_out_of_plane_deg`` degrees of the anterior axis (arm straight forwards:
    the zero direction is undefined) or the elbow flexion is outside the allowed range.
    """
    w, s = ctx.world, adef.side
    frame = ctx.frames["upper"]
    h = normalize(w(f"{s}_elbow") - w(f"{s}_shoulder"))
    f = w(f"{s}_wrist") - w(f"{s}_elbow")
    ref = frame.anterior - dot(frame.anterior, h)[:, None] * h
    ok_ref = norm(ref) >= np.sin(np.radians(90.0 - ctx.max_out_of_plane_deg))
    zero = normalize(ref)
    external = _outward(adef) * np.cross(h, zero)
    angle = np.degrees(np.arctan2(dot(f, external), dot(f, zero)))
    keep = ok_ref & _elbow_gate(ctx, adef) & (norm(f) > 0)
    return np.where(keep, angle, np.nan)


# --- 2D ---------------------------------------------------------------------------------------
def _person_2d(v: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """Image-up vectors (frames, 2) in a person-centred frame: x multiplied by ``sign``."""
    out = v.copy()
    out[:, 0] = v[:, 0] * sign
    return out


_NOMINAL_2D = {
    "trunk_down": (0.0, -1.0),
    "pelvis_down": (0.0, -1.0),
    "trunk_up": (0.0, 1.0),
    "vertical_up": (0.0, 1.0),
    "anterior": (1.0, 0.0),
    "right": (1.0, 0.0),
}


def _zero_2d(p: _Points, zero: str, n: int, up: np.ndarray) -> np.ndarray:
    if zero == "vertical_up":
        return np.tile(up, (n, 1))
    down = p("mid_hip") - p("mid_shoulder")
    if zero == "trunk_down":
        return down
    if zero == "pelvis_down":  # perpendicular to the hip line, on the legs' side
        across = normalize(p.line("hip"))
        return down - dot(down, across)[:, None] * across
    if zero == "trunk_up":
        return -down
    raise ValueError(f"no 2D zero direction {zero!r}")


def _compute_2d(ctx: _Context, adef: AngleDef, rule: object) -> np.ndarray:
    side_view = adef.plane == "sagittal"
    p = ctx.img_side if side_view else ctx.img
    sign = ctx.sagittal_sign if side_view else ctx.frontal_sign
    if isinstance(rule, _Joint):
        a, b, c = (p(_name(n, adef)) for n in (rule.a, rule.b, rule.c))
        return angle_between_deg(b - a, c - b)
    if isinstance(rule, _Segment):
        v = p(_name(rule.end, adef)) - p(_name(rule.start, adef))
        zero = _zero_2d(p, rule.zero, v.shape[0], ctx.vertical.up_image)
        if rule.positive is None:
            return angle_between_deg(v, zero)
        nominal_pos = np.array(
            _NOMINAL_2D["right" if rule.positive == "outward" else rule.positive]
        )
        if rule.positive == "outward":
            nominal_pos = nominal_pos * _outward(adef)
        sense = float(np.sign(cross2(np.array(_NOMINAL_2D[rule.zero]), nominal_pos)))
        return sense * signed_angle_2d_deg(_person_2d(zero, sign), _person_2d(v, sign))
    if isinstance(rule, _Line):
        if adef.name == "neck_rotation":
            return _neck_rotation_2d(ctx)
        if rule.positive != "down":
            raise NotImplementedError(f"no 2D rule for {adef.name!r}")
        e = _person_2d(p.line(rule.part), sign)
        if rule.ref is None:  # the horizontal towards the person's right, person-centred
            up = ctx.vertical.up_image  # image right = up turned clockwise: (up_y, -up_x)
            ref = np.stack([np.full(e.shape[0], up[1]), -up[0] * sign], axis=1)
        else:
            ref = _person_2d(p.line(rule.ref), sign)
        with np.errstate(invalid="ignore"):
            agree = (e[:, 0] > 0) & (ref[:, 0] > 0)  # both point to the person's right
        return np.where(agree, -signed_angle_2d_deg(ref, e), np.nan)  # right end lower = CW
    if adef.name == "shoulder_external_rotation":
        return _shoulder_rotation_2d(ctx, adef)
    if adef.name == "craniovertebral":
        return _craniovertebral_2d(ctx)
    raise NotImplementedError(f"no 2D rule for {adef.name!r}")


def _neck_rotation_2d(ctx: _Context) -> np.ndarray:
    """Head rotation from the nose's position between the ears (front view).

    Model: seen from the front, the head turns about a vertical axis through the ears'
    midpoint; the ears sit at +/- w/2 across and the nose tip a distance d = k w in front
    of the ear line (k from the clip's 3D head, see ``_head_depth_ratio``). Turned by
    theta, the ears' projected distance is w cos(theta) and the nose lies d sin(theta)
    from their midpoint along the ear line, so

        theta = atan2(x_nose / k, |ear line|),

    with x_nose the nose's offset from the ears' midpoint along the image ear line
    (positive towards the right ear, i.e. rotation to the person's right). Exact under the
    model and a distant camera for |theta| < 90. The rotation is measured against the
    camera's line of sight, so it equals rotation relative to the shoulders only when the
    shoulders are square to the camera; NaN where the shoulders' facing is ambiguous
    (side views).
    """
    p = ctx.img
    ear = p.line("ear")
    x_nose = dot(p("nose") - p("mid_ear"), normalize(ear))
    out = np.degrees(np.arctan2(x_nose / ctx.head_depth_ratio, norm(ear)))
    # the model needs the camera in front of (or behind) the shoulders: NaN in side views
    return np.where((norm(ear) > 0) & np.isfinite(ctx.frontal_sign), out, np.nan)


def _shoulder_rotation_2d(ctx: _Context, adef: AngleDef) -> np.ndarray:
    """Shoulder rotation from a front (or back) view: an arcsine model.

    Valid with the upper arm in the image plane (arm at the side, or abducted in the
    90/90 position) and the elbow near 90 degrees. Rotating by theta swings the forearm
    (length L) from pointing at the camera (theta = 0) towards the external direction
    (perpendicular to the upper arm in the image: outwards for an arm at the side, up in
    90/90), so its image component along that direction is L sin(theta):

        theta = arcsin(f_ext / L),  L = |upper arm|_image * |forearm|_3D / |upper arm|_3D.

    L (pixels) uses the 3D forearm/upper-arm length ratio, so it needs no calibration.
    Limits: theta is confined to [-90, 90] (a forearm past 90 degrees looks the same as
    one short of it) and the slope of arcsin near 90 makes the last ~15 degrees coarse;
    use the 3D column there. NaN outside the elbow-flexion range (3D elbow angle).
    """
    p, s = ctx.img, adef.side
    sign = ctx.frontal_sign
    h = _person_2d(p(f"{s}_elbow") - p(f"{s}_shoulder"), sign)
    f = _person_2d(p(f"{s}_wrist") - p(f"{s}_elbow"), sign)
    ext = _outward(adef) * np.stack([-h[:, 1], h[:, 0]], axis=1)  # h turned +/-90 deg
    w = ctx.world
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = norm(w(f"{s}_wrist") - w(f"{s}_elbow")) / norm(w(f"{s}_elbow") - w(f"{s}_shoulder"))
        sin_t = dot(f, normalize(ext)) / (norm(h) * ratio)
        out = np.degrees(np.arcsin(np.clip(sin_t, -1.0, 1.0)))
    return np.where(_elbow_gate(ctx, adef), out, np.nan)


def _face_angles(
    seq: PoseSequence, ctx: _Context, focal_px: float | None, min_visibility: float
) -> dict[str, np.ndarray]:
    """Face-based cervical angles (rom.metrics.headpose): head pose from the face
    landmarks, relative to the shoulders and the vertical, zeroed on the still stretch
    at the start (the model's own zero when there is none, or when that stretch reads
    more than ``MAX_NEUTRAL_OFFSET_DEG``: a client who started turned). NaN
    where fewer than five
    face landmarks are visible, the fit is unreliable (:meth:`~rom.metrics.headpose.HeadPose.reliable`: face
    more than 80 degrees from the camera, or a poor fit) or a shoulder is missing."""
    vis = np.nan_to_num(np.asarray(seq.visibility, np.float64))
    pose = fit_head_pose(
        np.asarray(seq.image_xyz[..., :2], np.float64),
        vis,
        image_size_px=seq.image_size_px,
        focal_px=focal_px,
    )
    face_idx = [LANDMARK_INDEX[n] for n in FACE_LANDMARKS]
    seen = ((vis[:, face_idx] >= min_visibility).sum(axis=1) >= 5) & pose.reliable()
    world = np.where(
        (vis >= min_visibility)[..., None], np.asarray(seq.world_xyz, np.float64), np.nan
    )
    fps = seq.fps if seq.n_frames > 1 else 30.0
    thorax = thorax_axes(world, ctx.vertical.up_world, smooth_frames=max(1, round(0.5 * fps)))
    raw = head_angles(pose, thorax)
    neutral = None
    if seq.n_frames > 1 and np.isfinite(raw["rotation"]).any():
        # the neutral: a still stretch at the start in all three angles (judged on lightly
        # smoothed traces: a small face's landmarks jitter), the intersection of each
        # one's; a start further than MAX_NEUTRAL_OFFSET_DEG from the face model's zero is
        # no neutral (the client started turned) and the model's own zero stays
        k = max(1, round(0.3 * fps))
        lo, hi, near = -np.inf, np.inf, True
        for trace in raw.values():
            still = _running_median(trace[:, None], k)[:, 0]
            level, start_s, end_s = detect_neutral(still, seq.time_s)
            lo, hi = max(lo, start_s), min(hi, end_s)
            near = near and bool(abs(level) <= MAX_NEUTRAL_OFFSET_DEG)
        if near and np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            neutral = (seq.time_s >= lo - 1e-9) & (seq.time_s <= hi + 1e-9) & seen
    out = head_angles(pose, thorax, neutral)
    # beyond these the head cannot go relative to the shoulders: a misread frame (e.g.
    # the shoulders seen edge-on while the body turns), not a measurement
    limits = {"rotation": 100.0, "lateral_flexion": 80.0, "flexion": 90.0}
    with np.errstate(invalid="ignore"):
        return {
            f"neck_{k}": np.where(seen & (np.abs(v) <= limits[k]), v, np.nan)
            for k, v in out.items()
        }


def _craniovertebral_2d(ctx: _Context) -> np.ndarray:
    """Angle of the shoulder->ear line above the forward horizontal (side view), degrees.

    90 = ear straight above the shoulder; smaller = head further forwards; more than 90 =
    ear behind the shoulder. NaN when the ear is below the shoulder (measure undefined).
    """
    p = ctx.img_side
    v = _person_2d(p("mid_ear") - p("mid_shoulder"), ctx.sagittal_sign)
    out = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    with np.errstate(invalid="ignore"):
        return np.where((norm(v) > 0) & (out >= 0), out, np.nan)
