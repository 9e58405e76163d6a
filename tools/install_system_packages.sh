#!/usr/bin/env bash
# The system packages the course needs beyond Python: bubblewrap (the sandbox of graded runs),
# util-linux (prlimit) and Chromium (the headless browser of `make test-browser`).
# Debian/Ubuntu (apt-get); run as root or with sudo. Does nothing when they are already there.
set -euo pipefail

packages=(bubblewrap util-linux chromium)
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: ${packages[*]} already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages: please install ${missing[*]} with your package manager" >&2
    exit 1
fi
run=()
[ "$(id -u)" -eq 0 ] || run=(sudo)
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "system packages: installed ${missing[*]}"
