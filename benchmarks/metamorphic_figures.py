"""The metamorphic figures on the shared clips: each transform against the null, per clip.

    python benchmarks/metamorphic_figures.py [--model full|heavy|PATH] [--per-angle]
    python benchmarks/metamorphic_figures.py --calibrate [--shifts -8 -4 0 4 8 12]

Runs the experiments of ``tests/integration/test_metamorphic.py`` (the same code,
``tests/metamorphic.py``): each clip decoded once, its variants made in memory and analysed
by the real pipeline. Prints, per clip and relation, the transform's and the null's
fraction within tolerance and 90th percentile of |difference|, the criterion's margins and
its verdict; ``--per-angle`` adds every column's or peak's difference.

``--calibrate`` repeats the experiment with every crop window moved by each of
``--shifts`` pixels (other pixels reach MediaPipe, as on another machine) and prints, for
the correct runs and for every injected fault, the range of the excess over the null
(fraction points, P90 degrees) and how often the criterion fails: the evidence the margins
in the test module's docstring are chosen from. About 2 minutes per shift on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rom.pose.models import resolve_model
from tests.metamorphic import (
    CLIPS,
    CRITERIA,
    FAULTS,
    RELATIONS,
    Run,
    analyse_clip,
    differences,
    null_differences,
    same_person_problem,
)

SHARED = ROOT.parent / "shared"


def _model(spec: str) -> Path:
    if spec in ("full", "heavy", "lite"):
        if spec == "full" and (SHARED / "models" / "pose_landmarker_full.task").is_file():
            return SHARED / "models" / "pose_landmarker_full.task"
        return resolve_model(spec).path
    return Path(spec)


def _excess(runs: dict[str, Run], relation: str, transformed=None) -> tuple[float, float, bool]:
    crit = CRITERIA[relation]
    got, null = crit.spreads(
        differences(runs, relation, transformed), null_differences(runs, relation)
    )
    return got.within - null.within, got.p90_deg - null.p90_deg, bool(crit.violations(got, null))


def figures(model: Path, per_angle: bool) -> None:
    print(f"model: {model.name}")
    for clip in CLIPS:
        runs = analyse_clip(SHARED, model, clip)
        for v in runs:
            if v != "original" and (problem := same_person_problem(runs, v)):
                print(f"  PRECONDITION: {problem}")
        print(f"\n{clip}")
        for relation in RELATIONS:
            crit = CRITERIA[relation]
            diffs, null = differences(runs, relation), null_differences(runs, relation)
            got, ref = crit.spreads(diffs, null)
            verdict = "; ".join(crit.violations(got, ref)) or "holds"
            print(f"  {relation:9s} transform: {got}")
            print(f"  {'':9s} null:      {ref}")
            print(
                f"  {'':9s} margins {crit.margin_within:.0%} / {crit.margin_p90_deg:g} deg: {verdict}"
            )
            if per_angle:
                for key, d in diffs.items():
                    print(f"      {key:45s} {d:+7.1f}   null {null.get(key, float('nan')):+7.1f}")


def calibrate(model: Path, shifts: list[int]) -> None:
    rows: dict[tuple[str, str, str], list[tuple[float, float, bool]]] = {}
    for shift in shifts:
        for clip in CLIPS:
            print(f"crop moved {shift:+d} px: {clip}", file=sys.stderr, flush=True)
            runs = analyse_clip(SHARED, model, clip, base_shift_px=shift)
            for relation in RELATIONS:
                rows.setdefault((relation, "correct", clip), []).append(_excess(runs, relation))
            for f in FAULTS:
                x = _excess(runs, f.relation, f.inject(runs[f.relation]))
                rows.setdefault((f.relation, f.name, clip), []).append(x)
    print(f"model: {model.name}; crop shifts {shifts}")
    print("relation  run                  clip     fraction excess (pts)  P90 excess (deg)  fails")
    for (relation, name, clip), xs in rows.items():
        df = [100 * x[0] for x in xs]
        dp = [x[1] for x in xs]
        fails = sum(x[2] for x in xs)
        print(
            f"{relation:9s} {name:20s} {clip:8s} {min(df):+5.0f} .. {max(df):+4.0f}"
            f"          {min(dp):+6.1f} .. {max(dp):+5.1f}    {fails}/{len(xs)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="full", help="full, heavy, lite or a .task path")
    parser.add_argument("--per-angle", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--shifts", type=int, nargs="+", default=[-8, -4, 0, 4, 8, 12])
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # quality notes of the summaries are not figures
    model = _model(args.model)
    if args.calibrate:
        calibrate(model, args.shifts)
    else:
        figures(model, args.per_angle)


if __name__ == "__main__":
    main()
