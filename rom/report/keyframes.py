"""Key frames: a still of the clip at each reported peak, skeleton drawn, faces blurred.

Taken when the analysis is stored (the video is at hand then; it need not be kept), as
JPEG. Faces are blurred by default with :func:`rom.privacy.blur_faces`; ``blur=False``
keeps them (the user's explicit choice, recorded with each frame).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rom.metrics.measure_values import MeasureValue, display_name
from rom.sequence import PoseSequence
from rom.store.store import KeyFrameImage

__all__ = ["BlurUnavailable", "extract_key_frames"]

#: Largest key frame height, pixels (a report shows them small).
MAX_HEIGHT_PX = 540
JPEG_QUALITY = 85


class BlurUnavailable(RuntimeError):
    """Faces cannot be blurred here (no face blurring in this rom): no key frame is kept."""


def _blur_function() -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    try:
        from rom.privacy import blur_faces  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BlurUnavailable(
            "face blurring (rom.privacy) is not available in this rom, so no key frames "
            "were kept; --show-faces keeps them unblurred"
        ) from None
    return blur_faces


def _wanted(seq: PoseSequence, values: Sequence[MeasureValue]) -> dict[int, list[MeasureValue]]:
    """Frame index -> the reported values whose peak is at that frame (2D first)."""
    out: dict[int, list[MeasureValue]] = {}
    t = seq.time_s
    if len(t) == 0:
        return out
    for v in sorted(values, key=lambda v: (v.estimate != "2d", v.measure, v.side, v.direction)):
        if not v.reported or v.value_time_s is None:
            continue
        i = int(np.argmin(np.abs(t - v.value_time_s)))
        out.setdefault(i, []).append(v)
    return out


def extract_key_frames(
    video: str | Path,
    seq: PoseSequence,
    values: Sequence[MeasureValue],
    *,
    blur: bool = True,
    max_frames: int = 12,
) -> list[KeyFrameImage]:
    """One JPEG per distinct peak frame of the reported ``values`` (at most
    ``max_frames``, earliest first), with the tracked skeleton and the values drawn.

    Raises :class:`BlurUnavailable` when ``blur`` is asked for and cannot be done.
    """
    import cv2

    from rom.overlay import draw_frame
    from rom.pose.sources import open_source

    blur_faces = _blur_function() if blur else None
    wanted = _wanted(seq, values)
    keep = sorted(wanted)[:max_frames]
    if not keep:
        return []
    out: list[KeyFrameImage] = []
    with open_source(video) as src:
        for frame in src:
            if frame.index > keep[-1]:
                break
            if frame.index not in wanted or frame.index not in keep:
                continue
            i = frame.index
            rgb = frame.rgb
            if blur_faces is not None:
                rgb = blur_faces(rgb, seq.image_xyz[i, :, :2], seq.visibility[i])
            vals = wanted[i]
            labels = [
                f"{display_name(v.measure, v.side)} {v.label}: "
                + ("--" if v.value_deg is None else f"{v.value_deg:.0f} deg")
                for v in vals[:4]
            ]
            img = draw_frame(rgb, seq.image_xyz[i, :, :2], labels)
            h, w = img.shape[:2]
            if h > MAX_HEIGHT_PX:
                scale = MAX_HEIGHT_PX / h
                img = cv2.resize(
                    img, (round(w * scale), MAX_HEIGHT_PX), interpolation=cv2.INTER_AREA
                )
            ok, buf = cv2.imencode(
                ".jpg",
                cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
            )
            if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB image
                continue
            caption = "; ".join(
                f"{display_name(v.measure, v.side)} {v.label} {v.value_deg:.0f} deg" for v in vals
            )
            out.append(
                KeyFrameImage(
                    time_s=float(seq.time_s[i]),
                    frame_index=i,
                    caption=f"{caption} (at {seq.time_s[i]:.2f} s)",
                    jpeg=buf.tobytes(),
                    faces_blurred=blur_faces is not None,
                )
            )
    return out
