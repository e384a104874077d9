#!/usr/bin/env bash
# The dependency policy (deny.toml): licences, banned and duplicate crates, sources, and
# RustSec advisories. The advisory database lives on GitHub: when GitHub does not answer
# (an offline machine), the other checks still run and the skip is said, not hidden.
set -euo pipefail
cd "$(dirname "$0")/.."
checks=(licenses bans sources)
if timeout 10 git ls-remote --exit-code https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
  checks+=(advisories)
else
  echo "cargo deny: advisories NOT checked (github.com/rustsec/advisory-db is unreachable from here)"
fi
cargo deny --log-level error --locked check "${checks[@]}"
echo "cargo deny: ${checks[*]} ok"
