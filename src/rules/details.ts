// Each check's plain-words detail, written only when someone will read it. The checks are
// decided first (codes, statuses, accounts); the details are thunks run at the end, so the
// sync's hot path decides once and writes the details of linked items only, from the same pass
// (it used to decide twice: codes first, then again with details when the item was linked).
import type { Check, Outcome } from '../domain/decision.js';

/**
 * true: every detail (explain, API, troubleshooter); false: codes only; 'linked': the
 * details only when the outcome is linked (the sync stores details for linked items only).
 */
export type DetailMode = boolean | 'linked';

/** Registers the detail of the check about to be pushed; returns the placeholder it carries until `finish`. */
export type Say = (detail: () => string) => string;

interface DetailWriter {
  say: Say;
  /** Writes the registered details into `checks` if this mode wants them for this outcome. */
  finish: (outcome: Outcome) => void;
}

const SILENT: DetailWriter = { say: () => '', finish: () => undefined };

export function detailWriter(checks: Check[], mode: DetailMode | undefined): DetailWriter {
  if (mode === false) return SILENT;
  // Indexed by the position of the check each detail belongs to: `say` runs while that check's
  // object is being built, just before it is pushed.
  const pending: (() => string)[] = [];
  return {
    say: (detail) => {
      pending[checks.length] = detail;
      return '';
    },
    finish: (outcome) => {
      if (mode === 'linked' && outcome !== 'linked') return;
      for (let i = 0; i < pending.length; i++) {
        const detail = pending[i];
        if (detail) checks[i]!.detail = detail();
      }
    },
  };
}
