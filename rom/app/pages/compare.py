"""Compare: one client's sessions before vs after, left/right before vs after, progress.

The comparison is the package's (:mod:`rom.metrics.compare`, through
:mod:`rom.app.data`): a change is called real only when it exceeds the measure's minimal
detectable change and these recordings' own noise. The page draws that threshold so a
change within noise reads as such, and writes the verdict in words beside every bar.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from rom.app import charts, data, tables, ui
from rom.metrics.notes import NO_NOTE, NOTES_ABOVE, TableNotes, table_notes

VERDICT_WORDS = {
    "real": "real change",
    "within noise": "within measurement noise",
    "not judged": "not judged",
    "missing": "missing in one session",
}


def render() -> None:
    st.title("Compare")
    client = ui.pick_client(key="compare")
    if client is None:
        return
    sessions = data.list_sessions(client)
    if len(sessions) < 2:
        st.info(
            f"{client} has {len(sessions)} session(s): a comparison needs two, for example "
            "`pre` and `post`. Add a session and analyse a clip on the Capture page."
        )
        return
    labels = [s.label for s in sessions]
    c1, c2 = st.columns(2)
    before = c1.selectbox("Before", labels, index=0, key=f"compare-before-{client}")
    after = c2.selectbox("After", labels, index=len(labels) - 1, key=f"compare-after-{client}")
    if before == after:
        st.warning("Pick two different sessions.")
        return
    changes = data.compare(client, before, after)
    if not changes:
        st.info("Neither session has a stored result yet.")
        return
    st.subheader(f"{client}: {before} → {after}")
    headline(changes)
    st.plotly_chart(charts.compare_figure(changes, title="Before vs after"), key="compare-bars")
    st.caption(
        "Grey: before. Green: after, hatched when the change is within noise. The dotted "
        "band around the before value spans the smallest change that counts as real "
        "(the larger of the published minimal detectable change and these recordings' "
        "own noise): an after bar ending inside it is not a real change. A lighter, "
        "cross-hatched bar is a value read in another view than the measure's: its change "
        "is not judged."
    )
    notes = change_notes(changes)
    for n in notes.general:  # why every change is missing or not judged, once
        st.info(n)
    if notes.numbered:
        st.html(tables.html_notes(notes.numbered, test_id="compare-notes", column="Why"))
    st.html(
        tables.html_table(
            change_rows(changes),
            numeric=("Before", "After", "Change", "Smallest real change"),
            test_id="compare-table",
        )
    )
    asymmetry(client, before, after)
    progress(client)
    report(client, before, after)


def _deg(x: float | None, sign: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:+.0f}°" if sign else f"{x:.0f}°"


def _shown(value: float | None, at_least: float | None) -> str:
    """A value in degrees; a peak not seen as its lower bound ("≥106°")."""
    if value is None and at_least is not None:
        return f"≥{at_least:.0f}°"
    return _deg(value)


def headline(changes: list[Any]) -> None:
    judged = [c for c in changes if c.change_deg is not None][:8]
    if not judged:
        return
    cols = st.columns(min(len(judged), 4))
    for i, c in enumerate(judged):
        side = f"{c.side} " if c.side else ""
        cols[i % len(cols)].metric(
            f"{charts.measure_title(c.measure)}: {side}{c.label}",
            _deg(c.after_deg),
            delta=f"{_deg(c.change_deg, sign=True)} — {VERDICT_WORDS.get(c.verdict, c.verdict)}",
            delta_color="off",
        )


def change_notes(changes: list[Any]) -> TableNotes:
    """Why each change is missing or not judged, each said once
    (:func:`rom.metrics.notes.table_notes`, as in the report and ``rom compare``)."""
    return table_notes([c.notes for c in changes])


def change_rows(changes: list[Any]) -> list[dict[str, str]]:
    """The before/after table's rows; "Why" holds a judged change's basis, or what of a
    missing or unjudged change's notes is its own ("see note N" for a shared one)."""
    rows = []
    cells = change_notes(changes).cells
    for c, cell in zip(changes, cells, strict=True):
        why = c.basis if not c.notes else "—" if cell in (NO_NOTE, NOTES_ABOVE) else cell
        rows.append(
            {
                "Measure": charts.measure_title(c.measure),
                "Side": c.side.capitalize() if c.side else "—",
                "Direction": c.label,
                "Before": _shown(c.before_deg, c.before_at_least_deg)
                + _view_mark(c.before_view_note),
                "After": _shown(c.after_deg, c.after_at_least_deg) + _view_mark(c.after_view_note),
                "Change": _deg(c.change_deg, sign=True),
                "Smallest real change": _deg(c.threshold_deg),
                "Verdict": VERDICT_WORDS.get(c.verdict, c.verdict),
                "Why": why,
            }
        )
    return rows


def _view_mark(note: str) -> str:
    """Words after a value read in another view than its measure's ("" otherwise)."""
    return f" ({charts.OTHER_VIEW_WORDS})" if note else ""


def asymmetry(client: str, before: str, after: str) -> None:
    rows = data.compare_asymmetry(client, before, after)
    if not rows:
        return
    st.markdown("#### Left and right, before and after")
    out = []
    for r in rows:
        out.append(
            {
                "Measure": charts.measure_title(r.measure),
                "Direction": r.label,
                "Before L / R": f"{_deg(r.before_left_deg)} / {_deg(r.before_right_deg)}",
                "Before SI": "—" if r.before_si_pct is None else f"{r.before_si_pct:+.0f}%",
                "After L / R": f"{_deg(r.after_left_deg)} / {_deg(r.after_right_deg)}",
                "After SI": "—" if r.after_si_pct is None else f"{r.after_si_pct:+.0f}%",
                "R − L before → after": f"{_deg(r.before_diff_deg, True)} → {_deg(r.after_diff_deg, True)}",
                # why a difference is not shown: the rule of rom analyze's results
                "Not compared": "; ".join(r.notes),
            }
        )
    st.html(tables.html_table(out, numeric=("Before SI", "After SI"), test_id="asymmetry-compare"))
    st.caption(
        "SI = (R − L) / mean(R, L) × 100; 0 is symmetric, positive when the right moves further."
    )


def progress(client: str) -> None:
    rows, labels = data.progress(client)
    if not rows or len(labels) < 2:
        return
    st.markdown("#### Progress over all sessions")
    st.plotly_chart(charts.progress_figure(rows, labels), key="compare-progress")
    st.caption(
        "Text at each point: the verdict of the change since the first session. An open "
        "marker is a value read in another view than the measure's (its change is not "
        "judged)."
    )


def report(client: str, before: str, after: str) -> None:
    st.markdown("#### Report for the client's file")
    ui.report_button(client, before, after, key=f"compare-report-{client}-{before}-{after}")
