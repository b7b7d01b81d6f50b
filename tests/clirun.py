"""Running the real ``rom`` command in a subprocess, as a user would (not a test module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rom(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``rom ARGS`` from the repository's root, with ``env`` added to this environment."""
    return subprocess.run(
        [sys.executable, "-m", "rom.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    """``rom ARGS``, which must succeed; its standard output."""
    p = rom(*args, env=env)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


def one_line_error(p: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """Check that ``p`` failed with exit ``code`` and exactly one ``rom: error:`` line
    holding each of ``words``; returns that line."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("rom: error: "), p.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]
