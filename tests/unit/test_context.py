"""RunContext: each NEWSARCHIVER_* setting read once, typed and defaulted by its table row."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsarchiver.context import RunContext
from newsarchiver.setting_table import TABLE


def test_a_crawler_without_the_project_settings_gets_the_table_defaults():
    context = RunContext.of(get_crawler())
    for row in TABLE:
        name = row.name.removeprefix("NEWSARCHIVER_").lower()
        expected = tuple(row.default) if isinstance(row.default, (list, tuple)) else row.default
        assert getattr(context, name) == expected, row.name


def test_command_line_strings_are_read_as_the_defaults_type_and_read_once():
    crawler = get_crawler(settings_dict={
        "NEWSARCHIVER_FSYNC": "False", "NEWSARCHIVER_MAX_PAGES": "3",
        "NEWSARCHIVER_LEASE": "2.5", "NEWSARCHIVER_IMAGE_HOSTS": "a.example,b.example",
    })  # fmt: skip
    context = RunContext.of(crawler)
    assert context.fsync is False
    assert context.max_pages == 3
    assert context.lease == 2.5
    assert context.image_hosts == ("a.example", "b.example")
    assert RunContext.of(crawler) is context


def test_a_name_not_in_the_table_is_an_error_that_names_the_setting():
    with pytest.raises(AttributeError, match="no setting NEWSARCHIVER_FSINC in setting_table"):
        RunContext(Settings()).fsinc  # noqa: B018
