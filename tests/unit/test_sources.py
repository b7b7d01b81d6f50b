"""Frame sources: rotation metadata, container timestamps, bad files, image folders."""

from __future__ import annotations

import io
import itertools
import re
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from rom.errors import InputError, VideoError
from rom.pose.sources import ImageFolderSource, mp4_cut_short, open_source
from tests.videos import marker_frames, write_video


def _marker_corner(rgb: np.ndarray) -> tuple[str, str]:
    h, w = rgb.shape[:2]
    bright = rgb.mean(axis=2) > 200
    ys, xs = np.nonzero(bright)
    return ("top" if ys.mean() < h / 2 else "bottom", "left" if xs.mean() < w / 2 else "right")


@pytest.mark.parametrize(
    "rotation, size, corner",
    [
        (0, (96, 64), ("top", "left")),
        # A phone held upright records landscape pixels with a -90 (clockwise) rotation:
        # the top-left of the stored image becomes the top-right of the upright one.
        (-90, (64, 96), ("top", "right")),
        (90, (64, 96), ("bottom", "left")),
        (180, (96, 64), ("bottom", "right")),
    ],
)
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation, size, corner) -> None:
    path = write_video(tmp_path / "rot.mp4", marker_frames(3), rotation_deg=rotation)
    with open_source(path) as src:
        frames = list(src)
        assert (src.info.width_px, src.info.height_px) == size
    assert frames[0].rgb.shape[:2] == (size[1], size[0])
    assert frames[0].rgb.flags["C_CONTIGUOUS"]
    assert _marker_corner(frames[0].rgb) == corner


def test_variable_frame_rate_timestamps_come_from_the_container(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.1, 0.2, 0.21, 0.5]
    path = write_video(tmp_path / "vfr.mp4", marker_frames(len(times)), times_s=times)
    with open_source(path) as src:
        got = [f.time_s for f in src]
    np.testing.assert_allclose(got, times, atol=0.002)


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "nope.mp4")


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        open_source(tmp_path / "empty.mp4")


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("not a video\n" * 50)
    with pytest.raises(VideoError, match="cannot open"):
        open_source(tmp_path / "notes.mp4")


# --- MP4/MOV box structure (ISO/IEC 14496-12): files cut short before their index -----------
def _box(kind: bytes, payload: bytes = b"", *, large: bool = False, to_end: bool = False) -> bytes:
    if to_end:
        return struct.pack(">I4s", 0, kind) + payload
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


FTYP = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
MOOV = _box(b"moov", _box(b"mvhd", bytes(100)) + _box(b"trak", bytes(300)))
MDAT = _box(b"mdat", bytes(5000))


def test_phone_layout_cut_before_its_index_is_cut_short() -> None:
    """ftyp, free, mdat, then moov (as phones write): a cut anywhere before the end of
    moov says the index is missing or incomplete."""
    whole = FTYP + _box(b"free") + MDAT + MOOV
    assert mp4_cut_short(whole) is None
    in_mdat = mp4_cut_short(whole[:3000])
    assert in_mdat is not None and "cut short" in in_mdat and "'moov' box, is missing" in in_mdat
    in_header = mp4_cut_short(whole[: len(FTYP) + 8 + 4])  # inside mdat's header
    assert in_header is not None and "cut short" in in_header
    in_moov = mp4_cut_short(whole[:-50])
    assert in_moov is not None and "cut short" in in_moov and "incomplete" in in_moov


def test_no_index_at_all_is_said() -> None:
    reason = mp4_cut_short(FTYP + MDAT)
    assert reason is not None and "'moov' box, is missing" in reason
    # a last box of size 0 runs to the end of the file: complete, but still no index
    reason = mp4_cut_short(FTYP + _box(b"mdat", bytes(900), to_end=True))
    assert reason is not None and "'moov' box, is missing" in reason


def test_complete_files_have_no_reason() -> None:
    assert mp4_cut_short(FTYP + MOOV + MDAT) is None
    assert mp4_cut_short(FTYP + MDAT + MOOV) is None
    # a 64-bit size (size field 1), and a last box running to the end (size 0)
    assert mp4_cut_short(FTYP + MOOV + _box(b"mdat", bytes(700), large=True)) is None
    assert mp4_cut_short(FTYP + MOOV + _box(b"mdat", bytes(700), to_end=True)) is None
    # a QuickTime file starting with 'wide' then mdat, index last
    assert mp4_cut_short(_box(b"wide") + MDAT + MOOV) is None
    # read from a file object, headers only
    data = FTYP + MDAT + MOOV
    assert mp4_cut_short(io.BytesIO(data), len(data)) is None


def test_index_first_file_cut_in_its_frames_is_cut_short() -> None:
    reason = mp4_cut_short((FTYP + MOOV + _box(b"mdat", bytes(700), large=True))[:-100])
    assert reason is not None and "cut short" in reason and "'moov'" not in reason


@pytest.mark.parametrize(
    "data",
    [
        b"not a video\n" * 50,
        bytes(np.random.default_rng(3).integers(0, 256, 20_000, np.uint8)),
        b"\x1a\x45\xdf\xa3" + bytes(500),  # Matroska / WebM (EBML)
        b"\x47" + bytes(187) + b"\x47" + bytes(187),  # MPEG-TS packets
        b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(100),
        b"\x00\x00\x00\x02ftyp",  # a size smaller than a box header
        b"\x00\x00\x00",  # too short to tell
        b"",
    ],
)
def test_other_bytes_are_not_diagnosed(data: bytes) -> None:
    assert mp4_cut_short(data) is None


def test_recording_cut_before_its_index_says_so(tmp_path: Path) -> None:
    """A video written index last (FFmpeg's default, like a phone's) and cut short cannot
    be opened; the message says it is cut short and what to do, in one line."""
    frames = [np.random.default_rng(i).integers(0, 255, (64, 96, 3), np.uint8) for i in range(30)]
    data = write_video(tmp_path / "full.mp4", frames).read_bytes()
    assert data.rfind(b"moov") > data.find(b"mdat")  # index last
    cut = tmp_path / "IMG_0042.MOV"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError) as info:
        open_source(cut)
    text = str(info.value)
    assert text.startswith("cannot open IMG_0042.MOV as a video: it is cut short"), text
    assert "'moov' box, is missing" in text and "copy the whole file again" in text
    assert "\n" not in text


def test_truncated_video_keeps_decoded_frames_and_says_why(tmp_path: Path) -> None:
    frames = [np.random.default_rng(i).integers(0, 255, (64, 96, 3), np.uint8) for i in range(60)]
    full = write_video(tmp_path / "full.mp4", frames)
    # Rewrite with the index first (faststart) so a cut file still opens, then cut it.
    import av

    fast = tmp_path / "fast.mp4"
    with (
        av.open(str(full)) as inp,
        av.open(str(fast), "w", options={"movflags": "+faststart"}) as out,
    ):
        s = out.add_stream_from_template(inp.streams.video[0])
        for pkt in inp.demux(inp.streams.video[0]):
            if pkt.dts is not None:
                pkt.stream = s
                out.mux(pkt)
    data = fast.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.5)])
    with open_source(cut) as src:
        n = sum(1 for _ in src)
        assert 0 < n < 60
        assert src.error is not None and "truncated" in src.error


def test_image_folder_source(tmp_path: Path) -> None:
    import cv2

    for i, img in enumerate(marker_frames(4)):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), img)
    src = open_source(tmp_path, fps=10)
    assert isinstance(src, ImageFolderSource)
    frames = list(src)
    assert [f.time_s for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert _marker_corner(frames[0].rgb) == ("top", "left")


def test_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images"):
        open_source(tmp_path)


def test_frames_are_streamed_not_held(tmp_path: Path) -> None:
    """The source is a generator: frames already consumed are not kept by it."""
    import gc
    import weakref

    path = write_video(tmp_path / "s.mp4", marker_frames(20))
    refs = []
    with open_source(path) as src:
        for f in src:
            refs.append(weakref.ref(f.rgb))
            del f
    gc.collect()
    assert sum(r() is not None for r in refs) <= 1


def test_camera_source_reads_frames_with_wall_clock_times(tmp_path: Path) -> None:
    """The webcam/stream source (OpenCV) on a file, the one stream there is here."""
    from rom.pose.sources import CameraSource

    path = write_video(tmp_path / "cam.mp4", marker_frames(5))
    with CameraSource(str(path)) as src:
        frames = list(src)
    assert len(frames) == 5
    assert all(b.time_s > a.time_s for a, b in itertools.pairwise(frames))
    assert _marker_corner(frames[0].rgb) == ("top", "left")


def test_unopenable_camera_is_an_input_error() -> None:
    from rom.pose.sources import CameraSource

    with pytest.raises(InputError, match="cannot open camera"):
        CameraSource(97)


# --- frames in memory ----------------------------------------------------------------------------
def _frames(n: int, h: int = 48, w: int = 64, t0: float = 5.0) -> list[tuple[float, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [(t0 + i / 30, rng.integers(0, 255, (h, w, 3), np.uint8)) for i in range(n)]


def test_memory_source_from_a_list_describes_and_yields_the_frames() -> None:
    from rom.pose.sources import MemorySource

    frames = _frames(4)
    with MemorySource.from_frames(frames, fps=30, name="clip-in-memory") as src:
        info = src.info
        got = list(src)
        again = list(src)  # a list can be read twice
    assert (info.width_px, info.height_px, info.fps, info.n_frames) == (64, 48, 30.0, 4)
    assert info.kind == "memory" and info.path == "clip-in-memory"
    assert info.duration_s == pytest.approx(4 / 30)
    assert [f.index for f in got] == [0, 1, 2, 3]
    # times are re-based to the first frame, as for a file
    np.testing.assert_allclose([f.time_s for f in got], [0, 1 / 30, 2 / 30, 3 / 30], atol=1e-9)
    assert all(f.rgb is img for f, (_, img) in zip(got, frames, strict=True))  # not copied
    assert [f.time_s for f in again] == [f.time_s for f in got]


def test_memory_source_from_a_generator_keeps_the_first_frame() -> None:
    from rom.pose.sources import MemorySource

    frames = _frames(3)
    src = MemorySource.from_frames((f for f in frames), fps=25)
    assert src.info.n_frames is None and src.info.duration_s is None
    got = list(src)
    assert len(got) == 3
    np.testing.assert_array_equal(got[0].rgb, frames[0][1])


def test_memory_source_makes_views_contiguous() -> None:
    """A mirrored or cropped view is handed to MediaPipe as packed rows."""
    from rom.pose.sources import MemorySource

    img = np.arange(48 * 64 * 3, dtype=np.uint8).reshape(48, 64, 3)
    view = img[:, ::-1]
    (frame,) = MemorySource.from_frames([(0.0, view)], fps=30)
    assert frame.rgb.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(frame.rgb, view)


def test_memory_source_with_explicit_info_is_what_a_live_capture_uses() -> None:
    import queue

    from rom.pose.sources import MemorySource, VideoInfo

    q: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue()
    for item in [*_frames(2, t0=100.0), None]:
        q.put(item)
    info = VideoInfo("webcam", "camera", 64, 48, 30.0, None, None)
    with MemorySource(iter(q.get, None), info) as src:
        got = list(src)
    assert [round(f.time_s, 6) for f in got] == [0.0, round(1 / 30, 6)]
    assert src.info.kind == "camera"


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            (0.0, np.zeros((48, 64), np.uint8)),
            r"frame 1 must be an RGB image .* got shape \(48, 64\)",
        ),
        ((0.0, np.zeros((48, 64, 3), np.float32)), "frame 1 must be an RGB image .* float32"),
        ((0.0, np.zeros((48, 64, 4), np.uint8)), "frame 1 must be an RGB image"),
        ((0.0, [[1, 2, 3]]), "frame 1 must be an RGB image .* got list"),
        (
            (0.0, np.zeros((40, 64, 3), np.uint8)),
            "frame 1 is 64 x 40 px, the source's frames are 64 x 48",
        ),
        ("frame", "frame 1 must be a \\(time_s, rgb\\) pair, got str"),
    ],
)
def test_memory_source_names_a_bad_frame(bad: object, message: str) -> None:
    from rom.pose.sources import MemorySource

    first = (0.0, np.zeros((48, 64, 3), np.uint8))
    src = MemorySource.from_frames([first, bad], fps=30)  # type: ignore[list-item]
    frames = iter(src)
    next(frames)
    with pytest.raises(InputError, match=message):
        next(frames)


@pytest.mark.parametrize("times", [[0.0, 0.0], [0.1, 0.05], [0.0, float("nan")]])
def test_memory_source_needs_strictly_increasing_times(times: list[float]) -> None:
    from rom.pose.sources import MemorySource

    img = np.zeros((48, 64, 3), np.uint8)
    src = MemorySource.from_frames([(t, img) for t in times], fps=30)
    with pytest.raises(InputError, match="frame 1 has time .* strictly increasing"):
        list(src)


def test_memory_source_rejects_no_frames_and_a_bad_info() -> None:
    from rom.pose.sources import MemorySource, VideoInfo

    with pytest.raises(InputError, match="no frames were given"):
        MemorySource.from_frames([], fps=30)
    with pytest.raises(InputError, match="positive frame size and fps"):
        MemorySource([], VideoInfo("x", "memory", 64, 48, 0.0, None, None))
    with pytest.raises(InputError, match="must be an RGB image"):
        MemorySource.from_frames([(0.0, np.zeros((48, 64), np.uint8))], fps=30)


# --- real-file faults: the whole kind, on small clips the tests make ------------------------


def _numbered_frames(n: int, h: int = 64, w: int = 96) -> list[np.ndarray]:
    """Frames whose white bar's position encodes the frame number (to check order)."""
    out = []
    for i in range(n):
        img = np.full((h, w, 3), 40, np.uint8)
        x = 2 + (i * 3) % (w - 6)
        img[:, x : x + 3] = 255
        out.append(img)
    return out


def _bar_x(rgb: np.ndarray) -> int:
    return int(np.flatnonzero(rgb.mean(axis=(0, 2)) > 150)[0])


def _timed(frames: list[np.ndarray], fps: float = 30.0) -> list[tuple[np.ndarray, float]]:
    return [(f, i / fps) for i, f in enumerate(frames)]


def test_chunks_joined_with_timestamps_restarting_keep_real_elapsed_time(tmp_path: Path) -> None:
    """Recorders write a clip in chunks, each stamped from zero, joined later: time goes on
    across the join, from frame durations, with a warning."""
    from tests.corpus import encode

    frames = _numbered_frames(60)
    parts = []
    for k in range(2):
        p = encode(tmp_path / f"{k}.ts", _timed(frames[30 * k : 30 * k + 30]), fmt="mpegts")
        parts.append(p.read_bytes())
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(parts))
    with open_source(joined) as src:
        got = list(src)
        warnings = src.warnings
        report = src.timestamps
    assert len(got) == 60
    t = np.array([f.time_s for f in got])
    assert np.all(np.diff(t) > 0.5 / 30)  # never squeezed together
    assert t[-1] == pytest.approx(59 / 30, abs=0.01)  # 2 s, not 1 s
    assert report is not None and report["jumps_back"] == 1
    assert warnings and "timestamps broken" in warnings[0] and "frame 30" in warnings[0]


def test_frames_all_stamped_at_one_time_are_read_at_the_streams_nominal_rate(
    tmp_path: Path,
) -> None:
    """A user review: a broken trim script wrote every frame at time 0 (PyAV, 30 fps
    stream). rom took the index's 1200 fps (80 frames in 0.03 s in the user's clip),
    repaired the timeline at that rate, and the clip's movement lasted 0.03 s: "measured
    in only 68 frames" where 10 are needed. Now: the stream's nominal 30 fps, said."""
    import av

    path = tmp_path / "zero.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("h264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for img in _numbered_frames(40):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = 0  # every frame at time 0
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with open_source(path) as src:
        assert src.info.fps == 30.0
        assert src.info.duration_s == pytest.approx(40 / 30)
        got = list(src)
        warnings = src.warnings
    t = np.array([f.time_s for f in got])
    assert len(got) == 40 and np.allclose(np.diff(t), 1 / 30)
    assert "its timestamps put its frames 1200 per second apart" in warnings[0], warnings
    assert "read at the stream's 30 fps" in warnings[0]


@pytest.mark.parametrize("ext", ["webm", "mkv", "mp4", "mov"])
def test_audio_outlasting_the_video_is_not_truncation(tmp_path: Path, ext: str) -> None:
    from tests.corpus import encode

    webm = ext == "webm"
    path = encode(
        tmp_path / f"a.{ext}",
        _timed(_numbered_frames(30)),
        codec="libvpx-vp9" if webm else "libx264",
        audio_s=3.0,  # the video lasts 1 s
        audio_codec="libopus" if webm else "aac",
    )
    with open_source(path) as src:
        n = sum(1 for _ in src)
        assert src.error is None
        assert src.info.n_frames == 30
    assert n == 30


@pytest.mark.parametrize("ext", ["mkv", "webm"])
def test_truncated_matroska_with_audio_is_still_called_truncated(tmp_path: Path, ext: str) -> None:
    """The other side of the rule: cut short, such a file is truncated."""
    from tests.corpus import encode

    webm = ext == "webm"
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (64, 96, 3), np.uint8) for _ in range(90)]
    path = encode(
        tmp_path / f"a.{ext}",
        _timed(frames),
        codec="libvpx-vp9" if webm else "libx264",
        audio_s=3.0,
        audio_codec="libopus" if webm else "aac",
    )
    data = path.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    with open_source(cut) as src:
        n = sum(1 for _ in src)
        assert 0 < n < 90
        assert src.error is not None and "truncated" in src.error


def test_any_cut_point_gives_a_clear_error_or_the_frames_before_it(tmp_path: Path) -> None:
    """A file cut anywhere: either it cannot be opened (VideoError), or the frames before
    the cut come out and ``error`` says the file is truncated; nothing else."""
    import av

    from tests.corpus import encode

    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (48, 64, 3), np.uint8) for _ in range(40)]
    full = encode(tmp_path / "full.mp4", _timed(frames), options={"movflags": "+faststart"})
    data = full.read_bytes()
    for k in range(1, 25):
        cut = tmp_path / f"cut{k}.mp4"
        cut.write_bytes(data[: len(data) * k // 25])
        try:
            src = open_source(cut)
        except VideoError as exc:
            assert "truncated" in str(exc) or "cannot open" in str(exc) or "damaged" in str(exc)
            continue
        except av.error.FFmpegError as exc:  # pragma: no cover - the failure this guards
            pytest.fail(f"cut at {k}/25: raw FFmpeg error {exc!r}")
        with src:
            n = sum(1 for _ in src)
            assert n < 40 and src.error is not None and "truncated" in src.error, (k, n)


def _square_marker(h: int, w: int, side: int = 24) -> np.ndarray:
    img = np.full((h, w, 3), 30, np.uint8)
    img[8 : 8 + side, 8 : 8 + side] = 255
    return img


def _marker_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(rgb.mean(axis=2) > 150)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@pytest.mark.parametrize(
    "sar, rotation, shown",
    [
        (Fraction(2, 1), 0, (128, 96)),  # stored 64 x 96, shown 128 x 96 (DV widescreen-like)
        (Fraction(1, 2), 0, (128, 96)),  # stored 128 x 48, pixels twice as tall as wide
        (Fraction(4, 3), 0, (128, 96)),  # stored 96 x 96 (HDV 1440x1080 -> 1920x1080 kind)
        (Fraction(2, 1), -90, (96, 128)),  # a phone-style rotation on top
    ],
)
def test_non_square_pixels_are_shown_square(tmp_path: Path, sar, rotation, shown) -> None:
    """Anamorphic video is read as it is shown: a square stays square, the frame has the
    displayed size, and the pixel aspect ratio is recorded."""
    from tests.corpus import anamorphic, encode

    original = encode(tmp_path / "o.mp4", _timed([_square_marker(96, 128)] * 3))
    squeezed = anamorphic(original, tmp_path / "a.mp4", sar=sar)
    if rotation:
        from tests.corpus import read_frames

        squeezed = encode(tmp_path / "r.mp4", read_frames(squeezed), sar=sar, rotation_deg=rotation)
    with open_source(squeezed) as src:
        frame = next(iter(src))
        info = src.info
    assert (info.width_px, info.height_px) == shown
    assert frame.rgb.shape[:2] == (shown[1], shown[0])
    assert info.sample_aspect_ratio == (sar.numerator, sar.denominator)
    _, _, w, h = _marker_box(frame.rgb)
    assert abs(w - h) <= 2, (w, h)
    assert abs(w - 24) <= 2


def test_image_folder_named_without_padding_is_read_in_number_order(tmp_path: Path) -> None:
    """FFmpeg's ``%d.jpg`` names (1, 2, ..., 10, 11): not text order; a missing number
    leaves a gap in time and a warning."""
    import cv2

    frames = _numbered_frames(14)
    for i, img in enumerate(frames, start=1):
        if i != 6:  # frame 6 missing
            cv2.imwrite(str(tmp_path / f"{i}.png"), img[:, :, ::-1])
    with open_source(tmp_path, fps=10) as src:
        got = list(src)
        warnings = src.warnings
    kept = [i for i in range(14) if i != 5]
    assert [_bar_x(f.rgb) for f in got] == [_bar_x(frames[i]) for i in kept]
    assert [f.time_s for f in got] == pytest.approx([i / 10 for i in kept])
    assert warnings and "1 frame numbers are missing" in warnings[0] and "(6)" in warnings[0]


def test_image_folder_needs_a_positive_frame_rate(tmp_path: Path) -> None:
    import cv2

    cv2.imwrite(str(tmp_path / "1.png"), marker_frames(1)[0])
    with pytest.raises(InputError, match="--fps"):
        open_source(tmp_path, fps=0)


# --- truncation whatever the header says --------------------------------------------------


def _mkv(path: Path, n: int, *, header_fps: float, real_fps: float = 30.0) -> bytes:
    """An n-frame Matroska clip whose frames are ``1/real_fps`` apart while its header
    (the track's default duration) announces ``header_fps``; returns its bytes."""
    from tests.corpus import encode

    frames = [(f, i / real_fps) for i, f in enumerate(_numbered_frames(n))]
    return encode(path, frames, fmt="matroska", fps=header_fps).read_bytes()


@pytest.mark.parametrize("header_fps", [30.0, 10.0, 60.0])
def test_matroska_cut_short_is_truncated_whatever_fps_its_header_states(
    tmp_path: Path, header_fps: float
) -> None:
    """Before: a header of 10 fps for 30 fps frames hid the cut (90 frames expected 31,
    35 decoded: "complete"), and one of 60 fps called the whole file truncated."""
    data = _mkv(tmp_path / "whole.mkv", 90, header_fps=header_fps)
    with open_source(tmp_path / "whole.mkv") as src:
        assert len(list(src)) == 90 and src.error is None
        assert src.info.fps == pytest.approx(30.0, rel=0.01)
        assert src.info.n_frames == pytest.approx(90, abs=3)
        if header_fps != 30.0:
            assert any(f"header says {header_fps:.3g} fps" in w for w in src.warnings)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    with open_source(cut) as src:
        n = len(list(src))
        assert 10 < n < 80
        assert src.error is not None and src.error.endswith("the file is truncated")
        assert f"(frame {n})" in src.error
        assert re.search(r"ends at \d\.\d\d s of the (2\.9\d|3\.0\d) s", src.error), src.error


def test_a_cut_inside_the_third_frame_keeps_the_two_whole_frames(tmp_path: Path) -> None:
    """A file cut a few bytes into its third frame (as at exactly 300,000 bytes of a
    phone clip). Before: "the first frame cannot be decoded", refused (exit 2), though two
    whole frames were there: the decoder's error on the cut frame hid the frames it held."""
    import av

    from tests.corpus import encode

    src_path = encode(
        tmp_path / "fast.mp4",
        [(f, i / 30) for i, f in enumerate(_numbered_frames(30, 240, 320))],
        options={"movflags": "faststart"},
    )
    with av.open(str(src_path)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    data = src_path.read_bytes()
    end = packets[1][0] + packets[1][1] + packets[2][1] // 2
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:end])
    with open_source(cut) as src:
        got = list(src)
        assert len(got) == 2
        assert src.error == (
            "cut.mp4: the video ends at frame 2 of the 30 its header announces; "
            "the file is truncated"
        )
        assert np.isfinite([f.time_s for f in got]).all() and got[1].time_s > 0
        assert not src.warnings  # both frames keep their own times
