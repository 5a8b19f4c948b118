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
 * Exactly `JSON.stringify(redactDecision(d))`. A sync's not-linked mail repeats a handful of
 * code sequences, so each sequence's JSON is built once and found again by walking a tree of
 * its strings (kind, outcome, each check's rule/status/code, then each remedy's code): no
 * string is built per email (bench:store: building them was ~10 % of a page's allocations).
 * A decision with a field that is not a string (never made by the rules) takes the serialiser,
 * so the bytes cannot differ.
 */
export function codesOnlyDecisionJson(d: Decision): string {
  if (typeof d.kind !== 'string' || typeof d.outcome !== 'string' || !Array.isArray(d.checks) || !Array.isArray(d.remedies))
    return JSON.stringify(redactDecision(d));
  let n: CodesNode | undefined = child(child(roots, d.kind), d.outcome);
  for (let i = 0; i < d.checks.length; i++) {
    const c = d.checks[i];
    if (!c || typeof c.rule !== 'string' || typeof c.status !== 'string' || typeof c.code !== 'string')
      return JSON.stringify(redactDecision(d));
    n = child(child(child(n, c.rule), c.status), c.code);
  }
  if (n && !n.remedies && nodes < MAX_NODES) n.remedies = newNode();
  n = n?.remedies;
  for (let i = 0; i < d.remedies.length; i++) {
    const code = d.remedies[i]?.code;
    if (typeof code !== 'string') return JSON.stringify(redactDecision(d));
    n = child(n, code);
  }
  if (!n) return buildJson(d); // the tree is full: built, not kept
  n.json ??= buildJson(d);
  return n.json;
}

/** A step of a code sequence. `remedies` starts the remedies' part, so the two parts cannot be confused. */
interface CodesNode {
  next: Map<string, CodesNode>;
  remedies?: CodesNode;
  json?: string;
}

const newNode = (): CodesNode => {
  nodes++;
  return { next: new Map() };
};
/** The rules make a few dozen sequences; a bound keeps hand-made decisions from growing the tree without end. */
const MAX_NODES = 20_000;
let nodes = 0;
const roots = newNode();

function child(n: CodesNode | undefined, key: string): CodesNode | undefined {
  if (!n) return undefined;
  let c = n.next.get(key);
  if (c === undefined && nodes < MAX_NODES) {
    c = newNode();
    n.next.set(key, c);
  }
  return c;
}

/** The JSON of a decision whose kind, outcome, checks' rule/status/code and remedies' codes are all strings. */
function buildJson(d: Decision): string {
  let s = `{"kind":${quote(d.kind)},"outcome":${quote(d.outcome)},"accounts":[],"checks":[`;
  for (let i = 0; i < d.checks.length; i++) {
    const c = d.checks[i]!;
    s += `${i ? ',' : ''}{"rule":${quote(c.rule)},"status":${quote(c.status)},"code":${quote(c.code)},"detail":""}`;
  }
  s += '],"remedies":[';
  for (let i = 0; i < d.remedies.length; i++) s += `${i ? ',' : ''}{"code":${quote(d.remedies[i]!.code)},"text":""}`;
  return `${s}],"hints":[]}`;
}
