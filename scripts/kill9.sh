#!/usr/bin/env bash
# kill -9 of a real server during 200 concurrent writes, on SQLite and on Postgres: every
# write answered 2xx is there after the restart, the audit log matches the stored users, and
# the server starts cleanly. (scripts/test.sh runs it with the other integration tests.)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --locked -p server --test it crash:: -- --nocapture
