#!/usr/bin/env bash
# Makes Keycloak, pinned, available in the git-ignored tools/keycloak/, for the test that signs in to
# the web app through a real company-grade identity provider (test/web/keycloak.test.ts).
#
# The server distribution comes from Maven Central (org.keycloak:keycloak-quarkus-dist, tar.gz),
# fetched with Maven's dependency plugin and checked against a pinned SHA-256. Keycloak 26.7 runs on
# OpenJDK 17, 21 or 25; the Java it runs on is the one kc.sh picks: $JAVA_HOME/bin/java, else `java`
# on PATH (Debian's OpenJDK 17 on this project's machines).
#
# After unpacking, Keycloak is started once in development mode and stopped as soon as it listens:
# that first start builds ("augments") the server for dev mode into tools/keycloak/lib/quarkus/, which
# takes most of a minute and is then reused by every start, so a test's Keycloak starts in about
# 20 s. It is also the check that the install works on this machine's Java.
#
# Order of preference: $KEYCLOAK_HOME (an unpacked distribution with bin/kc.sh) if set, else the
# pinned copy in tools/keycloak/.
#
# Idempotent: with the pinned version in place it only reads a stamp file and exits.
# A cold run takes 40 to 75 s here (a 170 MB download, the unpacking, the first start).
set -euo pipefail

KEYCLOAK_VERSION="26.7.3"
KEYCLOAK_SHA256="77657f30b7e90d70f727712ce1c967f430fd6a5e9f458d32d8c6df0635345f47"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYCLOAK_DIR="${REPO_ROOT}/tools/keycloak"
STAMP="${KEYCLOAK_DIR}/.mltrl-installed-version"

say() { printf 'install-keycloak: %s\n' "$*"; }
fail() { printf 'install-keycloak: %s\n' "$*" >&2; exit 1; }

if [[ -n "${KEYCLOAK_HOME:-}" ]]; then
  if [[ -x "${KEYCLOAK_HOME}/bin/kc.sh" ]]; then say "using KEYCLOAK_HOME=${KEYCLOAK_HOME}"; exit 0; fi
  say "KEYCLOAK_HOME=${KEYCLOAK_HOME} has no executable bin/kc.sh; ignoring it"
fi
if [[ -x "${KEYCLOAK_DIR}/bin/kc.sh" && "$(cat "${STAMP}" 2>/dev/null)" == "${KEYCLOAK_VERSION}" ]]; then
  say "Keycloak ${KEYCLOAK_VERSION} already installed in ${KEYCLOAK_DIR}"
  exit 0
fi

# --- Java: what kc.sh will run, 17 or newer -------------------------------------------------------
java_cmd="java"
[[ -n "${JAVA_HOME:-}" ]] && java_cmd="${JAVA_HOME}/bin/java"
command -v "${java_cmd}" >/dev/null 2>&1 || fail "Java 17 or newer is required for Keycloak ${KEYCLOAK_VERSION} (${java_cmd} not found; Debian: apt-get install openjdk-17-jre-headless)"
java_version="$("${java_cmd}" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
[[ "${java_version}" =~ ^[0-9]+$ && "${java_version}" -ge 17 ]] \
  || fail "Keycloak ${KEYCLOAK_VERSION} needs Java 17 or newer; ${java_cmd} is Java ${java_version:-unknown}"
command -v mvn >/dev/null 2>&1 || fail "Maven (mvn) is required to fetch Keycloak from Maven Central (Debian: apt-get install maven), or set KEYCLOAK_HOME"
command -v node >/dev/null 2>&1 || fail "node is required (it picks a free port for the first start)"

started=${SECONDS}
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  # The first start runs in a process group of its own (setsid): stop all of it.
  if [[ -n "${server_pid}" ]]; then kill -TERM -- "-${server_pid}" 2>/dev/null || true; fi
  rm -rf "${tmp}"
}
trap cleanup EXIT

# --- 1. The distribution ---------------------------------------------------------------------------
say "fetching org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz from Maven Central (about 170 MB, once)"
# A local repository of its own, removed afterwards: the archive is unpacked once, not kept twice.
if ! mvn --batch-mode --strict-checksums "-Dmaven.repo.local=${tmp}/m2" "${DEPENDENCY_PLUGIN}:copy" \
  "-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz" "-DoutputDirectory=${tmp}/download" >"${tmp}/maven.log" 2>&1; then
  tail -n 30 "${tmp}/maven.log" >&2
  fail "Maven could not fetch org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz"
fi
archive="${tmp}/download/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz"
[[ -f "${archive}" ]] || fail "Maven did not leave ${archive}"
echo "${KEYCLOAK_SHA256}  ${archive}" | sha256sum --check --quiet - || fail "the downloaded archive's SHA-256 is not the pinned one"

# Unpack beside the final place (same file system), then swap: an interrupted run never leaves a
# half-unpacked tree under the final name.
mkdir -p "${REPO_ROOT}/tools"
partial="${KEYCLOAK_DIR}.partial"
rm -rf "${partial}"
mkdir -p "${partial}"
tar -xzf "${archive}" -C "${partial}" --strip-components=1
rm -f "${archive}"
[[ -x "${partial}/bin/kc.sh" ]] || fail "the archive has no bin/kc.sh"
rm -rf "${KEYCLOAK_DIR}"
mv "${partial}" "${KEYCLOAK_DIR}"

# --- 2. The first start (builds the server for dev mode) -------------------------------------------
# In a home of its own, laid out as test/support/keycloak.ts lays out each test's: kc.sh copied (it
# finds its home from its own path), the rest linked, data/ its own.
home="${tmp}/home"
mkdir -p "${home}/bin" "${home}/data"
cp "${KEYCLOAK_DIR}/bin/kc.sh" "${home}/bin/kc.sh"
for part in conf lib providers themes; do ln -s "${KEYCLOAK_DIR}/${part}" "${home}/${part}"; done
log="${tmp}/first-start.log"
: >"${log}"
say "starting Keycloak once in dev mode on Java ${java_version}, to build it (about a minute)"
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(18).toString("base64url"))')" \
  setsid "${home}/bin/kc.sh" start-dev --http-host 127.0.0.1 --http-port 0 >"${log}" 2>&1 </dev/null &
server_pid=$!
deadline=$((SECONDS + 300))
until grep -q 'Listening on: http://127.0.0.1:' "${log}"; do
  if ! kill -0 "${server_pid}" 2>/dev/null; then tail -n 30 "${log}" >&2; fail "Keycloak exited during its first start"; fi
  if ((SECONDS > deadline)); then tail -n 30 "${log}" >&2; fail "Keycloak did not listen within 300 s of its first start"; fi
  sleep 1
done
kill -TERM -- "-${server_pid}" 2>/dev/null || true
for _ in $(seq 1 30); do kill -0 -- "-${server_pid}" 2>/dev/null || break; sleep 1; done
kill -KILL -- "-${server_pid}" 2>/dev/null || true
server_pid=""

printf '%s\n' "${KEYCLOAK_VERSION}" > "${STAMP}"
say "installed Keycloak ${KEYCLOAK_VERSION} in ${KEYCLOAK_DIR} in $((SECONDS - started)) s, $(du -sh "${KEYCLOAK_DIR}" | cut -f1) (Java ${java_version})"
