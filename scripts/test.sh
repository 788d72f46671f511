#!/usr/bin/env bash
# Run the whole test suite. With --install, first install fnguard and the services its tests use
# (what .ci/run does on a fresh machine): redis-server (shared rate limits), PostgreSQL (serve),
# Chromium (the dashboard's browser test).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
  shift
  missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if (( ${#missing[@]} )); then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
  fi
  python3 -m pip install --quiet --disable-pip-version-check -e '.[all]'
  line="$(bash scripts/start_services.sh | grep '^FNGUARD_TEST_POSTGRES_URL=' || true)"
  if [[ -n "$line" ]]; then
    export "${line?}"
  fi
  export FNGUARD_ARTIFACTS="${FNGUARD_ARTIFACTS:-$PWD/.ci/artifacts}"  # the browser test's screenshots
fi
python3 -m pytest tests -q "$@" 2>&1 | tail -n 200
exit "${PIPESTATUS[0]}"
