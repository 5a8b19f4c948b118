#!/usr/bin/env bash
# The demo: builds a sample workspace from examples/demo (folder mailboxes and calendars,
# a CRM export), syncs it on the embedded SQLite store, and prints the account timelines
# and one explanation of each kind. Re-runnable: it starts from a fresh database each time.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DEMO_DB:-data/demo.db}
NOW=2026-03-20T12:00:00Z   # the demo's clock: fixed, so its output is the same on every run
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
tp users import examples/demo/users.csv --source crm:salesforce
tp blocklist add partnerco.com

step "Connect mailboxes and calendars (authorized 2026-03-01) and sync"
tp connect folder --teammate alice@ourco.com --mail examples/demo/mail/alice --calendar examples/demo/calendar/alice --authorized-at 2026-03-01T00:00:00Z
tp connect folder --teammate dan@ourco.com --mail examples/demo/mail/dan --authorized-at 2026-03-01T00:00:00Z
tp sync

step "Timelines"
tp timeline acme
tp timeline globex

step "Why is this email here?"
tp explain email '<renewal-1@mail.acme.com>'
step "Why didn't this email sync? (historic)"
tp explain email historic-4@mail.acme.com
step "Why didn't this email sync? (near miss: a +tag)"
tp explain email plus-6@mail.acme.com
step "Why didn't this meeting sync? (the customer organized it)"
tp explain meeting acme-internal-sync@acme.com
step "Why is this meeting here? (one occurrence of a recurring series)"
tp explain meeting globex-weekly@ourco.com

step "Deleting a CRM-sourced end user re-decides the past, and warns"
tp user delete --account globex --email jane@acme.com

step "Connection health"
tp status
