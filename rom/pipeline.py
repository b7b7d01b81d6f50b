"""The analysis pipeline: one video in, the output folder filled. Each stage is one line.

The pose file is written as soon as the landmarks exist, and every later output is
written before any error about the result (person lost, video truncated) is raised, so
nothing computed is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rom import __version__
from rom.errors import InputError, NoPersonError, PartialResultError
from rom.io_mot import write_mot
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import FilterSettings, bound_unsigned, filter_angles_with_report
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.protocols import Protocol, get_protocol
from rom.metrics.results import ROW_FIELDS, result_rows
from rom.metrics.series import AngleSeries
from rom.outputs import write_angles_csv, write_json, write_rows_csv
from rom.pose.extract import ExtractSettings, extract_poses
from rom.pose.models import resolve_model
from rom.pose.sources import open_source
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

    model_variant: str = "full"
    model_path: Path | None = None
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)
    protocol: str | None = None
    protocols_file: Path | None = None
    with_3d: bool = True
    overlay: bool = False
    fps_for_images: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_variant": self.model_variant,
            "model_path": str(self.model_path) if self.model_path else None,
            "person": (self.extract.person.__dict__ if self.extract.person else "auto"),
            "filter": self.filter.__dict__,
            "protocol": self.protocol,
            "with_3d": self.with_3d,
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
) -> AnalysisResult:
    """Analyse one video into ``out_dir`` (created if needed); see README for the files.

    Raises :class:`NoPersonError` when nobody is found (the pose file is still written)
    and :class:`PartialResultError` after writing every output when the person was lost
    for good part way or the video is truncated.
    """
    started = time.time()
    protocol = get_protocol(config.protocol, config.protocols_file) if config.protocol else None
    out = Path(out_dir)
    created = _make_out_dir(out)
    try:
        return _analyze(video, out, config, protocol, progress, started)
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
) -> AnalysisResult:
    files = {k: out / v for k, v in OUTPUT_FILES.items()}
    # With progress shown, the first run says which model it downloads or builds.
    model = resolve_model(
        config.model_variant, config.model_path, progress=progress is not _no_progress
    )
    with open_source(video, fps=config.fps_for_images) as source:
        tick = progress("tracking", source.info.n_frames)
        seq = extract_poses(
            source,
            model.path,
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
    save(seq, files["pose"])
    if seq.n_frames == 0 or not seq.detected.any():
        raise NoPersonError(_nobody_message(Path(str(video)).name, seq, config))
    angles = compute_angles(seq, with_3d=config.with_3d)
    filtered, removed = filter_angles_with_report(angles, config.filter)
    angles = bound_unsigned(filtered)
    write_angles_csv(angles, files["angles"])
    write_mot(angles, files["mot"], name=Path(str(video)).stem)
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
            on_frame=progress("overlay", seq.n_frames),
        )
    else:
        files.pop("overlay")
    result = AnalysisResult(
        out, {k: p for k, p in files.items() if p.exists()}, seq, angles, summary
    )
    problem = tracking_report(seq).get("problem")
    if problem:
        raise PartialResultError(f"{problem}; outputs written to {out}", result=result)
    return result


def _overlay_columns(protocol: Protocol | None) -> list[str]:
    return [c for c in protocol.angles if not c.endswith("_3d_deg")] if protocol else []


def _nobody_message(name: str, seq: PoseSequence, config: AnalysisConfig) -> str:
    person = config.extract.person
    seen = int(seq.source.get("people_seen") or 0)
    if person is not None and seen:
        chosen = (
            f"person {person.index} (counted from 0, left to right)"
            if person.index is not None
            else f"nobody at pixel {person.point_px[0]:g},{person.point_px[1]:g}"  # type: ignore[index]
        )
        return (
            f"the chosen person was not found in {name}: {chosen}, but at most {seen} "
            f"{'person was' if seen == 1 else 'people were'} seen at once; give --person "
            f"0 to {seen - 1}, or a pixel X,Y inside the client in the first frames"
        )
    return (
        f"nobody was found in {name} ({seq.n_frames} frames); film the client whole and "
        "well lit, facing or side-on to the camera"
    )


def _make_out_dir(out: Path) -> bool:
    """Create ``out`` if needed; True when it was created here."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the outputs")
    existed = out.is_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output folder {out} ({exc.strerror}); choose another --out"
        ) from exc
    return not existed


def _mediapipe_version() -> str:
    from importlib.metadata import version

    return version("mediapipe")
