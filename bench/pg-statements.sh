#!/usr/bin/env bash
# Where PostgreSQL's time for the bot goes: the bot (Release, on CPU 1) on a throwaway cluster (on CPU 0, fsync on, as
# shipped, pg_stat_statements loaded), warmed at 200 req/s, then one measured run at that rate (signed, alternating
# `/mentor` and Claim clicks, every body new), and the bot's statements by total execution time: calls, time, time a
# call, buffers read and dirtied, WAL records. The bot's runtime counts from /metrics (collections, pause, JIT) are
# printed for the same window. Not part of CI.
#   bash bench/pg-statements.sh            RATE=200 SECONDS_=20 WARM=60 TOP=18 PG_PORT=25452 PG_SETTINGS=";Max Auto Prepare=0"
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${RATE:-200}; secs=${SECONDS_:-20}; warm=${WARM:-60}; top=${TOP:-18}; port=${PG_PORT:-25452}
secret=bench-secret; bin=$(pg_config --bindir)
work=$(mktemp -d /tmp/ocm-pgstatements.XXXXXX)
chmod 755 "$work"
pids=()
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$(nproc)" -ge 2 ]; then gen_cpu=0; srv_cpu=1; else gen_cpu=0; srv_cpu=0; fi
for p in 5081 5099 "$port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p is in use: stop what listens there first" >&2; exit 1; fi
done

dotnet publish src/OperationCodeMentor -c Release -o "$work/bot" --nologo -v quiet >/dev/null
dotnet build bench/AckLoad -c Release -o "$work/load" --nologo -v quiet >/dev/null
mkdir -p "$work/data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/data"
as_pg "$bin/initdb" -D "$work/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
as_pg taskset -c "$gen_cpu" "$bin/pg_ctl" -D "$work/data" -l "$work/data/log" -w -t 60 -o "-p $port -k $work/data \
  -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" start >/dev/null || {
  # The work folder goes at exit: what the server said goes to the terminal first.
  echo "PostgreSQL did not start (pg_stat_statements comes with Debian's postgresql package); its log:" >&2
  tail -n 20 "$work/data/log" >&2; exit 1; }
q() { psql -h 127.0.0.1 -p "$port" -U postgres -XAtq -d postgres "$@"; }
q -c "CREATE ROLE bot LOGIN" -c "CREATE DATABASE mentor OWNER bot" -c "CREATE EXTENSION pg_stat_statements"

load() { taskset -c "$gen_cpu" dotnet "$work/load/AckLoad.dll" "$@"; }
taskset -c "$gen_cpu" dotnet "$work/load/AckLoad.dll" standin --port 5099 >"$work/standin.log" 2>&1 & pids+=($!)
SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret Slack__ApiBaseUrl=http://127.0.0.1:5099/api/ \
  Slack__MentorsChannel=G0BENCH01 Urls=http://127.0.0.1:5081 Metrics__Prometheus=true \
  Storage__Postgres__ConnectionString="Host=127.0.0.1;Port=$port;Username=bot;Database=mentor${PG_SETTINGS:-}" \
  Slack__ChannelInterval=00:00:00 Mentorship__Digest=off Logging__LogLevel__Default=Warning \
  taskset -c "$srv_cpu" dotnet "$work/bot/OperationCodeMentor.dll" >"$work/bot.log" 2>&1 & pids+=($!)
bot_pid=${pids[-1]}; up=""
for _ in $(seq 1 150); do
  curl -s -o /dev/null http://127.0.0.1:5081/healthz && { up=1; break; }
  kill -0 "$bot_pid" 2>/dev/null || break   # it stopped: its log says why
  sleep 0.2
done
[ -n "$up" ] || { echo "the bot did not answer on :5081; its log:" >&2; tail -n 20 "$work/bot.log" >&2; exit 1; }
load seed --target http://127.0.0.1:5081 --secret $secret >/dev/null
echo "warming the bot: $rate req/s for $warm s" >&2
load rate --target http://127.0.0.1:5081 --secret $secret --rate "$rate" --seconds "$warm" --warmup 3 >/dev/null; sleep 3

runtime() { curl -s http://127.0.0.1:5081/metrics | grep -E '^dotnet_(gc_collections_total|gc_pause_time_seconds_total|jit_compilation_time_seconds_total|gc_heap_total_allocated_bytes_total)' | sed 's/{[^}]*gc_heap_generation="\([a-z0-9]*\)"[^}]*}/_\1/; s/{[^}]*}//'; }
runtime | sort >"$work/before"
q -c "SELECT pg_stat_statements_reset()" >/dev/null
echo "measuring: $rate req/s for $secs s" >&2
result=$(load rate --target http://127.0.0.1:5081 --secret $secret --rate "$rate" --seconds "$secs" --warmup 3)
sleep 4
runtime | sort >"$work/after"

echo "## Where PostgreSQL's time for the bot goes ($(date -u '+%Y-%m-%d %H:%M UTC'), $rate req/s for $secs s after $warm s of warm-up${PG_SETTINGS:+, $PG_SETTINGS})"
echo
echo "Acknowledgements: $result"
echo
echo "| calls | execution (ms) | ms a call | buffers hit | dirtied | WAL records | statement |"
echo "|---|---|---|---|---|---|---|"
q -F '|' -c "SELECT calls, round(total_exec_time::numeric, 1), round((total_exec_time / calls)::numeric, 3), shared_blks_hit,
  shared_blks_dirtied, wal_records, '\`' || left(regexp_replace(query, '\s+', ' ', 'g'), 120) || '…\`'
  FROM pg_stat_statements WHERE userid = 'bot'::regrole ORDER BY total_exec_time DESC LIMIT $top" | sed 's/^/| /; s/$/ |/'
echo
echo "All the bot's statements: $(q -c "SELECT round(sum(total_exec_time)::numeric, 1) || ' ms of execution in ' || sum(calls) || ' calls' FROM pg_stat_statements WHERE userid = 'bot'::regrole")."
echo
echo "The bot's runtime over the same window (the change in each counter, from /metrics):"
join "$work/before" "$work/after" | awk '{ printf "- %s: %.3f\n", $1, $3 - $2 }'
