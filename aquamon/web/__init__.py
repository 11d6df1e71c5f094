"""The keeper's window: ``aquamon web`` (see :mod:`aquamon.web.app` and docs/web.md)."""
