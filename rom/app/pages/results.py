"""Results of one recording: the values against normal, left/right, plots, overlay video.

Everything shown is read from the stored recording (its summary, measure values and
angle time series); nothing is recomputed here.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import streamlit as st

from rom.app import charts, data, tables, ui
from rom.metrics.results import REPETITION_MEANING


def render() -> None:
    st.title("Results")
    recording_id = pick_recording()
    if recording_id is None:
        return
    try:
        rec = data.load_recording(recording_id)
    except Exception as exc:  # noqa: BLE001 - shown, the page goes on
        st.error(f"Cannot open recording {recording_id}: {ui.error_text(exc)}")
        return
    show_recording(rec)


def pick_recording() -> Any:
    """Client, session and recording pickers; the recording opened last is preselected."""
    wanted = st.session_state.get(ui.RECORDING)
    if wanted is None and "recording" in st.query_params:
        try:
            wanted = int(st.query_params["recording"])
        except ValueError:
            wanted = None
    if wanted is not None and st.session_state.get("results-shown") != wanted:
        try:
            info = data.recording_info(wanted)
        except Exception:  # noqa: BLE001 - an unknown id: just pick another
            wanted = None
        else:
            st.session_state[ui.CLIENT] = info.client
            st.session_state[ui.SESSION] = info.session
    cols = st.columns(3)
    with cols[0]:
        client = ui.pick_client(key="results")
    if client is None:
        return None
    with cols[1]:
        session = ui.pick_session(client, key="results")
    if session is None:
        return None
    rows = data.list_recordings(client, session)
    if not rows:
        st.info(f"No recording in {client} / {session} yet: analyse one on the Capture page.")
        return None
    ids = [r.id for r in rows]
    names = {
        r.id: f"{r.video_name} · {r.protocol or 'no protocol'} · {r.created_utc:%Y-%m-%d %H:%M}"
        for r in rows
    }
    index = ids.index(wanted) if wanted in ids else len(ids) - 1
    with cols[2]:
        chosen = st.selectbox("Recording", ids, index=index, format_func=names.__getitem__)
    st.session_state[ui.RECORDING] = chosen
    st.session_state["results-shown"] = chosen
    st.query_params["recording"] = str(chosen)
    return chosen


def show_recording(rec: Any) -> None:
    summary = rec.summary
    info = rec.info
    block = summary.get("results")
    title = (block or {}).get("title") or "No protocol"
    tracking = summary.get("tracking", {})
    view = summary.get("view", {})
    st.subheader(f"{title} — {info.client} / {info.session}")
    st.caption(
        f"{info.video_name} · analysed {info.created_utc:%Y-%m-%d %H:%M} UTC · "
        f"{view.get('description') or view.get('label') or 'view unknown'} · client measured in "
        f"{tracking.get('detected_frames', 0)} of {tracking.get('n_frames', 0)} frames · "
        f"recording {info.id}"
    )
    if not isinstance(block, dict):
        st.warning(
            "This recording was analysed by an older rom without a results block: analyse "
            "the clip again to see its results here."
        )
        return
    notes = tables.result_notes(block)
    for w in notes.general:  # the clip's warnings and what every value shares, once
        st.warning(w)
    headline(block)
    if block.get("measures"):
        st.markdown("#### All values")
        if notes.numbered:
            st.html(tables.html_notes(notes.numbered, test_id="results-notes"))
        st.html(
            tables.html_table(
                tables.result_rows(block),
                numeric=("Value", "Normal", "% of normal"),
                test_id="results-table",
            )
        )
        st.caption(f"Repetitions: {REPETITION_MEANING}.")
        asym = tables.asymmetry_rows(block)
        if asym:
            st.markdown("#### Left and right")
            st.html(
                tables.html_table(
                    asym,
                    numeric=("Left", "Right", "R − L", "Symmetry index"),
                    test_id="asymmetry-table",
                )
            )
            st.caption(
                "R − L with its 95% uncertainty; symmetry index = (R − L) / mean(R, L) × 100, "
                "positive when the right side moves further."
            )
    else:
        st.info("No measure could be reported for this recording: see the warnings above.")
    plots(rec)
    video_and_downloads(rec, block)


def headline(block: dict[str, Any]) -> None:
    """The measured values as large numbers, with percent of normal and uncertainty."""
    shown = tables.measured(block)[:8]
    if not shown:
        return
    cols = st.columns(min(len(shown), 4))
    for i, (m, side, r) in enumerate(shown):
        delta = tables.percent_text(m, r)
        if r.get("normal_deg") and m.get("kind") != "posture":
            delta = f"{delta} of normal ({r['normal_deg']:.0f}°)"
        # a share of normal, not a change: no up/down arrow beside it
        cols[i % len(cols)].metric(
            tables.headline_label(m, side),
            tables.value_text(m, r),
            delta=delta,
            delta_color="off",
            delta_arrow="off",
        )


def plots(rec: Any) -> None:
    values = data.recording_values(rec.info.id)
    by_measure: OrderedDict[str, list[Any]] = OrderedDict()
    for v in values:
        if v.column:
            by_measure.setdefault(v.measure, []).append(v)
    if not by_measure:
        return
    st.markdown("#### Angles over time")
    for measure, vs in by_measure.items():
        fig = charts.angle_figure(rec.angles, vs, title=charts.measure_title(measure))
        st.plotly_chart(fig, key=f"angles-{measure}")
    st.caption(
        "Lines: the filtered angle (left solid, right dashed). Open markers: repetition "
        "peaks. Stars: the reported value. Dotted: the normal value."
    )


def video_and_downloads(rec: Any, block: dict[str, Any]) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.markdown("#### Overlay video")
        if rec.overlay is not None:
            st.video(str(rec.overlay))
        else:
            st.info("No overlay video for this recording (it was analysed outside the dashboard).")
    with right:
        st.markdown("#### Downloads")
        info = rec.info
        stem = f"{info.client}_{info.session}_recording{info.id}"
        st.download_button(
            "Results (CSV)",
            tables.results_csv(block),
            file_name=f"{stem}_results.csv",
            mime="text/csv",
        )
        st.download_button(
            "Summary (JSON)",
            json.dumps(rec.summary, indent=2),
            file_name=f"{stem}_summary.json",
            mime="application/json",
        )
        st.download_button(
            "Angles over time (CSV)",
            angles_csv(rec),
            file_name=f"{stem}_angles.csv",
            mime="text/csv",
        )
        report_download(info.client, info.session)


def report_download(client: str, session: str) -> None:
    """The PDF report of this session alone, and, when the client has another session,
    the one comparing this session with the client's first (or next) one."""
    ui.report_button(client, session, session, key=f"report-{client}-{session}")
    labels = [s.label for s in data.list_sessions(client)]
    if len(labels) < 2:
        st.caption("With a second session for this client, a report also compares the two.")
        return
    before, after = (labels[0], session) if session != labels[0] else (session, labels[-1])
    ui.report_button(client, before, after, key=f"report-{client}-{before}-{after}")


def angles_csv(rec: Any) -> str:
    """The recording's angles in the ``angles.csv`` format."""
    import tempfile
    from pathlib import Path

    from rom.outputs import write_angles_csv

    with tempfile.TemporaryDirectory() as tmp:
        return write_angles_csv(rec.angles, Path(tmp) / "angles.csv").read_text(encoding="utf-8")
