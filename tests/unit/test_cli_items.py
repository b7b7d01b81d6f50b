"""Small things a new user meets on the command line (issue 8, a new user's review): a
filter cut-off the clip's frame rate cannot carry, error messages naming one flag each,
the results.csv rows that label what they hold, every subcommand described, one list of
video formats."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rom.errors import InputError
from rom.metrics.filtering import FilterSettings
from rom.metrics.results import result_rows
from rom.pipeline import check_cutoff
from rom.pose.formats import VIDEO_FORMATS, formats_text
from rom.settings import config_from_settings, effective_settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"


def _rom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rom.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(("fps", "bad", "good"), [(30.0, 15.0, 14.9), (60.0, 100.0, 29.0)])
def test_a_cutoff_at_or_above_nyquist_is_refused_naming_the_frame_rate(
    fps: float, bad: float, good: float
) -> None:
    with pytest.raises(InputError) as err:
        check_cutoff(FilterSettings(cutoff_hz=bad), fps, "clip.mp4")
    text = str(err.value)
    assert "\n" not in text and "--cutoff-hz" in text and "clip.mp4" in text
    assert f"{fps:g} fps" in text and f"below {fps / 2:g} Hz" in text, text
    check_cutoff(FilterSettings(cutoff_hz=good), fps)  # below Nyquist: accepted
    check_cutoff(FilterSettings(lowpass=False, cutoff_hz=bad), fps)  # filter off


def test_rom_analyze_refuses_cutoff_100_on_a_30_fps_clip_before_writing_anything(
    tmp_path: Path,
) -> None:
    """Before: accepted silently (the filter skipped, a warning in a log at most)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # an earlier result, kept
    proc = _rom("analyze", str(SAMPLE), "--cutoff-hz", "100", "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("rom:")]
    assert len(lines) == 1 and "30 fps" in lines[0] and "below 15 Hz" in lines[0], proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_text() == "{}"


@pytest.mark.parametrize(
    ("flag", "other"), [("cutoff_hz", "max_gap_s"), ("max_gap_s", "cutoff_hz")]
)
def test_each_flag_error_names_that_flag_only(flag: str, other: str) -> None:
    """Before: `--max-gap-s -1` said "--cutoff-hz and --max-gap-s must be 0 or more"."""
    with pytest.raises(InputError) as err:
        config_from_settings(effective_settings({flag: -1.0}, {}))
    text = str(err.value)
    assert "--" + flag.replace("_", "-") in text and "--" + other.replace("_", "-") not in text
    assert "-1" in text


def _block() -> dict:
    side = {
        "status": "measured",
        "estimate": "2d",
        "column": "shoulder_abduction_left_deg",
        "value_deg": 150.0,
        "uncertainty_deg": 10.0,
        "other_estimate_deg": 160.0,
        "flags": [],
    }
    return {
        "protocol": None,
        "view": "front",
        "measures": [
            {
                "measure": "shoulder_abduction",
                "kind": "rom",
                "direction": "positive",
                "label": "abduction",
                "sides": {
                    "left": side,
                    "right": {**side, "estimate": "3d", "column": "x", "value_deg": 140.0},
                },
                "asymmetry": {
                    "status": "measured",
                    "difference_deg": -10.0,
                    "symmetry_index_pct": -6.9,
                    "uncertainty_deg": 14.1,
                    "exceeds_uncertainty": False,
                },
            }
        ],
    }


def test_the_other_estimate_row_names_the_other_estimate() -> None:
    """Before: the `other_estimate` row of a 2D value said `estimate=2d`."""
    rows = result_rows(_block())
    other = {r["side"]: r["estimate"] for r in rows if r["statistic"] == "other_estimate"}
    assert other == {"left": "3d", "right": "2d"}
    value = {r["side"]: r["estimate"] for r in rows if r["statistic"] == "value"}
    assert value == {"left": "2d", "right": "3d"}


def test_every_uncertainty_row_says_what_it_is() -> None:
    """Before: "within the measurement noise of +/- 28 deg" (95 %) on the console and an
    unlabelled `difference_uncertainty` 14.1 (one SD) in the CSV."""
    rows = result_rows(_block())
    stats = {(r["side"], r["statistic"]): r["value"] for r in rows}
    assert stats[("left", "uncertainty_sd")] == 10.0
    assert stats[("right-left", "difference_sd")] == 14.1
    assert stats[("right-left", "difference_noise95")] == pytest.approx(1.96 * 14.1, abs=0.05)
    assert not any(r["statistic"] in ("uncertainty", "difference_uncertainty") for r in rows)
    docs = (ROOT / "docs" / "results.md").read_text()
    for name in ("uncertainty_sd", "difference_sd", "difference_noise95"):
        assert f"`{name}`" in docs and f"`{name}`" in (ROOT / "README.md").read_text()


def _subcommands(parser: argparse.ArgumentParser, name: str = "rom"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield f"{name} {sub}", p
                yield from _subcommands(p, f"{name} {sub}")


def test_every_subcommand_has_a_description_and_every_argument_help() -> None:
    """Before: `rom report --help` printed its usage and options only."""
    from rom.cli import build_parser

    for name, p in _subcommands(build_parser()):
        assert p.description, f"{name} --help has no description"
        for a in p._actions:
            if a.dest != "help" and not isinstance(a, argparse._SubParsersAction):
                assert a.help, f"{name}: {a.option_strings or a.dest} has no help"
    text = _rom("report", "--help").stdout
    assert "Write the report" in text and "client code" in text


def test_one_list_of_video_formats_in_the_help_the_readme_and_the_batch() -> None:
    """Before: `rom analyze --help` said "mp4, mov, avi, webm, mkv", the README "mp4, mov,
    m4v, avi, webm, mkv, ts" for analyze and no ts for the batch folder search."""
    from rom.app import uploads
    from rom.batch.manifest import VIDEO_SUFFIXES

    help_text = " ".join(_rom("analyze", "--help").stdout.split())
    assert f"({formats_text()})" in help_text
    assert f"searched recursively for {formats_text()}," in " ".join(
        _rom("batch", "--help").stdout.split()
    )
    readme = (ROOT / "README.md").read_text()
    lists = re.findall(r"\b(mp4(?:, [a-z0-9]+)+)\b", readme)
    assert lists and all(x == formats_text() for x in lists), lists
    # no other list in the code: every message names the formats from the constant
    for path in (ROOT / "rom").rglob("*.py"):
        if path.name != "formats.py":
            text = path.read_text()
            assert not re.search(r"mp4[/, ]+mov", text), f"{path} lists formats itself"
    assert uploads.VIDEO_FORMATS is VIDEO_FORMATS  # the dashboard's upload
    assert {s.lstrip(".") for s in VIDEO_SUFFIXES} == set(VIDEO_FORMATS)
