// "Why was this logged, or why not?" for one email or one meeting occurrence: the input
// checked here once for every face (CLI, API, MCP), the answer from the troubleshooter.
// An item the store has never seen is not an error: it is answered with outcome "unknown",
// the connections that were searched and what to check next.
import type { Ctx } from '../store/context.js';
import { directoryCache } from '../store/directory-version.js';
import { explainEmail as explainStoredEmail, explainMeeting as explainStoredMeeting, type Explanation } from '../troubleshoot/explain.js';
import { invalid } from './errors.js';

export interface ExplainEmailInput {
  /** The Message-ID, with or without its angle brackets. */
  messageId: string;
}

export interface ExplainMeetingInput {
  uid: string;
  /** The start of one occurrence of a series; without it, the most recent one that started. */
  occurrence?: Date;
}

/** RFC 5322 caps a line at 998 characters: a longer Message-ID cannot be one. */
const MAX_MESSAGE_ID = 998;
const MAX_UID = 1000;

// Re-deciding the item needs the directory: loading 50,000 end users was nearly all of an
// explain's time (bench:scale), so the index is kept while the workspace's directory is
// unchanged, as find does.
const cachedDirectory = directoryCache(8);

export async function explainEmail(deps: Ctx, input: ExplainEmailInput): Promise<Explanation> {
  const messageId = input.messageId.trim();
  if (!messageId || messageId === '<>') throw invalid('messageId', 'give the Message-ID of the email');
  if (messageId.length > MAX_MESSAGE_ID) throw invalid('messageId', `longer than ${MAX_MESSAGE_ID} characters: not a Message-ID`);
  return explainStoredEmail(deps, messageId, { directory: (version) => cachedDirectory(deps, version) });
}

export async function explainMeeting(deps: Ctx, input: ExplainMeetingInput): Promise<Explanation> {
  const uid = input.uid.trim();
  if (!uid) throw invalid('uid', 'give the UID of the meeting');
  if (uid.length > MAX_UID) throw invalid('uid', `longer than ${MAX_UID} characters: not a calendar UID`);
  if (input.occurrence && Number.isNaN(input.occurrence.getTime())) throw invalid('occurrence', 'not a date');
  return explainStoredMeeting(deps, uid, input.occurrence, { directory: () => cachedDirectory(deps) });
}
