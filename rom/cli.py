"""The ``rom`` command: ``rom analyze``, ``rom protocols``, ``rom models``, and the
clients-and-sessions commands (``rom client``, ``session``, ``compare``, ``report``,
``export``; see :mod:`rom.clinic_cli`).

Errors rom raises on purpose are printed as one line (``rom: error: ...``) with a
non-zero exit code (2 bad input, 3 nobody found, 4 no model, 5 partial result, 6 outputs
cannot be written, 7 database unusable: locked, read-only, damaged, newer, or the disk
full; 8 some clips of a batch failed).
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
from typing import TYPE_CHECKING

from rom import __version__
from rom.errors import PartialResultError, RomError, RomWarning
from rom.pose.formats import formats_text
from rom.settings import add_setting_flags, given_settings, resolve_config

if TYPE_CHECKING:
    from rom.pipeline import AnalysisConfig


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
        help=f"video file ({formats_text()}), folder of images, webcam index (0) or stream URL",
    )
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        default=None,
        help="output folder (default: ./rom-output/<video name>)",
    )
    add_setting_flags(p)
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
    storing = args.client is not None or args.session is not None
    if storing:  # before loading the pipeline or spending minutes analysing
        from rom.clinic_cli import check_destination

        check_destination(args.client, args.session)
    from rom.pipeline import AnalysisResult, analyze_video

    config = resolve_config(given_settings(args), args.config)
    video = args.video
    if storing and args.out is None:
        from rom.clinic_cli import already_stored
        from rom.pose.models import resolve_model

        model = resolve_model(config.model_variant, config.model_path)
        done = already_stored(video, args.client, args.session, config.as_dict(), model.sha256)
        if done is not None:
            if not args.quiet:
                print(
                    f"already stored as recording {done} in client {args.client}, session "
                    f"{args.session} (same video, same settings): nothing to do"
                )
            return 0
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
                    _store(video, exc.result, args, config)
            # Stored without --out: the scratch folder is gone, so it is not named.
            text = exc.problem if storing and args.out is None else str(exc)
            print(f"rom: incomplete: {text}", file=sys.stderr)
            return exc.exit_code
        finally:
            progress.close()
        _print_result(result.summary, _shown(result.files, args), quiet=args.quiet)
        if storing:
            _store(video, result, args, config)
    return 0


def _shown(files: dict[str, Path], args: argparse.Namespace) -> dict[str, Path]:
    """Output files to list: none when they went to a scratch folder."""
    return files if args.out is not None or args.client is None else {}


def _store(video: str, result: object, args: argparse.Namespace, config: AnalysisConfig) -> None:
    from rom.clinic_cli import store_analysis
    from rom.pose.models import resolve_model

    model = resolve_model(config.model_variant, config.model_path)

    store_analysis(
        video,
        result,
        args.client,
        args.session,
        store_video=args.store_video,
        show_faces=args.show_faces,
        quiet=args.quiet,
        model_path=model.path,
    )


#: Exit code of `rom batch` when some clips failed (the others' results are written).
EXIT_SOME_FAILED = 8


def _add_batch(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "batch",
        parents=[_COMMON],
        help="analyse many clips (a folder or a manifest CSV) into one tidy table",
        description="Analyse every video in INPUT (a folder, searched recursively for "
        f"{formats_text()}, or a "
        "manifest CSV with a 'path' column and optional protocol, side, subject, session, "
        "label columns) into --out: results.parquet, results.csv, errors.csv, "
        "settings.toml, settings.json and clips/<id>/ (angles.parquet, summary.json, ...); "
        "the manifest's side is a label, carried as clip_side. Re-running "
        "skips the clips already done and redoes those that failed or changed.",
    )
    p.add_argument("input", nargs="?", help="folder of videos or manifest CSV")
    p.add_argument("--out", "-o", type=Path, default=None, help="output folder (required)")
    p.add_argument(
        "--workers",
        "-j",
        type=int,
        default=None,
        help="local worker processes (default: the number of cores)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster instead, e.g. tcp://host:8786 (needs rom[distributed])",
    )
    p.add_argument(
        "--max-memory-mb",
        type=float,
        default=None,
        help="a local worker using more memory than this is stopped and its clip recorded "
        "as failed (default: 90%% of the memory, shared among the workers)",
    )
    p.add_argument(
        "--database",
        action="store_true",
        help="also store each clip whose manifest names a client (column client or "
        "subject) and a session in the clients/sessions database (ROM_DATABASE_URL or "
        "the default file; needs rom[store])",
    )
    p.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="DIR",
        help="print the counts and each measure's distribution of a finished batch in DIR",
    )
    add_setting_flags(p)
    p.set_defaults(func=_cmd_batch)


def _cmd_batch(args: argparse.Namespace) -> int:
    from rom.batch.report import ClipCounts, plural, run_line, start_line, summarize_batch
    from rom.batch.run import run_batch
    from rom.errors import InputError
    from rom.settings import read_settings_file

    if args.summary is not None:
        print(summarize_batch(args.summary))
        return 0
    if args.input is None or args.out is None:
        raise InputError("rom batch needs INPUT and --out DIR (or --summary DIR)")
    batch_file = read_settings_file(args.config)[1] if args.config else {}
    workers = args.workers if args.workers is not None else batch_file.get("workers")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be 1 or more, got {workers}")
    config = resolve_config(given_settings(args), args.config)
    bar = None

    def start(n_todo: int, n_skipped: int) -> None:
        nonlocal bar
        if not args.quiet:
            print(start_line(n_todo, n_skipped))
            from tqdm import tqdm

            bar = tqdm(total=n_todo, unit="clip", file=sys.stderr, disable=None)
            bar.set_postfix(counts.postfix(), refresh=False)

    counts = ClipCounts()

    def progress(outcome: object) -> None:
        counts.add(str(getattr(outcome, "status", "")), getattr(outcome, "files", None))
        if bar is not None:
            bar.set_postfix(counts.postfix(), refresh=False)
            bar.update(1)

    def note(text: str) -> None:
        line = f"rom: note: {text}"
        sys.stdout.flush()  # in order with the lines printed before, also into one file
        if bar is not None:
            bar.write(line, file=sys.stderr)  # above the progress bar, not through it
        else:
            print(line, file=sys.stderr, flush=True)

    try:
        report = run_batch(
            args.input,
            args.out,
            config,
            workers=workers,
            scheduler=args.scheduler or batch_file.get("scheduler"),
            max_memory_mb=args.max_memory_mb or batch_file.get("max_memory_mb"),
            database=args.database,
            on_start=start,
            on_progress=progress,
            on_note=note,
        )
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(
            run_line(
                report.n_done, report.n_partial, report.n_failed, report.n_skipped, report.n_noted
            )
        )
        for written in report.files.values():
            print(f"  {written}")
    if report.n_other and not args.quiet:
        n = report.n_other
        print(
            f"note: {plural(n, 'result')} in {args.out} from earlier runs (of other clips, or "
            f"with other settings) {'are' if n > 1 else 'is'} not part of this run and left "
            f"out of the tables (kept in {Path(args.out) / 'clips'} and failed/); list every "
            "clip in one input, with the same settings, to have them all in one table"
        )
    if report.stored is not None:
        st = report.stored
        if st.created:
            print(st.created)
        print(
            f"database: {plural(st.stored, 'clip')} stored, {st.existing} already there, "
            f"{st.skipped} without client and session or result, {len(st.failed)} failed"
        )
        for path, reason in st.failed:
            print(f"rom: database: {path}: {reason}", file=sys.stderr)
    return 0 if report.ok else EXIT_SOME_FAILED


def _print_result(summary: dict, files: dict[str, Path], *, quiet: bool) -> None:
    from rom.metrics.results import REPETITION_MEANING, result_lines
    from rom.metrics.view import filmed_from

    if quiet:
        return
    tr = summary["tracking"]
    res = summary["results"]
    yaw = f" (yaw {res['yaw_deg']:+.0f} deg)" if res.get("yaw_deg") is not None else ""
    print(
        f"tracked the person in {tr['detected_frames']}/{tr['n_frames']} frames "
        f"({100 * tr['detected_fraction']:.0f}%); {filmed_from(res['view'])}{yaw}"
    )
    lines = result_lines(res)
    if res.get("protocol"):
        print(f"{res['title']} ({res['protocol']}):")
    elif lines:
        print(
            "movements the client made (no protocol; each value from the view it was read "
            "in, marked when not the clip's; every measure is in results.csv):"
        )
    else:
        print(
            f"no movement of 10 deg or more that a {res['view']} view supports was found; "
            "see `rom protocols` for how to film each test"
        )
    for line in lines:
        print(line)
    if any("repetition" in line for line in lines):
        print(f"note: {REPETITION_MEANING}")
    for w in res.get("warnings", []):
        if w == tr.get("problem"):
            continue  # said once, by the "rom: incomplete:" line
        if not any(w.split(": ", 1)[-1] in line for line in lines):  # not said above
            print(f"warning: {w}")
    if files:  # none to list when the analysis is only stored (rom analyze --client)
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
    _add_batch(sub)
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

    add_parsers(sub)
    from rom.app.launch import add_parser as add_app_parser

    add_app_parser(sub, _COMMON)
    describe_subcommands(parser)
    return parser


def describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Every subcommand's ``--help`` opens with a description: its own, else its one-line
    help as a sentence (a subcommand without one printed only its usage)."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, p in action.choices.items():
            if not p.description and helps.get(name):
                text = str(helps[name])
                p.description = text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
            describe_subcommands(p)


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
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, where it is handled below
        return code
    except RomError as exc:
        print(f"rom: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `rom ... | head`: the reader stopped reading. Quietly, with the shell's code for
        # a process stopped by SIGPIPE; stdout goes to /dev/null so that Python does not
        # report the pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
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
