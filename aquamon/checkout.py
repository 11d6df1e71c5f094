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
    """``harness.<module>`` of the checkout at ``root``, else from the path; HarnessMissing if neither has it.

    The checkout beside the ``aquamon`` package comes first, so the harness is the one of this aquamon
    (the ``aquamon`` command of an editable install has no checkout on its path; it is loaded from
    ``root/harness`` without touching ``sys.path``).  Once loaded (the tests import it from the
    checkout), it is used as it is.
    """
    if "harness" not in sys.modules and (root / "harness" / "__init__.py").is_file():
        _load_package(root / "harness")
    try:
        return importlib.import_module(f"harness.{module}")
    except ModuleNotFoundError as e:
        if e.name not in ("harness", f"harness.{module}"):
            raise  # the harness is there; something it imports is not
    raise HarnessMissing(
        f"this needs aquamon's source checkout (its harness/ folder starts the broker, the database and the "
        f"simulated device), and this aquamon is an installed copy without it ({root / 'harness'} is missing). "
        "Run it from a git checkout of aquamon: there, 'make deps' installs aquamon from the checkout with "
        "everything it needs, and 'make demo' runs the demo")


def _load_package(folder: Path) -> None:
    """Import ``folder`` as the ``harness`` package (its modules then import as ``harness.x``)."""
    init = folder / "__init__.py"
    spec = importlib.util.spec_from_file_location("harness", init, submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:  # a readable __init__.py always gives a spec: only a broken file
        raise HarnessMissing(f"{init} could not be loaded as the harness package")
    package = importlib.util.module_from_spec(spec)
    sys.modules["harness"] = package
    try:
        spec.loader.exec_module(package)
    except BaseException:
        del sys.modules["harness"]  # no half-loaded package left behind
        raise
