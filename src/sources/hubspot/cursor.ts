// The HubSpot cursor: where a sync is (which stream, which search page) and, per stream, the
// lastmodifieddate it searches from and the highest one seen. Saved after every page, so a
// throttled or failed sync carries on from the page it stopped at. HubSpot's own times are
// used (never our clock): the next sync asks for "modified at or after the highest seen".

export type Phase = 'companies' | 'contacts' | 'archived-companies' | 'archived-contacts' | 'done';
export type Stream = 'companies' | 'contacts' | 'archived';

export interface HubSpotCursor {
  v: 1;
  phase: Phase;
  /** Lower bound of this run's queries per stream (epoch ms as text); null: everything. */
  from: Record<Stream, string | null>;
  /** Highest lastmodifieddate / archivedAt seen per stream (epoch ms as text). */
  high: Record<Stream, string | null>;
  /** The search or list page to read next in the current phase. */
  after: string | null;
}

/** Archived companies before the contacts: a company deleted at the source is known before its
 * contacts are read again (HubSpot drops the association and nothing else), so the engine can
 * keep what the mapping keeps rather than remove it as "no longer in that company". */
const PHASES: Phase[] = ['companies', 'archived-companies', 'contacts', 'archived-contacts', 'done'];

export function nextPhase(p: Phase): Phase {
  return PHASES[PHASES.indexOf(p) + 1] ?? 'done';
}

/** The state a run starts from: the saved one mid-run, or a new run from the last one's high-water marks. */
export function startState(raw: string | null): HubSpotCursor {
  if (!raw) {
    return {
      v: 1,
      phase: 'companies',
      from: { companies: null, contacts: null, archived: null },
      high: { companies: null, contacts: null, archived: null },
      after: null,
    };
  }
  const c = JSON.parse(raw) as HubSpotCursor;
  if (c.phase !== 'done') return c;
  return { v: 1, phase: 'companies', from: { ...c.high }, high: { ...c.high }, after: null };
}

export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Number(b) > Number(a) ? b : a;
}
