"""Uploads: allow-listed formats, size limit, the user's file name never a path, bad
files refused with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from rom.app.uploads import UploadError, accept_upload, display_name, suffix_of
from tests.videos import marker_frames, write_video

MB = 1_000_000


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.mp4", "passwd.mp4"),
        ("C:\\Users\\me\\clip.MOV", "clip.MOV"),
        ("a\x00b\nc.mp4", "abc.mp4"),
        ("", "video"),
    ],
)
def test_display_name_keeps_only_a_printable_last_part(name: str, shown: str) -> None:
    assert display_name(name) == shown


@pytest.mark.parametrize("name", ["clip.MP4", "x.mov", "y.webm", "z.mkv", "w.avi", "v.m4v"])
def test_video_formats_are_accepted_in_any_case(name: str) -> None:
    assert suffix_of(name) == name.rsplit(".", 1)[1].lower()


def test_a_long_name_keeps_its_format_when_shown_and_is_accepted() -> None:
    """A 232-byte name ending in .MP4 was refused as ".? files are not accepted": the
    format was read from the name cut to 120 characters for display (new-user review)."""
    name = "ÉÉ client 'quote' <b>bold<_b> & $(rm) 名前 " + "x" * 180 + ".MP4"
    assert suffix_of(name) == "mp4"
    shown = display_name(name)
    assert len(shown) == 120 and shown.endswith("….MP4") and shown.startswith("ÉÉ client")
    assert display_name("y" * 200).endswith("…") and len(display_name("y" * 200)) == 120


@pytest.mark.parametrize("name", ["notes.txt", "run.exe", "clip", "clip.mp4.sh", "photo.jpg"])
def test_other_formats_are_refused_naming_the_file(name: str) -> None:
    with pytest.raises(UploadError, match="not accepted"):
        suffix_of(name)


def test_a_real_clip_is_stored_under_its_hash_never_its_name(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "src.mp4", marker_frames(12))
    uploads = tmp_path / "uploads"
    video = accept_upload("../../outside/evil name.mp4", clip.read_bytes(), uploads, max_bytes=MB)
    assert video.path.parent == uploads
    assert video.path.name == f"{video.sha256[:24]}.mp4"
    assert not (tmp_path / "outside").exists()
    assert video.display_name == "evil name.mp4"
    assert (video.width_px, video.height_px) == (96, 64)
    assert video.first_frame.shape == (64, 96, 3)
    assert [p.name for p in uploads.iterdir()] == [video.path.name]


def test_the_same_clip_twice_is_one_file(tmp_path: Path) -> None:
    data = write_video(tmp_path / "src.mp4", marker_frames(6)).read_bytes()
    a = accept_upload("a.mp4", data, tmp_path / "u", max_bytes=MB)
    b = accept_upload("b.mp4", data, tmp_path / "u", max_bytes=MB)
    assert a.path == b.path and len(list((tmp_path / "u").iterdir())) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"this is not a video at all" * 10, "cannot open"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "holiday.mp4"),
    ],
)
def test_bad_files_are_refused_with_the_users_name_and_nothing_kept(
    tmp_path: Path, data: bytes, message: str
) -> None:
    uploads = tmp_path / "uploads"
    with pytest.raises(UploadError, match=message) as err:
        accept_upload("holiday.mp4", data, uploads, max_bytes=MB)
    text = str(err.value)
    assert "holiday.mp4" in text and "\n" not in text
    assert str(uploads) not in text  # the stored name is not shown
    assert not uploads.exists() or not list(uploads.iterdir())


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="more than the 1 MB accepted"):
        accept_upload("big.mp4", b"x" * (MB + 1), tmp_path, max_bytes=MB)
