"""The ``rom`` command: ``rom analyze``, ``rom protocols``, ``rom models``, and the
clients-and-sessions commands (``rom client``, ``session``, ``compare``, ``report``,
``export``; see :mod:`rom.clinic_cli`).

Errors rom raises on purpose are printed as one line (``rom: error: ...``) with a
non-zero exit code (2 bad input, 3 nobody found, 4 no model, 5 partial result, 6 database
unusable: locked, read-only, damaged, newer, or the disk full).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from rom import __version__
from rom.errors import InputError, PartialResultError, RomError, RomWarning


def _silence_native_logs() -> None:
    """Send file descriptor 2 (where MediaPipe's C++ and LiteRT log) to /dev/null while
    Python's own ``sys.stderr`` (our messages, progress bars) keeps the real terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = io.TextIOWrapper(
        os.fdopen(saved, "wb", buffering=0), encoding="utf-8", errors="replace", write_through=True
    )


class _Progress:
    """Progress bars on stderr, one stage at a time; ``close()`` ends the last one (so that
    nothing printed afterwards is glued to it)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: list[object] = []

    def __call__(self, stage: str, total: int | None) -> Callable[[int], None]:
        if not self.enabled:
            return lambda i: None
        from tqdm import tqdm

        self.close()
        bar = tqdm(
            total=total, desc=stage, unit="frame", file=sys.stderr, leave=False, disable=None
        )
        self.bars.append(bar)
        return lambda i: bar.update(1)

    def close(self) -> None:
        for b in self.bars:
            b.close()  # type: ignore[attr-defined]
        self.bars = []
        sys.stderr.flush()


def _progress_factory(enabled: bool) -> _Progress:
    return _Progress(enabled)


_COMMON = argparse.ArgumentParser(add_help=False)
_COMMON.add_argument(
    "--verbose",
    "-v",
    action="store_true",
    help="show MediaPipe's own log lines and full tracebacks",
)
_COMMON.add_argument("--quiet", "-q", action="store_true", help="no progress bars or summary")


def _add_analyze(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analyze",
        parents=[_COMMON],
        help="measure joint angles and range of motion in a video",
        description="Track the person in VIDEO and write pose.npz, angles.csv, angles.mot and "
        "summary.json (and overlay.mp4 with --overlay) into --out.",
    )
    p.add_argument(
        "video",
        help="video file (mp4, mov, avi, webm, mkv), folder of images, "
        "webcam index (0) or stream URL",
    )
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        default=None,
        help="output folder (default: ./rom-output/<video name>)",
    )
    p.add_argument(
        "--protocol",
        "-p",
        default=None,
        help="movement protocol, e.g. shoulder-abduction (see `rom protocols`)",
    )
    p.add_argument(
        "--protocols-file",
        type=Path,
        default=None,
        help="TOML file adding or overriding protocols and norms",
    )
    p.add_argument("--overlay", action="store_true", help="also write overlay.mp4 (H.264)")
    p.add_argument(
        "--person",
        default=None,
        help="who to analyse when several people are in view: an index counted "
        "left to right from 0, or a pixel X,Y inside the person in the first frame "
        "(default: the largest, most central person)",
    )
    p.add_argument(
        "--model",
        default="full",
        help="pose model: lite, full, heavy, or a path to a .task file (default full; "
        "env ROM_MODEL_PATH also works)",
    )
    p.add_argument("--no-3d", action="store_true", help="skip the 3D (world landmark) angles")
    p.add_argument(
        "--cutoff-hz",
        type=float,
        default=6.0,
        help="low-pass filter cut-off in Hz (default 6; 0 turns the filter off)",
    )
    p.add_argument(
        "--max-gap-s",
        type=float,
        default=0.25,
        help="longest gap of missing frames to interpolate, in seconds (default 0.25)",
    )
    p.add_argument("--no-hampel", action="store_true", help="turn off outlier rejection")
    p.add_argument(
        "--fps",
        type=float,
        default=30.0,
        help="frame rate of an image folder (videos use their own timestamps)",
    )
    store = p.add_argument_group("storing the analysis for a client (see rom client, rom session)")
    store.add_argument("--client", default=None, help="client code to store the analysis under")
    store.add_argument("--session", default=None, help="the client's session label, e.g. pre")
    store.add_argument(
        "--store-video",
        action="store_true",
        help="also keep a copy of the video in the database folder",
    )
    store.add_argument(
        "--show-faces",
        action="store_true",
        help="keep faces unblurred in the stored key frames (blurred by default)",
    )
    p.set_defaults(func=_cmd_analyze)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from rom.metrics.filtering import FilterSettings
    from rom.pipeline import AnalysisConfig, AnalysisResult, analyze_video
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    try:
        person = PersonChoice.parse(args.person)
    except ValueError:
        raise InputError(
            f"--person {args.person!r} is neither an index (0, 1, ...) nor a pixel X,Y"
        ) from None
    model_path = None
    variant = args.model
    if args.model not in ("lite", "full", "heavy"):
        model_path, variant = Path(args.model), "full"
    if args.cutoff_hz < 0 or args.max_gap_s < 0:
        raise InputError("--cutoff-hz and --max-gap-s must be 0 or more")
    config = AnalysisConfig(
        model_variant=variant,
        model_path=model_path,
        extract=ExtractSettings(person=person),
        filter=FilterSettings(
            hampel=not args.no_hampel,
            max_gap_s=args.max_gap_s,
            lowpass=args.cutoff_hz > 0,
            cutoff_hz=args.cutoff_hz or 6.0,
        ),
        protocol=args.protocol,
        protocols_file=args.protocols_file,
        with_3d=not args.no_3d,
        overlay=args.overlay,
        fps_for_images=args.fps,
    )
    video = args.video
    storing = args.client is not None or args.session is not None
    if storing:
        from rom.clinic_cli import check_destination

        check_destination(args.client, args.session)  # before spending minutes analysing
    with tempfile.TemporaryDirectory(prefix="rom-") as scratch:
        # Stored analyses need no output folder unless one is asked for.
        out = args.out or (
            Path(scratch) if storing else Path("rom-output") / (Path(str(video)).stem or "camera")
        )
        progress = _progress_factory(not args.quiet)
        try:
            result = analyze_video(video, out, config, progress=progress)
        except PartialResultError as exc:
            progress.close()
            if isinstance(exc.result, AnalysisResult):
                _print_result(exc.result.summary, _shown(exc.result.files, args), quiet=args.quiet)
                if storing:
                    _store(video, exc.result, args)
            print(f"rom: incomplete: {exc}", file=sys.stderr)
            return exc.exit_code
        finally:
            progress.close()
        _print_result(result.summary, _shown(result.files, args), quiet=args.quiet)
        if storing:
            _store(video, result, args)
    return 0


def _shown(files: dict[str, Path], args: argparse.Namespace) -> dict[str, Path]:
    """Output files to list: none when they went to a scratch folder."""
    return files if args.out is not None or args.client is None else {}


def _store(video: str, result: object, args: argparse.Namespace) -> None:
    from rom.clinic_cli import store_analysis

    store_analysis(
        video,
        result,
        args.client,
        args.session,
        store_video=args.store_video,
        show_faces=args.show_faces,
        quiet=args.quiet,
    )


def _print_result(summary: dict, files: dict[str, Path], *, quiet: bool) -> None:
    from rom.metrics.results import result_lines

    if quiet:
        return
    tr = summary["tracking"]
    res = summary["results"]
    yaw = f" (yaw {res['yaw_deg']:+.0f} deg)" if res.get("yaw_deg") is not None else ""
    print(
        f"tracked the person in {tr['detected_frames']}/{tr['n_frames']} frames "
        f"({100 * tr['detected_fraction']:.0f}%); view: {res['view']}{yaw}"
    )
    lines = result_lines(res)
    if res.get("protocol"):
        print(f"{res['title']} ({res['protocol']}):")
    elif lines:
        print(f"movements measured (no protocol; what a {res['view']} view supports):")
    else:
        print(
            f"no movement of 10 deg or more that a {res['view']} view supports was found; "
            "see `rom protocols` for how to film each test"
        )
    for line in lines:
        print(line)
    for w in res.get("warnings", []):
        print(f"warning: {w}")
    print(
        f"outputs in {next(iter(files.values())).parent}: "
        + ", ".join(p.name for p in files.values())
    )


def _cmd_protocols(args: argparse.Namespace) -> int:
    from rom.metrics.protocols import load_protocols

    for name, p in load_protocols(args.protocols_file).items():
        print(f"{name}: {p.title} [view: {' or '.join(p.views)}]")
        if args.verbose:
            print("    " + " ".join(p.instructions.split()))
            print("    angles: " + ", ".join(p.angles))
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from rom.pose.models import format_models_table, list_cached_models

    print(format_models_table(list_cached_models()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rom",
        description="Joint range of motion and postural asymmetry from video.",
    )
    parser.add_argument("--version", action="version", version=f"rom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_analyze(sub)
    pp = sub.add_parser(
        "protocols",
        help="list the movement protocols and how to film them",
        description="List the movement protocols: name, title and camera view.",
    )
    pp.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="also print each protocol's filming instructions and angle columns",
    )
    pp.add_argument(
        "--protocols-file",
        type=Path,
        default=None,
        help="TOML file adding or overriding protocols and norms (listed with the others)",
    )
    pp.set_defaults(func=_cmd_protocols)
    pm = sub.add_parser(
        "models",
        help="list the cached pose models and package archives, and where they are",
        description="List the pose models in the cache (variant, size, sha256, path) and "
        "the package archives kept to build them offline.",
    )
    pm.set_defaults(func=_cmd_models, verbose=False)
    from rom.clinic_cli import add_parsers

    add_parsers(sub, _COMMON)
    from rom.app.launch import add_parser as add_app_parser

    add_app_parser(sub, _COMMON)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.verbose:
        os.environ["ROM_VERBOSE"] = "1"
    else:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        _silence_native_logs()
        warnings.simplefilter("ignore", RomWarning)  # they are in summary.json's warnings
    try:
        return int(args.func(args))
    except RomError as exc:
        print(f"rom: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rom: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(
            f"rom: internal error: {type(exc).__name__}: {exc} (run with --verbose and report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
