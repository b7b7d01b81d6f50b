"""Shared pieces of the dashboard's tests (not a test module): short real clips, the
environment an app process needs, and a real ``rom app`` server with headless Chromium.
"""

from __future__ import annotations

import os
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


def write_y4m(src: Path, dst: Path, *, n_frames: int, width: int = 640, height: int = 360) -> Path:
    """The first ``n_frames`` of ``src`` as a Y4M file (yuv4mpegpipe, rawvideo, yuv420p)
    for Chromium's fake camera."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i, f in enumerate(inp.decode(video=0)):
            if i >= n_frames:
                break
            g = f.reformat(width=width, height=height, format="yuv420p")
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
