#!/bin/sh
# Print the first Python >= 3.12 that actually runs. pyenv installs a `python3.12` shim that
# fails unless the version is selected, so each candidate is tried, not just looked up.
for candidate in "python3.12" "python3.13" "python3"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        command -v "$candidate"; exit 0
    fi
done
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    # Prefer 3.12 (the version marketsim is tested on), then newer ones.
    for v in $(ls "$root/versions" 2>/dev/null | grep '^3\.12' | sort -rV) $(ls "$root/versions" 2>/dev/null | sort -V); do
        for bin in "$root/versions/$v/bin/python3"; do
            if [ -x "$bin" ] && "$bin" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
                echo "$bin"; exit 0
            fi
        done
    done
fi
echo "marketsim needs Python >= 3.12; none found (tried python3.12, python3.13, python3, pyenv versions)" >&2
exit 1
