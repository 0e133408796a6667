#!/usr/bin/env bash
# Debian packages that `make test` needs, installed only where missing, one package at a time.
#   espeak-ng  makes the speech of the test clips
#   chromium   runs the browser tests (Playwright drives Debian's build; it never downloads one)
#   npm        installs axe-core for the accessibility checks; only asked for when no npm is on
#              PATH, because Node 20 from NodeSource brings its own and Debian's npm conflicts with it
# `make demo` needs none of these.
set -u

need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
  echo "system-deps: missing ${need[*]}, and this user cannot run apt-get (not root, no sudo)." >&2
  echo "  Ask an administrator to run: apt-get install ${need[*]}" >&2
  exit 1
fi

echo "system-deps: installing ${need[*]} with apt-get"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1; then
  echo "system-deps: apt-get update failed:" >&2
  tail -n 5 "$log" >&2
  echo "  Check the package sources in /etc/apt/sources.list*, then run: make test" >&2
  exit 1
fi

failed=()
for pkg in "${need[@]}"; do
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$pkg" >"$log" 2>&1; then
    failed+=("$pkg")
    echo "system-deps: apt-get could not install $pkg:" >&2
    grep -E '^(E:|W:| )' "$log" | tail -n 8 >&2
    if [ "$pkg" = npm ] && command -v node >/dev/null 2>&1; then
      echo "  Node $(node --version) is installed without npm; install the npm that came with it" >&2
      echo "  (NodeSource's nodejs package includes npm), then run: make test" >&2
    else
      echo "  Try it by hand to see the whole reason: apt-get install $pkg" >&2
    fi
  fi
done
[ ${#failed[@]} -eq 0 ] || exit 1
