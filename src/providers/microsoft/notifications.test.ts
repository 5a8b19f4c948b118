import { describe, expect, it } from 'vitest';
import { handleGraphWebhook, sameSecret } from './notifications.js';

const subs: Record<string, string> = { 'sub-1': 'cs-7f3a9c2e-secret' };
const lookup = (id: string) => subs[id] ?? null;

describe('Graph webhook', () => {
  it('echoes the validation token as text/plain', () => {
    expect(handleGraphWebhook(new URLSearchParams({ validationToken: 'Validation: abc' }), undefined, lookup)).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'Validation: abc',
    });
  });

  it('accepts a notification with the right clientState', () => {
    const r = handleGraphWebhook(
      new URLSearchParams(),
      { value: [{ subscriptionId: 'sub-1', clientState: 'cs-7f3a9c2e-secret', changeType: 'created' }] },
      lookup,
    );
    expect(r).toMatchObject({ status: 202, rejected: 0 });
  });

  it('rejects a wrong, missing or other-length clientState, and unknown subscriptions', () => {
    for (const clientState of ['cs-7f3a9c2e-secreT', undefined, 'cs', 'cs-7f3a9c2e-secret-longer']) {
      expect(handleGraphWebhook(new URLSearchParams(), { value: [{ subscriptionId: 'sub-1', clientState }] }, lookup)).toMatchObject({
        status: 403,
      });
    }
    expect(
      handleGraphWebhook(new URLSearchParams(), { value: [{ subscriptionId: 'nope', clientState: 'cs-7f3a9c2e-secret' }] }, lookup),
    ).toMatchObject({ status: 403 });
  });

  it('drops only the forged ones from a mixed batch', () => {
    const r = handleGraphWebhook(
      new URLSearchParams(),
      {
        value: [
          { subscriptionId: 'sub-1', clientState: 'cs-7f3a9c2e-secret' },
          { subscriptionId: 'sub-1', clientState: 'forged' },
        ],
      },
      lookup,
    );
    expect(r).toMatchObject({ status: 202, rejected: 1 });
  });

  it('a body without "value" is a 400', () => {
    expect(handleGraphWebhook(new URLSearchParams(), { nope: 1 }, lookup)).toMatchObject({ status: 400 });
  });

  it('sameSecret compares exactly', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'b')).toBe(false);
    expect(sameSecret(undefined, 'a')).toBe(false);
  });
});
