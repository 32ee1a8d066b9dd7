#!/usr/bin/env bash
# The Kotlin SDK's tests: starts the real local host on a free port (the end-to-end test talks to it), then runs
# every JUnit test, unit and end-to-end, in one Maven run. .ci/run calls this after npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The host runs from dist/: build it unless it is newer than every source it is built from.
if [[ ! -f dist/local-host/main.js ]] || [[ -n "$(find functions shared local-host cli sdk/src -name '*.ts' -newer dist/local-host/main.js -print -quit)" ]]; then
  npm run --silent build
fi

data_dir=$(mktemp -d)
log="$data_dir/host.log"
host_pid=""
cleanup() {
  if [[ -n "$host_pid" ]]; then kill -- "-$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

# Starts the host on a free port and waits until it prints its admin token; 1 when it exits or stays silent.
# A short poll interval and stats flush keep the end-to-end run quick; the rest is the host's defaults.
start_host() {
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  rm -rf "$data_dir/azurite"
  PORT=$port DATA_DIR="$data_dir" RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS=1 RATE_LIMIT_SESSION_CREATES_PER_HOUR=1000 INGEST_STATS_FLUSH_MS=200 \
    setsid node dist/local-host/main.js >"$log" 2>&1 &
  host_pid=$!
  for _ in $(seq 1 240); do
    if grep -q 'Admin token' "$log"; then return 0; fi
    if ! kill -0 "$host_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  cat "$log" >&2
  # Its own process group (setsid): a host that gave up leaves no Azurite or Cosmos child behind.
  kill -- "-$host_pid" 2>/dev/null || true
  wait "$host_pid" 2>/dev/null || true
  host_pid=""
  return 1
}

# On a busy machine the embedded Azurite can miss the host's 20 s start-up window: try again, at most three times.
for attempt in 1 2 3; do
  if start_host; then break; fi
  echo "the local host did not start (attempt $attempt)" >&2
  [[ $attempt -lt 3 ]] || exit 1
done

export DIAGNOSTICS_E2E_URL="http://127.0.0.1:$port"
DIAGNOSTICS_E2E_KEY=$(sed -n 's/.*ingest key: \(.*\)$/\1/p' "$log" | head -1)
DIAGNOSTICS_E2E_ADMIN=$(sed -n 's/.*Admin token (12 h): \(.*\)$/\1/p' "$log" | head -1)
export DIAGNOSTICS_E2E_KEY DIAGNOSTICS_E2E_ADMIN

cd "$root/sdk-kotlin"
mvn -B -ntp test
