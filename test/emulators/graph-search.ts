// Graph's message search for the Microsoft emulator (GET /me/messages across every folder):
// the $filter clauses Touchpoint sends and the KQL of $search, as documented
// (https://learn.microsoft.com/graph/query-parameters, https://learn.microsoft.com/graph/search-query-parameter):
//   $filter: clauses joined by "and": receivedDateTime ge|lt <instant>,
//            from/emailAddress/address eq '<addr>', toRecipients/any(r:r/emailAddress/address eq '<addr>'),
//            internetMessageId eq '<id>'; anything else is "Invalid filter clause" (400 BadRequest).
//   $search: a quoted KQL string of terms joined by AND or spaces: subject:<word>, from:<addr>,
//            to:<addr>, or a bare word (subject, body or sender); an empty or unquoted one is a
//            400 syntax error.
// Folders: a message's `folder` is a well-known name (inbox, sentitems, junkemail, deleteditems,
// drafts) or a folder's display name; each gets a stable id for parentFolderId and mailFolders/{id}.

/** What a search reads of the emulator's messages (microsoft.ts MsMessage). */
interface MsMessage {
  folder: string;
  internetMessageId?: string;
  subject: string;
  from: string;
  to: string[];
  receivedDateTime: string;
  body?: string;
}

export class GraphQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Pred = (m: MsMessage) => boolean;

const WELL_KNOWN_NAMES: Record<string, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  junkemail: 'Junk Email',
  deleteditems: 'Deleted Items',
  drafts: 'Drafts',
  archive: 'Archive',
};

export function folderInfo(folder: string): { id: string; displayName: string } {
  const name = WELL_KNOWN_NAMES[folder.toLowerCase()] ?? folder;
  return { id: `AAMkFolder-${Buffer.from(name).toString('base64url')}`, displayName: name };
}

const unquote = (v: string) => v.replace(/^'|'$/g, '').replace(/''/g, "'").toLowerCase();

function clause(c: string): Pred {
  let m = /^receivedDateTime (ge|lt) (\S+)$/.exec(c);
  if (m) {
    const t = Date.parse(m[2]!);
    if (Number.isNaN(t)) throw new GraphQueryError('BadRequest', `Invalid filter clause: '${m[2]}' is not a DateTimeOffset.`);
    return m[1] === 'ge' ? (x) => Date.parse(x.receivedDateTime) >= t : (x) => Date.parse(x.receivedDateTime) < t;
  }
  m = /^from\/emailAddress\/address eq ('(?:[^']|'')*')$/.exec(c);
  if (m) {
    const v = unquote(m[1]!);
    return (x) => x.from.toLowerCase() === v;
  }
  m = /^toRecipients\/any\((\w+):\1\/emailAddress\/address eq ('(?:[^']|'')*')\)$/.exec(c);
  if (m) {
    const v = unquote(m[2]!);
    return (x) => x.to.some((a) => a.toLowerCase() === v);
  }
  m = /^internetMessageId eq ('(?:[^']|'')*')$/.exec(c);
  if (m) {
    const v = unquote(m[1]!).replace(/^<|>$/g, '');
    return (x) => (x.internetMessageId ?? '').toLowerCase() === v;
  }
  throw new GraphQueryError('BadRequest', `Invalid filter clause: ${c}`);
}

export function parseFilter(expr: string): Pred {
  const preds = expr.split(/\s+and\s+/i).map((c) => clause(c.trim()));
  return (x) => preds.every((p) => p(x));
}

export function parseSearch(expr: string): Pred {
  const m = /^"(.*)"$/.exec(expr.trim());
  if (!m || !m[1]!.trim()) throw new GraphQueryError('BadRequest', `Syntax error: the search query ${expr} must be a quoted KQL string.`);
  const terms = m[1]!
    .split(/\s+(?:AND\s+)?/)
    .filter((t) => t && t !== 'AND')
    .map((t): Pred => {
      const [prop, ...rest] = t.split(':');
      const v = rest.join(':').toLowerCase();
      if (!rest.length) {
        const w = t.toLowerCase();
        return (x) => [x.subject, x.body ?? '', x.from].some((s) => s.toLowerCase().includes(w));
      }
      if (prop === 'subject') return (x) => x.subject.toLowerCase().includes(v);
      if (prop === 'from') return (x) => x.from.toLowerCase().includes(v);
      if (prop === 'to') return (x) => x.to.some((a) => a.toLowerCase().includes(v));
      throw new GraphQueryError('BadRequest', `Syntax error: '${prop}' is not a searchable property.`);
    });
  return (x) => terms.every((p) => p(x));
}
