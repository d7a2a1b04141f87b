#!/usr/bin/env bash
# The main job: install into .venv, index seeds/ when the index is empty, then run `essays ARGS`
# (default: serve the search page on http://127.0.0.1:5000/).
#   ./run.sh                               serve
#   ./run.sh search '"river of blood"'     search from the terminal
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/essays ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e .
  touch .venv/.installed
fi
index_dir="${ESSAYS_INDEX:-index}"
if ! .venv/bin/essays stats --index "$index_dir" 2>/dev/null | grep -q '^articles: [1-9]'; then
  .venv/bin/essays index seeds --index "$index_dir"
fi
if [ $# -eq 0 ]; then set -- serve; fi
exec .venv/bin/essays "$@" --index "$index_dir"
