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
