// Windows time-zone names → IANA names. Exchange and Outlook write TZIDs such as
// "W. Europe Standard Time" (or, from OWA, "(UTC+01:00) Amsterdam, Berlin, …") and their
// VTIMEZONE, when present, only carries the current year's rule. ical.js has no IANA
// database, so we map the name and let Node's ICU do the arithmetic (see zoned-time.ts).
//
// Source: the "001" (default territory) rows of CLDR's common/supplemental/windowsZones.xml.

export const WINDOWS_TO_IANA: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Aleutian Standard Time': 'America/Adak',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'Alaskan Standard Time': 'America/Anchorage',
  'UTC-09': 'Etc/GMT+9',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'UTC-08': 'Etc/GMT+8',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Mountain Standard Time': 'America/Denver',
  'Yukon Standard Time': 'America/Whitehorse',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Easter Island Standard Time': 'Pacific/Easter',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Mexico Standard Time': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time (Mexico)': 'America/Cancun',
  'Eastern Standard Time': 'America/New_York',
  'Haiti Standard Time': 'America/Port-au-Prince',
  'Cuba Standard Time': 'America/Havana',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
  'Turks And Caicos Standard Time': 'America/Grand_Turk',
  'Paraguay Standard Time': 'America/Asuncion',
  'Atlantic Standard Time': 'America/Halifax',
  'Venezuela Standard Time': 'America/Caracas',
  'Central Brazilian Standard Time': 'America/Cuiaba',
  'SA Western Standard Time': 'America/La_Paz',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Tocantins Standard Time': 'America/Araguaina',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  'Greenland Standard Time': 'America/Nuuk',
  'Montevideo Standard Time': 'America/Montevideo',
  'Magallanes Standard Time': 'America/Punta_Arenas',
  'Saint Pierre Standard Time': 'America/Miquelon',
  'Bahia Standard Time': 'America/Bahia',
  'UTC-02': 'Etc/GMT+2',
  'Mid-Atlantic Standard Time': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Sao Tome Standard Time': 'Africa/Sao_Tome',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Jordan Standard Time': 'Asia/Amman',
  'GTB Standard Time': 'Europe/Bucharest',
  'Middle East Standard Time': 'Asia/Beirut',
  'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Syria Standard Time': 'Asia/Damascus',
  'West Bank Standard Time': 'Asia/Hebron',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'FLE Standard Time': 'Europe/Kiev',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Sudan Standard Time': 'Africa/Juba',
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Sudan Standard Time': 'Africa/Khartoum',
  'Libya Standard Time': 'Africa/Tripoli',
  'Namibia Standard Time': 'Africa/Windhoek',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Volgograd Standard Time': 'Europe/Volgograd',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Azerbaijan Standard Time': 'Asia/Baku',
  'Russia Time Zone 3': 'Europe/Samara',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'Saratov Standard Time': 'Europe/Saratov',
  'Georgian Standard Time': 'Asia/Tbilisi',
  'Caucasus Standard Time': 'Asia/Yerevan',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'West Asia Standard Time': 'Asia/Tashkent',
  'Ekaterinburg Standard Time': 'Asia/Yekaterinburg',
  'Pakistan Standard Time': 'Asia/Karachi',
  'Qyzylorda Standard Time': 'Asia/Qyzylorda',
  'India Standard Time': 'Asia/Kolkata',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Central Asia Standard Time': 'Asia/Bishkek',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Omsk Standard Time': 'Asia/Omsk',
  'Myanmar Standard Time': 'Asia/Yangon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Altai Standard Time': 'Asia/Barnaul',
  'W. Mongolia Standard Time': 'Asia/Hovd',
  'North Asia Standard Time': 'Asia/Krasnoyarsk',
  'N. Central Asia Standard Time': 'Asia/Novosibirsk',
  'Tomsk Standard Time': 'Asia/Tomsk',
  'China Standard Time': 'Asia/Shanghai',
  'North Asia East Standard Time': 'Asia/Irkutsk',
  'Singapore Standard Time': 'Asia/Singapore',
  'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei',
  'Ulaanbaatar Standard Time': 'Asia/Ulaanbaatar',
  'Aus Central W. Standard Time': 'Australia/Eucla',
  'Transbaikal Standard Time': 'Asia/Chita',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'North Korea Standard Time': 'Asia/Pyongyang',
  'Korea Standard Time': 'Asia/Seoul',
  'Yakutsk Standard Time': 'Asia/Yakutsk',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Tasmania Standard Time': 'Australia/Hobart',
  'Vladivostok Standard Time': 'Asia/Vladivostok',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Bougainville Standard Time': 'Pacific/Bougainville',
  'Russia Time Zone 10': 'Asia/Srednekolymsk',
  'Magadan Standard Time': 'Asia/Magadan',
  'Norfolk Standard Time': 'Pacific/Norfolk',
  'Sakhalin Standard Time': 'Asia/Sakhalin',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Russia Time Zone 11': 'Asia/Kamchatka',
  'Kamchatka Standard Time': 'Asia/Kamchatka',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
  'Fiji Standard Time': 'Pacific/Fiji',
  'Chatham Islands Standard Time': 'Pacific/Chatham',
  'UTC+13': 'Etc/GMT-13',
  'Tonga Standard Time': 'Pacific/Tongatapu',
  'Samoa Standard Time': 'Pacific/Apia',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};

const BY_LOWER = new Map(Object.entries(WINDOWS_TO_IANA).map(([k, v]) => [k.toLowerCase(), v]));

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
    if (id) return { iana: WINDOWS_TO_IANA[id]! };
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
