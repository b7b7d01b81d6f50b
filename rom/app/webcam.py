"""The Capture page's live webcam section (``streamlit-webrtc``).

The browser sends its camera over WebRTC straight to this server, with the settings of
:mod:`rom.app.camera_link` (no STUN or TURN server: nothing leaves the machine). The
frames go to a :class:`rom.app.live.LiveSession` (tracking, angles, hints, recording); a
finished recording is analysed and stored like an upload.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from rom.app import ui
from rom.app.camera_link import MEDIA_CONSTRAINTS, RTC_CONFIGURATION
from rom.app.jobs import AnalysisRequest, job_out_dir
from rom.app.live import LiveSession, Recording
from rom.metrics.results import describe_value

WEBRTC_KEY = "rom-webcam"


def live_session(protocol: str | None) -> LiveSession:
    """This browser session's LiveSession, set to ``protocol``."""
    from rom.app.pages.capture import model_path, protocols

    proto = protocols()[protocol] if protocol else None
    live = st.session_state.get("live_session")
    if live is None:
        live = LiveSession(model_path(), proto, ui.settings().recordings_dir)
        st.session_state["live_session"] = live
    live.set_protocol(proto)
    return live


def live_section(client: str | None, session: str | None, protocol: str | None) -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    st.markdown(
        "Press **START** and allow the camera. The skeleton and the protocol's angles are "
        "drawn on the picture; follow the hints until none is left, then **Start recording** "
        "with the client still in the starting position, have them hold it for a second and "
        "do the movement, and **Stop and analyse** once they are back at rest (a recording "
        "that starts or stops part way through a movement gives its peak only as 'at least')."
    )
    live = live_session(protocol)
    ctx = webrtc_streamer(
        key=WEBRTC_KEY,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=RTC_CONFIGURATION,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        queued_video_frames_callback=live.on_frames,
        on_video_ended=live.on_ended,
        async_processing=True,
    )
    live_panel(ctx, live, client, session, protocol)


@st.fragment(run_every=1.0)
def live_panel(
    ctx: object, live: LiveSession, client: str | None, session: str | None, protocol: str | None
) -> None:
    """The live reading, hints and recording buttons (refreshes every second)."""
    playing = bool(getattr(getattr(ctx, "state", None), "playing", False))
    if not playing:
        rec = live.close()
        if rec is not None and client and session:
            submit_recording(rec, client, session, protocol)
        st.caption("The camera is off.")
        return
    reading = live.reading()
    if live.error:
        st.error(live.error)
    if reading.frames_received == 0:
        st.caption("Waiting for the camera…")
        return
    cols = st.columns(max(len(live.columns), 1))
    for col, name in zip(cols, live.columns):
        label, value = live_text(name, reading.angles_deg.get(name, math.nan))
        col.metric(f"Live: {label}", value)
    w, h = reading.picture_px
    st.caption(
        f"View: {reading.view or 'unknown'} · picture {w}×{h} · analysing "
        f"{reading.analysed_fps:.0f} frames/s"
    )
    for hint in reading.hints:
        st.warning(hint)
    if reading.person_seen and not reading.hints:
        st.success("In frame and in the right view: ready to record.")
    if reading.recording:
        st.markdown(
            f"**● Recording: {reading.recorded_s:.1f} s** ({reading.recorded_frames} frames)"
        )
        if st.button("Stop and analyse", type="primary", key="stop-recording"):
            rec = live.stop_recording()
            if rec is None:
                st.error("Nothing was recorded: keep the camera on while recording.")
            elif client and session:
                submit_recording(rec, client, session, protocol)
                st.rerun()
    else:
        if client is None or session is None:
            st.warning("Pick or add a client and a session to record: the result is stored there.")
        elif st.button("Start recording", key="start-recording"):
            live.start_recording()
            st.rerun(scope="fragment")


def live_text(column: str, value_deg: float) -> tuple[str, str]:
    """(label, value) of one live angle in words: ``("left shoulder abduction", "85°")``,
    ``("left shoulder abduction", "8° (adduction)")``; the value is "—" when not measured."""
    text = describe_value(column, value_deg)
    label, _, value = text.partition(": ")
    value = value.replace(" deg", "°")
    return label, "—" if value == "--" else value


def submit_recording(rec: Recording, client: str, session: str, protocol: str | None) -> None:
    """Queue a finished recording for analysis and storage, like an upload."""
    settings = ui.settings()
    job = ui.job_manager().submit(
        AnalysisRequest(
            video=rec.path,
            display_name=f"webcam {time.strftime('%Y-%m-%d %H:%M:%S')} ({rec.duration_s:.1f} s)",
            client=client,
            session=session,
            protocol=protocol,
            out_dir=job_out_dir(settings.analyses_dir),
            source_kind="camera",
            person_point_px=rec.person_point_px,
        )
    )
    st.session_state["capture_job"] = job.id
    if rec.dropped_frames:
        st.warning(
            f"{rec.dropped_frames} frames could not be written in time and are missing from "
            "the recording."
        )
