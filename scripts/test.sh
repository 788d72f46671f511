#!/usr/bin/env bash
# Run the whole test suite. With --install, first install fnguard and the services its tests use
# (what .ci/run does on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
  shift
  # Services the tests use: a real redis-server for shared rate limits.
  if ! command -v redis-server >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
  fi
  python3 -m pip install --quiet --disable-pip-version-check -e '.[all]'
fi
python3 -m pytest tests -q "$@" 2>&1 | tail -n 200
exit "${PIPESTATUS[0]}"
