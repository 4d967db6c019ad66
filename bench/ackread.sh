#!/usr/bin/env bash
# What the read of a claim costs its acknowledgement on PostgreSQL, measured one for one against the write alone in the same
# run (bench/AckRead). A throwaway cluster on CPU 0 (fsync on, as shipped) stands in for a database on another machine;
# the measuring process runs on CPU 1, where the bot would. Not part of CI.
#   bash bench/ackread.sh            RATE=100 SECONDS_=60 ROUNDS=3 PG_PORT=25442 PG_SETTINGS=";Max Auto Prepare=0"
# On this direct connection the statements are prepared, as the bot does by default where no transaction pooler stands
# between; PG_SETTINGS=";Max Auto Prepare=0" measures without, as behind such a pooler.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${RATE:-200}; secs=${SECONDS_:-60}; rounds=${ROUNDS:-3}; port=${PG_PORT:-25442}
bin=$(pg_config --bindir)
work=$(mktemp -d /tmp/ocm-ackread.XXXXXX)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -f "$work/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$(nproc)" -ge 2 ]; then db_cpu=0; app_cpu=1; else db_cpu=0; app_cpu=0; fi

dotnet build bench/AckRead -c Release -o "$work/app" --nologo -v quiet >/dev/null
mkdir -p "$work/data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/data"
as_pg "$bin/initdb" -D "$work/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
as_pg taskset -c "$db_cpu" "$bin/pg_ctl" -D "$work/data" -l "$work/data/log" -w -t 60 \
  -o "-p $port -k $work/data -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -XAtq -d postgres -c "CREATE ROLE bot LOGIN"
for r in $(seq 1 "$rounds"); do
  psql -h 127.0.0.1 -p "$port" -U postgres -XAtq -d postgres -c "CREATE DATABASE ackread$r OWNER bot"
  taskset -c "$app_cpu" dotnet "$work/app/AckRead.dll" --pg "Host=127.0.0.1;Port=$port;Username=bot;Database=ackread$r${PG_SETTINGS:-}" \
    --rate "$rate" --seconds "$secs"
done
