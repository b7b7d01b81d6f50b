"""``rom batch --summary DIR``: the counts and each measure's distribution over the clips.

The distributions hold only the values a clip reports as numbers in the view its measure
is judged in, as valid results (status ``measured``): a side without a value (not
measurable, not performed, or a peak not seen, whose lower bound is no peak) is left out,
as is a value flagged ``other_view`` (read more than 30 deg from the view its measure is
judged in: the client turned, or the camera stood obliquely), a reading beyond the anatomical range (not a number at all) and
a peak that may be cut off (beside frames without a value, or at the start or end of what
was measured: flagged ``peak_at_edge`` on a ``not_seen`` side, with no value, in current
results, reported as a value by an older ``rom``); a side with one of these flags is
counted under the flag, before its status. The summary says how many were left out and
why."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path, PurePath

from rom.errors import InputError
from rom.metrics.results import STATUS_WORDS

#: The statistic whose distribution is printed (the first present).
HEADLINE_STATISTICS = ("value", "peak_deg")
#: Values left out of the distributions, by flag (``docs/results.md``), and why in words.
LEFT_OUT = {
    "other_view": (
        "value(s) read in another view than their measure's (flag other_view: more than 30 "
        "deg from the view the measure is judged in; the client turned, or the camera stood "
        "obliquely)"
    ),
    "beyond_anatomical_range": (
        "reading(s) beyond what the joint can reach (landmark errors, reported as not "
        "measurable, never as numbers)"
    ),
    "peak_at_edge": (
        "peak(s) at the start or end of what was measured (a lower bound, not a peak)"
    ),
    "peak_near_gap": "peak(s) beside frames without a value (they may be cut off)",
}


class ClipCounts:
    """Clips of this run by outcome, named as ``results``' ``clip_status`` and
    ``errors.csv`` name them: ``done``, ``partial`` (a result with a warning), ``failed``
    (a row of errors.csv, no result). ``warned``: the clips "with a warning", those whose
    ``clip_status`` is not ``done`` (:func:`clip_warned`); ``noted``: the clips "with
    notes", done but with notes in their summary.json (view, visibility, tracking;
    :func:`clip_noted`): counted as ``--summary`` counts them."""

    def __init__(self) -> None:
        self.done = self.partial = self.failed = self.warned = self.noted = 0

    def add(self, status: str, files: Mapping[str, bytes] | None = None) -> None:
        """Count one clip's outcome (its status and result files); an unknown status is a
        failure, never a result."""
        if status == "done":
            self.done += 1
        elif status == "partial":
            self.partial += 1
        else:
            self.failed += 1
            return
        summary = (files or {}).get("summary.json")
        self.warned += clip_warned(status)
        self.noted += clip_noted(status, summary)

    @property
    def analysed(self) -> int:
        """Clips with a result (done or partial): failed clips are not analysed."""
        return self.done + self.partial

    def postfix(self) -> dict[str, int]:
        """The progress bar's counts."""
        return {
            "done": self.done,
            "warning": self.warned,
            "notes": self.noted,
            "failed": self.failed,
        }


def plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, with an s unless ``n`` is 1: every count in rom batch's messages.

    Examples
    --------
    >>> plural(1, "clip"), plural(0, "clip"), plural(2, "more row")
    ('1 clip', '0 clips', '2 more rows')
    """
    return f"{n} {noun}{'' if n == 1 else 's'}"


def start_line(n_todo: int, n_skipped: int) -> str:
    """The line ``rom batch`` starts with: the distinct clips, done before and to analyse.

    Examples
    --------
    >>> start_line(1, 0)
    '1 clip: 0 already done, 1 to analyse'
    """
    return f"{plural(n_skipped + n_todo, 'clip')}: {n_skipped} already done, {n_todo} to analyse"


def run_line(n_done: int, n_partial: int, n_failed: int, n_skipped: int, n_noted: int = 0) -> str:
    """The line ``rom batch`` ends with: clips run now, split into analysed (with a
    result; among them those "with a warning", the partial ones, and those "with notes",
    ``n_noted``) and failed, then those done before.

    Examples
    --------
    >>> run_line(2, 1, 1, 0, 1)
    '4 clips now: 3 analysed (1 with a warning, 1 with notes), 1 failed (see errors.csv); 0 done before'
    """
    now = n_done + n_partial + n_failed
    failed = f"{n_failed} failed" + (" (see errors.csv)" if n_failed else "")
    return (
        f"{plural(now, 'clip')} now: {n_done + n_partial} analysed "
        f"({analysed_counts(n_partial, n_noted)}), {failed}; {n_skipped} done before"
    )


def analysed_counts(n_warned: int, n_noted: int) -> str:
    """``1 with a warning, 2 with notes``: the words of the run's last line and of
    ``--summary`` (the definitions are :func:`clip_warned` and :func:`clip_noted`)."""
    return f"{n_warned} with a warning, {n_noted} with notes"


def failed_line(path: str, reason: str) -> str:
    """A failed clip's line: its path and the reason, the clip named once. A reason that
    names the clip's file (``nobody was found in b.mp4 ...``, or by another path ending
    in its name) names it by ``path`` and is not prefixed with it again.

    Examples
    --------
    >>> failed_line("day1/b.mp4", "nobody was found in /data/day1/b.mp4 (60 frames)")
    'failed: nobody was found in day1/b.mp4 (60 frames)'
    >>> failed_line("b.mp4", "ran out of memory analysing it")
    'failed: b.mp4: ran out of memory analysing it'
    """
    path, reason = str(path), str(reason)
    name = PurePath(path).name if path else ""
    # the name, alone or ending another path of the file (an absolute one)
    pattern = rf"(?<![\w.-])(?:[^\s'\"()]*[\\/])?{re.escape(name)}(?![\w.-])"
    named = re.search(pattern, reason) if name else None
    if named is not None:
        return f"failed: {reason[: named.start()]}{path}{reason[named.end() :]}"
    return f"failed: {path}: {reason}"


def _summary_warnings(data: bytes | str) -> list[str]:
    """The ``warnings`` of a clip's summary.json (its text); [] when it does not parse."""
    try:
        doc = json.loads(data)
    except ValueError:
        return []
    warnings = doc.get("warnings") if isinstance(doc, dict) else None
    return [str(w) for w in warnings or []]


def clip_warned(status: str) -> bool:
    """Whether an analysed clip counts as "with a warning": its ``clip_status`` (the
    column of results.csv) is not ``done`` (``partial``: a result with a
    ``clip_warning``, such as the person leaving before the end or a truncated video).
    The one rule of the run's progress bar, its last line and ``rom batch --summary``."""
    return status != "done"


def clip_noted(status: str, summary_json: bytes | str | None) -> bool:
    """Whether an analysed clip counts as "with notes": ``done`` (not with a warning,
    :func:`clip_warned`) but its summary.json (its text, None when there is none) holds
    warnings about the view, visibility or tracking that do not make it partial."""
    return not clip_warned(status) and bool(summary_json and _summary_warnings(summary_json))


def _summary_json(out: Path, clip_id: str) -> bytes | None:
    """One analysed clip's summary.json as stored in a batch folder; None when absent."""
    try:
        return (out / "clips" / str(clip_id) / "summary.json").read_bytes()
    except OSError:
        return None


def table_title(statistic: str) -> str:
    """The line above ``--summary``'s table: what its numbers are.

    Examples
    --------
    >>> table_title("value")
    "each measure's value over the clips (rows of results.csv with statistic 'value'), in deg; n: values pooled, sd: - when n is 1"
    """
    return (
        f"each measure's value over the clips (rows of results.csv with statistic "
        f"{statistic!r}), in deg; n: values pooled, sd: - when n is 1"
    )


def sd_text(values: list[float]) -> str:
    """The sample standard deviation of ``values`` to 0.1, or ``-`` for a single value
    (it has none).

    Examples
    --------
    >>> sd_text([40.0, 50.0]), sd_text([40.0])
    ('7.1', '-')
    """
    return f"{statistics.stdev(values):.1f}" if len(values) >= 2 else "-"


def summarize_batch(out_dir: str | Path) -> str:
    """The text ``rom batch --summary`` prints for the batch results in ``out_dir``.

    Raises
    ------
    InputError
        ``out_dir`` holds no ``results.parquet`` (not a batch folder, or never finished).
    """
    import pyarrow.parquet as pq

    out = Path(out_dir)
    path = out / "results.parquet"
    if not out.is_dir():
        raise InputError(f"no such folder: {out}; give the --out folder of a `rom batch` run")
    if not path.is_file():
        raise InputError(
            f"{out} holds no results.parquet; give the --out folder of a `rom batch` run "
            "(run it again to finish an interrupted batch)"
        )
    table = pq.read_table(path).to_pylist()
    errors_path = out / "errors.csv"
    errors = []
    if errors_path.is_file():
        with open(errors_path, newline="", encoding="utf-8") as fh:
            errors = list(csv.DictReader(fh))
    status = {r["clip_id"]: r["clip_status"] for r in table}
    n_failed = len({e["clip_id"] for e in errors})
    warned = sum(clip_warned(s) for s in status.values())
    noted = sum(clip_noted(s, _summary_json(out, clip)) for clip, s in status.items())
    head = f"{out}: {plural(len(status) + n_failed, 'clip')}: {len(status)} analysed "
    lines = [head + f"({analysed_counts(warned, noted)}), {n_failed} failed"]
    stats = {r["statistic"] for r in table}
    headline = next((s for s in HEADLINE_STATISTICS if s in stats), None)
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    left_out = {flag: 0 for flag in LEFT_OUT}
    no_value = {status: 0 for status in STATUS_WORDS if status != "measured"}
    for r in table:
        if r["statistic"] != headline:
            continue
        flags = set(str(r.get("flags") or "").split(";"))
        reason = next((f for f in LEFT_OUT if f in flags), None)
        if reason is not None:
            left_out[reason] += 1
            continue
        status = r.get("status")
        if status in no_value:  # a side without a valid value: no number to pool
            no_value[status] += 1
            continue
        if r["value"] is not None:
            groups[(r["measure"], r["label"] or r["direction"] or "", r["side"] or "")].append(
                r["value"]
            )
    if groups:
        lines.append(table_title(str(headline)))
        lines.append(
            f"{'measure':28s} {'direction':>30s} {'side':>5s} {'n':>4s} {'mean':>7s} "
            f"{'sd':>6s} {'min':>7s} {'median':>7s} {'max':>7s}"
        )
    for (measure, direction, side), v in sorted(groups.items()):
        lines.append(
            f"{measure:28s} {direction[:30]:>30s} {side:>5s} {len(v):4d} {statistics.mean(v):7.1f} "
            f"{sd_text(v):>6s} {min(v):7.1f} {statistics.median(v):7.1f} {max(v):7.1f}"
        )
    why = [f"{n} {STATUS_WORDS[status]}" for status, n in no_value.items() if n]
    why += [f"{n} {LEFT_OUT[flag]}" for flag, n in left_out.items() if n]
    if why:
        lines.append("left out of these figures: " + "; ".join(why))
    for e in errors:
        lines.append(failed_line(e.get("path", ""), e.get("reason", "")))
    return "\n".join(lines)
