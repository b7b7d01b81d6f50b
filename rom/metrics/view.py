"""Which way the person faces the camera, and whether that suits a protocol.

Yaw is the person's heading relative to the camera, in degrees: 0 = facing the camera
(front view), 180 = back to the camera, +90 = the person's left side towards the camera
(they face image left), -90 = their right side towards it. It is read from MediaPipe's
world landmarks: the hip line, made horizontal, gives the person's right (the shoulder
line stands in when the hips are missing), and forwards is up x right; "horizontal"
assumes a level camera. It is cross-checked with a rough 2D estimate of its magnitude:
the width of shoulders plus hips over the trunk length in the image, divided by the same
ratio in 3D, is about ``|cos(yaw)|`` (perspective and trunk flexion bias it by a few
degrees, so only large disagreements are reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom.landmarks import LANDMARK_INDEX, LANDMARK_NAMES
from rom.metrics.geometry import midpoint, norm, normalize, unwrap_deg, wrap_deg
from rom.sequence import PoseSequence

__all__ = [
    "LABEL_TOLERANCE_DEG",
    "MAX_UPRIGHT_DEG",
    "MIN_UPSIDE_DOWN_SHARE",
    "NOBODY_IN_VIEW",
    "ViewEstimate",
    "body_axis_deg",
    "body_yaw_deg",
    "check_view",
    "compute_view",
    "filmed_from",
    "in_views",
    "orientation_problem",
    "plane_obliqueness_deg",
    "same_view",
    "sides_seen_alike",
    "view_label",
    "view_near",
    "view_position",
    "views_deviation_deg",
    "yaw_near",
]

#: A dominant yaw within this many degrees of 0 / +-90 / 180 is labelled front / side /
#: back; anything else is oblique.
LABEL_TOLERANCE_DEG = 30.0

_CANONICAL: dict[str, tuple[float, ...]] = {
    "front": (0.0,),
    "back": (180.0,),
    "left-side": (90.0,),
    "right-side": (-90.0,),
}
_CANONICAL["side"] = _CANONICAL["left-side"] + _CANONICAL["right-side"]

_LS, _RS = LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["right_shoulder"]
_LH, _RH = LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]
_LA, _RA = LANDMARK_INDEX["left_ankle"], LANDMARK_INDEX["right_ankle"]

#: The body's long axis more than this far (degrees) from the image's up, in most frames,
#: is no upright client in an upright video.
MAX_UPRIGHT_DEG = 60.0
#: A client upside down in more than this share of the frames (where the trunk was found)
#: is in a video turned 180 deg.
MIN_UPSIDE_DOWN_SHARE = 0.8


@dataclass(frozen=True)
class ViewEstimate:
    """The camera view of one clip.

    Attributes
    ----------
    yaw_deg : ndarray, shape (frames,)
        Body yaw relative to the camera from 3D (degrees, see the module docstring), made
        continuous over time; NaN where unknown.
    yaw_2d_abs_deg : ndarray, shape (frames,)
        ``|yaw|`` folded into [0, 90] from the 2D width ratio (degrees), a cross-check.
    dominant_yaw_deg : float
        Circular median of ``yaw_deg`` in (-180, 180]; NaN when never known.
    label : str
        ``front``, ``back``, ``left-side``, ``right-side``, ``oblique-front-left``,
        ``oblique-front-right``, ``oblique-back-left``, ``oblique-back-right`` or
        ``unknown``.
    description : str
        The label with the yaw, e.g. ``"oblique-front-left (yaw +40 deg)"``.
    view_disagreement_deg : float
        Median difference between the 3D and the 2D yaw magnitudes (degrees).
    detected_fraction : float
        Fraction of frames where the person was detected.
    in_frame_fraction, visible_fraction : dict[str, float]
        Per landmark, fraction of detected frames where it is found and lies inside the
        image / and also has visibility >= ``min_visibility``.
    """

    yaw_deg: np.ndarray
    yaw_2d_abs_deg: np.ndarray
    dominant_yaw_deg: float
    label: str
    description: str
    view_disagreement_deg: float
    detected_fraction: float
    in_frame_fraction: dict[str, float]
    visible_fraction: dict[str, float]


def compute_view(seq: PoseSequence, *, min_visibility: float = 0.5) -> ViewEstimate:
    """Estimate the camera view of ``seq``.

    Parameters
    ----------
    seq : PoseSequence
        The tracked person.
    min_visibility : float
        Visibility score (0..1) at which a landmark counts as visible.

    Returns
    -------
    ViewEstimate

    Examples
    --------
    >>> compute_view(PoseSequence.empty(2, (640, 480))).label
    'unknown'
    """
    if not isinstance(seq, PoseSequence):
        raise TypeError(f"compute_view needs a PoseSequence, got {type(seq).__name__}")
    world = np.asarray(seq.world_xyz, dtype=np.float64)
    image = np.asarray(seq.image_xyz[..., :2], dtype=np.float64)
    yaw = unwrap_deg(body_yaw_deg(world))
    yaw_2d = _abs_yaw_2d(image, world)
    dominant = _circular_median_deg(yaw)
    folded = np.minimum(np.abs(wrap_deg(yaw)), 180.0 - np.abs(wrap_deg(yaw)))
    diff = np.abs(folded - yaw_2d)
    disagreement = float(np.nanmedian(diff)) if np.isfinite(diff).any() else float("nan")
    label = view_label(dominant)
    desc = filmed_from(label) + ("" if np.isnan(dominant) else f" (yaw {dominant:+.0f} deg)")

    detected = seq.detected
    n_det = int(detected.sum())
    w, h = seq.image_size_px
    x, y = image[detected, :, 0], image[detected, :, 1]
    with np.errstate(invalid="ignore"):
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        visible = inside & (np.asarray(seq.visibility, float)[detected] >= min_visibility)
    in_frame = {
        n: float(inside[:, i].mean()) if n_det else 0.0 for i, n in enumerate(LANDMARK_NAMES)
    }
    vis = {n: float(visible[:, i].mean()) if n_det else 0.0 for i, n in enumerate(LANDMARK_NAMES)}
    return ViewEstimate(
        yaw_deg=yaw,
        yaw_2d_abs_deg=yaw_2d,
        dominant_yaw_deg=dominant,
        label=label,
        description=desc,
        view_disagreement_deg=disagreement,
        detected_fraction=float(detected.mean()) if seq.n_frames else 0.0,
        in_frame_fraction=in_frame,
        visible_fraction=vis,
    )


def body_yaw_deg(world: np.ndarray) -> np.ndarray:
    """Per-frame yaw (degrees) from the horizontal hip line, else the shoulder line.

    The pelvis gives the body's heading: the shoulder line also turns with trunk rotation
    and, horizontally, with a trunk that is both flexed and side-bent.
    """

    def horizontal_unit(line: np.ndarray) -> np.ndarray:
        flat = line.copy()
        flat[:, 1] = 0.0  # y is down, assumed vertical (level camera)
        return normalize(flat)

    right = horizontal_unit(world[:, _RH] - world[:, _LH])
    shoulders = horizontal_unit(world[:, _RS] - world[:, _LS])
    lost = ~np.isfinite(right).all(axis=1)
    right[lost] = shoulders[lost]
    # anterior = up x right with up = (0, -1, 0): (-r_z, 0, r_x); yaw = atan2(-a_x, -a_z)
    return np.degrees(np.arctan2(right[:, 2], -right[:, 0]))


def _abs_yaw_2d(image: np.ndarray, world: np.ndarray) -> np.ndarray:
    """|yaw| folded into [0, 90] from the image's width-to-trunk-length ratio (degrees)."""

    def ratio(p: np.ndarray) -> np.ndarray:
        width = norm(p[:, _RS] - p[:, _LS]) + norm(p[:, _RH] - p[:, _LH])
        trunk = norm(midpoint(p[:, _LS], p[:, _RS]) - midpoint(p[:, _LH], p[:, _RH]))
        with np.errstate(invalid="ignore", divide="ignore"):
            return width / trunk

    with np.errstate(invalid="ignore", divide="ignore"):
        cos_yaw = ratio(image) / ratio(world)
        return np.degrees(np.arccos(np.clip(cos_yaw, 0.0, 1.0)))


def _circular_median_deg(angles: np.ndarray) -> float:
    a = angles[np.isfinite(angles)]
    if a.size == 0:
        return float("nan")
    r = np.radians(a)
    mean = np.degrees(np.arctan2(np.sin(r).mean(), np.cos(r).mean()))
    return float(wrap_deg(mean + np.median(wrap_deg(a - mean))))


def view_label(yaw_deg: float) -> str:
    """Name of the view at a yaw (degrees), e.g. ``view_label(40) == 'oblique-front-left'``."""
    if not np.isfinite(yaw_deg):
        return "unknown"
    for name in ("front", "back", "left-side", "right-side"):
        if _deviation(yaw_deg, _CANONICAL[name]) <= LABEL_TOLERANCE_DEG:
            return name
    y = float(wrap_deg(yaw_deg))
    return f"oblique-{'front' if abs(y) < 90 else 'back'}-{'left' if y > 0 else 'right'}"


def view_near(view: ViewEstimate, time_s: np.ndarray, t0: float, half_s: float = 0.75) -> str:
    """The view (a :func:`view_label`) held around time ``t0``: the circular median of the
    yaw over ``t0 +- half_s`` seconds, so a moment of depth jitter does not name it.

    Parameters
    ----------
    view : ViewEstimate
        From :func:`compute_view`.
    time_s : ndarray, shape (frames,)
        The clip's frame times (seconds), as ``view.yaw_deg``.
    t0, half_s : float
        Centre and half-width of the window (seconds).

    Examples
    --------
    >>> v = compute_view(PoseSequence.empty(3, (640, 480)))
    >>> view_near(v, np.arange(3) / 30.0, 0.0)
    'unknown'
    """
    return view_label(yaw_near(view, time_s, t0, half_s))


def yaw_near(view: ViewEstimate, time_s: np.ndarray, t0: float, half_s: float = 0.75) -> float:
    """The body yaw (degrees, in (-180, 180]) held around time ``t0``: the circular median
    of ``view.yaw_deg`` over ``t0 +- half_s`` seconds; NaN where the yaw is never known
    there. Raises ValueError when ``time_s`` and the yaw differ in shape.

    Examples
    --------
    >>> v = compute_view(PoseSequence.empty(3, (640, 480)))
    >>> yaw_near(v, np.arange(3) / 30.0, 0.0)
    nan
    """
    t = np.asarray(time_s, dtype=float)
    if t.shape != view.yaw_deg.shape:
        raise ValueError(f"time_s has shape {t.shape}, the view's yaw {view.yaw_deg.shape}")
    near = np.abs(t - t0) <= half_s + 1e-9
    return _circular_median_deg(view.yaw_deg[near])


def in_views(label: str, views: tuple[str, ...]) -> bool:
    """Whether a view label is one of ``views`` (protocol names: ``front``, ``back``,
    ``side`` = either side, ``left-side``, ``right-side``, ``any``).

    Examples
    --------
    >>> in_views("right-side", ("side",)), in_views("oblique-front-left", ("front",))
    (True, False)
    """
    return "any" in views or label in views or ("side" in views and label.endswith("-side"))


def same_view(
    yaw_a_deg: float, yaw_b_deg: float, tolerance_deg: float = LABEL_TOLERANCE_DEG
) -> bool:
    """Whether two readings were made from the same view, for comparing them: the body's
    headings differ by at most ``tolerance_deg``, or are mirror images within it (the
    right side filmed from the right as the left side from the left, the standard way to
    film both sides of a side-view test). True when either heading is unknown (NaN).

    Examples
    --------
    >>> same_view(-4.0, 10.0), same_view(-90.0, 90.0), same_view(-90.0, -2.0)
    (True, True, False)
    """
    if not (np.isfinite(yaw_a_deg) and np.isfinite(yaw_b_deg)):
        return True
    same = abs(float(wrap_deg(yaw_a_deg - yaw_b_deg)))
    mirrored = abs(float(wrap_deg(yaw_a_deg + yaw_b_deg)))
    return min(same, mirrored) <= tolerance_deg


def sides_seen_alike(
    yaw_right_deg: float, yaw_left_deg: float, tolerance_deg: float = LABEL_TOLERANCE_DEG
) -> bool:
    """Whether the right and the left side were seen at the same angle to the camera, so
    that their difference can be judged as the client's asymmetry: the body's heading at
    the right's reading mirrors that at the left's, within ``tolerance_deg`` (half the
    sum of the two headings, wrapped). That holds from the front or the back (both sides
    symmetric about the line of sight) and with each side filmed from its own side; not
    from one oblique or side view, where one side is nearer the camera, seen at another
    angle (its limb planes foreshortened differently) and the far one partly hidden by
    the body: there MediaPipe's errors differ between the sides (lab camera 3, 32-48 deg
    from behind: right elbow flexion 125 deg, left 44, while camera 4 read the right 95),
    so a difference says more about the view than the client. True when either heading
    is unknown (NaN).

    Examples
    --------
    >>> sides_seen_alike(4.0, 5.0), sides_seen_alike(-90.0, 90.0), sides_seen_alike(148.0, 132.0)
    (True, True, False)
    >>> sides_seen_alike(-110.0, -113.0)
    False
    """
    if not (np.isfinite(yaw_right_deg) and np.isfinite(yaw_left_deg)):
        return True
    return abs(float(wrap_deg(yaw_right_deg + yaw_left_deg))) / 2.0 <= tolerance_deg


def views_deviation_deg(yaw_deg: float, views: tuple[str, ...]) -> float:
    """How far (degrees) a heading is from the nearest of ``views`` (``front``, ``back``,
    ``side``, ``left-side``, ``right-side``); 0 with ``any`` or no view named; NaN when
    the heading is unknown. Raises ValueError for an unknown view.

    Examples
    --------
    >>> views_deviation_deg(-120.0, ("side",)), views_deviation_deg(-120.0, ("back",))
    (30.0, 60.0)
    """
    named = tuple(v for v in views if v != "any")
    unknown = [v for v in named if v not in _CANONICAL]
    if unknown:
        raise ValueError(
            f"unknown view(s) {unknown}; use front, back, side, left-side or right-side"
        )
    if not np.isfinite(yaw_deg):
        return float("nan")
    if not named or len(named) < len(views):
        return 0.0
    return _deviation(yaw_deg, tuple(t for v in named for t in _CANONICAL[v]))


def view_position(label: str) -> str:
    """A view label in words: ``view_position("right-side")`` is "the client's right side
    faces the camera"."""
    return _POSITION.get(label, "the view is unknown")


def plane_obliqueness_deg(plane: str, yaw_deg: np.ndarray) -> np.ndarray:
    """How far (degrees, 0..90) an anatomical plane is from square to the camera, from the
    body's yaw (shape (frames,) or scalar): the frontal and transverse planes (read from
    the front or back) are square at yaw 0 and 180, the sagittal plane at +-90. NaN where
    the yaw is unknown. Raises ValueError for another plane.

    Examples
    --------
    >>> plane_obliqueness_deg("frontal", np.array([0.0, -130.0, 90.0])).tolist()
    [0.0, 50.0, 90.0]
    >>> plane_obliqueness_deg("sagittal", np.array([-130.0])).tolist()
    [40.0]
    """
    if plane not in ("frontal", "transverse", "sagittal"):
        raise ValueError(f"plane must be frontal, transverse or sagittal, got {plane!r}")
    y = np.abs(np.asarray(wrap_deg(np.asarray(yaw_deg, dtype=float)), dtype=float))
    from_front_or_back = np.minimum(y, 180.0 - y)
    return from_front_or_back if plane != "sagittal" else 90.0 - from_front_or_back


def _deviation(yaw_deg: float, targets: tuple[float, ...]) -> float:
    return min(abs(float(wrap_deg(yaw_deg - t))) for t in targets)


_POSITION = {
    "front": "the client faces the camera",
    "back": "the client has their back to the camera",
    "left-side": "the client's left side faces the camera",
    "right-side": "the client's right side faces the camera",
    **{
        f"oblique-{fb}-{lr}": f"the client is turned obliquely, {fb} and {lr} side to the camera"
        for fb in ("front", "back")
        for lr in ("left", "right")
    },
}


def filmed_from(label: str) -> str:
    """Where the camera stood, in a therapist's words, for a view label.

    Examples
    --------
    >>> filmed_from("back"), filmed_from("oblique-back-right")
    ('filmed from behind', "filmed obliquely from behind on the client's right")
    """
    if label == "front":
        return "filmed from the front"
    if label == "back":
        return "filmed from behind"
    if label.endswith("-side"):
        return f"filmed from the client's {label.removesuffix('-side')} side"
    if label.startswith("oblique-"):
        _, fb, lr = label.split("-")
        where = "the front" if fb == "front" else "behind"
        return f"filmed obliquely from {where} on the client's {lr}"
    return "filmed from an unknown view"


def _views_text(views: tuple[str, ...]) -> str:
    names = [v.replace("-", " ") for v in views]
    return " or ".join(names)


def _advice(views: tuple[str, ...]) -> str:
    if "front" in views:
        return "turn the client to face the camera"
    if "back" in views:
        return "turn the client's back to the camera"
    if "side" in views:
        return "turn the client side-on to the camera (90 deg)"
    if "left-side" in views:
        return "turn the client's left side to the camera"
    return "turn the client's right side to the camera"


#: The hint when nobody is followed by a live camera view.
NOBODY_IN_VIEW = "nobody is in view of the camera: have the client step into the picture"


def check_view(
    view: ViewEstimate,
    required_views: tuple[str, ...],
    required_landmarks: tuple[str, ...],
    *,
    max_oblique_deg: float = 30.0,
    min_visible_fraction: float = 0.7,
    protocol: str | None = None,
    min_steady_fraction: float = 0.8,
    max_disagreement_deg: float = 25.0,
    source: str = "clip",
) -> list[str]:
    """Human-readable warnings about the view and landmark visibility (empty when fine).

    Parameters
    ----------
    view : ViewEstimate
        From :func:`compute_view`.
    required_views : tuple of str
        Allowed views: ``front``, ``back``, ``side`` (either side), ``left-side``,
        ``right-side``; ``any`` (or an empty tuple) accepts every view.
    required_landmarks : tuple of str
        MediaPipe landmark names that must be visible.
    max_oblique_deg : float
        Largest accepted deviation (degrees) of the dominant yaw from an allowed view.
    min_visible_fraction : float
        Each required landmark must be visible in at least this fraction of the frames
        where the person was detected.
    protocol : str, optional
        Protocol name, used in the messages.
    min_steady_fraction : float
        Warn when fewer than this fraction of frames with a known yaw lie within
        ``max_oblique_deg`` of an allowed view (the client turned during the clip).
    max_disagreement_deg : float
        Warn when the 3D and 2D yaw estimates differ by more than this (degrees).
    source : str
        What ``view`` was computed over, for the wording: ``clip`` (a recorded clip) or
        ``camera`` (the last moments of a live camera: the advice is what to change now).

    Returns
    -------
    list of str

    Examples
    --------
    >>> v = compute_view(PoseSequence.empty(2, (640, 480)))
    >>> check_view(v, ("front",), ())
    ['no person was detected in the clip; check the video and that the client is in frame']
    """
    if source not in ("clip", "camera"):
        raise ValueError(f"source must be 'clip' or 'camera', got {source!r}")
    live = source == "camera"
    who = f"protocol {protocol}" if protocol else "this protocol"
    if view.detected_fraction == 0.0:
        return [
            NOBODY_IN_VIEW
            if live
            else "no person was detected in the clip; check the video and that the client "
            "is in frame"
        ]
    frames = "of recent frames" if live else "of frames"
    out: list[str] = []
    unknown = [v for v in required_views if v not in (*_CANONICAL, "any")]
    if unknown:
        raise ValueError(
            f"unknown view(s) {unknown}; use front, back, side, left-side, right-side or any"
        )
    views = tuple(v for v in required_views if v != "any")
    if views and len(views) == len(required_views):
        targets = tuple(t for v in views for t in _CANONICAL[v])
        yaw = view.dominant_yaw_deg
        if not np.isfinite(yaw):
            out.append(
                f"{who} needs a {_views_text(views)} view but the view could not be estimated "
                "(shoulders and hips not found in 3D)"
            )
        else:
            dev = _deviation(yaw, targets)
            if dev > max_oblique_deg:
                out.append(
                    f"{who} needs a {_views_text(views)} view but {_POSITION[view.label]} "
                    f"(yaw {yaw:+.0f} deg, {dev:.0f} deg from the nearest allowed view; "
                    f"a value read more than {max_oblique_deg:.0f} deg from it is marked as "
                    f"read in another view, less certain); {_advice(views)}"
                )
            else:
                known = view.yaw_deg[np.isfinite(view.yaw_deg)]
                ok = np.array([_deviation(float(y), targets) <= max_oblique_deg for y in known])
                if ok.size and ok.mean() < min_steady_fraction:
                    out.append(
                        f"the client {'is turning' if live else 'turns during the clip'}: "
                        f"only {100 * ok.mean():.0f}% {frames} are within "
                        f"{max_oblique_deg:.0f} deg of a {_views_text(views)} view; keep them "
                        "still relative to the camera"
                    )
    if (
        np.isfinite(view.view_disagreement_deg)
        and view.view_disagreement_deg > max_disagreement_deg
    ):
        out.append(
            f"the 3D and 2D view estimates disagree by {view.view_disagreement_deg:.0f} deg "
            "(MediaPipe's depth may be unreliable here); check the camera view by eye"
        )
    for name in required_landmarks:
        if name not in view.visible_fraction:
            raise ValueError(f"unknown landmark {name!r}; use MediaPipe names such as 'left_wrist'")
        inside = view.in_frame_fraction[name]
        seen = view.visible_fraction[name]
        joint = "the " + name.replace("_", " ")  # a therapist's words, not MediaPipe's
        if inside < min_visible_fraction:
            out.append(
                f"{joint} is outside the image (or not found) in {100 * (1 - inside):.0f}% "
                f"{frames} (needs to be in {100 * min_visible_fraction:.0f}%); move the camera back "
                "or re-frame so the whole movement stays in view"
            )
        elif seen < min_visible_fraction:
            out.append(
                f"{joint} is visible in only {100 * seen:.0f}% {frames} (needs "
                f"{100 * min_visible_fraction:.0f}%); keep it unoccluded (clothing, other "
                "limbs, people) and well lit"
            )
    return out


def body_axis_deg(seq: PoseSequence, *, min_visibility: float = 0.5) -> np.ndarray:
    """Per frame, the angle of the body's long axis in the image from the image's up
    (degrees in (-180, 180], shape (frames,)): 0 = upright, +90 = lying along the image's
    horizontal axis with the head to the right, -90 with the head to the left, 180 =
    upside down; NaN where the trunk was not found.

    The axis is the sum of two unit vectors in pixels (image y points down): the trunk
    (mid-hip to mid-shoulder) and, where both ankles are visible, the legs (mid-ankle to
    mid-hip). A client bent forwards 90 deg stands on upright legs (about 45 deg); a
    client upright in a video turned 90 deg without rotation metadata reads about 90.

    Examples
    --------
    >>> body_axis_deg(PoseSequence.empty(2, (640, 480))).tolist()
    [nan, nan]
    """
    xy = np.asarray(seq.image_xyz[..., :2], dtype=np.float64)
    vis = np.asarray(seq.visibility, dtype=np.float64)
    trunk = normalize(midpoint(xy[:, _LS], xy[:, _RS]) - midpoint(xy[:, _LH], xy[:, _RH]))
    legs = normalize(midpoint(xy[:, _LH], xy[:, _RH]) - midpoint(xy[:, _LA], xy[:, _RA]))
    with np.errstate(invalid="ignore"):
        seen = (vis[:, _LA] >= min_visibility) & (vis[:, _RA] >= min_visibility)
    legs = np.where((seen & np.isfinite(legs).all(axis=1))[:, None], legs, 0.0)
    axis = trunk + legs
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(axis[:, 0], -axis[:, 1]))


def orientation_problem(
    seq: PoseSequence,
    *,
    max_upright_deg: float = MAX_UPRIGHT_DEG,
    min_upside_down_share: float = MIN_UPSIDE_DOWN_SHARE,
) -> str | None:
    """Why the clip cannot be measured as filmed, in one line with the fix, or None.

    Two cases, both what a video turned without rotation metadata looks like:

    * the client lies along the image's horizontal axis (:func:`body_axis_deg` between
      ``max_upright_deg`` and ``180 - max_upright_deg`` either way) in most frames where
      the trunk was found (a video turned 90 deg);
    * the client stands on their head (the body axis more than ``180 - max_upright_deg``
      from upright) in more than ``min_upside_down_share`` of those frames (a video
      turned 180 deg).

    rom's angles assume a client upright in an upright image (the vertical, the views,
    the planes): a 90 deg turned front clip was read as a side view (yaw +120) and gave
    values; an upside-down front clip was read as a back view (yaw -178), its raised
    arms "not performed". A skeleton MediaPipe fits upside down in some frames (seen on
    a half-size copy of the sample clip, arms overhead: 7 of 11 frames) is no evidence
    of a turned video, hence the larger share asked of the upside-down case (an
    upside-down copy of the sample clip: 98-100% of the frames).

    Examples
    --------
    >>> orientation_problem(PoseSequence.empty(2, (640, 480))) is None
    True
    """
    signed = body_axis_deg(seq)
    signed = signed[np.isfinite(signed)]
    if signed.size == 0:
        return None
    tilt = np.abs(signed)
    upside_down = tilt >= 180.0 - max_upright_deg
    share_upside = float(np.mean(upside_down))
    if share_upside > min_upside_down_share:
        median = float(np.median(tilt[upside_down]))
        return (
            f"the client is upside down in the image (body axis {median:.0f} deg from "
            f"upright in {100 * share_upside:.0f}% of the frames): the video is probably "
            "turned without rotation metadata; rotate the video 180 deg (e.g. ffmpeg -i IN "
            "-vf hflip,vflip OUT) or set its rotation metadata, and film the client "
            "standing or sitting upright"
        )
    sideways = (tilt > max_upright_deg) & (tilt < 180.0 - max_upright_deg)
    share = float(np.mean(sideways))
    if share <= 0.5:
        return None
    median = float(np.median(tilt[sideways]))
    head_right = float(np.median(signed[sideways])) > 0
    how = (
        f"rotate the video 90 deg {'anticlockwise' if head_right else 'clockwise'} "
        f"(e.g. ffmpeg -i IN -vf transpose={2 if head_right else 1} OUT)"
    )
    return (
        "the client lies along the image's horizontal axis, head to the "
        f"{'right' if head_right else 'left'} (body axis {median:.0f} deg from upright in "
        f"{100 * share:.0f}% of the frames): the video is probably turned without rotation "
        f"metadata; {how} or set its rotation metadata, and film the client standing or "
        "sitting upright"
    )
