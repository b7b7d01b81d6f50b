"""Shared pieces of the dashboard's tests (not a test module): short real clips, the
environment an app process needs, and a real ``rom app`` server with headless Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av
import numpy as np

from tests.videos import write_video

OUTDOOR = "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
#: Generous bounds for a shared 2-core machine; every wait polls a condition.
ANALYSIS_S = 900
PAGE_S = 120
CHROMIUM = Path("/usr/bin/chromium")
#: Flags checked on these machines (see ../shared/README.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def clip_segment(
    src: Path, dst: Path, start: int, stop: int, *, scale: float = 1.0, fps: int = 30
) -> Path:
    """Frames ``start:stop`` of ``src`` re-encoded to ``dst`` (H.264), resized by
    ``scale``, with their own timestamps from 0."""
    import cv2

    frames, times = [], []
    with av.open(str(src)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= stop:
                break
            if i < start:
                continue
            rgb = f.to_ndarray(format="rgb24")
            if scale != 1.0:
                h, w = rgb.shape[:2]
                size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            frames.append(np.ascontiguousarray(rgb))
            times.append(float(f.time))
    return write_video(dst, frames, times_s=[t - times[0] for t in times], fps=fps)


def write_y4m(
    src: Path,
    dst: Path,
    *,
    n_frames: int,
    width: int = 640,
    height: int = 360,
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
) -> Path:
    """The first ``n_frames`` of ``src`` as a Y4M file (yuv4mpegpipe, rawvideo, yuv420p)
    for Chromium's fake camera; ``crop`` (x0, y0, x1, y1, fractions of the frame) frames
    the person as a webcam would."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i, f in enumerate(inp.decode(video=0)):
            if i >= n_frames:
                break
            rgb = f.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            x0, y0, x1, y1 = crop
            rgb = np.ascontiguousarray(
                rgb[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]
            )
            g = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            g = g.reformat(width=width, height=height, format="yuv420p")
            g.pts = None
            for p in stream.encode(g):
                out.mux(p)
        for p in stream.encode():
            out.mux(p)
    return dst


def app_env(root: Path, model: Path) -> dict[str, str]:
    """Environment of an app process with its own database and folders under ``root``."""
    env = dict(os.environ)
    env.update(
        ROM_DATABASE_URL=f"sqlite:///{root / 'rom.sqlite3'}",
        ROM_DATA_DIR=str(root / "files"),
        ROM_APP_DIR=str(root / "app"),
        ROM_MODEL_PATH=str(model),
        ROM_APP_PASSWORD="",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def rom_app(root: Path, model: Path, *, timeout_s: float = 120.0) -> Iterator[str]:
    """Start ``rom app`` (the README's command) on a free port of 127.0.0.1; yields its
    URL; stops it (this process only) afterwards. Its log is ``root / "server.log"``."""
    port = free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "rom.cli", "app", "--no-browser", "--port", str(port)],
        env=app_env(root, model),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"rom app exited ({proc.returncode}); see {root / 'server.log'}")
            if time.monotonic() > end:
                raise TimeoutError(f"rom app not up after {timeout_s:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def poll(check: Any, *, timeout_s: float, every_s: float = 0.5, what: str = "") -> Any:
    """Call ``check()`` until it returns something truthy (returned); TimeoutError after
    ``timeout_s``. For conditions in a page that refreshes itself."""
    end = time.monotonic() + timeout_s
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > end:
            raise TimeoutError(f"not seen within {timeout_s:.0f} s: {what}")
        time.sleep(every_s)


# -- driving the dashboard's pages with Playwright ----------------------------------------
def settle(pg: Any) -> None:
    """Wait until no script run is in progress and every element is drawn. A click while
    a run is in progress can be lost (the next run starts from the widgets' states), as
    it can for a user who clicks while the page says it is running."""
    poll(
        lambda: (
            pg.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').count()
            and pg.locator('[data-testid="stSkeleton"]').count() == 0
        ),
        timeout_s=PAGE_S,
        every_s=0.25,
        what="the page idle and drawn",
    )


def click(pg: Any, target: Any) -> None:
    """Click ``target`` once the page is idle (see :func:`settle`)."""
    target.wait_for()
    settle(pg)
    target.click()


def screenshot(pg: Any, shots: Path, name: str, height: int = 1600) -> Path:
    pg.set_viewport_size({"width": 1400, "height": height})
    settle(pg)
    path = shots / f"{name}.png"
    pg.screenshot(path=str(path))
    pg.set_viewport_size({"width": 1400, "height": 1600})
    extra = os.environ.get("ROM_SCREENSHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    assert path.stat().st_size > 20_000
    return path


def go(pg: Any, name: str) -> None:
    click(pg, pg.get_by_test_id("stSidebarNav").get_by_text(name, exact=True))
    pg.get_by_role("heading", name=name, exact=True).wait_for()


def open_form(pg: Any, empty_text: str, picker: str, expander: str, field: str) -> Any:
    """The text box ``field`` of the "New ..." form: the form is open by itself when
    the page says ``empty_text`` (nothing to pick yet), else it is opened."""
    state = poll(
        lambda: (
            "empty"
            if pg.get_by_text(empty_text).count()
            else "picker"
            if pg.get_by_role("combobox", name=picker).count()
            else None
        ),
        timeout_s=PAGE_S,
        what=f"the {picker} picker",
    )
    box = pg.get_by_role("textbox", name=field)
    settle(pg)
    if state == "picker" and not box.is_visible():
        click(pg, pg.get_by_text(expander, exact=True))
    box.wait_for()
    return box


def add_client(pg: Any, code: str) -> None:
    box = open_form(pg, "No client yet", "Client", "New client", "Client code or pseudonym")
    box.fill(code)
    click(pg, pg.get_by_role("button", name="Add client"))
    pg.get_by_text(f"{code} has no session yet").wait_for()


def add_session(pg: Any, label: str) -> None:
    box = open_form(pg, "has no session yet", "Session", "New session", "Session label")
    box.fill(label)
    button = pg.get_by_role("button", name="Add session")
    click(pg, button)
    try:
        poll(lambda: chosen(pg, "Session") == label, timeout_s=PAGE_S / 4, what="")
        return
    except TimeoutError:
        pass
    # Twice in CI (never alone) the session was not chosen 120 s after the click. The
    # form clears itself when submitted: with the label still in it on an idle page, the
    # click was lost in a run (see settle), and a user would click again.
    settle(pg)
    if box.count() == 1 and box.is_visible() and box.input_value() == label:
        click(pg, button)
    try:
        poll(lambda: chosen(pg, "Session") == label, timeout_s=PAGE_S, what=f"session {label}")
    except TimeoutError as exc:
        shown = f"the page shows: {alerts(pg)}; Session: {chosen(pg, 'Session')}"
        raise TimeoutError(f"{exc} ({shown})") from None


def alerts(pg: Any) -> str:
    """The texts of the page's alerts and exceptions, in one line (for a failure)."""
    texts = pg.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid=stAlert], [data-testid=stException]'
        )].map(e => e.innerText.replace(/\\s+/g, ' ').trim()).filter(t => t)"""
    )
    return " | ".join(texts) or "no alert"


def chosen(pg: Any, label: str) -> str | None:
    """The value shown by the selectbox ``label`` (None while it is being redrawn)."""
    box = pg.get_by_role("combobox", name=label)
    return box.input_value() if box.count() == 1 else None


def choose(pg: Any, label: str, option: str) -> None:
    click(pg, pg.get_by_role("combobox", name=label))
    pg.get_by_role("option", name=option).click()
    poll(lambda: chosen(pg, label) == option, timeout_s=PAGE_S, what=f"{label}: {option}")


def table(pg: Any, test_id: str, column: str) -> list[str]:
    return pg.get_by_test_id(test_id).locator(f'td[data-col="{column}"]').all_inner_texts()
