#!/usr/bin/env bash
# The demo workspace, built from examples/demo on a fresh SQLite file: two teammates, three
# accounts, end users from a CRM export (with two bad rows), a blocklisted partner domain, and
# two folder mailboxes (one with a calendar) synced once. Used by `npm run demo` (scripts/demo.sh),
# which then prints timelines and explanations, and by `npm start` (scripts/start.ts), which
# serves the web app on it.
# Usage: scripts/demo-workspace.sh <db-file>   (DEMO_DIR=<copy of examples/demo> to read mail from a copy)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?usage: scripts/demo-workspace.sh <db-file>}
DIR=${DEMO_DIR:-examples/demo}
NOW=${DEMO_NOW:-2026-03-20T12:00:00Z}   # the demo's clock: fixed, so its output is the same on every run
mkdir -p "$(dirname "$DB")"
rm -f "$DB" "$DB-wal" "$DB-shm"
tp() { bin/touchpoint --db "$DB" --now "$NOW" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Workspace, teammates, accounts"
tp init --workspace demo --internal-domain ourco.com
tp teammate add --email alice@ourco.com --alias alice.chen@ourco.com --name "Alice Chen"
tp teammate add --email dan@ourco.com --name "Dan Ruiz"
tp account add --id acme --name "Acme Corp"
tp account add --id globex --name "Globex"
tp account add --id initech --name "Initech"

step "End users from the CRM (bad rows are reported, good rows imported)"
tp users import "$DIR/users.csv" --source crm:salesforce
tp blocklist add partnerco.com

step "Connect mailboxes and calendars (authorized 2026-03-01) and sync"
tp connect folder --teammate alice@ourco.com --mail "$DIR/mail/alice" --calendar "$DIR/calendar/alice" --authorized-at 2026-03-01T00:00:00Z
tp connect folder --teammate dan@ourco.com --mail "$DIR/mail/dan" --authorized-at 2026-03-01T00:00:00Z
tp sync
