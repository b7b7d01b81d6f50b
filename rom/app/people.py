"""Who is in a frame, so the user can click on the client (``--person X,Y``).

The poses come from the same landmarker and settings the analysis starts with (several
poses, the extraction's detection confidence), and a click is resolved with the same
rule (:func:`rom.pose.tracking.choose_person` with a point), so the person the user
clicked is the person the analysis follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rom.pose.extract import SEARCH_POSES, ExtractSettings
from rom.pose.tracking import PersonChoice, body_box, choose_person


@dataclass(frozen=True)
class Person:
    """One pose found in a frame: landmarks (33, 2) in pixels and visibility (33,)."""

    xy_px: np.ndarray
    visibility: np.ndarray

    @property
    def box_px(self) -> np.ndarray:
        """(x0, y0, x1, y1) of the landmarks seen."""
        return body_box(self.xy_px, self.visibility)


def find_people(rgb: np.ndarray, model_path: str | Path) -> list[Person]:
    """Every person MediaPipe finds in one upright RGB frame (at most 4), left to right."""
    return first_people([(0.0, rgb)], model_path)[1]


def first_people(
    frames: Iterable[tuple[float, np.ndarray]], model_path: str | Path
) -> tuple[int, list[Person]]:
    """The first of ``frames`` ((time in s, upright RGB), in time order) where anyone is
    found, as the analysis' person search starts, and the people in it, left to right;
    ``(-1, [])`` when nobody is found in any."""
    from rom.pose.landmarker import Landmarker

    settings = ExtractSettings()
    with Landmarker(
        model_path,
        num_poses=SEARCH_POSES,
        min_detection_confidence=settings.min_detection_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    ) as lm:
        for i, (t, rgb) in enumerate(frames):
            h, w = rgb.shape[:2]
            poses = lm.detect(np.ascontiguousarray(rgb), t)
            if poses:
                people = [
                    Person(p.image[:, :2] * np.array([w, h], np.float32), p.visibility)
                    for p in poses
                ]
                return i, sorted(people, key=lambda p: float(np.nanmean(p.xy_px[:, 0])))
    return -1, []


def person_at(
    people: list[Person], point_px: tuple[float, float], size_px: tuple[int, int]
) -> int | None:
    """Index of the person at a clicked pixel, by the analysis' own rule; None if nobody."""
    return choose_person(
        [(p.xy_px, p.visibility) for p in people], size_px, PersonChoice(point_px=point_px)
    )


def default_person(people: list[Person], size_px: tuple[int, int]) -> int | None:
    """Index of the person the analysis picks by itself (largest, most central)."""
    return choose_person([(p.xy_px, p.visibility) for p in people], size_px, None)


def draw_people(rgb: np.ndarray, people: list[Person], chosen: int | None) -> np.ndarray:
    """The frame with each person's box and number; the chosen one drawn thick with
    "client" written beside the number (not by colour alone)."""
    import cv2

    img = rgb.copy()
    scale = max(img.shape[:2]) / 1000.0
    for i, p in enumerate(people):
        x0, y0, x1, y1 = (int(v) for v in np.round(p.box_px))
        mine = i == chosen
        colour = (255, 200, 0) if mine else (255, 255, 255)
        thick = max(2, round((6 if mine else 2) * scale))
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, thick, cv2.LINE_AA)
        text = f"{i + 1} client" if mine else str(i + 1)
        org = (x0 + 4, max(y0 - 8, int(30 * scale)))
        cv2.putText(
            img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale, (0, 0, 0), thick + 3, cv2.LINE_AA
        )
        cv2.putText(
            img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale, colour, thick, cv2.LINE_AA
        )
    return img


def people_at_start(
    video: str | Path, model_path: str | Path, *, within_s: float = 2.0, every_n: int = 3
) -> tuple[np.ndarray | None, list[Person]]:
    """The first frame of a clip's first ``within_s`` seconds (every ``every_n``-th
    frame looked at) where anyone is found, and the people in it; ``(None, [])`` when
    nobody is."""
    from rom.pose.sources import open_source

    with open_source(video) as source:
        frames = [
            (f.time_s, f.rgb) for f in _take_while(source, within_s) if f.index % every_n == 0
        ]
    i, people = first_people(frames, model_path)
    return (frames[i][1] if i >= 0 else None), people


def _take_while(source: Iterable[Any], within_s: float) -> Iterable[Any]:
    for f in source:
        if f.time_s > within_s:
            return
        yield f
