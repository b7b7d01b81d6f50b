"""Assembling ``summary.json``: the clinical results first, then what was measured, how
well, and against which norms (every float rounded to what the measurement supports)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np

from rom.metrics import catalogue
from rom.metrics.asymmetry import compute_asymmetry
from rom.metrics.filtering import FilterReport, valid_fraction
from rom.metrics.humeral import compute_femoral_angles, compute_humeral_angles
from rom.metrics.laterality import LabelSwaps
from rom.metrics.lifting import refine_world
from rom.metrics.posture import compute_posture
from rom.metrics.protocols import Protocol, default_norms
from rom.metrics.results import AUTO_MEASURES, STANCE_NONE, compute_results, expected_ranges
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries
from rom.metrics.support import (
    AngleSupport,
    column_estimate,
    compute_support,
    supported_values,
)
from rom.metrics.vertical import standing_frames
from rom.metrics.view import (
    ViewEstimate,
    check_view,
    compute_view,
    same_view,
    view_label,
    yaw_near,
)
from rom.sequence import PoseSequence

#: The person counts as having left when unseen for the clip's last this many seconds
#: (and at least 10 % of the clip).
LEFT_VIEW_S = 1.0


def tracking_report(seq: PoseSequence) -> dict[str, Any]:
    """How much of the clip the analysed person was measured in; ``problem`` is set when
    part of the clip is lost for good (person left, video truncated)."""
    det = seq.detected
    n = seq.n_frames
    rep: dict[str, Any] = {"n_frames": n, "detected_frames": int(det.sum())}
    rep["detected_fraction"] = float(det.mean()) if n else 0.0
    if not det.any():
        return rep
    idx = np.flatnonzero(det)
    first, last = int(idx[0]), int(idx[-1])
    rep.update(first_seen_s=float(seq.time_s[first]), last_seen_s=float(seq.time_s[last]))
    gaps = np.diff(idx)
    longest = int(gaps.max()) - 1 if len(gaps) else 0
    rep["longest_gap_frames"] = longest
    duration = float(seq.time_s[-1] - seq.time_s[0]) if n > 1 else 0.0
    unseen_end = float(seq.time_s[-1] - seq.time_s[last])
    decode_error = seq.source.get("decode_error")
    if decode_error:
        rep["problem"] = f"video truncated: {decode_error}"
    elif unseen_end >= max(LEFT_VIEW_S, 0.1 * duration):
        rep["problem"] = (
            f"the person left the view (or was lost) at {seq.time_s[last]:.2f} s, frame {last} "
            f"of {n}; angles after that are empty"
        )
    return rep


def _view_summary(view: ViewEstimate) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(view):
        v = getattr(view, f.name)
        if isinstance(v, np.ndarray):
            if v.ndim == 1 and v.dtype.kind == "f" and np.isfinite(v).any():
                out[f"{f.name}_median"] = float(np.nanmedian(v))
            continue
        out[f.name] = v
    return out


def _filmed_side(protocol: Protocol, view: ViewEstimate) -> str | None:
    """In a side view only the side nearer the camera is seen well: check that one."""
    if protocol.sides and view.label in ("left-side", "right-side"):
        side = view.label.split("-")[0]
        return side if side in protocol.sides else None
    return None


def basic_stats(
    angles: AngleSeries, support: dict[str, AngleSupport] | None = None
) -> dict[str, dict[str, Any]]:
    """Per column: min, max, range (degrees), the fraction of frames measured and, with
    ``support``, the fraction of those where the view supports this estimate
    (``view_supported_fraction``) and whether it does for most of them
    (``valid_for_view``: a column that is not is no clinical number for this clip)."""
    out: dict[str, dict[str, Any]] = {}
    for name in angles.names:
        x = angles[name]
        ok = np.isfinite(x)
        lo = float(np.min(x[ok])) if ok.any() else float("nan")
        hi = float(np.max(x[ok])) if ok.any() else float("nan")
        out[name] = {
            "min_deg": lo,
            "max_deg": hi,
            "range_deg": hi - lo,
            "valid_fraction": valid_fraction(x),
        }
        if support is not None:
            try:
                adef = catalogue.angle_def(name)
            except KeyError:
                continue
            sup = support[adef.key]
            fine = sup.valid(column_estimate(name)) & sup.seen
            frac = float(fine[ok].mean()) if ok.any() else 0.0
            out[name]["view_supported_fraction"] = frac
            out[name]["valid_for_view"] = bool(ok.any() and frac >= 0.5)
    return out


def supported_columns(view_label: str, names: tuple[str, ...]) -> list[str]:
    """Columns valid for a view: every 3D and face-based angle, and 2D angles whose views
    include it."""
    view = view_label.split("-")[0] if view_label else ""
    view = "side" if "side" in view_label else view
    cols = []
    for c in names:
        d = catalogue.angle_def(c)
        if c.endswith(("_3d_deg", "_face_deg")) or "any" in d.views or view in d.views:
            cols.append(c)
    return cols


def _left_out_notes(
    angles: AngleSeries, supported: AngleSeries, support: dict[str, AngleSupport], col: str
) -> list[str]:
    """Why frames with a value were left out of a column's peaks (view, image edge)."""
    adef = catalogue.angle_def(col)
    sup = support[adef.key]
    has = np.isfinite(angles[col])
    est = column_estimate(col)
    view_ok = sup.valid(est)
    notes = []
    n_view = int((has & ~view_ok).sum())
    n_edge = int((has & view_ok & ~sup.seen).sum())
    if n_view:
        notes.append(
            f"{n_view} frame(s) left out: the view does not support the "
            + (
                "face-based estimate there (the client turned side-on or away)"
                if est == "face"
                else f"{est.upper()} estimate there (plane of the movement too oblique to "
                "the camera)"
            )
        )
    if n_edge:
        notes.append(
            f"{n_edge} frame(s) left out: a landmark it needs was outside the image or at its edge"
        )
    return notes


def _asymmetry_by_view(
    asym: dict[str, dict[str, dict[str, Any]]],
    rom: dict[str, dict[str, Any]],
    view: ViewEstimate,
    time_s: np.ndarray,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The per-column right-left rows with the view each peak was read from
    (``right_view``, ``left_view``) and ``comparable``: peaks read from different views
    (:func:`rom.metrics.view.same_view`) do not compare, and lose ``diff_deg`` and
    ``si_pct`` (as the ``results`` block's asymmetry does)."""
    for rows in asym.values():
        for key, row in rows.items():
            if key == "right_vs_left":
                dirs = rom[row["right_column"]]["directions"]
                peaks = (dirs["positive"], dirs["negative"])
            else:
                peaks = (
                    rom[row["right_column"]]["directions"][key],
                    rom[row["left_column"]]["directions"][key],
                )
            yaws = []
            for side, d in zip(("right", "left"), peaks):
                t0 = d.get("peak_time_s")
                timed = t0 is not None and np.isfinite(float(t0))
                yaw = yaw_near(view, time_s, float(t0)) if timed else float("nan")
                row[f"{side}_view"] = view_label(yaw)
                yaws.append(yaw)
            row["comparable"] = same_view(*yaws)
            if not row["comparable"]:
                row["diff_deg"] = row["si_pct"] = None
    return asym


def _round(value: float, key: str) -> float:
    if key.endswith(("_deg", "_deg_s", "_pct")) or key in ("percent_of_normal",):
        return round(value, 1)
    if key.endswith("_s") or "fraction" in key:
        return round(value, 3)
    if value == 0.0:
        return 0.0
    return float(f"{value:.4g}")


def round_floats(obj: Any, key: str = "") -> Any:
    """A copy with every float rounded to what it measures: degrees (and deg/s, %) to 0.1,
    seconds and fractions to 0.001, anything else to 4 significant digits; NaN stays."""
    if isinstance(obj, dict):  # a dict of fractions (per landmark) keeps its unit
        unit = key if key.endswith(("fraction", "_deg", "_s", "_pct")) else ""
        return {k: round_floats(v, unit or str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, key) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return _round(f, key) if np.isfinite(f) else f
    return obj


def clip_warnings(
    view: ViewEstimate,
    protocol: Protocol | None,
    landmarks: tuple[str, ...],
    *,
    source: str = "clip",
) -> list[str]:
    """The view and visibility checks, with or without a protocol; ``source`` words them
    for a recorded ``clip`` or a live ``camera`` (:func:`rom.metrics.view.check_view`)."""
    if protocol is not None:
        return check_view(
            view,
            protocol.views,
            protocol.required_landmarks(_filmed_side(protocol, view)),
            protocol=protocol.name,
            source=source,
        )
    views: tuple[str, ...] = (
        (view.label,) if view.label in ("front", "back", "left-side", "right-side") else ("any",)
    )
    out = check_view(view, views, landmarks, source=source)
    if view.label.startswith("oblique") and view.detected_fraction > 0:
        out.insert(
            0,
            (
                f"{view.description}: no movement plane is square to the camera, so the 2D "
                "angles cannot be measured; turn the client (or the camera) to a front or side view"
                if source == "camera"
                else f"{view.description} for most of the clip: no movement plane is square "
                "to the camera there, so a 2D angle comes only from the frames where the "
                "client turned square to it, and 3D values are reported where the view "
                "allows, marked as read in another view (less certain; their change between "
                "sessions is not judged)"
            ),
        )
    return out


def build_summary(
    seq: PoseSequence,
    angles: AngleSeries,
    protocol: Protocol | None,
    *,
    config: dict[str, Any],
    version: str,
    label_swaps: LabelSwaps | None = None,
    filter_reports: dict[str, FilterReport] | None = None,
    protocols_file: Any = None,
) -> dict[str, Any]:
    """The whole ``summary.json`` document, ``results`` first (see docs/results.md).

    ``label_swaps``: the frames relabelled by
    :func:`rom.metrics.laterality.fix_label_swaps`, reported under ``tracking``;
    ``filter_reports``: what :func:`rom.metrics.filtering.filter_angles_with_report`
    removed, added to each column's notes; ``protocols_file``: a user protocols file
    whose norms apply without a protocol too.
    """
    view = compute_view(seq)
    support = compute_support(seq)
    tracking = tracking_report(seq)
    if label_swaps is not None:
        tracking["relabelled_frames"] = {
            "image": label_swaps.n_image,
            "world": label_swaps.n_world,
        }
    norms = default_norms(protocols_file) if protocol is None else {}
    if protocol is not None:
        cols = [c for c in protocol.angles if c in angles.names]
    else:  # the range-of-motion measures reported without a protocol, 2D and 3D
        cols = [c for c in angles.names if catalogue.angle_def(c).name in AUTO_MEASURES]
    supported = supported_values(angles, support)
    rom = summarize_angles(supported.select(cols), expected_deg=expected_ranges(protocol, norms))
    for col in cols:
        notes = _left_out_notes(angles, supported, support, col)
        if filter_reports and col in filter_reports:
            notes += filter_reports[col].notes()
        rom[col]["warnings"] = notes + rom[col]["warnings"]
    # the planes from the same 3D landmarks as the 3D angles (image x, y and MediaPipe depth)
    lifted = refine_world(seq)
    limbs = {"shoulder": compute_humeral_angles(lifted), "hip": compute_femoral_angles(lifted)}
    standing, foot = standing_frames(seq)
    results = compute_results(
        angles,
        support,
        view,
        protocol,
        rom=rom,
        limbs=limbs,
        default_norms=norms,
        stance=np.where(standing, foot, STANCE_NONE),
    )
    landmarks: tuple[str, ...] = ()
    if protocol is None:  # the ROM detail of the measures the view supports, not all
        reported = {m["measure"] for m in results["measures"]}
        rom = {c: v for c, v in rom.items() if catalogue.angle_def(c).name in reported}
    if protocol is None:  # check the body parts of what was measured
        seen = [
            m["measure"]
            for m in results["measures"]
            if any(r["status"] in ("measured", "not_seen") for r in m["sides"].values())
        ]
        landmarks = tuple(
            dict.fromkeys(
                lm for a in catalogue.ANGLES.values() if a.name in seen for lm in a.landmarks
            )
        )
    warnings = clip_warnings(view, protocol, landmarks)
    warnings += seq.source.get("warnings", [])  # the source's own: broken timestamps ...
    for m in results["measures"]:
        for side, r in m["sides"].items():
            if "no_still_period" in r["flags"] and r["reason"] not in warnings:
                warnings.append(r["reason"])  # a posture without a still period is no posture
            if "peak_not_seen" in r["flags"]:  # a body part out of frame at the peak only
                who = f"{side} " if side != "none" else ""
                warnings.append(f"{who}{m['title'].lower()}: {r['reason']}")
    if tracking.get("problem"):
        warnings.append(tracking["problem"])
    results["warnings"] = list(warnings)
    # Each angle's own notes (gaps, no neutral, peak at the edge) stay in rom[col]["warnings"].
    doc: dict[str, Any] = {
        "results": results,
        "rom_version": version,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": seq.source,
        "model": seq.model,
        "settings": config,
        "tracking": tracking,
        "view": _view_summary(view),
        "protocol": None,
        "angles": basic_stats(angles, support),
        "rom": rom,
        "asymmetry": _asymmetry_by_view(compute_asymmetry(rom), rom, view, seq.time_s),
        "posture": compute_posture(
            angles, min_still_s=protocol.still_s if protocol is not None else 5.0
        ),
        "warnings": warnings,
    }
    if protocol is not None:
        doc["protocol"] = {
            "name": protocol.name,
            "title": protocol.title,
            "kind": protocol.kind,
            "views": list(protocol.views),
            "instructions": protocol.instructions,
        }
    return round_floats(doc)
