#!/usr/bin/env bash
# The project-local PostgreSQL cluster: `devdb.sh start` (initdb once, start, create
# the login roles and the database, write var/db.env) and `devdb.sh stop`.
# The cluster listens on a Unix socket in a private folder only (no TCP), so it can
# never collide with another server on this machine. As root it runs as an
# unprivileged OS user, because initdb and postgres refuse to run as root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENV_FILE="$ROOT/var/local.env"
DB_NAME=shopwave

die() { echo "$*" >&2; exit 1; }

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin 2>/dev/null | sort -rV); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
    done
    dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
    die "PostgreSQL server binaries (initdb, pg_ctl) not found: install them (e.g. 'apt-get install postgresql-15') or set DATABASE_URL to an existing server"
}

BINDIR=$(find_bindir)
version=$("$BINDIR/postgres" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
[ "$version" -ge 15 ] || die "PostgreSQL >= 15 is required, found $version in $BINDIR: install postgresql-15 or newer"

# Who runs the cluster: the current user, or an unprivileged one when we are root.
if [ "$(id -u)" -eq 0 ]; then
    DB_OS_USER=postgres
    if ! id "$DB_OS_USER" >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$DB_OS_USER"
    fi
    as_db() { runuser -u "$DB_OS_USER" -- "$@"; }
else
    DB_OS_USER=$(id -un)
    as_db() { "$@"; }
fi

# The cluster lives in var/pg unless the DB user cannot reach it (e.g. a checkout in
# /root) or the socket path would exceed the kernel's limit; then in /var/tmp.
BASE="$ROOT/var/pg"
mkdir -p "$ROOT/var"
if ! as_db test -x "$ROOT/var" 2>/dev/null || [ ${#BASE} -gt 80 ]; then
    BASE="/var/tmp/shopwave-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
fi
PGDATA="$BASE/data"
SOCKDIR="$BASE/run"
LOGFILE="$BASE/postgresql.log"

ensure_dirs() {
    mkdir -p "$BASE" "$SOCKDIR"
    if [ "$(id -u)" -eq 0 ]; then chown "$DB_OS_USER" "$BASE" "$SOCKDIR"; fi
    chmod 700 "$BASE" "$SOCKDIR"
}

init_cluster() {
    [ -f "$PGDATA/PG_VERSION" ] && return
    ensure_dirs
    echo "initdb: new cluster in $PGDATA"
    as_db "$BINDIR/initdb" --pgdata="$PGDATA" --username="$DB_OS_USER" --encoding=UTF8 \
        --locale=C.UTF-8 --data-checksums --auth-local=peer --auth-host=reject >/dev/null
    cat "$ROOT/scripts/postgresql.conf" | as_db tee -a "$PGDATA/postgresql.conf" >/dev/null
    printf "unix_socket_directories = '%s'\n" "$SOCKDIR" | as_db tee -a "$PGDATA/postgresql.conf" >/dev/null
    # Peer for the cluster's own superuser (bootstrap only); passwords for the app's logins.
    printf 'local all %s peer\nlocal all all scram-sha-256\n' "$DB_OS_USER" | as_db tee "$PGDATA/pg_hba.conf" >/dev/null
}

start_cluster() {
    ensure_dirs
    if as_db "$BINDIR/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        # A package update replaces the binaries under a running server; the old server
        # then fails when a backend loads one of the new libraries (plpgsql.so: "undefined
        # symbol"). Restart it onto the installed binaries before anything uses it.
        local running installed
        running=$(as_db "$BINDIR/psql" -X -At -h "$SOCKDIR" -d postgres -c "SHOW server_version" 2>/dev/null || true)
        installed=$("$BINDIR/postgres" --version | sed 's/^postgres (PostgreSQL) //')
        if [ -z "$running" ] || [ "$running" = "$installed" ]; then return; fi
        echo "restarting PostgreSQL: the running server is $running, the installed binaries are $installed (a package update)"
        as_db "$BINDIR/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    fi
    as_db "$BINDIR/pg_ctl" -D "$PGDATA" -l "$LOGFILE" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start: see $LOGFILE"
}

random_secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

bootstrap() {
    local admin_pw="" web_pw="" secret_key=""
    if [ -f "$ENV_FILE" ]; then
        admin_pw=$(sed -n 's/^SHOPWAVE_ADMIN_DB_PASSWORD=//p' "$ENV_FILE")
        web_pw=$(sed -n 's/^SHOPWAVE_WEB_DB_PASSWORD=//p' "$ENV_FILE")
        secret_key=$(sed -n 's/^SECRET_KEY=//p' "$ENV_FILE")
    fi
    admin_pw=${admin_pw:-$(random_secret)}
    web_pw=${web_pw:-$(random_secret)}
    secret_key=${secret_key:-$(random_secret)$(random_secret)}
    as_db "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -d postgres \
        -v admin_pw="$admin_pw" -v web_pw="$web_pw" -v db="$DB_NAME" \
        < "$ROOT/scripts/bootstrap.sql" >/dev/null  # stdin: the DB user may not reach the checkout
    local sock_enc
    sock_enc=$(printf '%s' "$SOCKDIR" | sed 's|/|%2F|g')
    umask 077
    cat > "$ENV_FILE" <<ENV
# Written by scripts/devdb.sh for this checkout's local set-up; git-ignored. Do not commit.
# Real environment variables and .env take precedence over this file.
SECRET_KEY=$secret_key
# Local runs serve plain HTTP on loopback; production leaves SECURE at its default (on).
SECURE=false
SHOPWAVE_ADMIN_DB_PASSWORD=$admin_pw
SHOPWAVE_WEB_DB_PASSWORD=$web_pw
DATABASE_URL=postgres://commerce_admin:$admin_pw@$sock_enc/$DB_NAME
WEB_DATABASE_URL=postgres://shopwave_web:$web_pw@$sock_enc/$DB_NAME
PGHOST=$SOCKDIR
ENV
}

case "${1:-start}" in
    start)
        init_cluster
        start_cluster
        bootstrap
        echo "PostgreSQL $version running for ShopWave (socket $SOCKDIR, no TCP)"
        ;;
    stop)
        if [ -f "$PGDATA/PG_VERSION" ] && as_db "$BINDIR/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
            as_db "$BINDIR/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
            echo "PostgreSQL for ShopWave stopped"
        else
            echo "PostgreSQL for ShopWave is not running"
        fi
        ;;
    psql)
        shift
        as_db "$BINDIR/psql" -X -h "$SOCKDIR" -d "$DB_NAME" "$@"
        ;;
    *) die "usage: $0 start|stop|psql" ;;
esac
