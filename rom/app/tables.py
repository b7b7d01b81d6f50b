"""The ``results`` block of one analysis as tables to read, in words and numbers.

Pure functions (no Streamlit) from the block ``rom analyze`` writes first in
``summary.json`` (``docs/results.md``, :func:`rom.metrics.results.compute_results`) to
rows of text, and to HTML with every piece of text escaped. A value that is not
reported shows its status and reason in words, never a number.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from rom.metrics.notes import TableNotes, table_notes, value_notes
from rom.metrics.results import STATUS_WORDS, repetitions_text

SIDE_WORDS = {"left": "Left", "right": "Right", "none": "—"}


def _deg(x: Any, digits: int = 0, *, signed: bool = False) -> str:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return "—"
    return f"{x:+.{digits}f}°" if signed else f"{x:.{digits}f}°"


def _side_rows(block: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str, Mapping[str, Any]]]:
    """(measure entry, side key, side result) for every value of the block, in order."""
    return [
        (m, side, r)
        for m in block.get("measures", ())
        for side, r in (m.get("sides") or {}).items()
    ]


def value_text(m: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    """``154° ± 9°``; a posture value signed; the status in words without a value."""
    status = r.get("status")
    if status == "not_seen":
        return f"at least {_deg(r.get('at_least_deg'))}"
    if status != "measured":
        return STATUS_WORDS.get(str(status), str(status))
    posture = m.get("kind") == "posture"
    text = _deg(r.get("value_deg"), 1 if posture else 0, signed=posture)
    u = r.get("uncertainty_deg")
    if isinstance(u, (int, float)) and math.isfinite(u):
        text += f" ± {u:.0f}°"
    return text


def normal_text(m: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    lo, hi = r.get("normal_min_deg"), r.get("normal_max_deg")
    if m.get("kind") == "posture" and (lo is not None or hi is not None):
        return f"{_deg(lo, signed=True)} to {_deg(hi, signed=True)}"
    return _deg(r.get("normal_deg"))


def percent_text(m: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    if r.get("status") != "measured":
        return "—"
    if m.get("kind") == "posture":
        within = r.get("within_normal")
        return "—" if within is None else ("within normal" if within else "outside normal")
    pct = r.get("percent_of_normal")
    return "—" if pct is None else f"{pct:.0f}%"


def row_notes(m: Mapping[str, Any], r: Mapping[str, Any]) -> list[str]:
    """One value's notes as sentences (:func:`rom.metrics.notes.value_notes`)."""
    return value_notes(
        reason=r.get("reason"),
        flags=r.get("flags") or (),
        warnings=r.get("warnings") or (),
        moved_in=r.get("moved_in"),
        label=m.get("label"),
    )


def result_notes(block: Mapping[str, Any]) -> TableNotes:
    """The notes of the block's table, each said once: the clip's warnings and the notes
    every value shares (``general``, shown above the table), the notes several values
    share (``numbered``), and each row's Quality cell (:func:`rom.metrics.notes.table_notes`)."""
    notes = [row_notes(m, r) for m, _, r in _side_rows(block)]
    return table_notes(notes, [str(w) for w in block.get("warnings") or ()])


def result_rows(block: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row of text per measure, direction and side of a ``results`` block; the
    Quality cell holds only what is the row's own (:func:`result_notes`)."""
    cells = result_notes(block).cells
    rows = []
    for (m, side, r), quality in zip(_side_rows(block), cells):
        est = str(r.get("estimate") or "").upper()
        rows.append(
            {
                "Measure": str(m.get("title") or m.get("measure")),
                "Side": SIDE_WORDS.get(side, side),
                "Direction": str(m.get("label") or m.get("direction")),
                "Value": value_text(m, r),
                "Normal": normal_text(m, r),
                "% of normal": percent_text(m, r),
                "Repetitions": repetitions_text([("", r.get("n_reps"))]) or "—",
                "Estimate": est or "—",
                "Quality": quality,
            }
        )
    return rows


def measured(block: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str, Mapping[str, Any]]]:
    """The values with a number, for the headline."""
    return [(m, s, r) for m, s, r in _side_rows(block) if r.get("status") == "measured"]


def headline_label(m: Mapping[str, Any], side: str) -> str:
    who = "" if side == "none" else f"{side} "
    title = str(m.get("title") or m.get("measure")).lower()
    label = str(m.get("label") or "")
    return f"{who}{title}" + (f": {label}" if label and label not in title else "")


def asymmetry_rows(block: Mapping[str, Any]) -> list[dict[str, str]]:
    """Right against left for every measure with an asymmetry entry: both values, R − L
    with its uncertainty, the symmetry index and whether the difference is larger than
    the measurement can tell apart (``docs/results.md``, Asymmetry). For an axial
    measure (neck rotation...) the right turn is set against the left turn."""
    measures = list(block.get("measures", ()))
    rows = []
    for m in measures:
        a = m.get("asymmetry")
        if not a:
            continue
        sides = m.get("sides") or {}
        if "left" in sides or "right" in sides:
            left, right = sides.get("left", {}), sides.get("right", {})
            label = str(m.get("label") or "")
        else:  # axial: the negative direction is the turn to the left
            right = sides.get("none", {})
            twin: Mapping[str, Any] = next(
                (
                    x
                    for x in measures
                    if x.get("measure") == m.get("measure") and x.get("direction") == "negative"
                ),
                {},
            )
            left = (twin.get("sides") or {}).get("none", {})
            label = str(m.get("title") or "")
        ok = a.get("status") == "measured"
        u = a.get("uncertainty_deg")
        diff = _deg(a.get("difference_deg"), signed=True) if ok else "—"
        if ok and isinstance(u, (int, float)):
            diff += f" ± {1.96 * u:.0f}°"
        if not ok:
            reading = str(a.get("reason") or "not comparable")
        elif a.get("exceeds_uncertainty"):
            reading = "a real difference (larger than the measurement noise)"
        else:
            reading = "within the measurement noise"
        si = a.get("symmetry_index_pct")
        rows.append(
            {
                "Measure": str(m.get("title") or m.get("measure")),
                "Direction": label,
                "Left": value_text(m, left) if left else "—",
                "Right": value_text(m, right) if right else "—",
                "R − L": diff,
                "Symmetry index": f"{si:+.0f}%" if ok and isinstance(si, (int, float)) else "—",
                "Reading": reading,
            }
        )
    return rows


def html_table(
    rows: Sequence[Mapping[str, str]], *, numeric: Sequence[str] = (), test_id: str = ""
) -> str:
    """An HTML table (every cell escaped); ``numeric`` columns are set large, the
    ``Quality`` and ``Why`` columns small."""
    if not rows:
        return ""
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cells = []
        for c in cols:
            cls = "num" if c in numeric else ("small" if c in ("Quality", "Why", "Reading") else "")
            cells.append(
                f'<td class="{cls}" data-col="{html.escape(c)}">{html.escape(str(row[c]))}</td>'
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    tid = f' data-testid="{html.escape(test_id)}"' if test_id else ""
    return (
        f'<table class="rom-results"{tid}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def html_notes(numbered: Sequence[str], *, test_id: str = "", column: str = "Quality") -> str:
    """The numbered notes of a table (:attr:`rom.metrics.notes.TableNotes.numbered`) as
    an HTML list, escaped; "" when there is none. ``column``: the table's column that
    says "see note N"."""
    if not numbered:
        return ""
    tid = f' data-testid="{html.escape(test_id)}"' if test_id else ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in numbered)
    return (
        f'<div class="rom-notes"{tid}><p>Notes on some values (their '
        f"{html.escape(column)} says “see note N”):</p><ol>{items}</ol></div>"
    )


def results_csv(block: Mapping[str, Any]) -> str:
    """The block as the tidy rows of ``results.csv``, written by the package's own writer
    (:func:`rom.metrics.results.result_rows`, :func:`rom.outputs.write_rows_csv`)."""
    import tempfile
    from pathlib import Path

    from rom.metrics.results import ROW_FIELDS, result_rows
    from rom.outputs import write_rows_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = write_rows_csv(result_rows(block), ROW_FIELDS, Path(tmp) / "results.csv")
        return path.read_text(encoding="utf-8")
