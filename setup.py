"""For scrapyd-deploy, which builds the project's egg with ``setup.py bdist_egg``.

All metadata is in pyproject.toml; the egg's ``scrapy`` entry point names the
settings module scrapyd runs the spiders with.
"""

from setuptools import setup

setup()
