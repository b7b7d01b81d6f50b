"""Throughput of `rom batch`: the same clips with 1 and 2 local workers and through a
2-worker Dask LocalCluster, measured in one run.

    python benchmarks/bench_batch.py [CLIP ...] [--model PATH] [--workers 2] [--copies N]

Default clips: the sample clip and the shared outdoor and four lab clips (780 frames).
``--copies N`` analyses each clip N times, as N remuxed copies (the same packets, hence
the same frames and work, in files whose bytes differ, so that the batch does not take
them for one clip): a batch of many clips, as researchers run, where each worker's
start-up and the last clip's tail weigh less than in six clips.
Each configuration analyses every clip from scratch into its own temporary folder (worker
start-up and model loading included) and prints clips and frames per second and the
speed-up over one worker. Target on a 2-core machine: 2 workers >= 1.6 x one worker.
Last, the machine's own ceiling: the speed-up of 2 processes of raw MediaPipe inference
(no rom code, frames decoded beforehand) over one, in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_CLIPS = [
    ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4",
    SHARED / "clips" / "outdoor_two_people_arm_raises_1768x994_30fps.mp4",
    *(
        SHARED / "clips" / f"lab_two_people_balance_portrait_60fps_cam0{i}.mp4"
        for i in (1, 2, 3, 4)
    ),
]
DEFAULT_MODEL = SHARED / "models" / "pose_landmarker_full.task"


def _frames(report_dir: Path) -> int:
    import json

    n = 0
    for f in (report_dir / "clips").glob("*/summary.json"):
        n += json.loads(f.read_text())["tracking"]["n_frames"]
    return n


def remuxed_copy(clip: Path, out: Path, k: int) -> None:
    """``clip``'s packets, unchanged, in a new file ``out`` tagged with copy number ``k``."""
    import av

    with av.open(str(clip)) as src, av.open(str(out), "w") as dst:
        dst.metadata["comment"] = f"rom benchmark copy {k}"
        stream = src.streams.video[0]
        copy = dst.add_stream_from_template(stream)
        for packet in src.demux(stream):
            if packet.dts is None:
                continue
            packet.stream = copy
            dst.mux(packet)


def _infer(clip: str, model: str, n_frames: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    """One process: decode ``n_frames`` of ``clip`` first, wait for the others, then time
    MediaPipe's inference alone on them (no rom code), and put the seconds in ``out``."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    import av
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    images = []
    with av.open(clip) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= n_frames:
                break
            rgb = f.to_ndarray(format="rgb24")
            images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=model),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        lm.detect_for_video(images[0], 0)  # warm up
        barrier.wait()
        t0 = time.perf_counter()
        for i, img in enumerate(images):
            lm.detect_for_video(img, (i + 1) * 33)
        out.put(time.perf_counter() - t0)


def inference_ceiling(clip: Path, model: Path, n_procs: int, n_frames: int = 150) -> float:
    """The speed-up ``n_procs`` processes of raw MediaPipe inference (the same frames,
    decoded beforehand) get over one on this machine: the most any ``n_procs``-worker
    batch can gain, whatever rom does around inference (cores, shared caches and memory
    bandwidth decide it)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")

    def run(k: int) -> float:
        barrier, out = ctx.Barrier(k), ctx.Queue()
        procs = [
            ctx.Process(target=_infer, args=(str(clip), str(model), n_frames, barrier, out))
            for _ in range(k)
        ]
        for p in procs:
            p.start()
        seconds = [out.get() for _ in procs]
        for p in procs:
            p.join()
        return max(seconds)

    one = run(1)
    many = run(n_procs)
    return n_procs * one / many


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("clips", nargs="*", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-cluster", action="store_true", help="skip the LocalCluster run")
    ap.add_argument(
        "--copies", type=int, default=1, help="analyse N remuxed copies of each clip (default 1)"
    )
    args = ap.parse_args()
    os.environ["ROM_MODEL_PATH"] = str(args.model)
    os.environ.setdefault("GLOG_minloglevel", "2")

    from rom.batch.run import run_batch
    from rom.settings import resolve_config

    config = resolve_config({})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        for i, clip in enumerate(args.clips):
            if args.copies == 1:
                (folder / f"{i:02d}_{clip.name}").symlink_to(clip.resolve())
            for k in range(args.copies if args.copies > 1 else 0):
                remuxed_copy(clip, folder / f"{i:02d}_{k}_{clip.name}", k)
        runs = [
            ("1 worker", {"workers": 1}),
            (f"{args.workers} workers", {"workers": args.workers}),
        ]
        if not args.no_cluster:
            runs.append((f"LocalCluster {args.workers} workers", {"cluster": args.workers}))
        results = {}
        for name, opts in runs:
            out = Path(tmp) / name.replace(" ", "_")
            if "cluster" in opts:
                from distributed import LocalCluster

                with LocalCluster(
                    n_workers=opts["cluster"],
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster:
                    t0 = time.perf_counter()
                    report = run_batch(folder, out, config, scheduler=cluster.scheduler_address)
                    seconds = time.perf_counter() - t0
            else:
                t0 = time.perf_counter()
                report = run_batch(folder, out, config, workers=opts["workers"])
                seconds = time.perf_counter() - t0
            n_clips = report.n_done + report.n_partial
            frames = _frames(out)
            results[name] = seconds
            print(
                f"{name:26s} {n_clips:3d} clips {frames:5d} frames {seconds:7.1f} s "
                f"{n_clips / seconds:6.3f} clips/s {frames / seconds:6.1f} frames/s "
                f"speed-up {results['1 worker'] / seconds:4.2f}",
                flush=True,
            )
    ceiling = inference_ceiling(args.clips[0], args.model, args.workers)
    print(
        f"raw MediaPipe inference alone, {args.workers} processes at once vs 1 (the same "
        f"150 frames of {args.clips[0].name}, decoded beforehand): speed-up {ceiling:4.2f}, "
        f"the most a {args.workers}-worker batch can gain on this machine"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
