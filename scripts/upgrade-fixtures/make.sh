#!/usr/bin/env bash
# Builds the upgrade fixtures (test/fixtures/upgrade/) with release 0.1.0 = commit 196e13c:
# checks that commit out into a temporary git worktree, installs it (npm ci, about a minute),
# and runs in-0.1.0/build.test.ts there with ITS vitest, so every row is written by 0.1.0's
# CLI against a real Dovecot and Radicale and 0.1.0's Google and Microsoft emulators, on
# SQLite and on PostgreSQL (TOUCHPOINT_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres).
# Re-runnable; the fixtures are committed, so tests never run this.
set -euo pipefail
cd "$(dirname "$0")/../.."
RELEASE=196e13c
WT=${UPGRADE_WORKTREE:-/tmp/touchpoint-0.1.0}
OUT="$PWD/test/fixtures/upgrade"

if [ ! -d "$WT/.git" ] && [ ! -f "$WT/.git" ]; then
  git worktree add --detach "$WT" "$RELEASE"
fi
[ "$(git -C "$WT" rev-parse --short=7 HEAD)" = "$RELEASE" ] || { echo "make.sh: $WT is not at $RELEASE" >&2; exit 1; }
[ -d "$WT/node_modules" ] || (cd "$WT" && npm ci --no-audit --no-fund)

cp scripts/upgrade-fixtures/in-0.1.0/build.test.ts "$WT/test/upgrade-fixtures-build.test.ts"
rm -rf "$OUT" && mkdir -p "$OUT"
(cd "$WT" && UPGRADE_FIXTURES_OUT="$OUT" UPGRADE_FIXTURES_PG_ADMIN="${TOUCHPOINT_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}" \
  npx vitest run test/upgrade-fixtures-build.test.ts --no-file-parallelism)
rm -f "$WT/test/upgrade-fixtures-build.test.ts"
echo "upgrade fixtures written to $OUT (made by 0.1.0 = $RELEASE; remove the worktree with: git worktree remove --force $WT)"
