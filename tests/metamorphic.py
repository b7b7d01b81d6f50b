"""Metamorphic experiments on real clips (a test factory, not a test module).

A clip is decoded once; each variant (the null, mirror, rotation, half resolution, half
frame rate) is made from the decoded frames in memory and analysed through
:class:`rom.pose.sources.MemorySource` by the real pipeline, so the same pixels reach
MediaPipe on every machine (no re-encoding). ``tests/integration/test_metamorphic.py``
states the relations and their criteria; ``benchmarks/metamorphic_figures.py`` prints the
figures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from rom.landmarks import mirror_index
from rom.metrics import catalogue
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import bound_unsigned, filter_angles
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries
from rom.pose.extract import ExtractSettings, extract_poses
from rom.pose.sources import MemorySource
from rom.pose.tracking import PersonChoice, torso_centre, torso_size
from rom.sequence import PoseSequence
from tests.synthetic import mirrored_column

ROTATION_DEG = 10.0
#: the null transform: the crop window moved right by this many pixels (changes nothing)
NULL_SHIFT_PX = 16
#: fewest frames valid in both runs for a column's median difference to count
MIN_FRAMES = 30

Image = np.ndarray
Frames = list[tuple[float, Image]]


@dataclass(frozen=True)
class Clip:
    file: str
    #: frames kept from the start (None: all)
    max_frames: int | None
    #: columns x0:x1 kept from the source frame
    crop_x: tuple[int, int]
    #: a pixel inside the analysed man in the first frames (source-frame coordinates)
    person_px: tuple[float, float]


CLIPS = {
    "outdoor": Clip(
        "outdoor_two_people_arm_raises_1768x994_30fps.mp4", 120, (250, 1274), (650.0, 300.0)
    ),
    "lab": Clip(
        "lab_two_people_balance_portrait_60fps_cam01.mp4", None, (32, 1056), (421.0, 706.0)
    ),
}
VARIANTS = ("original", "null", "mirror", "rotate", "half_res", "half_fps")

# Angles against image (2D) or world (3D) "up": a front-view clip rotated counter-clockwise
# on screen by theta leans the client to their right, so these grow by +theta (in 3D only
# for a trunk square to the camera).
FROM_VERTICAL = frozenset({"trunk_lateral_flexion", "head_tilt", "shoulder_tilt", "pelvic_tilt"})


def _both(*names: str) -> list[str]:
    """2D and 3D columns of catalogue names, ``{side}`` expanded."""
    out = []
    for n in names:
        for side in ("left", "right") if "{side}" in n else ("",):
            base = n.replace("{side}", side)
            out += [f"{base}_deg", f"{base}_3d_deg"]
    return out


#: Every angle a front view measures (2D and 3D), plus the trunk's 3D rotation: all are
#: under test, with no exception.
CANDIDATES: tuple[str, ...] = (
    *_both(
        "shoulder_elevation_{side}",
        "shoulder_abduction_{side}",
        "elbow_flexion_{side}",
        "knee_flexion_{side}",
        "hip_abduction_{side}",
        "trunk_inclination",
        "trunk_lateral_flexion",
        "head_tilt",
        "shoulder_tilt",
        "pelvic_tilt",
        "neck_lateral_flexion",
        "neck_rotation",
    ),
    "trunk_rotation_3d_deg",
)


def is_level_3d(col: str) -> bool:
    """3D angles measured against world up (their rotated expectation is computed)."""
    name = catalogue.angle_def(col).name
    return "_3d_" in col and (name in FROM_VERTICAL or name == "trunk_inclination")


# --- decoding and the transforms -----------------------------------------------------------
def decode(path: Path, max_frames: int | None) -> Frames:
    """``(time_s, rgb)`` of the clip's first ``max_frames`` frames, decoded once (PyAV)."""
    out: Frames = []
    with av.open(str(path)) as container:
        for i, f in enumerate(container.decode(video=0)):
            if max_frames is not None and i >= max_frames:
                break
            out.append((float(f.time), f.to_ndarray(format="rgb24")))
    return out


def rotation_matrix(width: int, height: int) -> np.ndarray:
    """2 x 3 affine: ROTATION_DEG counter-clockwise on screen about the frame's centre."""
    return cv2.getRotationMatrix2D((width / 2.0, height / 2.0), ROTATION_DEG, 1.0)


def _mirror(img: Image) -> Image:
    return img[:, ::-1]


def _rotate(img: Image) -> Image:
    h, w = img.shape[:2]
    return cv2.warpAffine(img, rotation_matrix(w, h), (w, h), flags=cv2.INTER_LINEAR)


def _half(img: Image) -> Image:
    h, w = img.shape[:2]
    return cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Variant:
    """How a variant's frames are made from the decoded clip, and its pixel mapping."""

    #: the crop window is moved right by this many pixels
    shift_px: int = 0
    image: Callable[[Image], Image] = field(default=lambda img: img)
    #: every ``step``-th frame is kept (timestamps kept)
    step: int = 1

    def frames(self, decoded: Frames, crop_x: tuple[int, int]) -> Iterator[tuple[float, Image]]:
        x0, x1 = crop_x[0] + self.shift_px, crop_x[1] + self.shift_px
        for t, img in decoded[:: self.step]:
            yield t, np.ascontiguousarray(self.image(img[:, x0:x1]))


VARIANT_DEFS: dict[str, Variant] = {
    "original": Variant(),
    "null": Variant(shift_px=NULL_SHIFT_PX),
    "mirror": Variant(image=_mirror),
    "rotate": Variant(image=_rotate),
    "half_res": Variant(image=_half),
    "half_fps": Variant(step=2),
}


def forward_px(variant: str, xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Points (..., 2) of the original (cropped) frame of ``size`` (w, h) in the variant."""
    xy = np.asarray(xy, float)
    w, h = size
    if variant == "null":
        return xy - [NULL_SHIFT_PX, 0.0]
    if variant == "mirror":
        return np.stack([w - xy[..., 0], xy[..., 1]], axis=-1)
    if variant == "rotate":
        m = rotation_matrix(w, h)
        return xy @ m[:, :2].T + m[:, 2]
    if variant == "half_res":
        return xy / 2.0
    return xy


def backward_px(variant: str, xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Points (..., 2) of the variant mapped back into the original frame of ``size``."""
    xy = np.asarray(xy, float)
    w, h = size
    if variant == "null":
        return xy + [NULL_SHIFT_PX, 0.0]
    if variant == "mirror":
        return np.stack([w - xy[..., 0], xy[..., 1]], axis=-1)
    if variant == "rotate":
        m = cv2.invertAffineTransform(rotation_matrix(w, h))
        return xy @ m[:, :2].T + m[:, 2]
    if variant == "half_res":
        return xy * 2.0
    return xy


# --- one analysis ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One variant analysed as ``rom analyze`` does (label swaps undone, default filter)."""

    seq: PoseSequence
    raw: AngleSeries  # unfiltered
    angles: AngleSeries  # filtered, default settings, unsigned angles bounded

    def peaks(self) -> dict[str, dict[str, float]]:
        return peaks_of(self.angles)


def peaks_of(angles: AngleSeries) -> dict[str, dict[str, float]]:
    """The reported peak of each column and direction (``rom analyze``'s summary)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quality notes (edge peaks, gaps) are not under test
        summary = summarize_angles(angles)
    return {c: {k: d["peak_deg"] for k, d in s["directions"].items()} for c, s in summary.items()}


def analyse(
    frames: Iterator[tuple[float, Image]], fps: float, model: Path, person_px: np.ndarray
) -> Run:
    """Analyse in-memory frames as ``rom analyze`` does, naming the man by a pixel."""
    person = PersonChoice(point_px=(float(person_px[0]), float(person_px[1])))
    with MemorySource.from_frames(frames, fps=fps, name="metamorphic") as source:
        seq = extract_poses(source, model, settings=ExtractSettings(person=person))
        assert source.error is None, source.error
    seq, _ = fix_label_swaps(seq)
    raw = compute_angles(seq)
    return Run(seq, raw, bound_unsigned(filter_angles(raw)))


def analyse_clip(
    shared_dir: Path,
    model: Path,
    clip: str,
    variants: tuple[str, ...] = VARIANTS,
    *,
    base_shift_px: int = 0,
) -> dict[str, Run]:
    """Every variant of ``clip``, from one decode (the frames are dropped afterwards).

    ``base_shift_px`` moves every crop window: an equivalent experiment with other pixels
    (used by ``benchmarks/metamorphic_figures.py --calibrate``).
    """
    c = CLIPS[clip]
    crop = (c.crop_x[0] + base_shift_px, c.crop_x[1] + base_shift_px)
    decoded = decode(shared_dir / "clips" / c.file, c.max_frames)
    # keep only the columns any variant crops (the null's window reaches NULL_SHIFT_PX further)
    x0, x1 = crop[0], crop[1] + NULL_SHIFT_PX
    if x0 < 0 or x1 > decoded[0][1].shape[1]:
        raise ValueError(f"{clip}: crop {x0}:{x1} leaves the {decoded[0][1].shape[1]} px frame")
    decoded = [(t, np.ascontiguousarray(img[:, x0:x1])) for t, img in decoded]
    fps = 1.0 / float(np.median(np.diff([t for t, _ in decoded])))
    size = (crop[1] - crop[0], decoded[0][1].shape[0])
    person = np.array(c.person_px) - [crop[0], 0.0]
    out = {}
    for v in variants:
        d = VARIANT_DEFS[v]
        frames = d.frames(decoded, (0, size[0]))
        out[v] = analyse(frames, fps / d.step, model, forward_px(v, person, size))
    return out


def same_person_problem(runs: dict[str, Run], variant: str) -> str | None:
    """Precondition: the variant tracked the same man as the original, through the clip.

    The tracked torso, mapped back into the original frame, must be where the original's
    is (median distance under a quarter of the torso's size), in at least 60 % of the
    frames (in the first 22 of the rotated lab clip's 100 frames MediaPipe's detector finds
    only the woman; the man is named by a point, so rom waits for him).
    """
    orig, run = runs["original"], runs[variant]
    if run.seq.detected.mean() < 0.6:
        return f"{variant}: the man was tracked in only {run.seq.detected.mean():.0%} of frames"
    size = orig.seq.image_size_px
    t_orig = np.round(orig.seq.time_s, 3)
    dist, scale = [], []
    for i in np.flatnonzero(run.seq.detected):
        j = int(np.searchsorted(t_orig, round(float(run.seq.time_s[i]), 3)))
        if j < orig.seq.n_frames and orig.seq.detected[j]:
            back = backward_px(variant, run.seq.image_xyz[i, :, :2], size)
            dist.append(
                np.linalg.norm(torso_centre(back) - torso_centre(orig.seq.image_xyz[j, :, :2]))
            )
            scale.append(torso_size(orig.seq.image_xyz[j, :, :2]))
    if not dist or np.median(np.array(dist) / np.array(scale)) >= 0.25:
        return f"{variant}: the tracked torso is not where the original's is"
    return None


# --- relations: expectations ----------------------------------------------------------------
def software_transform(seq: PoseSequence, variant: str) -> PoseSequence:
    """The sequence's landmarks mirrored or rotated exactly (what an ideal MediaPipe gives)."""
    w, h = seq.image_size_px
    img, world = seq.image_xyz.astype(np.float64), seq.world_xyz.astype(np.float64)
    vis, pres = seq.visibility, seq.presence
    if variant == "mirror":
        idx = mirror_index()
        img, world, vis, pres = img[:, idx].copy(), world[:, idx].copy(), vis[:, idx], pres[:, idx]
        img[..., 0] = w - img[..., 0]
        world[..., 0] = -world[..., 0]
    elif variant == "rotate":  # image about the frame's centre; world (x right, y down) about z
        m = rotation_matrix(w, h)
        img, world = img.copy(), world.copy()
        img[..., :2] = seq.image_xyz[..., :2] @ m[:, :2].T + m[:, 2]
        world[..., :2] = seq.world_xyz[..., :2] @ m[:, :2].T
    else:
        raise ValueError(f"no software transform for {variant!r}")
    return seq.with_arrays(
        image_xyz=img.astype(np.float32),
        world_xyz=world.astype(np.float32),
        visibility=vis,
        presence=pres,
    )


def mirrored_expectation(col: str, original: AngleSeries) -> tuple[str, np.ndarray]:
    """(column of the mirrored run, what it should read): the original's ``col``, with its
    side traded and its sign flipped where the positive direction names a side."""
    other, sign = mirrored_column(col)
    return other, sign * original[col]


def rotated_expectation(col: str, original: Run, rotated_level: AngleSeries) -> np.ndarray:
    """What ``col`` should read, frame by frame, in the clip rotated by ROTATION_DEG.

    2D: joint and body-relative angles unchanged; angles from image up +ROTATION_DEG (the
    clips are front views); trunk inclination |lateral flexion + ROTATION_DEG|. 3D:
    body-frame angles unchanged; the level-frame angles (``rotated_level``: rom's angles
    of the original's landmarks rotated in software) +ROTATION_DEG for a trunk square to
    the camera, less in an oblique view.
    """
    name = catalogue.angle_def(col).name
    if is_level_3d(col):
        return rotated_level[col]
    if name in FROM_VERTICAL:
        return original.angles[col] + ROTATION_DEG
    if name == "trunk_inclination":
        return np.abs(original.angles["trunk_lateral_flexion_deg"] + ROTATION_DEG)
    return original.angles[col]


def rotated_level_angles(original: Run) -> AngleSeries:
    """Filtered angles of the original's landmarks rotated in software."""
    return bound_unsigned(filter_angles(compute_angles(software_transform(original.seq, "rotate"))))


# --- statistics ---------------------------------------------------------------------------
def median_difference(values: np.ndarray, expected: np.ndarray) -> float:
    """Median of (values - expected) over frames where both exist; inf with fewer than
    MIN_FRAMES such frames (a column the transformed run lost counts as a miss)."""
    ok = np.isfinite(values) & np.isfinite(expected)
    return float(np.median(values[ok] - expected[ok])) if ok.sum() >= MIN_FRAMES else np.inf


def measurable(original: Run) -> list[str]:
    """Candidate columns the original run measures in at least MIN_FRAMES frames."""
    return [c for c in CANDIDATES if np.isfinite(original.angles[c]).sum() >= MIN_FRAMES]


def peak_shifts(
    p0: dict[str, dict[str, float]], p1: dict[str, dict[str, float]], columns: list[str]
) -> dict[str, float]:
    """``"column:direction"`` -> transformed minus original reported peak (inf if lost)."""
    out = {}
    for col in columns:
        for direction, peak in p0[col].items():
            if np.isfinite(peak):
                other = p1.get(col, {}).get(direction, np.nan)
                out[f"{col}:{direction}"] = float(other - peak) if np.isfinite(other) else np.inf
    return out


@dataclass(frozen=True)
class Spread:
    """How far a set of differences (degrees) is from zero."""

    n: int
    within: float  # fraction with |d| <= tol_deg
    p90_deg: float  # 90th percentile of |d| (inf when more than 10 % are lost)
    tol_deg: float

    @classmethod
    def of(cls, diffs: dict[str, float] | list[float], tol_deg: float) -> Spread:
        d = np.abs(np.array(list(diffs.values()) if isinstance(diffs, dict) else diffs, float))
        if d.size == 0:
            raise ValueError("no differences to summarise")
        # 'higher': an observed value, and inf (a lost column) is not interpolated away
        p90 = float(np.quantile(d, 0.9, method="higher"))
        return cls(int(d.size), float(np.mean(d <= tol_deg)), p90, tol_deg)

    def __str__(self) -> str:
        return (
            f"{self.within:.0%} within {self.tol_deg:g} deg ({round(self.within * self.n)}/"
            f"{self.n}), 90% within {self.p90_deg:.1f} deg"
        )


# --- the relations as differences -------------------------------------------------------------
#: relation -> "columns" (per-column median of per-frame differences) or "peaks"
KIND = {"mirror": "columns", "rotate": "columns", "half_res": "peaks", "half_fps": "peaks"}
RELATIONS = tuple(KIND)


def differences(
    runs: dict[str, Run], relation: str, transformed: AngleSeries | None = None
) -> dict[str, float]:
    """Transformed minus expected, over every measurable candidate (degrees).

    ``"columns"`` relations (mirror, rotate): per candidate column, the median over frames
    of (transformed run - expectation); ``"peaks"`` relations (half_res, half_fps): per
    reported peak (``column:direction``), the transformed run's peak minus the original's.
    ``relation`` may also be ``"null_columns"`` or ``"null_peaks"``: the null transform's
    differences of that kind. ``transformed`` replaces the variant's own angles (fault
    injection).
    """
    original = runs["original"]
    cols = measurable(original)
    if relation in ("null_columns", "null_peaks"):
        null = runs["null"].angles
        if relation == "null_columns":
            return {c: median_difference(null[c], original.angles[c]) for c in cols}
        return peak_shifts(original.peaks(), peaks_of(null), cols)
    got = transformed if transformed is not None else runs[relation].angles
    if relation == "mirror":
        out = {}
        for c in cols:
            other, expected = mirrored_expectation(c, original.angles)
            out[c] = median_difference(got[other], expected)
        return out
    if relation == "rotate":
        level = rotated_level_angles(original)
        return {c: median_difference(got[c], rotated_expectation(c, original, level)) for c in cols}
    return peak_shifts(original.peaks(), peaks_of(got), cols)


def null_differences(runs: dict[str, Run], relation: str) -> dict[str, float]:
    """The null transform's differences of the same kind as ``relation``'s."""
    return differences(runs, f"null_{KIND[relation]}")


@dataclass(frozen=True)
class Criterion:
    """A relation holds when its differences are not spread further from zero than the null
    transform's, in the same run, by more than the margins."""

    tol_deg: float
    #: fraction within tol_deg may be lower than the null's by at most this much
    margin_within: float
    #: 90th percentile of |difference| may exceed the null's by at most this much (deg)
    margin_p90_deg: float

    def spreads(self, diffs: dict[str, float], null: dict[str, float]) -> tuple[Spread, Spread]:
        return Spread.of(diffs, self.tol_deg), Spread.of(null, self.tol_deg)

    def violations(self, got: Spread, null: Spread) -> list[str]:
        out = []
        if got.within < null.within - self.margin_within:
            out.append(
                f"{got.within:.0%} within {self.tol_deg:g} deg, null {null.within:.0%}: "
                f"{null.within - got.within:.0%} fewer (margin {self.margin_within:.0%})"
            )
        if not got.p90_deg <= null.p90_deg + self.margin_p90_deg:
            out.append(
                f"90% within {got.p90_deg:.1f} deg, null {null.p90_deg:.1f}: "
                f"{got.p90_deg - null.p90_deg:+.1f} deg (margin {self.margin_p90_deg:g})"
            )
        return out


#: The criterion of each relation; the margins are justified in the docstring of
#: tests/integration/test_metamorphic.py.
CRITERIA: dict[str, Criterion] = {
    "rotate": Criterion(tol_deg=2.0, margin_within=0.10, margin_p90_deg=3.0),
    "half_res": Criterion(tol_deg=3.0, margin_within=0.15, margin_p90_deg=5.0),
    "half_fps": Criterion(tol_deg=3.0, margin_within=0.40, margin_p90_deg=15.0),
    "mirror": Criterion(tol_deg=2.0, margin_within=0.60, margin_p90_deg=12.0),
}


# --- injected faults (what a bug in rom would do to the transformed run) -----------------------
def _columns(a: AngleSeries, fn: Callable[[str], np.ndarray]) -> AngleSeries:
    return AngleSeries.from_dict(a.time_s, {n: fn(n) for n in a.names})


def swap_sides(run: Run) -> AngleSeries:
    """Left and right columns traded: a side mix-up (labels, mirror handling)."""
    a = run.angles

    def col(n: str) -> np.ndarray:
        side = catalogue.angle_def(n).side
        return (
            a[n.replace(f"_{side}_", "_right_" if side == "left" else "_left_")] if side else a[n]
        )

    return _columns(a, col)


def keep_lateral_sign(run: Run) -> AngleSeries:
    """Angles whose positive direction names a side negated: for the mirrored clip, the
    mirror's sign change forgotten."""
    a = run.angles
    return _columns(a, lambda n: -a[n] if catalogue.angle_def(n).lateral else a[n])


def flip_signs(run: Run) -> AngleSeries:
    """Every signed angle negated: a sign convention that depends on the frame."""
    a = run.angles
    return _columns(a, lambda n: -a[n] if catalogue.angle_def(n).signed else a[n])


def _vertical_shift(by_deg: float) -> Callable[[Run], AngleSeries]:
    def fault(run: Run) -> AngleSeries:
        a = run.angles
        cols = {
            n: a[n] + by_deg if catalogue.angle_def(n).name in FROM_VERTICAL else a[n]
            for n in a.names
        }
        cols["trunk_inclination_deg"] = np.abs(cols["trunk_lateral_flexion_deg"])
        return AngleSeries.from_dict(a.time_s, cols)

    return fault


def _offset(by_deg: float) -> Callable[[Run], AngleSeries]:
    return lambda run: run.angles.with_values(run.angles.values_deg + by_deg)


def stretch_x(run: Run) -> AngleSeries:
    """Image x doubled, y not: one axis mapped with the full-resolution size."""
    img = run.seq.image_xyz.copy()
    img[..., 0] *= 2.0
    return bound_unsigned(filter_angles(compute_angles(run.seq.with_arrays(image_xyz=img))))


@dataclass(frozen=True)
class Fault:
    relation: str
    name: str
    inject: Callable[[Run], AngleSeries]
    #: the clips on which the criterion must catch it (see the test module's docstring)
    caught_on: tuple[str, ...] = ("outdoor", "lab")


FAULTS = (
    Fault("mirror", "swapped_sides", swap_sides, ("lab",)),
    Fault("mirror", "lateral_sign_kept", keep_lateral_sign, ("lab",)),
    Fault("mirror", "offset_3deg", _offset(3.0)),
    Fault("rotate", "tilt_shift_missing", _vertical_shift(-ROTATION_DEG)),
    Fault("rotate", "tilt_shift_doubled", _vertical_shift(ROTATION_DEG)),
    Fault("rotate", "offset_3deg", _offset(3.0)),
    Fault("half_res", "swapped_sides", swap_sides),
    Fault("half_res", "signs_flipped", flip_signs),
    Fault("half_res", "offset_3deg", _offset(3.0)),
    Fault("half_res", "x_stretched", stretch_x),
    Fault("half_fps", "swapped_sides", swap_sides, ("lab",)),
    Fault("half_fps", "signs_flipped", flip_signs),
    Fault("half_fps", "offset_5deg", _offset(5.0)),
)
