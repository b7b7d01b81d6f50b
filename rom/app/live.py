"""The live webcam view: the same per-frame pieces as a recorded clip, fed frame by frame.

A :class:`LiveSession` receives the browser's camera frames (from ``streamlit-webrtc``'s
callback thread) and

- feeds the newest one to :func:`rom.pose.extract.extract_poses`, running in its own
  thread over a :class:`LiveFrameSource` (the same landmarker, person choice and
  tracking as ``rom analyze``; at most :data:`MAX_ANALYSED_FPS` frames a second, frames
  that arrive in between are skipped for the display, never for the recording);
- computes the protocol's angles of each tracked pose with
  :func:`rom.metrics.angles.compute_angles` over the last second of poses (label swaps
  undone first, as in the pipeline) and checks the view and framing with
  :func:`rom.metrics.view.check_view` (the hints);
- draws the skeleton and the angles on the frame sent back with
  :func:`rom.overlay.draw_frame` (the overlay video's drawing);
- while recording, writes every received frame to an H.264 file that is then analysed
  like an upload.

Nothing here imports Streamlit: the page holds a session in its state and reads
:meth:`LiveSession.reading`.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import numpy as np

from rom.landmarks import N_LANDMARKS
from rom.metrics.angles import compute_angles
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.protocols import Protocol
from rom.metrics.results import describe_value
from rom.metrics.view import NOBODY_IN_VIEW, compute_view
from rom.overlay import draw_frame
from rom.pose.extract import Candidate, ExtractSettings, extract_poses
from rom.pose.sources import Frame, FrameSource, VideoInfo
from rom.pose.tracking import PersonChoice, torso_centre
from rom.sequence import PoseSequence
from rom.summary import clip_warnings

log = logging.getLogger(__name__)

#: Poses kept for the angles and the view check (seconds).
WINDOW_S = 1.0
#: The angles are recomputed this often (seconds): every catalogue angle of a window
#: costs tens of milliseconds, more than one frame's tracking.
ANGLES_EVERY_S = 0.2
#: A live angle is the median of the frames analysed over this long (seconds).
READING_S = 0.4
#: The view and framing are checked this often (seconds).
HINT_EVERY_S = 0.5
#: A client not found for this long (seconds) is looked for again as when the camera
#: started (the person chosen by a click, if any, again).
RESTART_AFTER_S = 1.5
#: The recording keeps a frame only this long (seconds) or more after the one before: a
#: quarter of the 30 fps interval it is written at, the step ``rom.pose.timestamps``
#: calls a broken timestamp below.
MIN_FRAME_STEP_S = 0.25 / 30
#: A stream's frame time more than this (s) ahead of the frames' arrival times is a
#: broken time (:class:`FrameClock`).
MAX_CLOCK_SLIP_S = 1.0
#: Frames waiting to be written to the recording before new ones are dropped (counted).
RECORDER_QUEUE_FRAMES = 240

#: The preview analyses at most this many frames a second: enough for the skeleton and
#: the readings to follow a movement. Analysing every frame took a whole core of a 2-core
#: machine and left too little for the browser and the camera link, whose lost packets
#: froze the picture (the recording is analysed frame by frame afterwards).
MAX_ANALYSED_FPS = 15.0
#: A reading older than this (seconds) is not shown: when the camera's picture stops
#: arriving (a busy machine, a dropped connection), the last angles would otherwise stay
#: on the page as if live.
STALE_AFTER_S = 2.0
#: Below this many frames analysed a second, the preview cannot follow a movement (a
#: raise lasts 1 to 2 s) and its view check sees one or two frames: the page says so.
MIN_LIVE_FPS = 4.0

#: Landmarks checked live without a protocol.
LIVE_LANDMARKS = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")

_CLOSED = object()


@dataclass(frozen=True)
class LiveReading:
    """What the page shows: the last tracked frame's angles (degrees by column; NaN when
    not measurable), the hints (empty when the view and framing are fine), the
    analysed frame rate and the recording's state."""

    time_s: float = math.nan
    angles_deg: dict[str, float] = field(default_factory=dict)
    person_seen: bool = False
    hints: tuple[str, ...] = ()
    view: str = ""
    analysed_fps: float = 0.0
    frames_received: int = 0
    recording: bool = False
    recorded_s: float = 0.0
    recorded_frames: int = 0
    #: (width, height) in pixels of the newest picture received from the browser (a
    #: browser short of processor time sends a smaller one)
    picture_px: tuple[int, int] = (0, 0)


class FrameClock:
    """Frame times (seconds) that stay continuous when the stream's own times jump.

    A WebRTC frame's time is its capture time, the right spacing for a recording; but it
    can jump (seen: 95,449 s within a recording on a busy machine, and a recording "of
    26 hours"). A step back, or one more than :data:`MAX_CLOCK_SLIP_S` longer than the
    time between the frames' arrivals, is replaced by the arrival step; the stream's
    times count from there on."""

    def __init__(self) -> None:
        self._offset_s = 0.0
        self._last: tuple[float, float] | None = None  # (time out, arrival)

    def __call__(self, stream_s: float, arrival_s: float) -> float:
        t = stream_s + self._offset_s
        if self._last is not None:
            last_t, last_arrival = self._last
            arrival_step = max(arrival_s - last_arrival, 0.0)
            if t < last_t or t - last_t > arrival_step + MAX_CLOCK_SLIP_S:
                t = last_t + arrival_step
                self._offset_s = t - stream_s
        self._last = (t, arrival_s)
        return t


class LiveFrameSource(FrameSource):
    """A :class:`FrameSource` over frames pushed from another thread.

    :meth:`push` replaces a frame not yet taken (the analysis always gets the newest
    one); iteration ends after :meth:`close`. Every frame is resized to the first frame's
    size (a WebRTC stream may change resolution under load).
    """

    def __init__(
        self,
        width_px: int,
        height_px: int,
        fps: float = 30.0,
        *,
        max_fps: float = MAX_ANALYSED_FPS,
    ) -> None:
        self.info = VideoInfo("webcam (browser)", "camera", width_px, height_px, fps, None, None)
        self.max_fps = max_fps
        self._q: queue.Queue[object] = queue.Queue(maxsize=1)
        self._index = 0

    def push(self, rgb: np.ndarray, time_s: float) -> None:
        self._put_newest((rgb, time_s))

    def close(self) -> None:
        self._put_newest(_CLOSED)

    def _put_newest(self, item: object) -> None:
        """Queue ``item``, dropping the oldest waiting one while the queue is full."""
        while True:
            try:
                self._q.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._q.get_nowait()
                except queue.Empty:
                    pass

    def __iter__(self) -> Iterator[Frame]:
        last_t = -math.inf
        next_at = -math.inf  # monotonic time the next frame may be taken (``max_fps``)
        while True:
            wait_s = next_at - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            item = self._q.get()
            if item is _CLOSED:
                return
            rgb, time_s = cast(tuple[np.ndarray, float], item)
            t = max(float(time_s), last_t + 1e-3)
            last_t = t
            next_at = time.monotonic() + 1.0 / self.max_fps
            yield Frame(self._index, t, fit_to(rgb, self.info.width_px, self.info.height_px))
            self._index += 1


def fit_to(rgb: np.ndarray, width_px: int, height_px: int) -> np.ndarray:
    """``rgb`` resized to (height_px, width_px) when it differs (C-contiguous copy)."""
    if rgb.shape[1] == width_px and rgb.shape[0] == height_px:
        return np.ascontiguousarray(rgb)
    import cv2

    return np.ascontiguousarray(cv2.resize(rgb, (width_px, height_px)))


class Recorder:
    """Writes frames to an H.264 mp4 (PyAV, ``libx264``) in its own thread, at their own
    timestamps. Frames the encoder cannot keep up with are counted in ``dropped``."""

    def __init__(self, path: Path, width_px: int, height_px: int) -> None:
        self.path = path
        self.size = (width_px // 2 * 2, height_px // 2 * 2)
        self.n_frames = 0
        self.dropped = 0
        self.first_time_s: float | None = None
        self.last_time_s: float | None = None
        self.first_rgb: np.ndarray | None = None
        self.error: str | None = None
        self._q: queue.Queue[object] = queue.Queue(maxsize=RECORDER_QUEUE_FRAMES)
        self._thread = threading.Thread(target=self._run, name="rom-live-recorder", daemon=True)
        self._thread.start()

    @property
    def duration_s(self) -> float:
        if self.first_time_s is None or self.last_time_s is None:
            return 0.0
        return self.last_time_s - self.first_time_s

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        if self.first_time_s is None:
            self.first_time_s = time_s
            self.first_rgb = rgb
        if self.last_time_s is not None and time_s < self.last_time_s + MIN_FRAME_STEP_S:
            # a repeated frame (or one a few milliseconds after the last, as WebRTC
            # sometimes delivers): MP4 needs increasing times, and a step this short
            # would read as a broken timestamp (rom.pose.timestamps) when analysed
            return
        self.last_time_s = time_s
        try:
            self._q.put_nowait((rgb, time_s - self.first_time_s))
            self.n_frames += 1
        except queue.Full:
            self.dropped += 1

    def finish(self) -> Path:
        """Flush and close the file; returns its path (raises OSError if writing failed)."""
        self._q.put(_CLOSED)
        self._thread.join()
        if self.error:
            raise OSError(self.error)
        return self.path

    def _run(self) -> None:
        import av

        w, h = self.size
        container = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
        try:
            stream = container.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"crf": "18", "preset": "ultrafast"}
            stream.time_base = Fraction(1, 1000)
            # millisecond timestamps in the codec too: a webcam's frame times are kept
            # as they came (variable frame rate), not rounded to 30 fps
            stream.codec_context.time_base = Fraction(1, 1000)
            last_pts = -1
            while True:
                item = self._q.get()
                if item is _CLOSED:
                    break
                rgb, t = cast(tuple[np.ndarray, float], item)
                pts = max(round(t * 1000), last_pts + 1)
                last_pts = pts
                frame = av.VideoFrame.from_ndarray(fit_to(rgb, w, h), format="rgb24")
                frame.pts, frame.time_base = pts, Fraction(1, 1000)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        except Exception as exc:  # noqa: BLE001 - reported by finish()
            self.error = f"the recording could not be written ({exc})"
            while self._q.get() is not _CLOSED:
                pass
        finally:
            container.close()


class LiveSession:
    """One browser camera stream: tracking, angles, hints, drawing and recording.

    Parameters
    ----------
    model_path : Path
        The pose model (``rom.pose.models.resolve_model``).
    protocol : Protocol or None
        Its angles are shown and its view and landmarks checked; without one, the
        shoulder elevations are shown and only the framing is checked.
    record_dir : Path
        Where recordings are written (``live-<time>.mp4``).
    person : PersonChoice or None
        Who to follow when several people are in view (default: largest, most central).
    """

    def __init__(
        self,
        model_path: Path,
        protocol: Protocol | None,
        record_dir: Path,
        *,
        person: PersonChoice | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.protocol = protocol
        self.record_dir = Path(record_dir)
        self.person = person
        self.columns = _display_columns(protocol)
        self._lock = threading.Lock()
        self._source: LiveFrameSource | None = None
        self._thread: threading.Thread | None = None
        self._poses: deque[tuple[float, Candidate | None]] = deque()
        self._reading = LiveReading()
        self._xy_px: np.ndarray | None = None
        self._last_hint_s = -math.inf
        self._last_angles_s = -math.inf
        self._angles: dict[str, float] = {}
        self._hints: tuple[str, ...] = ()
        self._view = ""
        self._analysed: deque[float] = deque(maxlen=30)
        self._frames_received = 0
        self._picture_px = (0, 0)
        #: monotonic time of the last frame analysed (or of tracking's start)
        self._fresh_at = -math.inf
        self._latest_rgb: np.ndarray | None = None
        self._recorder: Recorder | None = None
        self._pending: Recording | None = None
        self._record_point: tuple[float, float] | None = None
        self._clock = FrameClock()
        self.error: str | None = None

    # -- the camera side (streamlit-webrtc's thread) ---------------------------------------
    async def on_frames(self, frames: list[Any]) -> list[Any]:
        """``streamlit-webrtc``'s ``queued_video_frames_callback`` (a coroutine function):
        see :meth:`process_frames`."""
        return self.process_frames(frames)

    def process_frames(self, frames: list[Any]) -> list[Any]:
        """Record every frame (``av.VideoFrame``), analyse the newest, and return the
        newest with the skeleton and angles drawn."""
        import av

        if not frames:
            return frames
        for f in frames:
            rgb = f.to_ndarray(format="rgb24")
            arrival_s = time.monotonic()
            t = self._clock(float(f.time) if f.time is not None else arrival_s, arrival_s)
            self.push(rgb, t, analyse=f is frames[-1])
        out = av.VideoFrame.from_ndarray(self.draw(rgb), format="rgb24")
        out.pts, out.time_base = frames[-1].pts, frames[-1].time_base
        return [out]

    def push(self, rgb: np.ndarray, time_s: float, *, analyse: bool = True) -> None:
        """One camera frame (RGB, seconds): recorded if recording, analysed if asked."""
        with self._lock:
            self._frames_received += 1
            self._latest_rgb = rgb
            size = (int(rgb.shape[1]), int(rgb.shape[0]))
            if size != self._picture_px:
                log.info("camera picture %dx%d (was %dx%d)", *size, *self._picture_px)
            self._picture_px = size
            if self._source is None:
                h, w = rgb.shape[:2]
                self._fresh_at = time.monotonic()
                self._start_tracking(w, h)
            recorder, source = self._recorder, self._source
        if recorder is not None:
            assert source is not None
            recorder.write(fit_to(rgb, source.info.width_px, source.info.height_px), time_s)
        if analyse and source is not None:
            source.push(rgb, time_s)

    def draw(self, rgb: np.ndarray) -> np.ndarray:
        """The frame with the last tracked skeleton, the angles and a recording mark."""
        with self._lock:
            xy = self._xy_px
            reading = self._reading
            recording = self._recorder is not None
        if xy is None or xy.shape != (N_LANDMARKS, 2) or self._source is None:
            xy = np.full((N_LANDMARKS, 2), np.nan)
        elif (rgb.shape[1], rgb.shape[0]) != (
            self._source.info.width_px,
            self._source.info.height_px,
        ):
            sx = rgb.shape[1] / self._source.info.width_px
            sy = rgb.shape[0] / self._source.info.height_px
            xy = xy * [sx, sy]
        labels = [describe_value(c, reading.angles_deg.get(c, math.nan)) for c in self.columns]
        img = draw_frame(rgb, xy, labels)
        if recording:
            import cv2

            r = max(6, rgb.shape[0] // 40)
            cv2.circle(img, (img.shape[1] - 2 * r, 2 * r), r, (230, 30, 30), -1, cv2.LINE_AA)
        return img

    def set_protocol(self, protocol: Protocol | None) -> None:
        """Show and check another protocol's angles from the next frame on."""
        if protocol == self.protocol:
            return
        self.protocol = protocol
        self.columns = _display_columns(protocol)
        self._last_angles_s = self._last_hint_s = -math.inf

    # -- recording -----------------------------------------------------------------------
    def start_recording(self) -> None:
        with self._lock:
            if self._recorder is not None:
                return
            if self._source is None:
                raise RuntimeError("the camera has not sent any frame yet; press START first")
            self.record_dir.mkdir(parents=True, exist_ok=True)
            path = self.record_dir / f"live-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
            info = self._source.info
            self._recorder = Recorder(path, info.width_px, info.height_px)
            xy = self._xy_px
            self._record_point = (
                tuple(float(v) for v in torso_centre(xy)) if xy is not None else None  # type: ignore[assignment]
            )

    def stop_recording(self) -> Recording | None:
        """Close the recording; None when nothing was recording or no frame was written."""
        with self._lock:
            recorder, self._recorder = self._recorder, None
            point, self._record_point = self._record_point, None
        if recorder is None:
            return None
        path = recorder.finish()
        if recorder.n_frames == 0:
            path.unlink(missing_ok=True)
            return None
        return Recording(path, recorder.n_frames, recorder.duration_s, recorder.dropped, point)

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    # -- choosing the person -------------------------------------------------------------
    def latest_frame(self) -> np.ndarray | None:
        """The last frame received (RGB), e.g. for the user to click on the client."""
        with self._lock:
            return self._latest_rgb

    def choose_person(self, person: PersonChoice | None) -> None:
        """Follow someone else from the next frames (restarts the tracking)."""
        self.person = person
        with self._lock:
            source, self._source = self._source, None
            self._xy_px = None
            self._poses.clear()
        if source is not None:
            source.close()

    # -- the analysis side ----------------------------------------------------------------
    def reading(self, now_s: float | None = None) -> LiveReading:
        """What the page shows now (``now_s``: a ``time.monotonic()`` time, default now).

        When no frame has been analysed for :data:`STALE_AFTER_S`, the reading has no
        angles, nobody seen and one hint (:func:`stalled_hint`): the last angles are not
        shown as if live."""
        now = time.monotonic() if now_s is None else now_s
        with self._lock:
            reading = self._reading
            rec = self._recorder
            fr = self._frames_received
            picture_px = self._picture_px
            age_s = now - self._fresh_at
        times = list(self._analysed)
        fps = (
            (len(times) - 1) / (times[-1] - times[0])
            if len(times) > 2 and times[-1] > times[0]
            else 0.0
        )
        if fr and age_s > STALE_AFTER_S:
            reading = LiveReading(time_s=reading.time_s, hints=(stalled_hint(age_s),))
            fps = 0.0
        elif len(times) > 2 and fps < MIN_LIVE_FPS and reading.person_seen:
            # (while nobody is followed, that stays the only hint)
            busy = busy_hint(fps, picture_px)
            reading = replace(reading, hints=(busy, *(h for h in reading.hints if h != busy)))
        return LiveReading(
            time_s=reading.time_s,
            angles_deg=reading.angles_deg,
            person_seen=reading.person_seen,
            hints=reading.hints,
            view=reading.view,
            analysed_fps=fps,
            frames_received=fr,
            recording=rec is not None,
            recorded_s=rec.duration_s if rec else 0.0,
            recorded_frames=rec.n_frames if rec else 0,
            picture_px=picture_px,
        )

    def on_ended(self) -> None:
        """``streamlit-webrtc``'s ``on_video_ended``: the browser's stream stopped (STOP
        pressed, tab closed). The recording is finished and kept for :meth:`close`; the
        tracking stops."""
        rec = self.stop_recording()
        with self._lock:
            if rec is not None:
                self._pending = rec
            source, self._source = self._source, None
        if source is not None:
            source.close()

    def close(self) -> Recording | None:
        """Stop tracking and recording; returns the recording not yet handed over."""
        rec = self.stop_recording()
        with self._lock:
            rec, self._pending = rec or self._pending, None
            source, self._source = self._source, None
        if source is not None:
            source.close()
        return rec

    def _start_tracking(self, width_px: int, height_px: int) -> None:
        source = LiveFrameSource(width_px, height_px)
        self._source = source
        person = self.person
        thread = threading.Thread(
            target=self._track, args=(source, person), name="rom-live-tracking", daemon=True
        )
        self._thread = thread
        thread.start()

    def _track(self, source: LiveFrameSource, person: PersonChoice | None) -> None:
        try:
            extract_poses(
                source,
                self.model_path,
                # The preview analyses only the newest frame, as often as the machine
                # can (a few a second on a busy one): the clip rules that count
                # consecutive frames (re-sighting confirmation, two sightings to start)
                # would drop the client between analysed frames. A client lost for
                # RESTART_AFTER_S is looked for afresh (stepped out and back, the light
                # changed). The recording itself is analysed afterwards with every rule.
                settings=ExtractSettings(
                    person=person,
                    queue_frames=1,
                    confirm_after_s=math.inf,
                    start_sightings=1,
                    restart_after_s=RESTART_AFTER_S,
                ),
                on_pose=lambda frame, pose: self._on_pose(source, frame, pose),
            )
        except Exception as exc:
            log.exception("live tracking stopped")
            self.error = f"live tracking stopped: {type(exc).__name__}: {exc}"

    def _on_pose(self, source: LiveFrameSource, frame: Frame, pose: Candidate | None) -> None:
        if source is not self._source:
            return  # a tracking restarted for another person
        now = time.monotonic()
        self._analysed.append(now)
        self._poses.append((frame.time_s, pose))
        while self._poses and self._poses[0][0] < frame.time_s - WINDOW_S:
            self._poses.popleft()
        seq = _window_sequence(self._poses, (source.info.width_px, source.info.height_px))
        # A clip's frames are 1/30 s apart; the preview's, whatever the machine managed:
        # the swap check follows the heading across the preview's own frame spacing.
        seq, _ = fix_label_swaps(seq, max_step_s=swap_step_s(seq.time_s))
        seen = pose is not None
        if not seen:
            self._angles = {}
        elif frame.time_s - self._last_angles_s >= ANGLES_EVERY_S:
            self._last_angles_s = frame.time_s
            self._angles = live_angles(seq, self.columns)
        if not seen:
            # nobody followed: that is the only hint, and there is no view to speak of
            # (hints checked while someone was in view would contradict it)
            self._hints, self._view = (NOBODY_IN_VIEW,), ""
            self._last_hint_s = -math.inf
        elif frame.time_s - self._last_hint_s >= HINT_EVERY_S:
            self._last_hint_s = frame.time_s
            self._hints, self._view = live_hints(seq, self.protocol)
        values = self._angles
        xy = seq.image_xyz[-1, :, :2].astype(float) if seen else None
        with self._lock:
            self._fresh_at = now
            self._xy_px = xy
            self._reading = LiveReading(
                time_s=frame.time_s,
                angles_deg=values,
                person_seen=seen,
                hints=self._hints,
                view=self._view,
            )


@dataclass(frozen=True)
class Recording:
    """A finished webcam recording: the file, its frames and length, the frames the
    encoder dropped, and the pixel (x, y) of the client followed when it started."""

    path: Path
    n_frames: int
    duration_s: float
    dropped_frames: int
    person_point_px: tuple[float, float] | None


def stalled_hint(age_s: float) -> str:
    """The hint shown instead of readings when no frame was analysed for ``age_s`` (s)."""
    return (
        f"No new camera picture for {age_s:.0f} s (the computer or the connection is busy): "
        "the readings come back with the picture. Do not record until they do."
    )


def busy_hint(fps: float, picture_px: tuple[int, int]) -> str:
    """The hint shown while the preview analyses fewer than :data:`MIN_LIVE_FPS` frames a
    second (``fps``) of pictures of ``picture_px`` (width, height) pixels: the computer is
    too busy for live readings to follow the client; a recording is still analysed in
    full afterwards."""
    w, h = picture_px
    return (
        f"The computer is too busy to follow the client live ({fps:.1f} frames a second "
        f"analysed, camera picture {w}×{h}): the live numbers and view lag and may be wrong. "
        "Close other programs; a recording is still analysed frame by frame afterwards."
    )


def live_angles(seq: PoseSequence, columns: tuple[str, ...]) -> dict[str, float]:
    """The angles shown live (degrees by column): each column's median over the frames
    of the last :data:`READING_S` seconds (at least the last frame), so that one frame's
    misplaced landmark (MediaPipe's single-frame spread, larger when the preview skips
    frames) does not flash a wrong number; NaN when not measurable in any of them."""
    n = seq.n_frames
    start = int(np.searchsorted(seq.time_s, seq.time_s[-1] - READING_S, side="left"))
    start = min(start, n - 1)
    with_3d = any(c.endswith("_3d_deg") for c in columns)
    angles = compute_angles(seq.slice(start, n), with_3d=with_3d)
    out = {}
    for c in columns:
        if c in angles:
            x = np.asarray(angles[c], float)
            out[c] = float(np.median(x[np.isfinite(x)])) if np.isfinite(x).any() else math.nan
    return out


def swap_step_s(time_s: np.ndarray) -> float:
    """The longest step (seconds) between frames over which the label-swap check
    follows the heading: a clip's 0.25 s, or 2.5 of the preview's typical frame spacing
    when it analyses fewer frames (at most 1 s: a client may turn round in more).

    Examples
    --------
    >>> swap_step_s(np.arange(10) / 30), round(swap_step_s(np.arange(10) / 5), 3)
    (0.25, 0.5)
    """
    steps = np.diff(np.asarray(time_s, float))
    typical = float(np.median(steps)) if steps.size else 0.0
    return float(min(max(0.25, 2.5 * typical), 1.0))


def _display_columns(protocol: Protocol | None) -> tuple[str, ...]:
    if protocol is None:
        return ("shoulder_elevation_left_deg", "shoulder_elevation_right_deg")
    return protocol.angles


def _window_sequence(
    poses: deque[tuple[float, Candidate | None]], size: tuple[int, int]
) -> PoseSequence:
    times = np.array([t for t, _ in poses], float)
    seq = PoseSequence.empty(len(times), size, times)
    for i, (_, pose) in enumerate(poses):
        if pose is not None:
            xyz, raw = pose
            seq.image_xyz[i] = xyz
            seq.world_xyz[i] = raw.world
            seq.visibility[i] = raw.visibility
            seq.presence[i] = raw.presence
    return seq


def live_hints(seq: PoseSequence, protocol: Protocol | None) -> tuple[tuple[str, ...], str]:
    """Hints for the last second of poses and the view label: the same view and
    visibility checks as a recorded clip's (:func:`rom.summary.clip_warnings`), worded
    for the camera. Without a protocol the shoulders and hips must be in view. When
    nobody was followed in the window, the one hint is :data:`NOBODY_IN_VIEW` and the
    view is "" (unknown): never a view with a hint that nobody is there."""
    if not seq.detected.any():
        return (NOBODY_IN_VIEW,), ""
    view = compute_view(seq)
    landmarks = () if protocol is not None else LIVE_LANDMARKS
    hints = tuple(clip_warnings(view, protocol, landmarks, source="camera"))
    return hints, "" if view.label == "unknown" else view.label
