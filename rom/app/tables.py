"""Results as tables to read: the measure values of one recording, in words and numbers.

Pure functions (no Streamlit) from the package's measure values
(:class:`rom.metrics.measure_values.MeasureValue`) to rows of text and to HTML with
every piece of text escaped. A value that is not reported shows its status and reason
in words, never a number.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from rom.metrics.asymmetry import symmetry_index

#: Quality flags in words (flags not listed are shown with underscores as spaces).
FLAG_WORDS = {
    "peak_at_edge": "peak at the start or end of the clip: it may be cut off",
    "peak_near_gap": "peak next to frames where the client was not seen",
    "too_few_valid": "measured in too few frames",
}

RESULT_COLUMNS = (
    "Measure",
    "Side",
    "Direction",
    "Value",
    "Normal",
    "% of normal",
    "Repetitions",
    "Quality",
)


def _deg(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}f}°"


def measure_name(measure: str, estimate: str = "") -> str:
    """``shoulder_abduction_3d`` -> ``Shoulder abduction (3D)``."""
    text = measure.removesuffix("_3d").replace("_", " ").capitalize()
    if measure.endswith("_3d") or estimate == "3d":
        text += " (3D)"
    return text


def value_text(v: Any) -> str:
    """``154°`` or ``154° ± 4°``; the status in words when there is no number."""
    if not v.reported:
        return v.status
    text = _deg(v.value_deg)
    if v.uncertainty_deg is not None and math.isfinite(v.uncertainty_deg):
        text += f" ± {v.uncertainty_deg:.0f}°"
    return text


def quality_text(v: Any) -> str:
    """The status, reason, flags and warnings of one value, as sentences."""
    parts: list[str] = []
    if v.status != "ok":
        parts.append(f"{v.status}: {v.reason}" if v.reason else v.status)
    parts += [FLAG_WORDS.get(f, f.replace("_", " ")) for f in v.flags]
    parts += [w for w in v.warnings if w not in parts]
    return "; ".join(parts) if parts else "ok"


def result_rows(values: Sequence[Any]) -> list[dict[str, str]]:
    """One row of text per measure value, keyed by :data:`RESULT_COLUMNS`."""
    rows = []
    for v in values:
        pct = v.percent_of_normal if v.reported else None
        rows.append(
            {
                "Measure": measure_name(v.measure, v.estimate),
                "Side": v.side.capitalize() if v.side else "—",
                "Direction": v.label,
                "Value": value_text(v),
                "Normal": _deg(v.normal_deg),
                "% of normal": "—" if pct is None else f"{pct:.0f}%",
                "Repetitions": str(len(v.rep_peaks_deg)) if v.reported else "—",
                "Quality": quality_text(v),
            }
        )
    return rows


def asymmetry_rows(values: Sequence[Any]) -> list[dict[str, str]]:
    """Left and right side by side for every measure and direction measured on both
    sides: the values, R - L in degrees and the symmetry index
    SI = (R - L) / (0.5 (R + L)) x 100 (:func:`rom.metrics.asymmetry.symmetry_index`,
    positive = right larger)."""
    pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in values:
        if v.side not in ("left", "right"):
            continue
        entry = pairs.setdefault((v.measure, v.direction, v.label), {})
        entry[v.side] = v.value_deg if v.reported else None
    rows = []
    for (measure, _direction, label), e in pairs.items():
        r, left = e.get("right"), e.get("left")
        both = r is not None and left is not None
        si = symmetry_index(r, left) if both else math.nan
        rows.append(
            {
                "Measure": measure_name(measure),
                "Direction": label,
                "Left": _deg(left),
                "Right": _deg(r),
                "R − L": _deg(r - left) if both else "—",  # type: ignore[operator]
                "Symmetry index": "—" if not math.isfinite(si) else f"{si:+.0f}%",
                "Larger side": (
                    "—" if not both else "right" if r > left else "left" if left > r else "equal"  # type: ignore[operator]
                ),
            }
        )
    return rows


def html_table(rows: Sequence[dict[str, str]], *, numeric: Sequence[str] = (), test_id: str = "") -> str:
    """An HTML table (every cell escaped); ``numeric`` columns are set large."""
    if not rows:
        return ""
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cells = []
        for c in cols:
            cls = "num" if c in numeric else ("small" if c == "Quality" else "")
            cells.append(f'<td class="{cls}" data-col="{html.escape(c)}">{html.escape(row[c])}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    tid = f' data-testid="{html.escape(test_id)}"' if test_id else ""
    return (
        f'<table class="rom-results"{tid}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def tidy_csv(values: Sequence[Any]) -> str:
    """The values as tidy CSV: one row per measure, side and direction (the columns of
    :class:`~rom.metrics.measure_values.MeasureValue`)."""
    import csv
    import io

    fields = [
        "protocol", "measure", "side", "direction", "label", "column", "estimate",
        "value_deg", "uncertainty_deg", "value_time_s", "normal_deg", "percent_of_normal",
        "norm_source", "n_reps", "status", "reason", "flags", "warnings",
    ]  # fmt: skip
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields)
    w.writeheader()
    for v in values:
        row = {f: getattr(v, f, "") for f in fields if f not in ("n_reps", "flags", "warnings")}
        row["n_reps"] = len(v.rep_peaks_deg)
        row["flags"] = ";".join(v.flags)
        row["warnings"] = " | ".join(v.warnings)
        w.writerow({k: "" if x is None else x for k, x in row.items()})
    return out.getvalue()
