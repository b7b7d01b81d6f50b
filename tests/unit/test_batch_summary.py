"""``rom batch --summary``: its means hold only values reported as numbers in the view
their measure is judged in, and it says how many were left out and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from rom.batch.report import summarize_batch
from rom.batch.rows import ROW_COLUMNS
from rom.batch.tables import CLIP_COLUMNS, write_tables


def _row(clip: str, value: float | None, flags: str = "", status: str = "measured") -> dict:
    return {
        "clip_id": clip,
        "clip_status": "done",
        "clip_warning": "",
        "angles_file": "",
        "protocol": "hip-abduction",
        "view": "front",
        "measure": "hip_abduction",
        "kind": "rom",
        "direction": "positive",
        "label": "abduction",
        "side": "left",
        "statistic": "value",
        "rep": None,
        "value": value,
        "unit": "deg",
        "status": status,
        "estimate": "2d",
        "column": "hip_abduction_left_deg",
        "flags": flags,
    }


def test_other_view_and_beyond_range_values_are_left_out_and_counted(tmp_path: Path) -> None:
    rows = [
        _row("a", 40.0),
        _row("b", 50.0, "no_neutral"),
        _row("c", 90.0, "other_view;low_visibility"),  # read after the client turned
        _row("d", None, "beyond_anatomical_range", "not_measurable"),  # a landmark error
    ]
    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    write_tables(tmp_path, rows, [], columns, ["path", "clip_id", "reason"])
    text = summarize_batch(tmp_path)
    line = next(x for x in text.splitlines() if x.startswith("hip_abduction"))
    n, mean = line.split()[3:5]
    assert int(n) == 2 and float(mean) == pytest.approx(45.0), line  # 40 and 50 only
    note = next(x for x in text.splitlines() if x.startswith("left out"))
    assert "1 value(s) read in another view" in note and "other_view" in note
    assert "1 reading(s) beyond what the joint can reach" in note


def test_nothing_left_out_says_nothing(tmp_path: Path) -> None:
    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    write_tables(tmp_path, [_row("a", 40.0)], [], columns, ["path", "clip_id", "reason"])
    assert "left out" not in summarize_batch(tmp_path)


def test_clips_with_a_view_warning_count_as_with_a_warning(tmp_path: Path) -> None:
    """It said "0 with a warning" though the clips' summaries warned about the view."""
    import json

    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    rows = [_row("a", 40.0), _row("b", 50.0)]
    write_tables(tmp_path, rows, [], columns, ["path", "clip_id", "reason"])
    for clip, warnings in (("a", ["the client turns during the clip"]), ("b", [])):
        (tmp_path / "clips" / clip).mkdir(parents=True)
        (tmp_path / "clips" / clip / "summary.json").write_text(json.dumps({"warnings": warnings}))
    head = summarize_batch(tmp_path).splitlines()[0]
    assert "2 clips: 2 analysed (1 with a warning), 0 failed" in head, head


def test_summary_names_a_failed_clip_once(tmp_path: Path) -> None:
    """`rom batch --summary` printed "failed: b.mp4: nobody was found in b.mp4 ...": the
    clip's name twice, as the reason (errors.csv) names the file it was given."""
    import subprocess
    import sys

    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    errors = [
        {"path": "b.mp4", "clip_id": "b", "reason": "nobody was found in b.mp4 (60 frames); film"},
        {"path": "day2/c.mov", "clip_id": "c", "reason": "cannot open /data/day2/c.mov: corrupt"},
        {"path": "d.mp4", "clip_id": "d", "reason": "ran out of memory analysing it"},
    ]
    write_tables(tmp_path, [_row("a", 40.0)], errors, columns, ["path", "clip_id", "reason"])
    proc = subprocess.run(
        [sys.executable, "-m", "rom.cli", "batch", "--summary", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.count("b.mp4") == 1 and out.count("c.mov") == 1 and out.count("d.mp4") == 1, out
    failed = [ln for ln in out.splitlines() if ln.startswith("failed:")]
    assert failed == [
        "failed: nobody was found in b.mp4 (60 frames); film",
        "failed: cannot open day2/c.mov: corrupt",  # by its path in the batch
        "failed: d.mp4: ran out of memory analysing it",  # a reason without the name
    ], failed


def test_the_run_line_counts_warned_clips_as_the_summary_does() -> None:
    """The run's last line said "(0 with a warning)" and `--summary` of the same folder
    "(1 with a warning)": a clip whose summary.json warns (view, visibility) counts."""
    import json

    from rom.batch.report import ClipCounts, run_line

    counts = ClipCounts()
    counts.add("done", {"summary.json": json.dumps({"warnings": ["the client turns"]}).encode()})
    counts.add("done", {"summary.json": json.dumps({"warnings": []}).encode()})
    counts.add("partial", {})
    counts.add("failed", {})
    assert (counts.done, counts.partial, counts.failed, counts.warned) == (2, 1, 1, 2)
    assert counts.postfix() == {"done": 2, "warning": 2, "failed": 1}
    line = run_line(counts.done, counts.partial, counts.failed, 0, counts.warned)
    assert line.startswith("4 clips now: 3 analysed (2 with a warning), 1 failed"), line
