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


def test_with_a_warning_counts_clip_status_and_notes_the_rest(tmp_path: Path) -> None:
    """A new user's review: `rom batch` printed "3 with a warning" where results.csv marked
    1 clip partial. "With a warning" is the clips whose clip_status in results.csv is not
    done; a done clip whose summary.json warns (view, visibility) is "with notes"."""
    import csv
    import json

    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    rows = [_row("a", 40.0), _row("b", 50.0), _row("c", 45.0), {**_row("d", 41.0)}]
    rows[3]["clip_status"], rows[3]["clip_warning"] = "partial", "the person left at 3.1 s"
    write_tables(tmp_path, rows, [], columns, ["path", "clip_id", "reason"])
    for clip, warnings in (
        ("a", ["the client turns during the clip"]),
        ("b", ["elbow visible in 60% of frames"]),
        ("c", []),
        ("d", ["the person left at 3.1 s"]),
    ):
        (tmp_path / "clips" / clip).mkdir(parents=True)
        (tmp_path / "clips" / clip / "summary.json").write_text(json.dumps({"warnings": warnings}))
    with open(tmp_path / "results.csv", newline="", encoding="utf-8") as fh:
        status = {r["clip_id"]: r["clip_status"] for r in csv.DictReader(fh)}
    not_ok = sum(s != "done" for s in status.values())
    assert not_ok == 1
    head = summarize_batch(tmp_path).splitlines()[0]
    assert f"4 clips: 4 analysed ({not_ok} with a warning, 2 with notes), 0 failed" in head, head


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


def test_the_run_line_and_bar_count_as_the_summary_does() -> None:
    """The run's last line and progress bar count "with a warning" as results.csv's
    clip_status does (partial), and the done clips whose summary.json warns as "with
    notes", as `--summary` does."""
    import json

    from rom.batch.report import ClipCounts, run_line

    counts = ClipCounts()
    counts.add("done", {"summary.json": json.dumps({"warnings": ["the client turns"]}).encode()})
    counts.add("done", {"summary.json": json.dumps({"warnings": []}).encode()})
    counts.add("partial", {"summary.json": json.dumps({"warnings": ["left early"]}).encode()})
    counts.add("failed", {})
    assert (counts.done, counts.partial, counts.failed) == (2, 1, 1)
    assert (counts.warned, counts.noted) == (1, 1)
    assert counts.postfix() == {"done": 2, "warning": 1, "notes": 1, "failed": 1}
    line = run_line(counts.done, counts.partial, counts.failed, 0, counts.noted)
    assert line.startswith("4 clips now: 3 analysed (1 with a warning, 1 with notes), 1 failed")


def test_only_valid_results_are_pooled_and_the_rest_counted_by_status(tmp_path: Path) -> None:
    """Issue 8: the distributions pooled values that are no valid result (a peak at the
    edge of what was measured, which an older rom reported as a value; sides without a
    value). Only ``measured`` values count; the others are counted, with why in words."""
    rows = [
        _row("a", 40.0),
        _row("b", 60.0),
        _row("c", 95.0, "peak_at_edge;no_neutral"),  # older results: an edge value
        _row("d", 80.0, "peak_near_gap"),
        _row("e", None, "peak_at_edge", "not_seen"),  # a lower bound: no value
        _row("f", None, "view_not_supported", "not_measurable"),
        _row("g", None, "", "not_performed"),
    ]
    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    write_tables(tmp_path, rows, [], columns, ["path", "clip_id", "reason"])
    text = summarize_batch(tmp_path)
    line = next(x for x in text.splitlines() if x.startswith("hip_abduction"))
    n, mean = line.split()[3:5]
    assert int(n) == 2 and float(mean) == pytest.approx(50.0), line
    note = next(x for x in text.splitlines() if x.startswith("left out"))
    assert "1 not measurable" in note and "1 not performed" in note, note
    assert "2 peak(s) at the start or end of what was measured" in note, note
    assert "1 peak(s) beside frames without a value" in note, note


def test_a_duplicate_clips_failure_says_which_file_it_was_analysed_as(tmp_path) -> None:
    """A user review: two copies of one video are analysed once; the second copy's row
    of errors.csv gave the first copy's reason, which names the first file, unexplained."""
    from pathlib import Path

    from rom.batch.manifest import ClipEntry
    from rom.batch.store import ResultStore
    from rom.batch.tables import build_tables
    from rom.batch.worker import ClipOutcome

    store = ResultStore(tmp_path)
    first, copy = tmp_path / "sideways.mp4", tmp_path / "sideways_meta.mp4"
    reason = f"{first.name}: nobody found in the video"
    store.write(ClipOutcome("k1", str(first), "failed", reason), {})
    entries = [ClipEntry(Path(first)), ClipEntry(Path(copy))]
    _, errors, _, _ = build_tables(entries, ["k1", "k1"], store)
    assert errors[0]["reason"] == reason
    assert errors[1]["reason"] == f"{reason} (the same video as {first}, analysed once)"


def test_a_single_value_has_no_sd_and_the_table_says_what_it_holds(tmp_path: Path) -> None:
    """A user review: with one clip the table printed "sd nan", and its header ended in
    an unexplained "(value)". A single value's SD is "-", and a line above the table
    says what its numbers are."""
    columns = [*CLIP_COLUMNS, *ROW_COLUMNS]
    write_tables(tmp_path, [_row("a", 40.0)], [], columns, ["path", "clip_id", "reason"])
    lines = summarize_batch(tmp_path).splitlines()
    assert lines[0].endswith(": 1 clip: 1 analysed (0 with a warning, 0 with notes), 0 failed")
    assert "nan" not in "\n".join(lines) and "(value)" not in "\n".join(lines), lines
    title, header, row = lines[1:4]
    assert "rows of results.csv with statistic 'value'" in title and "in deg" in title, title
    assert header.split() == [
        "measure",
        "direction",
        "side",
        "n",
        "mean",
        "sd",
        "min",
        "median",
        "max",
    ]
    assert row.split()[3:6] == ["1", "40.0", "-"], row


def test_counts_say_1_clip_and_2_clips() -> None:
    """A user review: `rom batch` printed "1 clips: 0 already done, 1 to analyse"."""
    from rom.batch.report import plural, run_line, start_line

    assert start_line(1, 0) == "1 clip: 0 already done, 1 to analyse"
    assert start_line(1, 1) == "2 clips: 1 already done, 1 to analyse"
    assert run_line(1, 0, 0, 0).startswith("1 clip now: 1 analysed")
    assert [plural(n, "clip") for n in (0, 1, 2)] == ["0 clips", "1 clip", "2 clips"]


class _Store:
    """A store holding one done clip without results: enough for the tables' columns."""

    def record(self, key: str) -> dict:
        return {"status": "done"}

    def failure(self, key: str) -> None:
        return None

    def summary(self, key: str) -> dict:
        return {}


def _readme_cell(file_names: str) -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    return next(ln for ln in readme.splitlines() if ln.startswith(f"| {file_names} |"))


def test_the_readme_lists_every_results_column_in_order_and_how_clashes_are_renamed() -> None:
    """A user review: the README listed 6 of the 15 result columns, and its example
    manifest's `protocol` and `label` came out as `clip_protocol` and `clip_label` without
    a word why. The README names every column of results.csv after the manifest's, in
    order, and the renamed manifest columns of the known ones (the real header of a
    1-clip batch is checked in tests/integration/test_batch.py)."""
    import re

    from rom.batch.manifest import KNOWN_COLUMNS, ClipEntry
    from rom.batch.tables import PROVENANCE_COLUMNS, build_tables

    columns = dict.fromkeys(KNOWN_COLUMNS, "x")
    entry = ClipEntry(Path("a.mp4"), columns={**columns, "operator": "jb"})
    _, _, result_columns, error_columns = build_tables([entry], ["k"], _Store())  # type: ignore[arg-type]
    renamed = ["clip_protocol", "clip_side", "clip_label"]
    assert result_columns[:7] == [
        "path",
        *renamed[:2],
        "subject",
        "session",
        renamed[2],
        "operator",
    ]
    own = result_columns[7:]
    assert own == [*CLIP_COLUMNS, *ROW_COLUMNS, *PROVENANCE_COLUMNS]
    cell = _readme_cell("`results.parquet`, `results.csv`")
    named = re.findall(r"`([a-z0-9_]+)`", cell)
    assert all(f"`{c}`" in cell for c in renamed), cell
    tail = named[named.index(own[0]) :]  # the results' own columns, from clip_id on
    assert [c for c in dict.fromkeys(tail) if c in own] == own, tail  # first mentions
    assert error_columns[-2:] == ["clip_id", "reason"]
    assert all(f"`{c}`" in _readme_cell("`errors.csv`") for c in ("clip_id", "reason"))


def test_the_readme_says_what_the_manifest_side_does_and_where_peak_at_edge_comes_from() -> None:
    """A user review: `side=left` in the manifest still gave right-side rows. The
    manifest's side is checked and carried as a label only (`clip_side`), which the
    README now says. It also said `peak_at_edge` was only in an older rom's results; the
    current one flags a `not_seen` side with it, which `--summary` counts under the flag
    (test_only_valid_results_are_pooled_and_the_rest_counted_by_status)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    batch = " ".join(readme.split("## Batch and clusters", 1)[1].split("**What `DIR`")[0].split())
    assert "carried as a label only, in `clip_side`; it does not choose the side" in batch
    assert "`peak_at_edge`: current results give such a side no value, status `not_seen`" in batch
    assert "in results of an older `rom`, which reported them as values" not in batch


def test_summary_of_a_folder_that_does_not_exist_says_so(tmp_path) -> None:
    """A user review: `--summary nonexist` said "nonexist holds no results.parquet"."""
    import pytest

    from rom.batch.report import summarize_batch
    from rom.errors import InputError

    with pytest.raises(InputError, match="no such folder"):
        summarize_batch(tmp_path / "nonexist")


def test_an_output_folder_that_cannot_be_written_is_an_output_error(
    tmp_path, monkeypatch, shared_model
) -> None:
    """A user review: a read-only or full --out gave "rom: internal error: OSError ...",
    exit 1. Now an OutputError (exit 6) naming the file, the finished clips kept. The
    disk fills when the first result is written (injected at the store's write; as root,
    as CI runs, a read-only folder is still writable)."""
    import errno

    import pytest

    from rom.batch import run as batch_run
    from rom.batch.store import ResultStore
    from rom.batch.worker import ClipOutcome
    from rom.errors import OutputError
    from rom.settings import resolve_config

    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    clips = tmp_path / "in"
    clips.mkdir()
    (clips / "a.mp4").write_bytes(b"not a video")
    full = tmp_path / "out" / "clips" / "x"

    def disk_full(self, outcome, meta):
        raise OSError(errno.ENOSPC, "No space left on device", str(full))

    monkeypatch.setattr(ResultStore, "write", disk_full)
    monkeypatch.setattr(
        batch_run,
        "_outcomes",
        lambda todo, *a: iter([ClipOutcome(t.key, t.path, "failed", "r") for t in todo]),
    )
    with pytest.raises(OutputError) as caught:
        batch_run.run_batch(clips, tmp_path / "out", resolve_config({}))
    assert caught.value.exit_code == 6
    assert f"cannot write {full} (No space left on device)" in str(caught.value)


def test_an_output_folder_that_cannot_be_created_is_an_output_error_as_in_analyze(
    tmp_path, monkeypatch, shared_model
) -> None:
    """`rom batch` said "cannot create" an --out folder with exit 2 (bad input) where `rom
    analyze` says it with exit 6 (an output error, as the README's bad-input table has
    it): both now create it with one helper, and nothing is written before."""
    import pytest

    from rom.batch import run as batch_run
    from rom.errors import OutputError
    from rom.pipeline import make_out_dir
    from rom.settings import resolve_config

    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    clips = tmp_path / "in"
    clips.mkdir()
    (clips / "a.mp4").write_bytes(b"not a video")
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = blocker / "results"  # under a file: cannot be created, even as root
    caught = []
    for create in (
        lambda: batch_run.run_batch(clips, out, resolve_config({})),
        lambda: make_out_dir(out),
    ):
        with pytest.raises(OutputError) as exc:
            create()
        caught.append(str(exc.value))
        assert exc.value.exit_code == 6
    assert (
        caught[0]
        == caught[1]
        == (f"cannot create output folder {out} (Not a directory); choose another --out")
    )


def test_files_named_like_videos_that_are_not_files_are_said_not_skipped_silently(
    tmp_path, monkeypatch, shared_model
) -> None:
    """A user review: a broken link or a named pipe called .mp4 in the input folder was
    left out without a word (a pipe read as a clip would block the batch forever); a
    manifest row naming one said "no such file", as did rom analyze for a broken link."""
    import os
    import re

    import pytest

    from rom.batch import run as batch_run
    from rom.batch.manifest import not_video_files, read_folder
    from rom.batch.worker import ClipOutcome
    from rom.errors import InputError
    from rom.settings import resolve_config

    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    os.symlink(tmp_path / "gone.mp4", folder / "broken.mp4")
    os.mkfifo(folder / "sub" / "pipe.MOV")
    (folder / "dir.mp4").mkdir()  # a folder named like a video: searched, not listed
    with pytest.raises(InputError, match=r"holds no videos .*\(named like one but not a "):
        read_folder(folder)
    (folder / "a.mp4").write_bytes(b"not a video")
    assert [e.path.name for e in read_folder(folder)] == ["a.mp4"]
    left_out = [
        f"broken.mp4: a broken link (to {tmp_path / 'gone.mp4'}, which does not exist)",
        "sub/pipe.MOV: a named pipe",
    ]
    assert not_video_files(folder) == left_out
    monkeypatch.setattr(
        batch_run,
        "_outcomes",
        lambda todo, *a: iter([ClipOutcome(t.key, t.path, "failed", "r") for t in todo]),
    )
    # the same words from a manifest row and from rom analyze's check of its video
    from rom.batch.manifest import parse_manifest
    from rom.pose.sources import open_source

    for raw, what in (("broken.mp4", left_out[0]), ("sub/pipe.MOV", left_out[1])):
        words = what.split(": ", 1)[1]
        with pytest.raises(InputError, match=re.escape(f"is not a video file but {words}")):
            parse_manifest(f"path\n{raw}\n", base_dir=folder)
        with pytest.raises(InputError, match=re.escape(f"is not a file but {words}")):
            open_source(folder / raw)
    notes: list[str] = []
    batch_run.run_batch(folder, tmp_path / "out", resolve_config({}), on_note=notes.append)
    assert notes == [
        f"2 files named like a video in {folder} are not one and left out: {'; '.join(left_out)}"
    ]
