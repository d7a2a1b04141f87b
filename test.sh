#!/usr/bin/env bash
# The whole test suite on a fresh machine: install into .venv (with the test extra), make sure
# Debian's chromium is there for the browser tests, then run pytest. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/pytest ] || [ pyproject.toml -nt .venv/.installed-test ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[test]'
  touch .venv/.installed-test
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test.sh: Debian's chromium is missing and this is not root: install it with 'apt-get install chromium'" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
