#!/usr/bin/env bash
# System libraries the report needs: pango for WeasyPrint (the PDF); chromium and poppler-utils only for
# the report's browser-screenshot and PDF-page tests (they skip, saying why, where these are absent).
# Installs with apt-get when run as root; otherwise says what is missing and carries on.
set -euo pipefail
needed=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || needed+=(libpango-1.0-0 libpangoft2-1.0-0)
[ "${REPORT_TEST_TOOLS:-0}" = 1 ] && { command -v chromium >/dev/null || needed+=(chromium); }
[ "${REPORT_TEST_TOOLS:-0}" = 1 ] && { command -v pdftoppm >/dev/null || needed+=(poppler-utils); }
[ ${#needed[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing ${needed[*]} ..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
  exit 0
fi
echo "missing system packages for the report: ${needed[*]} (install them with apt-get as root;" >&2
echo "without pango, 'make report' writes the HTML but not the PDF)." >&2
