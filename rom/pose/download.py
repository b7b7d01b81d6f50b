"""HTTP download for model files: a file streamed to disk, and a failure in one line."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["DOWNLOAD_ERRORS", "download", "error_text"]

CHUNK_BYTES = 1 << 20

#: What a failed download raises: URLError (HTTP errors too) and timeouts are OSErrors;
#: HTTPException: a cut-off response; ValueError: a malformed URL.
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException, ValueError)


def download(url: str, dest: Path, *, timeout_s: float, progress: bool) -> None:
    """Stream ``url`` into ``dest`` (bytes), with a progress bar on stderr if asked.

    ``timeout_s`` bounds each socket operation (seconds), so an unreachable host fails
    fast; raises one of ``DOWNLOAD_ERRORS``.
    """
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            dest.open("wb") as out,
            tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar,
        ):
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                bar.update(len(chunk))


def error_text(exc: BaseException) -> str:
    """``exc`` as one short line (a URLError hides its cause in ``reason``)."""
    text = str(exc)
    # HTTPError's str() already says "HTTP Error 404: Not Found"; other URLErrors wrap.
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        text = str(exc.reason)
    return " ".join(text.split()) or type(exc).__name__
