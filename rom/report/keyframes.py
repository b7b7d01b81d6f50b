"""Key frames: a still of the clip at each reported peak, skeleton drawn, faces blurred.

Taken when the analysis is stored (the video is at hand then; it need not be kept), as
JPEG. Faces are blurred by default with :func:`rom.privacy.blur_faces`: the client's, from
the tracked landmarks, and, when a pose model is given, everyone else's in the frame too
(bystanders found by a multi-person look at that frame); then, as a second net, every
face OpenCV's face detector finds in the frame (:func:`rom.privacy.detect_faces`: a
small, distant or masked bystander whose body the pose look misses). ``blur=False``
keeps faces (the user's explicit choice, recorded with each frame).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

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
    """Blur every face of a frame: those of the poses given (``xy`` (people, 33, 2) px,
    ``vis`` (people, 33)) and those the face detector finds in it."""
    try:
        from rom.privacy import (  # type: ignore[import-not-found,unused-ignore]
            blur_face_boxes,
            blur_faces,
            detect_faces,
        )

        detect_faces(np.zeros((32, 32, 3), np.uint8))  # the detector's files are there
    except (ImportError, RuntimeError) as exc:
        raise BlurUnavailable(
            f"face blurring is not available in this rom ({exc}), so no key frames were "
            "kept; --show-faces keeps them unblurred"
        ) from None

    def blur(rgb: np.ndarray, xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
        return blur_face_boxes(blur_faces(rgb, xy, vis), detect_faces(rgb))

    return blur


class _Others:
    """Everyone's landmarks in single frames: MediaPipe (several poses) on the whole frame
    and on two overlapping halves along its long side (a whole-frame look alone misses
    small figures), one landmarker per view so that their tracking never mixes views."""

    VIEWS = ("whole", "first half", "second half")

    def __init__(self, model: Path, max_people: int) -> None:
        self.model, self.max_people = model, max_people
        self.landmarkers: dict[str, Any] = {}

    def __enter__(self) -> Self:
        from rom.pose.landmarker import Landmarker

        for view in self.VIEWS:
            self.landmarkers[view] = Landmarker(
                self.model, num_poses=self.max_people, min_detection_confidence=0.3
            )
        return self

    def __exit__(self, *exc: object) -> None:
        for lm in self.landmarkers.values():
            lm.close()

    @staticmethod
    def _box(view: str, w: int, h: int) -> tuple[int, int, int, int]:
        if view == "whole":
            return 0, 0, w, h
        first = view == "first half"
        if w >= h:
            return (0, 0, int(0.6 * w), h) if first else (int(0.4 * w), 0, w, h)
        return (0, 0, w, int(0.6 * h)) if first else (0, int(0.4 * h), w, h)

    def find(self, rgb: np.ndarray, time_s: float) -> tuple[np.ndarray, np.ndarray]:
        """(people, 33, 2) pixel positions and (people, 33) visibility (a person seen in
        two views comes twice: blurring twice changes nothing)."""
        h, w = rgb.shape[:2]
        xy, vis = [], []
        for view, lm in self.landmarkers.items():
            x0, y0, x1, y1 = self._box(view, w, h)
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
            for p in lm.detect(crop, time_s):
                xy.append(p.image[:, :2] * (x1 - x0, y1 - y0) + (x0, y0))
                vis.append(p.visibility)
        if not xy:
            return np.empty((0, 33, 2)), np.empty((0, 33))
        return np.stack(xy), np.stack(vis)


def _short(v: MeasureValue) -> str:
    """A short panel label: "abduction L 3D"."""
    side = f" {v.side[0].upper()}" if v.side else ""
    return f"{v.label}{side}{' 3D' if v.estimate == '3d' else ''}"


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
    people_model: Path | None = None,
    max_frames: int = 12,
    max_people: int = 5,
) -> list[KeyFrameImage]:
    """One JPEG per distinct peak frame of the reported ``values`` (at most
    ``max_frames``, earliest first), with the tracked skeleton and the values drawn.

    ``people_model`` (a pose ``.task`` file): also blur the faces of up to ``max_people``
    other people found in each key frame. Raises :class:`BlurUnavailable` when ``blur``
    is asked for and cannot be done.
    """
    import cv2

    from rom.overlay import draw_frame
    from rom.pose.sources import open_source

    blur_faces = _blur_function() if blur else None
    wanted = _wanted(seq, values)
    keep = set(sorted(wanted)[:max_frames])
    if not keep:
        return []
    last = max(keep)
    out: list[KeyFrameImage] = []
    others = _Others(people_model, max_people) if blur_faces is not None and people_model else None
    with contextlib.ExitStack() as stack:
        if others is not None:
            stack.enter_context(others)
        src = stack.enter_context(open_source(video))
        for frame in src:
            if frame.index > last:
                break
            if frame.index not in keep:
                continue
            i = frame.index
            rgb = frame.rgb
            if blur_faces is not None:
                xy, vis = seq.image_xyz[i : i + 1, :, :2], seq.visibility[i : i + 1]
                if others is not None:
                    oxy, ovis = others.find(rgb, frame.time_s)
                    xy, vis = np.concatenate([xy, oxy]), np.concatenate([vis, ovis])
                rgb = blur_faces(rgb, xy, vis)
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
