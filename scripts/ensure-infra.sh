#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and NATS with JetStream (127.0.0.1:4222)
# run on this machine, installing them from Debian's packages when missing, and
# that the `orch` database exists. With ORCH_NEED_CHROMIUM=1 (scripts/test.sh) it
# also installs Debian's Chromium for the dashboard's browser test. Idempotent;
# prints what it does.
set -euo pipefail

log() { echo "[infra] $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "[infra] need root to install $* (apt-get)" >&2; exit 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL
if ! port_open 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then log "installing PostgreSQL"; apt_install postgresql; fi
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  log "starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 60); do port_open 5432 && break; sleep 0.5; done
  port_open 5432 || { echo "[infra] PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi

# NATS with JetStream
if ! port_open 4222; then
  if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then log "installing nats-server"; apt_install nats-server; fi
  bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  mkdir -p /var/lib/nats-server
  log "starting nats-server with JetStream"
  start-stop-daemon --start --oknodo --background --exec "$bin" -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 60); do port_open 4222 && break; sleep 0.5; done
  port_open 4222 || { echo "[infra] NATS did not start on 127.0.0.1:4222" >&2; exit 1; }
fi

# The orch database (services run their own migrations at start).
if command -v psql >/dev/null 2>&1; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='orch'" | grep -q 1; then
    log "creating database orch"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE orch" >/dev/null
  fi
fi
log "PostgreSQL and NATS are up"

# Chromium for the dashboard's browser test (playwright-core drives /usr/bin/chromium; no browser downloads).
if [ "${ORCH_NEED_CHROMIUM:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium (dashboard browser test)"
  apt_install chromium
  [ -x /usr/bin/chromium ] || { echo "[infra] Chromium did not install to /usr/bin/chromium" >&2; exit 1; }
fi
