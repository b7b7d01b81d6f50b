"""The lock that gives a ``realtime`` test the machine to itself (tests/conftest.py)."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

from tests.conftest import _machine_share


def wait_until_held(path: Path) -> None:
    """Return once another open file holds ``path``'s lock."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists():
            with open(path) as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return
                fcntl.flock(f, fcntl.LOCK_UN)
        time.sleep(0.01)
    raise AssertionError(f"{path} was never locked")


def test_a_realtime_test_waits_for_running_tests_and_the_next_ones_wait_for_it(
    tmp_path: Path,
) -> None:
    events: list[str] = []
    first_in = threading.Event()
    release_first = threading.Event()

    def shared(name: str, hold: threading.Event | None = None) -> None:
        with _machine_share(tmp_path, alone=False):
            events.append(f"{name} in")
            if hold is not None:
                first_in.set()
                hold.wait(10)
            events.append(f"{name} out")

    def alone() -> None:
        with _machine_share(tmp_path, alone=True):
            events.append("alone in")
            time.sleep(0.2)
            events.append("alone out")

    a = threading.Thread(target=shared, args=("first", release_first))
    a.start()
    assert first_in.wait(10)
    b = threading.Thread(target=alone)
    b.start()
    wait_until_held(tmp_path / "gate")  # the realtime test is waiting, holding the gate
    c = threading.Thread(target=shared, args=("next",))
    c.start()
    time.sleep(0.2)
    assert events == ["first in"]  # neither the realtime test nor the next one started
    release_first.set()
    for t in (a, b, c):
        t.join(10)
    assert events == ["first in", "first out", "alone in", "alone out", "next in", "next out"]


def test_shared_tests_run_together(tmp_path: Path) -> None:
    inside = threading.Barrier(2, timeout=10)

    def shared() -> None:
        with _machine_share(tmp_path, alone=False):
            inside.wait()  # both hold the machine at once, or this times out

    ts = [threading.Thread(target=shared) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(15)
    assert not inside.broken
