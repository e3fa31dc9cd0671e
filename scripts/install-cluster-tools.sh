#!/usr/bin/env bash
# Makes the production topology's moving parts available without Docker, for the PostgreSQL-backed
# test (test/cluster/postgres.test.ts, src/local/cluster.ts):
#
#   1. PostgreSQL, from the system's packages (Debian: `apt-get install postgresql`, i.e. 15 on bookworm)
#      when no `initdb` is found;
#   2. the full Temporal server and its SQL schema tool, built from Go modules at a pinned tag
#      (`go install go.temporal.io/server/cmd/server@v…` and `…/cmd/tools/sql@v…`), into the git-ignored
#      tools/temporal-server/ as `temporal-server` and `temporal-sql-tool`. The schema tool embeds the
#      server's versioned schemas (`--schema-name postgresql/v12/temporal`), so running the cluster
#      needs no Go toolchain and no module cache.
#
# Idempotent: with everything in place at the pinned version it only checks files and exits (well
# under a second). A cold build of the server takes several minutes on two cores.
set -euo pipefail

TEMPORAL_SERVER_VERSION="1.31.2"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${REPO_ROOT}/tools/temporal-server"
STAMP="${TARGET_DIR}/VERSION"

say() { printf 'install-cluster-tools: %s\n' "$*"; }
fail() { printf 'install-cluster-tools: %s\n' "$*" >&2; exit 1; }

find_initdb() {
  local dir
  # Debian and Ubuntu keep the server binaries out of PATH, one folder per major version.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "${dir}/initdb" ]]; then printf '%s\n' "${dir}/initdb"; return 0; fi
  done
  command -v initdb 2>/dev/null || return 1
}

# --- 1. PostgreSQL -------------------------------------------------------------------------------
if initdb="$(find_initdb)"; then
  say "PostgreSQL present: $("${initdb}" --version)"
else
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "PostgreSQL (initdb) not found and apt-get is not available: install PostgreSQL 12 or newer and re-run"
  fi
  as_root=()
  if [[ "$(id -u)" != "0" ]]; then
    command -v sudo >/dev/null 2>&1 || fail "PostgreSQL is missing and installing it needs root: run this script as root, or install postgresql"
    as_root=(sudo)
  fi
  say "installing PostgreSQL with apt-get (postgresql)"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  initdb="$(find_initdb)" || fail "apt-get installed postgresql but no initdb was found"
  say "installed: $("${initdb}" --version)"
fi

# --- 2. The Temporal server and its schema tool ---------------------------------------------------
if [[ -f "${STAMP}" && "$(cat "${STAMP}")" == "${TEMPORAL_SERVER_VERSION}" \
      && -x "${TARGET_DIR}/temporal-server" && -x "${TARGET_DIR}/temporal-sql-tool" ]]; then
  say "Temporal server ${TEMPORAL_SERVER_VERSION} already installed in ${TARGET_DIR}"
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "Go is required to build the Temporal server (go.temporal.io/server needs Go 1.26.4 or newer); install it and re-run"

say "building Temporal server ${TEMPORAL_SERVER_VERSION} with $(go version | cut -d' ' -f3) (a cold build takes several minutes)"
rm -f "${STAMP}"
mkdir -p "${TARGET_DIR}"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

started=${SECONDS}
# CGO off, as the upstream release binaries are built: a static binary, and no C compiler needed.
export CGO_ENABLED=0
GOBIN="${tmp}/bin" go install "go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}"
say "built the server in $((SECONDS - started)) s"
GOBIN="${tmp}/bin" go install "go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}"
say "built the schema tool; $((SECONDS - started)) s in all"

# Copy under temporary names first (/tmp may be another file system), so an interrupted run never
# leaves a half-written binary under the final name.
for pair in server:temporal-server sql:temporal-sql-tool; do
  cp "${tmp}/bin/${pair%%:*}" "${TARGET_DIR}/${pair#*:}.partial"
  mv -f "${TARGET_DIR}/${pair#*:}.partial" "${TARGET_DIR}/${pair#*:}"
done

version="$("${TARGET_DIR}/temporal-server" --version)"
[[ "${version}" == *" ${TEMPORAL_SERVER_VERSION}" ]] || fail "unexpected version from temporal-server: ${version}"
printf '%s\n' "${TEMPORAL_SERVER_VERSION}" > "${STAMP}"
say "installed ${TARGET_DIR}/temporal-server (${version}) and temporal-sql-tool"
