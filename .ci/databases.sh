#!/usr/bin/env bash
# Throwaway database servers for the live-introspection tests: a real
# PostgreSQL and a real MariaDB (Debian's packages, installed if missing),
# each with its data under .cache/databases/, listening on 127.0.0.1 only,
# with a password-protected user (so that redaction is tested for real).
#
#   bash .ci/databases.sh            # install if needed, start (or reuse), write the URLs
#   set -a; . .cache/databases.env; set +a
#
# Writes .cache/databases.env:
#   RDJ_PG_URL=postgres://rdj:…@127.0.0.1:54329/postgres   (superuser: may CREATE DATABASE)
#   RDJ_MYSQL_URL=mysql://rdj:…@127.0.0.1:33069/mysql       (all privileges: may CREATE DATABASE)
# Idempotent: a second call finds the servers answering and only rewrites
# the file. `bash .ci/databases.sh stop` stops both.
# Ports: RDJ_PG_PORT (54329), RDJ_MYSQL_PORT (33069).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_port="${RDJ_PG_PORT:-54329}"
my_port="${RDJ_MYSQL_PORT:-33069}"
user=rdj
# A throwaway server's password, with characters that must be percent-encoded
# in a URL ('@' and ':'), so that decoding and redaction are both exercised.
password='rdj_S3cret@pw:1'
password_url='rdj_S3cret%40pw%3A1'

cache="$PWD/.cache"
root="$cache/databases"
mkdir -p "$root"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

log() { echo "databases.sh: $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# ---------------------------------------------------------------- install
install=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || install+=(postgresql)
command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 || install+=(mariadb-server)
if [ "${1:-}" != stop ] && [ ${#install[@]} -gt 0 ]; then
  log "installing ${install[*]}"
  $sudo apt-get update -qq
  # Debian's postinst scripts may try to start the system services; in a
  # container policy-rc.d forbids that, elsewhere they start on their own
  # ports and are left alone.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${install[@]}" >/dev/null
fi
PG="$(pg_bin)"

# Both servers refuse to run as root: as root they run as the packages'
# system users (`postgres`, `mysql`), which must be able to reach the data
# directory; otherwise as the current user.
as_pg=(); as_my=(); my_os_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  as_my=(runuser -u mysql --)
  my_os_user=mysql
fi
data_root="$root"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
  # e.g. a checkout under /root (mode 700): keep the data in /tmp instead.
  data_root="/tmp/rdj-databases-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)"
  mkdir -p "$data_root"; chmod 755 "$data_root"
  log "data in $data_root ($root is not reachable by the server users)"
fi
pg_dir="$data_root/pg"
my_dir="$data_root/mariadb"

pg_ready() { "$PG/pg_isready" -q -h 127.0.0.1 -p "$pg_port" >/dev/null 2>&1; }
my_ready() { mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$my_port" -u"$user" -p"$password" ping >/dev/null 2>&1; }

if [ "${1:-}" = stop ]; then
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$PG/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
  fi
  if [ -f "$my_dir/mariadbd.pid" ]; then
    kill "$(cat "$my_dir/mariadbd.pid")" 2>/dev/null || true
  fi
  rm -f "$cache/databases.env"
  exit 0
fi

# ---------------------------------------------------------------- PostgreSQL
# autovacuum off: its transactions would blur the tests' pg_stat_database
# evidence that an introspection commits and writes nothing.
start_pg() {
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    rm -rf "$pg_dir"; mkdir -p "$pg_dir"
    printf '%s\n' "$password" >"$pg_dir/pwfile"
    [ ${#as_pg[@]} -eq 0 ] || chown -R postgres: "$pg_dir"
    "${as_pg[@]}" "$PG/initdb" -D "$pg_dir/data" -U "$user" --pwfile="$pg_dir/pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 \
      || { cat "$pg_dir/initdb.log" >&2; exit 1; }
    rm -f "$pg_dir/pwfile"
  fi
  "${as_pg[@]}" "$PG/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
    start >/dev/null || { tail -n 30 "$pg_dir/server.log" >&2; exit 1; }
}
if pg_ready; then
  log "PostgreSQL already answers on 127.0.0.1:$pg_port"
else
  # A stale postmaster.pid from a killed server is removed by pg_ctl itself.
  start_pg
  log "PostgreSQL $("$PG/postgres" --version | awk '{print $3}') started on 127.0.0.1:$pg_port"
fi

# ---------------------------------------------------------------- MariaDB
start_my() {
  if [ ! -d "$my_dir/data/mysql" ]; then
    rm -rf "$my_dir"; mkdir -p "$my_dir/data"
    [ ${#as_my[@]} -eq 0 ] || chown -R mysql: "$my_dir"
    "${as_my[@]}" mariadb-install-db --no-defaults --datadir="$my_dir/data" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$my_os_user" --skip-test-db >"$my_dir/install.log" 2>&1 \
      || { cat "$my_dir/install.log" >&2; exit 1; }
  fi
  # setsid + nohup: the server outlives this script (and its CI step).
  "${as_my[@]}" setsid nohup mariadbd --no-defaults --datadir="$my_dir/data" \
    --port="$my_port" --bind-address=127.0.0.1 --socket="$my_dir/mariadbd.sock" \
    --pid-file="$my_dir/mariadbd.pid" --log-error="$my_dir/server.log" \
    --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=64M \
    --performance-schema=OFF </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    "${as_my[@]}" mariadb-admin --no-defaults --socket="$my_dir/mariadbd.sock" -u"$my_os_user" ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  "${as_my[@]}" mariadb-admin --no-defaults --socket="$my_dir/mariadbd.sock" -u"$my_os_user" ping >/dev/null 2>&1 \
    || { tail -n 30 "$my_dir/server.log" >&2; exit 1; }
  # $my_os_user@localhost (like root) authenticates by unix socket as the
  # server's OS user:
  # through it, create the TCP user with a password.
  "${as_my[@]}" mariadb --no-defaults --socket="$my_dir/mariadbd.sock" -u"$my_os_user" <<SQL
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$user'@'localhost' WITH GRANT OPTION;
SQL
}
if my_ready; then
  log "MariaDB already answers on 127.0.0.1:$my_port"
else
  start_my
  my_ready || { log "MariaDB does not accept $user on 127.0.0.1:$my_port"; exit 1; }
  log "MariaDB $(mariadbd --version | awk '{print $3}') started on 127.0.0.1:$my_port"
fi

# ---------------------------------------------------------------- URLs
cat >"$cache/databases.env" <<ENV
RDJ_PG_URL=postgres://$user:$password_url@127.0.0.1:$pg_port/postgres
RDJ_MYSQL_URL=mysql://$user:$password_url@127.0.0.1:$my_port/mysql
ENV
log "URLs in .cache/databases.env"
