#!/usr/bin/env bash
# Installs what the build needs, skipping whatever is already there.
#   scripts/setup.sh        tools to build and run the dashboard
#   scripts/setup.sh test   plus what the tests need (Chromium, Playwright, Postgres running)
# Works offline from the package registries only: crates.io, npm, PyPI, Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5   # the API fuzzer of scripts/test.sh (PyPI)
CARGO_DENY_VERSION=0.20.2     # the dependency policy check of scripts/test.sh (crates.io)
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate in Cargo.lock
WASM_SPLIT_VERSION=0.2.3      # splits the wasm at #[lazy] pages; 0.2.3 is the first for wasm-bindgen >= 0.2.128
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# The format and lint gates of scripts/test.sh (a minimal rustup profile lacks them).
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "Adding the $component component"
    rustup component add "$component"
  fi
done

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-split-cli prints no version: cargo's own record of installed crates says which.
if [ ! -x "$HOME/.cargo/bin/wasm-split-cli" ] \
  || ! grep -q "^\"wasm_split_cli_support $WASM_SPLIT_VERSION " "$HOME/.cargo/.crates.toml" 2>/dev/null; then
  say "Installing wasm-split-cli $WASM_SPLIT_VERSION"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
fi

if ! command -v npm >/dev/null; then
  echo "npm is required (Node.js 20+)" >&2
  exit 1
fi
if [ "$(node_modules/.bin/wasm-opt --version 2>/dev/null)" != "wasm-opt version 132 (version_132)" ]; then
  say "Installing binaryen 132 (wasm-opt) from npm"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "test" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Debian's Chromium"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
  fi
  if [ ! -x end2end/node_modules/.bin/playwright ]; then
    say "Installing Playwright (no browser download: tests use /usr/bin/chromium)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  if [ "$(schemathesis --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    say "Installing schemathesis $SCHEMATHESIS_VERSION from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    say "Installing cargo-deny $CARGO_DENY_VERSION (a few minutes, once per machine)"
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null; then
      say "Starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL must run on 127.0.0.1:5432 (or set TEST_POSTGRES_URL)" >&2; exit 1; }
  fi
fi
