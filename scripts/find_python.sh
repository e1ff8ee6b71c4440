#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (e.g. 3.10), from PATH or pyenv.
# Fails with a message naming what to install when none is found.
set -euo pipefail
want="$1"
for cand in "python$want" "$(command -v pyenv >/dev/null 2>&1 && echo "$(pyenv root)/versions/$want"*/bin/python"$want")"; do
  for path in $cand; do
    if path=$(command -v "$path" 2>/dev/null) && "$path" -c "import sys; assert sys.version.startswith('$want')" 2>/dev/null; then
      echo "$path"; exit 0
    fi
  done
done
echo "error: Python $want is needed but was not found. Install it (e.g. 'pyenv install $want' or 'apt-get install python$want python$want-venv') and run make again." >&2
exit 1
