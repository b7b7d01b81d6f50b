"""The live webcam pieces that need no model: the frame source fed from another thread,
the recorder, and the live labels."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("streamlit_webrtc")

from rom.app.camera_link import CAMERA_BITRATE_BPS, RTC_CONFIGURATION, hold_camera_bitrate
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


def busy_server_estimates(estimator: object, seed: int) -> list[int]:
    """The bitrates (bits/s) ``estimator`` reports for 10 s of a 30 fps camera (six
    1000-byte packets a frame) whose packets a busy server handles late: the lag grows
    while the interpreter is taken by other threads and clears when it catches up."""
    import random

    rng = random.Random(seed)
    out, lag_ms = [], 0.0
    for frame_index in range(300):
        lag_ms = lag_ms + rng.uniform(0.0, 25.0) if rng.random() < 0.8 else 0.0
        for k in range(6):
            sent_ms = frame_index * 1000.0 / 30.0 + k
            got = estimator.add(  # type: ignore[attr-defined]
                arrival_time_ms=int(1000 + sent_ms + lag_ms),
                abs_send_time=int(sent_ms / 1000.0 * (1 << 18)) & 0xFFFFFF,
                payload_size=1000,
                ssrc=1,
            )
            if got is not None:
                out.append(got[0])
    return out


@pytest.mark.parametrize("seed", range(3))
def test_a_busy_server_does_not_ask_the_browser_for_a_blurred_picture(seed: int) -> None:
    """aiortc's delay-based estimate reads the server's own late packet handling as a
    congested network and asks the browser for less (down to 10 kbit/s measured in the
    live browser test, a blurred picture the pose model lost the client in); every
    receiver of the app asks for at least CAMERA_BITRATE_BPS."""
    from aiortc import rtcrtpreceiver
    from aiortc.rate import RemoteBitrateEstimator

    stock = busy_server_estimates(RemoteBitrateEstimator(), seed)
    assert stock and min(stock) < 0.5 * CAMERA_BITRATE_BPS  # the fault, reproduced

    original = rtcrtpreceiver.RemoteBitrateEstimator
    try:
        hold_camera_bitrate()
        hold_camera_bitrate()  # idempotent
        transport = type("Transport", (), {"state": "new"})()
        receiver = rtcrtpreceiver.RTCRtpReceiver("video", transport)  # type: ignore[arg-type]
        estimator = receiver._RTCRtpReceiver__remote_bitrate_estimator  # type: ignore[attr-defined]
        held = busy_server_estimates(estimator, seed)
    finally:
        rtcrtpreceiver.RemoteBitrateEstimator = original
    assert len(held) == len(stock)
    assert min(held) >= CAMERA_BITRATE_BPS
    # where aiortc's own estimate is higher, it stands
    assert [max(b, CAMERA_BITRATE_BPS) for b in stock] == held


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
