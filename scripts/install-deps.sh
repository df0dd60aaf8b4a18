#!/usr/bin/env bash
# Installs the system packages SimCred needs to build and test on Debian 12
# (WebKitGTK for the Tauri app, a real Secret Service, Xvfb + WebDriver for GUI tests).
# Skips everything that is already installed. Safe to run again.
set -euo pipefail

PKGS=(build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libdbus-1-dev
  xvfb xauth dbus-x11 at-spi2-core webkit2gtk-driver gnome-keyring
  libsecret-tools keyutils xclip curl bc python3-venv desktop-file-utils tinyproxy)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "simcred: installing system packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
