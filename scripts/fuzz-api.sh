#!/usr/bin/env bash
# Fuzzes the REST API of a running server with schemathesis, from the server's own
# /openapi.json, with a token holding every scope: any 5xx, or an answer that breaks the
# documented schema (status, content type, headers, body), fails the run.
#   scripts/fuzz-api.sh BASE_URL [SECONDS]   (DATABASE_URL: the server's database)
set -euo pipefail
cd "$(dirname "$0")/.."
base_url="$1"
budget="${2:-180}"
target_dir="${CARGO_TARGET_DIR:-target}"
server_bin="${SERVER_BIN:-$target_dir/debug/server}"

# A client of its own, holding every scope, through the command line (the secret never
# reaches a log: it is read from the command's output into a variable).
credentials="$("$server_bin" api-client create --name "schemathesis $(date +%s)" \
  --scopes "read_only read_all read_write legal support_user_management admin")"
client_id="$(sed -n 's/^client_id=//p' <<<"$credentials")"
client_secret="$(sed -n 's/^client_secret=//p' <<<"$credentials")"
token="$(curl -fsS "$base_url/oauth/token" -d grant_type=client_credentials \
  --data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

report="$(mktemp -d)"
set +e
schemathesis run "$base_url/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-time "$budget" \
  --workers 2 \
  --seed "${FUZZ_SEED:-20261203}" \
  --generation-database none \
  --request-timeout 30 \
  --suppress-health-check too_slow,filter_too_much \
  --report junit --report-dir "$report" \
  --no-color 2>&1 | tee "$report/run.log"
status=${PIPESTATUS[0]}
set -e
echo "schemathesis: exit $status; report in $report"
exit "$status"
