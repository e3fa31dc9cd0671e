#!/usr/bin/env bash
# Makes the servers mltrl integrates with available in the git-ignored tools/ folder, for the
# integration tests (test/integrations/) and for `npm start` (MLTRL_LOCAL_MLFLOW, MLTRL_LOCAL_ALERTMANAGER):
#
#   1. MLflow (tracking server and Model Registry), pinned, in a Python virtual environment
#      tools/mlflow/ (`pip install mlflow==…` from PyPI). The server needs the full `mlflow`
#      package: `mlflow-skinny` has no `mlflow server`. Needs Python 3.10 or newer.
#   2. Prometheus Alertmanager, pinned, built from the Go module proxy with `go install` into
#      tools/bin/alertmanager (CGO off: a static binary, no C compiler needed).
#
# Order of preference for each: $MLFLOW (an `mlflow` executable) / $ALERTMANAGER if set and
# executable, else the pinned copy in tools/. Nothing on PATH is taken: the tests rely on the
# pinned versions' APIs (MLflow's webhooks, Alertmanager's v2 API).
#
# Usage: install-integrations.sh [mlflow|alertmanager] (nothing: both).
#
# Idempotent: with both pinned versions in place it only reads two stamp files and exits.
# A cold run takes a few minutes (see the README: MLflow's wheels, Alertmanager's Go build).
set -euo pipefail

MLFLOW_VERSION="3.17.2"
ALERTMANAGER_VERSION="v0.31.1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLFLOW_DIR="${REPO_ROOT}/tools/mlflow"
MLFLOW_STAMP="${MLFLOW_DIR}/VERSION"
TOOLS_BIN="${REPO_ROOT}/tools/bin"
ALERTMANAGER_TARGET="${TOOLS_BIN}/alertmanager"
ALERTMANAGER_STAMP="${TOOLS_BIN}/.alertmanager-version"

say() { printf 'install-integrations: %s\n' "$*"; }
fail() { printf 'install-integrations: %s\n' "$*" >&2; exit 1; }

# --- 1. MLflow ------------------------------------------------------------------------------------
install_mlflow() {
  if [[ -n "${MLFLOW:-}" ]]; then
    if [[ -x "${MLFLOW}" ]]; then say "using MLFLOW=${MLFLOW}"; return 0; fi
    say "MLFLOW=${MLFLOW} is not an executable file; ignoring it"
  fi
  if [[ -x "${MLFLOW_DIR}/bin/mlflow" && "$(cat "${MLFLOW_STAMP}" 2>/dev/null)" == "${MLFLOW_VERSION}" ]]; then
    say "MLflow ${MLFLOW_VERSION} already installed in ${MLFLOW_DIR}"
    return 0
  fi

  command -v python3 >/dev/null 2>&1 || fail "python3 (3.10 or newer) is required for MLflow ${MLFLOW_VERSION}; install it or set MLFLOW"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || fail "MLflow ${MLFLOW_VERSION} needs Python 3.10 or newer; found $(python3 --version 2>&1)"
  python3 -c 'import venv, ensurepip' 2>/dev/null \
    || fail "python3 cannot create virtual environments (Debian: apt-get install python3-venv)"

  say "installing mlflow==${MLFLOW_VERSION} into ${MLFLOW_DIR} from PyPI (a few minutes, once)"
  local started=${SECONDS}
  # A fresh environment each time: a half-finished earlier install leaves nothing behind to trust.
  rm -rf "${MLFLOW_DIR}"
  python3 -m venv "${MLFLOW_DIR}"
  "${MLFLOW_DIR}/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    "mlflow==${MLFLOW_VERSION}"
  local version
  version="$("${MLFLOW_DIR}/bin/mlflow" --version)"
  [[ "${version}" == *" ${MLFLOW_VERSION}" ]] || fail "unexpected version from ${MLFLOW_DIR}/bin/mlflow: ${version}"
  printf '%s\n' "${MLFLOW_VERSION}" > "${MLFLOW_STAMP}"
  say "installed ${MLFLOW_DIR}/bin/mlflow (${version}) in $((SECONDS - started)) s, $(du -sh "${MLFLOW_DIR}" | cut -f1)"
}

# --- 2. Alertmanager ------------------------------------------------------------------------------
install_alertmanager() {
  if [[ -n "${ALERTMANAGER:-}" ]]; then
    if [[ -x "${ALERTMANAGER}" ]]; then say "using ALERTMANAGER=${ALERTMANAGER}"; return 0; fi
    say "ALERTMANAGER=${ALERTMANAGER} is not an executable file; ignoring it"
  fi
  # `go install` builds without embedding a release version, so a stamp file records which one we built.
  if [[ -x "${ALERTMANAGER_TARGET}" && "$(cat "${ALERTMANAGER_STAMP}" 2>/dev/null)" == "${ALERTMANAGER_VERSION}" ]]; then
    say "Alertmanager ${ALERTMANAGER_VERSION} already installed: ${ALERTMANAGER_TARGET}"
    return 0
  fi

  command -v go >/dev/null 2>&1 || fail "Go is required to build Alertmanager ${ALERTMANAGER_VERSION}; install it or set ALERTMANAGER"

  say "building github.com/prometheus/alertmanager/cmd/alertmanager@${ALERTMANAGER_VERSION} with $(go version | cut -d' ' -f3) (a few minutes, once)"
  local started=${SECONDS} tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: `tmp` is local to this function
  trap "rm -rf '${tmp}'" EXIT
  CGO_ENABLED=0 GOBIN="${tmp}/bin" go install "github.com/prometheus/alertmanager/cmd/alertmanager@${ALERTMANAGER_VERSION}"
  # The module version the binary was built from, as Go records it (`--version` shows none for `go install`).
  go version -m "${tmp}/bin/alertmanager" | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/prometheus/alertmanager[[:space:]]+${ALERTMANAGER_VERSION}[[:space:]]" \
    || fail "the built binary does not record github.com/prometheus/alertmanager ${ALERTMANAGER_VERSION}"
  mkdir -p "${TOOLS_BIN}"
  # Copy under a temporary name first (/tmp may be another file system), so an interrupted run never
  # leaves a half-written binary under the final name.
  cp "${tmp}/bin/alertmanager" "${ALERTMANAGER_TARGET}.partial"
  mv -f "${ALERTMANAGER_TARGET}.partial" "${ALERTMANAGER_TARGET}"
  printf '%s\n' "${ALERTMANAGER_VERSION}" > "${ALERTMANAGER_STAMP}"
  say "installed ${ALERTMANAGER_TARGET} in $((SECONDS - started)) s, $(du -sh "${ALERTMANAGER_TARGET}" | cut -f1)"
}

# `npm start` installs only what it was asked to run (MLTRL_LOCAL_MLFLOW, MLTRL_LOCAL_ALERTMANAGER).
case "${1:-all}" in
  mlflow) install_mlflow ;;
  alertmanager) install_alertmanager ;;
  all) install_mlflow; install_alertmanager ;;
  *) fail "unknown argument ${1}: give mlflow, alertmanager, or nothing for both" ;;
esac
