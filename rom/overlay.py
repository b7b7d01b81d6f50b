"""The overlay video: the clip with the tracked skeleton and live angle values, the
client's face blurred (:mod:`rom.privacy`) unless asked otherwise.

Encoded H.264 (yuv420p, ``+faststart``) with PyAV so that browsers (the dashboard) play
it; OpenCV's ``mp4v`` output does not play in browsers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from rom.files import atomic_path
from rom.landmarks import SKELETON
from rom.metrics.results import describe_value
from rom.metrics.series import AngleSeries
from rom.pose.sources import open_source
from rom.privacy import blur_faces as blur
from rom.sequence import PoseSequence

#: Angles shown when no protocol names its own.
DEFAULT_OVERLAY_ANGLES = (
    "shoulder_elevation_left_deg",
    "shoulder_elevation_right_deg",
    "elbow_flexion_left_deg",
    "elbow_flexion_right_deg",
    "hip_flexion_left_3d_deg",
    "hip_flexion_right_3d_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "trunk_inclination_deg",
    "head_tilt_deg",
)

#: Clips whose longer side exceeds this (pixels) are scaled down to it: 4K frames are slow
#: to encode and no screen shows them whole; Full HD, landscape or portrait, and anything
#: smaller keeps its resolution.
MAX_SIDE_PX = 1920

_LEFT = (255, 140, 0)  # RGB: the person's left side in orange
_RIGHT = (0, 170, 255)  # right side in blue
_MID = (235, 235, 235)


def _colour(a: int, b: int) -> tuple[int, int, int]:
    odd = {a % 2, b % 2}
    if a <= 10 or b <= 10 or odd == {0, 1}:
        return _MID
    return _LEFT if a % 2 == 1 else _RIGHT


def draw_frame(
    rgb: np.ndarray,
    xy_px: np.ndarray,
    labels: Sequence[str],
) -> np.ndarray:
    """Draw the skeleton (33, 2 pixels; NaN = not seen) and a panel of text ``labels``
    (one line each, e.g. from :func:`rom.metrics.results.describe_value`) on a copy of an
    RGB frame."""
    import cv2

    img = rgb.copy()
    h, w = img.shape[:2]
    scale = min(h, w) / 1000.0
    thick = max(2, round(3 * scale))
    if np.isfinite(xy_px).all():
        pts = np.round(xy_px).astype(int)
        for a, b in SKELETON:
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), _colour(a, b), thick, cv2.LINE_AA)
        for i, p in enumerate(pts):
            if i > 10:
                cv2.circle(img, tuple(p), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)
    font_scale = 0.45 * scale + 0.15
    line_h = int(22 * scale + 6)
    panel_w = int(560 * scale + 60)
    panel_h = line_h * len(labels) + line_h // 2
    # The panel goes in the top corner away from the person, so it never hides them.
    seen = xy_px[np.isfinite(xy_px).all(axis=1)]
    x0 = w - panel_w if len(seen) and seen[:, 0].mean() < w / 2 else 0
    region = img[0:panel_h, x0 : x0 + panel_w]
    region[:] = (region * 0.35).astype(np.uint8)
    for i, text in enumerate(labels):
        cv2.putText(
            img,
            text,
            (x0 + 8, line_h * (i + 1)),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (255, 255, 255),
            max(1, thick // 2),
            cv2.LINE_AA,
        )
    return img


def write_overlay(
    source: str | Path,
    seq: PoseSequence,
    angles: AngleSeries,
    path: str | Path,
    *,
    columns: Sequence[str] = DEFAULT_OVERLAY_ANGLES,
    max_side_px: int = MAX_SIDE_PX,
    blur_faces: bool = True,
    fps_for_images: float = 30.0,
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Re-read ``source`` and write the overlay video to ``path`` (H.264 mp4), at the
    clip's own resolution (scaled down only when its longer side exceeds ``max_side_px``), with each
    angle in words (:func:`rom.metrics.results.describe_value`).

    The tracked person's face is blurred (:func:`rom.privacy.blur_faces`) unless
    ``blur_faces`` is False; in frames where they were not measured, the head position of
    the nearest measured frame within :data:`BLUR_HOLD_S` is blurred. Frame times are
    ``seq.time_s`` (the analysis's own), written on a 1/90000 s clock and kept strictly
    increasing, so duplicate or near-duplicate source timestamps cannot break the file.
    The file appears under its name only once complete (:func:`rom.files.atomic_path`).
    """
    import av
    import cv2

    path = Path(path)
    shown = [c for c in columns if c in angles.names]
    fps = seq.fps or 30.0
    held = _held_poses(seq, BLUR_HOLD_S) if blur_faces else None
    with atomic_path(path) as tmp:
        container = av.open(str(tmp), mode="w", options={"movflags": "+faststart"})
        try:
            w, h = seq.image_size_px
            scale = min(1.0, max_side_px / max(w, h, 1))
            ow, oh = max(int(w * scale) // 2 * 2, 2), max(int(h * scale) // 2 * 2, 2)
            stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = ow, oh, "yuv420p"
            stream.options = {"crf": "23", "preset": "veryfast"}
            stream.time_base = _CLOCK
            stream.codec_context.time_base = _CLOCK
            last_pts = -1
            with open_source(source, fps=fps_for_images) as src:
                for frame in src:
                    i = frame.index
                    if i >= seq.n_frames:
                        break
                    rgb = frame.rgb
                    if held is not None:
                        xy, vis = held
                        rgb = blur(rgb, xy[i], vis[i])
                    labels = [describe_value(c, float(angles[c][i])) for c in shown]
                    img = draw_frame(rgb, seq.image_xyz[i, :, :2], labels)
                    if (ow, oh) != (img.shape[1], img.shape[0]):
                        img = cv2.resize(img, (ow, oh), interpolation=cv2.INTER_AREA)
                    vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                    last_pts = max(round(float(seq.time_s[i]) / _CLOCK), last_pts + 1)
                    vf.pts = last_pts
                    vf.time_base = _CLOCK
                    for packet in stream.encode(vf):
                        container.mux(packet)
                    if on_frame is not None:
                        on_frame(i)
            for packet in stream.encode():
                container.mux(packet)
        finally:
            container.close()
    return path


#: Frames where the person was not measured get the head of the nearest measured frame
#: within this many seconds blurred (brief tracking losses do not unblur the face).
BLUR_HOLD_S = 0.5
_CLOCK = Fraction(1, 90000)


def _held_poses(seq: PoseSequence, hold_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 33, 2) pixels and (frames, 33) visibility: each frame's own pose, or the
    nearest measured frame's within ``hold_s`` seconds, or NaN."""
    xy = seq.image_xyz[:, :, :2].astype(float)
    vis = seq.visibility.astype(float)
    seen = np.flatnonzero(seq.detected)
    if len(seen) == 0 or len(seen) == seq.n_frames:
        return xy, vis
    t = seq.time_s
    pos = np.clip(np.searchsorted(t[seen], t), 1, len(seen)) if len(seen) > 1 else None
    out_xy, out_vis = xy.copy(), vis.copy()
    for i in np.flatnonzero(~seq.detected):
        if pos is None:
            j = seen[0]
        else:
            a, b = seen[pos[i] - 1], seen[min(pos[i], len(seen) - 1)]
            j = a if abs(t[a] - t[i]) <= abs(t[b] - t[i]) else b
        if abs(t[j] - t[i]) <= hold_s:
            out_xy[i], out_vis[i] = xy[j], vis[j]
    return out_xy, out_vis
