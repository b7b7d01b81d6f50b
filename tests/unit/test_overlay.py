"""The overlay video: each angle in words (sides and directions spelled out), at the
clip's own resolution."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from rom import overlay
from rom.metrics.angles import compute_angles
from tests.synthetic import Camera, make_sequence
from tests.videos import write_video


def test_overlay_labels_are_words_and_the_size_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 4
    cam = Camera(image_size_px=(1088, 1920))
    seq = make_sequence(camera=cam, n_frames=n, shoulder_abduction_left=-8.0, neck_rotation=-12.0)
    clip = write_video(tmp_path / "c.mp4", [np.full((1920, 1088, 3), 90, np.uint8)] * n)
    seen: list[list[str]] = []
    draw = overlay.draw_frame

    def spy(rgb, xy, labels):  # the real drawing, recording what it was asked to write
        seen.append(list(labels))
        return draw(rgb, xy, labels)

    monkeypatch.setattr(overlay, "draw_frame", spy)
    out = overlay.write_overlay(
        clip,
        seq,
        compute_angles(seq),
        tmp_path / "o.mp4",
        columns=("shoulder_abduction_left_deg", "neck_rotation_deg"),
    )
    assert seen[0] == [
        "left shoulder abduction: 8 deg (adduction)",
        "neck rotation: 12 deg (rotation to the left)",
    ]
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.width, s.codec_context.height) == (1088, 1920)
