#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests of the PostgreSQL reader (CTest fixture
# "postgres", tests/core/data/CMakeLists.txt); stop-server.sh removes it.
#
# usage: tests/postgres/start-server.sh DIR
#
# DIR (created; a previous cluster there is stopped and removed first, so a crashed run does not
# break the next) holds the data directory, the server log and the Unix socket. The server listens
# on that socket only (no TCP), on port $TS_PG_TEST_PORT (default 55432; with a socket only, the
# port just names the socket file), and asks every client for a password (scram-sha-256), so the
# tests can check a wrong one. It has the role `trainstudio` (password `trainstudio-test`) owning
# the database `trainstudio_test`. DIR/connection.env holds PGHOST, PGPORT, PGUSER, PGPASSWORD and
# PGDATABASE for the tests.
#
# initdb refuses to run as root: as root (CI, containers) the server runs as the `postgres` system
# user that Debian's postgresql package creates, and DIR is given to that user.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(realpath -m "$1")
port=${TS_PG_TEST_PORT:-55432}
admin_password=trainstudio-admin

fail() {
  echo "start-server: $*" >&2
  exit 1
}

# The newest installed server (Debian keeps each major version in /usr/lib/postgresql/N/bin),
# else whatever PATH has (other distributions install initdb in /usr/bin).
bin=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
    bin=$candidate
    break
  fi
done
if [[ -z $bin ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  bin=$(dirname "$(command -v initdb)")
fi
[[ -n $bin ]] || fail "no PostgreSQL server found (initdb and pg_ctl under /usr/lib/postgresql/*/bin \
or on PATH); install it with packaging/install-deps.sh (Debian packages postgresql and libpq-dev)"
psql=$bin/psql
[[ -x $psql ]] || psql=$(command -v psql) || fail "no psql next to $bin/initdb nor on PATH"

run_as_server=()
if [[ $(id -u) -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || fail "running as root, but there is no 'postgres' system \
user to run the server as (initdb refuses root); Debian's postgresql package creates it \
(packaging/install-deps.sh)"
  run_as_server=(runuser -u postgres --)
fi

"$here/stop-server.sh" "$dir"

mkdir -p "$dir"
touch "$dir/.trainstudio-test-cluster" # stop-server.sh removes only directories with this mark
# The server's files (data directory, log, socket) live in DIR, unless the server user cannot
# reach it (a build tree under /root, mode 700): then in a folder of its own under /tmp.
server_dir=$dir
if [[ ${#run_as_server[@]} -gt 0 ]]; then
  chown postgres: "$dir"
  if ! "${run_as_server[@]}" test -w "$dir" 2>/dev/null; then
    server_dir=$(mktemp -d /tmp/ts-pg.XXXXXX)
    chown postgres: "$server_dir"
  fi
fi
echo "$server_dir" >"$dir/server-dir"
# Unix socket paths are limited to 107 bytes: a deep build tree gets its socket in /tmp.
socket_dir=$server_dir
if (( ${#server_dir} + 20 > 107 )); then
  socket_dir=$(mktemp -d /tmp/ts-pg.XXXXXX)
  [[ ${#run_as_server[@]} -eq 0 ]] || chown postgres: "$socket_dir"
fi
echo "$socket_dir" >"$dir/socket-dir"
cd "$server_dir" # the server user must be able to enter the working directory

pwfile=$server_dir/superuser-password
(umask 077 && echo "$admin_password" >"$pwfile")
[[ ${#run_as_server[@]} -eq 0 ]] || chown postgres: "$pwfile"
# --no-sync and fsync=off: a throwaway cluster needs no durability, and syncing is slow.
"${run_as_server[@]}" "$bin/initdb" --pgdata="$server_dir/data" --username=postgres \
  --auth=scram-sha-256 --pwfile="$pwfile" --encoding=UTF8 --locale=C --no-sync \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; fail "initdb failed (log above)"; }
rm -f "$pwfile"

cat >>"$server_dir/data/postgresql.conf" <<EOF

# trainstudio test cluster (tests/postgres/start-server.sh)
listen_addresses = ''
port = $port
unix_socket_directories = '$socket_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
# Passwords on the socket too: the tests check that a wrong one is refused.
echo "local all all scram-sha-256" >"$server_dir/data/pg_hba.conf"

"${run_as_server[@]}" "$bin/pg_ctl" --pgdata="$server_dir/data" --log="$server_dir/server.log" \
  --wait --timeout=60 start >/dev/null \
  || { tail -n 30 "$server_dir/server.log" >&2 || true; fail "the server did not start (log above)"; }

PGPASSWORD=$admin_password "$psql" --quiet --no-psqlrc --set=ON_ERROR_STOP=1 \
  --host="$socket_dir" --port="$port" --username=postgres --dbname=postgres >/dev/null <<'EOF'
CREATE ROLE trainstudio LOGIN PASSWORD 'trainstudio-test';
CREATE DATABASE trainstudio_test OWNER trainstudio;
EOF

cat >"$dir/connection.env" <<EOF
PGHOST=$socket_dir
PGPORT=$port
PGUSER=trainstudio
PGPASSWORD=trainstudio-test
PGDATABASE=trainstudio_test
EOF
echo "start-server: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on $socket_dir port $port"
