#!/usr/bin/env bash
# Installs the Debian packages the stack and its tests need, only when something is missing.
# PostgreSQL server binaries (for the private cluster), fonts for the PDFs, poppler (pdftotext) and
# Chromium (page tests). As a non-root user it only says what is missing.
set -euo pipefail
need=()
have_pg=0
if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then have_pg=1; fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && have_pg=1
[ "$have_pg" = 1 ] || need+=(postgresql)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v chromium >/dev/null || need+=(chromium)
command -v runuser >/dev/null || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} (install them with apt-get, or run as root)" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
