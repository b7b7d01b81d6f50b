"""Fixtures shared by the test suite, and the Hypothesis profiles.

``../shared`` (beside the repository) holds the real model bundle and clips. Tests that need
it skip when it is absent, unless ``ROM_REQUIRE_SHARED=1`` (as in CI), where they fail.

Hypothesis runs the ``ci`` profile when ``CI=true`` (``.ci/run`` sets it): derandomized, so
every CI run tries the same examples and a red build is reproducible, with no example
database. Developers get the ``dev`` profile: fresh random examples each run (failures are
saved in ``.hypothesis/`` and replayed first); a failure found that way becomes an explicit
``@example`` in the test. Neither profile has a deadline: timing is not under test and this
machine's cores are shared. ``HYPOTHESIS_PROFILE=ci|dev`` overrides the choice.

A test marked ``realtime`` (the live webcam through a real browser) runs while the other
test processes of a ``pytest -n`` run wait between tests: it measures the webcam on a
machine that runs ``rom`` and the browser, as a client's laptop does, not one where three
other processes run MediaPipe on the same two cores (what a loaded machine does to the
live view is stated in the README and shown by the page, not measured by this test).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check results, never timing: no per-example deadline (a timed assertion
# that fails at random on a loaded 2-core machine).
_DEFAULT = settings.get_profile("default")
settings.register_profile(
    "ci", parent=_DEFAULT, derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile("dev", parent=_DEFAULT, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


# --- the machine to itself for real-time tests ---------------------------------------------


@contextmanager
def _machine_share(lock_dir: Path, *, alone: bool) -> Iterator[None]:
    """Hold the machine shared with the other test processes, or ``alone``: a
    readers-writer lock over two files (a turnstile, so that a waiting ``alone`` test is
    not starved by the others' stream of shared ones)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "gate", "a") as gate, open(lock_dir / "machine", "a") as machine:
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(machine, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(machine, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_UN)


def _lock_dir(item: pytest.Item) -> Path | None:
    """The lock files of this ``pytest -n`` run (None without xdist)."""
    worker = getattr(item.config, "workerinput", None)
    if worker is None:
        return None
    return Path(tempfile.gettempdir()) / f"rom-pytest-{worker['testrunuid']}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Under ``pytest -n``, each test (with its fixtures' set-up and tear-down) holds the
    machine shared; a ``realtime`` test holds it alone while it runs
    (:func:`pytest_runtest_call`), its set-up (an app, a browser) shares it."""
    lock_dir = _lock_dir(item)
    if lock_dir is None or item.get_closest_marker("realtime") is not None:
        return (yield)
    with _machine_share(lock_dir, alone=False):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    lock_dir = _lock_dir(item)
    if lock_dir is None or item.get_closest_marker("realtime") is None:
        return (yield)
    with _machine_share(lock_dir, alone=True):
        return (yield)


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
def postgres_server():
    """A throwaway PostgreSQL server for the whole test session (skipped, or failed when
    ROM_REQUIRE_SHARED=1, where Debian's postgresql package is not installed)."""
    import shutil
    import tempfile

    from tests.postgres import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        _skip_or_fail("PostgreSQL is not installed (apt-get install postgresql)")
    # Not under pytest's own temporary folder: that one is private to the user running
    # the tests, and the server may run as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="rom-pg-"))
    server = PostgresServer(root, bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


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
