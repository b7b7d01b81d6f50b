"""Frame sources: video files, cameras/streams, image folders and frames in memory,
streamed frame by frame.

Every source yields :class:`Frame` records (index, time in seconds, upright RGB image) and
never holds more than one decoded frame of its own, so memory does not grow with the
clip's length. Open a file, folder, camera or stream with :func:`open_source`; wrap frames
that are already decoded (or arrive live from another library) in :class:`MemorySource`.
Every source is used as a context manager.
"""

from __future__ import annotations

import io
import itertools
import math
import struct
import time
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO, Self

import numpy as np

from rom.errors import InputError, VideoError
from rom.pose.formats import formats_text, not_a_file
from rom.pose.timestamps import Timeline

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class VideoInfo:
    """What is known of a source before decoding it.

    ``width_px`` and ``height_px`` describe the upright frame as it is shown (after
    honouring rotation metadata and non-square pixels); ``rotation_deg`` is the
    counter-clockwise rotation applied to each decoded frame; ``n_frames`` is the
    container's estimate (None for live sources). ``sample_aspect_ratio`` (width : height
    of one stored pixel) is ``(1, 1)`` unless the video is anamorphic; then each frame is
    rescaled from ``stored_size_px`` (width, height as stored) to square pixels.
    """

    path: str
    kind: str  # "file", "camera", "images" or "memory"
    width_px: int
    height_px: int
    fps: float
    n_frames: int | None
    duration_s: float | None
    rotation_deg: int = 0
    codec: str = ""
    size_bytes: int | None = None
    sample_aspect_ratio: tuple[int, int] = (1, 1)
    stored_size_px: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``rgb`` is a C-contiguous (height, width, 3) uint8 array."""

    index: int
    time_s: float
    rgb: np.ndarray


class FrameSource:
    """Base of the sources; iterate it for :class:`Frame` records. Use as a context manager."""

    info: VideoInfo
    #: set when decoding stopped early on a damaged stream (message for the user)
    error: str | None = None
    #: recoverable problems found while reading (broken timestamps, frame names ...)
    warnings: tuple[str, ...] = ()
    #: how the frames' times were obtained (see rom.pose.timestamps), when relevant
    timestamps: dict[str, Any] | None = None

    def meta(self) -> dict[str, Any]:
        """What the source tells about itself once read, for the pose file and summary:
        :class:`VideoInfo` plus ``decode_error``, ``warnings`` and ``timestamps``."""
        out: dict[str, Any] = self.info.as_dict()
        if self.error:
            out["decode_error"] = self.error
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.timestamps is not None:
            out["timestamps"] = self.timestamps
        return out

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _upright(img: np.ndarray, rotation_deg: int) -> np.ndarray:
    k = (rotation_deg // 90) % 4
    out = np.rot90(img, k) if k else img
    # MediaPipe reads the buffer as tightly packed rows: padded or rotated views must be copied.
    return np.ascontiguousarray(out)


class VideoFileSource(FrameSource):
    """A video file decoded with PyAV (FFmpeg), rotation metadata and non-square pixels
    honoured.

    Timestamps come from each frame's presentation time, so variable-frame-rate phone
    clips keep their real timing; broken timestamps (a clip joined from pieces, duplicates)
    are mended as :mod:`rom.pose.timestamps` describes and reported in ``warnings``.
    """

    def __init__(self, path: str | Path) -> None:
        import av  # local: keeps `import rom.pose.sources` light

        self.path = Path(path)
        _check_file(self.path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            cut = _file_cut_short(self.path)
            if cut is not None:
                raise VideoError(
                    f"cannot open {self.path.name} as a video: {cut}; copy the whole file "
                    "again, or re-export it from the phone"
                ) from exc
            raise VideoError(
                f"cannot open {self.path.name} as a video ({_reason(exc)}); "
                f"check the file is a complete video ({formats_text()})"
            ) from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoError(
                f"{self.path.name} has no video stream; give a video file ({formats_text()})"
            )
        stream = self._container.streams.video[0]
        # One FFmpeg thread: decoding runs ahead in rom's own thread on one core while
        # MediaPipe infers on the other (FFmpeg's own threads measured 8 % slower).
        stream.codec_context.thread_count = 1
        self._stream = stream
        cc = stream.codec_context
        if not cc.width or not cc.height:
            self._container.close()
            raise VideoError(
                f"{self.path.name}: the video stream has no frame size; the file is damaged"
            )
        fps = float(stream.average_rate or stream.guessed_rate or 0) or 30.0
        # The shortest regular frame interval: a variable-rate clip's average rate is
        # lower than the rate its fastest frames come at (the stream's guessed rate).
        guessed = float(stream.guessed_rate or 0)
        interval_fps = guessed if fps < guessed <= 4 * fps else fps
        self._header_warnings: list[str] = []
        collapsed = 0 < guessed <= MAX_PLAUSIBLE_FPS < fps and fps > 4 * guessed
        if collapsed:
            # Frames stamped (nearly) all at one time, as a broken trim script writes
            # them: the index puts 80 frames in 0.03 s (2400 fps), and the repaired
            # timeline, its durations and speeds, would be 80 times too short.
            self._header_warnings.append(
                f"{self.path.name}: its timestamps put its frames {fps:.0f} per second "
                f"apart, which no camera films; read at the stream's {guessed:.3g} fps "
                "(its nominal rate): re-export the clip if times matter"
            )
            fps = interval_fps = guessed
        if not stream.frames:
            # No frame index (Matroska, WebM, MPEG-TS): the rate is the header's word
            # (Matroska's default duration), which may not be the frames' own timing.
            timed = _rate_from_timestamps(self.path, stream.index)
            if timed is not None and abs(timed / fps - 1) > RATE_DISAGREES:
                self._header_warnings.append(
                    f"{self.path.name}: the header says {fps:.3g} fps but the frames' "
                    f"timestamps are {timed:.3g} fps apart; the timestamps are used"
                )
                fps = interval_fps = timed
        self._interval_s = 1.0 / interval_fps
        n, duration, self._n_kind = _frame_estimate(self._container, stream, fps)
        if collapsed and n:
            duration = n / fps  # the collapsed timeline's span is no duration
        rotation = self._rotation_from_first_frame()
        sar = _sample_aspect_ratio(stream)
        self._display = _display_size(cc.width, cc.height, sar)
        dw, dh = self._display
        w, h = (dw, dh) if rotation % 180 == 0 else (dh, dw)
        self.info = VideoInfo(
            path=str(self.path),
            kind="file",
            width_px=w,
            height_px=h,
            fps=fps,
            n_frames=n,
            duration_s=duration,
            rotation_deg=rotation,
            codec=cc.name,
            size_bytes=self.path.stat().st_size,
            sample_aspect_ratio=(sar.numerator, sar.denominator),
            stored_size_px=(cc.width, cc.height),
        )

    def _rotation_from_first_frame(self) -> int:
        # One decoding generator for the whole file: a second one would flush the decoder
        # again at the end (FFmpeg's "End of file" error on a one-frame clip).
        self._decode_error: str | None = None
        self._decoded = self._decode_packets()
        first = next(self._decoded, None)
        if first is None:
            self._container.close()
            if self._decode_error:
                raise VideoError(
                    f"{self.path.name}: the first frame cannot be decoded "
                    f"({self._decode_error}); the file is damaged or truncated: copy or "
                    "export the whole video again"
                )
            raise VideoError(
                f"{self.path.name} contains no decodable frame; the file is empty or truncated"
            )
        self._first = first
        rot = getattr(first, "rotation", 0) or 0
        return round(rot / 90.0) * 90 % 360

    def __iter__(self) -> Iterator[Frame]:
        from av.video.reformatter import VideoReformatter

        timeline = Timeline(self._interval_s)
        index = 0
        span_s = 0.0  # clip time at the end of the last frame decoded
        frames = self._decode_all()
        dw, dh = self._display
        # One converter to RGB for the whole clip, working on this thread alone: a
        # frame's own (``to_ndarray(format=...)``) is new for every frame, so FFmpeg sets
        # its scaler up again each time, with automatic slice threads that take the core
        # MediaPipe infers on. The pixels are the same.
        to_rgb = VideoReformatter()
        try:
            while True:
                frame = next(frames, None)
                if frame is None:
                    # A truncated or damaged stream: what was decoded is kept, and the
                    # user is told (the header's length says more than the decoder).
                    self.error = self._truncation(index, span_s)
                    if self.error is None and self._decode_error:
                        self.error = (
                            f"{self.path.name}: decoding stopped at frame {index} "
                            f"({self._decode_error}); the rest of the file is damaged or "
                            "truncated"
                        )
                    return
                duration = (
                    float(frame.duration * frame.time_base)
                    if frame.duration and frame.time_base
                    else None
                )
                ts = timeline.time(frame.time, duration)
                plausible = duration is not None and 0.25 < duration / self._interval_s < 10
                span_s = ts + (duration if plausible and duration else self._interval_s)
                # non-square pixels are made square (display size dw x dh)
                rgb = to_rgb.reformat(
                    frame, format="rgb24", width=dw, height=dh, threads=1
                ).to_ndarray()
                yield Frame(index, ts, _upright(rgb, self.info.rotation_deg))
                index += 1
        finally:
            self.timestamps = timeline.report()
            self.warnings = (
                *self._header_warnings,
                *timeline.warnings(self.path.name),
            )

    def _truncation(self, decoded: int, span_s: float) -> str | None:
        """Why the stream ended before its announced length, or None if it did not.

        ``decoded`` frames were decoded, reaching ``span_s`` seconds of clip time. A frame
        count from the stream's own index is compared with ``decoded``. Otherwise the
        announced duration is compared with ``span_s``, never with a count derived from
        the header's frame rate (which may not be the frames' real rate). The container's
        duration covers every stream (audio may outlast the video), so when it is all
        there is, the file is truncated only if no stream's packets reach that duration.
        """
        expected = self.info.n_frames
        if self._n_kind == "counted":
            if not expected or decoded >= expected - max(2, int(0.02 * expected)):
                return None
            return (
                f"{self.path.name}: the video ends at frame {decoded} of the {expected} "
                "its header announces; the file is truncated"
            )
        announced = self.info.duration_s
        if not announced or span_s >= announced - max(2 * self._interval_s, 0.02 * announced):
            return None
        if self._n_kind == "upper-bound":
            ends_s = _last_packet_end_s(self.path)
            if ends_s is None or ends_s >= announced - max(0.5, 0.02 * announced):
                return None  # another stream (audio) makes up the container's length
            return (
                f"{self.path.name}: the file ends at {ends_s:.2f} s of the {announced:.2f} s "
                f"its header announces (frame {decoded}); the file is truncated"
            )
        return (
            f"{self.path.name}: the video ends at {span_s:.2f} s of the {announced:.2f} s "
            f"its header announces (frame {decoded}); the file is truncated"
        )

    def _decode_packets(self) -> Iterator[Any]:
        """The video stream's frames, packet by packet. A packet that cannot be read or
        decoded (a file cut inside it, damaged data) ends the decoding; the frames the
        decoder already holds are still returned, and ``_decode_error`` says why."""
        import av

        codec = self._stream.codec_context
        time_base = self._stream.time_base
        packets = self._container.demux(self._stream)
        packet = None
        while True:
            try:
                packet, previous = next(packets, None), packet
                if previous is not None and previous.is_corrupt and previous.size:
                    # A damaged packet (MPEG-TS marks a join so) is decoded, unless it
                    # is the file's last: then the file was cut inside it.
                    if packet is None or not packet.size:
                        self._decode_error = "the file ends inside a frame's data"
                        break
                    yield from previous.decode()
                if packet is None:
                    return  # the last (empty) packet has flushed the decoder
                if packet.is_corrupt and packet.size:
                    continue  # decided once the next packet is read
                frames = packet.decode()
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                self._decode_error = _reason(exc)
                break
            yield from frames
        try:  # flush: the frames held for reordering
            frames = codec.decode(None)
        except av.error.FFmpegError:
            return
        for frame in frames:
            if frame.time_base is None:
                frame.time_base = time_base
            yield frame

    def _decode_all(self) -> Iterator[Any]:
        yield self._first
        del self._first
        yield from self._decoded

    def close(self) -> None:
        self._container.close()


def _frame_estimate(
    container: Any, stream: Any, fps: float
) -> tuple[int | None, float | None, str]:
    """(frames, duration in s, kind) of the video stream; ``kind`` says where they come
    from: ``counted`` (a frame count in the file), ``timed`` (a duration, the count
    derived from ``fps``), ``upper-bound`` (the container's duration with other streams
    beside the video) or ``unknown``.

    From the stream itself when possible: its frame count, its own duration (MP4/MOV
    tracks), or the per-track ``DURATION`` / ``NUMBER_OF_FRAMES`` tags that FFmpeg and
    mkvmerge write into Matroska/WebM. Otherwise the container's duration, which is the
    longest of all its streams: an upper bound when there are other streams.
    """
    tags = {str(k).upper().split("-")[0]: v for k, v in dict(stream.metadata).items()}
    duration: float | None = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif "DURATION" in tags:
        duration = _parse_clock(tags["DURATION"])
    if stream.frames:
        return int(stream.frames), duration, "counted"
    counted = tags.get("NUMBER_OF_FRAMES", "")
    if str(counted).isdigit() and int(counted) > 0:
        return int(counted), duration, "counted"
    if duration:
        return round(duration * fps), duration, "timed"
    if container.duration:
        whole = container.duration / 1e6
        others = len(container.streams) > 1
        return round(whole * fps), whole, "upper-bound" if others else "timed"
    return None, None, "unknown"


#: A measured frame rate this far (as a fraction) from the header's replaces it.
RATE_DISAGREES = 0.1
#: Frame rates above this are taken as a broken header or timeline, not a camera's: a
#: phone's slow motion films at most 240 fps.
MAX_PLAUSIBLE_FPS = 240.0
#: Packets read to measure the frame rate from the timestamps.
RATE_PACKETS = 60


def _rate_from_timestamps(path: Path, index: int) -> float | None:
    """Frames per second from the first packets' presentation times (their median
    spacing), read without decoding; None when too few are timed or the file cannot be
    read again."""
    times = [start for start, _ in itertools.islice(_packet_times(path, index), RATE_PACKETS)]
    steps = np.diff(np.unique(times))
    if len(steps) < 4:
        return None
    median = float(np.median(steps))
    # The mean of the regular steps: timestamps rounded to the container's clock
    # (33 and 34 ms) average out; a gap or a jump does not count.
    step = float(np.mean(steps[(steps > 0.5 * median) & (steps < 1.5 * median)]))
    return 1.0 / step if 1e-3 < step < 10 else None


def _packet_times(path: Path, index: int | None = None) -> Iterator[tuple[float, float]]:
    """(start, duration) in seconds of the timed packets of stream ``index`` (every
    stream when None), in file order, read again without decoding. A damaged tail ends
    the reading (what was read counts); a file that cannot be read again gives none."""
    import av

    try:
        with av.open(str(path)) as c:
            for pkt in c.demux(c.streams[index]) if index is not None else c.demux():
                if pkt.pts is not None and pkt.time_base is not None:
                    yield (
                        float(pkt.pts * pkt.time_base),
                        float((pkt.duration or 0) * pkt.time_base),
                    )
    except (av.error.FFmpegError, OSError):
        pass  # a damaged tail ends the reading: what was read counts


def _parse_clock(text: object) -> float | None:
    """Seconds from an ``HH:MM:SS.fraction`` tag, or None."""
    try:
        h, m, sec = str(text).strip().split(":")
        value = int(h) * 3600 + int(m) * 60 + float(sec)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _last_packet_end_s(path: Path) -> float | None:
    """End time (s, from the earliest start) of the last packet of any stream, reading
    packets without decoding them; None if the file cannot be read again."""
    first, end = math.inf, -math.inf
    for start, duration in _packet_times(path):
        first, end = min(first, start), max(end, start + duration)
    if not (math.isfinite(first) and math.isfinite(end)):
        return None
    return end - first


def _sample_aspect_ratio(stream: Any) -> Fraction:
    """The stored pixels' width : height (1 when square or unknown or implausible)."""
    for value in (stream.sample_aspect_ratio, stream.codec_context.sample_aspect_ratio):
        if value:
            sar = Fraction(value)
            # Real anamorphic formats range from 8:11 (NTSC DV) to 2:1; beyond 1:4..4:1 the
            # metadata is broken rather than the pixels.
            return sar if Fraction(1, 4) <= sar <= 4 else Fraction(1)
    return Fraction(1)


def _display_size(width: int, height: int, sar: Fraction) -> tuple[int, int]:
    """Frame size in square pixels: the stored size stretched (never shrunk) by ``sar``."""
    if sar > 1:
        return round(width * sar), height
    if sar < 1:
        return width, round(height / sar)
    return width, height


class CameraSource(FrameSource):
    """A webcam (by index) or a network stream (by URL), read with OpenCV.

    Timestamps are the wall-clock time of each frame's arrival since the first one.
    Stops after ``max_duration_s`` (None: until the stream ends or Ctrl-C).
    """

    def __init__(self, spec: int | str, *, max_duration_s: float | None = None) -> None:
        import cv2

        self._cap = cv2.VideoCapture(spec)
        if not self._cap.isOpened():
            raise InputError(
                f"cannot open camera or stream {spec!r}; check it is connected and not used by "
                "another program (a webcam is usually 0)"
            )
        self.max_duration_s = max_duration_s
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
        self.info = VideoInfo(str(spec), "camera", w, h, fps, None, None)

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        start = None
        last = -math.inf
        index = 0
        while True:
            ok, bgr = self._cap.read()
            if not ok:
                return
            now = time.monotonic()
            start = now if start is None else start
            if self.max_duration_s is not None and now - start > self.max_duration_s:
                return
            last = max(now - start, last + 1e-6)  # strictly increasing, as MediaPipe needs
            rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            yield Frame(index, last, rgb)
            index += 1

    def close(self) -> None:
        self._cap.release()


class ImageFolderSource(FrameSource):
    """A folder of still images taken as frames at ``fps``, in natural name order
    (``2.jpg`` before ``10.jpg``); see :mod:`rom.pose.frame_names` for order, time and
    the warnings on gaps or mixed names."""

    def __init__(self, folder: str | Path, *, fps: float = 30.0) -> None:
        import cv2

        from rom.pose.frame_names import number_frames

        if not (math.isfinite(fps) and fps > 0):
            raise InputError(f"--fps must be a frame rate above 0, got {fps}")
        self.folder = Path(folder)
        try:
            names = [p.name for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        except OSError as exc:
            raise InputError(
                f"cannot list the folder {self.folder} ({exc.strerror}); check its permissions"
            ) from exc
        numbering = number_frames(names)
        self.files = [self.folder / n for n in numbering.names]
        if not self.files:
            raise InputError(
                f"{self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                "give a folder of frames or a video file"
            )
        steps = numbering.steps or tuple(range(len(self.files)))
        self._times_s = [k / fps for k in steps]
        self.warnings = tuple(f"{self.folder.name}: {w}" for w in numbering.warnings)
        first = cv2.imread(str(self.files[0]))
        if first is None:
            raise InputError(f"cannot read image {self.files[0]}; the file is damaged")
        h, w = first.shape[:2]
        self.info = VideoInfo(
            str(self.folder), "images", w, h, fps, len(self.files), self._times_s[-1] + 1 / fps
        )

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        for i, p in enumerate(self.files):
            bgr = cv2.imread(str(p))
            if bgr is None:
                self.error = f"cannot read image {p.name}; stopped there"
                return
            if bgr.shape[:2] != (self.info.height_px, self.info.width_px):
                bgr = cv2.resize(bgr, (self.info.width_px, self.info.height_px))
            yield Frame(i, self._times_s[i], np.ascontiguousarray(bgr[:, :, ::-1]))


class MemorySource(FrameSource):
    """Frames the caller already holds, or receives live: an iterable of ``(time_s, rgb)``.

    For frames that never were a file a decoder could open: a clip decoded once and
    transformed in memory (mirrored, rotated, resized, every other frame), or frames that
    a live capture hands over one at a time (a webcam callback putting frames on a queue
    that a generator drains). :func:`rom.pose.extract.extract_poses` reads it like any
    other source.

    Parameters
    ----------
    frames : iterable of (float, ndarray)
        ``(time_s, rgb)`` pairs in order: the time in seconds (finite and strictly
        increasing, as MediaPipe's video mode requires; re-based so that the first frame is
        at 0, as for a file) and an upright RGB image of shape ``(info.height_px,
        info.width_px, 3)``, dtype uint8. The arrays are passed on as they are (copied
        only when not C-contiguous), so do not modify one after handing it over. A list
        can be iterated again; a generator once.
    info : VideoInfo
        What is known of the frames: their size (every frame must have it), the nominal
        ``fps``, and ``n_frames`` / ``duration_s`` when known. Use ``kind="memory"``
        (``"camera"`` for a live capture: the pipeline then draws no overlay, since the
        frames cannot be read again). :meth:`from_frames` builds it from the first frame.

    Raises
    ------
    InputError
        When built: ``info`` with a frame size or ``fps`` that is not positive. While
        iterating: a frame whose shape or dtype differs from ``info``, or whose time is
        not finite or not after the previous frame's (the message names the frame).

    Examples
    --------
    >>> frames = [(i / 30, np.zeros((48, 64, 3), np.uint8)) for i in range(3)]
    >>> with MemorySource.from_frames(frames, fps=30) as src:
    ...     print(src.info.width_px, src.info.height_px, src.info.n_frames)
    ...     print([(f.index, round(f.time_s, 3), f.rgb.shape) for f in src])
    64 48 3
    [(0, 0.0, (48, 64, 3)), (1, 0.033, (48, 64, 3)), (2, 0.067, (48, 64, 3))]
    """

    def __init__(self, frames: Iterable[tuple[float, np.ndarray]], info: VideoInfo) -> None:
        if info.width_px <= 0 or info.height_px <= 0 or not info.fps > 0:
            raise InputError(
                f"frames in memory need a positive frame size and fps, got "
                f"{info.width_px} x {info.height_px} px at {info.fps} fps"
            )
        self._frames = frames
        self.info = info

    @classmethod
    def from_frames(
        cls,
        frames: Iterable[tuple[float, np.ndarray]],
        *,
        fps: float,
        name: str = "<memory>",
        kind: str = "memory",
    ) -> MemorySource:
        """A source whose :class:`VideoInfo` is read off the first frame.

        ``fps`` is the nominal frame rate (the times of the frames are what counts);
        ``n_frames`` and ``duration_s`` are filled when ``frames`` has a length. A
        generator's first frame is read here and handed out again first.

        Raises
        ------
        InputError
            ``frames`` is empty, or its first item is not a ``(time_s, rgb)`` pair with an
            RGB image.
        """
        it = iter(frames)
        first = next(it, None)
        if first is None:
            raise InputError(f"{name}: no frames were given; give at least one (time_s, rgb)")
        rgb = _checked_rgb(first, 0, None, name)
        n = len(frames) if isinstance(frames, Sized) else None
        info = VideoInfo(
            path=name,
            kind=kind,
            width_px=rgb.shape[1],
            height_px=rgb.shape[0],
            fps=float(fps),
            n_frames=n,
            duration_s=n / fps if n is not None and fps > 0 else None,
        )
        replay: Iterable[tuple[float, np.ndarray]] = (
            frames if isinstance(frames, Sized) else itertools.chain([first], it)
        )
        return cls(replay, info)

    def __iter__(self) -> Iterator[Frame]:
        size = (self.info.height_px, self.info.width_px)
        t0: float | None = None
        last = -math.inf
        for index, item in enumerate(self._frames):
            rgb = _checked_rgb(item, index, size, self.info.path)
            t = float(item[0])
            if not math.isfinite(t) or t <= last:
                raise InputError(
                    f"{self.info.path}: frame {index} has time {t} s, not after the previous "
                    f"frame's {last} s; give finite, strictly increasing times in seconds"
                )
            last = t
            t0 = t if t0 is None else t0
            yield Frame(index, t - t0, np.ascontiguousarray(rgb))


def _checked_rgb(item: object, index: int, size: tuple[int, int] | None, name: str) -> np.ndarray:
    """The image of a ``(time_s, rgb)`` pair, checked to be (h, w, 3) uint8 of ``size``."""
    if not isinstance(item, tuple | list) or len(item) != 2:
        raise InputError(
            f"{name}: frame {index} must be a (time_s, rgb) pair, got {type(item).__name__}"
        )
    rgb = item[1]
    if (
        not isinstance(rgb, np.ndarray)
        or rgb.dtype != np.uint8
        or rgb.ndim != 3
        or (rgb.shape[2] != 3)
    ):
        got = (
            f"shape {rgb.shape} {rgb.dtype}" if isinstance(rgb, np.ndarray) else type(rgb).__name__
        )
        raise InputError(
            f"{name}: frame {index} must be an RGB image of shape (height, width, 3), dtype "
            f"uint8, got {got}"
        )
    if size is not None and rgb.shape[:2] != size:
        raise InputError(
            f"{name}: frame {index} is {rgb.shape[1]} x {rgb.shape[0]} px, the source's "
            f"frames are {size[1]} x {size[0]}; give every frame the same size"
        )
    return rgb


def open_source(spec: str | Path | int, *, fps: float = 30.0) -> FrameSource:
    """Open a video file, an image folder, a camera index (``0``) or a stream URL."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    text = str(spec)
    if "://" in text:
        return CameraSource(text)
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, fps=fps)
    return VideoFileSource(path)


def _check_file(path: Path) -> None:
    what = not_a_file(path)
    if what == "missing":
        raise InputError(f"no such file: {path}; check the path (use quotes if it has spaces)")
    if what is not None:
        raise InputError(f"{path} is not a file but {what}; give a video file")
    if path.stat().st_size == 0:
        raise VideoError(
            f"{path.name} is empty (0 bytes); the copy or recording failed, record again"
        )
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise InputError(
            f"cannot read {path} ({exc.strerror or exc}); check its permissions "
            "(you may need to copy it somewhere you can read)"
        ) from exc


#: Box types an ISO base media file (MP4, MOV, M4V, 3GP) can start with: ``ftyp`` as a
#: rule; ``moov``, ``mdat``, ``free``, ``skip``, ``wide`` or ``pnot`` in QuickTime files.
_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
#: More top-level boxes than any real file has: beyond it the bytes are not read as boxes.
_MAX_BOXES = 100_000
_FINISH = "the copy or the recording did not finish"


def mp4_cut_short(data: bytes | BinaryIO, size: int | None = None) -> str | None:
    """Why an ISO base media file (MP4, MOV, M4V, 3GP) is incomplete, or None.

    ``data`` is the file's bytes, or a binary file open for reading with ``size`` its
    length in bytes (only the box headers are read). The file is a sequence of top-level
    boxes (ISO/IEC 14496-12, section 4.2): a 32-bit big-endian size counting the header,
    a four-character type, then, when the size is 1, a 64-bit size; a size of 0 means the
    box runs to the end of the file. The index of the frames is the ``moov`` box, which
    phones and cameras write last. The reason (for "cannot open X as a video: REASON") is
    given when a box's declared size runs past the end of the file or there is no
    ``moov`` box; None when the file is complete as far as its boxes tell, or does not
    start like an ISO base media file (then this cannot tell what is wrong).
    """
    fh: BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    if size is None:
        size = fh.seek(0, io.SEEK_END)
    offset, n_boxes, have_moov, cut = 0, 0, False, b""
    while offset < size and n_boxes < _MAX_BOXES:
        fh.seek(offset)
        header = fh.read(16)
        if len(header) < 8:
            if n_boxes == 0:
                return None  # too short to tell what it is
            cut = b"?"  # cut inside a box's header
            break
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if n_boxes == 0 and box_type not in _FIRST_BOXES:
            return None
        if box_size == 1:
            if len(header) < 16:
                cut = box_type
                break
            box_size = struct.unpack(">Q", header[8:16])[0]
            if box_size < 16:
                return None  # not a box structure: no diagnosis
        elif box_size == 0:
            box_size = size - offset
        elif box_size < 8:
            return None
        have_moov = have_moov or box_type == b"moov"
        n_boxes += 1
        if offset + box_size > size:
            cut = box_type
            break
        offset += box_size
    if n_boxes == 0 or n_boxes >= _MAX_BOXES:
        return None
    if cut == b"moov":
        return f"it is cut short (its index, the MP4 'moov' box, is incomplete: {_FINISH})"
    if not have_moov and cut:
        return f"it is cut short (its index, the MP4 'moov' box, is missing: {_FINISH})"
    if not have_moov:
        return f"its index, the MP4 'moov' box, is missing ({_FINISH})"
    if cut:
        return f"it is cut short (the end of its frames is missing: {_FINISH})"
    return None


def _file_cut_short(path: Path) -> str | None:
    """:func:`mp4_cut_short` of the file at ``path``; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return mp4_cut_short(fh, path.stat().st_size)
    except OSError:
        return None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:120]
