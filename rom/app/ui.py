"""Streamlit pieces every page uses: the app's resources, pickers, the jobs panel, styling.

Pages call the package through these and :mod:`rom.app.data`; no page computes an angle.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from rom.app import data
from rom.app.jobs import Job, JobManager
from rom.app.settings import AppSettings

#: Session-state keys shared between pages (one name per concept).
CLIENT = "client"
SESSION = "session"
RECORDING = "recording_id"
PROTOCOL = "protocol"

CSS = """
<style>
/* Numbers a therapist reads across the room. */
[data-testid="stMetricValue"] { font-size: 2.6rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; }
table.rom-results { font-size: 1.15rem; border-collapse: collapse; width: 100%; }
table.rom-results th { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 2px solid #888; }
table.rom-results td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
table.rom-results td.num { font-size: 1.6rem; font-weight: 700; text-align: right; white-space: nowrap; }
table.rom-results td.small { font-size: 0.95rem; }
</style>
"""


@st.cache_resource
def job_manager() -> JobManager:
    """The app's one job manager (shared by every page, tab and rerun)."""
    return JobManager()


def settings() -> AppSettings:
    return AppSettings.from_env()


def style() -> None:
    st.html(CSS)


def fmt_deg(value: float | None, digits: int = 0) -> str:
    """Degrees for reading: ``154°``; an em dash for a value not measured."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}°"


def fmt_pct(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.0f}%"


# -- pickers ---------------------------------------------------------------------------------
def pick_client(*, key: str, allow_new: bool = False) -> str | None:
    """A client picker (remembered across pages); with ``allow_new`` a form adds one."""
    clients = [c.code for c in data.list_clients()]
    current = st.session_state.get(CLIENT)
    if allow_new:
        with (
            st.expander("New client", expanded=not clients),
            st.form(f"{key}-new-client", clear_on_submit=True),
        ):
            code = st.text_input("Client code or pseudonym", help="No real name needed, e.g. C-014")
            notes = st.text_area("Notes (optional)")
            if st.form_submit_button("Add client"):
                try:
                    data.add_client(code, notes)
                except Exception as exc:  # noqa: BLE001 - shown, the page goes on
                    st.error(error_text(exc))
                else:
                    st.session_state[CLIENT] = code.strip()
                    st.session_state.pop(SESSION, None)
                    st.rerun()
    if not clients:
        st.info("No client yet: add one above.")
        return None
    index = clients.index(current) if current in clients else 0
    # No widget key: the shared choice (CLIENT) sets the index, and a new index or a new
    # list of clients makes a new widget, so a client just added or chosen on another
    # page is shown at once.
    chosen = st.selectbox("Client", clients, index=index)
    if chosen != current:
        st.session_state[CLIENT] = chosen
        st.session_state.pop(SESSION, None)
    return chosen


def pick_session(client: str, *, key: str, allow_new: bool = False) -> str | None:
    """A session picker for ``client``; with ``allow_new`` a form adds one."""
    sessions = [s.label for s in data.list_sessions(client)]
    if allow_new:
        with (
            st.expander("New session", expanded=not sessions),
            st.form(f"{key}-new-session", clear_on_submit=True),
        ):
            label = st.text_input("Session label", help="e.g. pre, post, follow-up-6w", value="")
            held = st.date_input("Date", value="today")
            notes = st.text_area("Notes (optional)")
            if st.form_submit_button("Add session"):
                try:
                    data.add_session(client, label, held, notes)
                except Exception as exc:  # noqa: BLE001 - shown, the page goes on
                    st.error(error_text(exc))
                else:
                    st.session_state[SESSION] = label.strip()
                    st.rerun()
    if not sessions:
        st.info(f"{client} has no session yet: add one above.")
        return None
    current = st.session_state.get(SESSION)
    index = sessions.index(current) if current in sessions else len(sessions) - 1
    chosen = st.selectbox("Session", sessions, index=index)
    st.session_state[SESSION] = chosen
    return chosen


def error_text(exc: BaseException) -> str:
    """The one line shown for an error: the package's own message, or its kind."""
    from rom.errors import RomError

    if isinstance(exc, RomError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# -- jobs ------------------------------------------------------------------------------------
def job_status(job: Job, *, key: str) -> None:
    """One job: a progress bar while it runs, the outcome and a link when it is done."""
    text = job.describe()
    if job.active:
        frac = job.fraction
        st.progress(frac if frac is not None else 0.0, text=text)
        if st.button("Cancel", key=f"{key}-cancel-{job.id}"):
            job_manager().cancel(job.id)
            st.rerun()
    elif job.state == "done":
        n = len(job.warnings)
        st.success(text + (f" ({n} warning{'s' if n > 1 else ''}: see the results)" if n else ""))
        if st.button("Open results", key=f"{key}-open-{job.id}", type="primary"):
            open_recording(job.recording_id)
    elif job.state == "failed":
        st.error(text)
    else:
        st.info(text)


def open_recording(recording_id: Any) -> None:
    """Go to the Results page showing ``recording_id``."""
    st.session_state[RECORDING] = recording_id
    st.switch_page(PAGES["results"])


def jobs_panel() -> None:
    """The sidebar's list of analyses. While one runs, the list refreshes itself every
    2 s, and the whole page once when it ends; otherwise nothing reruns by itself (a
    self-refreshing part of a page can swallow a click elsewhere on it)."""
    jobs = job_manager().jobs()[:5]
    if not jobs:
        return
    st.markdown("**Analyses**")
    if any(j.active for j in jobs):
        _jobs_live()
    else:
        for job in jobs:
            job_status(job, key="sidebar")


@st.fragment(run_every=2.0)
def _jobs_live() -> None:
    jobs = job_manager().jobs()[:5]
    if not any(j.active for j in jobs):
        st.rerun()
    for job in jobs:
        job_status(job, key="sidebar")


#: Filled by :func:`rom.app.main.main` with the st.Page objects, for switch_page.
PAGES: dict[str, Any] = {}


def report_button(client: str, before: str, after: str, *, key: str) -> None:
    """ "Make the PDF report" for ``client``'s ``before`` -> ``after`` sessions (one
    session's own report when they are the same), then its download button (the PDF kept
    in the session state under ``key``); an error is shown in the page, which goes on."""
    which = f"session {before}" if before == after else f"{before} → {after}"
    if st.button(f"Make the PDF report ({which})", key=f"{key}-make"):
        with st.spinner("Writing the report…"):
            try:
                st.session_state[key] = data.report(client, before, after)
            except Exception as exc:  # noqa: BLE001 - shown, the page goes on
                st.error(error_text(exc))
    pdf = st.session_state.get(key)
    if pdf:
        st.download_button(
            f"Download the report ({which}, PDF)",
            pdf,
            file_name=f"{client}_{before}_report.pdf"
            if before == after
            else f"{client}_{before}_{after}_report.pdf",
            mime="application/pdf",
            key=f"{key}-download",
        )
