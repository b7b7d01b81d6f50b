"""Nothing leaves the machine: once the model is present, an analysis runs with the network
cut (a private, empty network namespace: ``unshare -n``) and makes no network call at all
(Python's audit hook sees every socket opened or connected). Without a model and without a
network, the error says how to get one.

Where ``unshare`` cannot make a network namespace (no util-linux, no root and no user
namespaces) these tests skip, and fail under ROM_REQUIRE_SHARED=1 (as CI runs them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.corpus import SAMPLE, encode, read_frames
from tests.integration.test_cli import assert_one_line_error, run_rom
from tests.integration.test_faults import _namespace

#: Runs `rom analyze` with an audit hook that records every socket event, then prints them.
AUDITED = """
import json, sys
events = []
sys.addaudithook(lambda e, a: events.append(e) if e.startswith(("socket.", "urllib.")) else None)
from rom.cli import main
args = sys.argv[1:]
code = main(args[1:] if args[:1] == ["--"] else args)
print("SOCKET-EVENTS " + json.dumps(events))
sys.exit(code)
"""


@pytest.mark.slow
def test_analysis_with_the_network_cut_makes_no_network_call(
    tmp_path: Path, shared_model: Path, skip_or_fail
) -> None:
    prefix = _namespace("n", skip_or_fail)
    clip = encode(tmp_path / "client.mp4", read_frames(SAMPLE, stop=30))
    out = tmp_path / "o"
    proc = run_rom(
        "analyze", str(clip), "--out", str(out), "--overlay", "--quiet",
        model=shared_model, prefix=[*prefix, sys.executable, "-c", AUDITED, "--"],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("SOCKET-EVENTS "))
    assert json.loads(line.removeprefix("SOCKET-EVENTS ")) == []
    for name in ("pose.npz", "angles.csv", "summary.json", "overlay.mp4"):
        assert (out / name).is_file()


@pytest.mark.slow
def test_no_model_and_no_network_says_how_to_get_one(tmp_path: Path, skip_or_fail) -> None:
    """An empty cache, a corrupt cached model, and no network: the corrupt file is
    deleted (never used), and one line says what was tried and how to get a model
    (``--quiet``: without it, the download and build attempts are narrated first)."""
    prefix = _namespace("n", skip_or_fail)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "pose_landmarker_full.task").write_bytes(b"PK\x03\x04 a download cut short")
    proc = run_rom(
        "analyze", str(SAMPLE), "--out", str(tmp_path / "o"), "--quiet",
        prefix=prefix, env={"ROM_CACHE_DIR": str(cache), "ROM_MODEL_PATH": ""},
    )  # fmt: skip
    assert_one_line_error(
        proc, 4, "no usable pose model", "rejected and deleted", "Fix: set ROM_MODEL_PATH"
    )
    assert not (cache / "pose_landmarker_full.task").exists()
