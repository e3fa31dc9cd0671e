#!/usr/bin/env bash
# Makes Mailpit (the local mail catcher `npm start` runs) available in the git-ignored tools/bin.
#
# Order of preference:
#   1. $MAILPIT, if set and executable;
#   2. `mailpit` already on PATH;
#   3. a pinned copy in tools/bin/mailpit, built from the Go module proxy with `go install`.
#
# Idempotent: with the pinned version already present it does nothing. Exits non-zero (and says
# how to go on without it) when Go is missing.
set -euo pipefail

MAILPIT_VERSION="v1.33.1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="${REPO_ROOT}/tools/bin"
TARGET="${TOOLS_BIN}/mailpit"
STAMP="${TOOLS_BIN}/.mailpit-version"

say() { printf 'install-mailpit: %s\n' "$*"; }

if [[ -n "${MAILPIT:-}" ]]; then
  if [[ -x "${MAILPIT}" ]]; then say "using MAILPIT=${MAILPIT}"; exit 0; fi
  say "MAILPIT=${MAILPIT} is not an executable file; ignoring it"
fi

if command -v mailpit >/dev/null 2>&1; then
  say "using mailpit on PATH: $(command -v mailpit)"
  exit 0
fi

# `go install` builds without embedding a release version, so a stamp file records which one we built.
if [[ -x "${TARGET}" && "$(cat "${STAMP}" 2>/dev/null)" == "${MAILPIT_VERSION}" ]]; then
  say "already installed: ${TARGET} (${MAILPIT_VERSION})"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "Go is required to build Mailpit ${MAILPIT_VERSION} (apt-get install golang-go, or https://go.dev/dl)," >&2
  say "or set SMTP_URL to a mail server of your own and run npm start again." >&2
  exit 1
fi

say "building github.com/axllent/mailpit@${MAILPIT_VERSION} from the Go module proxy (a minute or two, once)"
mkdir -p "${TOOLS_BIN}"
GOBIN="${TOOLS_BIN}" go install "github.com/axllent/mailpit@${MAILPIT_VERSION}"
echo "${MAILPIT_VERSION}" > "${STAMP}"
say "installed ${TARGET}"
