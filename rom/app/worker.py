"""What a dashboard analysis job does in its child process: analyse, then store.

:func:`main` (``python -m rom.app.worker``) is the child process of
:class:`rom.app.jobs.JobManager`: it reads one request as JSON on standard input and
reports as JSON lines on standard output. :func:`run_request` runs the same
:func:`rom.pipeline.analyze_video` as ``rom analyze``, then
:func:`rom.app.data.save_analysis` (one transaction). A clip whose person leaves before
the end is still stored, with the warning; any error the package raises on purpose is
sent back as its one-line message.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from rom.app.jobs import AnalysisRequest

#: Progress messages are sent at most this often (seconds).
PROGRESS_EVERY_S = 0.25


def _progress(messages: Any) -> Callable[[str, int | None], Callable[[int], None]]:
    def make(stage: str, total: int | None) -> Callable[[int], None]:
        last = [0.0]
        count = [0]
        messages.put(("progress", stage, 0, total))

        def tick(i: int) -> None:
            count[0] += 1
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                messages.put(("progress", stage, count[0], total))

        return tick

    return make


class JsonLines:
    """``put(message)`` writes one JSON line to a text stream (the job's report)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def put(self, message: tuple[Any, ...]) -> None:
        self.stream.write(json.dumps(list(message)) + "\n")
        self.stream.flush()


def main() -> int:
    """Read an :class:`AnalysisRequest` (JSON) from stdin, run it, report on stdout."""
    request = AnalysisRequest.from_json(sys.stdin.read())
    out = sys.stdout
    # Whatever a library prints must not mix with the report: it goes to stderr.
    sys.stdout = sys.stderr
    run_request(request, JsonLines(out))
    return 0


def run_request(request: AnalysisRequest, messages: Any) -> None:
    """Analyse and store one request; report through ``messages.put`` (see JobManager)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        recording_id, warnings = analyse_and_store(request, _progress(messages))
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's message
        messages.put(("failed", failure_message(exc, request)))
        return
    finally:
        shutil.rmtree(request.out_dir, ignore_errors=True)  # what is kept is in the database
    # The video itself is not kept (as `rom analyze --client` without --store-video); a
    # failed job keeps it, so that nothing the user gave is lost.
    request.video.unlink(missing_ok=True)
    messages.put(("done", recording_id, warnings))


def analyse_and_store(
    request: AnalysisRequest,
    progress: Callable[[str, int | None], Callable[[int], None]],
) -> tuple[Any, list[str]]:
    """Run the pipeline on ``request.video`` and store the result; returns the stored
    recording's id and the clip-level warnings."""
    from rom.app import data
    from rom.errors import PartialResultError
    from rom.pipeline import AnalysisConfig, AnalysisResult, analyze_video
    from rom.pose.extract import ExtractSettings
    from rom.pose.tracking import PersonChoice

    person = PersonChoice(point_px=request.person_point_px) if request.person_point_px else None
    config = AnalysisConfig(
        model_variant=request.model_variant,
        extract=ExtractSettings(person=person),
        protocol=request.protocol,
        overlay=request.overlay,
    )
    try:
        result = analyze_video(request.video, request.out_dir, config, progress=progress)
    except PartialResultError as exc:
        if not isinstance(exc.result, AnalysisResult):
            raise
        result = exc.result
    # The upload is stored under its content hash: the clip's messages name it by the
    # name the user gave it ("video truncated: 0123abcd.mp4: ..." read as nonsense).
    _rename_in(result.summary, request.video.name, request.display_name)
    progress("storing", None)
    recording_id = data.save_analysis(result, request)
    return recording_id, shown_warnings(result.summary)


def _rename_in(doc: Any, old: str, new: str) -> Any:
    """Replace ``old`` by ``new`` in every text of a JSON-like ``doc``, in place (lists and
    dicts; the changed document is also returned)."""
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for k, v in list(items):
        if isinstance(v, str):
            doc[k] = v.replace(old, new)
        else:
            _rename_in(v, old, new)
    return doc


def shown_warnings(summary: dict[str, Any]) -> list[str]:
    """The warnings the Results page shows above the recording's table (the clip's
    warnings and the notes every value shares, :func:`rom.app.tables.result_notes`), so
    that the count said when the job ends is the count of boxes the user then sees."""
    from rom.app import tables

    block = summary.get("results")
    if isinstance(block, dict):
        return list(tables.result_notes(block).general)
    return [str(w) for w in summary.get("warnings", [])]


def failure_message(exc: BaseException, request: AnalysisRequest) -> str:
    """One line for the page: the package's own message (the stored file's name replaced
    by the user's), or the error's kind and text."""
    from rom.errors import RomError

    if isinstance(exc, RomError):
        text = str(exc)
    else:
        text = f"internal error: {type(exc).__name__}: {exc} (please report it)"
    text = text.replace(str(request.video), request.display_name)
    return " ".join(text.replace(request.video.name, request.display_name).split())


if __name__ == "__main__":
    sys.exit(main())
