"""How the browser's camera reaches the server: the WebRTC settings of the live view.

- No STUN or TURN server (:data:`RTC_CONFIGURATION`): ``streamlit-webrtc``'s default
  would contact a public one; on localhost the browser and the server connect directly
  and nothing leaves the machine.
- The camera at 640 x 360 (:data:`MEDIA_CONSTRAINTS`): enough for the pose model, whose
  landmark network sees a 256 x 256 crop of the person.
- The picture kept sharp (:func:`tune_camera_link`): the browser sends at the bitrate
  the server reports it can receive (REMB, "receiver estimated maximum bitrate"), and
  aiortc's estimate is delay-based: it reads packets handled late as a congested
  network. On a busy machine, the server's own pose estimation delays the packets, and
  the estimate fell to 10-70 kbit/s: the browser then sent a blurred, ghosting picture
  at a quarter of its size, in which MediaPipe found the client in 5 % of a
  recording's frames (measured on these 2-core machines). The server therefore never
  asks for less than :data:`CAMERA_BITRATE_BPS`. A real network's congestion still
  lowers the rate: the browser also cuts it when packets are lost.
- No packet lost while the app is busy (:data:`CAMERA_RECEIVE_BUFFER_BYTES`): the
  packets wait in the UDP socket's receive buffer until the app reads them, and the
  system's default (208 KiB, a second at 1.5 Mbit/s) overflowed while the app was busy
  (counted in ``/proc/net/snmp``'s ``RcvbufErrors``). A lost packet stalls aiortc's
  jitter buffer (the picture froze for seconds) and then breaks up the picture until
  the next key frame. The buffer is raised to 4 MiB where the system allows it
  (``net.core.rmem_max``; elsewhere the system's limit holds).
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from aioice import ice
from aiortc import rtcrtpreceiver
from aiortc.rate import RemoteBitrateEstimator

#: No outside STUN/TURN server: browser and server connect directly on this machine.
RTC_CONFIGURATION: dict[str, list[object]] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": {"ideal": 640}, "height": {"ideal": 360}}, "audio": False}
#: The least bitrate (bits per second) the server reports it can receive: a 640 x 360
#: camera at 30 frames a second is sharp at 1-2 Mbit/s in VP8, which a loopback or local
#: network carries easily; more only fills the socket faster while the app is busy.
CAMERA_BITRATE_BPS = 1_500_000
#: The receive buffer asked for on the WebRTC sockets (bytes): 20 s at that bitrate.
CAMERA_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class FlooredBitrateEstimator(RemoteBitrateEstimator):
    """aiortc's delay-based receive estimate (bits per second, with the stream ids it
    covers), never below :data:`CAMERA_BITRATE_BPS`."""

    def add(self, *args: Any, **kwargs: Any) -> tuple[int, list[int]] | None:
        got = super().add(*args, **kwargs)
        if got is None:
            return None
        bitrate_bps, ssrcs = got
        return max(int(bitrate_bps), CAMERA_BITRATE_BPS), ssrcs


def tune_camera_link() -> None:
    """Make every WebRTC video receiver of this process report at least
    :data:`CAMERA_BITRATE_BPS` to the sender, and every ICE socket it opens ask for a
    :data:`CAMERA_RECEIVE_BUFFER_BYTES` receive buffer (idempotent). aiortc's receiver
    builds its estimator from the name ``aiortc.rtcrtpreceiver.RemoteBitrateEstimator``,
    pointed to :class:`FlooredBitrateEstimator`; aioice's sockets are handed to
    ``aioice.ice.StunProtocol.connection_made``, wrapped to set the buffer."""
    rtcrtpreceiver.RemoteBitrateEstimator = FlooredBitrateEstimator  # type: ignore[misc]
    made = ice.StunProtocol.connection_made
    if not getattr(made, "rom_large_buffer", False):

        def connection_made(self: ice.StunProtocol, transport: Any) -> None:
            made(self, transport)
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):  # the system's limit holds
                    sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_RCVBUF, CAMERA_RECEIVE_BUFFER_BYTES
                    )

        connection_made.rom_large_buffer = True  # type: ignore[attr-defined]
        ice.StunProtocol.connection_made = connection_made  # type: ignore[method-assign]
