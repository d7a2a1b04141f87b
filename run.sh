#!/usr/bin/env bash
# The main job: install into .venv, index seeds/ when the index holds nothing, then run `essays ARGS`
# (default: serve the search page on http://127.0.0.1:5000/).
#   ./run.sh                               serve
#   ./run.sh search '"river of blood"'     search from the terminal
#   ./run.sh --help                        any essays command or option
# The index is $ESSAYS_INDEX, else index/; an --index given in ARGS is the command's own choice.
set -euo pipefail
cd "$(dirname "$0")"
installed_since() { [ -e "$1" ] && ! [ pyproject.toml -nt "$1" ]; }
# test.sh's install (.installed-test) includes everything this one installs.
if [ ! -x .venv/bin/essays ] || ! { installed_since .venv/.installed || installed_since .venv/.installed-test; }; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e .
  touch .venv/.installed
fi
export ESSAYS_INDEX="${ESSAYS_INDEX:-index}"
# --if-empty: the process that would write the seeds checks first that the index holds no documents (no pipe
# whose exit status could be misread), so a user's own index is never seeded. Its summary goes to stderr.
if ! .venv/bin/essays index seeds --if-empty >&2; then
  echo "run.sh: seeds/ could not be indexed (see above); running the command anyway" >&2
fi
if [ $# -eq 0 ]; then set -- serve; fi
exec .venv/bin/essays "$@"
