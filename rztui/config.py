"""Where rztui keeps things, and the user's settings (TOML in the config dir).

``RZTUI_HOME=<dir>`` puts config, data and cache under one directory (tests, scripts, demos).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api import DEFAULT_BASE_URL
from .api.errors import ConfigError

APP_NAME = "rztui"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def store_file(self) -> Path:
        return self.data_dir / "rztui.db"

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @classmethod
    def resolve(cls) -> Paths:
        home = os.environ.get("RZTUI_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root / "config", root / "data", root / "cache")
        import platformdirs

        return cls(
            Path(platformdirs.user_config_dir(APP_NAME)),
            Path(platformdirs.user_data_dir(APP_NAME)),
            Path(platformdirs.user_cache_dir(APP_NAME)),
        )


@dataclass
class Settings:
    base_url: str = DEFAULT_BASE_URL
    concurrency: int = 8
    poll_budget: float = 0.5  # share of X-RateLimit-Limit the poller may use
    retention_days: float | None = None
    auto_archive: bool = False
    bell: bool = False
    keywords: dict[str, Any] = field(default_factory=dict)  # {"global": [...], "jobs": {...}}

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings {path}: {exc}") from None
        s = cls()
        try:
            if "base_url" in data:
                s.base_url = str(data["base_url"])
            if "concurrency" in data:
                s.concurrency = max(1, min(64, int(data["concurrency"])))
            if "poll_budget" in data:
                s.poll_budget = max(0.01, min(1.0, float(data["poll_budget"])))
            if data.get("retention_days") is not None:
                s.retention_days = float(data["retention_days"])
            s.auto_archive = bool(data.get("auto_archive", False))
            s.bell = bool(data.get("bell", False))
            kw = data.get("keywords", {})
            if not isinstance(kw, dict):
                raise TypeError("[keywords] must be a table")
            s.keywords = kw
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid setting in {path}: {exc}") from None
        return s


EXAMPLE_CONFIG = """\
# rztui settings. The API key is never stored here: use `rztui login` (keyring)
# or the ROUNDZERO_API_KEY environment variable.
# base_url = "https://rz-app-omega.vercel.app"
# concurrency = 8          # parallel requests for bulk fetches
# poll_budget = 0.5        # share of the API rate limit the status poller may use
# retention_days = 90      # purge cached interview data older than this on start-up
# auto_archive = false     # download audio of each interview that completes
# bell = false             # ring the terminal bell when an interview changes status
#
# [keywords]
# global = ["react", "typescript", "testing", "agile", "ci/cd"]
# [keywords.jobs]
# "Backend Engineer" = ["go", "postgres", "kubernetes"]
"""
