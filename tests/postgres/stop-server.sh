#!/usr/bin/env bash
# Stops and removes the throwaway cluster that start-server.sh made in DIR (CTest fixture cleanup
# of "postgres"). Nothing there is fine: start-server.sh calls this first to clear a stale cluster.
#
# usage: tests/postgres/stop-server.sh DIR
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$(realpath -m "$1")
[[ -e $dir ]] || exit 0
# This script deletes DIR: only one that start-server.sh marked as its own.
if [[ ! -e $dir/.trainstudio-test-cluster ]]; then
  echo "stop-server: $dir is not a test cluster of start-server.sh (no .trainstudio-test-cluster);" \
    "left alone" >&2
  exit 1
fi

server_dir=$(cat "$dir/server-dir" 2>/dev/null || echo "$dir")
if [[ -f $server_dir/data/postmaster.pid ]]; then
  pg_ctl=""
  version=$(cat "$server_dir/data/PG_VERSION" 2>/dev/null || true)
  for candidate in "/usr/lib/postgresql/$version/bin/pg_ctl" "$(command -v pg_ctl || true)"; do
    if [[ -n $candidate && -x $candidate ]]; then
      pg_ctl=$candidate
      break
    fi
  done
  run_as_server=()
  [[ $(id -u) -ne 0 ]] || run_as_server=(runuser -u postgres --)
  if [[ -n $pg_ctl ]]; then
    # fast: roll back the sessions and stop; immediate if that hangs (a test left a session busy).
    "${run_as_server[@]}" "$pg_ctl" --pgdata="$server_dir/data" --mode=fast --wait --timeout=30 stop \
      >/dev/null 2>&1 \
      || "${run_as_server[@]}" "$pg_ctl" --pgdata="$server_dir/data" --mode=immediate --wait stop \
        >/dev/null 2>&1 || true
  fi
  pid=$(head -n 1 "$server_dir/data/postmaster.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null \
    && [[ $(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ') == *"$server_dir/data"* ]]; then
    echo "stop-server: the server (pid $pid) of $dir did not stop" >&2
    exit 1
  fi
fi

socket_dir=$(cat "$dir/socket-dir" 2>/dev/null || true)
for own in "$socket_dir" "$server_dir"; do
  if [[ $own == /tmp/ts-pg.* ]]; then
    rm -rf "$own"
  fi
done
rm -rf "$dir"
