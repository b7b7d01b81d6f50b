"""The clinical answer: one value per measure, direction and side, and how far to trust it.

:func:`compute_results` turns the filtered angles, what the view supports
(:mod:`rom.metrics.support`), the ROM summary, the limbs' planes of elevation
(:mod:`rom.metrics.humeral`) and a protocol into the ``results`` block of
``summary.json``; :func:`result_rows` flattens it into tidy rows (storage, batch,
export); :func:`result_lines` into the lines ``rom analyze`` prints. The shape is
documented field by field in ``docs/results.md``. Pure: no I/O.

Rules, for a range-of-motion measure (``kind = "rom"``):

* **The view first.** Every side of every measure is judged in one order: the view
  (when it ruled out most of the frames where the side was measured, ``not_measurable``
  with the view's reason, :func:`_view_ruled_out`), then the frames and the image, then
  the movement (its size, its plane, the standing leg), then the anatomy.
* **The standing leg.** A hip value whose peak came while the client stood on that leg
  alone (``stance``, :func:`rom.metrics.vertical.standing_frames`) is ``not_performed``
  (flag ``standing_leg``): the pelvis and trunk tilted over it; the leg tested is the
  raised one.

* **One value.** The 2D estimate when the camera is square to the movement's plane at the
  movement's peak (obliqueness at most 30 deg), else the 3D estimate when the plane is
  within 60 deg of square, else the measure is ``not_measurable`` with the reason; both
  sides of a measure use the same estimate when they can (so that they compare), and
  both estimates stay in ``angles.csv``. Peaks are taken only from frames whose view
  supports the estimate and where every landmark the angle needs is inside the image;
  the verdict too is judged at the peak among the frames the view supports (the view of
  a planar angle being the body's sustained orientation,
  :func:`rom.metrics.support.sustained_deg`), so a moment turned away cannot decide it.
  A side that did not move (its values span under 10 deg) follows the estimate of the
  side that did. A value read more than 30 deg from every view its measure is judged in
  (the protocol's; without one, the views square to the measure's plane, the front for
  a value read from the face, the packaged protocol's for an angle between segments;
  :func:`rom.metrics.view.yaw_near`) is flagged ``other_view``, whether the client
  turned or the camera stood obliquely. ``view_at_peak`` names the view every value was read from.
* **Asymmetry** only between values read with the same kind of estimate and from the
  same view (or mirror views: each side filmed from its own side); otherwise
  ``not_comparable``, saying why.
* **The directions tested**: those the protocol has a norm for (abduction, not
  adduction); without a protocol, those any packaged protocol has a norm for.
* **The plane the limb moved in.** Shoulder and hip flexion, extension and abduction are
  elevations in a plane (ISB, Wu et al. 2005): each raise is given the plane it went
  through (:func:`rom.metrics.humeral.excursions`); in 3D a shoulder's flexion is the
  elevation of the raises made forwards, its abduction of those made sideways; a 2D
  value is kept only when its raise went through the measure's plane. A measure whose
  raises all went through another plane is ``not_performed``, saying which plane.
* **A peak not seen**: when the most extreme value came from frames where a landmark was
  outside the image (or at its edge), the status is ``not_seen`` and ``at_least_deg`` is
  the largest value seen.
* **Repetitions** come from :func:`rom.metrics.rom_summary.summarize_angles` (a
  meaningful share of the movement's own and expected range; both sides of a movement
  done together count the same).
* A value beyond what a joint can reach (:mod:`rom.metrics.anatomy`) is a landmark
  error: ``not_measurable`` (flag ``beyond_anatomical_range``), the reason in words.

For a posture measure (``kind = "posture"``): the median over the longest still period
(:func:`rom.metrics.posture.still_period`), its spread, and the norm's band; without a
still period of the protocol's ``still_s`` seconds, ``not_measurable`` with a warning.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rom.metrics import catalogue
from rom.metrics.anatomy import beyond_anatomical_range
from rom.metrics.asymmetry import DIRECTIONAL_ANGLES, symmetry_index
from rom.metrics.geometry import wrap_deg
from rom.metrics.humeral import (
    Excursion,
    LimbElevation,
    circular_median_deg,
    excursions,
    restrict_to_movement,
)
from rom.metrics.notes import flag_words
from rom.metrics.posture import still_period
from rom.metrics.protocols import Norm, Protocol, load_protocols
from rom.metrics.rom_summary import (
    EDGE_S,
    align_bilateral_repetitions,
    away_from_edges,
    short_label,
    summarize_angle,
    summarize_angles,
)
from rom.metrics.series import AngleSeries
from rom.metrics.support import (
    MAX_2D_OBLIQUENESS_DEG,
    MAX_3D_OBLIQUENESS_DEG,
    AngleSupport,
    estimate_order,
    estimate_valid,
    supported_values,
)
from rom.metrics.uncertainty import difference_sd, noise_words, value_uncertainty
from rom.metrics.view import (
    LABEL_TOLERANCE_DEG,
    ViewEstimate,
    filmed_from,
    same_view,
    sides_seen_alike,
    view_label,
    views_deviation_deg,
    yaw_near,
)

__all__ = [
    "AUTO_MEASURES",
    "REPETITION_MEANING",
    "ROW_FIELDS",
    "STANCE_NONE",
    "STATUSES",
    "STATUS_WORDS",
    "ResultSettings",
    "compute_results",
    "describe_value",
    "edge_words",
    "expected_ranges",
    "measure_title",
    "read_elsewhere",
    "repetitions_text",
    "result_lines",
    "result_rows",
]

STATUSES = ("measured", "not_measurable", "not_performed", "not_seen")
#: Each status in words.
STATUS_WORDS = {
    "measured": "measured",
    "not_measurable": "not measurable",
    "not_performed": "not performed",
    "not_seen": "peak not seen",
}
#: The side key of an axial (whole-body) measure.
SIDE_NONE = "none"
#: ``stance`` code of a frame where the client does not stand (see :func:`compute_results`).
STANCE_NONE = 9
_STANCE_CODE = {"left": -1, "right": 1}

#: Range-of-motion measures reported without a protocol (when the view supports them).
AUTO_MEASURES: tuple[str, ...] = (
    "neck_flexion",
    "neck_lateral_flexion",
    "neck_rotation",
    "shoulder_flexion",
    "shoulder_abduction",
    "shoulder_external_rotation",
    "elbow_flexion",
    "trunk_flexion",
    "trunk_lateral_flexion",
    "hip_flexion",
    "hip_abduction",
    "knee_flexion",
)

#: Measure and direction -> (limb, movement named in rom.metrics.humeral.PLANES).
_PLANE_MOVEMENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("shoulder_flexion", "positive"): ("shoulder", "flexion"),
    ("shoulder_flexion", "negative"): ("shoulder", "extension"),
    ("shoulder_abduction", "positive"): ("shoulder", "abduction"),
    ("hip_flexion", "positive"): ("hip", "flexion"),
    ("hip_flexion", "negative"): ("hip", "extension"),
    ("hip_abduction", "positive"): ("hip", "abduction"),
}
_PLANE_WORDS = {
    "abduction": "the frontal plane, sideways (abduction)",
    "flexion": "the sagittal plane, forwards (flexion)",
    "extension": "the sagittal plane, backwards (extension)",
    "scapular plane": "the scapular plane, between sideways and forwards",
    "behind the frontal plane": "a plane behind the frontal plane",
    "across the body": "a plane across the body",
}


def _movement_name(movement: str, limb_word: str) -> str:
    """The movement a limb's plane of elevation names (``moved_in``): the shoulder's
    terms for an arm; a leg has no scapular plane (between flexion and abduction)."""
    if movement == "scapular plane" and limb_word != "arm":
        return "between flexion and abduction"
    return movement


def _plane_words(movement: str, limb_word: str) -> str:
    """The plane a limb was raised in, in words (a leg has no scapular plane)."""
    if movement == "scapular plane" and limb_word != "arm":
        return "a plane between sideways and forwards"
    return _PLANE_WORDS.get(movement, movement)


_FILM_FROM = {
    "sagittal": "film from the side",
    "frontal": "film from the front or back",
    "transverse": "film from the front",
    "3d": "film square to the movement",
}


@dataclass(frozen=True)
class ResultSettings:
    """Settings of :func:`compute_results`.

    peak_window_s : half-width (seconds) of the window around a peak over which its
        obliqueness, visibility and plane are read
    min_valid_frames : fewer supported frames than this: not measurable
    not_seen_margin_deg : an unseen value must pass the seen peak by more than this
        (degrees) to make the peak ``not_seen``
    still_window_s, still_tolerance_deg : stillness test of posture frames (seconds,
        degrees peak to peak; :func:`rom.metrics.posture.still_period`)
    """

    peak_window_s: float = 0.25
    min_valid_frames: int = 10
    not_seen_margin_deg: float = 1.0
    still_window_s: float = 1.0
    still_tolerance_deg: float = 3.0


def too_short_reason(n_frames: int, time_s: np.ndarray, min_frames: int) -> str:
    """Why a clip of ``n_frames`` frames (times ``time_s``, s) gives no value: it is
    shorter than the ``min_frames`` a value needs; the fix is to film longer."""
    span = float(time_s[-1] - time_s[0]) if len(time_s) > 1 else 0.0
    return (
        f"the clip is too short: {n_frames} frame{'' if n_frames == 1 else 's'} "
        f"({span:.2f} s), at least {min_frames} are needed; film longer, the whole movement "
        "(a few seconds)"
    )


def measure_title(measure: str) -> str:
    """A measure's name in words.

    Examples
    --------
    >>> measure_title("shoulder_external_rotation")
    'Shoulder external rotation'
    """
    return measure.replace("_", " ").capitalize()


def describe_value(column: str, value_deg: float) -> str:
    """One angle value in words, sides and directions spelled out (overlay labels).

    Examples
    --------
    >>> describe_value("shoulder_abduction_left_deg", -8.2)
    'left shoulder abduction: 8 deg (adduction)'
    >>> describe_value("head_tilt_3d_deg", 3.4)
    'head tilt 3D: 3 deg (head tilted to the right)'
    >>> describe_value("elbow_flexion_right_deg", float("nan"))
    'right elbow flexion: --'
    """
    adef = catalogue.angle_def(column)
    name = measure_title(adef.name).lower()
    if adef.side:
        name = f"{adef.side} {name}"
    if column.endswith("_3d_deg"):
        name += " 3D"
    elif column.endswith("_face_deg"):
        name += " face"
    if not math.isfinite(value_deg):
        return f"{name}: --"
    text = f"{name}: {abs(value_deg):.0f} deg"
    if adef.negative is None:
        return text
    label = short_label(adef.positive if value_deg >= 0 else adef.negative)
    return text if name.endswith(label) or f"{label} " in f"{name} " else f"{text} ({label})"


def _columns(measure: str, side: str) -> tuple[str | None, str | None]:
    key = measure if side == SIDE_NONE else f"{measure}_{side}"
    adef = catalogue.ANGLES[key]
    return (adef.column_2d if adef.views else None, adef.column_3d if adef.has_3d else None)


def _face_column(measure: str, side: str) -> str | None:
    adef = catalogue.ANGLES[measure if side == SIDE_NONE else f"{measure}_{side}"]
    return adef.column_face if adef.has_face else None


def _all_columns(measure: str, side: str) -> list[str]:
    """Every column of a measure: 2D, 3D and face-based, those that exist."""
    return [c for c in (*_columns(measure, side), _face_column(measure, side)) if c]


def _key(measure: str, side: str) -> str:
    return measure if side == SIDE_NONE else f"{measure}_{side}"


@dataclass(frozen=True)
class _Plan:
    measure: str
    kind: str
    sides: tuple[str, ...]
    directions: tuple[tuple[str, Norm | None], ...]
    #: the views the protocol accepts (empty without a protocol)
    views: tuple[str, ...] = ()


def _directions(
    measure: str, kind: str, norms: Mapping[str, Norm], keep_all_signed: bool
) -> tuple[tuple[str, Norm | None], ...]:
    adef = next(a for a in catalogue.ANGLES.values() if a.name == measure)
    if kind == "posture":
        return (("value", norms.get("value")),)
    tested = tuple((d, norms[d]) for d in ("positive", "negative") if d in norms)
    if tested and not keep_all_signed:
        return tested
    out: list[tuple[str, Norm | None]] = [("positive", norms.get("positive"))]
    if adef.signed:
        out.append(("negative", norms.get("negative")))
    return tuple(out)


def _plans(
    protocol: Protocol | None, default_norms: Mapping[str, Mapping[str, Norm]]
) -> list[_Plan]:
    plans = []
    if protocol is not None:
        for m in protocol.measures:
            sides = tuple(s for s in protocol.sides if f"{m}_{s}" in catalogue.ANGLES)
            norms = {n.direction: n for n in protocol.norms if n.angle == m}
            plans.append(
                _Plan(
                    m,
                    protocol.kind,
                    sides or (SIDE_NONE,),
                    _directions(m, protocol.kind, norms, False),
                    tuple(protocol.views),
                )
            )
        return plans
    for m in AUTO_MEASURES:
        sides = tuple(s for s in ("left", "right") if f"{m}_{s}" in catalogue.ANGLES)
        norms = dict(default_norms.get(m, {}))
        plans.append(_Plan(m, "rom", sides or (SIDE_NONE,), _directions(m, "rom", norms, False)))
    return plans


def expected_ranges(
    protocol: Protocol | None, default_norms: Mapping[str, Mapping[str, Norm]] | None = None
) -> dict[str, dict[str, float]]:
    """Expected end of range per angle column and direction (the norms' ``normal_deg``),
    for :func:`rom.metrics.rom_summary.summarize_angles`'s repetition threshold."""
    out: dict[str, dict[str, float]] = {}
    for plan in _plans(protocol, default_norms or {}):
        for side in plan.sides:
            for col in _all_columns(plan.measure, side):
                for direction, norm in plan.directions:
                    if norm is not None and norm.normal_deg and direction != "value":
                        out.setdefault(col, {})[direction] = float(norm.normal_deg)
    return out


# --- small helpers ------------------------------------------------------------------------


def _num(x: Any) -> float | None:
    """A finite float, or None."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _near(t: np.ndarray, t0: float, half: float) -> np.ndarray:
    return np.abs(t - t0) <= half + 1e-9


def _median_near(x: np.ndarray, t: np.ndarray, t0: float | None, half: float) -> float:
    if t0 is None or not np.isfinite(t0):
        return float("nan")
    v = x[_near(t, t0, half) & np.isfinite(x)]
    return float(np.median(v)) if v.size else float("nan")


def _empty_side(column: str | None, estimate: str | None, norm: Norm | None) -> dict[str, Any]:
    return {
        "status": "not_measurable",
        "value_deg": None,
        "uncertainty_deg": None,
        "estimate": estimate,
        "column": column,
        "other_estimate_deg": None,
        "peak_time_s": None,
        "normal_deg": norm.normal_deg if norm else None,
        "normal_min_deg": norm.min_deg if norm else None,
        "normal_max_deg": norm.max_deg if norm else None,
        "percent_of_normal": None,
        "within_normal": None,
        "n_reps": None,
        "rep_peaks_deg": [],
        "rep_sd_deg": None,
        "obliqueness_deg": None,
        "valid_fraction": None,
        "reason": None,
        "flags": [],
        "warnings": [],
    }


# --- choosing the estimate ---------------------------------------------------------------


def _obliqueness_at_movement(
    measure: str,
    side: str,
    direction: str,
    angles: AngleSeries,
    supported: AngleSeries,
    support: Mapping[str, AngleSupport],
    half: float,
) -> float:
    """Obliqueness (degrees) of the measure's plane at the movement's peak, the peak taken
    over the frames whose view supports an estimate of the measure (from the 3D estimate
    where there is one: it does not depend on the view). A moment when the client was
    turned away cannot decide the verdict while other frames saw the movement (a right
    arm's swing while side-on made a front clip's abduction "not measurable"); only when
    no frame is supported is the unsupported peak read, to say how far off the view was."""
    c2, c3 = _columns(measure, side)
    ob = support[_key(measure, side)].obliqueness_deg
    sign = -1.0 if direction == "negative" else 1.0
    for source in (supported, angles):
        ref = next(
            (c for c in (c3, c2) if c and c in source and np.isfinite(source[c]).any()), None
        )
        if ref is None:
            continue
        i = int(np.nanargmax(sign * source[ref]))
        at_peak = _median_near(ob, angles.time_s, float(angles.time_s[i]), half)
        if np.isfinite(at_peak):
            return at_peak
        break
    return float(np.nanmedian(ob)) if np.isfinite(ob).any() else float("nan")


#: A side whose supported values span less than this (degrees) did not move.
_MOVED_DEG = 10.0
#: Seconds seen square and still before a view verdict on the moving frames says so.
_STILL_SEEN_S = 1.0


def _choose_estimates(
    plan: _Plan,
    angles: AngleSeries,
    supported: AngleSeries,
    support: Mapping[str, AngleSupport],
    half: float,
) -> tuple[dict[str, str | None], dict[str, float]]:
    primary = plan.directions[0][0]
    prefer: dict[str, str | None] = {}
    obliq: dict[str, float] = {}
    accept3: dict[str, bool] = {}
    ok: dict[str, dict[str, bool]] = {}
    moved: dict[str, bool] = {}
    for side in plan.sides:
        c2, c3 = _columns(plan.measure, side)
        ob = _obliqueness_at_movement(plan.measure, side, primary, angles, supported, support, half)
        obliq[side] = ob
        has2 = bool(c2 and c2 in supported and np.isfinite(supported[c2]).any())
        has3 = bool(c3 and c3 in supported and np.isfinite(supported[c3]).any())
        ok2 = has2 and bool(estimate_valid(_key(plan.measure, side), "2d", np.array([ob]))[0])
        accept3[side] = has3 and bool(
            estimate_valid(_key(plan.measure, side), "3d", np.array([ob]))[0]
        )
        cf = _face_column(plan.measure, side)
        face = bool(cf and cf in supported and np.isfinite(supported[cf]).any())
        # rom's best estimate first (rom.metrics.support.estimate_order, measured on the
        # lab reference by benchmarks/accuracy.py)
        ok[side] = {"3d": accept3[side], "2d": ok2, "face": face}
        order = estimate_order(_key(plan.measure, side))
        prefer[side] = next((e for e in order if ok[side][e]), None)
        ref = next((c for c in (c3, c2) if c and c in supported), None)
        x = supported[ref] if ref else np.full(1, np.nan)
        moved[side] = bool(np.isfinite(x).any() and np.nanmax(x) - np.nanmin(x) >= _MOVED_DEG)
    usable = [s for s in plan.sides if prefer[s]]
    # the sides compare: they use one estimate. A side that did not move has no peak to
    # judge the view by (its "peak" is any still frame): it follows the side that moved.
    voters = [s for s in usable if moved[s]] or usable
    if len({prefer[s] for s in voters}) == 1 and voters:
        est = prefer[voters[0]]
        for s in usable:
            if s not in voters and est is not None and ok[s][est]:
                prefer[s] = est
    elif voters and all(accept3[s] for s in usable):
        prefer = {s: ("3d" if s in usable else None) for s in plan.sides}
    return prefer, obliq


def _turned_deg(yaw_deg: float, clip_yaw_deg: float) -> float:
    """How far (degrees) the body's heading at a value's peak is from the clip's own; NaN
    when either is unknown."""
    if not (np.isfinite(yaw_deg) and np.isfinite(clip_yaw_deg)):
        return float("nan")
    return abs(float(wrap_deg(yaw_deg - clip_yaw_deg)))


@functools.cache
def _standard_views() -> dict[str, tuple[str, ...]]:
    """Per measure, the views of the packaged range-of-motion protocol that tests it
    (``protocols.toml``: elbow and knee flexion from the side)."""
    out: dict[str, tuple[str, ...]] = {}
    for p in load_protocols().values():
        if p.kind == "rom" and "any" not in p.views:
            for m in p.measures:
                out.setdefault(m, tuple(p.views))
    return out


def _measure_views(plan: _Plan, side: str, estimate: str | None) -> tuple[str, ...]:
    """The views a value of ``plan``'s measure is judged in: the protocol's; without one,
    the views where the measure's plane is square to the camera (the catalogue's 2D
    views: front or back for abduction, a side for flexion), the front for a value read
    from the face, and for an angle between segments (elbow, knee) the views of the
    packaged protocol that tests it, so that a clip analysed without a protocol is
    judged as with its standard one (lab camera 1, 41 deg from the front, read knee
    flexion 38 unflagged without a protocol, flagged with knee-flexion)."""
    if plan.views:
        return plan.views
    if estimate == "face":
        return ("front",)
    views = catalogue.ANGLES[_key(plan.measure, side)].views
    if "any" in views or not views:
        return _standard_views().get(plan.measure, ())
    return views


def _other_view(yaw_deg: float, clip_yaw_deg: float, accepted: tuple[str, ...]) -> bool:
    """Whether a value read with the body's heading ``yaw_deg`` was read in another view
    than the one its measure is judged in (:func:`_measure_views`): more than
    :data:`~rom.metrics.view.LABEL_TOLERANCE_DEG` (30) from every view in ``accepted``
    (the limit ``check_view`` warns at; a side-view test filmed from one side, then the
    other, is in its views twice), with or without a protocol, so that an oblique
    camera's values are flagged alike either way; with no view to judge by (a measure
    no packaged protocol tests, without a protocol), that far from the clip's own
    heading (the client turned). One continuous rule on the heading: two peaks 1.4 deg apart either
    side of a view label's boundary are judged alike."""
    if not np.isfinite(yaw_deg) or "any" in accepted:
        return False
    if accepted:
        return views_deviation_deg(yaw_deg, accepted) > LABEL_TOLERANCE_DEG
    turned = _turned_deg(yaw_deg, clip_yaw_deg)
    return bool(np.isfinite(turned) and turned > LABEL_TOLERANCE_DEG)


def _view_reason(
    measure: str, side: str, obliq: float, view: ViewEstimate, label: str | None = None
) -> str:
    """Why the view does not support a measure, in a therapist's words: where the camera
    stood (``label``: the view of the frames judged, default the clip's) and how far the
    movement's plane (or, for a measure read from the face, the client's front) was
    turned from square to it."""
    adef = catalogue.ANGLES[_key(measure, side)]
    label = label or view.label
    where = filmed_from(label) if label != "unknown" else "in this clip"
    if not np.isfinite(obliq):
        return f"{measure_title(measure).lower()} was not measured in any frame ({where})"
    limit = MAX_3D_OBLIQUENESS_DEG if adef.has_3d else MAX_2D_OBLIQUENESS_DEG
    if adef.views == ("front",):  # the facing angle: 0 facing the camera, 180 back to it
        return (
            f"the client's front was turned {obliq:.0f} deg away from the camera ({where}; "
            f"at most {limit:.0f} accepted); film from the front"
        )
    plane = f"the {adef.plane} plane" if adef.plane != "3d" else "the movement's plane"
    return (
        f"{plane} was {obliq:.0f} deg from square to the camera ({where}; at most "
        f"{limit:.0f} accepted); {_FILM_FROM[adef.plane]}"
    )


def _words(names: Sequence[str]) -> str:
    """Landmark names in words: ``left_eye, right_eye`` -> ``left eye and right eye``."""
    words = [n.replace("_", " ") for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _frames_by_view(
    measure: str, side: str, angles: AngleSeries, support: Mapping[str, AngleSupport]
) -> tuple[np.ndarray, np.ndarray]:
    """Frames where a measure's side was measured by any of its estimates, and those
    where the view supports one of them (:func:`rom.metrics.support.estimate_valid`);
    both boolean, shape (frames,)."""
    key = _key(measure, side)
    sup = support[key]
    has = np.zeros(len(angles.time_s), dtype=bool)
    view_ok = np.zeros_like(has)
    for c in (c for c in _columns(measure, side) if c and c in angles):
        est = "3d" if c.endswith("_3d_deg") else "2d"
        finite = np.isfinite(angles[c])
        has |= finite
        view_ok |= finite & estimate_valid(key, est, sup.obliqueness_deg)
    return has, view_ok


def _plane_moved(measure: str, angles: AngleSeries) -> np.ndarray:
    """Frames (bool, shape (frames,)) where the client moved in a planar measure's
    anatomical plane by another axial measure of that plane (neck and trunk: their
    angles are the body's own movement in the plane; any estimate 10 deg or more from
    its median). A plane's view is one fact per frame shared by every measure in it, so
    its measures are judged over the same frames: a side clip read neck lateral flexion
    "right 32" from its last 0.15 s, turned a little towards the back, while the trunk's
    side bend and the arms' abduction, over the rest of the clip, were not measurable.
    A limb's measures count only for themselves: the projection of a limb raised in
    another plane (an arm raised forwards, on the frontal plane) moves without any
    movement in this one. All False for an angle between segments (plane ``3d``)."""
    n = len(angles.time_s)
    out = np.zeros(n, dtype=bool)
    plane = next(a.plane for a in catalogue.ANGLES.values() if a.name == measure)
    if plane == "3d":
        return out
    for a in catalogue.ANGLES.values():
        if a.side is not None or a.plane != plane or a.name == measure:
            continue
        if a.name not in AUTO_MEASURES:
            continue
        for c in (a.column_2d if a.views else None, a.column_3d if a.has_3d else None):
            if c and c in angles and np.isfinite(angles[c]).any():
                x = angles[c]
                with np.errstate(invalid="ignore"):
                    out |= np.abs(x - np.nanmedian(x)) >= _MOVED_DEG
    return out


def _view_ruled_out(
    measure: str,
    side: str,
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    view: ViewEstimate,
    elevation_deg: np.ndarray | None = None,
) -> tuple[str, str] | None:
    """The view's verdict on a measure's side, judged before anything about the movement:
    when the view ruled out most of the frames where the side moved (10 deg or more from
    its median: the limb's 3D elevation ``elevation_deg`` for a shoulder or hip raise,
    which any view sees, else any of the measure's estimates; every measured frame when
    it never moved; the same majority as ``summary.json``'s ``valid_for_view``), the
    reason in words (the typical obliqueness of those frames) and the flag
    ``view_not_supported``; else None. A few frames in another view (the client turned) cannot turn a clip filmed
    from the wrong side into a movement verdict on one side only: a front clip of
    shoulder flexion said "film from the side" for the left arm and "not performed
    (scapular plane)" for the right, read while the client had turned."""
    has, view_ok = _frames_by_view(measure, side, angles, support)
    # judged where the side moved (a client still in one view who turns and moves in
    # another is judged by the second); where it never moved, over every frame
    moving = np.zeros_like(has)
    traces = [elevation_deg] if elevation_deg is not None else []
    traces += [angles[c] for c in _columns(measure, side) if c and c in angles]
    for x in traces[:1] if elevation_deg is not None else traces:
        if np.isfinite(x).any():
            with np.errstate(invalid="ignore"):
                moving |= np.abs(x - np.nanmedian(x)) >= _MOVED_DEG
    moving |= _plane_moved(measure, angles)
    seen_still = view_ok & ~moving  # frames the view supports where nothing moved
    if moving.any():
        has, view_ok = has & moving, view_ok & moving
    ruled_out = has & ~view_ok
    if not ruled_out.sum() > view_ok.sum():
        return None
    obliq = support[_key(measure, side)].obliqueness_deg[ruled_out]
    typical = float(np.nanmedian(obliq)) if np.isfinite(obliq).any() else math.nan
    # the view of the frames judged (where the side moved), not only the clip's
    label = _label_of(view, ruled_out)
    reason = _view_reason(measure, side, typical, view, label)
    t = np.asarray(angles.time_s, dtype=float)
    if moving.any() and _span_s(t, seen_still) >= _STILL_SEEN_S:
        # say when: a client filmed from the front for 3 s, neck still, who then turned
        # to walk away was told only "filmed from the client's right side"
        reason = (
            f"{filmed_from(_label_of(view, seen_still) or view.label)} "
            f"({_span_s(t, seen_still):.1f} s) it did not move {_MOVED_DEG:.0f} deg or more; "
            f"at {t[ruled_out][0]:.1f}-{t[ruled_out][-1]:.1f} s, where it moved, {reason}"
        )
    return reason, "view_not_supported"


def _label_of(view: ViewEstimate, frames: np.ndarray) -> str | None:
    """The view label of the body's median heading over ``frames`` (bool, shape
    (frames,)); None when the heading is unknown there."""
    yaw = np.asarray(view.yaw_deg, dtype=float)[frames]
    yaw = yaw[np.isfinite(yaw)]
    return view_label(circular_median_deg(yaw)) if yaw.size else None


def _step_s(t: np.ndarray) -> float:
    """The median interval between frames (s); 0 with fewer than two frames."""
    return float(np.median(np.diff(t))) if len(t) > 1 else 0.0


def _span_s(t: np.ndarray, frames: np.ndarray) -> float:
    """Seconds covered by ``frames`` (bool, shape (frames,)): each frame counts for the
    median interval between frames."""
    return float(frames.sum()) * _step_s(t)


def _few_frames(
    measure: str,
    side: str,
    n_frames: int,
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    view: ViewEstimate,
) -> tuple[str, str]:
    """Why a measure's side was measured in only ``n_frames`` frames, and its flag: the
    view, when it ruled out most of the frames where the side was measured (the camera
    must move, not the client's visibility improve; the typical obliqueness of those
    frames is said), else the body parts to keep in view."""
    ruled = _view_ruled_out(measure, side, angles, support, view)
    if ruled is not None:
        return ruled
    names = _words(catalogue.ANGLES[_key(measure, side)].landmarks[:3])
    return f"measured in only {n_frames} frames: keep the {names} in view and well lit", (
        "too_few_frames"
    )


def _no_value(
    measure: str,
    side: str,
    obliq: float,
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    view: ViewEstimate,
) -> tuple[str, str]:
    """Why a measure has no value on a side, in words, and its flag: never measured, the
    view does not support it, or it was measured only with a body part out of the image."""
    key = _key(measure, side)
    sup = support[key]
    cols = [c for c in _columns(measure, side) if c and c in angles]
    has, view_ok = _frames_by_view(measure, side, angles, support)
    if not has.any():
        names = _words(catalogue.ANGLES[key].landmarks[:3])
        return (
            f"not measured in any frame: keep the {names} in view, unhidden and well lit",
            "too_few_frames",
        )
    at_peak_ok = np.isfinite(obliq) and any(
        bool(estimate_valid(key, "3d" if c.endswith("_3d_deg") else "2d", np.array([obliq]))[0])
        for c in cols
    )
    if not view_ok.any() or (np.isfinite(obliq) and not at_peak_ok):
        # the view does not support it, at least not where the movement peaked
        return _view_reason(measure, side, obliq, view), "view_not_supported"
    seen_ok = view_ok & sup.seen
    if seen_ok.any():
        return _few_frames(measure, side, int(seen_ok.sum()), angles, support, view)
    out = sup.outside[view_ok].mean(axis=0) if sup.outside is not None else np.zeros(0)
    gone = [n for n, f in zip(sup.landmarks, out) if f > 0.5]
    what = f"the {_words(gone)}" if gone else "a body part it needs"
    return (
        (
            f"{what} lay outside the image (or at its edge) whenever it was measured; move "
            "the camera back or re-frame with room around the client"
        ),
        "not_in_image",
    )


# --- one side of a range-of-motion measure ------------------------------------------------


#: A side's 3D shoulder movement in its plane: its summary, the values a peak may come
#: from, and the same without the image-edge rule.
_InPlane = tuple[dict[str, Any], np.ndarray, np.ndarray]


def _on_side(
    movement: str,
    elevation_deg: np.ndarray,
    flexion_deg: np.ndarray | None,
    raises: list[Excursion],
) -> tuple[np.ndarray, np.ndarray]:
    """Frames where the arm is on a movement's side of the trunk's frontal plane, and
    frames at rest (in no raise), both shape (frames,).

    Flexion is the elevation of an arm in front of the frontal plane, extension of one
    behind it; abduction is not split. In a raise named after the movement every frame
    counts; in a raise whose plane is unknown, and at rest (below the raises' threshold,
    where the plane of elevation is undefined), the sign of the sagittal-plane angle
    ``flexion_deg`` (positive forwards) tells the side; without it, no frame there counts.
    """
    n = len(elevation_deg)
    at_rest = np.isfinite(elevation_deg)
    on_side = np.zeros(n, dtype=bool)
    if flexion_deg is not None and movement in ("flexion", "extension"):
        with np.errstate(invalid="ignore"):
            by_sign = flexion_deg > 0 if movement == "flexion" else flexion_deg < 0
    else:
        by_sign = np.full(n, movement not in ("flexion", "extension"))
    for x in raises:
        at_rest[x.start : x.stop] = False
        if x.movement == movement:
            on_side[x.start : x.stop] = True
        elif x.movement == "unknown":
            on_side[x.start : x.stop] = by_sign[x.start : x.stop]
    on_side |= at_rest & by_sign
    return on_side, at_rest


def _shoulder_in_plane(
    measure: str,
    side: str,
    direction: str,
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    limbs: Mapping[str, Mapping[str, LimbElevation]],
    expected: Mapping[str, Mapping[str, float]],
    *,
    prominence_deg: float = 10.0,
) -> _InPlane | None:
    """The 3D value of a shoulder flexion, extension or abduction: the ISB elevation of the
    raises made in that movement's plane (frames supported by the view).

    The elevation has no sign, so each direction counts only the frames where the arm is
    on its side of the trunk's frontal plane (:func:`_on_side`): an arm raised forwards
    is no extension, and an arm hanging at its side is neither. The direction is
    ``performed`` only when such a frame rises ``prominence_deg`` or more above the
    resting elevation: the starting posture (neutral) when one was found, else the
    median elevation of the frames at rest (in no raise), else 0 (arm hanging). The
    summary's direction gains ``on_side`` (a frame on the side exists) and
    ``rest_deg``.
    """
    movement = _PLANE_MOVEMENTS.get((measure, direction))
    elev_col = f"shoulder_elevation_{side}_3d_deg"
    if (
        not movement
        or movement[0] != "shoulder"
        or "shoulder" not in limbs
        or elev_col not in angles
    ):
        return None
    t = angles.time_s
    limb = limbs["shoulder"][side]
    elev = angles[elev_col]
    raises = excursions(elev, limb.plane_of_elevation_deg, t)
    key = _key(measure, side)
    sup = support[key]
    view_ok = estimate_valid(key, "3d", sup.obliqueness_deg)
    flex_col = f"shoulder_flexion_{side}_3d_deg"
    flexion = angles[flex_col] if flex_col in angles else None  # noqa: SIM401
    on_side, at_rest = _on_side(movement[1], elev, flexion, raises)
    # frames of a raise on the other side go; frames at rest stay (the baseline)
    values_all = np.where(
        view_ok & (on_side | at_rest), restrict_to_movement(elev, raises, movement[1]), np.nan
    )
    values = np.where(sup.seen, values_all, np.nan)
    adef = catalogue.ANGLES[key]
    label = short_label(adef.positive if direction == "positive" else str(adef.negative))
    normal = expected.get(_columns(measure, side)[1] or "", {}).get(direction)
    summary = summarize_angle(
        values,
        t,
        positive_label=label,
        column=elev_col,
        expected_deg={"positive": normal} if normal else None,
        prominence_deg=prominence_deg,
    )
    d = summary["directions"]["positive"]
    neutral = float(summary["neutral_deg"])
    resting = elev[at_rest & view_ok & np.isfinite(elev)]
    rest = neutral if np.isfinite(neutral) else float(np.median(resting)) if resting.size else 0.0
    side_values = np.where(on_side, values, np.nan)
    d["on_side"] = bool(np.isfinite(side_values).any())
    d["rest_deg"] = rest
    if d["on_side"]:
        i = int(np.nanargmax(side_values))
        if float(side_values[i]) < float(d["peak_deg"]):  # the peak of this side
            d["peak_deg"], d["peak_time_s"] = float(side_values[i]), float(t[i])
            d["excursion_deg"] = float(side_values[i]) - neutral
    d["performed"] = bool(
        d["performed"] and d["on_side"] and float(d["peak_deg"]) - rest >= prominence_deg
    )
    # an unseen value beyond the peak counts only on this side
    return summary, values, np.where(on_side, values_all, np.nan)


def _standing_leg(
    measure: str,
    side: str,
    stance: np.ndarray | None,
    t: np.ndarray,
    peak_t: float | None,
    half: float,
) -> float | None:
    """The peak's time when a hip measure's side was the only leg the client stood on
    around its peak (most frames within ``half`` seconds; ``stance`` as in
    :func:`compute_results`), else None. A range-of-motion test moves the free leg; the
    standing leg's angle to the pelvis then follows the pelvis and trunk above it."""
    if stance is None or peak_t is None or not measure.startswith("hip_") or side == SIDE_NONE:
        return None
    near = _near(t, peak_t, half)
    if not near.any():
        return None
    on_it = float(np.mean(np.asarray(stance)[near] == _STANCE_CODE[side]))
    return float(peak_t) if on_it > 0.5 else None


def _moved_in(raises: list[Excursion]) -> Excursion | None:
    known = [x for x in raises if x.movement != "unknown"]
    return max(known, key=lambda x: x.peak_deg) if known else None


def _raise_at(raises: list[Excursion], t: np.ndarray, t0: float | None) -> Excursion | None:
    if t0 is None:
        return None
    i = int(np.argmin(np.abs(t - t0)))
    return next((x for x in raises if x.start <= i < x.stop), None)


def _rom_side(
    plan: _Plan,
    side: str,
    direction: str,
    norm: Norm | None,
    estimate: str | None,
    obliq_hint: float,
    *,
    angles: AngleSeries,
    supported: AngleSeries,
    rom: Mapping[str, dict[str, Any]],
    support: Mapping[str, AngleSupport],
    limbs: Mapping[str, Mapping[str, LimbElevation]],
    view: ViewEstimate,
    expected: Mapping[str, Mapping[str, float]],
    settings: ResultSettings,
    in_planes: Mapping[str, _InPlane] | None = None,
    stance: np.ndarray | None = None,
) -> dict[str, Any]:
    key = _key(plan.measure, side)
    c2, c3 = _columns(plan.measure, side)
    sup = support[key]
    t = angles.time_s
    half = settings.peak_window_s
    col = {"2d": c2, "3d": c3, "face": _face_column(plan.measure, side)}.get(str(estimate))
    out = _empty_side(col, estimate, norm)
    sign = -1.0 if direction == "negative" else 1.0
    adef = catalogue.ANGLES[key]
    label = short_label(adef.positive if sign > 0 else str(adef.negative))

    # the plane each raise of the limb went through (shoulder and hip movements)
    movement = _PLANE_MOVEMENTS.get((plan.measure, direction))
    raises: list[Excursion] = []
    limb_elev: np.ndarray | None = None  # the limb's 3D elevation: any view sees it move
    if movement and side != SIDE_NONE and movement[0] in limbs:
        limb = limbs[movement[0]][side]
        elev_col = f"shoulder_elevation_{side}_3d_deg" if movement[0] == "shoulder" else None
        elev = angles[elev_col] if elev_col and elev_col in angles else limb.elevation_deg
        raises = excursions(elev, limb.plane_of_elevation_deg, t)
        limb_elev = elev
    limb_word = "arm" if movement and movement[0] == "shoulder" else "leg"

    # the view first, for every measure: a view that does not support the measure decides
    # the answer before the movement does (its plane, its size, its repetitions)
    ruled = _view_ruled_out(plan.measure, side, angles, support, view, limb_elev)
    if ruled is not None or estimate is None or col is None:
        reason, flag = ruled or _no_value(plan.measure, side, obliq_hint, angles, support, view)
        out["reason"] = reason
        out["flags"].append(flag)
        moved = _moved_in(raises)
        if moved is not None:
            out["plane_of_elevation_deg"] = round(moved.plane_of_elevation_deg, 1)
            out["moved_in"] = _movement_name(moved.movement, limb_word)
            out["reason"] += (
                f"; the {limb_word} was raised in {_plane_words(moved.movement, limb_word)}"
            )
        return out

    # the values a peak may come from (seen) and the same without the image-edge rule
    in_plane = (in_planes or {}).get(side)
    if in_plane is None and movement and movement[0] == "shoulder" and estimate == "3d":
        in_plane = _shoulder_in_plane(
            plan.measure, side, direction, angles, support, limbs, expected
        )
    if in_plane is not None:
        summary, values, values_all = in_plane
        out["column"] = summary["column"]
        d = summary["directions"]["positive"]
        value_sign = 1.0
    else:
        summary = rom.get(col) or summarize_angle(
            supported[col],
            t,
            positive_label=adef.positive,
            negative_label=adef.negative,
            column=col,
        )
        d = summary["directions"][direction]
        values = supported[col]
        values_all = np.where(sup.valid(estimate), angles[col], np.nan)
        value_sign = sign

    n_valid = int(np.isfinite(values).sum())
    out["valid_fraction"] = round(n_valid / len(t), 3) if len(t) else 0.0
    peak = _num(d.get("peak_deg"))
    value = value_sign * peak if peak is not None else None
    peak_t = _num(d.get("peak_time_s"))
    out["peak_time_s"] = peak_t
    ob = _median_near(sup.obliqueness_deg, t, peak_t, half) if peak_t is not None else obliq_hint
    out["obliqueness_deg"] = _num(ob)
    raise_here = _raise_at(raises, t, peak_t)
    moved = raise_here or _moved_in(raises)
    if moved is not None and np.isfinite(moved.plane_of_elevation_deg):
        out["plane_of_elevation_deg"] = round(moved.plane_of_elevation_deg, 1)
        out["moved_in"] = _movement_name(moved.movement, limb_word)
    elif movement:
        out["plane_of_elevation_deg"] = None
        out["moved_in"] = None

    # is the most extreme value one the camera did not see?
    not_seen_at: int | None = None
    if np.isfinite(values_all).any():
        i_all = int(np.nanargmax(value_sign * values_all))
        beyond = value_sign * values_all[i_all] - (value if value is not None else -np.inf)
        if not sup.seen[i_all] and beyond > settings.not_seen_margin_deg:
            not_seen_at = i_all

    if n_valid < settings.min_valid_frames and not_seen_at is None:
        if n_valid == 0:
            reason, flag = _no_value(plan.measure, side, obliq_hint, angles, support, view)
            out["reason"] = reason
            out["flags"].append(flag)
        elif len(t) < settings.min_valid_frames:
            out["reason"] = too_short_reason(len(t), t, settings.min_valid_frames)
            out["flags"].append("too_few_frames")
        else:
            reason, flag = _few_frames(plan.measure, side, n_valid, angles, support, view)
            out["reason"] = reason
            out["flags"].append(flag)
        return out

    if not_seen_at is not None:
        gone = sup.outside_at(not_seen_at) or ["a landmark"]
        gone_words = _words(gone)
        out["status"] = "not_seen"
        out["at_least_deg"] = round(value, 1) if value is not None and value > 0 else None
        out["reason"] = (
            f"the {label} peak was not seen: the {gone_words} "
            f"left the image (or reached its edge) at {t[not_seen_at]:.2f} s; move the camera "
            "back or re-frame so the whole movement stays in view"
        )
        out["flags"].append("peak_not_seen")
        out["peak_time_s"] = float(t[not_seen_at])
        return out

    # a direction counts from the angle's zero: a head bowed 30 deg that comes back to 18
    # moved towards extension but never reached it (18 is still flexion)
    wrong_side = value is not None and value <= 0.0 and value_sign == sign
    if not d.get("performed") or wrong_side:
        other = _moved_in(raises)
        if movement and other is not None and other.movement != movement[1]:
            out["status"] = "not_performed"
            out["reason"] = (
                f"the {limb_word} was raised in "
                f"{_plane_words(other.movement, limb_word)}, plane of elevation "
                f"{other.plane_of_elevation_deg:.0f} deg, not in {_PLANE_WORDS[movement[1]]}"
            )
            out["flags"].append("moved_in_another_plane")
        elif in_plane is not None and "rest_deg" in d:
            # the elevation has no sign: say whether the arm went to this side at all
            out["status"] = "not_performed"
            way = {"flexion": "forwards", "extension": "backwards"}.get(
                movement[1] if movement else "", "in this plane"
            )
            rest = float(d["rest_deg"])
            if not d.get("on_side"):
                out["reason"] = (
                    f"no {label}: the {limb_word} was not raised {way} "
                    f"(resting elevation about {rest:.0f} deg)"
                )
            else:
                out["reason"] = (
                    f"no {label} of 10 deg or more: the {limb_word} was raised {way} to "
                    f"{value:.0f} deg from a resting elevation of about {rest:.0f} deg"
                )
            out["flags"].append("at_rest")
        else:
            out["status"] = "not_performed"
            largest = f" (largest {value:.0f} deg)" if value is not None else ""
            start = _num(summary.get("neutral_deg"))
            if wrong_side:
                opposite = short_label(str(adef.negative) if sign > 0 else adef.positive)
                largest = (
                    f": it never passed the zero position (nearest: {abs(value):.0f} deg "  # type: ignore[arg-type]
                    f"of {opposite})"
                )
                start = None
            if value is not None and start is not None and abs(start) >= 5.0:
                # the movement is counted from the client's starting posture: a head
                # already bowed 35 deg that bows to 42 did not flex 10 deg
                largest = (
                    f" from the starting posture ({value_sign * start:.0f} deg; "
                    f"largest {value:.0f} deg)"
                )
            out["reason"] = (
                f"no {label}{largest}" if wrong_side else f"no {label} of 10 deg or more{largest}"
            )
        out["value_deg"] = None
        return out

    # a hip's reading while the client stood on that leg alone is the pelvis and trunk
    # tilting over the standing leg, not the tested leg moving (a man balancing on his
    # left leg, leaning 41 deg over it, read 43 deg of left hip abduction)
    standing = _standing_leg(plan.measure, side, stance, t, peak_t, half)
    if standing is not None:
        free = "right" if side == "left" else "left"
        out["status"] = "not_performed"
        out["flags"].append("standing_leg")
        out["reason"] = (
            f"the {side} leg was the standing leg at its peak ({standing:.1f} s; the {free} "
            f"foot was raised): its {value:.0f} deg came from the pelvis and trunk tilting "
            f"over it, not from the leg moving; the tested leg is the raised one (film each "
            "leg raised in turn)"
        )
        out["value_deg"] = None
        return out

    # a 2D value counts only when its raise went through the measure's plane
    if movement and estimate == "2d" and raise_here is not None:
        # a raise between two planes (the scapular plane...) is neither movement: its 2D
        # projection on the measure's plane overstates it (an arm raised to 150 deg in
        # the scapular plane reads about 160 deg of flexion side-on), and the 3D value
        # leaves such raises out too (rom.metrics.humeral.restrict_to_movement)
        other_plane = raise_here.movement not in (movement[1], "unknown")
        # or the arm went the other way: in front of the frontal plane is no extension
        front = float(np.sin(np.radians(raise_here.plane_of_elevation_deg)))
        other_side = movement[1] in ("flexion", "extension") and (
            (front < 0) if movement[1] == "flexion" else (front > 0)
        )
        if other_plane or other_side:
            where = (
                ""
                if other_plane
                else f", {'behind' if front < 0 else 'in front of'} the frontal plane"
            )
            out["status"] = "not_performed"
            out["reason"] = (
                f"at its peak the {limb_word} was raised in "
                f"{_plane_words(raise_here.movement, limb_word)}, plane of "
                f"elevation {raise_here.plane_of_elevation_deg:.0f} deg{where}, not in "
                f"{_PLANE_WORDS[movement[1]]}"
            )
            out["flags"].append("moved_in_another_plane")
            return out

    # a value beyond what the joint can reach is a landmark error, not a finding: no number
    limit = beyond_anatomical_range(
        plan.measure, sign * value if value is not None else float("nan")
    )
    if limit is not None:
        out["status"] = "not_measurable"
        out["flags"].append("beyond_anatomical_range")
        when = f" at {peak_t:.1f} s" if peak_t is not None else ""
        joint = plan.measure.split("_")[0]
        out["reason"] = (
            f"the reading went past what a {joint} can reach ({label} beyond about "
            f"{abs(limit):.0f} deg){when}: a landmark error (a limb hidden, crossed or taken "
            "for the other), not a movement; check the overlay, film the limb unhidden"
        )
        return out

    out["status"] = "measured"
    out["value_deg"] = value
    # the view the value was read from, and whether it is the one the measure is judged in
    if peak_t is not None:
        yaw = yaw_near(view, t, peak_t)
        there = view_label(yaw)
        out["view_at_peak"] = there
        out["yaw_at_peak_deg"] = _num(yaw)
        turned = _turned_deg(yaw, view.dominant_yaw_deg)
        out["read_in_clip_view"] = not (np.isfinite(turned) and turned > LABEL_TOLERANCE_DEG)
        judged_in = _measure_views(plan, side, estimate)
        if _other_view(yaw, view.dominant_yaw_deg, judged_in):
            out["flags"].append("other_view")
            if out["read_in_clip_view"] and judged_in:
                # the camera itself stood so (an oblique camera): which view the measure
                # needs, and what a value read elsewhere is worth
                out["warnings"].append(
                    f"measured at {peak_t:.1f} s, {filmed_from(there)}, as most of the clip "
                    f"is filmed: {_off_view_words(yaw, judged_in)}, where "
                    f"{measure_title(plan.measure).lower()} is seen square; less certain "
                    "than a value read there, and its change between sessions is not judged"
                )
            else:  # the client turned
                wanted = (
                    f"; the protocol needs a {' or '.join(plan.views)} view" if plan.views else ""
                )
                out["warnings"].append(
                    f"measured at {peak_t:.1f} s, {filmed_from(there)} (most of the clip is "
                    f"{filmed_from(view.label)}{wanted}): check that this was the movement "
                    "tested"
                )
    reps = [
        value_sign * float(p) if _num(p) is not None else None for p in d.get("rep_peaks_deg", [])
    ]
    out["n_reps"] = int(d.get("n_reps", 0))
    out["rep_peaks_deg"] = reps
    finite_reps = [r for r in reps if r is not None]
    out["rep_sd_deg"] = float(np.std(finite_reps, ddof=1)) if len(finite_reps) >= 2 else None
    if d.get("bilateral"):
        out["bilateral"] = d["bilateral"]

    other_col = c3 if estimate in ("2d", "face") else c2
    other_value: float | None = None
    if other_col and other_col in rom and direction in rom[other_col]["directions"]:
        op = _num(rom[other_col]["directions"][direction].get("peak_deg"))
        other_value = sign * op if op is not None else None
    out["other_estimate_deg"] = other_value
    vis = _median_near(sup.visibility, t, peak_t, half)
    u = value_uncertainty(
        estimate=estimate,
        value_deg=value if value is not None else float("nan"),
        obliqueness_deg=_num(ob),
        visibility=_num(vis),
        rep_peaks_deg=finite_reps,
        other_estimate_deg=other_value,
        both_estimates_valid=bool(np.isfinite(ob) and ob <= MAX_2D_OBLIQUENESS_DEG),
        zero_unknown=not summary.get("quality", {}).get("neutral_found", True),
    )
    out["uncertainty_deg"] = _num(u.deg)
    out["uncertainty_components"] = u.components
    if norm is not None and norm.normal_deg and value is not None:
        out["percent_of_normal"] = 100.0 * value / norm.normal_deg

    # flags and notes
    for flag in ("peak_at_edge", "peak_near_gap"):
        if d.get(flag):
            out["flags"].append(flag)
    if d.get("peak_edge"):
        out["peak_edge"] = d["peak_edge"]
    quality = summary.get("quality", {})
    if not quality.get("neutral_found", True):
        out["flags"].append("no_neutral")
    if sup.visibility.size and np.isfinite(vis) and vis < 0.7:
        out["flags"].append("low_visibility")
    other_labels = [
        short_label(str(x))
        for x in (adef.positive, adef.negative)
        if x is not None and short_label(str(x)) != label
    ]
    for note in summary.get("warnings", []):
        if not any(note.startswith(o) for o in other_labels):
            out["warnings"].append(note)
    if out.get("peak_edge") in _EDGE_WORDS:
        if _reached_away_from_edges(values, value_sign, t, value, settings.not_seen_margin_deg):
            # seen whole elsewhere: the value is a seen peak, not cut off
            del out["peak_edge"]
            out["flags"] = [f for f in out["flags"] if f not in ("peak_at_edge", "peak_near_gap")]
        elif out["peak_edge"] in LOWER_BOUND_EDGES:
            _as_lower_bound(out, label, _measured_span(values, t))
    return out


def _reached_away_from_edges(
    values: np.ndarray, value_sign: float, t: np.ndarray, value: float | None, margin_deg: float
) -> bool:
    """Whether the peak ``value`` (degrees, in the direction's sign) was also reached,
    within ``margin_deg`` (the margin of the image-edge rule), at a frame away from every
    edge of what was measured (:func:`rom.metrics.rom_summary.away_from_edges`): then the
    peak was seen whole elsewhere (a second repetition as large as one beside a gap) and
    the value stands."""
    if value is None:
        return False
    x = value_sign * np.asarray(values, dtype=float)
    inside = away_from_edges(np.isfinite(x), t)
    return bool(inside.any() and np.nanmax(x[inside]) >= value - margin_deg)


#: Edges of what was measured (:func:`rom.metrics.rom_summary.peak_edge`) at which a peak
#: reached nowhere else is a lower bound: the clip's start or end and the frame where the
#: person was lost, past which nothing of the movement was seen. A peak beside frames
#: without a value inside a measured stretch (``"gap"``: usually a few frames the support
#: rules left out, a foreshortened segment or a hidden joint, with the movement measured
#: on both sides) keeps its value, said "may be cut off" beside it
#: (:func:`edge_words`) and left out of ``rom batch --summary``'s pools: as a lower bound
#: the same peak read as a value in one copy of a clip and "not seen" in another (the
#: sample clip and the outdoor clip's identical first 150 frames; review, stop 20).
LOWER_BOUND_EDGES = ("start", "end")


def _off_view_words(yaw_deg: float, views: tuple[str, ...]) -> str:
    """How far a heading was from the views a measure is judged in, in words: "41 deg
    from a front or back view"."""
    return f"{views_deviation_deg(yaw_deg, views):.0f} deg from a {' or '.join(views)} view"


def _say_view_of_verdict(
    r: dict[str, Any], plan: _Plan, side: str, view: ViewEstimate, t: np.ndarray
) -> None:
    """A "not performed" read in another view than its measure's says so: lab camera 1
    (41 deg from the front) said "no extension" of a trunk that the four-view reference
    had extending 16 deg at the time (a 42 deg side bend read obliquely in 3D)."""
    peak_t = r.get("peak_time_s")
    if r.get("status") != "not_performed" or peak_t is None:
        return
    if {"standing_leg", "moved_in_another_plane", "at_rest"} & set(r.get("flags", [])):
        return  # a verdict on how the limb moved, which the view does not change
    judged_in = _measure_views(plan, side, r.get("estimate"))
    yaw = yaw_near(view, t, float(peak_t))
    if not judged_in or not _other_view(yaw, view.dominant_yaw_deg, judged_in):
        return
    where = filmed_from(view_label(yaw)).removeprefix("filmed ")
    r["reason"] = (
        f"{r.get('reason') or 'not performed'} (read {where}, "
        f"{_off_view_words(yaw, judged_in)}: less certain; film from that view to be sure)"
    )


def _measured_span(values: np.ndarray, t: np.ndarray) -> str:
    """Where the values (shape (frames,)) lie in the clip when they do not reach its
    ends, in words (" (values from 0.0 to 0.3 s of the 1.7 s clip)"); else "": the
    start or end of what was measured is then not the clip's own."""
    finite = np.isfinite(values)
    if not finite.any() or len(t) < 2:
        return ""
    first, last = float(t[finite][0]), float(t[finite][-1])
    step = _step_s(t)
    near = EDGE_S + step  # the edge rule's reach (rom.metrics.rom_summary.peak_edge)
    if first - float(t[0]) <= near and float(t[-1]) - last <= near:
        return ""
    clip_s = float(t[-1]) - float(t[0]) + step
    return f" (values from {first:.1f} to {last:.1f} s of the {clip_s:.1f} s clip)"


def _as_lower_bound(out: dict[str, Any], label: str, span: str = "") -> None:
    """A peak at the start or end of what was measured (the clip's start or end, the
    frame where the person was lost: :data:`LOWER_BOUND_EDGES`, by
    :func:`rom.metrics.rom_summary.peak_edge`) and reached nowhere else is not a seen
    peak: the movement may have gone on where nothing was measured, so the value is a
    lower bound. The side becomes
    ``not_seen`` with ``at_least_deg`` (the largest value seen) and no value, percentage
    of normal or uncertainty: a lower bound is not set against the normal range nor
    against the other side. Its flag ``peak_at_edge`` stays. ``span``
    (:func:`_measured_span`) says where what was measured lay in the clip."""
    value = out.get("value_deg")
    out["status"] = "not_seen"
    out["at_least_deg"] = round(float(value), 1) if value is not None and value > 0 else None
    out["value_deg"] = None
    out["percent_of_normal"] = None
    out["within_normal"] = None
    out["uncertainty_deg"] = None
    where = _EDGE_WORDS[str(out["peak_edge"])] + span
    least = out["at_least_deg"]
    seen = f"{least:.0f} deg seen" if least is not None else "values seen"
    at = f" at {out['peak_time_s']:.1f} s" if out.get("peak_time_s") is not None else ""
    # values that stop short of the clip's ends stop where the view (or tracking) did
    how = "square to the camera and " if span else ""
    out["reason"] = (
        f"the {label} peak was not seen: it lay{at}, {where}, so the movement may have "
        f"gone further than the {seen}; film the whole movement {how}with the client in "
        "view from start to end"
    )


# --- posture ---------------------------------------------------------------------------


def _posture_measures(
    plans: list[_Plan],
    angles: AngleSeries,
    supported: AngleSeries,
    support: Mapping[str, AngleSupport],
    protocol: Protocol | None,
    view: ViewEstimate,
    settings: ResultSettings,
) -> list[dict[str, Any]]:
    t = angles.time_s
    still_needed = protocol.still_s if protocol is not None else 5.0
    choice: dict[str, str | None] = {}
    obliq: dict[str, float] = {}
    for plan in plans:
        key = plan.measure
        ob = support[key].obliqueness_deg
        o = float(np.nanmedian(ob)) if np.isfinite(ob).any() else float("nan")
        obliq[key] = o
        c2, c3 = _columns(plan.measure, SIDE_NONE)
        arr = np.array([o])
        choice[key] = None
        by_estimate = {"2d": c2, "3d": c3}
        for candidate in (e for e in estimate_order(key) if e in by_estimate):
            col_c = by_estimate[candidate]
            if (
                col_c
                and col_c in supported
                and np.isfinite(supported[col_c]).any()
                and estimate_valid(key, candidate, arr)[0]
            ):
                choice[key] = candidate
                break
    cols = [_columns(p.measure, SIDE_NONE)[0 if choice[p.measure] == "2d" else 1] for p in plans]
    series = [supported[c] for c, p in zip(cols, plans) if c is not None and choice[p.measure]]
    period = still_period(
        t, series, window_s=settings.still_window_s, tolerance_deg=settings.still_tolerance_deg
    )
    duration = float(t[-1] - t[0]) + (float(np.median(np.diff(t))) if len(t) > 1 else 0.0)
    long_enough = period is not None and period[2] >= still_needed - 1e-9
    out = []
    for plan, col in zip(plans, cols):
        direction, norm = plan.directions[0]
        est = choice[plan.measure]
        side = _empty_side(col if est else None, est, norm)
        side["still_s"] = round(period[2], 2) if period else 0.0
        if est is None or col is None:
            reason, flag = _no_value(
                plan.measure, SIDE_NONE, obliq[plan.measure], angles, support, view
            )
            side["reason"] = reason
            side["flags"].append(flag)
        elif not long_enough:
            longest = period[2] if period else 0.0
            still = (
                f"the client was still for at most {longest:.1f} s"
                if longest >= 0.1
                else "the client did not keep still at any time"
            )
            side["reason"] = (
                f"no still period of {still_needed:g} s: the clip lasts only "
                f"{duration:.1f} s; film the client standing still for 10 s"
                if duration < still_needed
                else f"no still period of {still_needed:g} s: {still} in the "
                f"{duration:.1f} s clip; stand still for 10 s"
            )
            side["flags"].append("no_still_period")
        else:
            assert period is not None
            a, b = period[0], period[1]
            x = supported[col][a:b]
            x = x[np.isfinite(x)]
            if x.size < 2:
                side["reason"] = "not measured during the still period"
                side["flags"].append("too_few_frames")
            else:
                value = float(np.median(x))
                spread = float(np.std(x, ddof=1))
                side.update(
                    status="measured",
                    value_deg=value,
                    spread_deg=spread,
                    still_start_s=float(t[a]),
                    peak_time_s=None,
                    obliqueness_deg=_num(obliq[plan.measure]),
                    valid_fraction=round(float(np.isfinite(supported[col]).mean()), 3),
                )
                vis = support[plan.measure].visibility[a:b]
                u = value_uncertainty(
                    estimate=est,
                    value_deg=value,
                    obliqueness_deg=_num(obliq[plan.measure]),
                    visibility=_num(np.nanmedian(vis)) if np.isfinite(vis).any() else None,
                    spread_deg=spread,
                    spread_duration_s=period[2],
                )
                side["uncertainty_deg"] = _num(u.deg)
                side["uncertainty_components"] = u.components
                if norm is not None and (norm.min_deg is not None or norm.max_deg is not None):
                    lo = norm.min_deg if norm.min_deg is not None else -math.inf
                    hi = norm.max_deg if norm.max_deg is not None else math.inf
                    side["within_normal"] = bool(lo <= value <= hi)
                limit = beyond_anatomical_range(plan.measure, value)
                if limit is not None:  # a landmark error, not a posture: no number
                    side.update(
                        status="not_measurable",
                        value_deg=None,
                        uncertainty_deg=None,
                        within_normal=None,
                        reason=(
                            "the reading during the still period lay beyond any plausible "
                            f"posture (past about {abs(limit):.0f} deg): a landmark error, "
                            "not a posture; check the overlay, film the client whole and "
                            "unhidden"
                        ),
                    )
                    side["flags"].append("beyond_anatomical_range")
        adef = catalogue.ANGLES[plan.measure]
        out.append(
            {
                "measure": plan.measure,
                "title": measure_title(plan.measure),
                "kind": "posture",
                "direction": direction,
                "label": _posture_label(adef),
                "norm_source": norm.source if norm else None,
                "sides": {SIDE_NONE: side},
                "asymmetry": None,
            }
        )
    return out


def _posture_label(adef: catalogue.AngleDef) -> str:
    if adef.negative is None:
        return short_label(adef.positive)
    return f"+ {short_label(adef.positive)}, - {short_label(adef.negative)}"


# --- asymmetry ---------------------------------------------------------------------------


def _not_comparable(reason: str) -> dict[str, Any]:
    return {
        "status": "not_comparable",
        "reason": reason,
        "difference_deg": None,
        "symmetry_index_pct": None,
        "uncertainty_deg": None,
        "exceeds_uncertainty": None,
    }


def _read_where(r: Mapping[str, Any], *, brackets: bool = False) -> str:
    """`` at 5.3 s, filmed from the client's right side``: when and from where a value
    was read (the view in brackets with ``brackets``)."""
    at = f" at {r['peak_time_s']:.1f} s" if r.get("peak_time_s") is not None else ""
    there = r.get("view_at_peak")
    if not there or there == "unknown":
        return at
    return at + (f" ({filmed_from(str(there))})" if brackets else f", {filmed_from(str(there))}")


def _asymmetry(
    right: Mapping[str, Any],
    left: Mapping[str, Any],
    who: tuple[str, str] = ("the right side", "the left side"),
) -> dict[str, Any]:
    """Right against left, only when the two values compare: both measured, with the same
    kind of estimate (2D, 3D or face-based), from the same view (the body's headings
    at the two peaks within 30 deg, or mirror images: each side filmed from its own
    side, :func:`rom.metrics.view.same_view`) and with the two sides seen at the same
    angle to the camera (:func:`rom.metrics.view.sides_seen_alike`: from the front or
    back, or each side from its own side; in one oblique or side view the near and the
    far side are seen differently, so no difference is judged). Otherwise
    ``not_comparable`` with the reason in words. ``who`` names the right and the left
    value.

    The difference ``d = R - L`` has the standard uncertainty ``u_d = sqrt(u_R^2 + u_L^2)``
    (the law of propagation of uncertainty for a difference of two uncorrelated values,
    GUM JCGM 100:2008 eq. 10), each ``u`` the side's one-SD ``uncertainty_deg``
    (:mod:`rom.metrics.uncertainty`), and ``exceeds_uncertainty`` is ``|d| > 1.96 u_d``
    (the printed band "+/- 1.96 u_d"). Against the four-view lab reference
    (``benchmarks/accuracy.py --models full --reference full``: 6 limb angle pairs, 4
    views) the left and right errors correlate +0.36 overall but -0.72 to +0.82 by angle
    and view, and 96.9 percent of 1245 frame pairs' ``|e_R - e_L|`` lie within
    ``1.96 u_d`` (95.3 percent with a common correlation of 0.36 taken off): the
    uncorrelated form is kept, slightly wide on that one clip rather than tuned to it."""
    missing = [(w, x) for w, x in zip(who, (right, left)) if x["status"] != "measured"]
    if missing:
        if len(missing) == 2:
            return _not_comparable("neither side has a value")
        w, x = missing[0]
        return _not_comparable(f"{w} has no value ({STATUS_WORDS[x['status']]})")
    if right["estimate"] != left["estimate"]:
        name = {"2d": "in 2D", "3d": "in 3D", "face": "from the face"}
        return _not_comparable(
            f"{who[0]} was read {name.get(right['estimate'], right['estimate'])}, "
            f"{who[1]} {name.get(left['estimate'], left['estimate'])}: values of different "
            "methods do not compare"
        )
    yr, yl = (
        float("nan") if y is None else y
        for y in (_num(right.get("yaw_at_peak_deg")), _num(left.get("yaw_at_peak_deg")))
    )
    if not same_view(yr, yl):
        return _not_comparable(
            f"{who[0]} was read{_read_where(right, brackets=True)}, "
            f"{who[1].removesuffix(' side')}{_read_where(left, brackets=True)}: different "
            "views do not compare; film both from one view (or each side from its own side)"
        )
    if not sides_seen_alike(yr, yl):
        return _not_comparable(
            f"{who[0]} was read{_read_where(right)}, {who[1].removesuffix(' side')}"
            f"{_read_where(left)}: in an oblique or side view one side is nearer the camera, "
            "seen at another angle and partly hidden by the body, so their difference is not "
            "judged as asymmetry; film from the front or back (or each side from its own side)"
        )
    flagged = ["other_view" in x.get("flags", []) for x in (right, left)]
    if flagged[0] != flagged[1]:
        w = who[0] if flagged[0] else who[1]
        x = right if flagged[0] else left
        return _not_comparable(
            f"{w} was read{_read_where(x, brackets=True)} in another view than its "
            "measure's: not compared; film both from the view the measure needs"
        )
    r, lft = float(right["value_deg"]), float(left["value_deg"])
    ur, ul = right.get("uncertainty_deg") or 0.0, left.get("uncertainty_deg") or 0.0
    u = difference_sd(ur, ul)
    diff = r - lft
    return {
        "status": "measured",
        "reason": None,
        "difference_deg": diff,
        "symmetry_index_pct": _num(symmetry_index(r, lft)),
        "uncertainty_deg": u,
        "exceeds_uncertainty": bool(abs(diff) > 1.96 * u),
    }


def _mark_not_comparable(
    asym: Mapping[str, Any], right: dict[str, Any], left: dict[str, Any]
) -> None:
    """Two values that do not compare (different views or estimates) each carry the flag
    ``sides_not_comparable``, so that whatever reads the values alone (a before/after
    comparison of sessions) does not set them against each other."""
    if asym["status"] != "measured" and right["status"] == left["status"] == "measured":
        for r in (right, left):
            r["flags"].append("sides_not_comparable")


# --- the whole block ---------------------------------------------------------------------


def compute_results(
    angles: AngleSeries,
    support: Mapping[str, AngleSupport],
    view: ViewEstimate,
    protocol: Protocol | None = None,
    *,
    rom: Mapping[str, dict[str, Any]] | None = None,
    limbs: Mapping[str, Mapping[str, LimbElevation]] | None = None,
    default_norms: Mapping[str, Mapping[str, Norm]] | None = None,
    warnings: Sequence[str] = (),
    settings: ResultSettings = ResultSettings(),
    stance: np.ndarray | None = None,
) -> dict[str, Any]:
    """The ``results`` block: one answer per protocol measure, direction and side.

    Parameters
    ----------
    angles : AngleSeries
        Filtered angles (degrees), every catalogue column.
    support : mapping of str to AngleSupport
        :func:`rom.metrics.support.compute_support` of the same clip.
    view : ViewEstimate
        :func:`rom.metrics.view.compute_view` of the same clip.
    protocol : Protocol, optional
        The movement test; without one, the measures of :data:`AUTO_MEASURES` the view
        supports, with norms from ``default_norms``.
    rom : mapping, optional
        :func:`rom.metrics.rom_summary.summarize_angles` of
        ``supported_values(angles, support)`` with ``expected_deg=expected_ranges(...)``
        (computed here when omitted).
    limbs : mapping, optional
        ``{"shoulder": compute_humeral_angles(seq), "hip": compute_femoral_angles(seq)}``:
        the planes the limbs were raised in (without them, no plane check).
    default_norms : mapping, optional
        :func:`rom.metrics.protocols.default_norms`, used without a protocol.
    warnings : sequence of str
        Clip-level warnings (view, visibility, tracking), copied into the block.
    settings : ResultSettings
    stance : ndarray, shape (frames,), optional
        The foot the client stood on per frame (:func:`rom.metrics.vertical.standing_frames`):
        -1 the left alone, +1 the right alone, 0 both, :data:`STANCE_NONE` not standing. A
        hip measure whose peak came while the client stood on that leg alone is
        ``not_performed`` (flag ``standing_leg``): the leg tested is the one raised.

    Returns
    -------
    dict
        See ``docs/results.md``.
    """
    limbs = limbs or {}
    norms = default_norms or {}
    plans = _plans(protocol, norms)
    supported = supported_values(angles, support)
    expected = expected_ranges(protocol, norms)
    if rom is None:
        cols = [
            c for p in plans for s in p.sides for c in _all_columns(p.measure, s) if c in angles
        ]
        rom = summarize_angles(supported.select(list(dict.fromkeys(cols))), expected_deg=expected)
    measures: list[dict[str, Any]] = []
    rom_plans = [p for p in plans if p.kind == "rom"]
    posture_plans = [p for p in plans if p.kind == "posture"]
    for plan in rom_plans:
        estimates, obliq = _choose_estimates(
            plan, angles, supported, support, settings.peak_window_s
        )
        for direction, norm in plan.directions:
            in_planes: dict[str, _InPlane] = {}
            for side in plan.sides:
                if estimates[side] == "3d":
                    got = _shoulder_in_plane(
                        plan.measure, side, direction, angles, support, limbs, expected
                    )
                    if got is not None:
                        in_planes[side] = got
            if set(in_planes) == {"left", "right"}:  # both arms together: same repetitions
                (sl, vl, al), (sr, vr, ar) = in_planes["left"], in_planes["right"]
                sl, sr = align_bilateral_repetitions(sl, sr, vl, vr, angles.time_s)
                in_planes = {"left": (sl, vl, al), "right": (sr, vr, ar)}
            adef = next(a for a in catalogue.ANGLES.values() if a.name == plan.measure)
            text = adef.positive if direction == "positive" else str(adef.negative)
            sides = {
                side: _rom_side(
                    plan,
                    side,
                    direction,
                    norm,
                    estimates[side],
                    obliq[side],
                    angles=angles,
                    supported=supported,
                    rom=rom,
                    support=support,
                    limbs=limbs,
                    view=view,
                    expected=expected,
                    settings=settings,
                    in_planes=in_planes,
                    stance=stance,
                )
                for side in plan.sides
            }
            for side, r in sides.items():
                _say_view_of_verdict(r, plan, side, view, angles.time_s)
            asym = None
            if set(sides) == {"left", "right"}:
                asym = _asymmetry(sides["right"], sides["left"])
                _mark_not_comparable(asym, sides["right"], sides["left"])
            measures.append(
                {
                    "measure": plan.measure,
                    "title": measure_title(plan.measure),
                    "kind": "rom",
                    "direction": direction,
                    "label": short_label(text),
                    "norm_source": norm.source if norm else None,
                    "sides": sides,
                    "asymmetry": asym,
                }
            )
        # an axial right/left measure: the right turn against the left, on the rightward entry
        if plan.measure in DIRECTIONAL_ANGLES and plan.sides == (SIDE_NONE,):
            entries = {m["direction"]: m for m in measures if m["measure"] == plan.measure}
            if {"positive", "negative"} <= set(entries):
                right = entries["positive"]["sides"][SIDE_NONE]
                left = entries["negative"]["sides"][SIDE_NONE]
                entries["positive"]["asymmetry"] = _asymmetry(
                    right,
                    left,
                    (
                        f"the {entries['positive']['label']}",
                        f"the {entries['negative']['label']}",
                    ),
                )
                _mark_not_comparable(entries["positive"]["asymmetry"], right, left)
    if posture_plans:
        measures += _posture_measures(
            posture_plans, angles, supported, support, protocol, view, settings
        )
    if protocol is None:  # only what the view supports
        by_measure: dict[str, list[dict[str, Any]]] = {}
        for m in measures:
            by_measure.setdefault(m["measure"], []).append(m)
        measures = [
            m
            for m in measures
            if any(
                s["status"] != "not_measurable"
                for e in by_measure[m["measure"]]
                for s in e["sides"].values()
            )
        ]
    yaw = view.dominant_yaw_deg
    return {
        "protocol": protocol.name if protocol else None,
        "title": protocol.title if protocol else None,
        "kind": protocol.kind if protocol else "rom",
        "view": view.label,
        "yaw_deg": float(yaw) if np.isfinite(yaw) else None,
        "measures": measures,
        "warnings": list(warnings),
    }


# --- tidy rows ----------------------------------------------------------------------------

#: Columns of :func:`result_rows`, in order.
ROW_FIELDS = (
    "protocol",
    "view",
    "measure",
    "kind",
    "direction",
    "label",
    "side",
    "statistic",
    "rep",
    "value",
    "unit",
    "status",
    "estimate",
    "column",
    "flags",
)

#: Statistics of a side's rows: (statistic, field of the side, unit). ``uncertainty_sd``
#: is the standard uncertainty of the value, one SD (``rom analyze`` prints it after the
#: value: "154 +/- 20 deg").
_SIDE_STATS = (
    ("value", "value_deg", "deg"),
    ("uncertainty_sd", "uncertainty_deg", "deg"),
    ("at_least", "at_least_deg", "deg"),
    ("other_estimate", "other_estimate_deg", "deg"),
    ("normal", "normal_deg", "deg"),
    ("normal_min", "normal_min_deg", "deg"),
    ("normal_max", "normal_max_deg", "deg"),
    ("percent_of_normal", "percent_of_normal", "%"),
    ("within_normal", "within_normal", "bool"),
    ("n_reps", "n_reps", "count"),
    ("rep_sd", "rep_sd_deg", "deg"),
    ("spread", "spread_deg", "deg"),
    ("still", "still_s", "s"),
    ("plane_of_elevation", "plane_of_elevation_deg", "deg"),
    ("obliqueness", "obliqueness_deg", "deg"),
    ("valid_fraction", "valid_fraction", "fraction"),
)
#: Statistics of the asymmetry rows. ``difference_sd`` is the standard uncertainty of the
#: difference (one SD); ``difference_noise95`` is 1.96 x it, the band ``rom analyze``
#: prints ("within the measurement noise of +/- 54 deg"; ``exceeds_uncertainty``).
_ASYM_STATS = (
    ("difference", "difference_deg", "deg"),
    ("symmetry_index", "symmetry_index_pct", "%"),
    ("difference_sd", "uncertainty_deg", "deg"),
)
#: The estimate an ``other_estimate`` row holds, by the side's own (as chosen in
#: ``_rom_side``: 3D beside a 2D or face-based value, 2D beside a 3D one).
_OTHER_ESTIMATE = {"2d": "3d", "face": "3d", "3d": "2d"}


def result_rows(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tidy rows of a ``results`` block: one per measure, direction, side and statistic.

    Every row has the fields of :data:`ROW_FIELDS`: ``statistic`` names what ``value``
    is (``value``, ``uncertainty_sd`` (one SD), ``normal``, ``percent_of_normal``,
    ``n_reps``, ``rep_peak`` (one row per repetition, numbered in ``rep`` from 1),
    ``rep_sd``, ``difference``, ``symmetry_index``, ``difference_sd`` and
    ``difference_noise95`` (side ``right-left``) ...), ``unit`` its unit
    (``deg``, ``%``, ``count``, ``s``, ``bool``, ``fraction``); statistics without a
    value are left out, except ``value`` itself, always present (None when there is no
    value: see ``status``). ``flags`` is the side's flags joined by ``;``.

    Examples
    --------
    >>> block = {"protocol": None, "view": "front", "measures": []}
    >>> result_rows(block)
    []
    """
    rows: list[dict[str, Any]] = []
    for m in results.get("measures", []):
        base = {
            "protocol": results.get("protocol"),
            "view": results.get("view"),
            "measure": m["measure"],
            "kind": m["kind"],
            "direction": m["direction"],
            "label": m["label"],
        }
        for side, r in m["sides"].items():
            common = {
                **base,
                "side": side,
                "status": r["status"],
                "estimate": r.get("estimate"),
                "column": r.get("column"),
                "flags": ";".join(r.get("flags", [])),
            }
            for stat, field, unit in _SIDE_STATS:
                v = r.get(field)
                if v is None and stat != "value":
                    continue
                row = {**common, "statistic": stat, "rep": None, "value": v, "unit": unit}
                if stat == "other_estimate":  # the row holds the other estimate's value
                    row["estimate"] = _OTHER_ESTIMATE.get(str(r.get("estimate")), None)
                rows.append(row)
            for i, p in enumerate(r.get("rep_peaks_deg") or [], start=1):
                rows.append(
                    {**common, "statistic": "rep_peak", "rep": i, "value": p, "unit": "deg"}
                )
        a = m.get("asymmetry")
        if a:
            sides = list(m["sides"].values())
            common = {
                **base,
                "side": "right-left",
                "status": a["status"],
                "estimate": sides[0].get("estimate") if sides else None,
                "column": None,
                "flags": "exceeds_uncertainty" if a.get("exceeds_uncertainty") else "",
            }
            for stat, field, unit in _ASYM_STATS:
                if a.get(field) is not None:
                    rows.append(
                        {**common, "statistic": stat, "rep": None, "value": a[field], "unit": unit}
                    )
            if a.get("uncertainty_deg") is not None:
                band = round(1.96 * float(a["uncertainty_deg"]), 1)
                rows.append(
                    {
                        **common,
                        "statistic": "difference_noise95",
                        "rep": None,
                        "value": band,
                        "unit": "deg",
                    }
                )
    return [{k: row.get(k) for k in ROW_FIELDS} for row in rows]


# --- the lines rom analyze prints ------------------------------------------------------------


def _deg(x: float | None, digits: int = 0) -> str:
    return "--" if x is None else f"{x:.{digits}f}"


def _posture_words(measure: str, value: float) -> str:
    adef = catalogue.ANGLES[measure]
    if adef.negative is None or abs(value) < 0.05:
        return f"{abs(value):.1f} deg"
    return f"{abs(value):.1f} deg, {short_label(adef.positive if value > 0 else adef.negative)}"


def read_elsewhere(r: Mapping[str, Any]) -> bool:
    """Whether a value must be shown with when and from where it was read: it was read
    in another view than its measure's (flag ``other_view``) or than the clip's own (the
    client turned; ``read_in_clip_view`` false), so a clip-level warning about the view
    does not stand over it unexplained."""
    if not r.get("view_at_peak") or r.get("view_at_peak") == "unknown":
        return False
    return "other_view" in r.get("flags", []) or r.get("read_in_clip_view") is False


_EDGE_WORDS = {
    "start": "at the start of what was measured",
    "end": "at the end of what was measured",
    "gap": "beside frames without a value",
}


def edge_words(r: Mapping[str, Any]) -> str:
    """A measured value whose peak lay at the clip's start or end, or beside frames
    without a value (one rule, :func:`rom.metrics.rom_summary.peak_edge`), in words;
    "" otherwise. Printed beside the value: the filter has no context there and the
    movement may have gone on unseen.

    Examples
    --------
    >>> edge_words({"peak_edge": "start", "peak_time_s": 0.233, "flags": ["peak_at_edge"]})
    'peak at 0.2 s, at the start of what was measured: it may be cut off'
    >>> edge_words({"flags": []})
    ''
    """
    where = r.get("peak_edge")
    if where not in _EDGE_WORDS:
        flags = r.get("flags", [])
        where = "gap" if "peak_near_gap" in flags else "edge" if "peak_at_edge" in flags else None
    if where is None:
        return ""
    words = _EDGE_WORDS.get(str(where), "at the start or end of what was measured")
    at = f" at {r['peak_time_s']:.1f} s," if r.get("peak_time_s") is not None else ""
    return f"peak{at} {words}: it may be cut off"


def _where_tag(r: Mapping[str, Any]) -> str:
    """The printed tag of a value read elsewhere (:func:`read_elsewhere`), " [filmed
    from the client's right side at 4.5 s]"; else ""."""
    if not read_elsewhere(r):
        return ""
    at = f" at {r['peak_time_s']:.1f} s" if r.get("peak_time_s") is not None else ""
    return f" [{filmed_from(str(r['view_at_peak']))}{at}]"


def _side_text(who: str, r: Mapping[str, Any], measure: str, kind: str) -> str:
    who = f"{who} " if who else ""
    status = r["status"]
    u = r.get("uncertainty_deg")
    if status == "measured":
        if kind == "posture":
            text = f"{who}{_posture_words(measure, r['value_deg'])} (+/- {_deg(u, 1)})"
            if r.get("within_normal") is not None:
                band = f"{_deg(r.get('normal_min_deg'))} to {_deg(r.get('normal_max_deg'))} deg"
                text += f", {'within' if r['within_normal'] else 'outside'} normal {band}"
            return text
        text = f"{who}{r['value_deg']:.0f} +/- {_deg(u)} deg"
        if r.get("percent_of_normal") is not None:
            text += f" ({r['percent_of_normal']:.0f}% of {r['normal_deg']:.0f})"
        if "beyond_anatomical_range" in r.get("flags", []):
            text += " [beyond anatomical range]"
        text += _where_tag(r)
        edge = edge_words(r)
        if edge:
            text += f" [{edge}]"
        return text
    if status == "not_seen":
        least = f" (at least {r['at_least_deg']:.0f} deg)" if r.get("at_least_deg") else ""
        text = f"{who}peak not seen{least}"
        if least:
            text += _where_tag(r)
        return text
    return f"{who}{status.replace('_', ' ')}"


#: What a repetition is, in words: printed under the results, shown beside the tables.
REPETITION_MEANING = (
    "a repetition is one complete movement out to at least half of the range reached in "
    "the clip and back; a peak on the very first or last frames of the clip, or of a "
    "stretch without a value, counts for the range but not as a repetition"
)


def repetitions_text(counts: Sequence[tuple[str, int | None]]) -> str:
    """Repetition counts in words, for one value or several side by side; the one
    formatter of the printed lines, the report and the dashboard (see
    :data:`REPETITION_MEANING` for what a repetition is). ``counts``: (who, count)
    pairs, who being a side (``left``), a direction (``right``) or ``""``; a None count
    is left out; "" when none is left.

    Examples
    --------
    >>> repetitions_text([("left", 2), ("right", 2)])
    '2 repetitions each side'
    >>> repetitions_text([("left", 0), ("right", 1)])
    'repetitions: left none complete, right 1'
    >>> repetitions_text([("", 0)]), repetitions_text([("", 1)])
    ('no complete repetition', '1 repetition')
    >>> repetitions_text([("right", 1)])
    'right: 1 repetition'
    """
    known = [(w, int(n)) for w, n in counts if n is not None]
    if not known:
        return ""
    values = {n for _, n in known}
    if len(values) == 1:
        n = known[0][1]
        text = "no complete repetition" if n == 0 else f"{n} repetition{'' if n == 1 else 's'}"
        if len(known) > 1:
            text += " on either side" if n == 0 else " each side"
        elif known[0][0]:  # one value of several: say whose
            text = f"{known[0][0]}: {text}"
        return text
    return "repetitions: " + ", ".join(
        f"{w} {'none complete' if n == 0 else n}".strip() for w, n in known
    )


def printed_difference(
    entries: Sequence[tuple[Mapping[str, Any], str, Mapping[str, Any]]],
    difference_deg: float,
) -> str:
    """Right minus left as printed: the difference of the two values as they are printed
    (whole degrees), so that "left 14, right 36" reads "+22", never "+23"."""
    by_who: dict[str, float] = {}
    for m, side, r in entries:
        if r.get("value_deg") is None:
            continue
        who = side if side != SIDE_NONE else ("right" if m["direction"] == "positive" else "left")
        by_who[who] = float(f"{float(r['value_deg']):.0f}")
    if {"right", "left"} <= set(by_who):
        return f"{by_who['right'] - by_who['left']:+.0f}"
    return f"{difference_deg:+.0f}"


def who_of(m: Mapping[str, Any]) -> str:
    """The direction of an axial measure's entry in one word: ``right`` for "rotation to
    the right"."""
    label = str(m.get("label") or "")
    return label.split(" to the ")[-1] if " to the " in label else label


def _reasons_text(reasons: Sequence[tuple[str, str]], *, mixed: bool) -> str:
    """The reasons of a line's values without a number: one, when they are the same
    (said of whom when another value of the line has a number); else each with whom it is
    about (two peaks not seen at 0.5 and 1.3 s are two reasons: one would give one time)."""
    alike = len({r for _, r in reasons}) == 1
    if alike and not mixed:
        return reasons[0][1]
    if alike and len(reasons) == 1:
        return f"{reasons[0][0]}: {reasons[0][1]}".strip(": ")
    return "; ".join(f"{w}: {r}" if w else r for w, r in reasons)


def _line_groups(measures: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Entries printed on one line: both directions of an axial right/left measure."""
    groups: list[list[Mapping[str, Any]]] = []
    for m in measures:
        prev = groups[-1][0] if groups else None
        if (
            prev is not None
            and m["measure"] in DIRECTIONAL_ANGLES
            and prev["measure"] == m["measure"]
            and SIDE_NONE in m["sides"]
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def result_lines(results: Mapping[str, Any], *, all_measures: bool = False) -> list[str]:
    """The results in words, one line per measure (both sides, or both directions of a
    right/left measure such as neck rotation, side by side), as ``rom analyze`` prints
    them. Without a protocol, measures that no side performed are left out unless
    ``all_measures``. A line without a value ends with the reason. A value with a quality
    note the line does not say (:data:`PRINTED_NOTE_FLAGS`: no still start, the joint hard
    to see) is marked ``[note N]``, and the notes follow the lines (``note N: ...``), in
    the report's words.

    Examples
    --------
    >>> result_lines({"protocol": None, "measures": []})
    []
    """
    named: list[tuple[str, str]] = []
    notes: list[str] = []
    for group in _line_groups(results.get("measures", [])):
        first = group[0]
        entries = [(m, s, r) for m in group for s, r in m["sides"].items()]
        every = list(entries)
        # a value without a complete repetition (an arm raised and held) is a movement
        # made too: results.csv has it, so the printed lines do
        done = any(r["status"] in ("measured", "not_seen") for _, _, r in entries)
        if results.get("protocol") is None and not all_measures and not done:
            continue  # without a protocol: only movements the client made
        if (
            len(group) > 1
            or (first["measure"] in DIRECTIONAL_ANGLES and SIDE_NONE in first["sides"])
            or first["kind"] == "posture"
        ):
            name = first["title"]
        else:
            name = f"{first['measure'].split('_')[0].capitalize()} {first['label']}"
        parts = []
        alike = len(entries) > 1 and len({r["status"] for _, _, r in entries}) == 1
        if alike and entries[0][2]["status"] in ("not_measurable", "not_performed"):
            sides_words = " and ".join(s for _, s, _ in entries if s != SIDE_NONE)
            entries_text = f"{sides_words} {entries[0][2]['status'].replace('_', ' ')}".strip()
            entries = entries[:1]
        else:
            entries_text = ""
        for m, side, r in entries if not entries_text else []:
            if side != SIDE_NONE:
                who = side
            elif m["kind"] == "rom" and (len(group) > 1 or first["measure"] in DIRECTIONAL_ANGLES):
                who = who_of(m)
            else:
                who = ""
            parts.append(_side_text(who, r, m["measure"], m["kind"]))
            for note in _value_quality_notes(r):
                if note not in notes:
                    notes.append(note)
                parts[-1] += f" [note {notes.index(note) + 1}]"
        text = entries_text or ", ".join(parts)
        a = next((m.get("asymmetry") for m in group if m.get("asymmetry")), None)
        if a and a.get("status") == "measured":
            text += f"; right-left {printed_difference(entries, float(a['difference_deg']))} deg"
            noise = a.get("uncertainty_deg")
            band = 1.96 * noise if noise else None
            text += f" ({noise_words(bool(a.get('exceeds_uncertainty')), band)})"
        elif a and any(r["status"] == "measured" for _, _, r in entries) and a.get("reason"):
            text += f"; right-left not compared: {a['reason']}"
        if first["kind"] == "rom":
            reps = repetitions_text(
                [
                    (s if s != SIDE_NONE else who_of(m), r.get("n_reps"))
                    for m, s, r in entries
                    if r["status"] == "measured"
                ]
            )
            if reps:
                text += f"; {reps}"
        estimates = sorted(
            {str(r.get("estimate")).upper() for _, _, r in entries if r["status"] == "measured"}
        )
        if estimates:
            text += f" [{'/'.join(estimates)}]"
        reasons = [
            (s if s != SIDE_NONE else who_of(m), r["reason"])
            for m, s, r in every
            if r["status"] != "measured" and r.get("reason")
        ]
        if reasons:
            mixed = len(reasons) < len(every)
            # after a value, the reasons of the others follow as a clause of their own
            # ("left 154 ... [2D]; right: the peak was not seen ..."), not as a colon
            # glued to the tag
            text += ("; " if mixed else ": ") + _reasons_text(reasons, mixed=mixed)
        if named and named[-1][1] == text and ("not measurable" in text or "not performed" in text):
            named[-1] = (f"{named[-1][0]}, {name[0].lower()}{name[1:]}", text)  # same reason
        else:
            named.append((name, text))
    return [f"  {name:<26s} {text}" for name, text in named] + [
        f"  note {i}: {note}" for i, note in enumerate(notes, start=1)
    ]


#: A measured value's quality flags that the printed line marks with a numbered note (in
#: the words of :data:`rom.metrics.notes.FLAG_WORDS`, as the report and the dashboard say
#: them); the others are said in the line itself (view, edge, anatomical range).
PRINTED_NOTE_FLAGS = ("no_neutral", "low_visibility")


def _value_quality_notes(r: Mapping[str, Any]) -> list[str]:
    """The notes a printed value is marked with (:data:`PRINTED_NOTE_FLAGS`, in words)."""
    if r.get("status") != "measured":
        return []
    return [flag_words(f) for f in r.get("flags", []) if f in PRINTED_NOTE_FLAGS]
