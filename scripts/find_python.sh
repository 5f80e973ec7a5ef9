#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or a one-line hint and exit 1.
# Looks at $PYTHON, then python3.13/python3.12/python3 on PATH, then pyenv's versions folder.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.14 python3.13 python3.12 python3; do
    path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for dir in $(ls -d "$pyenv_root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python3")
done
for c in "${candidates[@]}"; do
    if ok "$c"; then echo "$c"; exit 0; fi
done
echo "ShopWave needs Python >= 3.12: install it (e.g. 'apt-get install python3.12' or 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2
exit 1
