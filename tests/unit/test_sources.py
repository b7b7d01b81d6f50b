"""Frame sources: rotation metadata, container timestamps, bad files, image folders."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from rom.errors import InputError, VideoError
from rom.pose.sources import ImageFolderSource, open_source
from tests.videos import marker_frames, write_video


def _marker_corner(rgb: np.ndarray) -> tuple[str, str]:
    h, w = rgb.shape[:2]
    bright = rgb.mean(axis=2) > 200
    ys, xs = np.nonzero(bright)
    return ("top" if ys.mean() < h / 2 else "bottom", "left" if xs.mean() < w / 2 else "right")


@pytest.mark.parametrize(
    "rotation, size, corner",
    [
        (0, (96, 64), ("top", "left")),
        # A phone held upright records landscape pixels with a -90 (clockwise) rotation:
        # the top-left of the stored image becomes the top-right of the upright one.
        (-90, (64, 96), ("top", "right")),
        (90, (64, 96), ("bottom", "left")),
        (180, (96, 64), ("bottom", "right")),
    ],
)
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation, size, corner) -> None:
    path = write_video(tmp_path / "rot.mp4", marker_frames(3), rotation_deg=rotation)
    with open_source(path) as src:
        frames = list(src)
        assert (src.info.width_px, src.info.height_px) == size
    assert frames[0].rgb.shape[:2] == (size[1], size[0])
    assert frames[0].rgb.flags["C_CONTIGUOUS"]
    assert _marker_corner(frames[0].rgb) == corner


def test_variable_frame_rate_timestamps_come_from_the_container(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.1, 0.2, 0.21, 0.5]
    path = write_video(tmp_path / "vfr.mp4", marker_frames(len(times)), times_s=times)
    with open_source(path) as src:
        got = [f.time_s for f in src]
    np.testing.assert_allclose(got, times, atol=0.002)


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "nope.mp4")


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        open_source(tmp_path / "empty.mp4")


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("not a video\n" * 50)
    with pytest.raises(VideoError, match="cannot open"):
        open_source(tmp_path / "notes.mp4")


def test_truncated_video_keeps_decoded_frames_and_says_why(tmp_path: Path) -> None:
    frames = [np.random.default_rng(i).integers(0, 255, (64, 96, 3), np.uint8) for i in range(60)]
    full = write_video(tmp_path / "full.mp4", frames)
    # Rewrite with the index first (faststart) so a cut file still opens, then cut it.
    import av

    fast = tmp_path / "fast.mp4"
    with (
        av.open(str(full)) as inp,
        av.open(str(fast), "w", options={"movflags": "+faststart"}) as out,
    ):
        s = out.add_stream_from_template(inp.streams.video[0])
        for pkt in inp.demux(inp.streams.video[0]):
            if pkt.dts is not None:
                pkt.stream = s
                out.mux(pkt)
    data = fast.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.5)])
    with open_source(cut) as src:
        n = sum(1 for _ in src)
        assert 0 < n < 60
        assert src.error is not None and "truncated" in src.error


def test_image_folder_source(tmp_path: Path) -> None:
    import cv2

    for i, img in enumerate(marker_frames(4)):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), img)
    src = open_source(tmp_path, fps=10)
    assert isinstance(src, ImageFolderSource)
    frames = list(src)
    assert [f.time_s for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert _marker_corner(frames[0].rgb) == ("top", "left")


def test_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images"):
        open_source(tmp_path)


def test_frames_are_streamed_not_held(tmp_path: Path) -> None:
    """The source is a generator: frames already consumed are not kept by it."""
    import gc
    import weakref

    path = write_video(tmp_path / "s.mp4", marker_frames(20))
    refs = []
    with open_source(path) as src:
        for f in src:
            refs.append(weakref.ref(f.rgb))
            del f
    gc.collect()
    assert sum(r() is not None for r in refs) <= 1


def test_camera_source_reads_frames_with_wall_clock_times(tmp_path: Path) -> None:
    """The webcam/stream source (OpenCV) on a file, the one stream there is here."""
    from rom.pose.sources import CameraSource

    path = write_video(tmp_path / "cam.mp4", marker_frames(5))
    with CameraSource(str(path)) as src:
        frames = list(src)
    assert len(frames) == 5
    assert all(b.time_s > a.time_s for a, b in itertools.pairwise(frames))
    assert _marker_corner(frames[0].rgb) == ("top", "left")


def test_unopenable_camera_is_an_input_error() -> None:
    from rom.pose.sources import CameraSource

    with pytest.raises(InputError, match="cannot open camera"):
        CameraSource(97)
