"""Quality notes said once: a note every value shares (the client did not start still)
or that the clip's warnings say goes above the table once, a note several values share
is numbered, and a row's Quality cell holds only its own, on the Results page and in the
report alike; a flag is not repeated in words beside the sentence that says it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest

from rom.metrics.measure_values import MeasureValue
from rom.metrics.notes import FLAG_SAID_BY, NO_NOTE, NOTES_ABOVE, table_notes, value_notes
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries

NO_START = (
    "no still neutral pose in the first 1 s: peaks are from the anatomical zero, "
    "excursions from neutral unavailable"
)
GAP = "no value over 1 stretch of frames longer than 0.25 s (longest 0.93 s)"
TURNS = "the client turns during the clip: only 72% of frames are within 30 deg of a front view"


def test_a_note_every_row_shares_is_said_once_above() -> None:
    t = table_notes([[NO_START, GAP], [NO_START, GAP], [NO_START]], [TURNS])
    assert t.general == [TURNS, NO_START]
    assert t.numbered == [GAP]
    assert t.cells == ["see note 1", "see note 1", NOTES_ABOVE]


def test_a_rows_own_note_stays_and_a_clip_warning_is_not_repeated() -> None:
    own = "the elbow left the image at the peak; film from further away"
    t = table_notes([[own, TURNS], [], ["posture: " + TURNS]], [TURNS])
    assert t.general == [TURNS] and t.numbered == []
    assert t.cells == [own, NO_NOTE, "posture: " + TURNS]


def test_one_row_keeps_its_notes() -> None:
    t = table_notes([[NO_START, GAP]])
    assert t.general == [] and t.cells == [f"{NO_START}; {GAP}"]


@pytest.mark.parametrize("n_rows", [2, 3, 8])
def test_every_note_is_said_exactly_once(n_rows: int) -> None:
    rng = np.random.default_rng(n_rows)
    pool = [NO_START, GAP, "a", "b", "c"]
    rows = [[p for p in pool if rng.random() < 0.5] for _ in range(n_rows)]
    t = table_notes(rows)
    said = t.general + t.numbered + [c for cell in t.cells for c in cell.split("; ")]
    for note in {n for r in rows for n in r}:
        assert said.count(note) == 1, (note, t)


def test_a_flag_is_not_repeated_beside_its_sentence() -> None:
    """The sentences as rom.metrics.rom_summary writes them: a clip that starts moving
    (no still start), its peak at the end, a gap before it."""
    t = np.arange(90) / 30
    x = 60 + 40 * np.sin(2 * np.pi * t / 1.5)
    x[70:80] = np.nan
    x[-1] = 120.0
    col = "shoulder_abduction_left_deg"
    rom = summarize_angles(AngleSeries(t, (col,), x[:, None]))
    notes = rom[col]["warnings"]
    assert any(FLAG_SAID_BY["no_neutral"] in n for n in notes), notes
    assert any(FLAG_SAID_BY["peak_at_edge"] in n for n in notes), notes
    flags = ["no_neutral", "peak_at_edge", "low_visibility"]
    got = value_notes(reason=None, flags=flags, warnings=notes)
    assert "no still start: measured from the anatomical zero" not in got
    assert "peak at the start or end of the clip: it may be cut off" not in got
    assert "the joint was hard to see at the peak" in got  # no sentence says this one
    assert got[-len(notes) :] == notes
    # a missing value's reason says why: its flag is not repeated in words
    why = "a front view cannot show flexion; film from the side"
    assert value_notes(reason=why, flags=["view_not_supported"]) == [why]


# --- the Results page's table ------------------------------------------------------------


def _side(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"status": "measured", "value_deg": 150.0, "estimate": "2d"}
    base.update(flags=["no_neutral"], warnings=[NO_START])
    return {**base, **kw}


def _block() -> dict[str, Any]:
    """Six values of a real clip's shape: every measured one without a still start, two
    with the same gap, one not measurable."""

    def measure(name: str, label: str, **sides: dict[str, Any]) -> dict[str, Any]:
        return {"measure": name, "title": name.replace("_", " ").capitalize(), "kind": "rom",
                "direction": "positive", "label": label, "sides": sides}  # fmt: skip

    return {
        "protocol": "shoulder-abduction",
        "view": "front",
        "warnings": [TURNS],
        "measures": [
            measure(
                "shoulder_abduction",
                "abduction",
                left=_side(warnings=[GAP, NO_START]),
                right=_side(warnings=[GAP, NO_START]),
            ),
            measure("elbow_flexion", "flexion", left=_side(), right=_side()),
            measure(
                "shoulder_flexion",
                "flexion",
                left=_side(
                    status="not_measurable",
                    value_deg=None,
                    reason="a front view cannot show flexion; film from the side",
                    flags=["view_not_supported", "no_neutral"],
                ),
                right=_side(flags=["no_neutral", "low_visibility"]),
            ),
        ],
    }


def test_the_results_table_says_a_shared_note_once() -> None:
    pytest.importorskip("streamlit")
    from rom.app import tables

    block = _block()
    rows = tables.result_rows(block)
    notes = tables.result_notes(block)
    assert notes.general == [TURNS, NO_START]
    assert notes.numbered == [GAP]
    quality = [r["Quality"] for r in rows]
    assert quality == [
        "see note 1",
        "see note 1",
        NOTES_ABOVE,
        NOTES_ABOVE,
        "a front view cannot show flexion; film from the side",
        "the joint was hard to see at the peak",
    ]
    for q in quality:
        assert "still" not in q and TURNS not in q
    html = tables.html_notes(notes.numbered, test_id="n")
    assert html.count("<li>") == 1 and "longest 0.93 s" in html


def test_the_finished_job_counts_the_warnings_the_results_page_shows() -> None:
    """The sidebar's "done (N warnings: see the results)" counts the boxes above the
    Results table: the clip's warnings and the notes every value shares (it counted the
    clip's warnings only: 4 against 7 boxes)."""
    pytest.importorskip("streamlit")
    from rom.app import tables
    from rom.app.worker import shown_warnings

    block = _block()
    summary = {"warnings": [TURNS], "results": block}
    assert shown_warnings(summary) == tables.result_notes(block).general == [TURNS, NO_START]
    assert shown_warnings({"warnings": [TURNS]}) == [TURNS]  # an older summary


# --- the report ----------------------------------------------------------------------------


def test_the_report_says_a_shared_note_once() -> None:
    pytest.importorskip("jinja2")
    from rom.report.build import RecordingPart, ReportData, recording_notes, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    now = datetime(2026, 11, 30, 12, 0)

    def value(side: str, **kw: Any) -> MeasureValue:
        base: dict[str, Any] = {
            "protocol": "shoulder-abduction",
            "measure": "shoulder_abduction",
            "direction": "positive",
            "label": "abduction",
            "value_deg": 150.0,
            "flags": ("no_neutral",),
            "warnings": (NO_START,),
        }
        return MeasureValue(side=side, **{**base, **kw})

    values = [
        value("left", warnings=(GAP, NO_START)),
        value("right", warnings=(GAP, NO_START)),
        value("left", measure="elbow_flexion"),
        value(
            "right",
            measure="shoulder_flexion",
            status="not_measurable",
            value_deg=None,
            reason="a front view cannot show flexion; film from the side",
            flags=("view_not_supported", "no_neutral"),
        ),
    ]
    info = RecordingInfo(1, "C1", "pre", "shoulder-abduction", "clip.mp4", "0" * 64, "full",
                         "0", "front", 4.0, True, "", (TURNS,), "", now)  # fmt: skip
    notes = recording_notes(info, values)
    part = RecordingPart("pre", info, values, None, [], notes)
    session = SessionInfo("C1", "pre", now, "")
    data = ReportData(
        client=ClientInfo("C1", "", now),
        before=session,
        after=SessionInfo("C1", "post", now, ""),
        sessions=[session],
        changes=[],
        asymmetry=[],
        progress=[],
        recordings=[part],
        change_chart_png=None,
        mdc_sources=[],
    )
    html = render_html(data)
    assert html.count("no still neutral pose") == 1
    assert "no still start" not in html  # the flag's words: the sentence says it
    assert html.count("longest 0.93 s") == 1 and html.count("see note 1") == 2
    assert html.count(TURNS) == 1
    assert html.count("film from the side") == 1


def test_one_sessions_report_reads_its_asymmetry_against_the_noise() -> None:
    """One session's own report: the session (no before/after), the camera view in
    words (it said "Camera view: oblique-front-right"), and each right-left difference
    with its reading against the noise band, as the Results page gives it (the PDF gave
    -92 % with no hint that it was within the noise)."""
    pytest.importorskip("jinja2")
    from rom.metrics.compare import compare_asymmetry
    from rom.report.build import RecordingPart, ReportData, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    now = datetime(2026, 11, 30, 12, 0)

    def value(side: str, v: float, u: float) -> MeasureValue:
        return MeasureValue("", "shoulder_abduction", side, "positive", "abduction",
                            estimate="3d", value_deg=v, uncertainty_deg=u)  # fmt: skip

    values = [value("left", 105.9, 28.0), value("right", 79.8, 19.0)]
    (asym,) = compare_asymmetry(values, values)
    assert asym.before_noise95_deg == pytest.approx(1.96 * (28.0**2 + 19.0**2) ** 0.5)
    assert asym.reading("before") == "within the measurement noise of +/- 66 deg"
    info = RecordingInfo(1, "C1", "pre", None, "clip.mp4", "0" * 64, "full", "0",
                         "oblique-front-right", 4.0, True, "", (), "", now)  # fmt: skip
    session = SessionInfo("C1", "pre", now, "")
    data = ReportData(
        client=ClientInfo("C1", "", now),
        before=session,
        after=session,
        sessions=[session],
        changes=[],
        asymmetry=[asym],
        progress=[],
        recordings=[RecordingPart("pre", info, values, None, [])],
        change_chart_png=None,
        mdc_sources=[],
    )
    assert data.single
    html = render_html(data)
    assert "Before and after" not in html and "<b>Session</b>" in html
    assert "-26.1" in html and "within the measurement noise of +/- 66 deg" in html
    assert "oblique-front-right" not in html
    assert "Filmed obliquely from the front on the client&#39;s right" in html


def test_the_report_says_every_note_once_incomplete_changes_and_at_rest() -> None:
    """The report said a partial recording's problem twice ("Incomplete: X" and
    "Warning: X"), repeated a missing change's reason in every row of the before/after
    table (left and right alike), repeated a value's other-view note under the value and
    in its verdict, and said an at-rest value's reason again as "the limb was not raised
    this way". Each is said once in the rendered page and in its text."""
    pytest.importorskip("jinja2")
    import html as html_lib
    import re

    import markupsafe

    from rom.metrics.compare import compare_values
    from rom.report.build import RecordingPart, ReportData, render_html
    from rom.store.store import ClientInfo, RecordingInfo, SessionInfo

    now = datetime(2026, 11, 30, 12, 0)
    left_view = "the person left the view at 3.2 s and did not come back (61% of frames)"
    at_rest = (
        "no abduction of 10 deg or more: the arm was raised in this plane to 0 deg from a "
        "resting elevation of about 0 deg"
    )

    def value(side: str, measure: str = "shoulder_abduction", **kw: Any) -> MeasureValue:
        base: dict[str, Any] = {"protocol": "shoulder-abduction", "direction": "positive",
                                "label": "abduction", "value_deg": 150.0,
                                "rep_peaks_deg": (148.0, 150.0, 146.0)}  # fmt: skip
        return MeasureValue(measure=measure, side=side, **{**base, **kw})

    def rested(side: str) -> MeasureValue:
        return value(side, status="not_performed", value_deg=None, rep_peaks_deg=(),
                     reason=at_rest, flags=("at_rest",))  # fmt: skip

    before = [
        value("left"),
        value("right"),
        value("left", "elbow_flexion", label="flexion"),
        value("right", "elbow_flexion", label="flexion"),
    ]
    after = [
        rested("left"),
        rested("right"),
        value("left", "elbow_flexion", label="flexion", value_time_s=4.5, flags=("other_view",)),
        value("right", "elbow_flexion", label="flexion"),
    ]
    changes = compare_values(before, after, {})
    assert [c.verdict for c in changes].count("missing") == 2

    def info(i: int, label: str, problem: str) -> RecordingInfo:
        warnings = (TURNS, problem) if problem else (TURNS,)
        return RecordingInfo(i, "C1", label, "shoulder-abduction", f"{label}.mp4", "0" * 64,
                             "full", "0", "front", 4.0, not problem, problem, warnings, "",
                             now)  # fmt: skip

    parts = [
        RecordingPart("pre", info(1, "pre", ""), before, None, []),
        RecordingPart("post", info(2, "post", left_view), after, None, []),
    ]
    sessions = [SessionInfo("C1", "pre", now, ""), SessionInfo("C1", "post", now, "")]
    data = ReportData(client=ClientInfo("C1", "", now), before=sessions[0], after=sessions[1],
                      sessions=sessions, changes=changes, asymmetry=[], progress=[],
                      recordings=parts, change_chart_png=None, mdc_sources=[])  # fmt: skip
    page = render_html(data)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    for said, esc in ((page, lambda s: str(markupsafe.escape(s))), (text, str)):
        assert said.count(esc(left_view)) == 1, "the problem is said once, as Incomplete"
        assert said.count("Incomplete") == 1
        # the at-rest reason: once in the before/after table (both rows share it) and once
        # in the recording (both values share it); never as the flag's words
        assert said.count(esc(at_rest)) == 2
        assert "not raised this way" not in said
        # the other-view note: once in the before/after table, in the elbow's verdict
        changes_part = said.split("The recordings")[0]
        assert changes_part.count(esc("read at 4.5 s in another view than the measure's")) == 1
    # two of four rows share the reason: numbered, in the before/after table and in the
    # after recording's table alike
    assert "Every row" not in text
    assert [p.count("see note 1") for p in text.split("The recordings")] == [2, 2]


def test_rom_compare_says_a_shared_reason_once() -> None:
    """`rom compare` printed "missing: not performed after: no abduction ..." on the
    left and the right row alike: the reason every row shares is said once under the
    table; one several rows share is numbered; a judged row keeps its own basis."""
    from rom.clinic_cli import comparison_table
    from rom.metrics.compare import compare_values

    why = "no abduction of 10 deg or more: the arm was raised in this plane to 0 deg"

    def v(side: str, measure: str = "shoulder_abduction", **kw: Any) -> MeasureValue:
        base: dict[str, Any] = {"value_deg": 150.0, "rep_peaks_deg": (148.0, 150.0, 146.0)}
        return MeasureValue("p", measure, side, "positive", "abduction", **{**base, **kw})

    rest = {"status": "not_performed", "value_deg": None, "reason": why, "flags": ("at_rest",)}
    before = [v("left"), v("right")]
    table = comparison_table(
        compare_values(before, [v("left", **rest), v("right", **rest)], {}), "pre", "post"
    )
    assert table.count(why) == 1 and f"every row: not performed post: {why}" not in table
    assert f"every row: not performed after: {why}" in table, table
    elbows = [v("left", "elbow_flexion"), v("right", "elbow_flexion")]
    changes = compare_values(before + elbows, [v("left", **rest), v("right", **rest), *elbows], {})
    table = comparison_table(changes, "pre", "post")
    assert table.count(why) == 1 and "note 1: not performed after" in table, table
    assert table.count("missing: see note 1") == 2
    assert table.count("within noise: does not exceed") == 2  # judged rows: their own basis


def test_the_dashboard_compare_table_says_a_shared_reason_once() -> None:
    """The Compare page's "Why" column repeated a missing change's reason on every row."""
    pytest.importorskip("streamlit")
    from rom.app.pages import compare as page
    from rom.metrics.compare import compare_values

    why = "no abduction of 10 deg or more"

    def v(side: str, measure: str = "shoulder_abduction", **kw: Any) -> MeasureValue:
        base: dict[str, Any] = {"value_deg": 150.0, "rep_peaks_deg": (148.0, 150.0, 146.0)}
        return MeasureValue("p", measure, side, "positive", "abduction", **{**base, **kw})

    rest = {"status": "not_performed", "value_deg": None, "reason": why}
    elbows = [v("left", "elbow_flexion"), v("right", "elbow_flexion")]
    changes = compare_values(
        [v("left"), v("right"), *elbows], [v("left", **rest), v("right", **rest), *elbows], {}
    )
    notes = page.change_notes(changes)
    assert notes.numbered == [f"not performed after: {why}"] and not notes.general
    whys = [r["Why"] for r in page.change_rows(changes)]
    assert sum(why in w for w in whys) == 0 and whys.count("see note 1") == 2
    assert all(w.startswith("does not exceed") for w in whys if w != "see note 1")
