#!/usr/bin/env bash
# Builds everything in release and serves the dashboard on http://127.0.0.1:3000 over an
# SQLite file (data/backoffice.db). On first start it creates an Administrator and prints
# its username and a generated password; a new database first gets 10,000 demo end users. Extra arguments go to `server serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "==> Building the front end (release)"
./scripts/front.sh --release
echo "==> Building the server (release)"
cargo build --release -p server

export DATABASE_URL="${DATABASE_URL:-sqlite://data/backoffice.db}"
if [ "$DATABASE_URL" = "sqlite://data/backoffice.db" ] && [ ! -f data/backoffice.db ]; then
  echo "==> First start: filling data/backoffice.db with 10,000 demo end users"
  mkdir -p data
  "${CARGO_TARGET_DIR:-target}/release/server" seed-demo --users 10000
fi
exec "${CARGO_TARGET_DIR:-target}/release/server" serve --dist dist "$@"
