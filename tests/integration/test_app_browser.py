"""The dashboard end to end in a real browser: ``rom app`` started on 127.0.0.1, Debian's
Chromium driven headless by Playwright.

A therapist's path: add a client and a session, pick a protocol, upload a shared clip,
wait for the analysis (the page keeps working meanwhile), read the results (checked
against the package's own result for the same clip), add a post session where several
people are in view and click on the client, compare pre and post, browse the research
page. A screenshot of every page is saved in the test's output folder (and, when
``ROM_SCREENSHOTS_DIR`` is set, there too: the README's images are made this way).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit")

from tests.app_support import (
    ANALYSIS_S,
    CHROMIUM,
    CHROMIUM_ARGS,
    OUTDOOR,
    PAGE_S,
    add_client,
    add_session,
    app_env,
    choose,
    chosen,
    click,
    go,
    poll,
    rom_app,
    screenshot,
    settle,
    table,
)

pytestmark = pytest.mark.slow

LAB = "lab_two_people_balance_portrait_60fps_cam01.mp4"
SAMPLE = (
    Path(__file__).resolve().parents[2] / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"
)
PROTOCOL = "shoulder-abduction"


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, shared_model: Path, shared_dir: Path
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("rom-app")
    with rom_app(root, shared_model) as url:
        yield {"url": url, "root": root, "model": shared_model}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's output folder for screenshots."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser(skip_or_fail: Any) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is absent (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = ctx.new_page()
    pg.set_default_timeout(PAGE_S * 1000)
    pg.goto(server["url"])
    yield pg
    ctx.close()


@pytest.fixture(scope="module")
def package_env(server: dict[str, Any]) -> Iterator[None]:
    """This process reads the app's database (as the package's CLI would)."""
    mp = pytest.MonkeyPatch()
    for k, v in app_env(server["root"], server["model"]).items():
        mp.setenv(k, v)
    yield
    from rom.app import data

    for st in data._STORES.values():
        st.close()
    data._STORES.clear()
    mp.undo()


# -- page helpers (see tests/app_support.py) ----------------------------------------------
def wait_for_job(pg: Any, line: str) -> None:
    """Wait for the Capture page's job ``line`` ("<file> (<client> / <session>)") to
    end, then open its results."""
    job = pg.get_by_test_id("stMain")

    def ended() -> str | None:
        text = job.inner_text()
        m = re.search(rf"{re.escape(line)}: (done|failed: [^\n]*)", text)
        return m.group(1) if m else None

    outcome = poll(ended, timeout_s=ANALYSIS_S, every_s=2, what=f"analysis of {line}")
    assert outcome == "done", outcome
    click(pg, job.get_by_role("button", name="Open results"))
    try:
        pg.get_by_test_id("results-table").wait_for()
    except Exception:
        pg.screenshot(path=str(Path(os.environ.get("ROM_SCREENSHOTS_DIR", "/tmp")) / "failure.png"))
        raise


def package_result(clip: Path, out: Path, person: tuple[float, float] | None = None) -> Any:
    from rom.errors import PartialResultError
    from rom.pipeline import AnalysisConfig, analyze_video
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    choice = PersonChoice(point_px=person) if person else None
    config = AnalysisConfig(protocol=PROTOCOL, extract=ExtractSettings(person=choice))
    try:
        return analyze_video(clip, out, config)
    except PartialResultError as exc:  # the man leaves the view before the end
        return exc.result


def check_table_is_the_packages(pg: Any, summary: dict[str, Any]) -> None:
    """Every row of the page's results table against the package's ``results`` block:
    the same measures, sides and directions, the same values, normals and percents."""
    from rom.app.tables import result_rows

    want = result_rows(summary["results"])
    assert table(pg, "results-table", "Measure") == [r["Measure"] for r in want]
    assert table(pg, "results-table", "Side") == [r["Side"] for r in want]
    for col in ("Value", "Normal", "% of normal", "Repetitions"):
        assert table(pg, "results-table", col) == [r[col] for r in want], col
    measured = [
        r["value_deg"]
        for m in summary["results"]["measures"]
        for r in m["sides"].values()
        if r["status"] == "measured"
    ]
    shown = [
        int(m.group(1))
        for v in table(pg, "results-table", "Value")
        if (m := re.match(r"^(\d+)°", v))
    ]
    assert shown == [round(v) for v in measured] and measured


# -- the path ----------------------------------------------------------------------------
def test_upload_a_clip_and_read_the_right_persons_results(
    page: Any, server: dict[str, Any], shared_dir: Path, shots: Path, package_env: None
) -> None:
    pg = page
    clip = shared_dir / "clips" / OUTDOOR
    add_client(pg, "C-101")
    add_session(pg, "pre")
    choose(pg, "Protocol", "Shoulder abduction (shoulder-abduction)")
    pg.get_by_text("camera view: front or back").wait_for()
    pg.locator('input[type="file"]').set_input_files(str(clip))
    pg.get_by_role("button", name="Analyse").wait_for()
    screenshot(pg, shots, "capture")
    click(pg, pg.get_by_role("button", name="Analyse"))
    pg.get_by_text(f"{OUTDOOR} (C-101 / pre):").first.wait_for()  # the job is queued
    # The page is not frozen while the analysis runs: another page opens and works.
    go(pg, "Research")
    go(pg, "Capture")
    wait_for_job(pg, f"{OUTDOOR} (C-101 / pre)")
    screenshot(pg, shots, "results", height=3600)
    assert pg.locator("video").count() == 1  # the overlay video plays in the page
    src = pg.locator("video").get_attribute("src")
    assert src and pg.request.get(server["url"] + src if src.startswith("/") else src).ok
    assert pg.get_by_test_id("stPlotlyChart").count() >= 1
    own = package_result(clip, server["root"] / "own-outdoor")
    check_table_is_the_packages(pg, own.summary)
    # The right person: the man on the box (the bystander walks in later), as the
    # package's own run chose.
    from rom.app import data

    rid = int(pg.evaluate("() => new URL(location.href).searchParams.get('recording')"))
    stored = data.recording_info(rid).summary
    assert stored["tracking"]["detected_frames"] == own.summary["tracking"]["detected_frames"]


def test_click_on_the_client_then_compare_pre_and_post(
    page: Any, server: dict[str, Any], shared_dir: Path, shots: Path, package_env: None
) -> None:
    from rom.app import data
    from rom.app.pages.capture import PICK_WIDTH_PX
    from rom.app.pages.compare import VERDICT_WORDS
    from rom.app.people import people_at_start, person_at

    pg = page
    clip = shared_dir / "clips" / LAB
    go(pg, "Capture")
    add_session(pg, "post")
    # the client and the protocol chosen before are still chosen
    assert chosen(pg, "Client") == "C-101"
    assert chosen(pg, "Protocol") == "Shoulder abduction (shoulder-abduction)"
    pg.locator('input[type="file"]').set_input_files(str(clip))
    pg.get_by_text("2 people are in view").wait_for()
    frame, people = people_at_start(clip, server["model"])
    assert frame is not None and len(people) == 2
    h, w = frame.shape[:2]
    scale = PICK_WIDTH_PX / w
    picker = pg.frame_locator('iframe[title*="streamlit_image_coordinates"]').locator("img")

    def click_on(i: int) -> tuple[float, float]:
        x0, y0, x1, y1 = people[i].box_px
        x, y = (x0 + x1) / 2, y0 + 0.35 * (y1 - y0)  # the chest
        settle(pg)
        picker.click(position={"x": x * scale, "y": y * scale})
        return x, y

    click_on(1)
    pg.get_by_text("now: person 2)").wait_for()
    click_on(0)
    pg.get_by_text("now: person 1)").wait_for()
    click(pg, pg.get_by_role("button", name="Analyse"))
    wait_for_job(pg, f"{LAB} (C-101 / post)")
    # The analysis followed the clicked person: the point stored with the recording is
    # inside them, and the values are the package's told --person X,Y.
    rid = int(pg.evaluate("() => new URL(location.href).searchParams.get('recording')"))
    settings = data.recording_info(rid).summary["settings"]
    point = tuple(settings["person"]["point_px"])
    assert person_at(people, point, (w, h)) == 0
    own = package_result(clip, server["root"] / "own-lab", person=point)
    check_table_is_the_packages(pg, own.summary)

    # A follow-up filmed like the first session (the same scene, the first 150 frames):
    # measured the same way, so the change is judged against the noise.
    go(pg, "Capture")
    add_session(pg, "follow-up")
    pg.locator('input[type="file"]').set_input_files(str(SAMPLE))
    click(pg, pg.get_by_role("button", name="Analyse"))
    wait_for_job(pg, f"{SAMPLE.name} (C-101 / follow-up)")

    go(pg, "Compare")
    pg.get_by_test_id("compare-table").wait_for()
    assert chosen(pg, "Before") == "pre" and chosen(pg, "After") == "follow-up"
    changes = data.compare("C-101", "pre", "follow-up")
    assert table(pg, "compare-table", "Before") == [
        "—" if c.before_deg is None else f"{c.before_deg:.0f}°" for c in changes
    ]
    assert table(pg, "compare-table", "After") == [
        "—" if c.after_deg is None else f"{c.after_deg:.0f}°" for c in changes
    ]
    assert table(pg, "compare-table", "Verdict") == [VERDICT_WORDS[c.verdict] for c in changes]
    assert pg.get_by_test_id("stPlotlyChart").count() >= 1
    screenshot(pg, shots, "compare", height=2600)


def test_research_page_lists_the_stored_values(
    page: Any, server: dict[str, Any], shots: Path, package_env: None
) -> None:
    from rom.app import data

    pg = page
    go(pg, "Research")
    pg.get_by_test_id("stDataFrame").first.wait_for()
    rows = data.export_frame()
    n = int((rows["statistic"] == "value").sum())
    pg.get_by_text(f"{n} of {len(rows)} rows from the database").wait_for()
    screenshot(pg, shots, "research", height=2000)
