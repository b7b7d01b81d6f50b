"""Frame sources: video files, cameras/streams, image folders and frames in memory,
streamed frame by frame.

Every source yields :class:`Frame` records (index, time in seconds, upright RGB image) and
never holds more than one decoded frame of its own, so memory does not grow with the
clip's length. Open a file, folder, camera or stream with :func:`open_source`; wrap frames
that are already decoded (or arrive live from another library) in :class:`MemorySource`.
Every source is used as a context manager.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from rom.errors import InputError, VideoError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class VideoInfo:
    """What is known of a source before decoding it.

    ``width_px`` and ``height_px`` describe the upright frame (after honouring rotation
    metadata); ``rotation_deg`` is the counter-clockwise rotation applied to each decoded
    frame; ``n_frames`` is the container's estimate (None for live sources).
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
    """A video file decoded with PyAV (FFmpeg), threaded, rotation metadata honoured.

    Timestamps come from each frame's presentation time, so variable-frame-rate phone clips
    keep their real timing.
    """

    def __init__(self, path: str | Path) -> None:
        import av  # local: keeps `import rom.pose.sources` light

        self.path = Path(path)
        _check_file(self.path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            raise VideoError(
                f"cannot open {self.path.name} as a video ({_reason(exc)}); "
                "check the file is a complete mp4/mov/avi/webm/mkv video"
            ) from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoError(
                f"{self.path.name} has no video stream; give a video file (mp4, mov, avi, webm, mkv)"
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
        duration = (
            float(stream.duration * stream.time_base)
            if stream.duration and stream.time_base
            else (self._container.duration / 1e6 if self._container.duration else None)
        )
        n = stream.frames or (round(duration * fps) if duration else None)
        rotation = self._rotation_from_first_frame()
        w, h = (cc.width, cc.height) if rotation % 180 == 0 else (cc.height, cc.width)
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
        )

    def _rotation_from_first_frame(self) -> int:
        import av

        try:
            first = next(self._container.decode(self._stream), None)
        except av.error.FFmpegError as exc:
            self._container.close()
            raise VideoError(
                f"{self.path.name}: the first frame cannot be decoded ({_reason(exc)}); "
                "the file is damaged or truncated"
            ) from exc
        if first is None:
            self._container.close()
            raise VideoError(
                f"{self.path.name} contains no decodable frame; the file is empty or truncated"
            )
        self._first = first
        rot = getattr(first, "rotation", 0) or 0
        return round(rot / 90.0) * 90 % 360

    def __iter__(self) -> Iterator[Frame]:
        import av

        t0: float | None = None
        last_t = -math.inf
        index = 0
        frames = self._decode_all()
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                expected = self.info.n_frames
                if expected and index < expected - max(2, int(0.02 * expected)):
                    self.error = (
                        f"{self.path.name}: the video ends at frame {index} of the {expected} "
                        "its header announces; the file is truncated"
                    )
                return
            except av.error.FFmpegError as exc:
                # A truncated or damaged stream: keep what was decoded, tell the user.
                self.error = (
                    f"{self.path.name}: decoding stopped at frame {index} ({_reason(exc)}); "
                    "the rest of the file is damaged or truncated"
                )
                return
            t = frame.time
            if t is None:
                t = index / self.info.fps
            if t0 is None:
                t0 = t
            ts = float(t - t0)
            if ts <= last_t:  # duplicate or out-of-order pts: keep time strictly increasing
                ts = last_t + 1e-6
            last_t = ts
            rgb = frame.to_ndarray(format="rgb24")
            yield Frame(index, ts, _upright(rgb, self.info.rotation_deg))
            index += 1

    def _decode_all(self) -> Iterator[Any]:
        yield self._first
        del self._first
        yield from self._container.decode(self._stream)

    def close(self) -> None:
        self._container.close()


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
    """A folder of still images (sorted by name), taken as frames at ``fps``."""

    def __init__(self, folder: str | Path, *, fps: float = 30.0) -> None:
        import cv2

        self.folder = Path(folder)
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise InputError(
                f"{self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                "give a folder of frames or a video file"
            )
        first = cv2.imread(str(self.files[0]))
        if first is None:
            raise InputError(f"cannot read image {self.files[0]}; the file is damaged")
        h, w = first.shape[:2]
        self.info = VideoInfo(
            str(self.folder), "images", w, h, fps, len(self.files), len(self.files) / fps
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
            yield Frame(i, i / self.info.fps, np.ascontiguousarray(bgr[:, :, ::-1]))


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
    if not path.exists():
        raise InputError(f"no such file: {path}; check the path (use quotes if it has spaces)")
    if not path.is_file():
        raise InputError(f"{path} is not a file; give a video file")
    if path.stat().st_size == 0:
        raise VideoError(
            f"{path.name} is empty (0 bytes); the copy or recording failed, record again"
        )


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:120]
