"""Factories for the real-file faults and bad inputs the tests feed to `rom` (not a test
module). Everything is written with PyAV, streaming frame by frame, so no FFmpeg binary is
needed and a long clip never sits in memory.

Each factory makes a whole *kind* of file: joined recordings whose timestamps restart,
containers whose audio outlasts the video, anamorphic video, image folders named without
zero padding, clips that end on a title card.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"

Timed = tuple[np.ndarray, float]  # (RGB frame, presentation time in seconds)
_FAST = {
    "libx264": {"preset": "veryfast"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"},
}


def read_frames(
    src: Path,
    *,
    start: int = 0,
    stop: int | None = None,
    fn: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[Timed]:
    """Frames ``start:stop`` of ``src`` as (RGB, time from the clip's first frame)."""
    with av.open(str(src)) as c:
        t0 = None
        for i, f in enumerate(c.decode(video=0)):
            if stop is not None and i >= stop:
                break
            t = float(f.time)
            t0 = t if t0 is None else t0
            if i < start:
                continue
            rgb = np.ascontiguousarray(f.to_ndarray(format="rgb24"))
            yield (fn(rgb) if fn else rgb), t - t0


def encode(
    dst: Path,
    frames: Iterable[Timed],
    *,
    codec: str = "libx264",
    fmt: str | None = None,
    fps: float = 30.0,
    sar: Fraction | None = None,
    audio_s: float | None = None,
    audio_codec: str = "aac",
    options: dict[str, str] | None = None,
    rotation_deg: int = 0,
) -> Path:
    """Encode (RGB, t) pairs to ``dst`` (millisecond timestamps kept as given).

    ``sar`` writes a sample aspect ratio (non-square pixels); ``audio_s`` adds a 440 Hz
    tone of that duration in ``audio_codec``, muxed alongside the video; ``rotation_deg``
    writes display-matrix rotation metadata. Encoders run at their fastest settings.
    """
    container = av.open(str(dst), "w", format=fmt, options=options or {})
    stream = None
    audio = None
    try:
        for rgb, t in frames:
            if stream is None:
                h, w = rgb.shape[:2]
                stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height = w, h
                stream.pix_fmt = "yuv420p"
                stream.time_base = Fraction(1, 1000)
                stream.codec_context.time_base = Fraction(1, 1000)
                if sar is not None:
                    stream.codec_context.sample_aspect_ratio = sar
                if rotation_deg:
                    stream.set_display_rotation(rotation_deg)
                stream.options = dict(_FAST.get(codec, {}))
                if audio_s is not None:
                    audio = container.add_stream(audio_codec, rate=48000)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            vf.pts = round(t * 1000)
            vf.time_base = Fraction(1, 1000)
            for p in stream.encode(vf):
                container.mux(p)
        assert stream is not None, "no frames to encode"
        for p in stream.encode():
            container.mux(p)
        if audio is not None:
            _add_tone(container, audio, float(audio_s or 0))
    finally:
        container.close()
    return dst


def _add_tone(container: av.container.OutputContainer, stream, seconds: float) -> None:
    rate = 48000
    n = 960
    total = int(seconds * rate)
    pts = 0
    while pts < total:
        k = np.arange(pts, pts + n)
        samples = (0.2 * np.sin(2 * np.pi * 440 * k / rate)).astype(np.float32)
        fmt = stream.codec_context.format.name if stream.codec_context.format else "fltp"
        layout = "mono"
        if fmt in ("s16", "s16p"):
            data = (samples * 32767).astype(np.int16)[None, :]
        else:
            data = samples[None, :]
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        for p in stream.encode(frame):
            container.mux(p)
        pts += n
    for p in stream.encode():
        container.mux(p)


def joined_chunks(
    src: Path, dst: Path, *, split_frame: int, start: int = 0, stop: int | None = None
) -> Path:
    """Two MPEG-TS chunks of ``src`` (frames ``start:split_frame`` and ``split_frame:stop``),
    each timestamped from zero, joined byte for byte as DVRs and ``cat a.ts b.ts`` do: the
    timestamps jump back at ``split_frame``."""
    a = dst.with_name(".a.ts")
    b = dst.with_name(".b.ts")
    encode(a, _rebased(read_frames(src, start=start, stop=split_frame)), fmt="mpegts")
    second = ((rgb, t) for rgb, t in _rebased(read_frames(src, start=split_frame, stop=stop)))
    encode(b, second, fmt="mpegts")
    dst.write_bytes(a.read_bytes() + b.read_bytes())
    a.unlink()
    b.unlink()
    return dst


def _rebased(frames: Iterable[Timed]) -> Iterator[Timed]:
    t0 = None
    for rgb, t in frames:
        t0 = t if t0 is None else t0
        yield rgb, t - t0


def retimed(src: Path, dst: Path, times_s: Callable[[int, float], float], **kw) -> Path:
    """``src`` with frame i stamped ``times_s(i, t)`` (duplicated, near-duplicate or
    backwards timestamps; the container keeps what it is given)."""
    frames = ((rgb, times_s(i, t)) for i, (rgb, t) in enumerate(read_frames(src, **kw)))
    return encode(dst, frames, fmt="matroska" if dst.suffix == ".mkv" else None)


def with_long_audio(
    src: Path,
    dst: Path,
    *,
    video_frames: int,
    audio_s: float,
    start: int = 0,
    fmt: str | None = None,
) -> Path:
    """Frames ``start:start + video_frames`` of ``src`` with a tone lasting ``audio_s``
    seconds (longer than the video): VP9 + Opus for .webm, H.264 + AAC otherwise."""
    webm = dst.suffix == ".webm"
    return encode(
        dst,
        _rebased(read_frames(src, start=start, stop=start + video_frames, fn=_even)),
        codec="libvpx-vp9" if webm else "libx264",
        fmt=fmt,
        audio_s=audio_s,
        audio_codec="libopus" if webm else "aac",
        options={},
    )


def anamorphic(
    src: Path, dst: Path, *, sar: Fraction, start: int = 0, stop: int | None = None
) -> Path:
    """``src`` stored with non-square pixels: width scaled by 1/sar (sar > 1: squeezed) or
    height scaled by sar (sar < 1), shown at the original shape."""
    import cv2

    def squeeze(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        if sar >= 1:
            size = (round(w / sar) // 2 * 2, h // 2 * 2)
        else:
            size = (w // 2 * 2, round(h * sar) // 2 * 2)
        return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)

    return encode(dst, _rebased(read_frames(src, start=start, stop=stop, fn=squeeze)), sar=sar)


def title_card(size_px: tuple[int, int], text: str) -> np.ndarray:
    """A plain card with large text, as editors append at the end of a clip."""
    import cv2

    w, h = size_px
    img = np.full((h, w, 3), 20, np.uint8)
    scale = h / 250
    for i, line in enumerate(text.split("\n")):
        cv2.putText(
            img,
            line,
            (int(0.08 * w), int(h * (0.35 + 0.2 * i))),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (235, 235, 235),
            max(2, round(3 * scale)),
            cv2.LINE_AA,
        )
    return img


def image_folder(
    src: Path,
    folder: Path,
    *,
    name: Callable[[int], str] = lambda i: f"{i}.jpg",
    start: int = 0,
    stop: int | None = None,
    skip: Iterable[int] = (),
) -> Path:
    """Frames ``start:stop`` of ``src`` as still images named ``name(i)`` (i from 1, as
    FFmpeg's %d does), leaving out the numbers in ``skip``."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    left_out = set(skip)
    for i, (rgb, _) in enumerate(read_frames(src, start=start, stop=stop), start=1):
        if i not in left_out:
            cv2.imwrite(str(folder / name(i)), np.ascontiguousarray(rgb[:, :, ::-1]))
    return folder


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[: h // 2 * 2, : w // 2 * 2]


def stream_times(path: Path) -> list[float]:
    """Presentation times (s) of the video frames in ``path``, as stored."""
    with av.open(str(path)) as c:
        return [float(f.time) if f.time is not None else math.nan for f in c.decode(video=0)]
