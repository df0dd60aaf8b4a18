#!/usr/bin/env bash
# Regenerates the app icons from icons/simcred.svg. The generated files are committed (the Tauri
# build needs them), so run this only after changing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin) and icotool (Debian: icoutils); `file` to check.
set -euo pipefail
cd "$(dirname "$0")"

for tool in rsvg-convert icotool; do
  command -v "$tool" >/dev/null || {
    echo "generate.sh: $tool not found (apt-get install -y librsvg2-bin icoutils)" >&2
    exit 1
  }
done

png() { # png SIZE OUTPUT
  rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio --format png simcred.svg -o "$2"
}

png 32 32x32.png
png 128 128x128.png
png 256 128x128@2x.png
png 512 icon.png

# Windows icon with the usual sizes; the 256 px entry is stored as PNG (-r).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for s in 16 24 32 48 64; do png "$s" "$tmp/$s.png"; done
icotool -c -o icon.ico "$tmp"/16.png "$tmp"/24.png "$tmp"/32.png "$tmp"/48.png "$tmp"/64.png \
  -r 128x128@2x.png

# Tauri refuses icons without an alpha channel.
for f in 32x32.png 128x128.png 128x128@2x.png icon.png; do
  file "$f" | grep -q 'RGBA' || { echo "generate.sh: $f is not RGBA" >&2; exit 1; }
done
file 32x32.png 128x128.png 128x128@2x.png icon.png icon.ico
