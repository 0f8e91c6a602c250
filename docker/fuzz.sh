#!/usr/bin/env bash
# `npm run fuzz`: open-ended fuzzing, outside CI. Runs test/security/fuzz.e2e-spec.ts with fresh
# random seeds and the full request budgets (CI replays a fixed list of seeds instead). Each seed is
# printed; a seed that finds a bug belongs in the spec's BUG_SEEDS, so that every CI run replays it.
#
#   npm run fuzz                      one fresh seed
#   FUZZ_ROUNDS=5 npm run fuzz        five fresh seeds, one after another
#   FUZZ_SEED=777769557 npm run fuzz  replays one seed with the full budgets
set -euo pipefail
cd "$(dirname "$0")/.."
. docker/ensure-deps.sh
bash docker/services.sh install test
echo "[fuzz] node $(node --version); building" >&2
npm run --silent build
export NODE_OPTIONS=--experimental-vm-modules TZ=Asia/Ho_Chi_Minh
if [ -z "${FUZZ_SEED:-}" ]; then export FUZZ_RANDOM=${FUZZ_ROUNDS:-1}; fi
jest --selectProjects e2e test/security/fuzz.e2e-spec.ts "$@"
