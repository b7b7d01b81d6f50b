"""The live webcam path for real: Chromium's fake camera plays a shared clip (a Y4M file
this test writes), streamlit-webrtc brings the frames to the app with no STUN/TURN
server, the page shows the protocol's live angles, and a few seconds recorded are
analysed and stored like an upload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("streamlit_webrtc")

from tests.app_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OUTDOOR,
    PAGE_S,
    add_client,
    add_session,
    app_env,
    choose,
    click,
    go,
    poll,
    rom_app,
    screenshot,
    settle,
    table,
    write_y4m,
)

#: Alone on the machine while it runs (tests/conftest.py): a client's laptop runs rom and
#: the browser, not three other MediaPipe processes.
pytestmark = [pytest.mark.slow, pytest.mark.realtime]

#: 3.3 s of the outdoor clip (the man raises both arms twice; he is in view in every one
#: of these frames), looped by Chromium. The page refreshes its live readings about once
#: a second: a loop of a whole number of seconds (it was 4 s) showed the readings at the
#: same four moments of every loop, and when none was near the top of a raise the live
#: view looked frozen low (readings 30, 39, 23, 33, 26, 12 against raises to 150 deg,
#: in two of four CI runs). A loop of 10/3 s moves the moments read by a third of a
#: second each loop, so READINGS readings cover the loop every 0.33 s.
CAMERA_FRAMES = 100
#: Readings of each side taken, one a second: three loops.
READINGS = 10
COLUMNS = ("shoulder_abduction_left_deg", "shoulder_abduction_right_deg")
#: Live readings start about a second after START (see ../shared/README.md): a page
#: that shows none after this long is broken, and the test says what it shows instead.
LIVE_S = 180
#: A live reading (the median of a few frames, unfiltered) may differ from the offline
#: per-frame angle range by MediaPipe's frame-to-frame spread plus the WebRTC encoding's
#: loss.
TOLERANCE_DEG = 12.0
#: A few seconds' recording is analysed in well under a minute on 2 cores.
RECORDING_ANALYSIS_S = 300


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's output folder for screenshots."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("camera") / "camera.y4m"
    # The man on the box framed as a webcam would frame a client (the clip is a wide shot):
    # the top half around him, at the camera's 640 x 360.
    return write_y4m(
        shared_dir / "clips" / OUTDOOR, out, n_frames=CAMERA_FRAMES, crop=(0.085, 0.0, 0.585, 0.5)
    )


@pytest.fixture(scope="module")
def offline(
    camera: Path, shared_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, np.ndarray]:
    """The package's per-frame angles of the camera's frames (before filtering, as the
    live view shows them)."""
    import os

    from rom.metrics.angles import compute_angles
    from rom.pipeline import AnalysisConfig, analyze_video

    os.environ.setdefault("ROM_MODEL_PATH", str(shared_model))
    r = analyze_video(
        camera, tmp_path_factory.mktemp("offline"), AnalysisConfig(protocol="shoulder-abduction")
    )
    raw = compute_angles(r.sequence)
    out = {c: raw[c][np.isfinite(raw[c])] for c in COLUMNS}
    out["detected_fraction"] = np.array([r.sequence.detected.mean()])
    return out


@pytest.fixture(scope="module")
def live_page(
    tmp_path_factory: pytest.TempPathFactory, shared_model: Path, camera: Path, skip_or_fail: Any
) -> Iterator[tuple[Any, dict[str, Any]]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is absent (apt-get install chromium)")
    root = tmp_path_factory.mktemp("rom-app-live")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    ]
    with rom_app(root, shared_model) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        pg = browser.new_page(viewport={"width": 1400, "height": 1600})
        pg.set_default_timeout(PAGE_S * 1000)
        pg.goto(url)
        yield pg, {"url": url, "root": root, "model": shared_model}
        browser.close()


def live_readings(pg: Any) -> dict[str, str]:
    """The live metrics now on the page: {label: value text}."""
    texts = pg.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMetric]')].map(e => e.innerText)"
    )
    out = {}
    for t in texts:
        parts = [x.strip() for x in t.split("\n") if x.strip()]
        if len(parts) >= 2 and parts[0].startswith("Live: "):
            out[parts[0].removeprefix("Live: ")] = parts[1]
    return out


def page_state(pg: Any) -> str:
    """What the Capture page's live panel says (errors, hints, captions, metrics), in one
    line, for a failure message."""
    texts = pg.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid=stMain] :is([data-testid=stAlert], [data-testid=stCaptionContainer],'
            + ' [data-testid=stMetric], [data-testid=stException])'
        )].map(e => e.innerText.replace(/\\s+/g, ' ').trim()).filter(t => t)"""
    )
    return " | ".join(texts) or "(no alert, caption or metric on the page)"


def degrees(text: str) -> float | None:
    """``85°`` -> 85; ``8° (adduction)`` -> -8 (the negative direction); ``—`` -> None."""
    m = re.match(r"^(\d+)°(?: \((.+)\))?$", text)
    if not m:
        return None
    return -float(m.group(1)) if m.group(2) else float(m.group(1))


def test_live_angles_match_the_clip_and_a_recording_is_stored(
    live_page: tuple[Any, dict[str, Any]],
    offline: dict[str, np.ndarray],
    shots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pg, server = live_page
    add_client(pg, "C-201")
    add_session(pg, "home")
    choose(pg, "Protocol", "Shoulder abduction (shoulder-abduction)")
    click(pg, pg.get_by_text("Live from the webcam"))
    frame = pg.frame_locator('iframe[title="streamlit_webrtc.component.webrtc_streamer"]')
    frame.get_by_role("button", name="START").click()
    frame.get_by_role("button", name="STOP").wait_for()

    labels = {"left shoulder abduction": COLUMNS[0], "right shoulder abduction": COLUMNS[1]}
    seen: dict[str, list[float]] = {c: [] for c in COLUMNS}

    def enough() -> bool:
        for label, text in live_readings(pg).items():
            value = degrees(text)
            if label in labels and value is not None:
                seen[labels[label]].append(value)
        return all(len(v) >= READINGS for v in seen.values())

    try:
        poll(enough, timeout_s=LIVE_S, every_s=1.0, what=f"{READINGS} live readings of each side")
    except TimeoutError as exc:
        shot = shots / "capture-live-timeout.png"
        pg.screenshot(path=str(shot))
        log = server["root"] / "server.log"
        raise AssertionError(
            f"{exc}; readings seen {seen}; the page shows: {page_state(pg)}; "
            f"screenshot {shot}; server log {log}"
        ) from None
    screenshot(pg, shots, "capture-live", height=1800)
    print(f"live readings {seen}; {page_state(pg)}")  # shown with -rP, and on a failure
    for col, values in seen.items():
        ref = offline[col]
        lo, hi = float(ref.min()) - TOLERANCE_DEG, float(ref.max()) + TOLERANCE_DEG
        # a live reading is the median of the last 0.4 s of analysed frames; on a busy
        # machine that may be one or two frames, each with MediaPipe's single-frame
        # spread: most readings, not every one, fall in the clip's range
        inside = sum(lo <= v <= hi for v in values) / len(values)
        assert inside >= 0.8, (col, values, (lo, hi))
        # the live view follows the movement, not one frozen value: readings spread
        # over the loop see the arms down and near the top of a raise
        assert max(values) - min(values) >= 0.5 * float(np.ptp(ref)), (col, values)

    click(pg, pg.get_by_role("button", name="Start recording"))
    try:
        poll(
            lambda: (
                (
                    m := re.search(
                        r"Recording: (\d+\.\d) s", pg.get_by_test_id("stMain").inner_text()
                    )
                )
                and float(m.group(1)) >= 3.0
            ),
            timeout_s=PAGE_S,
            what="3 s recorded",
        )
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; the page shows: {page_state(pg)}") from None
    click(pg, pg.get_by_role("button", name="Stop and analyse"))
    main = pg.get_by_test_id("stMain")

    for k, v in app_env(server["root"], server["model"]).items():
        monkeypatch.setenv(k, v)
    from rom.app import data
    from rom.app.tables import result_rows

    def stored() -> list[Any] | str | None:
        failed = re.search(r"webcam [^\n]*: failed: [^\n]*", main.inner_text())
        if failed:
            return failed.group(0)
        recs = data.list_recordings("C-201", "home")
        return recs or None

    try:
        # The result lands in the database whatever page is shown (the job runs in its
        # own process); then the Results page shows it.
        recs = poll(stored, timeout_s=RECORDING_ANALYSIS_S, every_s=2, what="the recording stored")
        assert not isinstance(recs, str), recs
        go(pg, "Results")
        pg.get_by_test_id("results-table").wait_for()
        settle(pg)
        assert len(recs) == 1 and recs[0].video_name.startswith("webcam ")
        summary = recs[0].summary
        # The man is in every frame the camera sends: the recording (WebRTC-compressed,
        # frames at whatever rate the busy machine managed) is tracked through most of it
        # and to its end. (Measured: 61 to 100 % of the frames against 100 % for the
        # camera's own frames analysed directly; a loss as at stop 15, the man dropped
        # after 8 frames, fails.)
        tracking = summary["tracking"]
        assert "problem" not in tracking, tracking
        assert tracking["detected_fraction"] >= 0.5 * float(offline["detected_fraction"][0]), (
            tracking,
            float(offline["detected_fraction"][0]),
        )
        assert summary["source"]["duration_s"] >= 2.5
        want = result_rows(summary["results"])
        assert table(pg, "results-table", "Value") == [r["Value"] for r in want]
        sides = {
            f"{m['measure']}_{side}_deg": r
            for m in summary["results"]["measures"]
            for side, r in m["sides"].items()
        }
        print(f"recording: {tracking}; {summary['source']}; {sides}")
        assert set(sides) == set(COLUMNS), sides
        # The recording starts and stops wherever the clicks fall in the camera's loop:
        # when one falls at the top of a raise, that side's largest reading is at the
        # recording's edge and rom says "peak not seen, at least N deg" (6 of 34 three-second
        # stretches of these frames, analysed offline; a CI run met one). Either way each
        # side is a number near the top of the clip's raises (a lower bound: at least that).
        # The recording is the WebRTC-compressed picture, not the camera's frames: one run
        # measured 167.3 deg where the camera's frames peak at 155.2, hence twice the live
        # readings' tolerance above.
        for col, r in sides.items():
            top = float(offline[col].max())
            near_top = top - 0.25 * float(np.ptp(offline[col]))
            if r["status"] == "measured":
                assert near_top <= r["value_deg"] <= top + 2 * TOLERANCE_DEG, (col, r, top)
            else:
                assert r["status"] == "not_seen" and "peak_at_edge" in r["flags"], (col, r)
                assert r["at_least_deg"] >= near_top, (col, r, top)
    finally:
        for st in data._STORES.values():
            st.close()
        data._STORES.clear()
