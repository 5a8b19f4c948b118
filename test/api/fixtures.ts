// One small world for API tests: Alice's folder mailbox and calendar, authorized
// 2026-03-01, with mail from an end user, a prospect, a partner, a historic message and
// one meeting a customer accepted.
import { join } from 'node:path';
import { workspaceFolder } from '../support/config.js';
import { writeCalendar, writeMailbox } from '../support/mailbox.js';

export const AUTHORIZED_AT = '2026-03-01T00:00:00Z';

/** Written inside the folder of workspace `slug` under testConfig()'s TOUCHPOINT_FOLDER_ROOT, where the API may read. */
export function aliceFolders(slug = 'acme-cs'): { mail: string; calendar: string } {
  const root = workspaceFolder(slug, 'tp-api-');
  const mail = writeMailbox(join(root, 'mail'), [
    { id: 'm1@acme.com', from: 'Bob <bob@acme.com>', to: 'alice@ourco.com', subject: 'Renewal question' },
    { id: 'm2@prospect.example', from: 'zed@prospect.example', to: 'alice@ourco.com', subject: 'Secret pricing' },
    { id: 'm3@globex.com', from: 'carol@globex.com', to: 'alice@ourco.com', subject: 'Globex kickoff' },
    { id: 'm4@acme.com', from: 'bob@acme.com', to: 'alice@ourco.com', subject: 'Old thread', date: 'Mon, 02 Feb 2026 09:00:00 +0000' },
    { id: 'm5@partnerco.com', from: 'pat@partnerco.com', to: 'alice@ourco.com', subject: 'Partner intro' },
  ]);
  const calendar = writeCalendar(join(root, 'calendar'), [
    {
      uid: 'qbr-1@ourco.com',
      start: '20260305T150000Z',
      end: '20260305T160000Z',
      title: 'Acme QBR',
      organizer: 'alice@ourco.com',
      attendees: [{ email: 'bob@acme.com', partstat: 'ACCEPTED' }],
    },
  ]);
  return { mail, calendar };
}
