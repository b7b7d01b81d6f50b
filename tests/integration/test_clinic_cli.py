"""The therapist's flow from the command line alone, on a SQLite file and on a real
PostgreSQL server: register a client, analyse a pre and a post clip into two sessions,
compare, write the PDF report (checked by rendering it with poppler), export, delete.
And every bad input of these commands: one line, non-zero exit, nothing lost."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rom.store import open_store
from tests.clirun import ok, one_line_error, rom

NOTES = "<script>alert('x')</script> '; DROP TABLE clients; --"


def _poppler(skip_or_fail) -> None:  # type: ignore[no-untyped-def]
    for tool in ("pdftotext", "pdftoppm", "pdfimages"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is missing (apt-get install poppler-utils)")


@pytest.mark.slow
def test_the_clinic_flow_from_the_command_line(
    database_url: str,
    clinic_clips: dict[str, Path],
    shared_model: Path,
    tmp_path: Path,
    skip_or_fail,  # type: ignore[no-untyped-def]
) -> None:
    _poppler(skip_or_fail)
    env = {"ROM_MODEL_PATH": str(shared_model)}
    ok("client", "add", "C01", "--notes", NOTES)
    ok("session", "add", "C01", "pre", "--date", "2025-03-01")
    ok("session", "add", "C01", "post", "--date", "2025-03-08T10:30")

    def analyze(label: str, *more: str) -> str:
        args = ["--client", "C01", "--session", label, "--protocol", "shoulder-abduction"]
        return ok("analyze", str(clinic_clips[label]), *args, *more, env=env)

    outputs = tmp_path / "outputs"
    for label, more in (("pre", ("--out", str(outputs))), ("post", ())):
        out = analyze(label, *more)
        assert "stored as recording" in out and f"session {label}" in out
    assert (outputs / "summary.json").is_file()  # --out still writes the files
    # The same video with the same settings again: recognised at once, not duplicated.
    out = analyze("pre")
    assert "already stored as recording" in out and "nothing to do" in out
    assert "C01" in ok("client", "list") and NOTES in ok("client", "list")
    sessions = ok("session", "list", "C01")
    assert re.search(r"pre\s+2025-03-01 00:00\s+1\s+shoulder-abduction", sessions), sessions
    assert re.search(r"post\s+2025-03-08 10:30\s+1", sessions), sessions

    with open_store() as st:
        pre, _ = st.session_values("C01", "pre")
        post, _ = st.session_values("C01", "post")
        assert len(st.recordings("C01", "pre")) == 1
        frames = [st.key_frames(r.id) for r in st.recordings("C01")]
    assert pre and post
    assert all(f and all(kf.faces_blurred for kf, _ in f) for f in frames)  # blurred by default
    stored_pre = {v.key: v.value_deg for v in pre if v.reported}
    stored_post = {v.key: v.value_deg for v in post if v.reported}
    assert stored_pre and stored_post

    # rom compare: the default is the first and the last session.
    doc = json.loads(ok("compare", "C01", "--format", "json"))
    assert (doc["before"]["session"], doc["after"]["session"]) == ("pre", "post")
    for c in doc["changes"]:
        key = (c["protocol"], c["measure"], c["side"], c["direction"])
        assert c["before_deg"] == pytest.approx(stored_pre.get(key))
        assert c["after_deg"] == pytest.approx(stored_post.get(key))
        if c["before_deg"] is not None and c["after_deg"] is not None:
            assert c["change_deg"] == pytest.approx(c["after_deg"] - c["before_deg"])
        assert c["verdict"] in ("real", "within noise", "not judged", "missing")
    # The same flow on both databases; the other output formats once (they read the same
    # rows whatever the database), to keep the test's time down.
    every_format = database_url.startswith("sqlite")
    if every_format:
        rows = list(csv.DictReader(io.StringIO(ok("compare", "C01", "--format", "csv"))))
        assert len(rows) == len(doc["changes"]) and rows[0]["before"] == "pre"
        progress = ok("compare", "C01", "--progress")
        assert "pre" in progress and "post" in progress
    table = ok("compare", "C01", "--before", "pre", "--after", "post")
    from rom.metrics.compare import Change, headline

    # the headline counts the changes judged, not those that could not be
    assert (
        headline([Change(**{k: v for k, v in c.items() if k != "trend"}) for c in doc["changes"]])
        in table.splitlines()
    )
    for key, v in stored_pre.items():
        assert f"{v:.1f}" in table

    # The report: PDF rendered by poppler holds the table, the plots, the key frames,
    # and exactly the stored numbers.
    pdf = tmp_path / "report.pdf"
    ok("report", "C01", "--out", str(pdf))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Range of motion report" in text and "C01" in text
    assert "<script>alert('x')</script>" in text  # the note, verbatim
    assert "Before and after" in text and "Published" in text and "Left / right asymmetry" in text
    for c in doc["changes"]:
        for k in ("before_deg", "after_deg"):
            if c[k] is not None:
                assert f"{c[k]:.1f}" in text, (k, c)
        if c["change_deg"] is not None:
            assert f"{c['change_deg']:+.1f}" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    n_frames = sum(len(f) for f in frames)
    assert len(images) >= 1 + 2 + n_frames  # change chart, 2 angle plots, the key frames
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    from PIL import Image  # matplotlib's dependency

    first = np.asarray(Image.open(pages[0]).convert("RGB")).astype(int)
    assert (first.min(axis=2) < 200).mean() > 0.03  # not a blank page
    blue = (abs(first - (31, 111, 180)).sum(axis=2) < 60).sum()  # the "after" bars
    assert blue > 50, blue
    html = tmp_path / "report.html"
    if every_format:
        ok("report", "C01", "--out", str(html))
        page = html.read_text()
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>" not in page
        # One session's own report (a first assessment for the client's file): its values
        # against normal, no before/after.
        one = tmp_path / "pre.pdf"
        assert "report for C01 (pre) written" in ok(
            "report", "C01", "--session", "pre", "--out", str(one)
        )
        text = subprocess.run(
            ["pdftotext", "-layout", str(one), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Session pre:" in text and "Before and after" not in text and "After" not in text
        for key, v in stored_pre.items():
            assert f"{v:.1f}" in text, key

    # Tidy export (in the three formats once: the same rows).
    ok("export", "C01", "--out", str(tmp_path / "all.json"))
    as_json = json.loads((tmp_path / "all.json").read_text())
    if every_format:
        for suffix in ("csv", "parquet"):
            ok("export", "C01", "--out", str(tmp_path / f"all.{suffix}"))
        with open(tmp_path / "all.csv", newline="") as fh:
            exported = list(csv.DictReader(fh))
        import pyarrow.parquet as pq

        as_parquet = pq.read_table(tmp_path / "all.parquet").to_pylist()
        assert len(exported) == len(as_json) == len(as_parquet) > 0
        ok("export", "--all", "--out", str(tmp_path / "every.csv"))
    values = {
        (r["session"], r["measure"], r["side"], r["direction"]): r["value"]
        for r in as_json
        if r["statistic"] == "value"
    }
    for (proto, measure, side, direction), v in stored_pre.items():
        assert values[("pre", measure, side or "none", direction)] == pytest.approx(v)

    # Delete: the client's rows, time series and key frames are all gone; the reports
    # written where the user chose (outside rom's data folder) are theirs and stay.
    with open_store() as st:
        files_root = st.files.root
    assert any(p.is_file() for p in files_root.rglob("*"))
    out = ok("client", "delete", "C01", "--yes")
    assert "client C01 deleted: 2 session(s), 2 recording(s)" in out
    assert "0 report(s)" in out
    assert pdf.exists()
    assert html.exists() == every_format  # written in the every-format run only
    assert not [p for p in files_root.rglob("*") if p.is_file()]
    one_line_error(rom("session", "list", "C01"), 2, "no client 'C01'")
    with open_store() as st:
        assert st.export_rows() == []


def test_bad_input_is_one_line_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clinic_clips: dict[str, Path]
) -> None:
    monkeypatch.setenv("ROM_DATABASE_URL", str(tmp_path / "rom.sqlite3"))
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "files"))
    # An unknown client or session is caught before any analysis (no model needed here).
    video = str(clinic_clips["short"])
    one_line_error(
        rom("analyze", video, "--client", "C9", "--session", "pre"),
        2,
        "no client 'C9'",
        "rom client add C9",
    )
    ok("client", "add", "C01", "--notes", "first")
    one_line_error(
        rom("analyze", video, "--client", "C01", "--session", "pre"),
        2,
        "has no session 'pre'",
        "rom session add C01 pre",
    )
    one_line_error(rom("analyze", video, "--client", "C01"), 2, "--client and --session")
    one_line_error(rom("client", "add", "C01"), 2, "already exists")
    one_line_error(rom("client", "add", ""), 2, "empty")
    one_line_error(rom("session", "add", "C9", "pre"), 2, "no client 'C9'")
    one_line_error(rom("session", "add", "C01", "pre", "--date", "1 March"), 2, "YYYY-MM-DD")
    ok("session", "add", "C01", "pre")
    one_line_error(rom("session", "add", "C01", "pre"), 2, "already has a session 'pre'")
    one_line_error(rom("compare", "C01"), 2, "1 session(s); a comparison needs two")
    one_line_error(
        rom("compare", "C01", "--before", "pre", "--after", "nope"), 2, "no session 'nope'"
    )
    one_line_error(rom("report", "C01", "--out", str(tmp_path / "r.docx")), 2, ".pdf or .html")
    one_line_error(
        rom(
            "report", "C01", "--session", "pre", "--before", "pre", "--out", str(tmp_path / "r.pdf")
        ),
        2,
        "give --session for one session's report, or --before/--after",
    )
    one_line_error(rom("export", "--out", str(tmp_path / "x.csv")), 2, "client code or --all")
    one_line_error(rom("export", "C01", "--out", str(tmp_path / "x.xlsx")), 2, ".csv")
    one_line_error(
        rom("export", "C01", "--out", str(tmp_path / "no" / "x.csv")), 2, "does not exist"
    )
    one_line_error(rom("client", "delete", "C9", "--yes"), 2, "no client 'C9'")
    one_line_error(
        rom("client", "list", env={"ROM_DATABASE_URL": "postgresql+nodriver://x/y"}),
        2,
        "cannot use the database",
    )
    # Nothing was lost along the way.
    assert re.search(r"C01\s+1\s+0\s+first", ok("client", "list"))


def test_a_new_database_is_announced_and_delete_removes_only_what_rom_owns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rom client add` on a fresh machine says where it created the database (before:
    silently). `rom client delete` removes the report files rom wrote in its data folder
    and says which; a report written elsewhere stays (before: removed too)."""
    db = tmp_path / "data" / "rom.sqlite3"
    monkeypatch.setenv("ROM_DATABASE_URL", str(db))
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data" / "files"))
    first = ok("client", "add", "C01")
    assert first.splitlines()[0] == (
        f"created the database {db} (files in {tmp_path / 'data' / 'files'}); "
        "set ROM_DATABASE_URL to use another"
    )
    assert "created the database" not in ok("client", "add", "C02")
    assert "created the database" not in ok("client", "add", "C03", "--quiet")

    inside = tmp_path / "data" / "files" / "reports" / "C01.html"
    inside.parent.mkdir(parents=True)
    outside = tmp_path / "clients" / "C01 report.html"
    outside.parent.mkdir()
    for path in (inside, outside):
        path.write_text("<html>report</html>")
    with open_store() as st:
        st.add_report("C01", inside)
        st.add_report("C01", outside)
    p = rom("client", "delete", "C01", "--yes")
    assert p.returncode == 0, p.stderr
    assert "1 report(s)" in p.stdout and f"removed report {inside}" in p.stdout
    assert not inside.exists()
    assert outside.exists() and outside.read_text() == "<html>report</html>"
    kept = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert kept == [
        (
            f"kept {outside}: a report written outside rom's data folder (or edited since); "
            "delete it yourself if it should go"
        )
    ]
