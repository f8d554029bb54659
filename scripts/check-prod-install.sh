#!/usr/bin/env bash
# Proves package.json's rule: `dependencies` is everything the asg-patcher CLI (and the Lambdas) load
# at run time. A copy of the tracked files gets `npm ci --omit=dev` (no devDependencies at all), then
# runs the demo with the CLI as a user would: `npx asg-patcher run --scenario ...`. Part of
# `npm run test:all`; about 30 s (npm's cache makes the install quick after the first).
set -euo pipefail
cd "$(dirname "$0")/.."

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy" 2>/dev/null ||
  git ls-files -z | xargs -0 cp --parents -t "$copy"
cd "$copy"

npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null
# (esbuild stays: tsx, which the CLI runs on, depends on it.)
for dev in vitest typescript @biomejs/biome osls serverless-esbuild asl-validator; do
  if [ -e "node_modules/$dev" ]; then
    echo "check-prod-install: devDependency $dev was installed by npm ci --omit=dev" >&2
    exit 1
  fi
done

if ! output=$(npx --no-install asg-patcher run --scenario examples/demo-scenario.json --check-expected 2>&1); then
  echo "$output" >&2
  echo "check-prod-install: the CLI failed with only the runtime dependencies installed (npm ci --omit=dev)" >&2
  exit 1
fi
grep -q 'As the scenario expects' <<<"$output"
echo "check-prod-install: npm ci --omit=dev, then npx asg-patcher run --scenario examples/demo-scenario.json: as expected"
