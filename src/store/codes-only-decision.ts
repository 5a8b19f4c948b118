// What a not-linked email may keep of its decision: the codes, no details, remedy texts,
// accounts or hints (docs/privacy: seen-but-not-linked mail keeps no plain addresses). Most of
// a sync's mail is not linked, so this JSON is written for nearly every stored email.
import type { Decision } from '../domain/decision.js';

/** Codes only: the decision a not-linked record keeps. */
export function redactDecision(d: Decision): Decision {
  return {
    kind: d.kind,
    outcome: d.outcome,
    accounts: [],
    checks: d.checks.map((c) => ({ rule: c.rule, status: c.status, code: c.code, detail: '' })),
    remedies: d.remedies.map((r) => ({ code: r.code, text: '' })),
    hints: [],
  };
}

/** JSON string literals of the few distinct codes, rules and statuses (constants of the rules). */
const quoted = new Map<unknown, string>();

function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    // Codes are a closed set; anything else (a hand-made decision) is quoted without being kept.
    if (quoted.size < 1000) quoted.set(s, q);
  }
  return q;
}

/**
 * Exactly `JSON.stringify(redactDecision(d))`, without building the redacted copy and
 * serialising it field by field (bench:store: that was several per cent of a page's CPU).
 * A decision with a field that is not a string (never made by the rules) takes the slow path,
 * so the bytes cannot differ.
 */
export function codesOnlyDecisionJson(d: Decision): string {
  if (typeof d.kind !== 'string' || typeof d.outcome !== 'string' || !Array.isArray(d.checks) || !Array.isArray(d.remedies))
    return JSON.stringify(redactDecision(d));
  let s = `{"kind":${quote(d.kind)},"outcome":${quote(d.outcome)},"accounts":[],"checks":[`;
  for (let i = 0; i < d.checks.length; i++) {
    const c = d.checks[i]!;
    if (!c || typeof c.rule !== 'string' || typeof c.status !== 'string' || typeof c.code !== 'string')
      return JSON.stringify(redactDecision(d));
    s += `${i ? ',' : ''}{"rule":${quote(c.rule)},"status":${quote(c.status)},"code":${quote(c.code)},"detail":""}`;
  }
  s += '],"remedies":[';
  for (let i = 0; i < d.remedies.length; i++) {
    const code = d.remedies[i]?.code;
    if (typeof code !== 'string') return JSON.stringify(redactDecision(d));
    s += `${i ? ',' : ''}{"code":${quote(code)},"text":""}`;
  }
  return `${s}],"hints":[]}`;
}
