"""Capture: pick the client, session and protocol; upload a clip or film live; analyse.

Every analysis runs as a job (:mod:`rom.app.jobs`): the page can be left while it runs
and the result is stored either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from rom.app import ui
from rom.app.jobs import AnalysisRequest, job_out_dir
from rom.app.uploads import AcceptedVideo, UploadError, accept_upload
from rom.pose.formats import VIDEO_FORMATS

NO_PROTOCOL = ""
SOURCES = ("Upload a clip", "Live from the webcam")
#: Width (px) of the frame shown for clicking on the client.
PICK_WIDTH_PX = 720


@st.cache_resource
def protocols() -> dict[str, Any]:
    from rom.metrics.protocols import load_protocols

    return load_protocols()


@st.cache_resource(show_spinner="Finding the pose model (the first run fetches or builds it)…")
def model_path() -> Path:
    from rom.pose.models import resolve_model

    return resolve_model("full").path


def render() -> None:
    st.title("Capture")
    cols = st.columns(3)
    with cols[0]:
        client = ui.pick_client(key="capture", allow_new=True)
    with cols[1]:
        session = ui.pick_session(client, key="capture", allow_new=True) if client else None
    with cols[2]:
        protocol = pick_protocol()
    show_instructions(protocol)
    # Only the chosen way in runs: the webcam (and its model) starts only when asked for.
    source = st.radio("Source", SOURCES, horizontal=True, key="capture-source")
    if source == SOURCES[0]:
        upload_section(client, session, protocol)
    else:
        from rom.app import webcam

        webcam.live_section(client, session, protocol)
    current_job()


def pick_protocol() -> str | None:
    table = protocols()
    names = [NO_PROTOCOL, *table]

    def label(name: str) -> str:
        if name == NO_PROTOCOL:
            return "No protocol (every angle the view supports)"
        return f"{table[name].title} ({name})"

    current = st.session_state.get(ui.PROTOCOL, NO_PROTOCOL)
    index = names.index(current) if current in names else 0
    # No widget key: the choice is kept in ui.PROTOCOL, across pages (see ui.pick_client).
    chosen = st.selectbox("Protocol", names, index=index, format_func=label)
    st.session_state[ui.PROTOCOL] = chosen
    return chosen or None


def show_instructions(protocol: str | None) -> None:
    if protocol is None:
        st.info(
            "Without a protocol, every angle the camera view supports is measured. Film the "
            "whole body part with some margin, the camera still at the joint's height, "
            "about 2 m away and square to the movement; the client still for 2 s at the "
            "start, then the movement slowly to the end of range, 3 times."
        )
        return
    p = protocols()[protocol]
    views = " or ".join(p.views)
    st.info(f"**{p.title}** — camera view: **{views}**.\n\n{' '.join(p.instructions.split())}")


def submit(request: AnalysisRequest) -> None:
    job = ui.job_manager().submit(request)
    st.session_state["capture_job"] = job.id


def ready(client: str | None, session: str | None) -> bool:
    if client is None or session is None:
        st.warning("Pick or add a client and a session first: the result is stored there.")
        return False
    return True


# -- upload ----------------------------------------------------------------------------------
def upload_section(client: str | None, session: str | None, protocol: str | None) -> None:
    settings = ui.settings()
    # A new key after each analysis empties the uploader: the clip and its person picker
    # go (a picker left on the page re-sends its value, which can swallow a later click).
    generation = st.session_state.get("upload-generation", 0)
    uploaded = st.file_uploader(
        f"Video clip ({', '.join(VIDEO_FORMATS)}; up to {settings.max_upload_mb} MB)",
        type=list(VIDEO_FORMATS),
        key=f"upload-{generation}",
    )
    if uploaded is not None:
        video = accepted(uploaded, settings.uploads_dir, settings.max_upload_mb)
        if video is not None:
            st.caption(
                f"{video.display_name}: {video.width_px}x{video.height_px}, "
                f"{video.fps:.0f} fps" + (f", {video.duration_s:.1f} s" if video.duration_s else "")
            )
            point = pick_person(video, key=f"pick-{video.sha256[:12]}")
            if ready(client, session) and st.button("Analyse", type="primary", key="analyse"):
                assert client is not None and session is not None
                submit(
                    AnalysisRequest(
                        video=video.path,
                        display_name=video.display_name,
                        client=client,
                        session=session,
                        protocol=protocol,
                        out_dir=job_out_dir(settings.analyses_dir),
                        source_kind="upload",
                        person_point_px=point,
                    )
                )
                st.session_state["upload-generation"] = generation + 1
                st.rerun()


def accepted(uploaded: Any, uploads_dir: Path, max_mb: int) -> AcceptedVideo | None:
    """The upload, checked and stored once per file (remembered by Streamlit's file id)."""
    cache = st.session_state.setdefault("accepted_uploads", {})
    fid = uploaded.file_id
    if fid not in cache:
        try:
            cache[fid] = accept_upload(
                uploaded.name, uploaded.getvalue(), uploads_dir, max_bytes=max_mb * 1_000_000
            )
        except UploadError as exc:
            cache[fid] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bad upload never stops the app
            cache[fid] = f"{uploaded.name}: cannot be read ({ui.error_text(exc)})"
    value = cache[fid]
    if isinstance(value, str):
        st.error(value)
        return None
    return value


def pick_person(video: AcceptedVideo, *, key: str) -> tuple[float, float] | None:
    """Show who is in view where the analysis starts looking (the clip's first frame
    with anyone in it); with several people, the user clicks on the client. Returns the
    clicked pixel (x, y), or None for the automatic choice (largest, most central)."""
    from rom.app.people import people_at_start

    found = st.session_state.setdefault("people", {})
    if key not in found:
        with st.spinner("Looking for people at the start of the clip…"):
            try:
                found[key] = people_at_start(video.path, model_path())
            except Exception as exc:  # noqa: BLE001 - the analysis can still choose
                st.warning(f"Could not look for people in the clip: {ui.error_text(exc)}")
                found[key] = (None, [])
    frame, people = found[key]
    return pick_person_in(frame if frame is not None else video.first_frame, people, key=key)


def pick_person_in(rgb: np.ndarray, people: list[Any], *, key: str) -> tuple[float, float] | None:
    """Show ``people`` in the frame ``rgb``; with several, the user clicks on the client.
    Returns the clicked pixel (x, y) in the frame, or None for the automatic choice."""
    from rom.app.people import default_person, draw_people, person_at

    h, w = rgb.shape[:2]
    points = st.session_state.setdefault("person_points", {})
    point = points.get(key)
    chosen = person_at(people, point, (w, h)) if point else default_person(people, (w, h))
    if len(people) <= 1:
        if not people:
            st.warning(
                "Nobody was found at the start of the clip; the analysis will look for the "
                "client in every frame until someone appears."
            )
        st.image(draw_people(rgb, people, chosen), width=PICK_WIDTH_PX)
        return None
    from streamlit_image_coordinates import streamlit_image_coordinates

    st.markdown(
        f"**{len(people)} people are in view.** Click on the client to analyse them "
        f"(now: person {chosen + 1 if chosen is not None else '?'}"
        + (", picked automatically" if point is None else "")
        + ")."
    )
    scale = PICK_WIDTH_PX / w
    shown = draw_people(rgb, people, chosen)
    small = _resize(shown, PICK_WIDTH_PX, round(h * scale))
    click = streamlit_image_coordinates(small, key=key, width=PICK_WIDTH_PX)
    if click is not None:
        new = (round(click["x"] / scale, 1), round(click["y"] / scale, 1))
        if new != point:
            if person_at(people, new, (w, h)) is None:
                st.warning("Nobody is at that point: click inside the client's outline.")
            else:
                points[key] = new
                st.rerun()
    return points.get(key)


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def current_job() -> None:
    """The job this page started last, with its progress (refreshing itself while it
    runs, see :func:`rom.app.ui.jobs_panel`)."""
    job_id = st.session_state.get("capture_job")
    job = ui.job_manager().get(job_id) if job_id is not None else None
    if job is None:
        return
    if job.active:
        _current_job_live(job.id)
    else:
        ui.job_status(job, key="capture")


@st.fragment(run_every=1.0)
def _current_job_live(job_id: int) -> None:
    job = ui.job_manager().get(job_id)
    if job is None or not job.active:
        st.rerun()
    assert job is not None
    ui.job_status(job, key="capture")
