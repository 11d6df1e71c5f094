"""What ``aquamon check-config`` says beyond errors: a valid file that is probably not meant.

Above all a configuration whose alerts would reach nobody: an empty file, or no ``[notify]`` URL.
"""

from __future__ import annotations

import os
from pathlib import Path

from analytics.config_check import CHECKS
from aquamon.config import Config, env_name, load_config, tomllib


def config_warnings(cfg: Config, file_sets_nothing: bool = False, accounts_beside: bool = False) -> list[str]:
    """What is valid but probably not meant: above all, alerts that would reach nobody.

    ``accounts_beside``: each part's broker account is in an environment file beside the configuration
    (what ``aquamon init`` writes: ``/etc/aquamon/<part>.env``), so an empty ``[mqtt]`` account is meant.

    >>> from dataclasses import replace
    >>> config_warnings(replace(Config(), alerts=replace(Config().alerts, command_key="ab" * 32)))[1][:57]
    '[alerts] command_key: only 2 different hex digits, so not'
    >>> config_warnings(Config())[0]
    '[notify]: no Apprise URL in critical, warning or info: alerts would reach nobody. Add one, e.g. critical = ["ntfy://ntfy.sh/my-tank"] (see aquamon.example.toml)'
    """
    out = []
    if file_sets_nothing:
        out.append("the file sets nothing: every option has its default (see aquamon.example.toml)")
    n = cfg.notify
    if not (n.critical or n.warning or n.info):
        out.append("[notify]: no Apprise URL in critical, warning or info: alerts would reach nobody. Add one, "
                   'e.g. critical = ["ntfy://ntfy.sh/my-tank"] (see aquamon.example.toml)')
    elif not n.critical:
        out.append("[notify] critical: empty: critical alerts (a stuck heater, a low sump) would reach nobody")
    digits = set(cfg.alerts.command_key.strip().lower())
    if digits and len(digits) <= 8:
        # 64 random hex digits use 9 or more of the 16 but for a chance of about 1e-15: this one was typed
        out.append(f"[alerts] command_key: only {len(digits)} different hex digits, so not random (e.g. "
                   "a placeholder like 00...00): anyone who guesses it can silence the alerts. Use the output of: "
                   'python3 -c "import secrets; print(secrets.token_hex(32))"')
    if (not cfg.mqtt.username or not cfg.mqtt.password) and not accounts_beside:
        out.append(f"[mqtt] username, password: empty: the broker refuses clients without an account "
                   f"(aquamon user add; or set {env_name('mqtt', 'password')})")
    return out


def check_config_file(path: str | os.PathLike[str]) -> tuple[Config, list[str]]:
    """Load ``path`` like :func:`load_config`, with the analytics' checks, and also return :func:`config_warnings`."""
    cfg = load_config(path, CHECKS)
    raw = tomllib.loads(Path(path).read_text())
    return cfg, config_warnings(cfg, file_sets_nothing=not raw, accounts_beside=bool(part_env_files(path)))


def part_env_files(config_path: str | os.PathLike[str]) -> list[Path]:
    """The parts' environment files beside ``config_path`` that hold a broker password (``aquamon init``
    writes ``gateway.env``, ``analytics.env``; systemd hands each to its part).  Unreadable ones (not
    root) are left out."""
    found = []
    for env in sorted(Path(config_path).parent.glob("*.env")):
        try:
            if any(line.startswith(env_name("mqtt", "password") + "=") for line in env.read_text().splitlines()):
                found.append(env)
        except OSError:
            continue
    return found
