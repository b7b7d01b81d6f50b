"""Factories for small test videos written with PyAV (not a test module)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_video(
    path: Path,
    frames: list[np.ndarray] | np.ndarray,
    *,
    times_s: list[float] | None = None,
    fps: int = 30,
    rotation_deg: int = 0,
    codec: str = "libx264",
) -> Path:
    """Encode RGB frames (H, W, 3 uint8) to ``path``; ``times_s`` sets each frame's
    presentation time (variable frame rate); ``rotation_deg`` writes display-matrix
    rotation metadata (counter-clockwise, as phones do)."""
    container = av.open(str(path), "w")
    h, w = frames[0].shape[:2]
    stream = container.add_stream(codec, rate=fps)
    assert isinstance(stream, av.VideoStream)
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
    stream.time_base = Fraction(1, 1000)
    stream.codec_context.time_base = Fraction(1, 1000)  # keep millisecond timestamps (VFR)
    if rotation_deg:
        stream.set_display_rotation(rotation_deg)
    for i, img in enumerate(frames):
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        t = times_s[i] if times_s is not None else i / fps
        vf.pts = round(t * 1000)
        vf.time_base = Fraction(1, 1000)
        for p in stream.encode(vf):
            container.mux(p)
    for p in stream.encode():
        container.mux(p)
    container.close()
    return path


def marker_frames(n: int, h: int = 64, w: int = 96) -> list[np.ndarray]:
    """Grey frames with a white square in the top-left corner (to check orientation)."""
    out = []
    for _ in range(n):
        img = np.full((h, w, 3), 60, np.uint8)
        img[:16, :16] = 255
        out.append(img)
    return out


def transform_video(
    src: Path, dst: Path, fn, *, max_frames: int | None = None, fps: float | None = None
) -> Path:
    """Re-encode ``src`` with ``fn(rgb) -> rgb`` applied to each frame (crop, resize,
    darken), keeping the timestamps; ``fps`` (e.g. half the rate) drops frames.

    libx264's output is not bit-identical across machines and library builds, so use it
    only where a test compares analyses of the *same written file* (batch against
    ``rom analyze``, whole against cut) or asserts what holds whatever the encoder;
    tests of MediaPipe's invariance feed decoded frames through
    :class:`rom.pose.sources.MemorySource` instead (``tests/metamorphic.py``).
    """
    frames, times = [], []
    with av.open(str(src)) as c:
        last = None
        for i, f in enumerate(c.decode(video=0)):
            if max_frames is not None and i >= max_frames:
                break
            t = float(f.time)
            if fps is not None and last is not None and t - last < 1.0 / fps - 1e-3:
                continue
            last = t
            frames.append(fn(np.ascontiguousarray(f.to_ndarray(format="rgb24"))))
            times.append(t)
    rate = round(fps) if fps else 30
    h, w = frames[0].shape[:2]
    frames = [f[: h // 2 * 2, : w // 2 * 2] for f in frames]
    return write_video(dst, frames, times_s=[t - times[0] for t in times], fps=rate)
