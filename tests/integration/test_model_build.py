"""The real wheel build: mediapipe 0.10.21 from PyPI -> pose_landmarker_full.task -> a pose.

Runs wherever PyPI answers (CI does). Without PyPI it skips, unless ROM_REQUIRE_SHARED=1.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from rom.pose import bundle_build
from rom.pose.landmarker import Landmarker
from rom.pose.models import ModelInfo, resolve_model

pytestmark = pytest.mark.network

REFERENCE_SHA256 = "6558f523fd1edc1f819d76044f4f7e2e1c40f8615a933abc497cdb7e0519282b"
UNREACHABLE_URL = "http://127.0.0.1:9/pose_landmarker_{variant}.task"
CLIP = "clips/lab_two_people_balance_portrait_60fps_cam03.mp4"
FRAME_INDEX = 30  # the man balancing on one leg, fully in view


def _pypi_reachable() -> bool:
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/")
    try:
        with urllib.request.urlopen(f"{index}/mediapipe/", timeout=10):
            return True
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, skip_or_fail: Callable[[str], None]
) -> ModelInfo:
    """The full model, built from the wheel into an empty cache (Google's host unreachable)."""
    if not _pypi_reachable():
        skip_or_fail("PyPI is unreachable: cannot fetch the mediapipe 0.10.21 wheel")
    cache = tmp_path_factory.mktemp("model_cache")
    started = time.perf_counter()
    info = resolve_model("full", cache_dir=cache, url_template=UNREACHABLE_URL)
    print(f"\nbuilt {info.path.name} from the wheel in {time.perf_counter() - started:.1f} s")
    return info


@pytest.fixture(scope="module")
def frame_rgb(shared_dir: Path) -> np.ndarray:
    """One real frame, RGB, C-contiguous (PyAV pads its rows: MediaPipe needs them packed)."""
    with av.open(str(shared_dir / CLIP)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == FRAME_INDEX:
                return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
    raise AssertionError(f"{CLIP} has fewer than {FRAME_INDEX + 1} frames")


def test_build_comes_from_the_wheel_and_is_cached(built: ModelInfo) -> None:
    assert built.origin == "built-from-wheel"
    assert built.path.name == "pose_landmarker_full.task"
    assert list((built.path.parent / "wheels").glob(bundle_build.WHEEL_GLOB)), "wheel not kept"


def test_build_is_byte_identical_to_the_shared_reference(
    built: ModelInfo, shared_model: Path
) -> None:
    # Same models, metadata, member order and zip fields: the same bytes.
    assert built.sha256 == REFERENCE_SHA256
    assert built.path.read_bytes() == shared_model.read_bytes()


def test_built_model_finds_the_same_pose_as_the_reference(
    built: ModelInfo, shared_model: Path, frame_rgb: np.ndarray
) -> None:
    found = {}
    for label, path in (("built", built.path), ("reference", shared_model)):
        with Landmarker(path) as landmarker:
            poses = landmarker.detect(frame_rgb, 0.0)
        assert len(poses) == 1, f"{label} model found {len(poses)} poses in a frame with people"
        found[label] = poses[0]
    assert float(np.mean(found["built"].visibility)) > 0.5, "a pose, not noise"
    np.testing.assert_allclose(found["built"].image, found["reference"].image, atol=1e-5)


def test_a_second_build_reuses_the_cached_wheel(
    built: ModelInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached wheel must be reused, not downloaded again")

    monkeypatch.setattr(bundle_build.subprocess, "run", no_pip)
    built.path.unlink()
    again = resolve_model("full", cache_dir=built.path.parent, url_template=UNREACHABLE_URL)
    assert (again.origin, again.sha256) == ("built-from-wheel", REFERENCE_SHA256)
