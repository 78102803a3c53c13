"""Running a spider for the CLI, one job a module.

``settings`` (Scrapy's precedence, the command-line ones checked), ``preflight``
(why a run cannot start), ``logs`` (where the log goes), ``interrupts`` (a
signal while the crawl starts) and ``run`` (the run itself and its exit code).
What is printed for a person is ``newsarchiver.console``'s.
"""

from newsarchiver.runner.run import run_spider
from newsarchiver.runner.settings import project_settings

__all__ = ["project_settings", "run_spider"]
