#!/usr/bin/env bash
# CPU time the bot spends per acknowledged request with metrics off and with Prometheus on (scraped every 5 s), on
# the same load: AckLoad at a fixed rate (alternating /mentor commands and Claim clicks, each with its follow-up work).
# Usage: bench/metrics-cost.sh     (RATE=200 SECONDS_=20 ROUNDS=3 to change; about 3 minutes; not part of CI)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/ocm-metrics-cost.XXXXXX)
secret=bench-secret; rate=${RATE:-200}; secs=${SECONDS_:-20}; rounds=${ROUNDS:-3}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
settle() { for _ in $(seq 1 3000); do curl -s http://127.0.0.1:5080/healthz | grep -q '"depth":0' && return 0; sleep 0.2; done; }

dotnet publish src/OperationCodeMentor -c Release -o "$work/bot" --nologo -v quiet >/dev/null
dotnet build bench/AckLoad -c Release -o "$work/load" --nologo -v quiet >/dev/null
taskset -c 0 dotnet "$work/load/AckLoad.dll" standin --port 5099 & pids+=($!)
wait_http http://127.0.0.1:5099/api/x -X POST || true

hz=$(getconf CLK_TCK)
# The bot alone on one CPU, the load generator and the Slack stand-in on the other (as bench/run-all.sh places them).
if [ "$(nproc)" -ge 2 ]; then gen="taskset -c 0"; srv="taskset -c 1"; else gen=""; srv=""; fi
for r in $(seq 1 "$rounds"); do
  # Alternate which goes first, so a change in the machine's load over time falls on both.
  order="false true"; [ $((r % 2)) = 0 ] && order="true false"
  for prom in $order; do
    mkdir -p "$work/$prom-$r"
    SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret Slack__ApiBaseUrl=http://127.0.0.1:5099/api/ \
    Slack__MentorsChannel=G0BENCH01 Storage__SqlitePath="$work/$prom-$r/mentorship.db" Urls=http://127.0.0.1:5080 \
    Slack__ChannelInterval=00:00:00 Mentorship__Digest=off Logging__LogLevel__Default=Warning Metrics__Prometheus=$prom \
      $srv dotnet "$work/bot/OperationCodeMentor.dll" >"$work/$prom-$r.log" 2>&1 & bot=$!; pids+=($bot)
    wait_http http://127.0.0.1:5080/healthz
    dotnet "$work/load/AckLoad.dll" seed --target http://127.0.0.1:5080 --secret $secret >/dev/null
    # Warm-up (the JIT's tiered compilation), then measure from rest.
    $gen dotnet "$work/load/AckLoad.dll" rate --target http://127.0.0.1:5080 --secret $secret --rate "$rate" --seconds 10 --warmup 3 >/dev/null
    settle
    scraper=""
    if [ "$prom" = true ]; then (while sleep 5; do curl -s -o /dev/null http://127.0.0.1:5080/metrics; done) & scraper=$!; pids+=($scraper); fi
    before=$(ticks "$bot")
    $gen dotnet "$work/load/AckLoad.dll" rate --target http://127.0.0.1:5080 --secret $secret --rate "$rate" --seconds "$secs" --warmup 0 >"$work/$prom-$r.json"
    settle
    after=$(ticks "$bot")
    [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true
    n=$(( rate * secs ))
    p99=$(grep -o '"p99_ms": *[0-9.]*' "$work/$prom-$r.json" | grep -o '[0-9.]*$' || echo "?")
    awk -v t=$((after - before)) -v hz="$hz" -v n="$n" -v prom="$prom" -v r="$r" -v p99="$p99" \
      'BEGIN { printf "round %d  metrics %-5s  %6.1f µs CPU per acknowledged request (%d requests, %d ticks)  p99 %s ms\n", r, (prom == "true" ? "on" : "off"), t / hz / n * 1e6, n, t, p99 }'
    kill "$bot"; wait "$bot" 2>/dev/null || true
  done
done
