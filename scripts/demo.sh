#!/usr/bin/env bash
# `npm run demo`, the text walkthrough: builds the demo workspace (scripts/demo-workspace.sh)
# on the embedded SQLite store, and prints the account timelines and one explanation of each
# kind. Re-runnable: it starts from a fresh database each time. `npm start` serves the same
# workspace in the web app instead.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DEMO_DB:-data/demo.db}
NOW=2026-03-20T12:00:00Z   # the demo's clock: fixed, so its output is the same on every run
DEMO_NOW=$NOW bash scripts/demo-workspace.sh "$DB"
tp() { bin/touchpoint --db "$DB" --now "$NOW" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

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
