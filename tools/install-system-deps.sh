#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages aquamon runs on, only those that are missing.
# Idempotent: a second run installs nothing and prints nothing but the check.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have_cmd mosquitto        || need+=(mosquitto)
have_cmd mosquitto_pub    || need+=(mosquitto-clients)
have_cmd influxd          || need+=(influxdb)
have_cmd docker-compose   || need+=(docker-compose)
have_cmd make             || need+=(make)
have_cmd curl             || need+=(curl)
# Headless Chromium renders the HTML report in its test (tests/test_report.py).
# AQUAMON_WITH_CHROMIUM=0 skips it on machines that only run the services.
if [ "${AQUAMON_WITH_CHROMIUM:-1}" = 1 ]; then
  have_cmd chromium       || need+=(chromium)
fi
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# Test tools: Prometheus's own linter checks our /metrics (tests/test_metrics.py), and systemd's
# checks the units `aquamon init` installs (tests/test_install_init.py).
have_cmd promtool         || need+=(prometheus)
have_cmd systemd-analyze  || need+=(systemd)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "aquamon needs these Debian packages: ${need[*]}" >&2
  echo "Run as root, or install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d stops the packages' maintainer scripts from starting system-wide
# services: aquamon starts its own instances on free loopback ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
