"""The report for the client's file: what goes in it, read from the database, and its
rendering to HTML (one Jinja2 template) and PDF (WeasyPrint, from that same HTML).

The report never recomputes an angle: values come from the stored results, the plots from
the stored time series, the key frames from the stored images.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rom import __version__
from rom.errors import InputError
from rom.metrics.compare import (
    AsymmetryChange,
    Change,
    Mdc,
    ProgressRow,
    compare_asymmetry,
    compare_values,
    headline,
    progress,
)
from rom.metrics.measure_values import MeasureValue, display_name
from rom.metrics.notes import NO_NOTE, NOTES_ABOVE, TableNotes, table_notes, value_notes
from rom.metrics.results import REPETITION_MEANING, repetitions_text
from rom.metrics.view import filmed_from
from rom.store.store import ClientInfo, RecordingInfo, SessionInfo, Store

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "ChangeRow",
    "ReportData",
    "asymmetry_table",
    "change_table",
    "gather",
    "pick_session",
    "pick_sessions",
    "render_html",
    "write_report",
]


#: What a ``*`` beside a value means, in every table of the report that marks one (as
#: ``rom compare`` marks it: :data:`rom.clinic_cli.OTHER_VIEW_MARK`).
OTHER_VIEW_NOTE = (
    "*: read in another view than the measure's (the client turned, or the camera stood "
    "obliquely): not an ordinary value, and its change is not judged."
)


@dataclass(frozen=True)
class RecordingPart:
    session: str
    info: RecordingInfo
    values: list[MeasureValue]
    chart_png: bytes | None
    key_frames: list[tuple[str, str, bool]]  # (data URI, caption, faces blurred)
    #: the recording's warnings and notes every value shares (said once), the notes
    #: several values share (numbered) and each value's own (``notes.cells``, in the
    #: order of ``values``): :func:`rom.metrics.notes.table_notes`; worked out from the
    #: values and the recording's warnings when not given
    notes: TableNotes | None = None

    def __post_init__(self) -> None:
        if self.notes is None:
            object.__setattr__(self, "notes", recording_notes(self.info, self.values))

    @property
    def rows(self) -> list[tuple[MeasureValue, str]]:
        """Each value with its Quality cell."""
        assert self.notes is not None
        return list(zip(self.values, self.notes.cells, strict=True))

    @property
    def warnings(self) -> list[str]:
        """What is said once above the recording's table (the recording's warnings and
        the notes all its values share), without the problem that left it incomplete
        (said first, as "Incomplete"): each note once."""
        assert self.notes is not None
        return [w for w in self.notes.general if w != self.info.problem]


def recording_notes(info: RecordingInfo, values: list[MeasureValue]) -> TableNotes:
    """The notes of one recording's table, each said once (as on the Results page)."""
    return table_notes(
        [value_notes(reason=v.reason, flags=v.flags, warnings=v.warnings) for v in values],
        info.warnings,
    )


@dataclass(frozen=True)
class ChangeRow:
    """A row of the before/after table: the change, the other-view note under each value
    ("" when none, or when the verdict's note already says it) and the verdict's notes
    cell (:func:`rom.metrics.notes.table_notes`)."""

    change: Change
    before_note: str
    after_note: str
    quality: str


def change_table(changes: list[Change]) -> tuple[list[ChangeRow], TableNotes]:
    """The before/after table's rows and its notes, each note said once: why a change is
    missing or not judged, when every row shares it, is said once under the table; when
    several share it, numbered ("see note N"); a value's other-view note is left to the
    verdict's note that quotes it."""
    notes = table_notes([c.notes for c in changes])
    rows = []
    for c, cell in zip(changes, notes.cells, strict=True):
        said = " ".join(c.notes)
        rows.append(
            ChangeRow(
                c,
                "" if c.before_view_note in said else c.before_view_note,
                "" if c.after_view_note in said else c.after_view_note,
                cell,
            )
        )
    return rows, notes


@dataclass(frozen=True)
class ReportData:
    client: ClientInfo
    before: SessionInfo
    after: SessionInfo
    sessions: list[SessionInfo]
    changes: list[Change]
    asymmetry: list[AsymmetryChange]
    progress: list[ProgressRow]
    recordings: list[RecordingPart]
    change_chart_png: bytes | None
    mdc_sources: list[tuple[str, str]]
    created: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    rom_version: str = __version__

    @property
    def single(self) -> bool:
        """One session's own report (no before and after)."""
        return self.before.label == self.after.label

    @property
    def change_table(self) -> tuple[list[ChangeRow], TableNotes]:
        """The before/after table, each note said once (:func:`change_table`)."""
        return change_table(self.changes)

    @property
    def asymmetry_table(self) -> tuple[list[tuple[AsymmetryChange, str]], TableNotes]:
        """The asymmetry table's rows, each with its Notes cell: why a right-left
        difference is not shown ("--"), each reason said once
        (:func:`rom.metrics.compare.side_difference`)."""
        return asymmetry_table(self.asymmetry)


def asymmetry_table(
    rows: list[AsymmetryChange],
) -> tuple[list[tuple[AsymmetryChange, str]], TableNotes]:
    """Each asymmetry row with its Notes cell, and the notes said once: every blank
    difference has its reason, here or above the table."""
    notes = table_notes([a.notes for a in rows])
    return list(zip(rows, notes.cells, strict=True)), notes


def pick_sessions(
    sessions: list[SessionInfo], before: str | None, after: str | None, code: str
) -> tuple[SessionInfo, SessionInfo]:
    """The sessions to compare: those named, else the first and the last (by date).

    Raises :class:`InputError` when the client has fewer than two sessions, a label is
    unknown, or both name the same session.
    """
    by_label = {x: pick_session(sessions, x, code) for x in (before, after) if x is not None}
    if len(sessions) < 2 and (before is None or after is None):
        raise InputError(
            f"client {code!r} has {len(sessions)} session(s); a comparison needs two: add one "
            "with rom session add and analyse a clip into it (or --session LABEL for one "
            "session's own report)"
        )
    b = by_label[before] if before is not None else sessions[0]
    a = by_label[after] if after is not None else sessions[-1]
    if b.label == a.label:
        raise InputError(
            f"--before and --after both name session {b.label!r}; give two sessions, or "
            "--session for one session's own report"
        )
    return b, a


def pick_session(sessions: list[SessionInfo], label: str, code: str) -> SessionInfo:
    """The session called ``label``; :class:`InputError` naming the known ones if none."""
    for s in sessions:
        if s.label == label:
            return s
    known = ", ".join(repr(s.label) for s in sessions) or "none"
    raise InputError(f"client {code!r} has no session {label!r} (sessions: {known})")


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def gather(
    store: Store,
    code: str,
    before: str | None = None,
    after: str | None = None,
    *,
    mdc: dict[tuple[str, str], Mdc] | None = None,
    key_frames: bool = True,
    session: str | None = None,
) -> ReportData:
    """Everything the report shows, from the database (see the module docstring): the
    comparison of two sessions (``before``/``after``, default the first and the last),
    or one session's own report (``session``, or the client's only session): its values
    against normal, its left/right asymmetry and its recordings, with no change.

    Raises :class:`InputError` for an unknown client or session, or ``session`` given
    with ``before``/``after``."""
    from rom.metrics.compare import load_mdc
    from rom.report.figures import change_chart, series_chart

    table = load_mdc() if mdc is None else mdc
    client = store.get_client(code)
    sessions = store.list_sessions(code)
    if session is not None and (before is not None or after is not None):
        raise InputError("give --session for one session's report, or --before/--after")
    if session is None and len(sessions) == 1 and before is None and after is None:
        session = sessions[0].label  # the client's only session: its own report
    if session is not None:
        b = a = pick_session(sessions, session, code)
    else:
        b, a = pick_sessions(sessions, before, after, code)
    single = b.label == a.label
    vb, ids_b = store.session_values(code, b.label)
    va, ids_a = (vb, ids_b) if single else store.session_values(code, a.label)
    changes = [] if single else compare_values(vb, va, table)
    parts: list[RecordingPart] = []
    for label, ids in ((b.label, ids_b),) if single else ((b.label, ids_b), (a.label, ids_a)):
        for rid in ids:
            info = store.recording(rid)
            values = store.recording_values(rid)
            chart = series_chart(store.series(info), values, title=f"{label}: {info.video_name}")
            frames = []
            if key_frames:
                for kf, path in store.key_frames(rid):
                    if path.is_file():
                        frames.append(
                            (
                                _data_uri(path.read_bytes(), "image/jpeg"),
                                kf.caption,
                                kf.faces_blurred,
                            )
                        )
            notes = recording_notes(info, values)
            parts.append(RecordingPart(label, info, values, chart, frames, notes))
    prog: list[ProgressRow] = []
    if len(sessions) > 2 and not single:
        prog = progress([store.session_values(code, s.label)[0] for s in sessions], table)
    used = {(c.measure.removesuffix("_3d"), c.direction) for c in changes}
    sources = sorted({(k[0], v.source) for k, v in table.items() if k in used})
    return ReportData(
        client=client,
        before=b,
        after=a,
        sessions=sessions,
        changes=changes,
        asymmetry=compare_asymmetry(vb, va),
        progress=prog,
        recordings=parts,
        change_chart_png=None if single else change_chart(changes),
        mdc_sources=sources,
    )


# --- rendering ------------------------------------------------------------------------


def _deg(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "missing"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


def _pct(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "--"
    return f"{x:+.0f}%" if signed else f"{x:.0f}%"


def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rom.report", "templates"),
        autoescape=True,  # every text is data: notes, codes and labels are escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["deg"] = _deg
    env.filters["pct"] = _pct
    env.globals["display_name"] = display_name
    env.globals["headline"] = headline
    env.globals["filmed_from"] = filmed_from
    env.globals["plain_cells"] = (NO_NOTE, NOTES_ABOVE)
    env.globals["repetitions_text"] = repetitions_text
    env.globals["repetition_meaning"] = REPETITION_MEANING
    env.globals["other_view_note"] = OTHER_VIEW_NOTE
    env.globals["data_uri"] = _data_uri
    return env


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (images embedded)."""
    return str(_env().get_template("report.html.j2").render(r=data))


def write_report(data: ReportData, out: Path) -> Path:
    """Write the report to ``out``: ``.html`` or ``.pdf`` (same template). Written to a
    temporary file first, then renamed."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(f"--out {out}: give a file ending in .pdf or .html")
    if out.is_dir():
        raise InputError(f"--out {out} is a folder; give a file name ending in .pdf or .html")
    html = render_html(data)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".pdf":
            import weasyprint

            weasyprint.HTML(string=html).write_pdf(str(tmp))
        else:
            tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, out)
    except FileNotFoundError:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"--out {out}: the folder {out.parent} does not exist; create it first "
            f"(mkdir -p {out.parent}) or give another folder"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
