"""The layers point one way: base <- gateway, analytics <- shell; the installed product leaves the harness out.

``docs/architecture.md`` draws the picture these tests hold the code to.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aquamon.config import tomllib

ROOT = Path(__file__).resolve().parents[1]
# what `pip install aquamon` installs: the packages pyproject.toml lists, by their top-level names
INSTALLED = tuple(dict.fromkeys(p.split(".")[0] for p in
                                tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]))
PRODUCT = ("aquamon", "gateway", "analytics")
# the base every part imports; it imports nothing above it
BASE = {"aquamon", "aquamon.auth", "aquamon.commands", "aquamon.config", "aquamon.contract", "aquamon.ids",
        "aquamon.influx", "aquamon.lineproto", "aquamon.metrics"}
# the checkout's other top-level folders: the demo/test/bench harness (real servers), benchmarks, tests, tools, the
# firmware.  The product never imports them at run time; `aquamon demo`/`replay` load the harness through
# aquamon.checkout.harness(), which says what to do when it is missing (an installed copy).
NEVER_IN_PRODUCT = ("harness", "benchmarks", "tests", "tools", "firmware")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The nodes under ``if TYPE_CHECKING:``: imports for the type checker, never run."""
    return {n for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for stmt in node.body for n in ast.walk(stmt)}


def _imports(path: Path, *, runtime_only: bool = False, source: str | None = None) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (a lazy import is still an arrow).

    ``runtime_only`` leaves out the imports under ``if TYPE_CHECKING:``.
    """
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    skip = _type_checking_only(tree) if runtime_only else set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _graph(runtime_only: bool = False) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p, runtime_only=runtime_only)
            for pkg in PRODUCT for p in sorted((ROOT / pkg).rglob("*.py"))}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _is_base(name: str) -> bool:
    """``name`` (a module, or ``module.attribute``) belongs to the base."""
    return (name in BASE or name == "aquamon.__version__"
            or any(name.startswith(b + ".") for b in BASE if b != "aquamon"))


def _shell(name: str) -> bool:
    """An ``aquamon`` module above the base (cli, web, report, demo, checkout ...)."""
    return _within(name, "aquamon") and not _is_base(name)


def _upward(module: str, imported: set[str]) -> set[str]:
    """What ``module`` imports that its layer must not."""
    if module in BASE:
        return {i for i in imported if _within(i, "gateway") or _within(i, "analytics") or _shell(i)}
    if _within(module, "gateway"):
        return {i for i in imported if _within(i, "analytics") or _shell(i)}
    if _within(module, "analytics"):
        return {i for i in imported if _within(i, "gateway") or _shell(i)}
    return set()


def test_the_layers_point_one_way() -> None:
    wrong = {m: sorted(bad) for m, imp in _graph().items() if (bad := _upward(m, imp))}
    assert not wrong, f"upward imports (see docs/architecture.md): {wrong}"


def _outside_the_product(imported: set[str]) -> set[str]:
    return {i for i in imported if any(_within(i, p) for p in NEVER_IN_PRODUCT)}


def test_the_installed_packages_are_the_product_only() -> None:
    # the harness, benchmarks, tests, tools and firmware stay in the checkout: a wheel without them
    # (tests/test_install_packaging.py builds one) must still import and run
    assert INSTALLED == PRODUCT
    assert not set(INSTALLED) & set(NEVER_IN_PRODUCT)
    assert (ROOT / "harness" / "stack.py").is_file()  # (the harness is where the rule above says it is)


def test_the_product_does_not_import_the_harness_benchmarks_or_tests() -> None:
    wrong = {m: sorted(bad) for m, imp in _graph(runtime_only=True).items() if (bad := _outside_the_product(imp))}
    assert not wrong, f"the installed product imports what it does not ship (aquamon.checkout.harness() is the door): {wrong}"


def test_the_harness_check_sees_a_runtime_import_and_not_a_type_only_one() -> None:
    runtime = "from harness.stack import Stack\n"
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from harness.stack import Stack\n"
    lazy = "def run():\n    import benchmarks.bench_farm\n"
    here = ROOT / "aquamon" / "demo.py"
    assert _outside_the_product(_imports(here, runtime_only=True, source=runtime)) == {"harness.stack",
                                                                                        "harness.stack.Stack"}
    assert _outside_the_product(_imports(here, runtime_only=True, source=typed)) == set()
    assert _outside_the_product(_imports(here, runtime_only=True, source=lazy)) == {"benchmarks.bench_farm"}


def test_the_base_has_no_command_line() -> None:
    # the command line (typer, rich) is the shell's: `aquamon user` lives in aquamon/user_cli.py, not in auth
    wrong = {m: sorted(i for i in imp if i.split(".")[0] in ("typer", "rich"))
             for m, imp in _graph().items() if m in BASE}
    assert not any(wrong.values()), wrong


def test_the_check_sees_an_upward_import() -> None:
    # the check itself must be able to fail: a base module importing the analytics is caught
    assert _upward("aquamon.config", {"analytics.profiles", "aquamon.ids", "typing"}) == {"analytics.profiles"}
    assert _upward("aquamon.config", {"aquamon.cli"}) == {"aquamon.cli"}
    assert _upward("aquamon.influx", {"aquamon.lineproto.encode_point"}) == set()
    assert _upward("gateway.service", {"analytics.monitor", "aquamon.influx.connect"}) == {"analytics.monitor"}
    assert _upward("gateway.service", {"aquamon.report"}) == {"aquamon.report"}
    assert _upward("analytics.service", {"gateway.validate"}) == {"gateway.validate"}


@pytest.mark.parametrize("modules", [
    "gateway.service, gateway.validate, gateway.fastpath, gateway.writer, aquamon.config",
    "aquamon.config, aquamon.influx, aquamon.lineproto, aquamon.commands, aquamon.auth, aquamon.metrics, aquamon.contract",
])
def test_starting_the_gateway_loads_neither_numpy_scipy_nor_apprise(modules: str) -> None:
    code = (f"import sys, json; import {modules}; from aquamon.config import load_config; "
            "load_config(None); print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    heavy = {m for m in loaded if m.split(".")[0] in ("numpy", "scipy", "apprise", "analytics", "pandas")}
    assert not heavy, f"the gateway's imports pull in {sorted(heavy)}"


SERVER_FIXTURES = {"mosquitto", "influxdb", "stack"}


def _marks(decorators: list[ast.expr]) -> set[str]:
    return {ast.unparse(d) for d in decorators}


def test_every_test_that_starts_servers_carries_the_services_mark() -> None:
    unmarked = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        module_marked = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                            and "services" in ast.unparse(n.value) for n in tree.body)
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            args = {a.arg for a in node.args.args}
            starts = any(isinstance(c, ast.Attribute) and c.attr == "start" and isinstance(c.value, ast.Call)
                         and ast.unparse(c.value.func) in ("Mosquitto", "InfluxDB1") for c in ast.walk(node))
            if (args & SERVER_FIXTURES or starts) and not module_marked \
                    and not any("services" in m for m in _marks(node.decorator_list)):
                unmarked.append(f"{path.name}::{node.name}")
    assert not unmarked, f"start real servers without @pytest.mark.services: {unmarked}"
