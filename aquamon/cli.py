"""The ``aquamon`` command: one entry point for every part."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from aquamon.config import ConfigError, load_config

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="aquamon: aquarium monitor and controller (gateway, analytics, demo).")
err = Console(stderr=True)

ConfigOpt = typer.Option(None, "--config", "-c", help="TOML config file (see aquamon.example.toml).")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _load(path: Optional[Path]):
    try:
        return load_config(path)
    except ConfigError as e:
        err.print(f"[bold red]configuration error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def gateway(config: Optional[Path] = ConfigOpt, verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run the gateway: MQTT in, validated, batched into InfluxDB, acknowledged after the write."""
    cfg = _load(config)
    _setup_logging(verbose)
    from gateway.service import main

    main(cfg)


@app.command()
def analytics(config: Optional[Path] = ConfigOpt, verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run the analytics: baselines, drift scores, rules and alerts for every tank."""
    cfg = _load(config)
    _setup_logging(verbose)
    from analytics.service import main

    main(cfg)


@app.command("check-config")
def check_config(config: Path = typer.Argument(..., help="TOML config file to validate.")) -> None:
    """Validate a configuration file without connecting to anything."""
    _load(config)
    Console().print(f"[green]{config}: OK[/]")


@app.command()
def demo(hours: float = typer.Option(32.0, help="Simulated hours to run."),
         speed: float = typer.Option(1800.0, help="Simulated seconds per wall-clock second."),
         out: Path = typer.Option(Path("demo-output"), help="Folder for the data, logs and report."),
         ) -> None:
    """Run a simulated tank end to end on real Mosquitto and InfluxDB, with injected faults."""
    from aquamon.demo import run_demo

    raise typer.Exit(run_demo(hours=hours, speed=speed, out=out))


if __name__ == "__main__":  # pragma: no cover
    app()
