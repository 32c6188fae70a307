#!/usr/bin/env bash
# Times the toolchain from a fresh clone of the current commit, the way a newcomer meets it:
# install (npm run setup), a clean compile, the local stack deployment and the test suite.
# Usage: bash scripts/bench-toolchain.sh [clone-dir]
# Prints a markdown table and writes it into the "toolchain" section of BENCHMARKS.md.
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
deploy_line=$(grep "local stack deployment" "$dir/.bench.log" || true)
tests=$(t npm test)
summary=$(sed -e 's/\x1b\[[0-9;]*m//g' "$dir/.bench.log" | grep -E "^[0-9]+ passing \(" || true)
table="| step | command | wall time (s) |
| --- | --- | ---: |
| install (fresh clone, warm npm cache) | \`npm run setup\` | $install |
| clean compile | \`npx hardhat build\` | $compile |
| local stack deployment, 5 fresh in-process networks incl. Hardhat start-up and compile check | \`npx hardhat run scripts/bench-deploy.ts\` | $deploy |
| full test suite (lint + type check + Solidity + mocha) | \`npm test\` | $tests |

Per deployment: $deploy_line. Test suite: $summary."
echo "$table"
cd "$src" && node_modules/.bin/node -e '
  const [file, body] = process.argv.slice(1);
  import("./scripts/lib/benchmarks-md.ts").then(m => m.writeBenchSection(file, "toolchain",
    "Toolchain: install, compile, stack deployment, test suite (issue 3)",
    "Reproduce: `bash scripts/bench-toolchain.sh` (fresh clone of HEAD in a temporary folder)\n\n" + body));
' "$src/BENCHMARKS.md" "$table"
