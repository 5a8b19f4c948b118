// Each check's plain-words detail, written only when someone will read it. The rules decide
// first (codes, statuses, accounts) with the details left empty, then write them from the same
// facts when this call wants them: explain always, the sync's hot path for linked items only
// (not-linked items are stored with codes only). An earlier version registered one closure per
// check for this; building them cost more than the hot path's whole check list.
import type { Check, CheckStatus, Outcome, RuleId } from '../domain/decision.js';

/**
 * true: every detail (explain, API, troubleshooter); false: codes only; 'linked': the
 * details only when the outcome is linked (the sync stores details for linked items only).
 */
export type DetailMode = boolean | 'linked';

export function wantsDetails(mode: DetailMode, outcome: Outcome): boolean {
  return mode === true || (mode === 'linked' && outcome === 'linked');
}

/** A check whose detail is written later (or never, when nobody reads it). */
export function check(rule: RuleId, status: CheckStatus, code: string, detail = ''): Check {
  return { rule, status, code, detail };
}
