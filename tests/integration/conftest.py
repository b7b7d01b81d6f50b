"""Real analyses shared by the storage, comparison and report tests (each clip analysed
once per test session): the sample clip ("pre") and a trimmed copy of it ("post")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "arm_raises_front_1768x994_30fps.mp4"


@dataclass(frozen=True)
class Analysed:
    video: Path
    result: object  # rom.pipeline.AnalysisResult


@pytest.fixture(scope="session")
def clinic_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``pre``: the sample clip (150 frames); ``post``: its first 120 frames re-encoded;
    ``short``: its first 60 frames (for runs that are killed)."""
    from tests.videos import transform_video

    d = tmp_path_factory.mktemp("clinic_clips")
    return {
        "pre": SAMPLE,
        "post": transform_video(SAMPLE, d / "post.mp4", lambda x: x, max_frames=120),
        "short": transform_video(SAMPLE, d / "short.mp4", lambda x: x, max_frames=60),
    }


@pytest.fixture(scope="session")
def analysed_pair(
    clinic_clips: dict[str, Path], shared_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Analysed, Analysed]:
    """The pre and post clips analysed with the shoulder-abduction protocol."""
    from rom.pipeline import AnalysisConfig, analyze_video

    config = AnalysisConfig(model_path=shared_model, protocol="shoulder-abduction")
    out = []
    for name in ("pre", "post"):
        r = analyze_video(clinic_clips[name], tmp_path_factory.mktemp(name), config)
        out.append(Analysed(clinic_clips[name], r))
    return out[0], out[1]
