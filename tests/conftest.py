"""Fixtures shared by the test suite.

``../shared`` (beside the repository) holds the real model bundle and clips. Tests that need
it skip when it is absent, unless ``ROM_REQUIRE_SHARED=1`` (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

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


# --- databases: a real SQLite file and a real PostgreSQL server ----------------------------


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory):
    """A throwaway PostgreSQL server for the whole test session (skipped, or failed when
    ROM_REQUIRE_SHARED=1, where Debian's postgresql package is not installed)."""
    from tests.postgres import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        _skip_or_fail("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer(tmp_path_factory.mktemp("pg", numbered=True), bin_dir)
    server.start()
    yield server
    server.stop()


_DB_COUNTER = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once as a SQLite file and once on the PostgreSQL server; the
    files beside it go to ``tmp_path / "files"`` (ROM_DATA_DIR)."""
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    mp.setenv("ROM_DATA_DIR", str(tmp_path / "files"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rom.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"rom_test_{os.getpid()}_{next(_DB_COUNTER)}")
    mp.setenv("ROM_DATABASE_URL", url)
    return url
