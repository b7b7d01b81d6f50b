"""The live webcam pieces that need no model: the frame source fed from another thread,
the recorder, and the live labels."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("streamlit_webrtc")

from rom.app.camera_link import RTC_CONFIGURATION
from rom.app.live import LiveFrameSource, Recorder
from rom.app.webcam import live_text


def frame(value: int, h: int = 36, w: int = 64) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def test_the_analysis_gets_the_newest_frame_and_stops_when_closed() -> None:
    src = LiveFrameSource(64, 36)
    src.push(frame(1), 0.00)
    src.push(frame(2), 0.03)  # replaces the frame not yet taken
    got = []
    done = threading.Event()

    def consume() -> None:
        for f in src:
            got.append((f.index, f.time_s, int(f.rgb[0, 0, 0]), f.rgb.shape))
        done.set()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    while not got:
        threading.Event().wait(0.01)
    src.push(frame(3, 72, 128), 0.03)  # same time again, another size
    while len(got) < 2:
        threading.Event().wait(0.01)
    src.close()
    assert done.wait(10)
    assert got[0][:3] == (0, 0.03, 2)
    assert got[1][0] == 1 and got[1][1] > got[0][1]  # time kept strictly increasing
    assert got[1][3] == (36, 64, 3)  # resized to the first frame's size


def test_the_recorder_writes_every_frame_at_its_time_in_h264(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "live.mp4", 65, 37)  # odd sizes are made even
    times = [10.0 + 0.04 * i for i in range(25)]
    for i, t in enumerate(times):
        rec.write(frame(10 * (i % 20), 37, 65), t)
    rec.write(frame(0, 37, 65), times[-1])  # a repeated time is skipped
    rec.write(frame(0, 37, 65), times[-1] + 0.004)  # and one 4 ms after (WebRTC bursts)
    path = rec.finish()
    assert rec.n_frames == 25 and rec.dropped == 0
    assert math.isclose(rec.duration_s, 0.96, abs_tol=1e-9)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and (s.width, s.height) == (64, 36)
        decoded = [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(s)]
    assert len(decoded) == 25
    from rom.pose.sources import open_source

    with open_source(path) as src:  # analysed, the recording's times are not "broken"
        n = sum(1 for _ in src)
        assert n == 25 and not src.warnings, src.warnings
        assert (src.timestamps or {}).get("near_duplicates", 0) == 0, src.timestamps
    np.testing.assert_allclose([t for t, _ in decoded], [t - 10.0 for t in times], atol=2e-3)
    assert abs(int(decoded[5][1][18, 32, 1]) - 50) <= 6  # the content survives encoding


def test_live_labels_say_side_and_direction_in_words() -> None:
    assert live_text("shoulder_abduction_left_deg", 85.4) == ("left shoulder abduction", "85°")
    assert live_text("shoulder_abduction_right_3d_deg", -8.0) == (
        "right shoulder abduction 3D",
        "8° (adduction)",
    )
    assert live_text("neck_rotation_deg", math.nan) == ("neck rotation", "—")


def test_no_outside_stun_or_turn_server() -> None:
    assert RTC_CONFIGURATION == {"iceServers": []}


def test_a_live_angle_is_the_median_of_the_last_frames_not_one_frame() -> None:
    """One frame with a misplaced arm (MediaPipe's single-frame spread) does not flash a
    wrong number: the reading is the median of the frames analysed in the last 0.4 s."""
    from rom.app.live import READING_S, live_angles
    from tests.synthetic import Camera, make_sequence

    FAR = Camera.far()

    seq = make_sequence(camera=FAR, fps=10.0, shoulder_abduction_left=[40, 90, 90, 90, 150])
    col = "shoulder_abduction_left_deg"
    got = live_angles(seq, (col,))[col]
    assert got == pytest.approx(90.0, abs=1.0)
    assert READING_S < 0.5  # the 40 of 0.4 s before is outside the window
    # a single frame is its own reading
    one = live_angles(seq.slice(4, 5), (col,))[col]
    assert one == pytest.approx(150.0, abs=1.0)


# --- the live panel never contradicts itself ---------------------------------------------

#: Words of a recorded clip, wrong for a live camera.
CLIP_WORDS = ("clip", "video")


def test_hints_over_a_window_without_anybody_say_only_that() -> None:
    """Nobody in the last second: one hint about the camera, and no view."""
    from rom.app.live import live_hints
    from rom.metrics.protocols import load_protocols
    from rom.metrics.view import NOBODY_IN_VIEW
    from rom.sequence import PoseSequence

    empty = PoseSequence.empty(8, (640, 360), np.arange(8) / 8)
    for protocol in (None, load_protocols()["shoulder-abduction"]):
        hints, view = live_hints(empty, protocol)
        assert hints == (NOBODY_IN_VIEW,) and view == ""
        assert not any(w in NOBODY_IN_VIEW for w in CLIP_WORDS)


def test_live_hints_speak_of_the_camera_and_match_the_view() -> None:
    """A client turned away from the protocol's view, half out of the picture: the same
    checks as a clip, worded for the camera; the view shown is the one the hints judge."""
    from rom.app.live import live_hints
    from rom.metrics.protocols import load_protocols
    from tests.synthetic import Camera, make_sequence

    seq = make_sequence(
        camera=Camera.far(), yaw_deg=90.0, fps=10.0, shoulder_abduction_left=[30, 60, 90, 60, 30]
    )
    seq.image_xyz[:3, :, 1] += 10_000.0  # out of the picture in 3 of 5 frames
    protocol = load_protocols()["shoulder-abduction"]  # needs a front view
    hints, view = live_hints(seq, protocol)
    assert view.endswith("side")
    assert any("needs a front" in h for h in hints), hints
    assert any("outside the image" in h and "recent frames" in h for h in hints), hints
    for h in hints:
        assert not any(w in h for w in CLIP_WORDS), h


def _camera_frames(path: Path, n: int) -> list[np.ndarray]:
    """The first ``n`` frames of the outdoor clip framed as a 640 x 360 webcam would
    (the man on the box; as tests/integration/test_app_live.py)."""
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= n:
                break
            g = f.to_ndarray(format="rgb24")
            h, w = g.shape[:2]
            crop = np.ascontiguousarray(g[: round(0.5 * h), round(0.085 * w) : round(0.585 * w)])
            out.append(av.VideoFrame.from_ndarray(crop).reformat(640, 360).to_ndarray("rgb24"))
    return out


def test_the_live_panel_never_shows_a_view_while_nobody_is_followed(
    shared_dir: Path, shared_model: Path, tmp_path: Path
) -> None:
    """Real frames through a LiveSession (real model and tracking): while the client is
    followed, a view and no "nobody" hint; when the picture empties, only the nobody
    hint and no view; when they are back, their hints again at once (no stale "nobody")."""

    from rom.app.live import LiveSession
    from rom.metrics.protocols import load_protocols
    from rom.metrics.view import NOBODY_IN_VIEW
    from tests.app_support import OUTDOOR

    frames = _camera_frames(shared_dir / "clips" / OUTDOOR, 24)
    live = LiveSession(shared_model, load_protocols()["shoulder-abduction"], tmp_path)
    clock = [0.0]

    def show(rgb: np.ndarray) -> object:
        """Push one frame and wait until it is analysed; its reading."""
        clock[0] += 1 / 15
        live.push(rgb, clock[0])
        deadline = time.monotonic() + 60
        while not live.reading().time_s >= clock[0] - 1e-6:  # NaN before the first
            assert live.error is None, live.error
            assert time.monotonic() < deadline, "the frame was not analysed"
            time.sleep(0.01)
        return live.reading()

    try:
        readings = [show(f) for f in frames[:12]]
        seen = [r for r in readings if r.person_seen]  # type: ignore[attr-defined]
        assert seen, "the client was never followed"
        for r in seen:
            assert NOBODY_IN_VIEW not in r.hints and r.view  # type: ignore[attr-defined]
        empty = np.full_like(frames[0], 90)
        gone = [show(empty) for _ in range(4)]
        for r in gone:
            assert not r.person_seen  # type: ignore[attr-defined]
            assert r.hints == (NOBODY_IN_VIEW,) and r.view == ""  # type: ignore[attr-defined]
        back = [show(f) for f in frames[12:]]
        for r in back:
            if r.person_seen:  # type: ignore[attr-defined]
                assert NOBODY_IN_VIEW not in r.hints and r.view  # type: ignore[attr-defined]
            else:
                assert r.hints == (NOBODY_IN_VIEW,) and r.view == ""  # type: ignore[attr-defined]
        assert any(r.person_seen for r in back)  # type: ignore[attr-defined]
        for r in (*readings, *gone, *back):
            for h in r.hints:  # type: ignore[attr-defined]
                assert not any(w in h for w in CLIP_WORDS), h
    finally:
        live.close()


def test_a_jump_in_the_streams_frame_times_does_not_stretch_the_recording() -> None:
    """A WebRTC frame time that jumps (a recording read as 95,449 s long in CI) or goes
    back is replaced by the time between arrivals; ordinary variable spacing is kept."""
    from rom.app.live import FrameClock

    clock = FrameClock()
    stream = [10.0, 10.033, 10.09, 95458.9, 95458.933, 9.0, 9.04]
    arrival = [0.0, 0.035, 0.09, 0.125, 0.16, 0.2, 0.24]
    t = [clock(s, a) for s, a in zip(stream, arrival)]
    np.testing.assert_allclose(np.diff(t), [0.033, 0.057, 0.035, 0.033, 0.04, 0.04], atol=1e-9)
    assert t[0] == 10.0


def test_the_preview_analyses_at_most_its_frame_rate() -> None:
    """Frames pushed far faster than ``max_fps`` reach the analysis no faster (on a slow
    machine fewer, never more): the rest of the machine is left to the camera link."""

    src = LiveFrameSource(64, 36, max_fps=10.0)
    stop = threading.Event()

    def camera() -> None:
        t = 0.0
        while not stop.is_set():
            t += 0.005
            src.push(frame(1), t)
            time.sleep(0.005)

    threading.Thread(target=camera, daemon=True).start()
    taken: list[float] = []
    for _ in src:
        taken.append(time.monotonic())
        if taken[-1] - taken[0] >= 1.0:
            break
    stop.set()
    src.close()
    span_s = taken[-1] - taken[0]
    # n frames span n - 1 intervals of at least 1 / max_fps
    assert (len(taken) - 1) / 10.0 <= span_s + 1e-3, (len(taken), span_s)


def test_a_reading_is_not_shown_once_the_picture_stops_arriving(
    shared_dir: Path, shared_model: Path, tmp_path: Path
) -> None:
    """Real frames through a LiveSession: the client's angles while frames arrive; once no
    frame has been analysed for STALE_AFTER_S, no angles, nobody seen and the hint that the
    picture stopped (the last angles are not shown as if live); a new frame brings them
    back."""

    from rom.app.live import STALE_AFTER_S, LiveSession
    from rom.metrics.protocols import load_protocols
    from tests.app_support import OUTDOOR

    frames = _camera_frames(shared_dir / "clips" / OUTDOOR, 8)
    live = LiveSession(shared_model, load_protocols()["shoulder-abduction"], tmp_path)

    def show(rgb: np.ndarray, t: float) -> None:
        live.push(rgb, t)
        deadline = time.monotonic() + 60
        while not live.reading().time_s >= t - 1e-6:
            assert live.error is None, live.error
            assert time.monotonic() < deadline, "the frame was not analysed"
            time.sleep(0.01)

    try:
        for i, f in enumerate(frames):
            show(f, i / 15)
        now = time.monotonic()
        fresh = live.reading(now_s=now)
        assert fresh.person_seen and any(math.isfinite(v) for v in fresh.angles_deg.values())
        stale = live.reading(now_s=now + STALE_AFTER_S + 1.0)
        assert not stale.person_seen and stale.angles_deg == {} and stale.view == ""
        assert len(stale.hints) == 1 and "No new camera picture" in stale.hints[0]
        assert stale.analysed_fps == 0.0
        show(frames[0], 1.0)
        again = live.reading()
        assert again.hints != stale.hints and again.person_seen
    finally:
        live.close()


def test_a_preview_too_slow_to_follow_the_client_says_so(tmp_path: Path) -> None:
    """Below MIN_LIVE_FPS analysed frames a second (a busy machine: 1 frame/s and a
    480 x 270 picture from the browser in a loaded run), the first hint says the live
    numbers lag, with the rate and the picture's size; at a normal rate it is not said."""
    from rom.app.live import MIN_LIVE_FPS, LiveReading, LiveSession
    from rom.metrics.view import NOBODY_IN_VIEW

    live = LiveSession(tmp_path / "no-model.task", None, tmp_path)
    live._frames_received, live._picture_px = 50, (480, 270)
    live._reading = LiveReading(time_s=1.0, person_seen=True)
    now = time.monotonic()
    live._fresh_at = now
    live._analysed.extend([now - 2.0, now - 1.0, now])  # 1 frame a second
    slow = live.reading(now_s=now)
    assert slow.hints and "too busy to follow the client live (1.0 frames" in slow.hints[0]
    assert "480×270" in slow.hints[0] and slow.analysed_fps < MIN_LIVE_FPS
    # while nobody is followed, that stays the only hint
    live._reading = LiveReading(time_s=1.0, hints=(NOBODY_IN_VIEW,))
    assert live.reading(now_s=now).hints == (NOBODY_IN_VIEW,)
    live._reading = LiveReading(time_s=1.0, person_seen=True)
    live._analysed.clear()
    live._analysed.extend(now - 0.1 * i for i in range(10, -1, -1))  # 10 frames a second
    assert not any("too busy" in h for h in live.reading(now_s=now).hints)
