"""The dashboard's settings, read once from the environment.

========================  ===============================================================
``ROM_APP_DIR``           folder for uploads, webcam recordings and analysis files
                          (default: the user data folder, e.g. ``~/.local/share/rom/app``)
``ROM_APP_MAX_UPLOAD_MB`` largest accepted upload in megabytes (default 500)
``ROM_APP_PASSWORD``      password asked before anything is shown (also read from
                          Streamlit secrets as ``password``); required when the app is
                          served on a network address
``ROM_MODEL_PATH``        the pose model (see ``rom models``)
``ROM_DATABASE_URL``      the clients/sessions database (see ``rom client --help``)
========================  ===============================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_UPLOAD_MB = 500


@dataclass(frozen=True)
class AppSettings:
    data_dir: Path
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    password: str | None = None

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "webcam"

    @property
    def analyses_dir(self) -> Path:
        return self.data_dir / "analyses"

    @classmethod
    def from_env(cls) -> AppSettings:
        """Settings from the environment variables in the module docstring."""
        raw_dir = os.environ.get("ROM_APP_DIR")
        if raw_dir:
            data_dir = Path(raw_dir).expanduser()
        else:
            import platformdirs

            data_dir = platformdirs.user_data_path("rom") / "app"
        raw_mb = os.environ.get("ROM_APP_MAX_UPLOAD_MB", "")
        try:
            max_mb = int(raw_mb) if raw_mb else DEFAULT_MAX_UPLOAD_MB
        except ValueError:
            max_mb = DEFAULT_MAX_UPLOAD_MB
        return cls(data_dir, max(max_mb, 1), os.environ.get("ROM_APP_PASSWORD") or None)
