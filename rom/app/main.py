"""The dashboard's entry point: navigation over the pages in :mod:`rom.app.pages`.

``app.py`` at the repository root calls :func:`main` (``streamlit run app.py``), and so
does ``rom app`` (through :mod:`rom.app.streamlit_app`, shipped inside the package).
"""

from __future__ import annotations


def main() -> None:
    import streamlit as st

    from rom.app import auth, ui
    from rom.app.pages import capture, compare, research, results

    st.set_page_config(page_title="rom: range of motion", layout="wide")
    ui.style()
    if not auth.gate():
        st.stop()
    pages = {
        "capture": st.Page(capture.render, title="Capture", url_path="capture", default=True),
        "results": st.Page(results.render, title="Results", url_path="results"),
        "compare": st.Page(compare.render, title="Compare", url_path="compare"),
        "research": st.Page(research.render, title="Research", url_path="research"),
    }
    ui.PAGES.update(pages)
    nav = st.navigation(list(pages.values()))
    with st.sidebar:
        ui.jobs_panel()
    nav.run()
