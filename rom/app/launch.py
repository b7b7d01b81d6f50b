"""``rom app``: start the dashboard (Streamlit) bound to this machine.

Everything stays local: the server listens on 127.0.0.1 unless ``--host`` says
otherwise, usage statistics are off, and serving on any other address needs a password
(``ROM_APP_PASSWORD`` or ``password`` in ``.streamlit/secrets.toml``). This module does
not import Streamlit, so ``rom --help`` works without the dashboard extra.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rom.app.auth import is_local
from rom.app.settings import AppSettings
from rom.errors import InputError

DEFAULT_PORT = 8501


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "app",
        parents=[common],
        help="start the dashboard in the browser (capture, results, compare, research)",
        description="Start the rom dashboard (Streamlit) on this machine and open it in the "
        "browser. It listens on 127.0.0.1 only, unless --host names another address, which "
        "needs a password (ROM_APP_PASSWORD or password in .streamlit/secrets.toml).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--no-browser", action="store_true", help="do not open a browser window (servers, tests)"
    )
    p.set_defaults(func=run)


def secrets_password(cwd: Path | None = None) -> str | None:
    """``password`` from ``.streamlit/secrets.toml`` in ``cwd`` or the home folder."""
    import tomllib

    for folder in (cwd or Path.cwd(), Path.home()):
        path = folder / ".streamlit" / "secrets.toml"
        if path.is_file():
            try:
                value = tomllib.loads(path.read_text(encoding="utf-8")).get("password")
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise InputError(f"{path} cannot be read ({exc}); fix or remove it") from None
            if value:
                return str(value)
    return None


def command(host: str, port: int, *, open_browser: bool) -> list[str]:
    """The ``streamlit run`` command line of the dashboard."""
    script = Path(__file__).with_name("streamlit_app.py")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "false" if open_browser else "true",
        "--browser.gatherUsageStats",
        "false",
        "--browser.serverAddress",
        host if is_local(host) else "localhost",
        "--server.fileWatcherType",
        "none",
        # Streamlit collects all garbage (gc.collect(2)) after every script run, and the
        # live panel reruns every second: in a process holding MediaPipe, pandas and
        # Plotly that took about half of the server's time and, holding the GIL, stalled
        # the webcam's network loop and tracking (measured: 37 % of the server's samples,
        # preview analysed at 2-7 frames/s). Python's own collector is enough.
        "--runner.postScriptGC",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.maxUploadSize",
        str(AppSettings.from_env().max_upload_mb),
    ]


def run(args: argparse.Namespace) -> int:
    import importlib.util

    for name in ("streamlit", "streamlit_webrtc", "plotly", "sqlalchemy"):
        if importlib.util.find_spec(name) is None:
            raise InputError(
                f"the dashboard needs rom's dashboard extra ({name} is missing): "
                "pip install 'rom[dashboard]'"
            )
    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port} is not a port number (1-65535)")
    if not is_local(args.host) and not (os.environ.get("ROM_APP_PASSWORD") or secrets_password()):
        raise InputError(
            f"serving the dashboard on {args.host} makes it reachable from other machines: set "
            "a password first (ROM_APP_PASSWORD, or password in .streamlit/secrets.toml), or "
            "leave --host at 127.0.0.1"
        )
    where = f"http://{args.host if is_local(args.host) else 'localhost'}:{args.port}"
    if not args.quiet:
        print(f"rom dashboard on {where} (Ctrl-C stops it)", file=sys.stderr)
    cmd = command(args.host, args.port, open_browser=not args.no_browser)
    sys.stderr.flush()
    if os.name == "posix":
        # This process becomes the server: stopping `rom app` (Ctrl-C, a signal to its
        # pid) stops the dashboard, with no server left running on its own.
        os.execv(cmd[0], cmd)
    try:  # pragma: no cover - Windows
        return subprocess.call(cmd)
    except KeyboardInterrupt:  # pragma: no cover
        return 0
