"""The archive's post format as a Scrapy item exporter (the format is in post_format)."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from newsarchiver.post_format import (
    DEFAULT_SHARE_BASE,
    DEFAULT_SITE,
    html_to_markdown,
    protect_body,
    render_post,
)


class JekyllPostExporter(BaseItemExporter):
    """Writes one article as a Jekyll post (UTF-8, no newline at the end).

    ``body_format="markdown"`` converts the body HTML with markdownify.
    """

    def __init__(self, file, **kwargs) -> None:
        self.share_base = kwargs.pop("share_base", DEFAULT_SHARE_BASE).rstrip("/")
        self.site = kwargs.pop("site", DEFAULT_SITE).rstrip("/")
        self.body_format = kwargs.pop("body_format", "html")
        if self.body_format not in ("html", "markdown"):
            raise ValueError(f"body format must be html or markdown, not {self.body_format!r}")
        super().__init__(dont_fail=True, **kwargs)
        self.file = file

    def export_item(self, item) -> None:
        self.file.write(self.render(item).encode("utf-8"))

    def render(self, item) -> str:
        article = ItemAdapter(item)
        if self.body_format == "markdown":
            article = {**article, "body": html_to_markdown(article["body"])}
        else:
            article = {**article, "body": protect_body(article["body"])}
        return render_post(article, share_base=self.share_base, site=self.site)
