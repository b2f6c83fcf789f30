# Sourced by run.sh and test.sh: installs what the project needs on a fresh Debian machine.
# Python packages go into .venv; Debian packages are installed when missing and we are root,
# otherwise we name them and stop.
set -euo pipefail
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$PROJECT_ROOT"
VENV="$PROJECT_ROOT/.venv"
PYTHON="${PYTHON:-python3}"

# Debian packages: WeasyPrint's Pango, a CJK font, HarfBuzz subsetting (fast PDF fonts, DESIGN §5).
RUNTIME_DEBS=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk libharfbuzz-subset0)
# Tests also read PDFs back (poppler-utils), decode QR codes (zbar-tools) and drive Chromium.
TEST_DEBS=(poppler-utils zbar-tools chromium)

ensure_debs() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root:  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

ensure_venv() {
  # $1: the pyproject extra to install with the package ("" for the runtime only).
  local extras="$1" stamp="$VENV/.installed-${1:-runtime}" target="."
  [ -n "$extras" ] && target=".[$extras]"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment in .venv"
    "$PYTHON" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "==> installing Python packages ($target)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e "$target"
    touch "$stamp"
  fi
}

compile_translations() {
  "$VENV/bin/python" -m babel.messages.frontend compile -d bureau/translations 2>&1 | grep -v "^compiling" || true
}
