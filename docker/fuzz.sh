#!/usr/bin/env bash
# `npm run fuzz`: open-ended fuzzing, outside CI. Runs test/security/fuzz.e2e-spec.ts (the API) and
# test/security/console-fuzz.e2e-spec.ts (the HTML pages) with fresh random seeds and the full
# request budgets (CI replays a fixed list of seeds instead). Each seed is
# printed; a seed that finds a bug belongs in the spec's BUG_SEEDS, so that every CI run replays it.
#
#   npm run fuzz                      one fresh seed
#   FUZZ_ROUNDS=5 npm run fuzz        five fresh seeds, one after another
#   FUZZ_SEED=777769557 npm run fuzz  replays one seed (or a comma-separated list) with the full budgets
set -euo pipefail
cd "$(dirname "$0")/.."
. docker/ensure-deps.sh
bash docker/services.sh install test
echo "[fuzz] node $(node --version); building" >&2
npm run --silent build
export NODE_OPTIONS=--experimental-vm-modules TZ=Asia/Ho_Chi_Minh
if [ -z "${FUZZ_SEED:-}" ]; then
  # Fresh seeds are drawn here, not in the spec, and printed before the run so any of them can be replayed.
  seeds=()
  for _ in $(seq "${FUZZ_ROUNDS:-1}"); do seeds+=($(( $(od -An -N4 -tu4 /dev/urandom) % 2147483648 ))); done
  FUZZ_SEED=$(IFS=,; echo "${seeds[*]}")
  echo "[fuzz] fresh seeds: FUZZ_SEED=$FUZZ_SEED" >&2
fi
export FUZZ_SEED
# The paths go before --selectProjects, which takes every word after it as a project name (with
# them after it, the whole e2e project ran).
jest test/security/fuzz.e2e-spec.ts test/security/console-fuzz.e2e-spec.ts --selectProjects e2e "$@"
