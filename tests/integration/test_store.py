"""The database, on a real SQLite file and a real PostgreSQL server: clients, sessions,
analyses saved in one transaction, duplicates recognised, comparison of what was stored,
tidy export, deletion of everything, migrations, and failures that lose nothing."""

from __future__ import annotations

import errno
import math
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rom.errors import InputError, StoreError
from rom.metrics.compare import compare_values, load_mdc
from rom.metrics.measure_values import measure_values
from rom.store import Store, open_store, record_from_analysis
from rom.store import store as store_module
from rom.store.engine import connect
from rom.store.files import FileStore
from rom.store.migrate import HEAD_REVISION, _config, head_revision
from rom.store.models import Base
from tests.integration.conftest import Analysed

pytestmark = pytest.mark.slow

TABLES = ("clients", "sessions", "recordings", "results", "key_frames", "reports")
NASTY = "<script>alert('x')</script>"
INJECTION = "'; DROP TABLE clients; --"


def _record(a: Analysed, **kw):  # type: ignore[no-untyped-def]
    r = a.result
    return record_from_analysis(r.summary, r.angles, a.video, **kw)  # type: ignore[attr-defined]


def _pre_saved(st: Store, pre: Analysed) -> set[Path]:
    """Client C01 with sessions pre (the pre clip saved) and post; the files stored."""
    st.add_client("C01")
    st.add_session("C01", "pre")
    st.add_session("C01", "post")
    st.save_analysis(_record(pre), "C01", "pre")
    return set(_files(st.files.root))


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        n = int(c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_clients_and_sessions_text_is_data(database_url: str) -> None:
    from datetime import datetime

    with open_store() as st:
        st.add_client("C01", notes=NASTY)
        st.add_client(INJECTION, notes=INJECTION)
        with pytest.raises(InputError, match="already exists"):
            st.add_client("C01")
        with pytest.raises(InputError, match="empty"):
            st.add_client("  ")
        with pytest.raises(InputError, match="line break"):
            st.add_client("a\nb")
        clients = {c.code: c for c in st.list_clients()}
        assert clients["C01"].notes == NASTY
        assert clients[INJECTION].notes == INJECTION  # stored and shown verbatim
        st.add_session("C01", "post", datetime(2025, 3, 8, 10, 0))
        st.add_session("C01", "pre", datetime(2025, 3, 1, 9, 30), notes=NASTY)
        with pytest.raises(InputError, match="already has a session 'pre'"):
            st.add_session("C01", "pre")
        with pytest.raises(InputError, match="no client 'C99'.*rom client add C99"):
            st.add_session("C99", "pre")
        with pytest.raises(InputError, match="has no session 'mid'.*rom session add C01 mid"):
            st.get_session("C01", "mid")
        sessions = st.list_sessions("C01")
        assert [s.label for s in sessions] == ["pre", "post"]  # by date, not by creation
        assert sessions[0].notes == NASTY
    for t in TABLES:  # the injection attempt dropped nothing
        assert _count(database_url, t) >= 0
    assert _count(database_url, "clients") == 2


def test_an_analysis_is_saved_once_compared_exported_and_deleted_without_trace(
    database_url: str, analysed_pair: tuple[Analysed, Analysed], tmp_path: Path
) -> None:
    pre, post = analysed_pair
    with open_store() as st:
        st.add_client("C01")
        st.add_session("C01", "pre")
        st.add_session("C01", "post")
        with pytest.raises(InputError, match="no session"):
            st.save_analysis(_record(pre), "C01", "later")
        first = st.save_analysis(_record(pre), "C01", "pre", store_video=True)
        again = st.save_analysis(_record(pre), "C01", "pre")
        assert first.created and not again.created and again.recording_id == first.recording_id
        assert st.save_analysis(_record(post), "C01", "post").created
        assert len(st.recordings("C01", "pre")) == 1

        # What is stored is what the analysis said.
        stored, ids = st.session_values("C01", "pre")
        assert ids == [first.recording_id]
        expected = measure_values(pre.result.summary)  # type: ignore[attr-defined]
        assert {v.key: v.value_deg for v in stored} == pytest.approx(
            {v.key: v.value_deg for v in expected}
        )
        assert {v.key: v.rep_peaks_deg for v in stored} == {
            v.key: v.rep_peaks_deg for v in expected
        }
        # a peak not seen keeps its lower bound ("at least N" in compare and the report)
        assert {v.key: v.at_least_deg for v in stored} == {v.key: v.at_least_deg for v in expected}
        rec = st.recording(first.recording_id)
        assert rec.video_name == pre.video.name and rec.view == "front"
        series = st.series(rec)
        angles = pre.result.angles  # type: ignore[attr-defined]
        assert series.names == angles.names
        np.testing.assert_array_equal(np.isnan(series.values_deg), np.isnan(angles.values_deg))
        np.testing.assert_allclose(series.values_deg, angles.values_deg, equal_nan=True)

        # The comparison reads the stored values.
        changes = compare_values(stored, st.session_values("C01", "post")[0], load_mdc())
        assert changes and all(
            c.verdict in ("real", "within noise", "not judged", "missing") for c in changes
        )
        for c in changes:
            b = next(v for v in stored if v.key == c.key)
            assert c.before_deg == (b.value_deg if b.reported else None)

        # Tidy export: one row per client, session, recording, measure, side, direction
        # and statistic (and repetition); missing values stay missing.
        rows = st.export_rows("C01")
        fields = (
            "client",
            "session",
            "recording",
            "protocol",
            "measure",
            "side",
            "direction",
            "statistic",
            "rep",
        )
        keys = [tuple(r[f] for f in fields) for r in rows]
        assert len(keys) == len(set(keys))
        values = {
            (r["session"], r["measure"], r["side"], r["direction"]): r["value"]
            for r in rows
            if r["statistic"] == "value"
        }
        for v in stored:
            side = v.side or "none"
            assert values[("pre", v.measure, side, v.direction)] == pytest.approx(v.value_deg)
        assert all(r["value"] is None or math.isfinite(r["value"]) for r in rows)
        assert {r["session"] for r in rows} == {"pre", "post"}

        # A report file the client owns (in rom's data folder), then delete the client:
        # nothing remains.
        report = st.files.root / "reports" / "report.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("<html>report</html>")
        st.add_report("C01", report)
        files_root = st.files.root
        assert _files(files_root)  # time series, key frames none, the stored video
        out = st.delete_client("C01")
        assert (out.sessions, out.recordings, out.reports_removed) == (2, 2, (str(report),))
        assert not report.exists()
        with pytest.raises(InputError, match="no client"):
            st.list_sessions("C01")
    for t in TABLES:
        assert _count(database_url, t) == 0, t
    assert _files(files_root) == []


def test_a_changed_report_file_is_kept_on_delete(database_url: str, tmp_path: Path) -> None:
    with open_store() as st:
        report = st.files.root / "reports" / "report.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("<html>report</html>")
        st.add_client("C01")
        st.add_report("C01", report)
        report.write_text("<html>edited by the therapist</html>")
        out = st.delete_client("C01")
        assert out.reports_removed == () and out.reports_kept == (str(report.resolve()),)
    assert report.exists()


def test_a_failed_save_keeps_nothing_of_it_and_loses_nothing_before(
    database_url: str, analysed_pair: tuple[Analysed, Analysed], monkeypatch: pytest.MonkeyPatch
) -> None:
    pre, post = analysed_pair
    with open_store() as st:
        before_files = _pre_saved(st, pre)

        def fail(*a: object, **k: object) -> object:
            raise RuntimeError("power cut")

        # Fails inside the transaction, after the recording row was written.
        monkeypatch.setattr(store_module, "_result_row", fail)
        with pytest.raises(RuntimeError, match="power cut"):
            st.save_analysis(_record(post), "C01", "post")
        monkeypatch.undo()
        assert st.recordings("C01", "post") == []
        assert set(_files(st.files.root)) == before_files  # its time series removed again
        assert len(st.session_values("C01", "pre")[0]) == len(measure_values(pre.result.summary))  # type: ignore[attr-defined]
        assert st.save_analysis(_record(post), "C01", "post").created  # and it can be redone


def test_disk_full_while_writing_files_is_one_clear_error(
    database_url: str, analysed_pair: tuple[Analysed, Analysed], monkeypatch: pytest.MonkeyPatch
) -> None:
    pre, post = analysed_pair
    with open_store() as st:
        before_files = _pre_saved(st, pre)
        real_write = FileStore._write

        def full(self: FileStore, dest: Path, write: object) -> None:
            def short(fh: object) -> None:
                fh.write(b"partial")  # type: ignore[attr-defined]
                raise OSError(errno.ENOSPC, "No space left on device")

            real_write(self, dest, short)

        monkeypatch.setattr(FileStore, "_write", full)
        with pytest.raises(StoreError, match="disk is full.*nothing new was stored"):
            st.save_analysis(_record(post), "C01", "post")
        monkeypatch.undo()
        assert st.recordings("C01", "post") == []
        assert set(_files(st.files.root)) == before_files  # no half-written file left
        assert len(st.recordings("C01", "pre")) == 1


def test_sqlite_disk_full_inside_the_database_loses_nothing(
    tmp_path: Path, analysed_pair: tuple[Analysed, Analysed], monkeypatch: pytest.MonkeyPatch
) -> None:
    pre, post = analysed_pair
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "files"))
    url = f"sqlite:///{tmp_path / 'rom.sqlite3'}"
    with open_store(url) as st:
        before_files = _pre_saved(st, pre)
        st.db.engine.dispose()

        @sa.event.listens_for(st.db.engine, "connect")
        def _full(dbapi_conn, record):  # type: ignore[no-untyped-def]
            # SQLite's own "database or disk is full": no page may be added.
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(StoreError, match="disk is full"):
            st.save_analysis(_record(post), "C01", "post")
        assert set(_files(st.files.root)) == before_files
    with open_store(url) as st:
        assert st.recordings("C01", "post") == []
        assert len(st.recordings("C01", "pre")) == 1
        assert st.save_analysis(_record(post), "C01", "post").created


# --- migrations -----------------------------------------------------------------------


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url: str) -> None:
    with open_store() as st, st.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_an_older_database_is_upgraded_and_keeps_its_data(database_url: str) -> None:
    db = connect()
    with db.write() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            sa.text("INSERT INTO clients (code, notes, created_utc) VALUES (:c, :n, :t)"),
            {"c": "OLD1", "n": NASTY, "t": "2024-01-01 00:00:00"},
        )
    db.dispose()
    assert head_revision() == HEAD_REVISION != "0001"
    with open_store() as st:
        (c,) = st.list_clients()
        assert (c.code, c.notes) == ("OLD1", NASTY)
        st.add_session("OLD1", "pre")
        with st.db.read() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
            assert "key_frames" in sa.inspect(conn).get_table_names()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("results")}
            assert "at_least_deg" in columns


def test_a_newer_database_is_refused_and_left_untouched(database_url: str) -> None:
    with open_store() as st:
        st.add_client("C01")
        with st.db.write() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer version of rom.*'9999'.*left untouched"):
        open_store()
    assert _count(database_url, "clients") == 1


def test_a_database_that_is_not_roms_is_refused(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not a rom database"):
        open_store()
    assert _count(database_url, "invoices") == 0
