#!/usr/bin/env bash
# System packages the test suite needs from Debian: chromium at /usr/bin/chromium for the
# browser tests (driven through Playwright; the test tools never download a browser) and Pango
# for WeasyPrint's PDF progress reports. Installs what is missing; does nothing, and exits 0,
# when everything is there. Safe to run any number of times.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
if ! /sbin/ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
# WeasyPrint subsets the fonts it embeds in PDFs with HarfBuzz-Subset
if ! /sbin/ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0"; then
  missing+=(libharfbuzz-subset0)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "missing Debian packages and installing them needs root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  SUDO="sudo"
fi

echo "installing Debian packages for the tests: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
