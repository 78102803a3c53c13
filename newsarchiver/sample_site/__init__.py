"""The bundled finews-compatible sample site."""

from newsarchiver.sample_site.articles import ARTICLES, SampleArticle
from newsarchiver.sample_site.server import SampleSite, serve

__all__ = ["ARTICLES", "SampleArticle", "SampleSite", "serve"]
