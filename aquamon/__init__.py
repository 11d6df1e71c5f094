"""aquamon: open aquarium monitor and controller (server side).

The command-line entry point is :mod:`aquamon.cli`; the ingest service is the
``gateway`` package and the models and alerting are the ``analytics`` package.
"""

__version__ = "0.1.0"
