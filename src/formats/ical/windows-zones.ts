// Windows time-zone names → IANA names. Exchange and Outlook write TZIDs such as
// "W. Europe Standard Time" (or, from OWA, "(UTC+01:00) Amsterdam, Berlin, …") and their
// VTIMEZONE, when present, only carries the current year's rule. ical.js has no IANA
// database, so we map the name and let Node's ICU do the arithmetic (see zoned-time.ts).
//
// The table is the windows-iana package (CLDR's windowsZones.xml, "001" = the default
// territory of each Windows zone), corrected where its CLDR copy is older than the files we
// read; see WINDOWS_OVERRIDES.
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';

/**
 * Where windows-iana's data is not what we want:
 * - Windows ids it no longer lists that old Outlook and Exchange files still carry;
 * - zones CLDR has re-pointed since (Chihuahua left Mountain time in 2022, Almaty left UTC+6 in 2024);
 * - zones IANA renamed: the package gives CLDR's older name first ("Asia/Calcutta"). Node
 *   computes the same times under either, but the name is shown to users, so it is the current one.
 */
const WINDOWS_OVERRIDES: Readonly<Record<string, string>> = {
  'Mexico Standard Time': 'America/Mexico_City',
  'Mid-Atlantic Standard Time': 'Etc/GMT+2',
  'Kamchatka Standard Time': 'Asia/Kamchatka',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Central Asia Standard Time': 'Asia/Bishkek',
  'India Standard Time': 'Asia/Kolkata',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Myanmar Standard Time': 'Asia/Yangon',
  'Greenland Standard Time': 'America/Nuuk',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
};

const BY_LOWER = new Map<string, string>();
for (const { windowsName, territory, iana } of WINDOWS_TO_IANA_MAP) {
  if (territory === '001' && iana[0]) BY_LOWER.set(windowsName.toLowerCase(), iana[0]);
}
for (const [id, iana] of Object.entries(WINDOWS_OVERRIDES)) BY_LOWER.set(id.toLowerCase(), iana);

/** Exact (case-insensitive) Windows zone id → IANA name, else undefined. */
export function windowsToIana(windowsId: string): string | undefined {
  return BY_LOWER.get(windowsId.trim().toLowerCase());
}

/**
 * Phrases of Windows display names ("(UTC+01:00) Amsterdam, Berlin, Bern, …") and of the
 * older Outlook TZIDs that were display names without the offset ("Canberra, Melbourne,
 * Sydney", "Pacific Time (US & Canada); Tijuana"). One distinctive phrase per zone is
 * enough: any comma- or semicolon-separated part of the TZID may match.
 */
const DISPLAY_PHRASES: Readonly<Record<string, readonly string[]>> = {
  'Dateline Standard Time': ['international date line west'],
  'Hawaiian Standard Time': ['hawaii'],
  'Alaskan Standard Time': ['alaska'],
  'Pacific Standard Time': ['pacific time (us & canada)', 'pacific time (us and canada)'],
  'Pacific Standard Time (Mexico)': ['baja california'],
  'US Mountain Standard Time': ['arizona'],
  'Mountain Standard Time': ['mountain time (us & canada)', 'mountain time (us and canada)'],
  'Central Standard Time': ['central time (us & canada)', 'central time (us and canada)'],
  'Central Standard Time (Mexico)': ['guadalajara', 'mexico city', 'monterrey'],
  'Canada Central Standard Time': ['saskatchewan'],
  'Central America Standard Time': ['central america'],
  'Eastern Standard Time': ['eastern time (us & canada)', 'eastern time (us and canada)'],
  'US Eastern Standard Time': ['indiana (east)'],
  'SA Pacific Standard Time': ['bogota', 'lima', 'quito'],
  'Atlantic Standard Time': ['atlantic time (canada)'],
  'Venezuela Standard Time': ['caracas'],
  'Pacific SA Standard Time': ['santiago'],
  'Newfoundland Standard Time': ['newfoundland'],
  'E. South America Standard Time': ['brasilia'],
  'Argentina Standard Time': ['buenos aires', 'city of buenos aires'],
  'Greenland Standard Time': ['greenland'],
  'Montevideo Standard Time': ['montevideo'],
  'Azores Standard Time': ['azores'],
  'Cape Verde Standard Time': ['cape verde is.'],
  UTC: ['coordinated universal time'],
  'GMT Standard Time': ['dublin', 'edinburgh', 'lisbon', 'london'],
  'Greenwich Standard Time': ['monrovia', 'reykjavik'],
  'Morocco Standard Time': ['casablanca'],
  'W. Europe Standard Time': ['amsterdam', 'berlin', 'bern', 'rome', 'stockholm', 'vienna'],
  'Central Europe Standard Time': ['belgrade', 'bratislava', 'budapest', 'ljubljana', 'prague'],
  'Romance Standard Time': ['brussels', 'copenhagen', 'madrid', 'paris'],
  'Central European Standard Time': ['sarajevo', 'skopje', 'warsaw', 'zagreb'],
  'W. Central Africa Standard Time': ['west central africa'],
  'GTB Standard Time': ['athens', 'bucharest'],
  'FLE Standard Time': ['helsinki', 'kyiv', 'kiev', 'riga', 'sofia', 'tallinn', 'vilnius'],
  'Israel Standard Time': ['jerusalem'],
  'Egypt Standard Time': ['cairo'],
  'South Africa Standard Time': ['harare', 'pretoria'],
  'Middle East Standard Time': ['beirut'],
  'Jordan Standard Time': ['amman'],
  'Turkey Standard Time': ['istanbul'],
  'Russian Standard Time': ['moscow', 'st. petersburg'],
  'Arab Standard Time': ['kuwait', 'riyadh'],
  'Arabic Standard Time': ['baghdad'],
  'E. Africa Standard Time': ['nairobi'],
  'Belarus Standard Time': ['minsk'],
  'Iran Standard Time': ['tehran'],
  'Arabian Standard Time': ['abu dhabi', 'muscat'],
  'Azerbaijan Standard Time': ['baku'],
  'Georgian Standard Time': ['tbilisi'],
  'Caucasus Standard Time': ['yerevan'],
  'Afghanistan Standard Time': ['kabul'],
  'Pakistan Standard Time': ['islamabad', 'karachi'],
  'West Asia Standard Time': ['ashgabat', 'tashkent'],
  'Ekaterinburg Standard Time': ['ekaterinburg'],
  'India Standard Time': ['chennai', 'kolkata', 'mumbai', 'new delhi'],
  'Sri Lanka Standard Time': ['sri jayawardenepura'],
  'Nepal Standard Time': ['kathmandu'],
  'Central Asia Standard Time': ['astana'],
  'Bangladesh Standard Time': ['dhaka'],
  'Myanmar Standard Time': ['yangon (rangoon)'],
  'SE Asia Standard Time': ['bangkok', 'hanoi', 'jakarta'],
  'North Asia Standard Time': ['krasnoyarsk'],
  'China Standard Time': ['beijing', 'chongqing', 'hong kong', 'urumqi'],
  'Singapore Standard Time': ['kuala lumpur', 'singapore'],
  'W. Australia Standard Time': ['perth'],
  'Taipei Standard Time': ['taipei'],
  'North Asia East Standard Time': ['irkutsk'],
  'Tokyo Standard Time': ['osaka', 'sapporo', 'tokyo'],
  'Korea Standard Time': ['seoul'],
  'Yakutsk Standard Time': ['yakutsk'],
  'Cen. Australia Standard Time': ['adelaide'],
  'AUS Central Standard Time': ['darwin'],
  'E. Australia Standard Time': ['brisbane'],
  'AUS Eastern Standard Time': ['canberra', 'melbourne', 'sydney'],
  'West Pacific Standard Time': ['guam', 'port moresby'],
  'Tasmania Standard Time': ['hobart'],
  'Vladivostok Standard Time': ['vladivostok'],
  'Central Pacific Standard Time': ['solomon is.', 'new caledonia'],
  'New Zealand Standard Time': ['auckland', 'wellington'],
  'Fiji Standard Time': ['fiji'],
  'Tonga Standard Time': ["nuku'alofa"],
  'Samoa Standard Time': ['samoa'],
};

const PHRASE_TO_WINDOWS = new Map<string, string>();
for (const [id, phrases] of Object.entries(DISPLAY_PHRASES)) {
  for (const p of phrases) PHRASE_TO_WINDOWS.set(p, id);
}

/** A zone we can compute with: an IANA name (via Intl) or a fixed UTC offset. */
export type ResolvedZone = { iana: string } | { offsetMinutes: number };

/**
 * Tolerant TZID → zone lookup, in order: UTC aliases, Windows ids, IANA names (also
 * behind a "/mozilla.org/…/Europe/Berlin"-style prefix), Windows display-name phrases,
 * and finally the bare "(UTC+05:30)" / "GMT-0800" offset. Undefined when nothing fits.
 */
export function resolveTzid(tzid: string): ResolvedZone | undefined {
  const t = tzid.trim().replace(/^"|"$/g, '').replace(/\\,/g, ',').trim();
  if (!t) return undefined;
  if (/^(z|utc|gmt|ut|etc\/utc|etc\/gmt)$/i.test(t)) return { iana: 'Etc/UTC' };
  const win = windowsToIana(t);
  if (win) return { iana: win };
  if (isIanaZone(t)) return { iana: t };
  // "/citadel.org/20190914_1/Europe/Berlin" and similar vendor prefixes.
  const segs = t.split('/').filter(Boolean);
  for (let n = Math.min(3, segs.length - 1); n >= 2; n--) {
    const tail = segs.slice(-n).join('/');
    if (isIanaZone(tail)) return { iana: tail };
  }
  const offset = /^\(?(?:UTC|GMT)\s*(?:([+-])(\d{1,2}):?(\d{2})?)?\)?/i.exec(t);
  const rest = (offset ? t.slice(offset[0].length) : t).toLowerCase();
  for (const part of [rest.trim(), ...rest.split(/[,;/]/)]) {
    const id = PHRASE_TO_WINDOWS.get(part.trim());
    if (id) return { iana: windowsToIana(id)! };
  }
  if (offset) {
    const minutes = Number(offset[2] ?? 0) * 60 + Number(offset[3] ?? 0);
    return { offsetMinutes: offset[1] === '-' ? -minutes : minutes };
  }
  return undefined;
}

const ianaCache = new Map<string, boolean>();
/** Whether Node's ICU knows this zone name. Only names with a "/" count: "EST" is not one. */
export function isIanaZone(name: string): boolean {
  if (!name.includes('/')) return false;
  let ok = ianaCache.get(name);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      ok = true;
    } catch {
      ok = false;
    }
    ianaCache.set(name, ok);
  }
  return ok;
}
