"""rom's accuracy against a four-view reference of the shared lab clips.

    python benchmarks/accuracy.py [--shared DIR] [--models full heavy] [--reference heavy]
                                  [--cache DIR] [--markdown]

The four lab clips in ``../shared/clips`` are synchronised views of the same 100 frames
and ``lab_calibration.qca.txt`` calibrates them. For each pose model:

1. every view is tracked as ``rom analyze`` tracks it (``rom.pose.extract``), timing the
   inference (frames per second, and the ratio to the first model's);
2. the reference: the analysed man's landmarks of the ``--reference`` model's four views
   triangulated (``rom.reference.build``: visibility-weighted, robust to bad views, both
   left/right labellings tested per view), checked by reprojection, measured with rom's
   own angle definitions and the lab's vertical. A view is judged against the reference
   built from the *other three* views (so its own errors are not in its reference); the
   reference's own noise is the difference between those leave-one-out references and
   the four-view one;
3. every view, alone, through ``rom analyze``'s angle stage (``rom.pipeline.measure_angles``)
   and compared with the reference, frame by frame, for each estimate rom offers:
   ``2D`` (image plane), ``MP 3D`` (MediaPipe's world landmarks as they come, rom's 3D
   before this benchmark existed), ``3D`` (rom's 3D: image x, y with MediaPipe's depth, the
   measured vertical) and ``best`` (per frame, the estimate the view supports:
   ``rom.metrics.support.best_values``, the choice ``results`` makes). Per view and angle:
   the mean absolute error (MAE), the mean error (bias) and the valid fraction (frames
   with a value among those with a reference value);
4. the uncertainty ``results`` would state for each best value (``rom.metrics.uncertainty``)
   against the actual error: how often the error falls within one and within two
   standard uncertainties (68 and 95 percent if honest).

Limits: one clip (100 frames, one man balancing), a reference built from the same
MediaPipe model on four views (not markers), the man's face pixelated in the clips
(so the face-based cervical angles are not judged here). Figures, never assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from rom.metrics import catalogue
from rom.metrics.angles import compute_angles
from rom.metrics.filtering import bound_unsigned, filter_angles
from rom.metrics.geometry import angle_between_deg
from rom.metrics.laterality import fix_label_swaps
from rom.metrics.series import AngleSeries
from rom.metrics.support import best_values, compute_support
from rom.metrics.uncertainty import frame_uncertainty
from rom.metrics.vertical import estimate_vertical
from rom.pipeline import measure_angles
from rom.pose.extract import extract_poses
from rom.pose.models import resolve_model
from rom.pose.sources import open_source
from rom.reference.build import Reference, build_reference, leave_one_out_noise
from rom.reference.calibration import read_qca
from rom.sequence import PoseSequence, load, save

ROOT = Path(__file__).resolve().parents[1]
CLIP = "lab_two_people_balance_portrait_60fps_cam0{}.mp4"
#: The eight limb angles of the headline figure (elbow, knee, hip, shoulder elevation).
LIMBS = [
    f"{name}_{side}"
    for name in ("elbow_flexion", "knee_flexion", "hip_flexion", "shoulder_elevation")
    for side in ("left", "right")
]
ESTIMATES = ("2D", "MP 3D", "3D", "best")


def track(clip: Path, variant: str, cache: Path | None) -> tuple[PoseSequence, float]:
    """The man in one view as rom tracks him (raw labels), and the tracking time in s."""
    if cache is not None:
        hit = cache / f"{variant}_{clip.stem}.npz"
        if hit.is_file():
            return load(hit), float("nan")
    model = resolve_model(variant, progress=True)
    t0 = time.perf_counter()
    with open_source(clip) as source:
        seq = extract_poses(source, model.path, model_meta={"variant": variant})
    took = time.perf_counter() - t0
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        save(seq, cache / f"{variant}_{clip.stem}.npz")
    return seq, took


def estimates(seq_raw: PoseSequence) -> dict[str, AngleSeries]:
    """Each estimate rom offers for one view, keyed by estimate, columns ``<key>_deg``."""
    seq, _ = fix_label_swaps(seq_raw)
    angles, _, _ = measure_angles(seq)
    raw3d = bound_unsigned(filter_angles(compute_angles(seq)))
    best, _ = best_values(angles, compute_support(seq))
    out = {}
    for name, src, suffix in (
        ("2D", angles, "_deg"),
        ("MP 3D", raw3d, "_3d_deg"),
        ("3D", angles, "_3d_deg"),
    ):
        cols = {
            a.key + "_deg": src[a.key + suffix]
            for a in catalogue.ANGLES.values()
            if a.key + suffix in src
        }
        out[name] = AngleSeries.from_dict(angles.time_s, cols)
    out["best"] = best
    out["_angles"] = angles  # type: ignore[assignment]
    return out


def score(est: np.ndarray, ref: np.ndarray) -> tuple[float, float, float]:
    """(MAE, bias, valid fraction) of an estimate against the reference, degrees."""
    e = est - ref
    ok = np.isfinite(e)
    n_ref = int(np.isfinite(ref).sum())
    if not ok.any():
        return float("nan"), float("nan"), 0.0
    return float(np.mean(np.abs(e[ok]))), float(np.mean(e[ok])), ok.sum() / max(n_ref, 1)


def coverage(seq_raw: PoseSequence, ref: Reference, est: dict[str, AngleSeries]) -> list[float]:
    """Absolute errors of the best values, each divided by its stated uncertainty."""
    seq, _ = fix_label_swaps(seq_raw)
    angles = est["_angles"]  # type: ignore[index]
    u = frame_uncertainty(angles, compute_support(seq))
    best = est["best"]
    ratios: list[float] = []
    for key in LIMBS + ["trunk_inclination", "trunk_flexion", "trunk_lateral_flexion"]:
        r = ref.angles[key + "_3d_deg"]
        e = np.abs(best[key + "_deg"] - r) / u[key]
        ratios += e[np.isfinite(e)].tolist()
    return ratios


#: Left/right angle pairs whose difference (the asymmetry) is judged against its band.
PAIRS = (
    "elbow_flexion",
    "knee_flexion",
    "hip_flexion",
    "shoulder_elevation",
    "shoulder_abduction",
    "shoulder_flexion",
)


def difference_errors(
    seq_raw: PoseSequence, ref: Reference, est: dict[str, AngleSeries]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame and left/right pair: the right-left difference's error ``e_R - e_L``
    and the two sides' stated uncertainties, for the asymmetry band
    ``1.96 sqrt(u_R^2 + u_L^2)`` (``rom.metrics.results``)."""
    seq, _ = fix_label_swaps(seq_raw)
    u = frame_uncertainty(est["_angles"], compute_support(seq))  # type: ignore[arg-type]
    best = est["best"]
    ul_all, ur_all, d_all = [], [], []
    for p in PAIRS:
        kl, kr = p + "_left", p + "_right"
        if kl + "_deg" not in best or kr + "_deg" not in best:
            continue
        el = best[kl + "_deg"] - ref.angles[kl + "_3d_deg"]
        er = best[kr + "_deg"] - ref.angles[kr + "_3d_deg"]
        ok = np.isfinite(el) & np.isfinite(er) & np.isfinite(u[kl]) & np.isfinite(u[kr])
        d_all.append(er[ok] - el[ok])
        ul_all.append(u[kl][ok])
        ur_all.append(u[kr][ok])
    return np.concatenate(d_all), np.concatenate(ul_all), np.concatenate(ur_all)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--models", nargs="+", default=["full", "heavy"])
    ap.add_argument("--reference", default="heavy", help="model the reference is built from")
    ap.add_argument("--cache", type=Path, default=None, help="folder to keep tracked poses in")
    ap.add_argument("--markdown", action="store_true", help="print the summary as a table")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    clips = [args.shared / "clips" / CLIP.format(i) for i in range(1, 5)]
    cams = read_qca(args.shared / "clips" / "lab_calibration.qca.txt")
    models = list(dict.fromkeys([*args.models, args.reference]))

    views: dict[str, list[PoseSequence]] = {}
    speed: dict[str, float] = {}
    for m in models:
        tracked = [track(c, m, args.cache) for c in clips]
        views[m] = [s for s, _ in tracked]
        took = sum(t for _, t in tracked)
        speed[m] = sum(s.n_frames for s in views[m]) / took if np.isfinite(took) else np.nan
    print("tracking speed (frames/s, this machine, this run):")
    for m in models:
        ratio = speed[m] / speed[models[0]] if np.isfinite(speed[m]) else np.nan
        print(f"  {m:6s} {speed[m]:6.1f} fps  ({ratio:.2f} x {models[0]})")

    full_ref = build_reference(cams, views[args.reference])
    noise, loo = leave_one_out_noise(cams, views[args.reference], full_ref)
    print(f"\nreference: {args.reference} model, {len(cams)} views, 100 frames")
    print(
        "  reprojection (median px per view):",
        {k: round(v, 1) for k, v in full_ref.reprojection_px().items()},
    )
    print("  frames read with left/right swapped per view:", full_ref.swapped.sum(axis=1).tolist())
    valid = np.isfinite(full_ref.points_lab[..., 0]).mean()
    print(f"  landmarks triangulated: {100 * valid:.0f}%")
    print("  own noise (leave one camera out vs all four, MAE deg):")
    keys = [a.key for a in catalogue.ANGLES.values() if a.has_3d and a.views]
    print("   ", ", ".join(f"{k} {noise[k + '_3d_deg']['mae']:.1f}" for k in keys))
    limb_noise = np.mean([noise[k + "_3d_deg"]["mae"] for k in LIMBS])
    print(f"    mean of the 8 limb angles: {limb_noise:.1f}")

    summary: dict[tuple[str, int, str], tuple[float, float]] = {}
    joint_bias: dict[tuple[str, str], list[float]] = {}
    ratios_all: dict[str, list[float]] = {m: [] for m in args.models}
    diffs: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {m: [] for m in args.models}
    for m in args.models:
        for v, seq in enumerate(views[m]):
            ref = loo[v]  # the reference without this view
            est = estimates(seq)
            vert = estimate_vertical(fix_label_swaps(seq)[0])
            up_true = cams[v].R @ np.array([0.0, 0.0, 1.0])
            err_v = float(angle_between_deg(vert.up_world, up_true))
            err_level = float(angle_between_deg(np.array([0.0, -1.0, 0.0]), up_true))
            print(
                f"\n--- {m}, camera {v + 1}: vertical {vert.source} "
                f"({err_v:.1f} deg from the lab's; the level-camera assumption: {err_level:.1f})"
            )
            print(f"{'angle':32s} " + " | ".join(f"{e:>17s}" for e in ESTIMATES))
            for key in keys:
                r = ref.angles[key + "_3d_deg"]
                cells = []
                for e in ESTIMATES:
                    col = key + "_deg"
                    if col not in est[e]:
                        cells.append(f"{'-':>17s}")
                        continue
                    mae, bias, frac = score(est[e][col], r)
                    cells.append(f"{mae:5.1f} {bias:+6.1f} {frac:4.2f}")
                print(f"{key:32s} " + " | ".join(cells))
            for e in ESTIMATES:
                for group, names in (("limbs", LIMBS), ("all", keys)):
                    s = [
                        score(est[e][k + "_deg"], ref.angles[k + "_3d_deg"])
                        for k in names
                        if k + "_deg" in est[e]
                    ]
                    summary[(m, v, e + "/" + group)] = (
                        float(np.nanmean([x[0] for x in s])),
                        float(np.nanmean([x[2] for x in s])),
                    )
            ratios_all[m] += coverage(seq, ref, est)
            diffs[m].append(difference_errors(seq, ref, est))
            for e in ("MP 3D", "3D"):
                for key in (
                    "elbow_flexion_left",
                    "elbow_flexion_right",
                    "knee_flexion_left",
                    "knee_flexion_right",
                ):
                    _, bias, _ = score(est[e][key + "_deg"], ref.angles[key + "_3d_deg"])
                    joint_bias.setdefault((m, e), []).append(bias)

    print("\nMAE (deg) over the 8 limb angles / over all angles, per view (valid fraction):")
    header = "| model | estimate | " + " | ".join(f"camera {v + 1}" for v in range(4)) + " | mean |"
    print(header)
    print("|" + " --- |" * (len(header.split("|")) - 2))
    for m in args.models:
        for e in ESTIMATES:
            cells = []
            means = []
            for v in range(4):
                a, fa = summary[(m, v, e + "/limbs")]
                b, _ = summary[(m, v, e + "/all")]
                cells.append(f"{a:.1f} / {b:.1f} ({fa:.2f})")
                means.append((a, b))
            ma = np.mean([x[0] for x in means])
            mb = np.mean([x[1] for x in means])
            print(f"| {m} | {e} | " + " | ".join(cells) + f" | {ma:.1f} / {mb:.1f} |")
    print(f"| reference noise | leave one out | | | | | {limb_noise:.1f} (limbs) |")

    print("\nelbow and knee flexion, 3D: mean error (bias) over the 4 views x 4 angles, deg")
    for m in args.models:
        before, after = np.array(joint_bias[(m, "MP 3D")]), np.array(joint_bias[(m, "3D")])
        print(
            f"  {m}: MediaPipe's world landmarks {np.nanmean(before):+.1f} (mean |bias| "
            f"{np.nanmean(np.abs(before)):.1f}, {int(np.sum(before < -5))} of 16 below -5); "
            f"rom's 3D {np.nanmean(after):+.1f} (mean |bias| {np.nanmean(np.abs(after)):.1f}, "
            f"{int(np.sum(after < -5))} of 16 below -5)"
        )

    print("\nuncertainty coverage (best values; |error| within 1 and 2 stated SD):")
    for m, ratios in ratios_all.items():
        r = np.array(ratios)
        if r.size:
            print(
                f"  {m}: {100 * np.mean(r <= 1):.0f}% within 1 SD (68% if honest), "
                f"{100 * np.mean(r <= 2):.0f}% within 2 SD (95%), {r.size} frame-values"
            )

    print("\nasymmetry band (right-left difference; |e_R - e_L| within 1.96 sqrt(u_R^2 + u_L^2)):")
    for m, parts in diffs.items():
        if not parts:
            continue
        d, ul, ur = (np.concatenate([x[i] for x in parts]) for i in range(3))
        ud = np.sqrt(ul**2 + ur**2)
        print(
            f"  {m}: {100 * np.mean(np.abs(d) <= 1.96 * ud):.1f}% within the band (95% if "
            f"honest), {100 * np.mean(np.abs(d) <= ud):.1f}% within 1 u_d (68%), "
            f"{d.size} frame-pairs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
