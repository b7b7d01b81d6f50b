"""How the browser's camera reaches the server: the WebRTC settings of the live view.

- No STUN or TURN server (:data:`RTC_CONFIGURATION`): ``streamlit-webrtc``'s default
  would contact a public one; on localhost the browser and the server connect directly
  and nothing leaves the machine.
- The camera at 640 x 360 (:data:`MEDIA_CONSTRAINTS`): enough for the pose model, whose
  landmark network sees a 256 x 256 crop of the person.
- The picture kept sharp (:func:`hold_camera_bitrate`): the browser sends at the bitrate
  the server reports it can receive (REMB, "receiver estimated maximum bitrate"), and
  aiortc's estimate is delay-based: it reads packets handled late as a congested
  network. On a busy machine, the server's own pose estimation delays the packets, and
  the estimate fell to 10-70 kbit/s: the browser then sent a blurred, ghosting picture
  at a quarter of its size, in which MediaPipe found the client in 5 % of a
  recording's frames (measured on these 2-core machines). The server therefore never
  asks for less than :data:`CAMERA_BITRATE_BPS`. A real network's congestion still
  lowers the rate: the browser also cuts it when packets are lost.
"""

from __future__ import annotations

from typing import Any

from aiortc import rtcrtpreceiver
from aiortc.rate import RemoteBitrateEstimator

#: No outside STUN/TURN server: browser and server connect directly on this machine.
RTC_CONFIGURATION: dict[str, list[object]] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": {"ideal": 640}, "height": {"ideal": 360}}, "audio": False}
#: The least bitrate (bits per second) the server reports it can receive: a 640 x 360
#: camera at 30 frames a second is sharp at 1.5-2.5 Mbit/s in VP8 (with this floor,
#: Chromium sent about 2 Mbit/s here), which a loopback or local network carries easily.
CAMERA_BITRATE_BPS = 2_500_000


class FlooredBitrateEstimator(RemoteBitrateEstimator):
    """aiortc's delay-based receive estimate (bits per second, with the stream ids it
    covers), never below :data:`CAMERA_BITRATE_BPS`."""

    def add(self, *args: Any, **kwargs: Any) -> tuple[int, list[int]] | None:
        got = super().add(*args, **kwargs)
        if got is None:
            return None
        bitrate_bps, ssrcs = got
        return max(int(bitrate_bps), CAMERA_BITRATE_BPS), ssrcs


def hold_camera_bitrate() -> None:
    """Make every WebRTC video receiver of this process report at least
    :data:`CAMERA_BITRATE_BPS` to the sender (idempotent): aiortc's receiver builds its
    estimator from the name ``aiortc.rtcrtpreceiver.RemoteBitrateEstimator``, which is
    pointed to :class:`FlooredBitrateEstimator`."""
    rtcrtpreceiver.RemoteBitrateEstimator = FlooredBitrateEstimator  # type: ignore[misc]
