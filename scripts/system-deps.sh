#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages Chapterwise needs.
#   scripts/system-deps.sh run    Qt's libraries for the window
#   scripts/system-deps.sh test   the same, plus PostgreSQL, Tesseract, the desktop-entry validators, binutils
#                                 (PyInstaller) and the tools that build llama-server, for the tests
set -euo pipefail
what=${1:-run}
pkgs=(python3-venv libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
      libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
      libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1)
[ "$what" = test ] && pkgs+=(postgresql tesseract-ocr desktop-file-utils appstream binutils cmake g++ make)

command -v dpkg-query >/dev/null 2>&1 || { echo "Not a Debian-like system: install Qt 6's runtime libraries${what/test/ and PostgreSQL} yourself."; exit 0; }
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "These system packages are missing; install them with:"
  echo "  sudo apt-get install ${missing[*]}"
  # The database tests skip without PostgreSQL, and the window needs the Qt libraries: stop here.
  exit 1
fi
