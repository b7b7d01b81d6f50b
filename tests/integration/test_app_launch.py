"""``rom app``: the README's command serves the dashboard on 127.0.0.1 only, stops with
its process, and refuses a network address without a password."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from tests.app_support import app_env, free_port


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def test_rom_app_serves_on_localhost_and_stops_with_its_process(tmp_path: Path) -> None:
    port = free_port()
    env = app_env(tmp_path, tmp_path / "no-model-needed.task")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rom.cli", "app", "--no-browser", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 120
        while not _up(url):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < end, "rom app did not start within 120 s"
            time.sleep(0.5)
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        # Bound to the loopback address only: another local address is refused.
        import socket

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent; finds this machine's address
            other = s.getsockname()[0]
        finally:
            s.close()
        if other != "127.0.0.1":
            with pytest.raises(OSError):
                urllib.request.urlopen(f"http://{other}:{port}/_stcore/health", timeout=5)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # `rom app` was the server itself: once it is gone, nothing answers any more.
    assert not _up(url)


def test_rom_app_refuses_a_network_address_without_a_password(tmp_path: Path) -> None:
    env = dict(os.environ, ROM_APP_PASSWORD="")
    r = subprocess.run(
        [sys.executable, "-m", "rom.cli", "app", "--host", "0.0.0.0", "--no-browser"],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "set a password first" in r.stderr and len(r.stderr.strip().splitlines()) == 1
