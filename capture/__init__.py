"""capture's command line: thin shims over :mod:`pipeline`."""

from pipeline import __version__

__all__ = ["__version__"]
