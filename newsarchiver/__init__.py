"""newsarchiver: archive finews share URLs into Jekyll posts."""

__version__ = "0.1.0"
