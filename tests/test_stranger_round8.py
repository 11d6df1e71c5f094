"""What a keeper with only the README met (round 8): each test pins one fix, and failed before it."""

from __future__ import annotations

import logging
import os

import pytest
from typer.testing import CliRunner

from aquamon.cli import app
from aquamon.labelled_csv import EvaluationInputError, read_labelled_csv
from aquamon.replay import MARKER, ReplayError, fresh_folder, hold_folder

runner = CliRunner()


def test_a_second_replay_into_a_running_replays_folder_is_refused_and_deletes_nothing(tmp_path) -> None:
    """Two `aquamon replay` at once with the default --out: the second emptied the first's live broker and
    database folder under it (its logs were lost); now it is refused while the first holds the folder."""
    out = fresh_folder(tmp_path / "replay-output")
    held = hold_folder(out)
    (out / "analytics.log").write_text("the running replay's log")
    try:
        with pytest.raises(ReplayError, match="in use by another aquamon replay"):
            fresh_folder(out)
        assert (out / "analytics.log").read_text() == "the running replay's log" and (out / MARKER).is_file()
    finally:
        os.close(held)
    assert not (fresh_folder(out) / "analytics.log").exists()  # once it has ended, the next replay empties it


def _tank_csv(path, rows: int, event_from: int | None = None):
    lines = ["Time,temp_c,EVENT"]
    for i in range(rows):
        event = event_from is not None and i >= event_from
        lines.append(f"2026-01-01T{i // 60:02d}:{i % 60:02d}:00,{25 + 0.01 * (i % 7):.2f},{int(event)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_short_train_is_told_once(tmp_path, caplog) -> None:
    """A 3-row TRAIN: the note came twice (a logging warning and the command's note)."""
    train = _tank_csv(tmp_path / "train.csv", 3)
    test = _tank_csv(tmp_path / "test.csv", 240, event_from=200)
    with caplog.at_level(logging.INFO, logger="aquamon"):
        r = runner.invoke(app, ["evaluate", "--train", str(train), "--test", str(test)])
    assert r.exit_code == 0, r.output
    assert r.output.count("TRAIN is short") == 1, r.output
    assert not [x for x in caplog.records if x.levelno >= logging.WARNING and "TRAIN is short" in x.getMessage()]


def test_a_header_without_rows_says_what_to_do(tmp_path) -> None:
    p = tmp_path / "header.csv"
    p.write_text("Time,temp_c,EVENT\n")
    with pytest.raises(EvaluationInputError, match="add the readings below it"):
        read_labelled_csv(p)


@pytest.mark.parametrize("command", [["gateway"], ["analytics"], ["homeassistant"], ["web"]])
def test_verbose_says_what_it_does(command) -> None:
    r = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "--verbose" in x)
    assert "debug" in line, line


def test_web_user_add_refuses_a_wrong_role_or_config_before_asking_for_the_password(tmp_path, monkeypatch) -> None:
    """The keeper typed a password twice, then read that 'admin' is no web role (or that --config is missing)."""
    import getpass

    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or "pw-pw-pw-pw")
    r = runner.invoke(app, ["web", "user", "add", "kid", "--role", "admin", "--file", str(tmp_path / "users")])
    assert r.exit_code == 1 and "use viewer or operator" in r.output and not asked, (r.output, asked)
    r = runner.invoke(app, ["web", "user", "add", "kid", "--role", "viewer", "--config", str(tmp_path / "none.toml")])
    assert r.exit_code != 0 and "cannot read the configuration file" in r.output and not asked, (r.output, asked)
    r = runner.invoke(app, ["web", "user", "add", "kid", "--role", "viewer", "--file", str(tmp_path / "users")])
    assert r.exit_code == 0 and len(asked) == 2, (r.output, asked)  # the password, then again


def test_replay_interrupted_says_what_it_stopped(tmp_path, monkeypatch) -> None:
    """Ctrl-C half way: the servers were stopped (replay's finally) but the keeper read nothing at all."""
    import aquamon.replay as rp

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rp, "replay", interrupted)
    r = runner.invoke(app, ["replay", "--csv", str(tmp_path / "x.csv"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 130 and "interrupted" in r.output and "stopped" in r.output, r.output


def test_an_unreachable_broker_says_what_to_check() -> None:
    """`aquamon silence ... --config demo-output/keeper.toml` after the demo ended said only 'Connection refused'."""
    import socket

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from aquamon.auth import connect_checked
    from aquamon.config import MqttConfig

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    with pytest.raises(OSError, match=r"cannot reach the broker .*is it running\? Check \[mqtt\] host and port"):
        connect_checked(client, MqttConfig(host="127.0.0.1", port=port), "operator", timeout_s=2.0)


def test_an_unreachable_influxdb_says_what_to_check() -> None:
    """`aquamon report --tank T` with InfluxDB down said only '<urlopen error [Errno 111] Connection refused>'."""
    import socket
    import urllib.request

    from aquamon.influx import QueryError, run_influxql

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(QueryError, match=r"not reachable.*is it running\? Check \[influxdb\] url"):
        run_influxql(urllib.request.Request(f"{url}/query?q=SHOW+DATABASES"), "SHOW DATABASES", url, 2.0)


def test_predictions_help_names_the_alert_columns() -> None:
    """--predictions also writes one 0/1 column per alert key that fired (docs/detection.md); its help said not."""
    r = runner.invoke(app, ["evaluate", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0 and "per alert that fired" in " ".join(r.output.split()), r.output


def test_replay_says_it_left_out_a_text_column(tmp_path) -> None:
    """A keeper's export with a notes column: evaluate said it skipped it, replay said nothing."""
    from aquamon.replay import read_readings

    p = tmp_path / "export.csv"
    p.write_text("Time,temp_c,notes\n" + "".join(f"2026-01-01T00:{i:02d}:00,25.{i % 10},fed fish\n" for i in range(30)))
    notes = read_readings(p).notes
    assert any("'notes' skipped: not numeric" in n for n in notes), notes


def test_demo_never_deletes_a_keepers_folder(tmp_path) -> None:
    """`aquamon demo --out ~/aquarium` emptied the folder (shutil.rmtree) before starting; now it is refused."""
    mine = tmp_path / "aquarium"
    mine.mkdir()
    (mine / "logbook.txt").write_text("water change 3 Jan")
    r = runner.invoke(app, ["demo", "--out", str(mine)])
    assert r.exit_code == 2 and "not an earlier demo's folder" in " ".join(r.output.split()), r.output
    assert (mine / "logbook.txt").read_text() == "water change 3 Jan"


def test_a_demo_folder_is_emptied_even_from_before_it_was_marked_but_not_while_a_demo_runs(tmp_path) -> None:
    from aquamon.demo import DEMO_FILES

    old = tmp_path / "demo-output"  # what an earlier version's demo left: no marker
    (old / "mosquitto").mkdir(parents=True)
    (old / "keeper.toml").write_text("[mqtt]\n")
    out = fresh_folder(old, "demo", DEMO_FILES)
    assert not (out / "keeper.toml").exists() and (out / ".aquamon-demo").is_file()
    held = hold_folder(out, "demo")
    try:
        with pytest.raises(ReplayError, match="in use by another aquamon demo"):
            fresh_folder(out, "demo", DEMO_FILES)
    finally:
        os.close(held)


def test_user_add_for_a_device_names_the_missing_option(tmp_path) -> None:
    """`aquamon user add --role device --tank tank1` said "device id '': use 1 to 32 of a-z ..."."""
    r = runner.invoke(app, ["user", "add", "--role", "device", "--tank", "tank1", "--dir", str(tmp_path)])
    assert r.exit_code == 2 and "needs --tank and --device" in r.output, r.output
    assert not (tmp_path / "passwd").exists()


def test_command_with_a_missing_key_file_says_where_keys_are(tmp_path) -> None:
    """docs/hardware.md's `aquamon command ... --key-file esp32-1.key`, the file elsewhere: '[Errno 2] ...'."""
    r = runner.invoke(app, ["command", "tank1", "esp32-1", "feed", "--key-file", str(tmp_path / "esp32-1.key")])
    assert r.exit_code == 2 and "/etc/aquamon/devices/tank1/esp32-1.key" in " ".join(r.output.split()), r.output


def test_web_help_shows_that_no_command_is_needed_to_serve() -> None:
    """``aquamon web --config FILE`` on its own serves; its usage line said a COMMAND was required."""
    r = runner.invoke(app, ["web", "--help"], terminal_width=120)
    assert r.exit_code == 0, r.output
    usage = next(line for line in r.output.splitlines() if "Usage:" in line)
    assert "[COMMAND" in usage and " COMMAND [ARGS]" not in usage.replace("[COMMAND [ARGS]...]", ""), usage
