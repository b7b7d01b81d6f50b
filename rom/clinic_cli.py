"""The ``rom client``, ``rom session``, ``rom compare``, ``rom report`` and ``rom export``
subcommands (clients and sessions in the database; see :mod:`rom.store`), and the storing
step of ``rom analyze --client CODE --session LABEL``.

Forms kept stable (the README, scripts and the dashboard use them)::

    rom client add CODE [--notes TEXT]     rom client list     rom client delete CODE
    rom session add CODE LABEL [--date YYYY-MM-DD]             rom session list CODE
    rom compare CODE [--before LABEL --after LABEL] [--format table|csv|json]
    rom report CODE [--before LABEL --after LABEL] --out FILE.pdf|FILE.html
    rom export CODE|--all --out FILE.csv|.parquet|.json
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rom.errors import InputError, StoreError

if TYPE_CHECKING:
    from rom.metrics.compare import Change
    from rom.store import Store

Sub = "argparse._SubParsersAction[argparse.ArgumentParser]"


def open_store_or_explain(quiet: bool = False) -> Store:
    """The database (``ROM_DATABASE_URL`` or the default), or a one-line error saying how
    to install the storage extra. A database created by opening it is announced in one
    line (where it is, and how to use another), unless ``quiet``."""
    try:
        from rom.store import open_store
    except ImportError as e:
        raise InputError(
            f"storing clients needs rom's storage extra ({e.name} is missing): "
            "pip install 'rom[store]'"
        ) from None
    store = open_store()
    if store.created and not quiet:
        print(created_line(store))
    return store


def created_line(store: Store) -> str:
    """The line announcing a database just created: where it and its files are."""
    return (
        f"created the database {store.location} (files in {store.files.root}); "
        "set ROM_DATABASE_URL to use another"
    )


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="show full tracebacks of internal errors"
    )
    return p


def add_parsers(sub: Any) -> None:
    """Add the client, session, compare, report and export subcommands."""
    common = _common()
    pc = sub.add_parser("client", parents=[common], help="register, list and delete clients")
    csub = pc.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = csub.add_parser("add", parents=[common], help="register a client by code or pseudonym")
    a.add_argument("code", help="client code or pseudonym, e.g. C001 (no real name needed)")
    a.add_argument("--notes", default="", help="free text kept with the client")
    a.set_defaults(func=_client_add)
    a = csub.add_parser("list", parents=[common], help="list the clients")
    a.set_defaults(func=_client_list)
    a = csub.add_parser(
        "delete",
        parents=[common],
        help="delete a client and everything of theirs (sessions, results, time series, "
        "key frames, stored videos, reports)",
    )
    a.add_argument("code", help="client code")
    a.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    a.set_defaults(func=_client_delete)

    ps = sub.add_parser("session", parents=[common], help="add and list a client's sessions")
    ssub = ps.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ssub.add_parser("add", parents=[common], help="add a session (a visit) to a client")
    a.add_argument("code", help="client code")
    a.add_argument("label", help="session label, e.g. pre, post, follow-up-6w")
    a.add_argument(
        "--date",
        default=None,
        help="date of the session, YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now)",
    )
    a.add_argument("--notes", default="", help="free text kept with the session")
    a.set_defaults(func=_session_add)
    a = ssub.add_parser("list", parents=[common], help="list a client's sessions, oldest first")
    a.add_argument("code", help="client code")
    a.set_defaults(func=_session_list)

    pcmp = sub.add_parser(
        "compare",
        parents=[common],
        help="compare two sessions of a client: the change and whether it is real",
        description="Before vs after per protocol, measure, side and direction: both values, "
        "the change in degrees and percent, and whether it is real (larger than the published "
        "minimal detectable change AND the noise of the two recordings).",
    )
    pcmp.add_argument("code", help="client code")
    _before_after(pcmp)
    pcmp.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (default), or csv or json for other programs",
    )
    pcmp.add_argument(
        "--progress", action="store_true", help="each measure over all of the client's sessions"
    )
    pcmp.add_argument("--mdc-file", type=Path, default=None, help="TOML file overriding MDC values")
    pcmp.set_defaults(func=_compare)

    pr = sub.add_parser(
        "report",
        parents=[common],
        help="write the report for the client's file (PDF or HTML)",
        description="Write the report for the client's file, from what is stored (nothing "
        "is measured again): the sessions compared (by default the first and the last), "
        "the values with their normal range, the change and whether it is real, left/right "
        "asymmetry, progress over all sessions, angle-over-time plots, key frames (faces "
        "blurred) and the caveats; or, with --session (or for a client with one session), "
        "that session's own report: its values against normal, asymmetry and recordings. "
        "--out FILE.pdf writes a PDF, FILE.html a web page.",
    )
    pr.add_argument("code", help="client code")
    _before_after(pr)
    pr.add_argument(
        "--session", default=None, help="one session's own report (no before and after)"
    )
    pr.add_argument("--out", "-o", type=Path, required=True, help="FILE.pdf or FILE.html")
    pr.add_argument("--no-key-frames", action="store_true", help="leave the key frames out")
    pr.add_argument("--mdc-file", type=Path, default=None, help="TOML file overriding MDC values")
    pr.set_defaults(func=_report)

    pe = sub.add_parser(
        "export",
        parents=[common],
        help="export stored results as tidy rows (CSV, Parquet or JSON)",
        description="One row per client, session, protocol, measure, side, direction and "
        "statistic.",
    )
    pe.add_argument("code", nargs="?", default=None, help="client code (or --all)")
    pe.add_argument("--all", action="store_true", help="every client")
    pe.add_argument("--out", "-o", type=Path, required=True, help="FILE.csv, .parquet or .json")
    pe.set_defaults(func=_export)


def _before_after(p: argparse.ArgumentParser) -> None:
    p.add_argument("--before", default=None, help="session label (default: the first session)")
    p.add_argument("--after", default=None, help="session label (default: the last session)")


# --- client and session ---------------------------------------------------------------


def _client_add(args: argparse.Namespace) -> int:
    with open_store_or_explain(args.quiet) as st:
        c = st.add_client(args.code, args.notes)
    if not args.quiet:
        print(f"client {c.code} added")
    return 0


def _client_list(args: argparse.Namespace) -> int:
    with open_store_or_explain(args.quiet) as st:
        clients = st.list_clients()
    if not clients:
        print("no clients yet; add one with: rom client add CODE")
        return 0
    print(f"{'client':24s} {'sessions':>8s} {'recordings':>10s}  notes")
    for c in clients:
        notes = " ".join(c.notes.split())
        print(f"{c.code:24s} {c.n_sessions:8d} {c.n_recordings:10d}  {notes[:60]}")
    return 0


def _client_delete(args: argparse.Namespace) -> int:
    with open_store_or_explain(args.quiet) as st:
        info = next((c for c in st.list_clients() if c.code == args.code), None)
        if info is None:
            st.get_client(args.code)  # raises the one-line "no client" error
        assert info is not None
        if not args.yes and sys.stdin.isatty():
            answer = input(
                f"delete client {info.code} with {info.n_sessions} session(s) and "
                f"{info.n_recordings} recording(s), for good? [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
        out = st.delete_client(args.code)
    if not args.quiet:
        print(
            f"client {args.code} deleted: {out.sessions} session(s), {out.recordings} "
            f"recording(s), {out.files_removed} file(s) in {st.files.root}, "
            f"{len(out.reports_removed)} report(s)"
        )
        for path in out.reports_removed:
            print(f"  removed report {path}")
    for path in out.reports_kept:  # shown even with --quiet: client data left behind
        print(
            f"kept {path}: a report written outside rom's data folder (or edited since); "
            "delete it yourself if it should go",
            file=sys.stderr,
        )
    return 0


def _parse_date(text: str | None) -> datetime | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise InputError(f"--date {text!r} is not a date; give YYYY-MM-DD or YYYY-MM-DDTHH:MM")


def _session_add(args: argparse.Namespace) -> int:
    when = _parse_date(args.date)
    with open_store_or_explain() as st:
        s = st.add_session(args.code, args.label, when, args.notes)
    if not args.quiet:
        print(f"session {s.label} of client {s.client} added ({s.held_at:%Y-%m-%d %H:%M})")
    return 0


def _session_list(args: argparse.Namespace) -> int:
    with open_store_or_explain() as st:
        sessions = st.list_sessions(args.code)
    if not sessions:
        print(f"client {args.code} has no sessions yet; add one with: rom session add CODE LABEL")
        return 0
    print(f"{'session':20s} {'date':16s} {'recordings':>10s}  protocols")
    for s in sessions:
        protos = ", ".join(p or "(none)" for p in s.protocols)
        print(f"{s.label:20s} {s.held_at:%Y-%m-%d %H:%M} {s.n_recordings:10d}  {protos}")
    return 0


# --- compare --------------------------------------------------------------------------


def _num(x: float | None, fmt: str = ".1f", missing: str = "missing") -> str:
    return missing if x is None else format(x, fmt)


def comparison_table(changes: Sequence[Change], before: str, after: str) -> str:
    """The comparison as a plain-text table, real changes first in a headline. Why a
    change is missing or not judged is said once (:func:`rom.metrics.notes.table_notes`):
    under the table when every row shares it, numbered ("see note N") when several do."""
    from rom.metrics.compare import headline, shown_value
    from rom.metrics.measure_values import display_name
    from rom.metrics.notes import NO_NOTE, NOTES_ABOVE, table_notes

    lines = [headline(changes)]
    real = [c for c in changes if c.verdict == "real"]
    for c in real:
        lines.append(
            f"  {display_name(c.measure, c.side)}, {c.label}: {_num(c.before_deg)} -> "
            f"{_num(c.after_deg)} deg ({c.change_deg:+.1f}), a real {c.trend}"
        )
    lines.append("")
    head = (
        f"{'measure':34s} {'direction':22s} {before[:8]:>8s} {after[:8]:>8s} {'change':>7s} "
        f"{'change%':>7s} {'MDC':>5s} {'noise':>6s}  verdict"
    )
    lines.append(head)
    lines.append("-" * len(head))
    notes = table_notes([c.notes for c in changes])
    for c, cell in zip(changes, notes.cells, strict=True):
        why = c.basis if not c.notes else "" if cell in (NO_NOTE, NOTES_ABOVE) else cell
        before_deg = shown_value(c.before_deg, c.before_at_least_deg, "missing", ".1f") + (
            OTHER_VIEW_MARK if c.before_view_note else ""
        )
        after_deg = shown_value(c.after_deg, c.after_at_least_deg, "missing", ".1f") + (
            OTHER_VIEW_MARK if c.after_view_note else ""
        )
        lines.append(
            f"{display_name(c.measure, c.side)[:34]:34s} {c.label[:22]:22s} "
            f"{before_deg:>8s} {after_deg:>8s} "
            f"{_num(c.change_deg, '+.1f', '--'):>7s} {_num(c.change_pct, '+.0f', '--'):>7s} "
            f"{_num(c.mdc_deg, 'g', 'none'):>5s} {_num(c.noise_mdc_deg, '.1f', '--'):>6s}  "
            f"{c.verdict}" + (f": {why}" if why else "")
        )
    if notes.general:
        lines.append("every row: " + "; ".join(notes.general))
    lines += [f"note {i}: {n}" for i, n in enumerate(notes.numbered, 1)]
    lines.append("")
    lines.append(
        "degrees; MDC: published minimal detectable change; noise: 1.96 x sqrt(2) x the "
        "within-session SD of the repetition peaks; real = larger than both."
    )
    if any(c.before_view_note or c.after_view_note for c in changes):
        lines.append(OTHER_VIEW_FOOTNOTE)
    return "\n".join(lines)


def _compare(args: argparse.Namespace) -> int:
    from rom.metrics.compare import compare_asymmetry, compare_values, load_mdc, progress
    from rom.report.build import pick_sessions

    mdc = load_mdc(args.mdc_file)
    with open_store_or_explain() as st:
        sessions = st.list_sessions(args.code)
        if args.progress:
            rows = progress([st.session_values(args.code, s.label)[0] for s in sessions], mdc)
            return _print_progress(rows, sessions, args.format)
        b, a = pick_sessions(sessions, args.before, args.after, args.code)
        vb, _ = st.session_values(args.code, b.label)
        va, _ = st.session_values(args.code, a.label)
    changes = compare_values(vb, va, mdc)
    if args.format == "json":
        doc = {
            "client": args.code,
            "before": {"session": b.label, "date": b.held_at.isoformat(sep=" ")},
            "after": {"session": a.label, "date": a.held_at.isoformat(sep=" ")},
            "changes": [c.as_dict() for c in changes],
            "asymmetry": [x.as_dict() for x in compare_asymmetry(vb, va)],
        }
        print(json.dumps(_rounded(doc), indent=2))
    elif args.format == "csv":
        print(
            _csv(
                [
                    {"client": args.code, "before": b.label, "after": a.label, **c.as_dict()}
                    for c in changes
                ]
            ),
            end="",
        )
    else:
        print(
            f"client {args.code}: {b.label} ({b.held_at:%Y-%m-%d}) -> {a.label} "
            f"({a.held_at:%Y-%m-%d})"
        )
        print(comparison_table(changes, b.label, a.label))
    return 0


def _print_progress(rows: Sequence[Any], sessions: Sequence[Any], fmt: str) -> int:
    labels = [s.label for s in sessions]
    if fmt == "json":
        print(json.dumps({"sessions": labels, "progress": [r.as_dict() for r in rows]}, indent=2))
        return 0
    if fmt == "csv":
        flat = []
        for r in rows:
            for i, (s, v, verdict) in enumerate(zip(labels, r.values_deg, r.verdicts)):
                flat.append(
                    {
                        "protocol": r.protocol,
                        "measure": r.measure,
                        "side": r.side,
                        "direction": r.direction,
                        "label": r.label,
                        "session": s,
                        "value_deg": v,
                        "at_least_deg": r.at_least(i),
                        "verdict_vs_first": verdict,
                        "other_view": bool(r.view_note(i)),
                        "view_note": r.view_note(i),
                    }
                )
        print(_csv(flat), end="")
        return 0
    print(progress_table(rows, labels))
    return 0


#: the marks of the tables of ``rom compare``, one meaning each everywhere
OTHER_VIEW_MARK = "*"
REAL_CHANGE_MARK = "\u2020"  # dagger
OTHER_VIEW_FOOTNOTE = (
    "*: read in another view than the measure's (the client turned, or the camera stood "
    "obliquely; flag other_view): its change is not judged."
)


def progress_table(rows: Sequence[Any], labels: Sequence[str]) -> str:
    """Each measure across the sessions as a plain-text table: a value read in another
    view than its measure's marked ``*`` (as in :func:`comparison_table`), a real change
    since the first session measured marked with a dagger; a footnote for each mark used."""
    from rom.metrics.compare import shown_value
    from rom.metrics.measure_values import display_name

    lines = [f"{'measure':34s} {'direction':22s} " + " ".join(f"{x[:10]:>10s}" for x in labels)]
    any_view = any_real = False
    for r in rows:
        cells = []
        for i, (v, verdict) in enumerate(zip(r.values_deg, r.verdicts)):
            view = OTHER_VIEW_MARK if r.view_note(i) else ""
            real = REAL_CHANGE_MARK if verdict == "real" else ""
            any_view, any_real = any_view or bool(view), any_real or bool(real)
            cells.append(f"{shown_value(v, r.at_least(i), 'missing', '.1f') + view + real:>10s}")
        lines.append(
            f"{display_name(r.measure, r.side)[:34]:34s} {r.label[:22]:22s} " + " ".join(cells)
        )
    lines.append("")
    lines.append(
        "degrees; missing: not measured in that session (never zero); >=N: its peak was "
        "not seen, at least N."
    )
    if any_view:
        lines.append(OTHER_VIEW_FOOTNOTE)
    if any_real:
        lines.append(f"{REAL_CHANGE_MARK}: a real change since the first session measured.")
    return "\n".join(lines)


def _rounded(value: Any) -> Any:
    """``value`` with every float rounded to 0.001 (degrees and percents: what they
    measure, not floating-point noise such as -2.0999999999999943)."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    rows = [_rounded(r) for r in rows]
    buf = io.StringIO()
    if not rows:
        return ""
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    return buf.getvalue()


# --- report and export ----------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    try:
        from rom.report.build import gather, write_report
    except ImportError as e:
        raise InputError(
            f"reports need rom's report extra ({e.name} is missing): pip install 'rom[report]'"
        ) from None
    from rom.metrics.compare import load_mdc

    out: Path = args.out
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError(f"--out {out}: give a file ending in .pdf or .html")
    with open_store_or_explain() as st:
        data = gather(
            st,
            args.code,
            args.before,
            args.after,
            mdc=load_mdc(args.mdc_file),
            key_frames=not args.no_key_frames,
            session=args.session,
        )
        write_report(data, out)
        try:
            st.add_report(args.code, out)
        except StoreError as e:  # e.g. a read-only database: the report itself is fine
            print(
                f"warning: the report was written but not recorded ({e}); "
                "rom client delete will not remove it",
                file=sys.stderr,
            )
    if not args.quiet:
        which = data.before.label if data.single else f"{data.before.label} -> {data.after.label}"
        print(f"report for {args.code} ({which}) written to {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.all == (args.code is not None):
        raise InputError("give a client code or --all (not both)")
    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet", ".json"):
        raise InputError(f"--out {out}: give a file ending in .csv, .parquet or .json")
    from rom.metrics.results import ROW_FIELDS

    columns = (*_EXPORT_PREFIX, *ROW_FIELDS)
    with open_store_or_explain() as st:
        rows = st.export_rows(None if args.all else args.code)
    rows = [{c: r.get(c) for c in columns} for r in rows]
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        if suffix == ".csv":
            text = _csv(rows) or ",".join(columns) + "\n"
            tmp.write_text(text, encoding="utf-8")
        elif suffix == ".json":
            tmp.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in columns})
            pq.write_table(table, tmp)
        tmp.replace(out)
    except FileNotFoundError:
        tmp.unlink(missing_ok=True)
        raise InputError(f"--out {out}: the folder {out.parent} does not exist") from None
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {out}: {e.strerror}") from None
    if not args.quiet:
        print(f"{len(rows)} row(s) written to {out}")
    return 0


#: Columns of rom export before those of results.csv (rom.metrics.results.ROW_FIELDS).
_EXPORT_PREFIX = ("client", "session", "session_date", "recording", "video")


# --- rom analyze --client --session ---------------------------------------------------


def check_destination(code: str | None, label: str | None) -> None:
    """Before analysing: both given (or neither), and the client and session exist."""
    if code is None and label is None:
        return
    if code is None or label is None:
        raise InputError("--client and --session go together: give both to store the analysis")
    with open_store_or_explain() as st:
        st.get_session(code, label)


def already_stored(
    video: str, code: str, label: str, settings: dict[str, Any], model_sha256: str
) -> int | None:
    """The recording of this video file with these settings in the session, if any
    (checked before analysing, so that a repeat costs nothing)."""
    from rom import __version__
    from rom.store.store import identity_of, video_identity

    if not Path(video).is_file():
        return None
    sha, _ = video_identity(video)
    with open_store_or_explain() as st:
        return st.find_recording(code, label, sha, identity_of(settings, model_sha256, __version__))


def analysis_record(
    video: str | Path, result: Any, *, show_faces: bool, model_path: Path | None = None
) -> tuple[Any, str]:
    """The record to store for a finished analysis (``AnalysisResult``) of ``video``,
    with key frames at the peaks (faces blurred unless ``show_faces``; ``model_path``
    finds bystanders' faces too), and a warning ("" if none) when the key frames could not
    be made."""
    import dataclasses

    from rom.store import record_from_analysis

    pose = result.files.get("pose")
    landmarks = Path(pose).read_bytes() if pose is not None else None
    record = record_from_analysis(result.summary, result.angles, video, landmarks=landmarks)
    warning = ""
    if record.video_path is not None:
        from rom.report.keyframes import BlurUnavailable, extract_key_frames

        try:
            frames = extract_key_frames(
                record.video_path,
                result.sequence,
                record.values,
                blur=not show_faces,
                people_model=model_path,
            )
            record = dataclasses.replace(record, key_frames=tuple(frames))
        except BlurUnavailable as e:
            warning = str(e)
    return record, warning


def store_analysis(
    video: str,
    result: Any,
    code: str,
    label: str,
    *,
    store_video: bool,
    show_faces: bool,
    quiet: bool,
    model_path: Path | None = None,
) -> int:
    """Save a finished analysis (``AnalysisResult``) into the client's session, with key
    frames (faces blurred unless ``show_faces``; ``model_path`` finds bystanders' faces
    too); prints what was stored. Returns the recording id."""
    record, warning = analysis_record(video, result, show_faces=show_faces, model_path=model_path)
    with open_store_or_explain() as st:
        outcome = st.save_analysis(record, code, label, store_video=store_video)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    if not quiet:
        if outcome.created:
            print(f"stored as recording {outcome.recording_id} in client {code}, session {label}")
        else:
            print(
                f"already stored as recording {outcome.recording_id} in client {code}, session "
                f"{label} (same video, same settings): not added again"
            )
    return outcome.recording_id
