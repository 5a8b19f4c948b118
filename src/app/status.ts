// Connection status: per connection, its status, last and next sync, counts by reason and
// the last error in plain words. Takes no input; every face shows the same document.
import type { Ctx } from '../store/context.js';
import { connectionHealth } from '../troubleshoot/status.js';

export type StatusAnswer = Awaited<ReturnType<typeof connectionHealth>>;

export async function connectionStatus(deps: Ctx): Promise<StatusAnswer> {
  return connectionHealth(deps);
}
