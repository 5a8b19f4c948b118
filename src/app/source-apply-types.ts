// The shapes shared by a directory source page's apply (source-apply.ts) and its plan of end
// users (source-contacts.ts): the report's rows and what a sync keeps between its pages.
import type { SourceMapping } from '../sources/mapping.js';
import type { SourceKind } from '../sources/types.js';
import type { SourceRecord } from '../store/sources.js';
import type { LeftoverTally } from '../sync/leftover-tally.js';

export type RecordOutcome = 'added' | 'updated' | 'removed' | 'skipped';

/** One line of the import report (unchanged records are counted, not listed). */
export interface RecordReport {
  record: 'company' | 'contact';
  externalId: string;
  outcome: RecordOutcome;
  email?: string;
  accountId?: string;
  reason?: string;
}

/** What a sync keeps between its pages: the workspace's accounts (read once). */
export interface ApplySession {
  source: SourceRecord;
  kind: SourceKind;
  mapping: SourceMapping;
  accounts: Map<string, string>;
  /** Source company → account, as this sync linked or read them (saves a query per page of contacts). */
  companies: Map<string, string>;
  /** The emails the sync's pages left over, each once in its last state; a page's are merged once it commits. */
  leftovers: LeftoverTally;
}
