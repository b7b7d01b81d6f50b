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
    if wanted is not None:
        row = next((r for r in data.list_recordings() if r.id == wanted), None)
        if row is not None:
            st.session_state[ui.CLIENT] = row.client
            st.session_state[ui.SESSION] = row.session
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
    names = {r.id: f"{r.video_name} · {r.protocol or 'no protocol'} · {r.created_utc[:16]}" for r in rows}
    index = ids.index(wanted) if wanted in ids else len(ids) - 1
    with cols[2]:
        chosen = st.selectbox(
            "Recording", ids, index=index, format_func=names.__getitem__, key=f"results-rec-{session}"
        )
    st.session_state[ui.RECORDING] = chosen
    st.query_params["recording"] = str(chosen)
    return chosen


def show_recording(rec: Any) -> None:
    summary = rec.summary
    row = rec.row
    proto = summary.get("protocol") or {}
    title = proto.get("title") or "No protocol"
    tracking = summary.get("tracking", {})
    view = summary.get("view", {})
    st.subheader(f"{title} — {row.client} / {row.session}")
    st.caption(
        f"{row.video_name} · analysed {row.created_utc[:16].replace('T', ' ')} · camera view: "
        f"{view.get('description') or view.get('label') or 'unknown'} · client measured in "
        f"{tracking.get('detected_frames', 0)} of {tracking.get('n_frames', 0)} frames"
    )
    for w in summary.get("warnings", []):
        st.warning(w)
    values = data.measure_values(summary)
    if not values:
        st.info(
            "No protocol measure in this recording. The angle-over-time plots below show "
            "every angle the view supports."
        )
    else:
        headline(values)
        st.markdown("#### All values")
        st.html(
            tables.html_table(
                tables.result_rows(values),
                numeric=("Value", "Normal", "% of normal"),
                test_id="results-table",
            )
        )
        asym = tables.asymmetry_rows(values)
        if asym:
            st.markdown("#### Left and right")
            st.html(
                tables.html_table(
                    asym, numeric=("Left", "Right", "R − L", "Symmetry index"), test_id="asymmetry-table"
                )
            )
            st.caption(
                "Symmetry index = (R − L) / mean(R, L) × 100; positive when the right side "
                "moves further."
            )
    plots(rec, values)
    video_and_downloads(rec, values)


def headline(values: list[Any]) -> None:
    """The reported values as large numbers, with normal and percent of normal."""
    shown = [v for v in values if v.reported][:8]
    if not shown:
        st.warning("No value could be reported for this recording: see Quality below.")
        return
    cols = st.columns(min(len(shown), 4))
    for i, v in enumerate(shown):
        side = f"{v.side} " if v.side else ""
        label = f"{tables.measure_name(v.measure, v.estimate)}: {side}{v.label}"
        delta = None
        if v.percent_of_normal is not None and v.normal_deg:
            delta = f"{v.percent_of_normal:.0f}% of normal ({v.normal_deg:.0f}°)"
        cols[i % len(cols)].metric(label, tables.value_text(v), delta=delta, delta_color="off")


def plots(rec: Any, values: list[Any]) -> None:
    st.markdown("#### Angles over time")
    by_measure: OrderedDict[str, list[Any]] = OrderedDict()
    for v in values:
        by_measure.setdefault(v.measure, []).append(v)
    if not by_measure:
        return
    for measure, vs in by_measure.items():
        fig = charts.angle_figure(rec.angles, vs, title=tables.measure_name(measure))
        st.plotly_chart(fig, key=f"angles-{measure}")
    st.caption(
        "Lines: the filtered angle (left solid, right dashed). Open markers: repetition "
        "peaks. Stars: the reported peak. Dotted: the normal value."
    )


def video_and_downloads(rec: Any, values: list[Any]) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.markdown("#### Overlay video")
        if rec.overlay is not None:
            st.video(str(rec.overlay))
        else:
            st.info("No overlay video for this recording (it was analysed outside the dashboard).")
    with right:
        st.markdown("#### Downloads")
        stem = f"{rec.row.client}_{rec.row.session}_recording{rec.row.id}"
        st.download_button(
            "Results (CSV)",
            tables.tidy_csv(values),
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


def angles_csv(rec: Any) -> str:
    """The recording's angles in the ``angles.csv`` format."""
    import tempfile
    from pathlib import Path

    from rom.outputs import write_angles_csv

    with tempfile.TemporaryDirectory() as tmp:
        return write_angles_csv(rec.angles, Path(tmp) / "angles.csv").read_text(encoding="utf-8")
