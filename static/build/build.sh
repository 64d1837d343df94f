#!/bin/sh
# Rebuilds the committed front-end assets. Needs Node.js and npm; the Rust build does not.
#   cd static/build && npm ci && sh build.sh
set -eu
cd "$(dirname "$0")"
out=..
mkdir -p "$out/css" "$out/js"
npx sass --pkg-importer=node --style=compressed --no-source-map app.scss "$out/css/app.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/js/govuk-frontend.min.js"
if grep -q "@font-face" "$out/css/app.css"; then
  echo "app.css still embeds a font face: GDS Transport must not be shipped" >&2
  exit 1
fi
echo "built $out/css/app.css ($(wc -c < "$out/css/app.css") bytes) and $out/js/govuk-frontend.min.js"
