"""Why a run cannot start, checked before anything is fetched."""

from __future__ import annotations

import os
from pathlib import Path

from newsarchiver.runner.settings import malformed_setting


def preflight(settings) -> str | None:
    """Why the run cannot start, checked before anything is fetched; None if it can."""
    output = Path(settings.get("NEWSARCHIVER_OUTPUT"))
    if output.exists() and not output.is_dir():
        return f"cannot write to the output folder {output}: it is a file"
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / f".newsarchiver-probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        return f"cannot write to the output folder {output}: {exc.strerror or exc}"
    if report := settings.get("NEWSARCHIVER_REPORT"):
        folder = Path(report).parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot write the report {report}: its folder is missing or not writable"
        if Path(report).is_dir():
            return f"cannot write the report {report}: it is a folder"
    if error := malformed_setting(settings):
        return error
    if wacz := settings.get("NEWSARCHIVER_WACZ"):
        from newsarchiver.webarchive import check_target

        if wacz.endswith("/"):
            try:
                Path(wacz).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                return f"cannot make the web archive folder {wacz}: {exc.strerror or exc}"
        if error := check_target(Path(wacz)):
            return error
    if redis_url := settings.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
        except Exception as exc:  # redis-py's errors say why, for a person
            return f"cannot use Redis at {redis_url}: {exc}"
    return None
