"""The database under real processes: several rom processes writing at once, a database
locked by another writer, read-only, damaged or from a newer rom, and ``rom analyze``
killed with SIGKILL mid-run. Every failure is one line; nothing stored is lost."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from rom.outputs import write_angles_csv, write_json
from rom.store import open_store
from tests.clirun import ROOT, one_line_error, rom
from tests.integration.conftest import Analysed

pytestmark = pytest.mark.slow


# --- several writers at once ------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, sys
    from rom.outputs import read_angles_csv
    from rom.store import open_store, record_from_analysis
    wid, n, folder, video = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    summary = json.load(open(folder + "/summary.json"))
    angles = read_angles_csv(folder + "/angles.csv")
    record = record_from_analysis(summary, angles, video)
    with open_store() as st:
        for k in range(n):
            code = f"W{wid}-{k}"
            st.add_client(code, notes=f"worker {wid}")
            st.add_session(code, "pre")
            st.save_analysis(record, code, "pre")
            st.add_session("SHARED", f"w{wid}-{k}")
            st.save_analysis(record, "SHARED", "pre")  # all save the same: kept once
    print("done")
    """
)


def test_several_processes_write_at_once_and_nothing_is_lost_or_doubled(
    database_url: str, analysed_pair: tuple[Analysed, Analysed], tmp_path: Path
) -> None:
    pre, _ = analysed_pair
    folder = tmp_path / "analysis"
    folder.mkdir()
    write_json(pre.result.summary, folder / "summary.json")  # type: ignore[attr-defined]
    write_angles_csv(pre.result.angles, folder / "angles.csv")  # type: ignore[attr-defined]
    with open_store() as st:
        st.add_client("SHARED")
        st.add_session("SHARED", "pre")
    n_workers, n_each = 4, 6
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(n_each), str(folder), str(pre.video)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for w in range(n_workers)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    elapsed = time.perf_counter() - started
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and "done" in out, err
    with open_store() as st:
        clients = {c.code: c for c in st.list_clients()}
        assert len(clients) == 1 + n_workers * n_each
        assert all(c.n_recordings == 1 for c in clients.values())
        assert len(st.list_sessions("SHARED")) == 1 + n_workers * n_each
        assert len(st.recordings("SHARED")) == 1
        if st.db.is_sqlite:
            with st.db.read() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    print(
        f"{n_workers} processes x {n_each} analyses saved at once "
        f"({database_url.split(':')[0]}): {elapsed:.1f} s, no loss, no duplicate"
    )


# --- a database that cannot be used: one line each, nothing lost ------------------------


@pytest.fixture()
def sqlite_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "db" / "rom.sqlite3"
    monkeypatch.setenv("ROM_DATABASE_URL", str(db))
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "files"))
    p = rom("client", "add", "C01", "--notes", "kept")
    assert p.returncode == 0, p.stderr
    return db


def test_a_locked_database_waits_then_says_so(sqlite_db: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(sqlite_db)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(30)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        p = rom("client", "add", "C02", env={"ROM_DB_BUSY_TIMEOUT_S": "1.5"})
        waited = time.perf_counter() - started
        one_line_error(p, 6, "locked by another program", "waited 1.5 s")
        assert waited >= 1.5
        assert rom("client", "list").returncode == 0  # readers are not blocked (WAL)
    finally:
        holder.kill()
        holder.wait()
    p = rom("client", "add", "C02")
    assert p.returncode == 0, p.stderr
    listed = rom("client", "list").stdout
    assert "C01" in listed and "kept" in listed and "C02" in listed


def _read_only_rom(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``rom ARGS`` with ``folder`` read-only. Root ignores file permissions, so as root the
    folder is bind-mounted read-only in a private mount namespace (unshare -m)."""
    if os.geteuid() != 0:
        for p in (folder, *folder.iterdir()):
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            return rom(*args)
        finally:
            for p in (folder, *folder.iterdir()):
                p.chmod(0o755 if p.is_dir() else 0o644)
    d = shlex.quote(str(folder))
    cmd = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "rom.cli", *args))
    return subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && exec {cmd}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_a_read_only_database_is_one_clear_line_and_stays_intact(sqlite_db: Path) -> None:
    before = sqlite_db.read_bytes()
    one_line_error(_read_only_rom(sqlite_db.parent, "client", "add", "C02"), 6, "read-only")
    listed = _read_only_rom(sqlite_db.parent, "client", "list")  # reading still works
    assert listed.returncode == 0 and "C01" in listed.stdout, listed.stderr
    assert sqlite_db.read_bytes() == before
    assert "C01" in rom("client", "list").stdout


def test_a_damaged_database_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "rom.sqlite3"
    db.write_bytes(b"this is not SQLite " * 300)
    monkeypatch.setenv("ROM_DATABASE_URL", str(db))
    before = db.read_bytes()
    one_line_error(rom("client", "list"), 6, "not a rom database or is damaged", "untouched")
    one_line_error(rom("client", "add", "C01"), 6, "damaged")
    assert db.read_bytes() == before


def test_a_database_from_a_newer_rom_is_refused(sqlite_db: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{sqlite_db}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    one_line_error(rom("client", "list"), 6, "newer version of rom", "upgrade rom")
    engine = sa.create_engine(f"sqlite:///{sqlite_db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT notes FROM clients")).scalar() == "kept"
    engine.dispose()


# --- rom analyze killed with SIGKILL -----------------------------------------------------

PAUSED_SAVE = textwrap.dedent(
    """
    import sys, time
    from rom.store import store
    real = store._result_row
    def slow(v, rid):
        print("IN-TRANSACTION", flush=True)
        time.sleep(60)
        return real(v, rid)
    store._result_row = slow
    from rom.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _wait_for_open(pid: int, path: Path, timeout_s: float = 240) -> bool:
    """Wait until process ``pid`` has ``path`` open (Linux /proc)."""
    target = str(path.resolve())
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:
            return False
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
            except OSError:
                continue
        time.sleep(0.05)
    return False


def _consistent(url: str) -> None:
    with open_store(url) as st:
        assert st.recordings("K01", "pre") == []
        if st.db.is_sqlite:
            with st.db.read() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with st.db.read() as conn:
            for table in ("recordings", "results", "key_frames"):
                n = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                assert n == 0, table


def test_sigkill_mid_analysis_and_mid_save_leaves_the_database_consistent(
    database_url: str, clinic_clips: dict[str, Path], shared_model: Path
) -> None:
    env = {"ROM_MODEL_PATH": str(shared_model)}
    for args in (("client", "add", "K01"), ("session", "add", "K01", "pre")):
        assert rom(*args).returncode == 0
    analyze = [
        "analyze",
        str(clinic_clips["short"]),
        "--client",
        "K01",
        "--session",
        "pre",
        "--protocol",
        "shoulder-abduction",
        "-q",
    ]

    # 1. Killed while analysing: as soon as it has the video open.
    p = subprocess.Popen(
        [sys.executable, "-m", "rom.cli", *analyze],
        cwd=ROOT,
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    assert _wait_for_open(p.pid, clinic_clips["short"]), "the run never opened the video"
    p.send_signal(signal.SIGKILL)
    p.wait()
    _consistent(database_url)

    # 2. Killed inside the saving transaction (after the recording row was written).
    p = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SAVE, *analyze],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    deadline = time.time() + 240
    line = ""
    while time.time() < deadline and "IN-TRANSACTION" not in line:
        line = p.stdout.readline()
        if not line and p.poll() is not None:
            break
    assert "IN-TRANSACTION" in line, "the run never reached the save"
    p.send_signal(signal.SIGKILL)
    p.wait()
    _consistent(database_url)

    # 3. The next run completes.
    done = rom(*analyze, env=env)
    assert done.returncode == 0, done.stderr
    with open_store() as st:
        (rec,) = st.recordings("K01", "pre")
        assert rec.video_name == "short.mp4"
        values, _ = st.session_values("K01", "pre")
        assert values
        summary = json.loads(json.dumps(rec.summary))
        assert summary["protocol"]["name"] == "shoulder-abduction"
        assert st.files.path("series", rec.series_sha256).is_file()
