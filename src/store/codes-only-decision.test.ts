import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../domain/decision.js';
import { codesOnlyDecisionJson, redactDecision } from './codes-only-decision.js';

// Any strings, quotes, control characters and lone surrogates included: JSON.stringify escapes them.
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('E2_HISTORIC', 'n/a', 'a"b\\c\n', '\u2028'));
const decision: fc.Arbitrary<Decision> = fc.record({
  kind: fc.constantFrom('email', 'meeting'),
  outcome: fc.constantFrom('linked', 'not_linked', 'upcoming'),
  accounts: fc.array(fc.record({ id: text, via: fc.constant([]) }), { maxLength: 2 }),
  checks: fc.array(fc.record({ rule: text, status: text, code: text, detail: text }), { maxLength: 8 }),
  remedies: fc.array(fc.record({ code: text, text }), { maxLength: 4 }),
  hints: fc.constant([]),
}) as fc.Arbitrary<Decision>;

describe('codesOnlyDecisionJson', () => {
  it('is exactly JSON.stringify(redactDecision(d)), byte for byte', () => {
    fc.assert(
      fc.property(decision, (d) => {
        expect(codesOnlyDecisionJson(d)).toBe(JSON.stringify(redactDecision(d)));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same bytes for a code sequence met again (kept once) as for its first time', () => {
    // A small alphabet, so sequences repeat and prefixes are shared, as a sync's not-linked mail does.
    const few = fc.constantFrom('E1', 'E3_NO_END_USER', 'pass', 'n/a', '');
    const repeated = fc.record({
      kind: fc.constantFrom('email', 'meeting'),
      outcome: fc.constantFrom('not_linked', 'linked'),
      accounts: fc.constant([]),
      checks: fc.array(fc.record({ rule: few, status: few, code: few, detail: text }), { maxLength: 3 }),
      remedies: fc.array(fc.record({ code: few, text }), { maxLength: 2 }),
      hints: fc.constant([]),
    }) as fc.Arbitrary<Decision>;
    fc.assert(
      fc.property(fc.array(repeated, { minLength: 2, maxLength: 20 }), (ds) => {
        for (const d of [...ds, ...ds]) expect(codesOnlyDecisionJson(d)).toBe(JSON.stringify(redactDecision(d)));
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to the serialiser for fields that are not strings (never made by the rules)', () => {
    const odd = {
      kind: 'email',
      outcome: 'not_linked',
      accounts: [],
      checks: [{ rule: 'E1', status: 'pass', code: undefined, detail: 'x' }],
      remedies: [{ code: 7, text: 'y' }],
      hints: [],
    } as unknown as Decision;
    expect(codesOnlyDecisionJson(odd)).toBe(JSON.stringify(redactDecision(odd)));
  });
});
