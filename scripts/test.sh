#!/usr/bin/env bash
# Runs every test: the format and lint gates, unit and integration tests on SQLite and
# Postgres (cargo test), then Playwright end-to-end tests in Debian's Chromium against a
# real server. Each phase prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
logs="$(mktemp -d)"
target_dir="${CARGO_TARGET_DIR:-target}"
phases=()
started_at=$SECONDS
phase() { # phase NAME COMMAND...: runs it, keeps its duration for the closing table
  local name="$1" start=$SECONDS
  shift
  echo "==> $name"
  "$@"
  phases+=("$(printf '%-34s %5ss' "$name" $((SECONDS - start)))")
}

phase "Setup (tools, Chromium, Postgres)" ./scripts/setup.sh test
phase "Format (cargo fmt --check)" cargo fmt --all -- --check
# Clippy checks the same crates and feature set as the tests (app with `ssr`).
phase "Lints (cargo clippy -D warnings)" cargo clippy --locked --all-targets -- -D warnings
phase "Dependencies (cargo deny)" ./scripts/deny.sh
# One build of every native crate, one feature set: unit tests and the integration tests.
run_cargo_tests() { cargo test --locked 2>&1 | tee "$logs/cargo.log"; }
phase "Unit and integration tests" run_cargo_tests
phase "Front end (scripts/front.sh)" ./scripts/front.sh

echo "==> Starting a server for the end-to-end tests"
e2e_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$e2e_dir/e2e.db"
export E2E_BASE_URL="http://127.0.0.1:$port"
export E2E_ADMIN_USER="admin@e2e.test"
export E2E_ADMIN_PASSWORD="e2e-passphrase-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$E2E_ADMIN_PASSWORD" \
  | "$target_dir/debug/server" operator create --username "$E2E_ADMIN_USER" --role administrator --password-stdin
"$target_dir/debug/server" seed-demo --users 300 > /dev/null
# A real SMTP server on loopback; the specs read the emails it writes to E2E_MAIL_DIR.
smtp_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export E2E_MAIL_DIR="$e2e_dir/mail"
python3 end2end/smtp_sink.py "$smtp_port" "$E2E_MAIL_DIR" &
sink_pid=$!
# Payouts are sent a second after they are made (the money spec waits for it). Every spec
# logs in from 127.0.0.1: the per-address limits are raised (they have their own tests).
DASHBOARD_AUTH_ATTEMPTS_PER_MINUTE=1000 DASHBOARD_FAILED_LOGINS_PER_ADDRESS=1000 \
PAYOUT_CANCEL_WINDOW_SECONDS=1 DASHBOARD_SMTP_URL="smtp://127.0.0.1:$smtp_port" DASHBOARD_PUBLIC_URL="$E2E_BASE_URL" \
  "$target_dir/debug/server" serve --addr "127.0.0.1:$port" --dist dist > "$logs/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid $sink_pid 2>/dev/null || true; rm -rf "$e2e_dir"' EXIT
for _ in $(seq 1 50); do
  curl -fsS "$E2E_BASE_URL/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
run_e2e() {
  set +e
  (cd end2end && npx playwright test) 2>&1 | tee "$logs/e2e.log"
  e2e_status=${PIPESTATUS[0]}
  set -e
}
e2e_status=0
phase "End-to-end tests (Playwright)" run_e2e
# The REST API fuzzed from its own /openapi.json (after the browser tests: it writes
# random data), bounded in time: no 5xx, no answer outside the documented schema.
run_fuzz() {
  set +e
  ./scripts/fuzz-api.sh "$E2E_BASE_URL" "${FUZZ_SECONDS:-150}" 2>&1 | tee "$logs/fuzz.log"
  fuzz_status=${PIPESTATUS[0]}
  set -e
}
fuzz_status=0
phase "API fuzzing (schemathesis)" run_fuzz
if [ "$e2e_status" -ne 0 ] || [ "$fuzz_status" -ne 0 ]; then
  echo "---- server log ----"; tail -n 50 "$logs/server.log"
fi

echo "==> Durations"
printf '%s\n' "${phases[@]}"
printf '%-34s %5ss\n' "Total" $((SECONDS - started_at))

# One closing line for every runner together.
count() { { grep -Eo "$1" "$2" || true; } | awk '{s+=$1} END {print s+0}'; }
cargo_passed=$(count '[0-9]+ passed' "$logs/cargo.log")
cargo_failed=$(count '[0-9]+ failed' "$logs/cargo.log")
e2e_passed=$(count '^ *[0-9]+ passed' "$logs/e2e.log")
e2e_failed=$(count '^ *[0-9]+ failed' "$logs/e2e.log")
# schemathesis counts as one test: it passes when every generated case did.
fuzz_cases=$({ grep -Eo '[0-9]+ generated' "$logs/fuzz.log" || echo 0; } | tail -n1 | grep -Eo '[0-9]+')
echo "schemathesis: $fuzz_cases cases, exit $fuzz_status"
fuzz_passed=$((fuzz_status == 0 ? 1 : 0))
fuzz_failed=$((fuzz_status == 0 ? 0 : 1))
echo "summary: $((cargo_passed + e2e_passed + fuzz_passed)) passed, $((cargo_failed + e2e_failed + fuzz_failed)) failed"
[ "$e2e_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ]
