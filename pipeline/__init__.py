"""capture's library: every stage from a phone clip to a static site.

Nothing here prints or exits; functions return values and raise
:class:`pipeline.errors.CaptureError` with a message written for a person.
"""

__version__ = "0.1.0"
