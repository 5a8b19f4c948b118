// OAuth apps are optional as a group: a Config without them loads, and using the provider
// says which variables are missing, where it is used.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { googleSettings } from './google/auth.js';
import { microsoftSettings } from './microsoft/settings.js';
import { SourceError } from './types.js';

describe('OAuth settings from the Config', () => {
  it('Google: names each missing variable', () => {
    expect(() => googleSettings(loadConfig({}).google)).toThrow(SourceError);
    expect(() => googleSettings(loadConfig({}).google)).toThrow(
      /must be set to use Google connections \(not set: TOUCHPOINT_GOOGLE_CLIENT_ID, TOUCHPOINT_GOOGLE_CLIENT_SECRET\)$/,
    );
    const onlyId = loadConfig({ env: { TOUCHPOINT_GOOGLE_CLIENT_ID: 'cid' } }).google;
    expect(() => googleSettings(onlyId)).toThrow(/\(not set: TOUCHPOINT_GOOGLE_CLIENT_SECRET\)$/);
  });

  it('Google: client and endpoints when set', () => {
    const env = {
      TOUCHPOINT_GOOGLE_CLIENT_ID: 'cid',
      TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'secret',
      TOUCHPOINT_GOOGLE_TOKEN_URL: 'http://127.0.0.1:1/token',
    };
    expect(googleSettings(loadConfig({ env }).google)).toEqual({
      clientId: 'cid',
      clientSecret: 'secret',
      tokenUrl: 'http://127.0.0.1:1/token',
    });
  });

  it('Microsoft: names each missing variable; the endpoints default to the real ones', () => {
    expect(() => microsoftSettings(loadConfig({}).microsoft)).toThrow(
      /^TOUCHPOINT_MICROSOFT_CLIENT_ID and TOUCHPOINT_MICROSOFT_CLIENT_SECRET must be set .*\(not set: TOUCHPOINT_MICROSOFT_CLIENT_ID, TOUCHPOINT_MICROSOFT_CLIENT_SECRET\)$/,
    );
    const env = { TOUCHPOINT_MICROSOFT_CLIENT_ID: 'cid', TOUCHPOINT_MICROSOFT_CLIENT_SECRET: 's' };
    expect(microsoftSettings(loadConfig({ env }).microsoft)).toEqual({
      clientId: 'cid',
      clientSecret: 's',
      authority: 'https://login.microsoftonline.com/common',
      graphBaseUrl: 'https://graph.microsoft.com',
    });
  });
});
