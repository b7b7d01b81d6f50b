"""Fixtures shared by the test suite.

``../shared`` (beside the repository) holds the real model bundle and clips. Tests that need
it skip when it is absent, unless ``ROM_REQUIRE_SHARED=1`` (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check results, never timing: Hypothesis's per-example deadline is a timed
# assertion that fails at random on a loaded 2-core machine.
settings.register_profile("rom", deadline=None)
settings.load_profile("rom")

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("ROM_REQUIRE_SHARED") == "1":
        pytest.fail(f"{reason} (ROM_REQUIRE_SHARED=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def skip_or_fail() -> Callable[[str], None]:
    """``skip_or_fail(reason)``: skip the test, or fail it when ROM_REQUIRE_SHARED=1."""
    return _skip_or_fail


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder (models/, clips/); skipped or failed when it is absent."""
    if not SHARED_DIR.is_dir():
        _skip_or_fail(f"{SHARED_DIR} is absent")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_model(shared_dir: Path) -> Path:
    """The reference ``pose_landmarker_full.task`` in ``../shared/models``."""
    path = shared_dir / "models" / "pose_landmarker_full.task"
    if not path.is_file():
        _skip_or_fail(f"{path} is absent")
    return path
