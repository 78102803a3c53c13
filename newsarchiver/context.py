"""A run's own settings, read once: every ``NEWSARCHIVER_*`` setting, typed by its row.

Components take ``RunContext.of(crawler).fsync`` (the setting's name without
``NEWSARCHIVER_``, in lower case) instead of reading ``crawler.settings`` with a
default of their own: the default and the type come from ``setting_table``
alone, so one setting reads the same everywhere, also in a crawler built
without the project's settings.
"""

from __future__ import annotations

from newsarchiver.setting_table import TABLE, Setting

PREFIX = "NEWSARCHIVER_"


def _read(settings, row: Setting):
    default = row.default
    if isinstance(default, bool):
        return settings.getbool(row.name, default)
    if isinstance(default, int):
        return settings.getint(row.name, default)
    if isinstance(default, float):
        return settings.getfloat(row.name, default)
    if isinstance(default, (list, tuple)):
        return tuple(settings.getlist(row.name, list(default)))
    value = settings.get(row.name)
    return default if value is None else str(value)


class RunContext:
    """The values of every setting in the table, as this run has them."""

    def __init__(self, settings) -> None:
        self._values = {
            row.name.removeprefix(PREFIX).lower(): _read(settings, row) for row in TABLE
        }

    @classmethod
    def of(cls, crawler) -> RunContext:
        """The crawler's context, read from its settings the first time it is asked for."""
        context = getattr(crawler, "run_context", None)
        if context is None:
            context = crawler.run_context = cls(crawler.settings)
        return context

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"no setting {PREFIX}{name.upper()} in setting_table") from None
