// A first calendar sync inserts its new occurrences in bulk (insertNewMeetings, through
// store/bulk-insert.ts), everything later one at a time (saveMeeting). Both must write the
// very same rows — meeting, links, participant hashes, sighting — on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.js';
import type { MeetingOccurrence } from '../../src/domain/items.js';
import type { Store } from '../../src/store/db.js';
import { insertNewMeetings, saveMeeting, type MeetingWrite } from '../../src/store/meetings.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-03T10:00:00Z');

const occurrence = (uid: string, title: string): MeetingOccurrence => ({
  uid,
  start: new Date('2026-03-02T09:00:00Z'),
  end: new Date('2026-03-02T09:30:00Z'),
  allDay: false,
  title,
  organizer: { address: 'alice@ourco.com', name: 'Alice' },
  attendees: [{ address: 'bob@acme.example', partstat: 'ACCEPTED' }],
  cancelled: false,
  recurring: true,
  timeZone: 'Europe/Berlin',
});

const linked: Decision = {
  outcome: 'linked',
  accounts: [
    { id: 'acme', via: [{ email: 'bob@acme.example', endUserId: 'u1', source: 'csv', field: 'attendee', partstat: 'ACCEPTED' }] },
    { id: 'globex', via: [{ email: 'bob@acme.example', endUserId: 'u2', source: 'csv', field: 'attendee' }] },
  ],
  checks: [{ rule: 'M1', status: 'pass', code: 'M1_SEEN', detail: 'seen in a calendar' }],
} as unknown as Decision;
const notLinked: Decision = { outcome: 'not_linked', accounts: [], checks: [] } as unknown as Decision;

const writes = (connectionId: string): MeetingWrite[] => [
  {
    occurrence: occurrence('series-1', 'Renewal'),
    decision: linked,
    hashes: ['h-bob', 'h-alice', 'h-bob'],
    sighting: { connectionId, ref: '/cal/series-1.ics' },
    now: NOW,
  },
  { occurrence: occurrence('single-2', 'Lunch'), decision: notLinked, hashes: ['h-alice'], now: NOW },
];

/** Every row the writes produced, each meeting's id replaced by its uid so the two paths compare. */
async function rowsOf(db: Store, ws: string) {
  const meetings = await db.selectFrom('meetings').selectAll().where('workspace_id', '=', ws).orderBy('uid').execute();
  const uidOf = new Map(meetings.map((m) => [m.id, m.uid]));
  const byUid = <T extends Record<string, unknown>>(rows: T[], key: keyof T) =>
    rows.map((r) => ({ ...r, [key]: uidOf.get(r[key] as string) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    meetings: meetings.map(({ id: _id, workspace_id: _ws, ...rest }) => rest),
    links: byUid(await db.selectFrom('meeting_links').selectAll().where('workspace_id', '=', ws).execute(), 'item_id').map(
      ({ workspace_id: _ws, ...r }) => r,
    ),
    hashes: byUid(await db.selectFrom('participant_hashes').selectAll().where('workspace_id', '=', ws).execute(), 'item_id').map(
      ({ workspace_id: _ws, ...r }) => r,
    ),
    sightings: byUid(await db.selectFrom('meeting_sightings').selectAll().where('workspace_id', '=', ws).execute(), 'meeting_id').map(
      ({ workspace_id: _ws, ...r }) => r,
    ),
  };
}

for (const dialect of DIALECTS) {
  describe(`insertNewMeetings on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'meeting_bulk'));
    });
    afterAll(async () => close());

    it('writes the same rows as saveMeeting one by one, and returns the new ids in order', async () => {
      const bulk = await createWorkspace(db, 'bulk', ['ourco.com'], NOW);
      const single = await createWorkspace(db, 'single', ['ourco.com'], NOW);
      const ids = await insertNewMeetings(db, bulk.id, writes('conn-1'));
      for (const w of writes('conn-1')) await saveMeeting(db, single.id, w);

      const got = await rowsOf(db, bulk.id);
      expect(got).toEqual(await rowsOf(db, single.id));
      expect(got.links).toHaveLength(2);
      expect(got.hashes).toHaveLength(3);
      expect(got.sightings).toEqual([
        { meeting_id: 'series-1', connection_id: 'conn-1', ref: '/cal/series-1.ics', seen_at: NOW.toISOString() },
      ]);
      const stored = await db.selectFrom('meetings').select(['id', 'uid']).where('workspace_id', '=', bulk.id).execute();
      expect(ids.map((id) => stored.find((m) => m.id === id)?.uid)).toEqual(['series-1', 'single-2']);
    });
  });
}
