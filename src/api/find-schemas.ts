// Shapes of GET /v1/find/email and /v1/find/meeting (zod → OpenAPI; responses are parsed with
// them, so a candidate carries only what is declared here). The query is checked by the use
// case (src/app/find.ts), which names the field that is wrong.
import { z } from 'zod';
import { Explanation } from './schemas.js';

const Text = z.string().max(998);
const Window = {
  on: Text.optional().describe('one UTC day, YYYY-MM-DD (not with since/until)'),
  since: Text.optional().describe('from this instant, ISO 8601'),
  until: Text.optional().describe('up to this instant (excluded), ISO 8601'),
  teammate: Text.optional().describe("only this teammate's connections"),
  limit: z.coerce.number().optional().describe('at most this many candidates (default 20, at most 100)'),
  askMailboxes: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe(
      'true: ask the connected mailboxes / calendars too, even when the store has candidates (default: only when it cannot answer)',
    ),
};

export const FindEmailQuery = z.object({
  from: Text.optional().describe('the sender, a whole address'),
  to: Text.optional().describe('a recipient (To, Cc, Bcc), a whole address'),
  subject: Text.optional().describe('words of the subject, all of them (kept for linked mail only)'),
  ...Window,
});

export const FindMeetingQuery = z.object({
  title: Text.optional().describe('words of the title, all of them'),
  attendee: Text.optional().describe('an attendee or the organizer, a whole address'),
  ...Window,
});

const FoundWhere = z.object({
  connection: z.string(),
  teammate: z.string().nullable(),
  folder: z.string().nullable(),
  labels: z.array(z.string()).optional(),
});

export const FindCandidate = Explanation.extend({
  messageId: z.string().optional(),
  uid: z.string().optional(),
  date: z.string().describe('email: received; meeting: the occurrence start'),
  subject: z.string().optional().describe('only where it may be shown (linked items)'),
  where: z.array(FoundWhere),
  live: z.boolean().describe('found at the provider just now rather than in the store'),
  subjectNotKept: z.boolean().optional().describe('not linked, so no subject was kept: it matches the addresses and day only'),
  summary: z.string().optional(),
  purged: z
    .object({
      seenAt: z.string(),
      at: z.string(),
      where: z.array(FoundWhere),
      purgedAt: z.string(),
      retentionDays: z.number(),
    })
    .optional()
    .describe('purged by retention: what its tombstone kept'),
});

export const FindResult = z.object({
  candidates: z.array(FindCandidate),
  truncated: z.boolean().optional(),
  liveError: z.string().optional(),
});
