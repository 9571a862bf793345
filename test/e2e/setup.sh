#!/usr/bin/env bash
# Installs what the end-to-end tests need, offline-friendly (npm registry + Debian mirrors only):
#   - Debian packages: chromium libkrb5-dev pkg-config ripgrep (only those missing);
#   - code-server@4.100.3 (VS Code 1.100) into .e2e-cache/code-server at the repo root,
#     following docs/OFFLINE.md (no GitHub downloads: ripgrep comes from Debian).
# Idempotent: a stamp file marks a complete install, and a second run does nothing.
# Usage: bash test/e2e/setup.sh      (env: E2E_CACHE_DIR to relocate the cache, E2E_FORCE=1 to reinstall)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${E2E_CACHE_DIR:-$REPO_ROOT/.e2e-cache}"
DIR="$CACHE_DIR/code-server"
STAMP="$DIR/.installed-$CODE_SERVER_VERSION"
APT_PACKAGES=(chromium libkrb5-dev pkg-config ripgrep)

export npm_config_yes=true
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
# node-gyp would download Node's headers from nodejs.org; use the local ones when they exist.
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

T0=$(date +%s)
step_start=0
step() { step_start=$(date +%s); echo "[e2e-setup] $*"; }
done_step() { echo "[e2e-setup]   done in $(( $(date +%s) - step_start ))s"; }
trap 'echo "[e2e-setup] FAILED (exit $?) at line $LINENO after $(( $(date +%s) - T0 ))s" >&2' ERR

# --- 1. Debian packages ------------------------------------------------------------------
step "checking Debian packages: ${APT_PACKAGES[*]}"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[e2e-setup]   installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[e2e-setup] need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
for bin in /usr/bin/chromium /usr/bin/rg; do
  [ -x "$bin" ] || { echo "[e2e-setup] $bin is missing after apt install" >&2; exit 1; }
done
done_step

# --- 2. code-server ----------------------------------------------------------------------
# The stamp holds this script's hash: a changed recipe reinstalls.
RECIPE_HASH="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$RECIPE_HASH" ] && [ "${E2E_FORCE:-0}" != "1" ] \
   && [ -x "$DIR/node_modules/.bin/code-server" ]; then
  echo "[e2e-setup] code-server $CODE_SERVER_VERSION already installed in $DIR (stamp found); nothing to do"
  exit 0
fi

step "removing any partial install in $DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
done_step

step "npm install --ignore-scripts code-server@$CODE_SERVER_VERSION"
# A package.json of its own, so npm never walks up to the repo's package.json.
echo '{ "name": "lacuna-e2e-code-server", "private": true }' > "$DIR/package.json"
npm install --ignore-scripts --no-save --prefix "$DIR" "code-server@$CODE_SERVER_VERSION"
done_step

VSCODE="$DIR/node_modules/code-server/lib/vscode"
[ -d "$VSCODE" ] || { echo "[e2e-setup] $VSCODE not found" >&2; exit 1; }

step "lib/vscode: npm install --omit=dev --ignore-scripts"
(cd "$VSCODE" && npm install --omit=dev --ignore-scripts)
done_step

step "lib/vscode: ripgrep from Debian"
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
cp /usr/bin/rg "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"
done_step

step "lib/vscode: npm rebuild of native modules"
(cd "$VSCODE" && npm rebuild kerberos node-pty native-watchdog @vscode/spdlog @parcel/watcher @vscode/deviceid)
done_step

step "lib/vscode: node_modules.asar link"
(cd "$VSCODE" && { [ -e node_modules.asar ] || ln -s node_modules node_modules.asar; })
done_step

step "lib/vscode/extensions: npm install --omit=dev --ignore-scripts"
(cd "$VSCODE/extensions" && npm install --omit=dev --ignore-scripts)
done_step

step "npm rebuild argon2"
(cd "$DIR" && npm rebuild argon2)
done_step

step "sanity check: code-server --version"
# XDG_CONFIG_HOME: keep code-server from writing ~/.config/code-server/config.yaml.
XDG_CONFIG_HOME="$DIR/.config" "$DIR/node_modules/.bin/code-server" --version
done_step

echo "$RECIPE_HASH" > "$STAMP"
echo "[e2e-setup] code-server $CODE_SERVER_VERSION installed in $DIR in $(( $(date +%s) - T0 ))s"
