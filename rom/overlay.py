"""The overlay video: the clip with the tracked skeleton and live angle values, the
client's face blurred (:mod:`rom.privacy`) unless asked otherwise.

Encoded H.264 (yuv420p, ``+faststart``) with PyAV so that browsers (the dashboard) play
it; OpenCV's ``mp4v`` output does not play in browsers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


#: The labels' text height (cv2's height of a line of capitals) as a fraction of the
#: frame's shorter side: a caption's size, readable on a phone and across a room.
TEXT_HEIGHT_FRACTION = 0.04
#: ... never below this many pixels (a small webcam picture or key frame stays readable).
MIN_TEXT_HEIGHT_PX = 12
#: The panel of labels is kept within this fraction of the frame's width and height
#: (a portrait clip or many labels make the text smaller), down to the minimum above.
MAX_PANEL_FRACTION = 0.6
_FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class LabelLayout:
    """The size of the label panel on one frame (pixels; ``font_scale`` is cv2's):
    ``text_h_px`` the height of capitals, ``line_h_px`` from one line's top to the next."""

    font_scale: float
    thickness: int
    text_h_px: int
    line_h_px: int
    pad_px: int
    panel_w_px: int
    panel_h_px: int


def _thickness(scale: float) -> int:
    return max(1, round(2.0 * scale))


def label_layout(height_px: int, width_px: int, labels: Sequence[str]) -> LabelLayout:
    """Text size and panel size for ``labels`` on a ``height_px`` x ``width_px`` frame:
    capitals :data:`TEXT_HEIGHT_FRACTION` of the shorter side high, made smaller if the
    panel would cover more than :data:`MAX_PANEL_FRACTION` of the frame's width or
    height, never below :data:`MIN_TEXT_HEIGHT_PX`."""
    import cv2

    texts = list(labels) or ["M"]

    def size(scale: float) -> tuple[int, int]:
        """(widest label, capitals' height) in pixels."""
        sizes = [cv2.getTextSize(t, _FONT, scale, _thickness(scale))[0] for t in texts]
        return max(w for w, _ in sizes), max(h for _, h in sizes)

    w1, h1 = size(1.0)
    n = max(len(labels), 1)
    want_h = TEXT_HEIGHT_FRACTION * min(height_px, width_px)
    # the panel: 1.7 text heights a line, one text height of padding in all
    fit_h = MAX_PANEL_FRACTION * height_px / (1.7 * n + 0.3)
    fit_w = MAX_PANEL_FRACTION * width_px / (w1 / h1 + 1.0)
    scale = max(min(want_h, fit_h, fit_w), MIN_TEXT_HEIGHT_PX) / h1
    w, h = size(scale)
    while h < MIN_TEXT_HEIGHT_PX:  # the thickness rounds: grow to the minimum
        scale *= 1.04
        w, h = size(scale)
    pad = max(4, round(0.5 * h))
    line_h = round(1.7 * h)
    return LabelLayout(
        font_scale=scale,
        thickness=_thickness(scale),
        text_h_px=h,
        line_h_px=line_h,
        pad_px=pad,
        panel_w_px=min(w + 2 * pad, width_px),
        panel_h_px=min(line_h * (n - 1) + round(1.3 * h) + 2 * pad, height_px),
    )


def draw_frame(
    rgb: np.ndarray,
    xy_px: np.ndarray,
    labels: Sequence[str],
) -> np.ndarray:
    """Draw the skeleton (33, 2 pixels; NaN = not seen) and a panel of text ``labels``
    (one line each, e.g. from :func:`rom.metrics.results.describe_value`) on a copy of an
    RGB frame: white text on a dark box in the top corner away from the person, sized to
    the frame (:func:`label_layout`)."""
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
    if not labels:
        return img
    lay = label_layout(h, w, labels)
    # The panel goes in the top corner away from the person, so it never hides them.
    seen = xy_px[np.isfinite(xy_px).all(axis=1)]
    x0 = w - lay.panel_w_px if len(seen) and seen[:, 0].mean() < w / 2 else 0
    region = img[0 : lay.panel_h_px, x0 : x0 + lay.panel_w_px]
    region[:] = (region * 0.25).astype(np.uint8)
    for i, text in enumerate(labels):
        # putText's origin is the baseline: capitals' tops pad_px below the line's top
        y = lay.pad_px + i * lay.line_h_px + lay.text_h_px
        cv2.putText(
            img,
            text,
            (x0 + lay.pad_px, y),
            _FONT,
            lay.font_scale,
            (255, 255, 255),
            lay.thickness,
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
