"""The dashboard's page logic with Streamlit's AppTest, on a real database holding real
analyses (two short copies of the outdoor clip, stored as a pre and a post session):
what each page shows is what the package computed and stored."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest

from tests.app_support import OUTDOOR, app_env, clip_segment

pytestmark = pytest.mark.slow
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def stored(
    tmp_path_factory: pytest.TempPathFactory, shared_dir: Path, shared_model: Path
) -> Iterator[dict[str, Any]]:
    """Client C1 with a ``pre`` and a ``post`` recording (shoulder abduction) stored the
    way the dashboard's worker stores them."""
    root = tmp_path_factory.mktemp("app-pages")
    mp = pytest.MonkeyPatch()
    for k, v in app_env(root, shared_model).items():
        mp.setenv(k, v)
    from rom.app import data
    from rom.app.jobs import AnalysisRequest
    from rom.pipeline import AnalysisConfig, analyze_video

    data.add_client("C1", "notes <b>verbatim</b>")
    ids = {}
    for label, scale in (("pre", 0.5), ("post", 0.6)):
        data.add_session("C1", label)
        clip = clip_segment(
            shared_dir / "clips" / OUTDOOR, root / f"{label}.mp4", 0, 90, scale=scale
        )
        result = analyze_video(
            clip, root / label, AnalysisConfig(protocol="shoulder-abduction", overlay=True)
        )
        req = AnalysisRequest(clip, f"{label} clip.mp4", "C1", label, "shoulder-abduction", root)
        ids[label] = data.save_analysis(result, req)
    yield {"root": root, "ids": ids}
    data.store().close()
    data._STORES.clear()
    mp.undo()


def page_test(page: str, **state: Any) -> AppTest:
    at = AppTest.from_string(
        f"from rom.app.pages import {page}\n{page}.render()\n", default_timeout=TIMEOUT_S
    )
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def protocol_box(at: AppTest) -> Any:
    return next(s for s in at.selectbox if s.label == "Protocol")


def html_tables(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def cells(html: str, column: str) -> list[str]:
    import html as h

    return [h.unescape(x) for x in re.findall(rf'data-col="{re.escape(column)}">([^<]*)<', html)]


def test_capture_adds_a_client_and_session_and_shows_the_protocols_instructions(
    stored: dict[str, Any],
) -> None:
    from rom.app import data
    from rom.metrics.protocols import get_protocol

    at = page_test("capture")
    assert not at.exception
    at.text_input[0].input("C2")
    at.get("form_submit_button")[0].click()
    at.run()
    assert "C2" in [c.code for c in data.list_clients()]
    assert at.selectbox[0].value == "C2"
    assert any("C2 has no session yet" in i.value for i in at.info)
    label_input = next(t for t in at.text_input if t.label == "Session label")
    label_input.input("baseline")
    at.get("form_submit_button")[-1].click()
    at.run()
    assert [s.label for s in data.list_sessions("C2")] == ["baseline"]
    protocol_box(at).set_value("cervical-rotation").run()
    words = " ".join(get_protocol("cervical-rotation").instructions.split())
    assert any(words in i.value for i in at.info)
    assert not at.exception


def test_a_duplicate_client_is_refused_in_the_page(stored: dict[str, Any]) -> None:
    at = page_test("capture")
    at.text_input[0].input("C1")
    at.get("form_submit_button")[0].click()
    at.run()
    assert any("already exists" in e.value for e in at.error)
    assert not at.exception


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("holiday.mp4", b"definitely not a video" * 50, "cannot open holiday.mp4 as a video"),
        ("empty.mov", b"", "empty.mov is empty"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_the_app_keeps_running(
    stored: dict[str, Any], name: str, data: bytes, message: str
) -> None:
    at = page_test("capture", client="C1", session="pre")
    at.get("file_uploader")[0].set_value((name, data, "video/mp4")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(message in e for e in errors), errors
    assert not [b for b in at.button if b.label == "Analyse"]
    # the page still works: choosing a protocol reruns it without error
    protocol_box(at).set_value("shoulder-abduction").run()
    assert not at.exception


def test_results_show_the_stored_results_block(stored: dict[str, Any]) -> None:
    from rom.app import data, tables

    rid = stored["ids"]["post"]
    at = page_test("results", recording_id=rid)
    assert not at.exception
    block = data.load_recording(rid).summary["results"]
    html = html_tables(at)
    want = tables.result_rows(block)
    assert cells(html, "Value") == [r["Value"] for r in want]
    assert cells(html, "% of normal") == [r["% of normal"] for r in want]
    # notes said once: the clip's and the shared ones above the table, none in a row
    notes = tables.result_notes(block)
    quality = cells(html, "Quality")
    assert quality == [r["Quality"] for r in want]
    warnings = [w.value for w in at.warning]
    for note in notes.general:
        assert warnings.count(note) == 1
        assert not any(note in q for q in quality)
    refs = [re.findall(r"\d+", m) for q in quality for m in re.findall(r"see notes? ([\d, ]+)", q)]
    for i, note in enumerate(notes.numbered, 1):
        assert html.count(f"<li>{escape(note)}</li>") == 1
        assert sum(str(i) in r for r in refs) >= 2  # a numbered note is shared
    measured = [
        r["value_deg"]
        for m in block["measures"]
        for r in m["sides"].values()
        if r["status"] == "measured"
    ]
    metrics = [m.value for m in at.metric]
    assert len(metrics) == len(measured) > 0
    for shown, value in zip(metrics, measured):
        assert shown.startswith(f"{value:.0f}°")
    # "84 % of normal" is a share, not a change: no up/down arrow beside it (review)
    from streamlit.proto.Metric_pb2 import Metric

    assert {m.proto.direction for m in at.metric} == {Metric.MetricDirection.NONE}
    assert {b.label for b in at.get("download_button")} >= {
        "Results (CSV)",
        "Summary (JSON)",
        "Angles over time (CSV)",
    }
    assert len(at.get("plotly_chart")) >= 1
    assert "pre / post" not in at.subheader[0].value and "C1 / post" in at.subheader[0].value


def test_compare_shows_before_after_the_threshold_and_the_verdict(stored: dict[str, Any]) -> None:
    from rom.app import data
    from rom.app.pages.compare import VERDICT_WORDS

    at = page_test("compare", client="C1")
    assert not at.exception
    changes = data.compare("C1", "pre", "post")
    assert changes
    html = html_tables(at)
    for col, attr in (("Before", "before_deg"), ("After", "after_deg")):
        want = ["—" if getattr(c, attr) is None else f"{getattr(c, attr):.0f}°" for c in changes]
        assert cells(html, col) == want
    assert cells(html, "Verdict") == [VERDICT_WORDS[c.verdict] for c in changes]
    thresholds = [c.threshold_deg for c in changes]
    assert cells(html, "Smallest real change") == [
        "—" if t is None or not math.isfinite(t) else f"{t:.0f}°" for t in thresholds
    ]
    assert at.get("plotly_chart")
    assert any(b.label.startswith("Make the PDF report (pre → post)") for b in at.button)


def test_compare_makes_the_pdf_report(stored: dict[str, Any]) -> None:
    at = page_test("compare", client="C1")
    next(b for b in at.button if b.label.startswith("Make the PDF report")).click()
    at.run(timeout=300)
    assert not at.exception, at.exception
    pdf = at.session_state["compare-report-C1-pre-post"]
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000


def test_results_make_the_sessions_own_report_and_the_comparison(
    stored: dict[str, Any],
) -> None:
    """The Results page's PDF report: this session's own (a first assessment has one too),
    and the comparison with the client's other session."""
    at = page_test("results", recording_id=stored["ids"]["post"])
    labels = [b.label for b in at.button]
    assert "Make the PDF report (session post)" in labels
    assert "Make the PDF report (pre → post)" in labels
    next(b for b in at.button if b.label == "Make the PDF report (session post)").click()
    at.run(timeout=300)
    assert not at.exception, at.exception
    pdf = at.session_state["report-C1-post"]
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
    # its download says which report it is (two reports on one page)
    assert "Download the report (session post, PDF)" in [b.label for b in at.get("download_button")]


def test_compare_with_one_session_explains_what_is_needed(stored: dict[str, Any]) -> None:
    from rom.app import data

    data.add_client("C3")
    data.add_session("C3", "pre")
    at = page_test("compare", client="C3")
    assert not at.exception
    assert any("a comparison needs two" in i.value for i in at.info)


def test_research_lists_every_stored_value_and_filters(stored: dict[str, Any]) -> None:
    from rom.app import data

    at = page_test("research")
    assert not at.exception
    frame = at.dataframe[0].value
    rows = data.export_frame()
    main = rows[rows["statistic"] == "value"]
    assert len(frame) == len(main) > 0
    at.multiselect(key="research-filter-session").set_value(["post"]).run()
    assert set(at.dataframe[0].value["session"]) == {"post"}
    assert at.get("plotly_chart")


def test_research_reads_a_batch_folder_and_says_when_there_is_none(
    stored: dict[str, Any], tmp_path: Path
) -> None:
    import pandas as pd

    pd.DataFrame(
        {
            "path": ["a.mp4", "a.mp4", "b.mp4"],
            "measure": ["shoulder_abduction"] * 3,
            "side": ["left", "right", "left"],
            "statistic": ["value"] * 3,
            "value": [150.0, 140.0, 120.0],
        }
    ).to_parquet(tmp_path / "results.parquet")
    pd.DataFrame({"path": ["c.mp4"], "reason": ["nobody was found"]}).to_csv(
        tmp_path / "errors.csv", index=False
    )
    at = page_test("research")
    at.radio(key="research-source").set_value("Batch output folder").run()
    at.text_input(key="research-folder").input(str(tmp_path / "nothing")).run()
    assert any("not a folder" in e.value for e in at.error)
    at.text_input(key="research-folder").input(str(tmp_path)).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 3
    assert list(at.dataframe[1].value["reason"]) == ["nobody was found"]


def test_the_password_gate(stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_APP_PASSWORD", "s3cret")
    at = AppTest.from_string(
        "from rom.app import auth\nimport streamlit as st\n"
        "if auth.gate():\n    st.write('inside')\n",
        default_timeout=TIMEOUT_S,
    ).run()
    assert not [m for m in at.markdown if m.value == "inside"]
    at.text_input[0].input("wrong")
    at.get("form_submit_button")[0].click()
    at.run()
    assert any("Wrong password" in e.value for e in at.error)
    at.text_input[0].input("s3cret")
    at.get("form_submit_button")[0].click()
    at.run()
    assert [m for m in at.markdown if m.value == "inside"]


def test_no_password_on_a_network_address_shows_nothing(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit import config

    monkeypatch.setenv("ROM_APP_PASSWORD", "")
    old = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")  # as `--server.address 0.0.0.0` would
    try:
        at = AppTest.from_string(
            "import streamlit as st\n"
            "from rom.app import auth\nif auth.gate():\n    st.write('inside')\n",
            default_timeout=TIMEOUT_S,
        ).run()
    finally:
        config.set_option("server.address", old)
    assert any("without a password" in e.value for e in at.error)
    assert not [m for m in at.markdown if m.value == "inside"]
