"""Left-right asymmetry of ROM peaks: difference in degrees and symmetry index in percent.

Sign convention: everything is *right minus left*. A positive difference or symmetry
index means the client's right side moved further; negative means the left side did.

Two kinds of pairs are compared, from a :func:`rom.metrics.rom_summary.summarize_angles`
result:

* ``bilateral``: a ``..._left_...`` column and its ``..._right_...`` twin (e.g.
  ``shoulder_flexion_left_deg`` / ``shoulder_flexion_right_deg``), direction by direction
  (``positive`` = flexion, ``negative`` = extension ...).
* ``directional``: an axial angle whose positive direction is to the right and negative
  to the left (neck rotation, neck lateral flexion, trunk lateral flexion, trunk
  rotation): the right turn is compared with the left turn, under the key
  ``right_vs_left``.

The compared value is the peak's *magnitude in its direction*: ``peak_deg`` for the
positive direction and ``-peak_deg`` for the negative one (``reference="zero"``, from the
anatomical zero, as clinical norms are), or the excursion from the client's detected
neutral (``reference="neutral"``), which removes a constant offset such as a camera not
square to the client.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from rom.metrics import catalogue
from rom.metrics.rom_summary import short_label

__all__ = ["DIRECTIONAL_ANGLES", "compute_asymmetry", "symmetry_index"]

#: Axial angles compared right turn against left turn (positive = right in the catalogue).
DIRECTIONAL_ANGLES: tuple[str, ...] = (
    "neck_rotation",
    "neck_lateral_flexion",
    "trunk_lateral_flexion",
    "trunk_rotation",
)


def symmetry_index(right: float, left: float) -> float:
    """Symmetry index in percent: ``(R - L) / (0.5 (R + L)) x 100``.

    Defined for peak magnitudes (degrees, >= 0). Positive means the right side is
    larger. NaN when either value is missing (NaN / None), negative, or when
    ``R + L == 0``; ranges from -200 % to +200 %.

    Examples
    --------
    >>> symmetry_index(110.0, 90.0)
    20.0
    >>> symmetry_index(0.0, 0.0)
    nan
    """
    if right is None or left is None:
        return math.nan
    r, lft = float(right), float(left)
    if not (math.isfinite(r) and math.isfinite(lft)) or r < 0 or lft < 0 or r + lft == 0:
        return math.nan
    return (r - lft) / (0.5 * (r + lft)) * 100.0


def _magnitude(direction: dict[str, Any], sign: int, reference: str) -> float:
    if reference == "neutral":
        return float(direction["excursion_deg"])
    return sign * float(direction["peak_deg"])


def _row(
    label: str,
    right_col: str,
    left_col: str,
    right: dict[str, Any],
    left: dict[str, Any],
    right_sign: int,
    left_sign: int,
    reference: str,
) -> dict[str, Any]:
    r = _magnitude(right, right_sign, reference)
    lft = _magnitude(left, left_sign, reference)
    return {
        "label": label,
        "right_column": right_col,
        "left_column": left_col,
        "right_deg": r,
        "left_deg": lft,
        "diff_deg": r - lft,
        "si_pct": symmetry_index(r, lft),
        "right_performed": bool(right["performed"]),
        "left_performed": bool(left["performed"]),
        "reference": reference,
    }


def compute_asymmetry(
    summary: dict[str, dict[str, Any]],
    *,
    reference: Literal["zero", "neutral"] = "zero",
) -> dict[str, dict[str, dict[str, Any]]]:
    """Right-left comparison of every pair of peaks in a ROM summary.

    Parameters
    ----------
    summary : dict
        Output of :func:`rom.metrics.rom_summary.summarize_angles` (column -> summary).
    reference : {"zero", "neutral"}
        Compare peaks from the anatomical zero (default) or excursions from the neutral.

    Returns
    -------
    dict
        ``{pair: {direction: row}}``. ``pair`` is the column name without its side
        (``shoulder_flexion_deg``, ``neck_rotation_3d_deg``); ``direction`` is
        ``positive`` / ``negative`` for bilateral pairs and ``right_vs_left`` for
        directional ones. Each row has the keys ``label, right_column, left_column,
        right_deg, left_deg, diff_deg, si_pct, right_performed, left_performed,
        reference``; ``diff_deg`` = right - left (degrees), ``si_pct`` from
        :func:`symmetry_index` (positive = right larger).
    """
    if reference not in ("zero", "neutral"):
        raise ValueError(f"reference must be 'zero' or 'neutral', got {reference!r}")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for col, left in summary.items():
        if "_left_" not in col:
            continue
        right_col = col.replace("_left_", "_right_")
        right = summary.get(right_col)
        if right is None:
            continue
        rows = {
            key: _row(
                left["directions"][key]["label"],
                right_col,
                col,
                right["directions"][key],
                left["directions"][key],
                sign,
                sign,
                reference,
            )
            for key, sign in (("positive", 1), ("negative", -1))
            if key in left["directions"] and key in right["directions"]
        }
        if rows:
            out[col.replace("_left_", "_")] = rows
    for col, s in summary.items():
        try:
            definition = catalogue.angle_def(col)
        except KeyError:
            continue
        dirs = s["directions"]
        if (
            definition.name not in DIRECTIONAL_ANGLES
            or "positive" not in dirs
            or "negative" not in dirs
            or "right" not in definition.positive
            or "left" not in str(definition.negative)
        ):
            continue
        label = short_label(definition.positive).removesuffix(" to the right")
        out[col] = {
            "right_vs_left": _row(
                label, col, col, dirs["positive"], dirs["negative"], 1, -1, reference
            )
        }
    return out
