"""The analysis pipeline: one video in, the output folder filled. Each stage is one line.

The pose file is written as soon as the landmarks exist, and every later output is
written before any error about the result (person lost, video truncated) is raised, so
nothing computed is lost. Each file appears under its name only once complete
(:mod:`rom.files`); an earlier run's files in the same folder are removed when this run's
landmarks exist, so a folder never mixes two runs.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rom import __version__
from rom.errors import (
    InputError,
    NoPersonError,
    OrientationError,
    OutputError,
    PartialResultError,
)
from rom.files import output_error, remove_stale_temps
from rom.io_mot import write_mot
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import (
    FilterReport,
    FilterSettings,
    bound_unsigned,
    filter_angles_with_report,
)
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.lifting import refine_world
from rom.metrics.protocols import Protocol, get_protocol
from rom.metrics.results import ROW_FIELDS, result_rows
from rom.metrics.series import AngleSeries
from rom.metrics.vertical import Vertical, estimate_vertical
from rom.metrics.view import orientation_problem
from rom.outputs import write_angles_csv, write_json, write_rows_csv
from rom.pose.extract import ExtractSettings, extract_poses
from rom.pose.landmarker import LandmarkerPair
from rom.pose.models import ModelInfo, resolve_model
from rom.pose.sources import open_source
from rom.pose.tracking import PersonChoice
from rom.sequence import PoseSequence, save
from rom.summary import build_summary, tracking_report

OUTPUT_FILES = {
    "summary": "summary.json",
    "results": "results.csv",
    "pose": "pose.npz",
    "angles": "angles.csv",
    "mot": "angles.mot",
    "overlay": "overlay.mp4",
}


@dataclass(frozen=True)
class AnalysisConfig:
    """Every setting of one analysis, resolved once (CLI flags, config file, defaults)."""

    #: full: the most consistent between the client's left and right (mirrored clips,
    #: tests/integration/test_metamorphic.py); heavy is 1.5 deg more accurate on the lab
    #: reference (benchmarks/accuracy.py) at about half the speed
    model_variant: str = "full"
    model_path: Path | None = None
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)
    protocol: str | None = None
    protocols_file: Path | None = None
    with_3d: bool = True
    overlay: bool = False
    #: blur the client's face in every image written (the overlay video)
    blur_faces: bool = True
    fps_for_images: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_variant": self.model_variant,
            "model_path": str(self.model_path) if self.model_path else None,
            "person": (self.extract.person.__dict__ if self.extract.person else "auto"),
            "filter": self.filter.__dict__,
            "protocol": self.protocol,
            "with_3d": self.with_3d,
            "blur_faces": self.blur_faces,
        }


@dataclass(frozen=True)
class AnalysisResult:
    out_dir: Path
    files: dict[str, Path]
    sequence: PoseSequence
    angles: AngleSeries
    summary: dict[str, Any]


Progress = Callable[[str, int | None], Callable[[int], None]]


def _no_progress(stage: str, total: int | None) -> Callable[[int], None]:
    return lambda i: None


def analyze_video(
    video: str | Path | int,
    out_dir: str | Path,
    config: AnalysisConfig = AnalysisConfig(),
    *,
    progress: Progress = _no_progress,
    landmarkers: LandmarkerPair | None = None,
    model: ModelInfo | None = None,
) -> AnalysisResult:
    """Analyse one video into ``out_dir`` (created if needed); see README for the files.

    ``landmarkers`` (from :func:`rom.pose.extract.open_landmarkers` with the same model
    and ``config.extract``) are reused instead of loading the model for this clip; the
    results are the same either way. ``model``: the model ``config`` names, already
    resolved (:func:`rom.pose.models.resolve_model`), so that many clips do not each check
    and hash the model file. ``progress(stage, total)`` makes a per-frame callback for
    progress bars; unless it is the default (none) or has ``enabled = False``, a first
    run also narrates the model's download or build on stderr.

    Raises :class:`NoPersonError` when nobody is found (the pose file is still written)
    and :class:`PartialResultError` after writing every output when the person was lost
    for good part way or the video is truncated.
    """
    started = time.time()
    protocol = get_protocol(config.protocol, config.protocols_file) if config.protocol else None
    out = Path(out_dir)
    created = make_out_dir(out)
    remove_stale_temps(out)  # left by a run that was killed mid-write
    try:
        return _analyze(video, out, config, protocol, progress, started, landmarkers, model)
    except BaseException:
        # A run that failed before writing anything leaves no empty folder behind.
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise


def _analyze(
    video: str | Path | int,
    out: Path,
    config: AnalysisConfig,
    protocol: Protocol | None,
    progress: Progress,
    started: float,
    landmarkers: LandmarkerPair | None,
    model: ModelInfo | None,
) -> AnalysisResult:
    files = {k: out / v for k, v in OUTPUT_FILES.items()}
    with open_source(video, fps=config.fps_for_images) as source:
        # The video is checked first: a bad path is reported before any model download.
        check_person_in_frame(config.extract.person, source.info.width_px, source.info.height_px)
        check_cutoff(config.filter, source.info.fps, Path(str(video)).name)
        if model is None:
            # With progress shown, the first run says which model it downloads or builds.
            model = resolve_model(
                config.model_variant,
                config.model_path,
                progress=progress is not _no_progress and getattr(progress, "enabled", True),
            )
        if landmarkers is not None and landmarkers.model_path.resolve() != model.path.resolve():
            raise ValueError(
                f"landmarkers hold {landmarkers.model_path}, the settings ask {model.path}"
            )
        tick = progress("tracking", source.info.n_frames)
        seq = extract_poses(
            source,
            landmarkers if landmarkers is not None else model.path,
            settings=config.extract,
            on_frame=tick,
            model_meta={
                "variant": model.variant,
                "sha256": model.sha256,
                "origin": model.origin,
                "mediapipe_version": _mediapipe_version(),
            },
        )
    # MediaPipe's occasional left/right swaps are undone before anything reads a side;
    # pose.npz holds the landmarks as used (the summary counts the frames relabelled).
    seq, swaps = fix_label_swaps(seq)
    # From here the folder holds this run's results: an earlier run's files go first, so
    # that a run stopped part way never leaves old and new outputs side by side.
    _remove_previous(files)
    save(seq, files["pose"])
    if seq.n_frames == 0 or not seq.detected.any():
        if config.extract.person is not None and seq.source.get("people_seen"):
            raise InputError(_wrong_person_message(seq, config.extract.person))
        raise NoPersonError(_nobody_message(Path(str(video)).name, seq, config))
    # a turned video (no rotation metadata) would be read as a side view: refused, with
    # the fix (pose.npz stays: nothing computed is lost)
    turned = orientation_problem(seq)
    if turned:
        raise OrientationError(f"{Path(str(video)).name}: {turned}")
    angles, vertical, removed = measure_angles(seq, config)
    write_angles_csv(angles, files["angles"])
    write_mot(angles, files["mot"], name=" ".join(Path(str(video)).stem.split()) or "rom")
    summary = build_summary(
        seq,
        angles,
        protocol,
        config=config.as_dict(),
        version=__version__,
        label_swaps=swaps,
        filter_reports=removed,
        protocols_file=config.protocols_file,
    )
    summary["vertical"] = {
        "source": vertical.source,
        "camera_tilt_deg": round(vertical.tilt_deg, 1),
        "standing_frames": vertical.standing_frames,
    }
    summary["processing_s"] = round(time.time() - started, 2)
    write_json(summary, files["summary"])
    write_rows_csv(result_rows(summary["results"]), ROW_FIELDS, files["results"])
    # A live camera cannot be read a second time to draw on: no overlay for it.
    if config.overlay and seq.source.get("kind") != "camera":
        from rom.overlay import DEFAULT_OVERLAY_ANGLES, write_overlay

        cols = _overlay_columns(protocol) or DEFAULT_OVERLAY_ANGLES
        write_overlay(
            str(video),
            seq,
            angles,
            files["overlay"],
            columns=cols,
            blur_faces=config.blur_faces,
            fps_for_images=config.fps_for_images,
            on_frame=progress("overlay", seq.n_frames),
        )
    else:
        files.pop("overlay")
    result = AnalysisResult(
        out, {k: p for k, p in files.items() if p.exists()}, seq, angles, summary
    )
    problem = tracking_report(seq).get("problem")
    if problem:
        raise PartialResultError(
            f"{problem}; outputs written to {out}", result=result, problem=problem
        )
    return result


def measure_angles(
    seq: PoseSequence, config: AnalysisConfig = AnalysisConfig()
) -> tuple[AngleSeries, Vertical, dict[str, FilterReport]]:
    """The angle stage of ``rom analyze``: landmarks (label swaps undone) in, filtered
    angles out, with the clip's vertical and what the filter removed.

    The vertical is measured from the standing client (:mod:`rom.metrics.vertical`; the
    camera's up otherwise), the 3D angles are computed from world landmarks rebuilt from
    the image's x, y and MediaPipe's depth (:mod:`rom.metrics.lifting`), then every column
    is filtered (:func:`rom.metrics.filtering.filter_angles_with_report`) and unsigned
    angles bounded. ``benchmarks/accuracy.py`` runs this very function on each lab view.
    """
    vertical = estimate_vertical(seq)
    angles = compute_angles(refine_world(seq), with_3d=config.with_3d, vertical=vertical)
    filtered, removed = filter_angles_with_report(angles, config.filter)
    return bound_unsigned(filtered), vertical, removed


def _overlay_columns(protocol: Protocol | None) -> list[str]:
    return [c for c in protocol.angles if not c.endswith("_3d_deg")] if protocol else []


def check_person_in_frame(person: PersonChoice | None, width_px: int, height_px: int) -> None:
    """A ``--person X,Y`` pixel must lie inside the (upright, square-pixel) frame.

    Raises
    ------
    InputError
        The pixel is outside the ``width_px`` x ``height_px`` frame.
    """
    if person is None or person.point_px is None or width_px <= 0 or height_px <= 0:
        return
    x, y = person.point_px
    if not (0 <= x < width_px and 0 <= y < height_px):
        raise InputError(
            f"--person {x:g},{y:g}: the pixel is outside the frame ({width_px} x {height_px}); "
            f"give X from 0 to {width_px - 1} and Y from 0 to {height_px - 1}, a pixel inside "
            "the client"
        )


def check_cutoff(settings: FilterSettings, fps: float, name: str = "the clip") -> None:
    """The low-pass cut-off must lie below the Nyquist frequency, half the clip's frame
    rate ``fps`` (a filter at or above it cannot filter; checked before any tracking, so
    nothing is computed to be lost). An unknown frame rate (0, NaN) is not checked here:
    the filter then judges by the frames' own times.

    Raises
    ------
    InputError
        ``--cutoff-hz`` at or above ``fps / 2``, naming the clip's frame rate and the
        largest value allowed.

    Examples
    --------
    >>> check_cutoff(FilterSettings(cutoff_hz=6.0), 30.0)
    >>> check_cutoff(FilterSettings(cutoff_hz=100.0), 30.0)
    Traceback (most recent call last):
    ...
    rom.errors.InputError: --cutoff-hz 100 is at or above the Nyquist frequency of the clip (30 fps: 15 Hz); give a cut-off below 15 Hz (6 is the default), or 0 to turn the filter off
    """
    if not settings.lowpass or not (fps > 0 and math.isfinite(fps)):
        return
    nyquist_hz = fps / 2.0
    if settings.cutoff_hz >= nyquist_hz:
        raise InputError(
            f"--cutoff-hz {settings.cutoff_hz:g} is at or above the Nyquist frequency of "
            f"{name} ({fps:.3g} fps: {nyquist_hz:.3g} Hz); give a cut-off below "
            f"{nyquist_hz:.3g} Hz (6 is the default), or 0 to turn the filter off"
        )


def _wrong_person_message(seq: PoseSequence, person: PersonChoice) -> str:
    """``--person`` named someone who was not there, though people were seen."""
    seen = int(seq.source.get("people_seen") or 0)
    w, h = seq.image_size_px
    them = f"only {seen} {'person was' if seen == 1 else 'people were'} seen"
    if person.index is not None:
        return (
            f"--person {person.index}: {them}; use 0..{seen - 1} (counted from the left) "
            f"or a pixel X,Y inside the client (the frame is {w} x {h})"
        )
    x, y = person.point_px  # type: ignore[misc]
    return (
        f"--person {x:g},{y:g}: nobody was at that pixel ({them}); give a pixel inside the "
        f"client (the frame is {w} x {h}) or an index 0..{seen - 1} (counted from the left)"
    )


def _nobody_message(name: str, seq: PoseSequence, config: AnalysisConfig) -> str:
    cut = seq.source.get("decode_error")
    if cut:  # what was decoded before a cut or damage: the file is the problem first
        n = seq.n_frames
        return (
            f"nobody was found in the {n} frame{'' if n == 1 else 's'} decoded: {cut}; "
            "copy or export the whole video again"
        )
    return (
        f"nobody was found in {name} ({seq.n_frames} frames); film the client whole and "
        "well lit, facing or side-on to the camera"
    )


def check_out_dir(out: Path) -> None:
    """Refuse an output folder ``out`` that is a file (``rom batch`` asks before it reads
    its input; :func:`make_out_dir` asks again when it creates the folder).

    Raises
    ------
    rom.errors.InputError
        ``out`` is a file.
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the outputs")


def make_out_dir(out: Path) -> bool:
    """Create the output folder ``out`` if needed and check that it takes files; True
    when it was created here.

    Raises
    ------
    rom.errors.InputError
        ``out`` is a file.
    rom.errors.OutputError
        It cannot be created, or written to (read-only, full).
    """
    check_out_dir(out)
    existed = out.is_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create output folder {out} ({exc.strerror}); choose another --out"
        ) from exc
    try:  # a read-only folder is found now, not after a long analysis
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise output_error(out, exc) from exc
    return not existed


def _remove_previous(files: dict[str, Path]) -> None:
    for path in files.values():
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise output_error(path, exc) from exc


def _mediapipe_version() -> str:
    from importlib.metadata import version

    return version("mediapipe")
