#!/usr/bin/env bash
# The GPU benchmark from a fresh checkout, in under 8 minutes on a machine with a GPU:
# npm ci (when node_modules is missing), build, then `npm run bench -- gpu`, which writes its rows
# (WebGPU through Dawn against wasm on the same machine, the adapter named in each) into
# BENCHMARKS.md. Needs Node >= 20, a Vulkan loader (libvulkan.so.1) and the GPU's Vulkan driver.
# Extra arguments go to the section (--allow-emulation, --tiny, --budget SECONDS).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "src/scripts/gpu-bench.sh: Node 20 or later is needed on the PATH" >&2; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
# What is left of the 8 minutes (less a margin for writing BENCHMARKS.md) is the section's budget.
budget=$(( 465 - SECONDS ))
[ "$budget" -ge 120 ] || { echo "src/scripts/gpu-bench.sh: only ${budget} s of the 8 minutes left after npm ci and the build" >&2; exit 1; }
exec node dist/bench.js gpu --budget "$budget" "$@"
