// Microsoft 365 configuration: the Entra ID app's client id/secret from the Config,
// and endpoint overrides for the local emulator (production leaves them unset).
import type { MicrosoftConfig } from '../../config/schema.js';
import { SourceError } from '../types.js';

/** Minimal delegated scopes: read mail, read calendars, and a refresh token. */
export const MAIL_SCOPE = 'https://graph.microsoft.com/Mail.Read';
export const CALENDAR_SCOPE = 'https://graph.microsoft.com/Calendars.Read';
export const GRAPH_SCOPES = [MAIL_SCOPE, CALENDAR_SCOPE];
/**
 * Outlook IMAP (XOAUTH2) is another resource than Graph: its access tokens are asked for
 * with this scope, which the Entra ID app must have and the user must have consented to.
 */
export const IMAP_SCOPES = ['https://outlook.office.com/IMAP.AccessAsUser.All'];
export const IMAP_CONSENT_SCOPES = [...IMAP_SCOPES, 'offline_access'];
/** Asked for at consent only; msal adds openid/profile/offline_access itself to token requests. */
export const CONSENT_SCOPES = ['Mail.Read', 'Calendars.Read', 'offline_access'];

export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/common';
export const DEFAULT_GRAPH_BASE = 'https://graph.microsoft.com';

export interface MicrosoftSettings {
  clientId: string;
  clientSecret: string;
  /** The authority URL (tenant or `common`); http only for an emulator on loopback. */
  authority: string;
  /** Graph's root (without /v1.0). */
  graphBaseUrl: string;
}

export function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

export function checkUrl(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new SourceError('INTERNAL', `${name} is not a URL: "${value}"`);
  }
  if (u.protocol !== 'https:' && !isLoopbackHttp(value))
    throw new SourceError('INTERNAL', `${name} must be https (plain http only to a test server on loopback)`);
  return value.replace(/\/+$/, '');
}

/**
 * The Entra ID app from the Config. The settings are optional as a group (an install without
 * Microsoft 365 sets none): using Microsoft without them is one error naming what is missing.
 */
export function microsoftSettings(c: MicrosoftConfig): MicrosoftSettings {
  const missing = [
    ...(c.clientId ? [] : ['TOUCHPOINT_MICROSOFT_CLIENT_ID']),
    ...(c.clientSecret ? [] : ['TOUCHPOINT_MICROSOFT_CLIENT_SECRET']),
  ];
  if (missing.length || !c.clientId || !c.clientSecret) {
    throw new SourceError(
      'INTERNAL',
      `TOUCHPOINT_MICROSOFT_CLIENT_ID and TOUCHPOINT_MICROSOFT_CLIENT_SECRET must be set to use Microsoft 365 connections (not set: ${missing.join(', ')})`,
    );
  }
  return {
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authority: checkUrl('TOUCHPOINT_MICROSOFT_AUTHORITY', c.authority || DEFAULT_AUTHORITY),
    graphBaseUrl: checkUrl('TOUCHPOINT_GRAPH_BASE_URL', c.graphBaseUrl || DEFAULT_GRAPH_BASE),
  };
}
