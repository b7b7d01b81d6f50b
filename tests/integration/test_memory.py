"""Frames are streamed: peak memory does not grow with the clip's length."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.videos import write_video

SCRIPT = """
import resource, sys
from rom.pose.sources import open_source
from rom.pose.extract import extract_poses
with open_source(sys.argv[1]) as src:
    seq = extract_poses(src, sys.argv[2])
print(seq.n_frames, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kb(clip: Path, model: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(clip), str(model)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    n, rss = out.stdout.split()
    return int(n), int(rss)


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_clip_length(tmp_path: Path, shared_model: Path) -> None:
    def frame(i: int) -> np.ndarray:
        img = np.full((720, 960, 3), 120, np.uint8)
        img[300:400, (i * 7) % 860 : (i * 7) % 860 + 100] = (200, 80, 40)  # a moving box
        return img

    short = write_video(tmp_path / "short.mp4", [frame(i) for i in range(30)])
    long = write_video(tmp_path / "long.mp4", [frame(i) for i in range(330)])
    n_short, rss_short = _peak_rss_kb(short, shared_model)
    n_long, rss_long = _peak_rss_kb(long, shared_model)
    assert (n_short, n_long) == (30, 330)
    # 300 more frames of 720x960 RGB would be 620 MB if they were held; the landmark
    # arrays for them are about 0.1 MB.
    assert rss_long - rss_short < 60_000, (rss_short, rss_long)
