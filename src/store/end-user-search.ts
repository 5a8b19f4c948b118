// End users whose address contains a text (global search). "Contains" cannot use a B-tree
// index, so it scanned every end user of the workspace. When the text has one "@", a match
// must have that "@" as its own (a valid address has exactly one: directory/address.ts), so
// its domain starts with the text after it: migration 014's end_users_by_domain reads only
// that range, and the "contains" test still decides. Other texts keep the scan.
// email_norm holds an IDN domain in its ASCII form (directory/address.ts): with an "@" the
// query is normalised the same way, and a fragment without one that has a non-ASCII character
// ("bücher") is also looked for in its ASCII form ("xn--bcher-kva"), a second pattern of the
// same scan. A partial label ("büch") cannot match: punycode encodes a label as a whole.
import { sql } from 'kysely';
import type { EndUser } from '../domain/directory.js';
import { asciiFragment } from '../directory/address.js';
import { dialectOf } from './dialects/dialect.js';
import type { Store } from './db.js';
import { endUserFromRow } from './directory.js';
import { containsPattern, likePattern } from './like.js';
import { reusableQuery } from './reusable-query.js';

/** The first string after every string that starts with `s` (its last code point + 1); undefined when none. */
function prefixEnd(s: string): string | undefined {
  const cps = [...s];
  const last = cps.pop()?.codePointAt(0);
  if (last === undefined || last >= 0x10ffff) return undefined;
  // The next code point after a high surrogate's range would be a lone surrogate: skip it.
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return cps.join('') + String.fromCodePoint(next);
}

/** An end user with its account's name (null when the account row is missing), as search shows it. */
export type EndUserMatch = EndUser & { accountName: string | null };

/** `q` is normalized (lowercase) like end_users.email_norm. Ordered by account, then address. */
export async function endUsersContaining(db: Store, ws: string, q: string): Promise<EndUserMatch[]> {
  const at = q.indexOf('@');
  const domainPrefix = at >= 0 && q.indexOf('@', at + 1) < 0 ? q.slice(at + 1) : '';
  const end = domainPrefix ? prefixEnd(domainPrefix) : undefined;
  const pattern = containsPattern(q);
  const ascii = end ? undefined : asciiFragment(q);
  const rows = end
    ? await inDomainRange(db, { ws, from: domainPrefix, to: end, pattern })
    : ascii
      ? await scanningEither(db, { ws, pattern, ascii: containsPattern(ascii) })
      : await scanning(db, { ws, pattern });
  return rows.map(({ account_name, ...r }) => ({ ...endUserFromRow(r), accountName: account_name }));
}

// The account's name rides along (a correlated read of its primary key): search named the
// accounts with a second statement before. Both statements are built once per store
// (store/reusable-query.ts): search runs one on every call.
function endUsersWithAccountName(db: Store, ws: string) {
  return db
    .selectFrom('end_users')
    .selectAll()
    .select(
      sql<string | null>`(select a.name from accounts a where a.workspace_id = end_users.workspace_id and a.id = end_users.account_id)`.as(
        'account_name',
      ),
    )
    .where('workspace_id', '=', ws);
}

const inDomainRange = reusableQuery((db, v: { ws: string; from: string; to: string; pattern: string }) => {
  // The very expression the index was made on, so both databases use it.
  const domain =
    dialectOf(db) === 'sqlite'
      ? sql<string>`substr(email_norm, instr(email_norm, '@') + 1)`
      : sql<string>`(substr(email_norm, strpos(email_norm, '@') + 1) collate "C")`;
  return endUsersWithAccountName(db, v.ws)
    .where(sql<boolean>`${domain} >= ${v.from} and ${domain} < ${v.to}`)
    .where(likePattern('email_norm', v.pattern))
    .orderBy('account_id')
    .orderBy('email_norm');
});

// Without a usable "@", the scan listEndUsers does (same test, same order).
const scanning = reusableQuery((db, v: { ws: string; pattern: string }) =>
  endUsersWithAccountName(db, v.ws).where(likePattern('email_norm', v.pattern)).orderBy('account_id').orderBy('email_norm'),
);

// The scan with the fragment's ASCII form as a second pattern: the same rows read, one more LIKE on each.
const scanningEither = reusableQuery((db, v: { ws: string; pattern: string; ascii: string }) =>
  endUsersWithAccountName(db, v.ws)
    .where((eb) => eb.or([likePattern('email_norm', v.pattern), likePattern('email_norm', v.ascii)]))
    .orderBy('account_id')
    .orderBy('email_norm'),
);
