// What a connection saw and did not log, for one reason: the list behind a skip count on the
// Sync page ("3 no end user"), each item with the words for why. A read: any role.
import { codeText } from '../troubleshoot/code-text.js';
import type { Ctx } from '../store/context.js';
import { skippedItems as storedSkipped, type SkippedRow } from '../store/overviews.js';
import { requireConnection } from './deps.js';

export interface SkippedItem extends Omit<SkippedRow, 'detail'> {
  /** Why it was not logged, in words. */
  why: string;
}

export interface SkippedInput {
  connectionId: string;
  kind: 'email' | 'meeting';
  /** A reason code as counted (E3_NO_END_USER …); absent: every reason. */
  reason?: string;
  limit?: number;
}

const DEFAULT_LIMIT = 200;

export async function skippedItems(deps: Ctx, input: SkippedInput): Promise<{ items: SkippedItem[]; total: number }> {
  const conn = await requireConnection(deps, input.connectionId);
  const rows = (await storedSkipped(deps.db, deps.ws.id, conn.id, input.kind)).filter((r) => !input.reason || r.code === input.reason);
  const items = rows.slice(0, input.limit ?? DEFAULT_LIMIT).map(({ detail, ...r }) => ({ ...r, why: detail || codeText(r.code) }));
  return { items, total: rows.length };
}
