// Near misses: addresses that look like an end user's but are not the same address.
// The article says "the same email", so these are shown as hints in the troubleshooter and
// never cause a link (rule E3, end-user match).
import type { EndUser } from '../domain/directory.js';
import type { Hint } from '../domain/decision.js';
import { displayAddress, domainOf, localPartOf, normalizeAddress } from './address.js';

// Two-label public suffixes common enough to matter for "same company, other domain"
// (acme.co.uk vs acme.com). Not a full public-suffix list; a miss only loses a hint.
const TWO_LABEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'co.jp',
  'co.in',
  'com.br',
  'com.mx',
  'co.za',
  'com.sg',
  'com.cn',
  'com.tr',
  'co.kr',
  'com.hk',
  'co.il',
]);

/** "acme" for acme.com, acme.co.uk, mail.acme.io. */
export function companyLabel(domain: string): string {
  const labels = domain.split('.');
  if (labels.length < 2) return domain;
  const lastTwo = labels.slice(-2).join('.');
  const idx = TWO_LABEL_SUFFIXES.has(lastTwo) ? labels.length - 3 : labels.length - 2;
  return labels[Math.max(0, idx)] ?? domain;
}

/** Local part without a +tag and without dots: what people think of as "the same mailbox". */
function foldLocal(local: string): string {
  const plus = local.indexOf('+');
  return (plus >= 0 ? local.slice(0, plus) : local).replaceAll('.', '');
}

function push(map: Map<string, EndUser[]>, key: string, u: EndUser): void {
  const list = map.get(key);
  if (list) list.push(u);
  else map.set(key, [u]);
}

export class HintIndex {
  private readonly byFolded = new Map<string, EndUser[]>();
  private readonly byCompany = new Map<string, EndUser[]>();
  private readonly byOtherField = new Map<string, EndUser[]>();

  constructor(endUsers: readonly EndUser[]) {
    for (const u of endUsers) {
      const e = normalizeAddress(u.email);
      const local = localPartOf(e);
      const domain = domainOf(e);
      push(this.byFolded, `${foldLocal(local)}@${domain}`, u);
      push(this.byCompany, `${local}@${companyLabel(domain)}`, u);
      const extra = [...(u.otherFields ?? []), ...(u.name?.includes('@') ? [u.name] : [])];
      for (const f of extra) push(this.byOtherField, normalizeAddress(f), u);
    }
  }

  /** Hints for one participant address that matched no end user exactly. */
  forParticipant(participant: string): Hint[] {
    const local = localPartOf(participant);
    const domain = domainOf(participant);
    const out: Hint[] = [];
    const seen = new Set<string>();
    // The detail is read by people: the address as they write it (`participant` stays the key).
    const shown = displayAddress(participant);
    const add = (kind: Hint['kind'], u: EndUser, detail: string) => {
      const key = `${kind}|${u.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ kind, participant, endUserEmail: u.email, accountId: u.accountId, detail });
    };
    for (const u of this.byFolded.get(`${foldLocal(local)}@${domain}`) ?? []) {
      const e = normalizeAddress(u.email);
      if (e === participant) continue;
      const kind = local.includes('+') || localPartOf(e).includes('+') ? 'plus_tag' : 'dots';
      const what = kind === 'plus_tag' ? 'a +tag' : 'dots';
      add(kind, u, `${shown} differs from end user ${u.email} only by ${what}; addresses must be the same to match`);
    }
    for (const u of this.byCompany.get(`${local}@${companyLabel(domain)}`) ?? []) {
      const e = normalizeAddress(u.email);
      if (e === participant) continue;
      add('other_domain', u, `${shown} has the same name as end user ${u.email} at another domain of the same company`);
    }
    for (const u of this.byOtherField.get(participant) ?? []) {
      if (normalizeAddress(u.email) === participant) continue;
      add('other_field', u, `${shown} appears on end user ${u.email}, but not in its "email" field, which is the only field that matches`);
    }
    return out;
  }
}
