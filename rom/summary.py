"""Assembling ``summary.json``: what was measured, how well, and against which norms."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np

from rom.metrics import catalogue
from rom.metrics.asymmetry import compute_asymmetry
from rom.metrics.filtering import valid_fraction
from rom.metrics.laterality import LabelSwaps
from rom.metrics.posture import compute_posture
from rom.metrics.protocols import Protocol
from rom.metrics.rom_summary import summarize_angles
from rom.metrics.series import AngleSeries
from rom.metrics.view import ViewEstimate, check_view, compute_view
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


def filmed_side(protocol: Protocol, view: ViewEstimate) -> str | None:
    """In a side view only the side nearer the camera is seen well: check that one."""
    if protocol.sides and view.label in ("left-side", "right-side"):
        side = view.label.split("-")[0]
        return side if side in protocol.sides else None
    return None


def basic_stats(angles: AngleSeries) -> dict[str, dict[str, float]]:
    """Per column: min, max, range (degrees) and the fraction of frames measured."""
    out = {}
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
    return out


def supported_columns(view_label: str, names: tuple[str, ...]) -> list[str]:
    """Columns valid for a view: every 3D angle, and 2D angles whose views include it."""
    view = view_label.split("-")[0] if view_label else ""
    view = "side" if "side" in view_label else view
    cols = []
    for c in names:
        d = catalogue.angle_def(c)
        if c.endswith("_3d_deg") or "any" in d.views or view in d.views:
            cols.append(c)
    return cols


def protocol_results(protocol: Protocol, rom: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each protocol angle's peaks per direction with the normal value beside them."""
    results: dict[str, Any] = {}
    for col in protocol.angles:
        if col not in rom:
            continue
        per_dir = {}
        for key, d in rom[col]["directions"].items():
            norm = protocol.norm(col, key)
            peak = d.get("peak_deg")
            normal = norm.normal_deg if norm else None
            # A negative-direction norm (extension 60) is met by a peak of -60 deg; a peak on
            # the wrong side of zero means that direction was not reached at all.
            signed_peak = peak if key != "negative" else (-peak if peak is not None else None)
            magnitude = (
                max(float(signed_peak), 0.0)
                if signed_peak is not None and np.isfinite(signed_peak) and d.get("performed", True)
                else None
            )
            per_dir[key] = {
                "label": d.get("label"),
                "peak_deg": peak,
                "excursion_deg": d.get("excursion_deg"),
                "n_reps": d.get("n_reps"),
                "normal_deg": normal,
                "percent_of_normal": (
                    100.0 * magnitude / normal if magnitude is not None and normal else None
                ),
                "norm_source": norm.source if norm else None,
            }
        results[col] = per_dir
    return results


def build_summary(
    seq: PoseSequence,
    angles: AngleSeries,
    protocol: Protocol | None,
    *,
    config: dict[str, Any],
    version: str,
    label_swaps: LabelSwaps | None = None,
) -> dict[str, Any]:
    """The whole ``summary.json`` document (``label_swaps``: the frames relabelled by
    :func:`rom.metrics.laterality.fix_label_swaps`, reported under ``tracking``)."""
    view = compute_view(seq)
    tracking = tracking_report(seq)
    if label_swaps is not None:
        tracking["relabelled_frames"] = {
            "image": label_swaps.n_image,
            "world": label_swaps.n_world,
        }
    warnings: list[str] = []
    if protocol is not None:
        cols = [c for c in protocol.angles if c in angles.names]
        warnings += check_view(
            view,
            protocol.views,
            protocol.required_landmarks(filmed_side(protocol, view)),
            protocol=protocol.name,
        )
    else:
        cols = supported_columns(view.label, angles.names)
    rom = summarize_angles(angles.select(cols))
    if tracking.get("problem"):
        warnings.append(tracking["problem"])
    # Each angle's own notes (gaps, no neutral, peak at the edge) stay in rom[col]["warnings"].
    doc: dict[str, Any] = {
        "rom_version": version,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": seq.source,
        "model": seq.model,
        "settings": config,
        "tracking": tracking,
        "view": _view_summary(view),
        "protocol": None,
        "angles": basic_stats(angles),
        "rom": rom,
        "asymmetry": compute_asymmetry(rom),
        "posture": compute_posture(angles),
        "warnings": warnings,
    }
    if protocol is not None:
        doc["protocol"] = {
            "name": protocol.name,
            "title": protocol.title,
            "views": list(protocol.views),
            "instructions": protocol.instructions,
            "results": protocol_results(protocol, rom),
        }
    return doc
