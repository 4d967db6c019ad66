#!/usr/bin/env bash
# Runs every benchmark and writes bench/REPORT.md: the acknowledgement path against a minimal Bolt app,
# matching (BenchmarkDotNet), and resident memory after 10,000 submitted requests.
# Usage: bench/run-all.sh            (about 5 minutes; not part of CI)
#        QUICK=1 bench/run-all.sh    (shorter runs, rougher figures)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/ocm-bench.XXXXXX)
secret=bench-secret
secs=${QUICK:+3}; secs=${secs:-10}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }
wait_http() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "nothing answered at $1" >&2; return 1; }

say "building (Release)"
dotnet publish src/OperationCodeMentor -c Release -o "$work/bot" --nologo -v quiet >/dev/null
dotnet build bench/AckLoad -c Release -o "$work/load" --nologo -v quiet >/dev/null
(cd bench/bolt && npm ci --no-audit --no-fund --silent >/dev/null 2>&1 || npm install --no-audit --no-fund --silent >/dev/null)
load() { dotnet "$work/load/AckLoad.dll" "$@"; }

say "Slack stand-in on 127.0.0.1:5099"
load standin --port 5099 & pids+=($!)
wait_http http://127.0.0.1:5099/api/x -X POST || true

start_bot() {
  mkdir -p "$work/$1"
  SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret Slack__ApiBaseUrl=http://127.0.0.1:5099/api/ \
  Slack__MentorsChannel=G0BENCH01 Storage__SqlitePath="$work/$1/mentorship.db" Urls=http://127.0.0.1:5080 \
  Slack__ChannelInterval=00:00:00 Mentorship__Digest=off \
  Logging__LogLevel__Default=Warning DOTNET_gcServer=0 \
    dotnet "$work/bot/OperationCodeMentor.dll" >"$work/$1.log" 2>&1 &
  bot_pid=$!; pids+=($bot_pid)
  wait_http http://127.0.0.1:5080/healthz
}

# Waits until the bot has finished the follow-up work of earlier phases, so each phase starts from rest (Bolt has
# no follow-up work, so it is always at rest).
settle() {
  [ "$1" = bot ] || return 0
  for _ in $(seq 1 3000); do
    health=$(curl -s http://127.0.0.1:5080/healthz)
    depth=$(echo "$health" | sed -E 's/.*"depth":([0-9]+).*/\1/')
    pending=$(echo "$health" | sed -E 's/.*"pendingWork":([0-9]+).*/\1/')
    [ "$depth" = "0" ] && [ "$pending" = "0" ] && return 0; sleep 0.2
  done
}

measure() { # target-url label
  local url=$1 label=$2
  say "$label: warm-up"
  load saturate --target "$url" --secret $secret --concurrency 32 --seconds 3 >/dev/null
  settle "$label"
  say "$label: saturation (64 in flight, ${secs}s)"
  load saturate --target "$url" --secret $secret --concurrency 64 --seconds "$secs" >"$work/$label-sat.json"
  settle "$label"
  say "$label: 200 requests/s for ${secs}s"
  load rate --target "$url" --secret $secret --rate 200 --seconds "$secs" >"$work/$label-200.json"
  for r in 500 1000; do settle "$label"; load rate --target "$url" --secret $secret --rate $r --seconds "$secs" >"$work/$label-$r.json"; done
}

say "bot (Release, embedded store)"
start_bot ack
load seed --target http://127.0.0.1:5080 --secret $secret >/dev/null
measure http://127.0.0.1:5080 bot
kill "$bot_pid"; wait "$bot_pid" 2>/dev/null || true

say "Bolt for JS $(node -e "console.log(require('./bench/bolt/node_modules/@slack/bolt/package.json').version)")"
(cd bench/bolt && SLACK_SIGNING_SECRET=$secret PORT=5081 node app.js >"$work/bolt.log" 2>&1) & bolt_pid=$!; pids+=($bolt_pid)
wait_http http://127.0.0.1:5081/slack/events -X POST || true
measure http://127.0.0.1:5081 bolt
kill "$bolt_pid" 2>/dev/null || true; pkill -f "node app.js" 2>/dev/null || true

say "memory: 10,000 submitted requests"
start_bot mem
load seed --target http://127.0.0.1:5080 --secret $secret >/dev/null
count=${QUICK:+2000}; count=${count:-10000}
load submit --target http://127.0.0.1:5080 --secret $secret --count "$count" --concurrency 16 >"$work/submit.json"
drain_start=$(date +%s.%N)
settle bot
drained=$(awk -v a="$drain_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$bot_pid/status)
hwm_kb=$(awk '/VmHWM/ {print $2}' /proc/$bot_pid/status)
stored=$(sqlite3 "$work/mem/mentorship.db" 'select count(*) from requests' 2>/dev/null || echo "?")
kill "$bot_pid"; wait "$bot_pid" 2>/dev/null || true

say "matching (BenchmarkDotNet)"
dotnet run -c Release --project bench/OperationCodeMentor.Bench -- --filter '*MatchingBenchmarks*' --exporters github ${QUICK:+--job short} >"$work/matching.log" 2>&1
matching=$(ls BenchmarkDotNet.Artifacts/results/*MatchingBenchmarks-report-github.md)

j() { sed -E "s/.*\"$2\":([0-9.]+).*/\1/" "$work/$1.json"; }
bot_sat=$(j bot-sat rps); bolt_sat=$(j bolt-sat rps)
ratio=$(awk -v a="$bot_sat" -v b="$bolt_sat" 'BEGIN { printf "%.2f", a / b }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')

{
  echo "# Benchmark report"
  echo
  echo "Produced by \`bench/run-all.sh\` on $(date -u +%Y-%m-%d) — $cpu, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB,"
  echo ".NET $(dotnet --version), Node $(node --version), @slack/bolt $(node -e "console.log(require('./bench/bolt/node_modules/@slack/bolt/package.json').version)")."
  echo "Load generator, server and Slack stand-in share the machine; every request is signed and verified."
  echo "Requests alternate \`/mentor\` slash commands and Claim \`block_actions\`."
  echo
  echo "## Acknowledgement path"
  echo
  echo "| server | saturated throughput (req/s, 64 in flight) | p50 at 200 req/s (ms) | p99 at 200 req/s (ms) | p99 at 500 req/s | p99 at 1000 req/s | errors |"
  echo "|---|---|---|---|---|---|---|"
  for s in bot bolt; do
    name=$([ $s = bot ] && echo "this bot (Release, SQLite)" || echo "minimal Bolt for JS app")
    errs=$(( $(j $s-sat errors) + $(j $s-200 errors) ))
    echo "| $name | $(j $s-sat rps) | $(j $s-200 p50_ms) | $(j $s-200 p99_ms) | $(j $s-500 p99_ms) | $(j $s-1000 p99_ms) | $errs |"
  done
  echo
  echo "Throughput ratio (bot / Bolt): **$ratio×** (goal ≥ 3×). p99 at 200 req/s: **$(j bot-200 p99_ms) ms** (goal ≤ 10 ms)."
  echo "The bot also does its follow-up work (opening modals, claim checks, ephemeral replies to the stand-in) in the same process; the Bolt app only acknowledges."
  echo
  echo "## Memory"
  echo
  echo "After $count submitted requests (each stored, matched, posted and confirmed by DM; $stored requests in the store):"
  echo "resident set **$((rss_kb / 1024)) MB**, peak $((hwm_kb / 1024)) MB (goal < 200 MB). Acknowledging all of them took $(j submit seconds) s"
  echo "($(j submit errors) errors); the durable queue finished storing, posting and confirming them $drained s later."
  echo
  echo "## Matching (10,000 mentors, 200 skills, 1–5 skills a request, top 5)"
  echo
  sed -n '/^|/,$p' "$matching"
  echo
  echo "Goal: under 50 µs a match."
} > bench/REPORT.md
cat bench/REPORT.md
