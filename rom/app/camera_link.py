"""How the browser's camera reaches the server: the WebRTC settings of the live view.

- No STUN or TURN server (:data:`RTC_CONFIGURATION`): ``streamlit-webrtc``'s default
  would contact a public one; on localhost the browser and the server connect directly
  and nothing leaves the machine.
- The camera at 640 x 360 (:data:`MEDIA_CONSTRAINTS`): enough for the pose model, whose
  landmark network sees a 256 x 256 crop of the person.

Known limit: aiortc's receiver reports to the browser the bitrate it can receive from
the delay of its packets (REMB), and reads the app's own busy moments as a congested
network: on a loaded 2-core machine it asked for 10-70 kbit/s and the browser sent a
blurred picture. Raising that floor (tried: 1.5-2.5 Mbit/s, with a 1-4 MiB socket
buffer) made the busy app drop packets instead (``RcvbufErrors``), which froze and then
broke up the picture; it is left at aiortc's estimate until the loss recovery is solved.
"""

from __future__ import annotations

#: No outside STUN/TURN server: browser and server connect directly on this machine.
RTC_CONFIGURATION: dict[str, list[object]] = {"iceServers": []}
MEDIA_CONSTRAINTS = {"video": {"width": {"ideal": 640}, "height": {"ideal": 360}}, "audio": False}
