"""`rom batch` end to end on short copies of the real clips: the same values as
`rom analyze` clip by clip, failures listed with their reasons, a real SIGKILL survived
without redoing finished clips, and a real Dask LocalCluster giving identical results.

The clips are trimmed, half-resolution copies made here (40-60 frames each), plus a
byte copy, a truncated copy, a clip whose person leaves, one with nobody and a corrupt file.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pyarrow.parquet as pq
import pytest

from rom.batch.rows import tidy_rows
from rom.errors import PartialResultError
from rom.pipeline import analyze_video
from rom.settings import resolve_config
from tests.videos import transform_video, write_video

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"
OUTDOOR = "outdoor_two_people_arm_raises_1768x994_30fps.mp4"
#: A corrupt clip, the same bytes every run: random bytes were read by FFmpeg now as
#: nothing it can open, now (in one CI run of 1 December) as a container without a
#: video stream, and the test expected the first message only.
NOT_A_VIDEO = random.Random(8).randbytes(50_000)
#: rom's one-line reasons for a file that is not a readable video (rom.pose.sources).
UNREADABLE = re.compile(r"cannot open corrupt\.mp4 as a video|corrupt\.mp4 has no video stream")
LAB1 = "lab_two_people_balance_portrait_60fps_cam01.mp4"


def _half(f: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(f[::2, ::2])


def _person_leaves(src: Path, dst: Path, *, n: int, leave_at: int) -> Path:
    """The first ``n`` frames of ``src`` at half size, grey from ``leave_at`` on."""
    frames = []
    with av.open(str(src)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= n:
                break
            img = _half(f.to_ndarray(format="rgb24"))
            frames.append(img if i < leave_at else np.full_like(img, 110))
    h, w = frames[0].shape[:2]
    return write_video(dst, [f[: h // 2 * 2, : w // 2 * 2] for f in frames])


def _faststart(src: Path, dst: Path) -> Path:
    """``src`` re-muxed with its index (moov) first, as phones and web exports do."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "faststart"}) as o:
        stream = o.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                o.mux(packet)
    return dst


@pytest.fixture(scope="module")
def clips(tmp_path_factory, shared_dir: Path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    (d / "copies").mkdir()
    out = {
        "outdoor": transform_video(
            shared_dir / "clips" / OUTDOOR, d / "outdoor.mp4", _half, max_frames=40
        ),
        "lab": transform_video(shared_dir / "clips" / LAB1, d / "lab.mp4", _half, max_frames=40),
        "leaves": _person_leaves(SAMPLE, d / "leaves.mp4", n=75, leave_at=30),
    }
    out["copy"] = Path(shutil.copy(out["outdoor"], d / "copies" / "outdoor_copy.mp4"))
    # A copy cut short whose header (moved to the front) still announces every frame:
    # it opens, and decoding stops part way.
    whole = _faststart(out["lab"], d / "whole.mp4")
    data = whole.read_bytes()
    out["truncated"] = d / "truncated.mp4"
    out["truncated"].write_bytes(data[: int(len(data) * 0.6)])
    whole.unlink()
    grey = [np.full((240, 320, 3), 90, np.uint8) for _ in range(20)]
    for i, img in enumerate(grey):
        img[100:140, 10 * i : 10 * i + 40] = (200, 80, 40)
    out["nobody"] = write_video(d / "nobody.mp4", grey)
    out["corrupt"] = d / "corrupt.mp4"
    out["corrupt"].write_bytes(NOT_A_VIDEO)
    return out


@pytest.fixture(scope="module")
def manifest(clips: dict[str, Path]) -> Path:
    path = clips["outdoor"].parent / "manifest.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "protocol", "subject", "session", "label", "operator"])
        for name, clip in clips.items():
            protocol = "shoulder-abduction" if name in ("leaves", "lab") else ""
            w.writerow([clip.relative_to(path.parent), protocol, f"s-{name}", "pre", name, "jb"])
    return path


def run_rom(*args: str, model: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROM_MODEL_PATH": str(model)}
    return subprocess.run(
        [sys.executable, "-m", "rom.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, manifest: Path, shared_model: Path):
    out = tmp_path_factory.mktemp("batch-local")
    proc = run_rom("batch", str(manifest), "--out", str(out), "--workers", "2", model=shared_model)
    return proc, out


def read_rows(out: Path) -> list[dict]:
    return pq.read_table(out / "results.parquet").to_pylist()


def read_errors(out: Path) -> list[dict]:
    with open(out / "errors.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_batch_lists_failures_with_reasons_and_exits_7(local_run, clips) -> None:
    proc, out = local_run
    assert proc.returncode == 8, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = {Path(e["path"]).name: e for e in read_errors(out)}
    assert set(errors) == {"nobody.mp4", "corrupt.mp4"}
    assert "nobody was found" in errors["nobody.mp4"]["reason"]
    assert UNREADABLE.search(errors["corrupt.mp4"]["reason"]), errors["corrupt.mp4"]
    # The manifest's columns are carried, even for failures.
    assert (
        errors["nobody.mp4"]["subject"] == "s-nobody" and errors["nobody.mp4"]["operator"] == "jb"
    )


@pytest.mark.slow
def test_person_leaving_and_truncated_video_are_results_with_a_warning(local_run) -> None:
    _, out = local_run
    rows = read_rows(out)
    status = {Path(r["path"]).name: (r["clip_status"], r["clip_warning"]) for r in rows}
    assert status["outdoor.mp4"] == ("done", "")
    assert status["leaves.mp4"][0] == "partial"
    assert "left the view" in status["leaves.mp4"][1]
    assert status["truncated.mp4"][0] == "partial"
    assert "truncated" in status["truncated.mp4"][1]


@pytest.mark.slow
def test_batch_values_equal_rom_analyze_clip_by_clip(local_run, clips, shared_model, tmp_path):
    """Every clip's angle series and tidy rows equal a one-by-one `analyze_video` of it."""
    _, out = local_run
    rows = read_rows(out)
    by_clip: dict[str, list[dict]] = {}
    for r in rows:
        by_clip.setdefault(Path(r["path"]).name, []).append(r)
    assert set(by_clip) == {
        "outdoor.mp4",
        "lab.mp4",
        "leaves.mp4",
        "outdoor_copy.mp4",
        "truncated.mp4",
    }
    # The byte copy is the same clip: analysed once, its rows repeated with its own columns.
    assert by_clip["outdoor_copy.mp4"][0]["clip_id"] == by_clip["outdoor.mp4"][0]["clip_id"]
    assert by_clip["outdoor_copy.mp4"][0]["subject"] == "s-copy"
    for name in ("outdoor", "lab", "leaves", "truncated"):
        clip = clips[name]
        protocol = "shoulder-abduction" if name in ("leaves", "lab") else None
        config = resolve_config({"model": str(shared_model), "protocol": protocol})
        try:
            result = analyze_video(clip, tmp_path / name, config)
        except PartialResultError as exc:
            result = exc.result
        mine = by_clip[clip.name]
        table = pq.read_table(out / mine[0]["angles_file"])
        assert table.column_names[2:] == list(result.angles.names)
        np.testing.assert_array_equal(table.column("time_s").to_numpy(), result.angles.time_s)
        for i, col in enumerate(result.angles.names):
            batch = table.column(col).to_numpy(zero_copy_only=False).astype(float)
            np.testing.assert_array_equal(batch, result.angles.values_deg[:, i], err_msg=col)
        expected = tidy_rows(json.loads((tmp_path / name / "summary.json").read_text()))
        got = [{k: r[k] for k in expected[0]} for r in mine]
        assert len(got) == len(expected) > 0
        assert got == expected
        # Provenance on every row.
        assert {r["model_sha256"] for r in mine} == {result.summary["model"]["sha256"]}
        assert all(r["settings_hash"] and r["rom_version"] for r in mine)


@pytest.mark.slow
def test_summary_prints_counts_and_distributions(local_run, shared_model) -> None:
    _, out = local_run
    proc = run_rom("batch", "--summary", str(out), model=shared_model)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    got = re.search(
        r"6 clips: 4 analysed \((\d) with a warning, (\d) with notes\), 2 failed", first
    )
    rows = read_rows(out)
    partial = len({r["clip_id"] for r in rows if r["clip_status"] != "done"})
    assert got and int(got.group(1)) == partial >= 1, first  # as results.csv says
    assert "shoulder_abduction" in proc.stdout and "median" in proc.stdout
    assert "failed: " in proc.stdout and "corrupt.mp4" in proc.stdout
    for name in ("corrupt.mp4", "nobody.mp4"):  # each failed clip named once
        assert proc.stdout.count(name) == 1, proc.stdout


@pytest.mark.slow
def test_local_cluster_gives_the_local_runs_results_value_for_value(
    local_run, manifest, shared_model, tmp_path
):
    """A real Dask LocalCluster (two worker processes) analyses the same manifest."""
    from distributed import LocalCluster

    from rom.batch.run import run_batch

    _, local_out = local_run
    os.environ["ROM_MODEL_PATH"] = str(shared_model)
    try:
        config = resolve_config({})
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            first = tmp_path / "first"
            report = run_batch(manifest, first, config, scheduler=cluster.scheduler_address)
            # A second batch on the same running cluster (a researcher's next run): it
            # registers rom's worker plugin again, which once closed the workers' loaded
            # models and failed every clip ("'NoneType' object has no attribute
            # 'detect_for_video'", a user review)
            again = tmp_path / "again"
            report2 = run_batch(manifest, again, config, scheduler=cluster.scheduler_address)
    finally:
        del os.environ["ROM_MODEL_PATH"]
    for out, rep in ((first, report), (again, report2)):
        assert (rep.n_done, rep.n_partial, rep.n_failed) == (2, 2, 2), read_errors(out)
        local, remote = read_rows(local_out), read_rows(out)
        assert len(local) == len(remote) > 0
        for a, b in zip(local, remote):
            assert a == b
        assert read_errors(local_out) == read_errors(out)
        for key in {r["clip_id"] for r in local}:
            ta = pq.read_table(local_out / "clips" / key / "angles.parquet")
            tb = pq.read_table(out / "clips" / key / "angles.parquet")
            assert ta.equals(tb)


@pytest.mark.slow
def test_sigkill_loses_no_finished_clip_and_the_rerun_redoes_only_the_rest(
    clips, shared_model, tmp_path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("outdoor", "lab", "leaves", "nobody"):
        shutil.copy(clips[name], folder / clips[name].name)
    out = tmp_path / "out"
    env = {**os.environ, "ROM_MODEL_PATH": str(shared_model)}
    cmd = [
        sys.executable,
        "-m",
        "rom.cli",
        "batch",
        str(folder),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    finished: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        finished = sorted((out / "clips").glob("*/clip.json")) if (out / "clips").is_dir() else []
        if finished:
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the batch ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers
    proc.wait()
    kept = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "clips").glob("*/clip.json")}
    assert 1 <= len(kept) < 4
    for p in kept:  # each finished clip is whole
        assert {"summary.json", "angles.parquet", "pose.npz"} <= {
            f.name for f in p.parent.iterdir()
        }

    again = subprocess.run(
        [*cmd, "--workers", "2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert again.returncode == 8, again.stderr  # nobody.mp4 fails (exit 8)
    done_before = len(kept)
    assert f"4 clips: {done_before} already done, {4 - done_before} to analyse" in again.stdout
    for p, (mtime, data) in kept.items():
        assert p.stat().st_mtime_ns == mtime and p.read_bytes() == data
    assert not list(out.rglob("*.tmp"))
    names = {Path(r["path"]).name for r in read_rows(out)}
    assert names == {"outdoor.mp4", "lab.mp4", "leaves.mp4"}

    # A changed clip is redone; the failed one is tried again; the rest are skipped.
    shutil.copy(clips["truncated"], folder / "lab.mp4")
    third = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert "4 clips: 2 already done, 2 to analyse" in third.stdout, third.stdout


@pytest.mark.slow
def test_database_stores_each_clip_naming_a_client_and_session_once(
    local_run, manifest, shared_model, tmp_path
) -> None:
    """`--database` on a finished batch (nothing analysed again) stores every clip with a
    result under its manifest's client (subject) and session, in a real SQLite file;
    running it again stores nothing twice."""
    from rom.store import open_store

    _, out = local_run
    url = f"sqlite:///{tmp_path / 'rom.db'}"
    env_url = os.environ.get("ROM_DATABASE_URL")
    os.environ["ROM_DATABASE_URL"] = url
    try:
        first = run_rom("batch", str(manifest), "--out", str(out), "--database", model=shared_model)
        again = run_rom("batch", str(manifest), "--out", str(out), "--database", model=shared_model)
    finally:
        if env_url is None:
            del os.environ["ROM_DATABASE_URL"]
        else:
            os.environ["ROM_DATABASE_URL"] = env_url
    assert "6 clips: 4 already done, 2 to analyse" in first.stdout, first.stdout + first.stderr
    assert "database: 5 clips stored, 0 already there, 2 without" in first.stdout, first.stderr
    assert "database: 0 clips stored, 5 already there" in again.stdout, again.stderr
    rows = read_rows(out)
    with open_store(url) as store:
        for name in ("outdoor", "lab", "leaves", "copy", "truncated"):
            recs = store.recordings(f"s-{name}", "pre")
            assert len(recs) == 1
            mine = {r["content_sha256"] for r in rows if r["subject"] == f"s-{name}"}
            assert {recs[0].video_sha256} == mine


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    """A 20-frame half-size copy of the sample and a corrupt file."""
    d = tmp_path_factory.mktemp("small")
    transform_video(
        SAMPLE, d / "a.mp4", lambda f: np.ascontiguousarray(f[:992:2, ::2]), max_frames=20
    )
    (d / "corrupt.mp4").write_bytes(NOT_A_VIDEO)
    return d


@pytest.mark.slow
def test_progress_counts_a_failed_clip_as_failed_not_analysed(
    small_folder: Path, shared_model: Path, tmp_path: Path
) -> None:
    """Before: "analysed 2 clips now (0 with a warning), 0 done before; 1 failed" for one
    result and one failure. The bar (on a terminal) and the last line count as
    results.parquet and errors.csv do."""
    from tests.integration.test_results_clips import run_in_terminal, screen_lines

    out = tmp_path / "out"
    code, raw = run_in_terminal(
        "batch", str(small_folder), "--out", str(out), "--workers", "1", model=shared_model
    )
    lines = screen_lines(raw)
    assert code == 8, raw
    # "with a warning" / "with notes" count as `--summary` does
    summary = run_rom("batch", "--summary", str(out), model=shared_model).stdout
    got = re.search(r"\((\d+) with a warning, (\d+) with notes\)", summary)
    assert got, summary
    warned, noted = got.groups()
    assert (
        f"2 clips now: 1 analysed ({warned} with a warning, {noted} with notes), 1 failed "
        "(see errors.csv); 0 done before" in lines
    ), (lines, summary)
    bar = [ln for ln in lines if "clip/s" in ln or "s/clip" in ln]
    assert bar and "2/2" in bar[-1], lines
    assert f"done=1, warning={warned}, notes={noted}, failed=1" in bar[-1], lines
    assert summary.count("corrupt.mp4") == 1, summary  # a failed clip is named once
    assert len(read_errors(out)) == 1
    assert {r["clip_id"] for r in read_rows(out)} and len(
        {r["clip_id"] for r in read_rows(out)}
    ) == 1


@pytest.mark.slow
def test_a_local_cluster_run_ends_without_a_mediapipe_traceback(
    small_folder: Path, shared_model: Path, tmp_path: Path
) -> None:
    """Before: each Dask worker printed "TypeError: 'NoneType' object is not callable"
    (MediaPipe's dispatcher, landmarkers left to the interpreter's shutdown) when the
    LocalCluster closed. Its landmarkers are now closed by a worker plugin's teardown."""
    script = (
        "import sys\n"
        "from distributed import LocalCluster\n"
        "from rom.batch.run import run_batch\n"
        "from rom.settings import resolve_config\n"
        "if __name__ == '__main__':\n"
        "    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,\n"
        "                      dashboard_address=None) as cluster:\n"
        "        r = run_batch(sys.argv[1], sys.argv[2], resolve_config({}),\n"
        "                      scheduler=cluster.scheduler_address)\n"
        "    print('report', r.n_done, r.n_partial, r.n_failed)\n"
    )
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(small_folder / "a.mp4", folder / "a.mp4")
    proc = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
        env={**os.environ, "ROM_MODEL_PATH": str(shared_model)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "report 1 0 0" in proc.stdout
    assert "Traceback" not in proc.stderr and "TypeError" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("address", "words"),
    [
        # before: "rom: internal error: ValueError: missing port number in address ..."
        ("notanaddress", ("--scheduler notanaddress is not a Dask scheduler address",)),
        # before: the right message, but clips/, failed/ and settings files were left behind
        ("tcp://127.0.0.1:9", ("cannot reach the Dask scheduler at tcp://127.0.0.1:9",)),
    ],
)
def test_a_bad_scheduler_address_is_one_line_and_writes_nothing(
    small_folder: Path, tmp_path: Path, address: str, words: tuple[str, ...]
) -> None:
    """A user review: a scheduler address that is not one, or that nobody answers at,
    is a one-line error with the fix (exit 2), before the output folder is made."""
    from tests.integration.test_cli import assert_one_line_error, run_rom

    out = tmp_path / "out"
    proc = run_rom("batch", str(small_folder), "--out", str(out), "--scheduler", address)
    assert_one_line_error(proc, 2, *words)
    assert not out.exists()


def test_a_run_says_when_the_folder_holds_clips_of_other_inputs(
    small_folder: Path, tmp_path: Path, shared_model: Path
) -> None:
    """A user review: a second run into the same --out with another input left the first
    run's clips out of the tables without a word. The tables follow the input (as
    before); the run now says how many clips it left out, and where they are."""
    from tests.integration.test_cli import run_rom

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(small_folder / "a.mp4", first / "a.mp4")
    shutil.copy(small_folder / "corrupt.mp4", second / "corrupt.mp4")
    out = tmp_path / "out"
    proc = run_rom("batch", str(first), "--out", str(out), model=shared_model)
    assert proc.returncode == 0, proc.stderr
    assert "note:" not in proc.stdout
    proc = run_rom("batch", str(second), "--out", str(out), model=shared_model)
    assert proc.returncode != 0  # the corrupt clip failed
    assert f"note: 1 result in {out} from earlier runs (of other clips, or with other" in (
        proc.stdout
    )
    assert "a.mp4" not in (out / "results.csv").read_text()


@pytest.mark.slow
def test_one_clip_batch_header_side_label_and_messages(tmp_path, shared_dir, shared_model) -> None:
    """A user review of a 1-clip batch: "1 clips", settings.json missing from the files
    written, `side=left` still giving right-side rows, and results columns the README did
    not name. The run says "1 clip", lists every file it wrote; the manifest's side is a
    label (`clip_side`) beside the results' own `side`; the real header is the README's."""
    clip = transform_video(shared_dir / "clips" / LAB1, tmp_path / "lab.mp4", _half, max_frames=40)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"path,protocol,side,subject,session,label\n{clip.name},shoulder-abduction,left,s1,pre,x\n"
    )
    out = tmp_path / "out"
    proc = run_rom("batch", str(manifest), "--out", str(out), "--workers", "1", model=shared_model)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "1 clip: 0 already done, 1 to analyse", proc.stdout
    assert lines[1].startswith("1 clip now: 1 analysed"), proc.stdout
    listed = [Path(x.strip()) for x in lines[2:]]
    assert sorted(p.name for p in listed) == sorted(
        ["results.parquet", "results.csv", "errors.csv", "settings.toml", "settings.json"]
    )
    assert all(p.is_file() for p in listed)
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cell = next(ln for ln in readme.splitlines() if ln.startswith("| `results.parquet`, "))
    named = re.findall(r"`([a-z0-9_]+)`", cell)
    own = header[header.index("clip_id") :]  # after the manifest's columns
    tail = dict.fromkeys(named[named.index("clip_id") :])  # first mentions, in order
    assert [c for c in tail if c in own] == own, (own, cell)
    assert header[:6] == ["path", "clip_protocol", "clip_side", "subject", "session", "clip_label"]
    assert all(f"`{c}`" in cell for c in ("clip_protocol", "clip_side", "clip_label"))
    assert {r["clip_side"] for r in rows} == {"left"}  # the manifest's, a label
    assert {"left", "right"} <= {r["side"] for r in rows}  # every side measured


@pytest.mark.slow
def test_a_scheduler_without_workers_is_said_and_the_clips_wait_for_one(
    shared_model, tmp_path, monkeypatch
) -> None:
    """A user review: `rom batch --scheduler` on a scheduler with no worker sat at 0 clips
    without a word. It now says so (with the command that starts a worker), and the clips
    run once a worker joins."""
    import threading

    from distributed import LocalCluster

    from rom.batch import cluster as batch_cluster
    from rom.batch.run import run_batch

    monkeypatch.setattr(batch_cluster, "WORKER_WAIT_S", 1.0)
    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "corrupt.mp4").write_bytes(NOT_A_VIDEO)  # fails at once: no model needed
    notes: list[str] = []
    with LocalCluster(
        n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        joined = threading.Event()

        def note(text: str) -> None:
            notes.append(text)
            cluster.scale(1)  # the user starts a worker
            joined.set()

        report = run_batch(
            folder,
            tmp_path / "out",
            resolve_config({}),
            scheduler=cluster.scheduler_address,
            on_note=note,
        )
    assert joined.is_set()
    assert notes == [batch_cluster.no_worker_note(cluster.scheduler_address)]
    assert "no Dask worker is connected to the scheduler at tcp://" in notes[0]
    assert f"`dask worker {cluster.scheduler_address} --nthreads 1`" in notes[0]
    assert (report.n_done, report.n_failed) == (0, 1)
    assert UNREADABLE.search(read_errors(tmp_path / "out")[0]["reason"])


@pytest.mark.slow
def test_a_lost_scheduler_fails_the_clips_not_finished_in_one_line_each(
    clips, shared_model, tmp_path, monkeypatch, capfd
) -> None:
    """A user review: losing the scheduler mid-run failed the remaining clips with "the
    Dask worker failed (FutureCancelledError: _run-4e9b... cancelled for reason:
    scheduler-connection-lost ...)" and printed Dask's tracebacks on stderr. Now each
    such clip's reason says what happened and what to do, the user is told once, nothing
    else reaches stderr, and the finished clip is kept."""
    from distributed import LocalCluster

    from rom.batch.cluster import scheduler_lost_reason
    from rom.batch.run import run_batch

    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("outdoor", "lab", "leaves", "truncated"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    notes: list[str] = []
    finished: list[str] = []
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address

        def progress(outcome) -> None:
            finished.append(outcome.status)
            if len(finished) == 1:
                cluster.close()  # the scheduler (and its worker) gone after the first clip

        capfd.readouterr()
        report = run_batch(
            folder,
            tmp_path / "out",
            resolve_config({}),
            scheduler=address,
            on_note=notes.append,
            on_progress=progress,
        )
    err = capfd.readouterr().err
    assert report.n_done + report.n_partial == 1 and report.n_failed == 3, finished
    errors = read_errors(tmp_path / "out")
    assert [e["reason"] for e in errors] == [scheduler_lost_reason(address)] * 3
    assert len(notes) == 1 and notes[0].startswith(f"lost the Dask scheduler at {address}")
    assert "Traceback" not in err and "distributed.client - ERROR" not in err, err
    assert len(list((tmp_path / "out" / "clips").iterdir())) == 1  # the finished clip kept
