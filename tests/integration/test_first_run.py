"""The first analysis on a machine without a model says what it downloads or builds, and
`rom models` then lists the model and the package archive it kept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from rom.pose import bundle_build
from rom.pose.models import default_cache_dir
from tests.integration.test_cli import ROOT, SAMPLE
from tests.integration.test_model_build import UNREACHABLE_URL, _pypi_reachable
from tests.videos import transform_video

pytestmark = pytest.mark.network


def test_first_run_says_which_model_it_builds(
    tmp_path: Path, skip_or_fail: Callable[[str], None]
) -> None:
    cache = tmp_path / "cache"
    wheels = cache / "wheels"
    wheels.mkdir(parents=True)
    kept = sorted((default_cache_dir() / "wheels").glob("mediapipe-0.10.21-*.whl"))
    if kept:  # a wheel this machine already fetched: no second download
        shutil.copy(kept[0], wheels / kept[0].name)
    elif not _pypi_reachable():
        skip_or_fail("PyPI is unreachable and no mediapipe wheel is cached")
    clip = transform_video(SAMPLE, tmp_path / "short.mp4", lambda f: f, max_frames=30)
    env = {k: v for k, v in os.environ.items() if k not in ("ROM_MODEL_PATH", "ROM_MODEL_URL")}
    env.update(ROM_CACHE_DIR=str(cache), ROM_MODEL_URL=UNREACHABLE_URL)

    def rom(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "rom.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=600,
            check=False,
        )

    proc = rom("analyze", str(clip), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "first run: downloading the 'full' pose model (about 9 MB)" in proc.stderr
    assert str(cache) in proc.stderr
    assert "building the model from packages" in proc.stderr
    assert f"building the 'full' pose model from {bundle_build.source_text('full')}" in proc.stderr
    # a second run finds it in the cache and says nothing about models
    proc = rom("analyze", str(clip), "--out", str(tmp_path / "o2"))
    assert proc.returncode == 0 and "pose model" not in proc.stderr, proc.stderr
    listing = rom("models").stdout
    assert str(cache / "pose_landmarker_full.task") in listing
    assert "packages kept to build models offline" in listing and ".whl" in listing
