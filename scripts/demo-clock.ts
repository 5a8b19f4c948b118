// The demo's date, in one place: `npm start` (scripts/start.ts) serves the demo workspace at it
// and the browser tests (test/web/browser.ts) build and serve the same demo at it, so the docs
// screenshots show what a user of the demo sees. scripts/demo-workspace.sh gets it as DEMO_NOW
// from start.ts (its own default, for `npm run demo`, is the same instant).

/** The demo's clock: its mail and meetings are from the weeks before, so its cases read as recent. */
export const DEMO_NOW = '2026-03-20T12:00:00Z';
