"""The source checkout aquamon runs from, if any: the firmware, its MicroPython libraries, the harness.

``pip install aquamon`` installs the server (``aquamon``, ``gateway``, ``analytics``); the firmware
(``firmware/``), the MicroPython libraries it runs on (``build/mpy-lib``, fetched by ``make deps``)
and the harness that starts real servers for the demo, the tests and the benchmarks (``harness/``)
stay in the git checkout.  ``aquamon flash``, ``aquamon demo`` and ``aquamon replay`` use them, so
they run from a checkout (``make deps`` installs aquamon there in editable mode); from an installed
copy, :func:`harness` says so, and what to do.

The harness is imported through :func:`harness` only (``tests/test_architecture.py`` checks it):
that is the one place an installed aquamon may find it missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

#: the folder holding the ``aquamon`` package: the checkout's root when aquamon runs from one
REPO = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO / "firmware"
MPY_LIB_DIR = REPO / "build" / "mpy-lib"
HARNESS_DIR = REPO / "harness"


class HarnessMissing(RuntimeError):
    """The harness (``harness/`` of the source checkout) is not there: an installed copy of aquamon."""


def harness(module: str, *, root: Path = REPO) -> ModuleType:
    """``harness.<module>``, from the path or else from the checkout at ``root``; HarnessMissing if neither.

    Run from the checkout (``make demo``, the tests), ``harness`` is importable as it is.  The
    ``aquamon`` command of an editable install does not have the checkout on its path: the harness is
    then loaded from ``root/harness`` (beside the ``aquamon`` package it runs), without touching
    ``sys.path``.
    """
    try:
        return importlib.import_module(f"harness.{module}")
    except ModuleNotFoundError as e:
        if e.name != "harness":
            raise  # the harness is there; something it imports is not
    init = root / "harness" / "__init__.py"
    if not init.is_file() or not (root / "harness" / f"{module}.py").is_file():
        raise HarnessMissing(
            f"this needs aquamon's source checkout (its harness/ folder starts the broker, the database and the "
            f"simulated device), and this aquamon is an installed copy without it ({root / 'harness'} is missing). "
            "Run it from a git checkout of aquamon: there, 'make deps' installs aquamon from the checkout with "
            "everything it needs, and 'make demo' runs the demo")
    spec = importlib.util.spec_from_file_location("harness", init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:  # a readable __init__.py always gives a spec: only a broken file
        raise HarnessMissing(f"{init} could not be loaded as the harness package")
    package = importlib.util.module_from_spec(spec)
    sys.modules["harness"] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"harness.{module}")
