"""The exit codes of every command, in one place (the README's table)."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0  # every article archived or already up to date
    FAILED = 1  # at least one URL failed; the others were archived
    USAGE = 2  # a usage error
    LOCKED = 3  # another run is writing to the output folder
    INTERNAL = 4  # the run cannot start or go on (a folder, a setting, Redis, a full disk)
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; what was finished is kept
