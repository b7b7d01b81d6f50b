"""The dashboard's analysis jobs for real: ``python -m rom.app.worker`` children analyse
real video with MediaPipe and store into a real SQLite database, as ``rom analyze
--client --session`` would; bad videos end as failed jobs with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")

from rom.app.jobs import AnalysisRequest, JobManager, job_out_dir
from rom.app.settings import AppSettings
from tests.app_support import OUTDOOR, app_env, clip_segment
from tests.videos import write_video

pytestmark = pytest.mark.slow
TIMEOUT_S = 900


@pytest.fixture
def app_root(tmp_path: Path, shared_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for k, v in app_env(tmp_path, shared_model).items():
        monkeypatch.setenv(k, v)
    from rom.app import data

    data.add_client("C1")
    data.add_session("C1", "pre")
    return tmp_path


def _request(
    video: Path, name: str, protocol: str | None = "shoulder-abduction"
) -> AnalysisRequest:
    settings = AppSettings.from_env()
    return AnalysisRequest(
        video=video,
        display_name=name,
        client="C1",
        session="pre",
        protocol=protocol,
        out_dir=job_out_dir(settings.analyses_dir),
    )


def test_an_analysis_is_stored_with_the_packages_own_values(
    app_root: Path, shared_dir: Path
) -> None:
    from rom.app import data
    from rom.metrics.measure_values import measure_values
    from rom.pipeline import AnalysisConfig, analyze_video

    src = clip_segment(shared_dir / "clips" / OUTDOOR, app_root / "short.mp4", 0, 75, scale=0.5)
    upload = app_root / "app" / "uploads" / "0123abcd.mp4"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(src.read_bytes())
    req = _request(upload, "Monday session.mp4")
    jobs = JobManager()
    job = jobs.wait(jobs.submit(req).id, TIMEOUT_S)
    assert job.state == "done", job.message
    info = data.recording_info(job.recording_id)
    assert (info.client, info.session, info.video_name) == ("C1", "pre", "Monday session.mp4")
    # The package's own result for the same clip and settings.
    own = analyze_video(src, app_root / "own", AnalysisConfig(protocol="shoulder-abduction"))
    want = [
        (v.measure, v.side, v.direction, v.status, v.value_deg) for v in measure_values(own.summary)
    ]
    got = [
        (v.measure, v.side, v.direction, v.status, v.value_deg)
        for v in data.recording_values(job.recording_id)
    ]
    assert got == want and any(s == "measured" for *_, s, _ in got)
    assert info.summary["results"] == json.loads(json.dumps(own.summary["results"]))
    # The sidebar counts the warning boxes the Results page shows above the table.
    from rom.app import tables

    assert list(job.warnings) == tables.result_notes(info.summary["results"]).general
    rec = data.load_recording(job.recording_id)
    assert rec.overlay is not None and rec.overlay.stat().st_size > 1000
    assert np.array_equal(rec.angles.time_s, own.angles.time_s)
    # Nothing left behind but the database and the overlay: no copy of the video.
    assert not upload.exists() and not req.out_dir.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not a video" * 100) and p, "cannot open Clinic clip.mp4"),
        (
            lambda p: write_video(p, [np.full((240, 320, 3), 90, np.uint8)] * 20),
            "nobody was found in Clinic clip.mp4",
        ),
    ],
    ids=["not-a-video", "nobody-in-it"],
)
def test_a_bad_video_fails_with_one_line_and_keeps_the_file(
    app_root: Path, make: object, message: str
) -> None:
    from rom.app import data

    video = app_root / "app" / "uploads" / "feedbeef.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    make(video)  # type: ignore[operator]
    jobs = JobManager()
    job = jobs.wait(jobs.submit(_request(video, "Clinic clip.mp4")).id, TIMEOUT_S)
    assert job.state == "failed"
    assert message in job.message and "\n" not in job.message
    assert "feedbeef" not in job.message
    assert video.exists()
    assert data.list_recordings("C1") == []
