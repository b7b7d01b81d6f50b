"""The job manager: analyses run one at a time in real child processes, report their
progress, and end done, failed (with the reason) or cancelled, whatever the child does.

The children here are small Python scripts speaking the worker's protocol (request as
JSON on stdin, JSON lines on stdout); the real worker is run in
tests/integration/test_app_worker.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rom.app.jobs import AnalysisRequest, JobManager, job_out_dir

TIMEOUT_S = 60


def request(tmp_path: Path, name: str = "clip.mp4") -> AnalysisRequest:
    return AnalysisRequest(
        video=tmp_path / "x.mp4",
        display_name=name,
        client="C1",
        session="pre",
        protocol="shoulder-abduction",
        out_dir=tmp_path / "out",
        person_point_px=(12.5, 30.0),
    )


def script(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_request_round_trips_through_json(tmp_path: Path) -> None:
    r = request(tmp_path)
    assert AnalysisRequest.from_json(r.to_json()) == r


def test_progress_then_done(tmp_path: Path) -> None:
    code = (
        "import json, sys, time\n"
        "req = json.loads(sys.stdin.read())\n"
        "print('a library printing to stdout')\n"
        "for i in range(1, 4):\n"
        "    print(json.dumps(['progress', 'tracking', i, 3]), flush=True); time.sleep(0.2)\n"
        "print(json.dumps(['done', 7, ['turned', req['display_name']]]), flush=True)\n"
    )
    jobs = JobManager(script(code))
    job = jobs.submit(request(tmp_path))
    assert job.state == "queued"
    seen = set()
    end = time.monotonic() + TIMEOUT_S
    while jobs.get(job.id).active and time.monotonic() < end:  # type: ignore[union-attr]
        j = jobs.get(job.id)
        assert j is not None
        if j.state == "running" and j.total:
            seen.add(j.done)
        time.sleep(0.05)
    done = jobs.wait(job.id, TIMEOUT_S)
    assert done.state == "done" and done.recording_id == 7
    assert done.warnings == ("turned", "clip.mp4")
    assert seen and seen <= {1, 2, 3}
    assert done.fraction == 1.0 and "done" in done.describe()


def test_a_reported_failure_keeps_its_message(tmp_path: Path) -> None:
    code = "import json; print(json.dumps(['failed', 'nobody was found in clip.mp4']))"
    jobs = JobManager(script(code))
    job = jobs.wait(jobs.submit(request(tmp_path)).id, TIMEOUT_S)
    assert job.state == "failed" and job.message == "nobody was found in clip.mp4"


def test_a_crash_is_a_failure_with_the_last_error_line(tmp_path: Path) -> None:
    code = "import sys; sys.stderr.write('MediaPipe: bad things\\nSegfault-ish\\n'); sys.exit(3)"
    jobs = JobManager(script(code))
    job = jobs.wait(jobs.submit(request(tmp_path)).id, TIMEOUT_S)
    assert job.state == "failed"
    assert "exit code 3" in job.message and "Segfault-ish" in job.message
    assert "nothing was stored" in job.message


def test_jobs_run_one_at_a_time_in_order_and_a_queued_one_can_be_cancelled(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.txt"
    code = (
        "import json, sys, time\n"
        "req = json.loads(sys.stdin.read())\n"
        f"open({str(log)!r}, 'a').write('start ' + req['display_name'] + '\\n')\n"
        "time.sleep(0.5)\n"
        f"open({str(log)!r}, 'a').write('end ' + req['display_name'] + '\\n')\n"
        "print(json.dumps(['done', 1, []]))\n"
    )
    jobs = JobManager(script(code))
    a, b, c = (jobs.submit(request(tmp_path, n)) for n in ("a", "b", "c"))
    jobs.cancel(b.id)
    assert jobs.wait(a.id, TIMEOUT_S).state == "done"
    assert jobs.wait(c.id, TIMEOUT_S).state == "done"
    assert jobs.get(b.id).state == "cancelled"  # type: ignore[union-attr]
    assert log.read_text().split("\n")[:-1] == ["start a", "end a", "start c", "end c"]


def test_a_running_job_can_be_stopped(tmp_path: Path) -> None:
    code = (
        "import json, time\n"
        "print(json.dumps(['progress', 'tracking', 1, 100]), flush=True)\n"
        "time.sleep(60)\n"
    )
    jobs = JobManager(script(code))
    job = jobs.submit(request(tmp_path))
    end = time.monotonic() + TIMEOUT_S
    while jobs.get(job.id).done == 0 and time.monotonic() < end:  # type: ignore[union-attr]
        time.sleep(0.05)
    started = time.monotonic()
    jobs.cancel(job.id)
    assert jobs.wait(job.id, TIMEOUT_S).state == "cancelled"
    assert time.monotonic() - started < 30


def test_output_folders_are_never_reused(tmp_path: Path) -> None:
    a = job_out_dir(tmp_path, "stamp")
    b = job_out_dir(tmp_path, "stamp")
    assert a != b and a.is_dir() and b.is_dir()


def test_a_worker_that_hangs_after_its_result_is_done_and_does_not_block_the_next(
    tmp_path: Path, monkeypatch
) -> None:
    """A child that has stored its result and reported it, then never exits (a library's
    threads at interpreter shutdown), is done at once; it is stopped after
    ``EXIT_WAIT_S`` so that the next job runs."""
    import rom.app.jobs as jobs_module

    monkeypatch.setattr(jobs_module, "EXIT_WAIT_S", 1.0)
    code = (
        "import json, sys, time\n"
        "req = json.loads(sys.stdin.read())\n"
        "print(json.dumps(['done', 5, []]), flush=True)\n"
        "time.sleep(600)\n"
    )
    jobs = JobManager(script(code))
    a, b = jobs.submit(request(tmp_path, "a")), jobs.submit(request(tmp_path, "b"))
    started = time.monotonic()
    assert jobs.wait(a.id, TIMEOUT_S).state == "done"
    assert jobs.wait(b.id, TIMEOUT_S).state == "done"
    assert time.monotonic() - started < 30


def test_an_uploads_stored_name_is_replaced_by_the_users_in_its_messages() -> None:
    """A truncated upload said "video truncated: edb450d3c473b4df46f0a45e.mp4: ..." (the
    name it is stored under): every text of the summary names it as the user did."""
    from rom.app.worker import _rename_in

    doc = {
        "warnings": ["video truncated: 0123abcd.mp4: the video ends at frame 12"],
        "results": {"warnings": ["0123abcd.mp4 ends early"], "n": 3, "x": None},
        "measures": [{"reason": "in 0123abcd.mp4"}, 4.5],
    }
    out = _rename_in(doc, "0123abcd.mp4", "Monday <b>.mp4")
    assert out is doc
    assert doc == {
        "warnings": ["video truncated: Monday <b>.mp4: the video ends at frame 12"],
        "results": {"warnings": ["Monday <b>.mp4 ends early"], "n": 3, "x": None},
        "measures": [{"reason": "in Monday <b>.mp4"}, 4.5],
    }
