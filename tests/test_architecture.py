"""The layers point one way: base <- gateway, analytics <- shell; nothing product-side imports the harness.

``docs/architecture.md`` draws the picture these tests hold the code to.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("aquamon", "gateway", "analytics")
# the base every part imports; it imports nothing above it
BASE = {"aquamon", "aquamon.auth", "aquamon.commands", "aquamon.config", "aquamon.contract", "aquamon.ids",
        "aquamon.influx", "aquamon.lineproto", "aquamon.metrics"}
# the demo/test/bench harness: starts real servers; the demo and replay run on it (see docs/architecture.md)
HARNESS = {"aquamon.stack", "aquamon.services", "aquamon.farm"}
MAY_USE_HARNESS = {"aquamon.demo", "aquamon.replay", "aquamon.flash"} | HARNESS
NEVER_IN_PRODUCT = ("benchmarks", "tests", "tools", "firmware")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (a lazy import is still an arrow)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for pkg in PRODUCT for p in sorted((ROOT / pkg).rglob("*.py"))}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _is_base(name: str) -> bool:
    """``name`` (a module, or ``module.attribute``) belongs to the base."""
    return (name in BASE or name == "aquamon.__version__"
            or any(name.startswith(b + ".") for b in BASE if b != "aquamon"))


def _shell(name: str) -> bool:
    """An ``aquamon`` module above the base (cli, web, report, demo, the harness ...)."""
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


def test_the_product_does_not_import_the_harness_benchmarks_or_tests() -> None:
    wrong = {}
    for m, imp in _graph().items():
        bad = {i for i in imp if any(_within(i, p) for p in NEVER_IN_PRODUCT)}
        if m not in MAY_USE_HARNESS:
            bad |= {i for i in imp if any(_within(i, h) for h in HARNESS)}
        if bad:
            wrong[m] = sorted(bad)
    assert not wrong, wrong


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
