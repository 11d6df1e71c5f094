"""The ``aquamon`` command: one entry point for every part."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape

from aquamon.config import ConfigError, load_config

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="aquamon: aquarium monitor and controller (gateway, analytics, demo).")
err = Console(stderr=True)

ConfigOpt = typer.Option(None, "--config", "-c", help="TOML config file (see aquamon.example.toml).")


def _version(show: bool) -> None:
    if show:
        from aquamon import __version__

        typer.echo(f"aquamon {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """aquamon: aquarium monitor and controller (gateway, analytics, demo)."""


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _load(path: Optional[Path], checks=()):
    try:
        return load_config(path, checks)
    except ConfigError as e:
        err.print(f"[bold red]configuration error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def gateway(config: Optional[Path] = ConfigOpt,
            verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages too.")) -> None:
    """Run the gateway: MQTT in, validated, batched into InfluxDB, acknowledged after the write."""
    cfg = _load(config)
    _setup_logging(verbose)
    from gateway.service import main

    main(cfg)


@app.command()
def analytics(config: Optional[Path] = ConfigOpt,
              verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages too.")) -> None:
    """Run the analytics: baselines, drift scores, rules and alerts for every tank."""
    from analytics.config_check import CHECKS

    cfg = _load(config, CHECKS)
    _setup_logging(verbose)
    from aquamon.configcheck import config_warnings

    for w in config_warnings(cfg):
        logging.getLogger("aquamon.config").warning("%s", w)
    from analytics.service import main

    main(cfg)


@app.command()
def flash(port: str = typer.Option("auto", help="Serial port of the ESP32 (mpremote's 'auto' finds one)."),
          dry_run: bool = typer.Option(False, "--dry-run", help="Build and print the mpremote commands only."),
          romfs: bool = typer.Option(False, "--romfs", help="Modules into the board's ROMFS partition (their "
                                     "bytecode then stays out of the heap); needs a MicroPython build with one.")
          ) -> None:
    """Deploy the firmware to an ESP32 with mpremote (firmware/device.json and secrets.py first)."""
    from aquamon.flash import FlashError
    from aquamon.flash import flash as do_flash

    try:
        plan = do_flash(port, dry_run=dry_run, romfs=romfs)
    except FlashError as e:
        err.print(f"[bold red]flash:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    for cmd in plan:
        print(" ".join(cmd).replace("\n", "\\n"))


@app.command("command")
def command_(tank: str = typer.Argument(..., help="Tank id."), device: str = typer.Argument(..., help="Device id."),
             action: str = typer.Argument(..., help="pump, feed, clear_lockout, calibrate or interval."),
             args: Optional[list[str]] = typer.Argument(None, help="name=value, e.g. mode=maintenance minutes=10."),
             key_file: Path = typer.Option(..., "--key-file", help="The device's command key (hex), one line."),
             config: Optional[Path] = ConfigOpt,
             timeout: float = typer.Option(10.0, help="Seconds to wait for the device's answer.")) -> None:
    """Send a signed command to a device and print its answer (exit 1 if refused, 3 if no answer)."""
    from aquamon.commands import CommandFormatError, load_key, parse_args, send_command

    cfg = _load(config)
    if not key_file.is_file():  # ("[Errno 2] No such file or directory" named neither the option nor the key's place)
        err.print(f"[bold red]command:[/] --key-file {escape(str(key_file))}: no such file; aquamon init writes this "
                  f"device's key to /etc/aquamon/devices/{escape(tank)}/{escape(device)}.key", soft_wrap=True)
        raise typer.Exit(2)
    try:
        key = load_key(key_file.read_text())
        ack = send_command(cfg.mqtt, tank, device, key, action, parse_args(args or []), timeout)
    except (OSError, CommandFormatError) as e:
        err.print(f"[bold red]command:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    if ack is None:
        err.print(f"no answer from {tank}/{device} within {timeout:.0f} s: is it online (its status topic)?")
        raise typer.Exit(3)
    print(("ok: " if ack.get("ok") else "refused: ") + str(ack.get("reason", "")))
    if not ack.get("ok"):
        raise typer.Exit(1)


@app.command("check-config")
def check_config(config: Path = typer.Argument(..., help="TOML config file to validate."),
                 strict: bool = typer.Option(False, "--strict", help="Exit 1 on a warning too (e.g. nobody "
                                             "would be notified).")) -> None:
    """Validate a configuration file without connecting to anything.

    Every problem is reported at once (exit 2); then warnings, such as alerts that would reach
    nobody (exit 1 with --strict).  Environment variables AQUAMON_SECTION_KEY override the file."""
    from aquamon.config import environment_overrides
    from aquamon.configcheck import check_config_file

    try:
        _, warnings = check_config_file(config)
    except ConfigError as e:
        err.print(f"[bold red]configuration error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    for name, key in environment_overrides().items():
        err.print(f"from the environment: {name} overrides {escape(key)}", soft_wrap=True)
    for w in warnings:
        err.print(f"[bold yellow]warning:[/] {escape(w)}", soft_wrap=True)
    if warnings:
        Console().print(f"[yellow]{escape(str(config))}: valid, with {len(warnings)} warning(s)[/]")
        raise typer.Exit(1 if strict else 0)
    Console().print(f"[green]{escape(str(config))}: OK[/]")


@app.command()
def init(tanks: Optional[str] = typer.Option(None, "--tanks", help="Tank ids, comma-separated (letters, digits, "
                                             "_ . -), e.g. reef,shrimp."),
         profile: Optional[str] = typer.Option(None, "--profile", help="tropical, turtle or cold-water."),
         timezone: Optional[str] = typer.Option(None, "--timezone", help="e.g. Europe/Berlin (quiet hours, "
                                                "daily summary)."),
         notify: Optional[str] = typer.Option(None, "--notify", help="One Apprise URL that gets every alert, "
                                              "e.g. ntfy://ntfy.sh/my-tank."),
         homeassistant_: bool = typer.Option(False, "--homeassistant", help="Also run the Home Assistant bridge."),
         device: str = typer.Option("esp32", "--device", help="Device id of each tank's controller."),
         mqtt_port: Optional[int] = typer.Option(None, "--mqtt-port", help="Port of the broker's aquamon "
                                                 "listener (default 1883; a rerun: the kept one)."),
         mqtt_listen: Optional[str] = typer.Option(None, "--mqtt-listen", help="Address it listens on (devices "
                                                   "come over WiFi; 127.0.0.1 for this machine only; default "
                                                   "0.0.0.0; a rerun: the kept one)."),
         influx_url: Optional[str] = typer.Option(None, "--influx-url", help="default http://127.0.0.1:8086; "
                                                  "a rerun: the kept one."),
         influx_database: Optional[str] = typer.Option(None, "--influx-database", help="default aquamon; a "
                                                       "rerun: the kept one."),
         influx_username: str = typer.Option("", "--influx-username", envvar="AQUAMON_INFLUXDB_USERNAME",
                                             help="With InfluxDB authentication on: the parts' account."),
         influx_password: str = typer.Option("", "--influx-password", envvar="AQUAMON_INFLUXDB_PASSWORD"),
         influx_admin_username: str = typer.Option("", "--influx-admin-username", help="An InfluxDB admin for "
                                                   "the retention set-up (default: --influx-username)."),
         influx_admin_password: str = typer.Option("", "--influx-admin-password",
                                                   envvar="AQUAMON_INFLUXDB_ADMIN_PASSWORD"),
         keep_minutes_days: int = typer.Option(180, "--keep-minute-data-days", help="Days minute data is kept."),
         keep_hourly_days: int = typer.Option(3650, "--keep-hourly-days", help="Days the hourly means are kept."),
         exe: Optional[Path] = typer.Option(None, "--exec", help="The aquamon command the units run "
                                            "(default: this one)."),
         root: Path = typer.Option(Path("/"), "--root", help="Install under this folder instead of / "
                                   "(a staged image, or a test)."),
         dry_run: bool = typer.Option(False, "--dry-run", help="Only print what would be done."),
         only: Optional[list[str]] = typer.Option(None, "--only", help="Only these steps: system_user, "
                                                  "config_file, broker, influxdb, units (repeat the option)."),
         ) -> None:
    """Set up this machine: config, broker accounts, InfluxDB retention, systemd units.

    Asks for what is not given (when run in a terminal); a second run changes nothing.
    See docs/install.md."""
    import sys

    from aquamon import retention
    from aquamon.init import InitError, Installer, Site, default_exe, existing_answers

    # ask only in a terminal, and only for what the chosen steps use
    interactive = sys.stdin.isatty() and (not only or bool({"config_file", "broker"} & set(only)))
    known = existing_answers(root)  # a rerun takes the answers of the config it keeps

    def kept(value: Optional[str], key: str, default: str) -> str:
        return value if value is not None else known.get(key, default)

    def ask(value: Optional[str], key: str, question: str, default: str) -> str:
        if value is not None:
            return value
        if key in known:
            return known[key]
        return typer.prompt(question, default=default) if interactive else default

    try:
        site = Site(tanks=[t.strip() for t in ask(tanks, "tanks", "Tank ids (comma-separated)", "tank1").split(",")
                           if t.strip()],
                    notify_url=ask(notify, "notify", "Apprise URL for alerts (e.g. ntfy://ntfy.sh/my-tank)", ""),
                    profile=ask(profile, "profile", "Profile (tropical, turtle, cold-water)", "tropical"),
                    timezone=ask(timezone, "timezone", "Time zone", _local_timezone()), device=device,
                    homeassistant=homeassistant_,
                    mqtt_port=mqtt_port if mqtt_port is not None else int(known.get("mqtt_port", 1883)),
                    mqtt_listen=kept(mqtt_listen, "mqtt_listen", "0.0.0.0"),
                    influx_url=kept(influx_url, "influx_url", "http://127.0.0.1:8086"),
                    influx_database=kept(influx_database, "influx_database", "aquamon"),
                    influx_username=influx_username,
                    influx_password=influx_password, influx_admin_username=influx_admin_username,
                    influx_admin_password=influx_admin_password,
                    keep=retention.Retention(keep_minutes_days, keep_hourly_days),
                    exe=str(exe) if exe else default_exe(), root=root)
        Installer(site, dry_run=dry_run).run(only or ())
    except (InitError, ValueError) as e:
        err.print(f"[bold red]init:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not site.notify_url and (not only or "config_file" in only):
        err.print("[bold yellow]warning:[/] no notification URL: alerts would reach nobody; add one under "
                  f"\\[notify] in {escape(str(site.etc))}/aquamon.toml", soft_wrap=True)


def _local_timezone() -> str:
    try:
        return Path("/etc/timezone").read_text().strip() or "UTC"
    except OSError:
        return "UTC"


@app.command()
def demo(hours: float = typer.Option(56.0, help="Simulated hours to run (the drift detector needs 48 h of healthy history first)."),
         speed: float = typer.Option(3000.0, help="Simulated seconds per wall-clock second."),
         out: Path = typer.Option(Path("demo-output"), help="Folder for the data, logs and report."),
         serve: bool = typer.Option(False, "--serve", help="Keep the web app (and its data) up after the run, "
                                    "until Ctrl-C."),
         ) -> None:
    """Run a simulated tank end to end on real Mosquitto and InfluxDB, with injected faults."""
    from aquamon.checkout import HarnessMissing

    try:
        from aquamon.demo import run_demo
    except HarnessMissing as e:  # an installed copy: the demo runs from a source checkout
        err.print(f"[bold red]demo:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None

    if not (10 <= hours < 24 * 365 and 0 <= speed < float("inf")):  # (NaN too: every comparison false)
        err.print("[bold red]demo:[/] --hours must be from 10 (the faults fall in the last 9 simulated hours; 48 or "
                  "more lets the drift detector learn the tank first) to 8760, and --speed 0 (as fast as it goes) "
                  f"or more; got --hours {hours:g} --speed {speed:g}", soft_wrap=True)
        raise typer.Exit(2)
    from aquamon.replay import OutFolderError

    try:
        code = run_demo(hours=hours, speed=speed, out=out, serve=serve)
    except OutFolderError as e:  # a keeper's own folder, or a demo still running in it: nothing deleted
        err.print(f"[bold red]demo:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


@app.command()
def report(tank: str = typer.Option(..., "--tank", "-t", help="Tank id, as in the MQTT topics."),
           since: str = typer.Option("7d", help="How far back: e.g. 7d, 36h, 90m, 2w."),
           out: Path = typer.Option(Path("report"), help="Folder for report.html."),
           config: Optional[Path] = ConfigOpt) -> None:
    """Write a self-contained HTML report of one tank: sensors, drift score, forecast, alert log."""
    cfg = _load(config)
    from analytics.notify_policy import keeper_zone
    from aquamon.influx import QueryError, connect
    from aquamon.report import ReportError, parse_since, write_report

    try:
        path = write_report(connect(cfg.influxdb), tank, out, hours=parse_since(since),
                            zone=keeper_zone(cfg.alerts.time_zone, cfg.alerts.utc_offset_minutes))
    except (ReportError, QueryError) as e:
        err.print(f"[bold red]no report:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(1) from None
    typer.echo(f"report: {path}")


@app.command()
def homeassistant(config: Optional[Path] = ConfigOpt,
                  verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages too.")) -> None:
    """Publish Home Assistant MQTT discovery for every tank seen on the broker (needs [homeassistant] enabled)."""
    cfg = _load(config)
    if not cfg.homeassistant.enabled:
        err.print("[bold red]Home Assistant discovery is off:[/] set \\[homeassistant] enabled = true in the "
                  "configuration file (see aquamon.example.toml).", soft_wrap=True)
        raise typer.Exit(2)
    _setup_logging(verbose)
    from aquamon.auth import AuthError
    from aquamon.homeassistant import main

    try:
        main(cfg)
    except AuthError as e:  # a certificate file named in [mqtt] is missing
        err.print(f"[bold red]configuration error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def silence(tank: str = typer.Argument(..., help="Tank id, as in the MQTT topics."),
            key: Optional[str] = typer.Argument(None, help="Alert key (see docs/alerts.md); omit for every alert."),
            duration: str = typer.Option("2h", "--for", help="How long: e.g. 2h, 90m, 1d."),
            ack: bool = typer.Option(False, "--ack", help="Acknowledge instead: stop the reminders of what fires now."),
            maintenance: bool = typer.Option(False, "--maintenance",
                                             help="Maintenance (a water change): hold the tank's water alerts "
                                                  "(at most a day) and pause baseline learning."),
            config: Optional[Path] = ConfigOpt) -> None:
    """Silence, acknowledge or put a tank in maintenance, by a signed MQTT command to the analytics."""
    cfg = _load(config)
    from analytics.command_link import NOTHING_TO_DO, CommandError, parse_duration, send_alert_command

    action = "ack" if ack else "maintenance" if maintenance else "silence"
    try:
        seconds = parse_duration(duration)
        answer = send_alert_command(cfg, tank, action, key, seconds)
    except (CommandError, ValueError) as e:
        err.print(f"[bold red]not done:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if not answer.get("ok"):
        err.print(f"[bold red]refused by the analytics:[/] {escape(str(answer.get('reason', '')))}", soft_wrap=True)
        raise typer.Exit(1)
    done = str(answer.get("done", "done"))
    if done.startswith(NOTHING_TO_DO):  # taken, but there was nothing to do: say only that
        Console().print(f"the analytics: {escape(done)}", soft_wrap=True)
        return
    what = {"ack": "acknowledged", "maintenance": "maintenance mode for", "silence": "silenced"}[action]
    Console().print(f"{what} {tank} {key or ''} {'' if ack else 'for ' + duration}".replace("  ", " ").strip()
                    + f" (the analytics: {escape(done)})", soft_wrap=True)


from aquamon.user_cli import user_app  # noqa: E402

_users = user_app()
app.add_typer(_users, name="user", help="Broker accounts: add (or rotate), remove, list.")

from aquamon.web.cli import web_app  # noqa: E402

app.add_typer(web_app(_load, _setup_logging), name="web")

@app.command()
def evaluate(train: Optional[Path] = typer.Option(None, "--train", help="CSV to fit on (default: the first 15 % "
                                                 "of TEST, NAB's probationary period)."),
             test: Path = typer.Option(..., "--test", help="CSV to run the detector over, online."),
             time_column: str = typer.Option("Time", "--time-column", help="Name of the time column."),
             label_column: str = typer.Option("EVENT", "--label-column", help="Name of the boolean label column."),
             columns: Optional[str] = typer.Option(None, "--columns", help="Sensors to use, comma-separated "
                                                   "(default: every numeric column but the label); name=header "
                                                   "gives a column the product's name, e.g. temp_c=Temp (°C)."),
             sep: str = typer.Option(",", "--sep", help="Field separator."),
             time_format: Optional[str] = typer.Option(None, "--time-format", help="Layout of the times if not "
                                                       "ISO 8601 or epoch s/ms, e.g. '%d/%m/%Y %H:%M'."),
             grid: str = typer.Option("auto", "--grid", help="minute: rows as the service reads them (1-minute "
                                      "means, a step each [analytics] step_minutes of --config, 1); rows: one step per row; auto: minute for a "
                                      "tank's channels (temp_c, ph, ...), rows otherwise."),
             nab_windows: Optional[Path] = typer.Option(None, "--nab-windows", help="NAB combined_windows.json: "
                                                        "labels from its windows, and NAB's standard score."),
             false_alarms_per_day: Optional[float] = typer.Option(
                 None, "--false-alarms-per-day", min=1e-4, help="The stated false-alarm rate the quality watch's "
                 "threshold is set for (default: the config's [analytics] quality_false_alarms_per_day, 0.5, "
                 "as the service runs it)."),
             predictions: Optional[Path] = typer.Option(None, "--predictions", help="Also write Time, score, "
                                                        "alarm for every TEST row to this CSV, and a 0/1 column "
                                                        "per alert that fired."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
             operational: str = typer.Option("Tp,Fm,Fm_2", "--operational", help="Channels changed on purpose "
                                             "(not scored), comma-separated."),
             train_rows: Optional[int] = typer.Option(None, "--train-rows", min=1, help="Fit on the first N rows "
                                                      "of TEST and score the rest (SKAB's protocol: 400)."),
             config: Optional[Path] = ConfigOpt,
             tank: Optional[str] = typer.Option(None, "--tank", help="Use this tank's own [alerts.tanks] table of "
                                                "the config, as the service and `aquamon replay --tank` do "
                                                "(default: the global [alerts] settings)."),
             ) -> None:
    """Measure the analytics engine's detection quality on labelled CSVs (GECCO 2018 point-wise F1, NAB score)."""
    import json as _json

    from aquamon import evaluate as ev
    from aquamon.scoring import nab_labels, nab_probationary_rows

    try:
        cols = ev.parse_columns(columns)
        label = None if nab_windows is not None else label_column
        read: dict[str, Any] = dict(time_column=time_column, label_column=label, columns=cols, sep=sep,
                                    require_label=nab_windows is None, time_format=time_format)
        test_data = ev.read_labelled_csv(test, **read)
        windows = None
        if nab_windows is not None:
            test_data.labels, windows = nab_labels(test_data.t_s, nab_windows, test)
        if train is not None:
            train_data = ev.read_labelled_csv(train, **read)
            if nab_windows is not None:
                train_data.labels, _ = nab_labels(train_data.t_s, nab_windows, train)
        elif train_rows is not None:
            if train_rows >= len(test_data):
                raise ev.EvaluationInputError(f"{test}: --train-rows {train_rows} leaves no row to score "
                                              f"(the file has {len(test_data)}); give a smaller number")
            train_data = test_data.slice(0, train_rows)
            test_data = test_data.slice(train_rows, len(test_data))
        else:
            train_data = test_data.slice(0, nab_probationary_rows(len(test_data)))
        from analytics.config_check import CHECKS
        from aquamon.config import load_config

        keeper = load_config(config, CHECKS)
        ops = [c.strip() for c in operational.split(",") if c.strip()]
        if grid not in ev.GRIDS:
            raise ev.EvaluationInputError(f"--grid {grid!r}: give one of {', '.join(ev.GRIDS)}")
        # the engine the service runs for the tank (its own [alerts.tanks] table with --tank), stepped as it steps
        result = ev.evaluate(train_data, test_data,
                             lambda: ev.EngineDetector.from_config(keeper, tank, ops, grid, false_alarms_per_day),
                             nab_windows=windows)
    except ev.EvaluationInputError as e:
        err.print(f"[bold red]evaluate:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except ConfigError as e:  # (a ValueError: not "cannot fit the detector")
        err.print(f"[bold red]evaluate:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except ValueError as e:  # the detector could not be fitted on TRAIN
        err.print(f"[bold red]evaluate:[/] cannot fit the detector on TRAIN: {escape(str(e))}; give a longer "
                  "TRAIN file", soft_wrap=True)
        raise typer.Exit(2) from None
    if predictions is not None:
        ev.write_predictions(predictions, test_data, result)
    out = ev.summary_dict(result.metrics)
    for note in dict.fromkeys(train_data.notes + test_data.notes + result.notes):  # (stderr: also with --json)
        err.print(f"note: {escape(note)}", soft_wrap=True)
    if as_json:
        print(_json.dumps(out))
        return
    if result.calibration:
        c = result.calibration
        err.print(f"calibrated on TRAIN: deciding {' + '.join(c['evidence'])}, relearn after "
                  f"{c['relearn_after_minutes']:.0f} min", soft_wrap=True)
    con = Console()
    for k, v in out.items():
        con.print(f"{k:>25}  {'-' if v is None else (f'{v:.4g}' if isinstance(v, float) else v)}")


@app.command()
def replay(csv_file: Path = typer.Option(..., "--csv", help="CSV of readings (Time, temp_c, ph, ...; EVENT labels "
                                         "optional)."),
           tank: str = typer.Option("replay", "--tank", help="Tank id to publish as."),
           out: Path = typer.Option(Path("replay-output"), "--out", help="Folder for the stack's data and logs."),
           time_column: str = typer.Option("Time", "--time-column", help="Name of the time column."),
           label_column: str = typer.Option("EVENT", "--label-column", help="Name of the label column (optional "
                                            "in the file; with it, evaluate's figures are printed)."),
           columns: Optional[str] = typer.Option(None, "--columns", help="The file's columns as the tank's "
                                                 "readings, channel=header, comma-separated, e.g. "
                                                 "temp_c=Temperature (°C),ph=pH (default: the columns named "
                                                 "temp_c, ph, tds_ppm, turb_ntu, level_cm, flow_lpm, pump)."),
           sep: str = typer.Option(",", "--sep", help="Field separator."),
           time_format: Optional[str] = typer.Option(None, "--time-format", help="Layout of the times if not "
                                                     "ISO 8601 or epoch s/ms, e.g. '%d/%m/%Y %H:%M'."),
           config: Optional[Path] = typer.Option(None, "--config", "-c", help="The keeper's TOML config (see "
                                                 "aquamon.example.toml): its [alerts] (profile, limits, the "
                                                 "--tank's own table, quiet hours) and [analytics] settings are "
                                                 "the replay's; ports, addresses, accounts, notification URLs "
                                                 "and the gateway are the replay's own stack's. evaluate "
                                                 "--config FILE --tank T builds the same engine."),
           ) -> None:
    """Publish a CSV as a device would, through broker, gateway, InfluxDB and analytics; print what a keeper gets."""
    from aquamon.checkout import HarnessMissing

    try:
        from aquamon import replay as rp
    except HarnessMissing as e:  # an installed copy: the replay runs from a source checkout
        err.print(f"[bold red]replay:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None

    try:
        from aquamon.labelled_csv import parse_columns

        result = rp.replay(csv_file, tank, out, label_column, time_column, sep=sep, columns=parse_columns(columns),
                           time_format=time_format,
                           config=config)
    except (ValueError, TimeoutError, OSError, rp.ReplayError) as e:
        err.print(f"[bold red]replay:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:  # (replay's own finally has stopped what it started: said, not a silent exit)
        err.print(f"replay: interrupted; the broker, InfluxDB, gateway and analytics it started are stopped "
                  f"(their logs: {escape(str(out))})", soft_wrap=True)
        raise typer.Exit(130) from None
    for note in result.notes:
        err.print(f"note: {escape(note)}", soft_wrap=True)
    print(f"{result.published} readings published; {sum(a['state'] == 'firing' for a in result.alerts)} alerts fired "
          f"(times on the file's clock: alerts in UTC, notifications in the keeper's time zone, {result.zone_name()}, "
          "as a phone shows them)")
    for a in sorted(result.alerts, key=lambda a: a["time"]):
        print(f"ALERT  {a['file_time']} {a['state']:8} {a['severity']:8} {a['key']}: {a['summary']}")
    for i, (route, doc) in enumerate(result.notifications):
        print(f"NOTIFY {result.notification_time(i)} {route:8}: {doc.get('title')} — {doc.get('message')}")
    if result.metrics is not None:
        from aquamon.evaluate import summary_dict

        for k, v in summary_dict({**result.metrics, "seconds": 0.0}).items():
            if k == "seconds":
                continue
            print(f"{k:>25}  {'-' if v is None else (f'{v:.4g}' if isinstance(v, float) else v)}")


def plain_help(t: typer.Typer) -> None:
    """Show help texts as written: rich would take "[homeassistant]" or "[mqtt]" for a style tag and
    drop it ("(needs  enabled)"), so escape the brackets of every command's and option's help."""
    import inspect

    from typer.models import ArgumentInfo, OptionInfo

    done: set[int] = set()  # an option object shared by several commands is escaped once
    for info in t.registered_commands:
        if info.callback is None:
            continue
        info.help = escape(info.help if info.help is not None else inspect.getdoc(info.callback) or "")
        for p in inspect.signature(info.callback).parameters.values():
            if isinstance(p.default, (OptionInfo, ArgumentInfo)) and p.default.help and id(p.default) not in done:
                done.add(id(p.default))
                p.default.help = escape(p.default.help)


plain_help(app)
plain_help(_users)

if __name__ == "__main__":  # pragma: no cover
    app()
