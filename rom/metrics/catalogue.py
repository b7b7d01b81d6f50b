"""The angle catalogue: every angle rom reports, defined as data.

Each :class:`AngleDef` states the anatomical plane, the camera view a 2D estimate needs,
the zero position and what a positive and a negative value mean. Column names in
``angles.csv`` are ``<name>_deg`` for the 2D (image-plane) estimate and ``<name>_3d_deg``
for the 3D estimate from MediaPipe's world landmarks in a body frame.

The three cervical angles also have a face-based estimate, ``<name>_face_deg``: head
pose from the face landmarks relative to the shoulders, zeroed on the client's neutral
(:mod:`rom.metrics.headpose`); it needs only the head and shoulders in frame.

Sides are the person's own: ``left`` is the client's left arm whatever the camera view.
Signed angles have a positive and a negative direction (e.g. flexion +, extension -);
the ROM summary reports the peak in each direction separately.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AngleDef:
    """One angle of the catalogue.

    name : base name without side or unit suffix, e.g. ``shoulder_abduction``
    side : ``left``, ``right`` or ``None`` (axial / whole-body measures)
    plane : ``sagittal``, ``frontal``, ``transverse`` or ``3d`` (between two segments)
    views : camera views where the 2D estimate is valid (``front``, ``back``, ``side``,
        ``any``); empty when there is no 2D estimate
    has_3d : whether a 3D (body-frame) estimate is computed
    zero : the position where the angle is 0 degrees
    positive, negative : the direction of a positive / negative value (negative is ``None``
        for unsigned angles)
    landmarks : MediaPipe landmark names the 2D estimate is computed from (the ones the
        camera must see). 3D estimates measured in a body frame (all but the elbow and
        knee angles and the head and shoulder tilts) also need both shoulders and both
        hips, which define that frame; see :mod:`rom.metrics.angles`.
    definition : one or two sentences, the written definition
    has_face : whether a face-based estimate (``<key>_face_deg``) is computed
    range_centre_deg : a signed angle's values lie within 180 degrees of this (the middle
        of its anatomical range): 0 gives (-180, 180]; the arm's flexion and abduction,
        which pass 180 overhead but never reach 90 the other way, use 90, i.e. (-90, 270]
    """

    name: str
    side: str | None
    plane: str
    views: tuple[str, ...]
    has_3d: bool
    zero: str
    positive: str
    negative: str | None
    landmarks: tuple[str, ...]
    definition: str
    has_face: bool = False
    range_centre_deg: float = 0.0

    @property
    def key(self) -> str:
        """Name with side, e.g. ``shoulder_abduction_left``."""
        return f"{self.name}_{self.side}" if self.side else self.name

    @property
    def column_2d(self) -> str:
        return f"{self.key}_deg"

    @property
    def column_3d(self) -> str:
        return f"{self.key}_3d_deg"

    @property
    def column_face(self) -> str:
        return f"{self.key}_face_deg"

    @property
    def lateral(self) -> bool:
        """An axial angle whose positive direction names a side (``head_tilt``: the right
        ear lower): mirroring the client negates it."""
        return self.side is None and any(w in self.positive for w in ("right", "left"))

    @property
    def signed(self) -> bool:
        return self.negative is not None


def _both(name: str, **kw: object) -> list[AngleDef]:
    out = []
    for side in ("left", "right"):
        named = (str(s).replace("{side}", side) for s in kw["landmarks"])  # type: ignore[attr-defined]
        lms = tuple(dict.fromkeys(named))  # expanded, duplicates dropped, order kept
        out.append(AngleDef(name=name, side=side, **{**kw, "landmarks": lms}))  # type: ignore[arg-type]
    return out


#: The arm's flexion and abduction pass 180 overhead (190 is hyperflexion or
#: hyperabduction, not 170 the other way) and never go 90 the other way: their values lie
#: in (-90, 270].
ARM_RANGE_CENTRE_DEG = 90.0

_ANGLES: list[AngleDef] = [
    # --- cervical spine -------------------------------------------------------------
    AngleDef(
        "neck_flexion",
        None,
        "sagittal",
        ("side",),
        True,
        zero="head upright: ear directly above the shoulder's line of the trunk",
        positive="flexion (chin towards chest)",
        negative="extension (looking up)",
        landmarks=(
            "left_ear",
            "right_ear",
            "left_shoulder",
            "right_shoulder",
            "left_hip",
            "right_hip",
            "nose",
        ),
        definition="Sagittal-plane angle of the head (mid-shoulder to mid-ear line) "
        "relative to the trunk (mid-hip to mid-shoulder line). The ear sits near the axis "
        "of the head's nodding, so this follows the neck's flexion and reads less than a "
        "head-mounted inclinometer for chin tucks. Face column: the face's pitch relative "
        "to the shoulders and the vertical, from the client's neutral (no hips needed).",
        has_face=True,
    ),
    AngleDef(
        "neck_lateral_flexion",
        None,
        "frontal",
        ("front", "back"),
        True,
        zero="head upright relative to the trunk",
        positive="lateral flexion to the right (right ear towards right shoulder)",
        negative="lateral flexion to the left",
        landmarks=("left_ear", "right_ear", "left_shoulder", "right_shoulder"),
        definition="Frontal-plane angle between the ear line (left to right ear) and the "
        "shoulder line. Face column: the head's sideways tilt relative to the shoulders, "
        "from the client's neutral.",
        has_face=True,
    ),
    AngleDef(
        "neck_rotation",
        None,
        "transverse",
        ("front",),
        True,
        zero="face looking straight ahead, square to the shoulders",
        positive="rotation to the right (chin towards right shoulder)",
        negative="rotation to the left",
        landmarks=("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder"),
        definition="Transverse-plane rotation of the head relative to the shoulders; 2D "
        "from the nose's position between the ears (a head model scaled by the clip's 3D "
        "head, valid with the shoulders square to the camera), 3D from the ear line "
        "against the shoulder line about the trunk's long axis, face column from the head "
        "pose fitted to the eleven face landmarks, relative to the shoulder line, from the "
        "client's neutral (valid to about 75 degrees; head and shoulders in frame suffice).",
        has_face=True,
    ),
    # --- shoulder -------------------------------------------------------------------
    *_both(
        "shoulder_flexion",
        range_centre_deg=ARM_RANGE_CENTRE_DEG,
        plane="sagittal",
        views=("side",),
        has_3d=True,
        zero="arm hanging along the trunk",
        positive="flexion (arm forwards and up)",
        negative="extension (arm backwards)",
        landmarks=("{side}_shoulder", "{side}_elbow", "{side}_hip"),
        definition="Sagittal-plane angle between the upper arm (shoulder to elbow) and "
        "the trunk line (mid-shoulder to mid-hip; in 2D the near side's shoulder and hip "
        "when the far side is hidden).",
    ),
    *_both(
        "shoulder_abduction",
        range_centre_deg=ARM_RANGE_CENTRE_DEG,
        plane="frontal",
        views=("front", "back"),
        has_3d=True,
        zero="arm hanging along the trunk",
        positive="abduction (arm out to the side and up)",
        negative="adduction (arm across the body's midline)",
        landmarks=(
            "{side}_shoulder",
            "{side}_elbow",
            "{side}_hip",
            "left_shoulder",
            "right_shoulder",
            "left_hip",
            "right_hip",
        ),
        definition="Frontal-plane angle between the upper arm and the trunk's midline "
        "(mid-shoulder to mid-hip).",
    ),
    *_both(
        "shoulder_horizontal_abduction",
        plane="transverse",
        views=(),
        has_3d=True,
        zero="arm straight forwards at shoulder height (90 degrees flexion)",
        positive="horizontal abduction (arm swung out and back)",
        negative="horizontal adduction (arm across the chest)",
        landmarks=("{side}_shoulder", "{side}_elbow", "left_shoulder", "right_shoulder"),
        definition="Transverse-plane angle of the upper arm about the trunk's long axis, "
        "from straight forwards (90 = straight out to the side); undefined (empty) while "
        "the arm hangs.",
    ),
    *_both(
        "shoulder_external_rotation",
        plane="transverse",
        views=("front",),
        has_3d=True,
        zero="elbow bent 90 degrees at the side, forearm pointing straight forwards",
        positive="external rotation (forearm swung outwards)",
        negative="internal rotation (forearm swung across the body)",
        landmarks=("{side}_shoulder", "{side}_elbow", "{side}_wrist"),
        definition="Rotation of the forearm about the upper arm's axis, from the forearm "
        "pointing straight forwards (arm at the side, or abducted 90 degrees in the 90/90 "
        "position where +90 is forearm up); only while the elbow is bent 60 to 120 "
        "degrees. 2D from the forearm's sideways (90/90: upwards) image component in a "
        "front view (arcsine model, within +/-90 degrees).",
    ),
    *_both(
        "shoulder_elevation",
        plane="3d",
        views=("any",),
        has_3d=True,
        zero="arm hanging along the trunk",
        positive="arm raised in any direction",
        negative=None,
        landmarks=(
            "{side}_shoulder",
            "{side}_elbow",
            "{side}_hip",
            "left_shoulder",
            "right_shoulder",
            "left_hip",
            "right_hip",
        ),
        definition="Unsigned angle between the upper arm and the trunk's midline, 0 to "
        "180 degrees, whatever the plane of elevation (2D: true only for an arm moving in "
        "the image plane).",
    ),
    # --- elbow ----------------------------------------------------------------------
    *_both(
        "elbow_flexion",
        plane="3d",
        views=("any",),
        has_3d=True,
        zero="elbow straight",
        positive="flexion",
        negative=None,
        landmarks=("{side}_shoulder", "{side}_elbow", "{side}_wrist"),
        definition="180 degrees minus the angle at the elbow between upper arm and forearm.",
    ),
    # --- trunk ----------------------------------------------------------------------
    AngleDef(
        "trunk_flexion",
        None,
        "sagittal",
        ("side",),
        True,
        zero="trunk vertical",
        positive="flexion (leaning forwards)",
        negative="extension (leaning backwards)",
        landmarks=("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        definition="Sagittal-plane angle of the trunk line (mid-hip to mid-shoulder) "
        "from the vertical (2D: image up; 3D: the world's up, assuming a level camera).",
    ),
    AngleDef(
        "trunk_lateral_flexion",
        None,
        "frontal",
        ("front", "back"),
        True,
        zero="trunk vertical",
        positive="side bend to the right",
        negative="side bend to the left",
        landmarks=("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        definition="Frontal-plane angle of the trunk line from the vertical (trunk "
        "lateral lean in a static posture).",
    ),
    AngleDef(
        "trunk_rotation",
        None,
        "transverse",
        (),
        True,
        zero="shoulder line parallel to the hip line",
        positive="rotation to the right (right shoulder backwards over the hips)",
        negative="rotation to the left",
        landmarks=("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        definition="Transverse-plane angle between the shoulder line and the hip line.",
    ),
    AngleDef(
        "trunk_inclination",
        None,
        "3d",
        ("any",),
        True,
        zero="trunk vertical",
        positive="trunk tilted from the vertical in any direction",
        negative=None,
        landmarks=("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        definition="Unsigned angle between the trunk line and the vertical.",
    ),
    # --- hip and knee ---------------------------------------------------------------
    *_both(
        "hip_flexion",
        plane="sagittal",
        views=("side",),
        has_3d=True,
        zero="thigh in line with the trunk",
        positive="flexion (thigh forwards)",
        negative="extension (thigh backwards)",
        landmarks=("{side}_shoulder", "{side}_hip", "{side}_knee"),
        definition="Sagittal-plane angle between the thigh (hip to knee) and the trunk "
        "line extended downwards (so it includes pelvic and lumbar motion; in 2D the near "
        "side's shoulder and hip when the far side is hidden).",
    ),
    *_both(
        "hip_abduction",
        plane="frontal",
        views=("front", "back"),
        has_3d=True,
        zero="thigh perpendicular to the hip line (the pelvis), pointing down",
        positive="abduction (leg out to the side)",
        negative="adduction (leg across the midline)",
        landmarks=(
            "{side}_shoulder",
            "{side}_hip",
            "{side}_knee",
            "left_shoulder",
            "right_shoulder",
            "left_hip",
            "right_hip",
        ),
        definition="Frontal-plane angle between the thigh and the perpendicular to the hip "
        "line (left to right hip) pointing down, as a goniometer set on the pelvis reads it "
        "(Norkin & White): a trunk bent sideways over the hips does not change it, a pelvis "
        "tilted sideways does (the dropped side's hip abducts). The trunk line gives only "
        "the pelvis' forward tilt (3D frame: rom.metrics.bodyframe.compute_pelvis_frame).",
    ),
    *_both(
        "knee_flexion",
        plane="3d",
        views=("any",),
        has_3d=True,
        zero="knee straight",
        positive="flexion",
        negative=None,
        landmarks=("{side}_hip", "{side}_knee", "{side}_ankle"),
        definition="180 degrees minus the angle at the knee between thigh and shank.",
    ),
    # --- static posture -------------------------------------------------------------
    AngleDef(
        "head_tilt",
        None,
        "frontal",
        ("front", "back"),
        True,
        zero="eye line horizontal",
        positive="head tilted to the right (right ear lower)",
        negative="head tilted to the left",
        landmarks=(
            "left_eye",
            "right_eye",
            "left_ear",
            "right_ear",
            "left_shoulder",
            "right_shoulder",
        ),
        definition="Frontal-plane angle of the line between the eyes from the horizontal "
        "(2D: image horizontal, the shoulders tell front from back; 3D: assumes a level "
        "camera).",
    ),
    AngleDef(
        "shoulder_tilt",
        None,
        "frontal",
        ("front", "back"),
        True,
        zero="shoulders level",
        positive="right shoulder lower than the left",
        negative="left shoulder lower than the right",
        landmarks=("left_shoulder", "right_shoulder"),
        definition="Frontal-plane angle of the shoulder line from the horizontal.",
    ),
    AngleDef(
        "pelvic_tilt",
        None,
        "frontal",
        ("front", "back"),
        True,
        zero="hips level",
        positive="right hip lower than the left",
        negative="left hip lower than the right",
        landmarks=("left_hip", "right_hip"),
        definition="Frontal-plane angle of the hip line from the horizontal (pelvic obliquity).",
    ),
    AngleDef(
        "craniovertebral",
        None,
        "sagittal",
        ("side",),
        False,
        zero="ear level with the shoulder",
        positive="ear above the shoulder",
        negative=None,
        landmarks=("left_ear", "right_ear", "left_shoulder", "right_shoulder"),
        definition="Forward-head measure: angle of the shoulder-to-ear line above the "
        "forward horizontal in a side view (90 = ear straight above the shoulder, the "
        "ideal plumb line; smaller means a more forward head). A proxy of the "
        "craniovertebral angle: the shoulder landmark lies in front of C7, so values run "
        "well above the C7-tragus angle (about 50 degrees or more is usual for that one) "
        "and its norms do not transfer. Empty when the ear is below the shoulder.",
    ),
]

#: Every angle by key (``shoulder_abduction_left`` ...), in a stable order.
ANGLES: dict[str, AngleDef] = {a.key: a for a in _ANGLES}


def columns(*, with_3d: bool = True, with_face: bool = True) -> list[str]:
    """All angle column names in catalogue order (2D first, then 3D, then face-based)."""
    cols = [a.column_2d for a in ANGLES.values() if a.views]
    if with_3d:
        cols += [a.column_3d for a in ANGLES.values() if a.has_3d]
    if with_face:
        cols += [a.column_face for a in ANGLES.values() if a.has_face]
    return cols


def angle_def(column: str) -> AngleDef:
    """The definition behind a column name such as ``knee_flexion_left_3d_deg``."""
    key = column.removesuffix("_deg").removesuffix("_3d").removesuffix("_face")
    try:
        return ANGLES[key]
    except KeyError:
        raise KeyError(f"unknown angle column {column!r}") from None


def markdown_table() -> str:
    """The catalogue as a Markdown table (one row per angle), for ``docs/angles.md``.

    Examples
    --------
    >>> markdown_table().splitlines()[0].startswith("| Angle |")
    True
    """

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    head = (
        "| Angle | 2D column | 3D column | Face column | Plane | 2D views | Zero | Positive "
        "| Negative | Landmarks | Definition |"
    )
    rows = [head, "|" + " --- |" * 11]
    for a in ANGLES.values():
        rows.append(
            "| "
            + " | ".join(
                cell(x)
                for x in (
                    f"`{a.key}`",
                    f"`{a.column_2d}`" if a.views else "-",
                    f"`{a.column_3d}`" if a.has_3d else "-",
                    f"`{a.column_face}`" if a.has_face else "-",
                    a.plane,
                    ", ".join(a.views) if a.views else "- (3D only)",
                    a.zero,
                    a.positive,
                    a.negative if a.negative is not None else "- (unsigned)",
                    ", ".join(a.landmarks),
                    a.definition,
                )
            )
            + " |"
        )
    return "\n".join(rows) + "\n"
