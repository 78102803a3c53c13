"""A run's settings: Scrapy's precedence, and the command-line ones checked."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from newsarchiver.setting_table import TABLE


def project_settings(cmdline: list[tuple[str, str]], options: dict):
    """Settings as Scrapy's ``process_options`` builds them: project < -s < options given."""
    from scrapy.utils.project import get_project_settings

    # As scrapy crawl loads them: SCRAPY_SETTINGS_MODULE if the user set it,
    # else this project's module (whatever folder the command runs in).
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsarchiver.settings")
    settings = get_project_settings()
    settings.setdict(dict(cmdline), priority="cmdline")
    settings.setdict(options, priority="cmdline")
    for name in ("NEWSARCHIVER_OUTPUT", "NEWSARCHIVER_REPORT", "NEWSARCHIVER_WACZ"):
        # Resolved now: scrapyd and the spider may run with another working folder.
        if value := settings.get(name):
            resolved = str(Path(value).resolve())
            if name == "NEWSARCHIVER_WACZ" and value.endswith(("/", os.sep)):
                resolved += "/"  # a folder, made if missing: one WACZ a run in it
            settings.set(name, resolved, priority="cmdline")
    return settings


CHOICES = {setting.name: setting.choices for setting in TABLE if setting.choices}
# Settings Scrapy's defaults do not name that a component reads (scrapy-redis'):
# never taken for a typo of a Scrapy setting.
OTHER_SETTINGS = frozenset({
    "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PARAMS", "REDIS_ENCODING",
    "REDIS_START_URLS_KEY", "REDIS_START_URLS_AS_SET", "REDIS_ITEMS_KEY",
    "SCHEDULER_PERSIST", "SCHEDULER_QUEUE_KEY", "SCHEDULER_QUEUE_CLASS",
    "SCHEDULER_DUPEFILTER_KEY", "SCHEDULER_DUPEFILTER_CLASS", "SCHEDULER_FLUSH_ON_START",
    "SCHEDULER_IDLE_BEFORE_CLOSE", "SCHEDULER_SERIALIZER", "DUPEFILTER_KEY",
})  # fmt: skip


def malformed_setting(settings) -> str | None:
    """A command-line setting whose value cannot be what its default is (a number, a flag...)."""
    from scrapy.settings import SETTINGS_PRIORITIES, Settings

    defaults = Settings()
    defaults.setmodule("newsarchiver.settings", priority="project")
    # A number may be written where the default is whole (DOWNLOAD_TIMEOUT=0.5).
    readers = (
        (bool, settings.getbool, "true or false"),
        ((int, float), settings.getfloat, "a number"),
    )
    for name, value in settings.items():
        if settings.getpriority(name) < SETTINGS_PRIORITIES["cmdline"]:
            continue
        if name.startswith("NEWSARCHIVER_") and name not in defaults:
            ours = [n for n, _ in defaults.items() if n.startswith("NEWSARCHIVER_")]
            close = difflib.get_close_matches(name, ours, n=1)
            hint = f"; did you mean {close[0]}?" if close else " (the README lists them)"
            return f"unknown setting {name}{hint}"
        if name not in defaults:
            if name in OTHER_SETTINGS:
                continue
            known = [n for n, _ in defaults.items()]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close:  # a setting no one reads, one letter from one Scrapy reads
                return f"unknown setting {name}; did you mean {close[0]}?"
            continue
        if name in CHOICES and str(value) not in CHOICES[name]:
            return f"setting {name} must be one of {', '.join(CHOICES[name])}, not {value!r}"
        for kind, read, what in readers:
            if isinstance(defaults[name], kind):
                try:
                    read(name)
                except (TypeError, ValueError):
                    return f"setting {name} must be {what}, not {value!r}"
                break
    return None
