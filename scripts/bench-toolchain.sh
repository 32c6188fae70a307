#!/usr/bin/env bash
# Times the toolchain from a fresh clone of the current commit, the way a newcomer meets it:
# install (npm run setup), a clean compile, the local stack deployment and the test suite.
# Usage: bash scripts/bench-toolchain.sh [clone-dir]   (prints a markdown table)
# The npm cache is whatever this machine has (warm after the first install); say so with the figure.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d /tmp/ballast-bench.XXXXXX)}
rm -rf "$dir"
git clone -q "$src" "$dir"
cd "$dir"
# The shared market data sits beside the checkout; keep the same relative layout.
[ -d "$src/../shared" ] && [ ! -e "$dir/../shared" ] && ln -s "$src/../shared" "$dir/../shared" || true

t() { local s e; s=$(date +%s.%N); "$@" >"$dir/.bench.log" 2>&1 || { tail -30 "$dir/.bench.log"; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | awk '{ printf "%.1f", $1 - $3 }'; }

install=$(t npm run setup)
compile=$(t npx hardhat build)
deploy=$(t npx hardhat run scripts/bench-deploy.ts)
tests=$(t npm test)
echo "| step | command | wall time (s) |"
echo "| --- | --- | ---: |"
echo "| install (fresh clone, warm npm cache) | \`npm run setup\` | $install |"
echo "| clean compile | \`npx hardhat build\` | $compile |"
echo "| local stack deployment (in-process network, incl. Hardhat start-up) | \`npx hardhat run scripts/bench-deploy.ts\` | $deploy |"
echo "| full test suite (lint + type check + Solidity + mocha) | \`npm test\` | $tests |"
