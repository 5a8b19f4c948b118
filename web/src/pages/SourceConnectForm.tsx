// Connecting a directory source from the Sync page: the same settings as `touchpoint source
// connect` (docs/sources.md), the credential typed into a password field, sent once over the API,
// stored encrypted and never shown again. Connecting a kind that is already connected
// re-authorizes it (a new token after a revoked one).
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Field, useAction } from '../ui.js';

type Kind = 'hubspot' | 'salesforce' | 'zendesk';

const FIELDS: Record<Kind, { key: string; label: string; hint?: string; required: boolean }[]> = {
  hubspot: [{ key: 'baseUrl', label: 'API address', hint: 'Leave empty for https://api.hubapi.com', required: false }],
  salesforce: [
    { key: 'instanceUrl', label: 'Instance URL', hint: 'e.g. https://acme.my.salesforce.com', required: true },
    { key: 'clientId', label: 'Connected app consumer key', required: true },
    { key: 'loginUrl', label: 'Login URL', hint: 'Leave empty for https://login.salesforce.com', required: false },
  ],
  zendesk: [
    { key: 'url', label: 'Zendesk address', hint: 'https://<subdomain>.zendesk.com', required: true },
    { key: 'email', label: 'Agent email', hint: 'The admin the API token belongs to', required: true },
  ],
};

/** The primary email field's name at each source (what the mapping uses when "Email fields" is empty). */
const PRIMARY: Record<Kind, string> = { hubspot: 'email', salesforce: 'Email', zendesk: 'email' };

const SECRET: Record<Kind, string> = {
  hubspot: 'Private-app token',
  salesforce: 'OAuth refresh token',
  zendesk: 'API token',
};

export function SourceConnectForm({ onConnected }: { onConnected: () => void }) {
  const act = useAction();
  const [kind, setKind] = useState<Kind>('hubspot');
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState('');
  // The mapping, as `source connect`'s --email-fields, --accounts and --remove-deleted-accounts.
  const [emailFields, setEmailFields] = useState('');
  const [accounts, setAccounts] = useState('source-id');
  const [removeDeleted, setRemoveDeleted] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const filled = Object.fromEntries(FIELDS[kind].map((f) => [f.key, settings[f.key]?.trim() ?? '']).filter(([, v]) => v !== ''));
    const fields = emailFields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    // Only what differs from the defaults: re-authorizing (connecting a kind again) keeps the
    // mapping it has, and a changed mapping would sync every record again.
    const mapping = {
      ...(fields.length ? { emailFields: fields } : {}),
      ...(accounts !== 'source-id' ? { accounts } : {}),
      ...(removeDeleted ? { companyDeleted: 'remove-account' } : {}),
    };
    void act.run(async () => {
      const r = await api<{ reauthorized: boolean; source: { source: string } }>('POST', '/v1/sources', {
        kind,
        settings: filled,
        secret,
        mapping,
      });
      setSecret('');
      onConnected();
      return r.reauthorized
        ? `Re-authorized ${r.source.source}: it syncs again from where it stopped.`
        : `Connected ${r.source.source}: its first sync has started.`;
    });
  };
  return (
    <form className="card" aria-label="Connect a directory source" onSubmit={submit}>
      <h3>Connect a directory source</h3>
      <Field label="Source">
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          <option value="hubspot">HubSpot</option>
          <option value="salesforce">Salesforce</option>
          <option value="zendesk">Zendesk</option>
        </select>
      </Field>
      {FIELDS[kind].map((f) => (
        <Field key={`${kind}-${f.key}`} label={f.label} {...(f.hint ? { hint: f.hint } : {})}>
          <input
            value={settings[f.key] ?? ''}
            required={f.required}
            onChange={(e) => setSettings({ ...settings, [f.key]: e.target.value })}
          />
        </Field>
      ))}
      <Field label="Email fields" hint={`Source fields whose addresses make end users, comma-separated; empty: ${PRIMARY[kind]} only`}>
        <input value={emailFields} placeholder={PRIMARY[kind]} onChange={(e) => setEmailFields(e.target.value)} />
      </Field>
      <Field label="Companies become">
        <select value={accounts} onChange={(e) => setAccounts(e.target.value)}>
          <option value="source-id">their own account, made on first sight</option>
          <option value="domain">the existing account named after their domain</option>
          <option value="external-id">the existing account whose id is their id at the source</option>
        </select>
      </Field>
      <Field label="When a company is deleted there">
        <select value={removeDeleted ? 'remove' : 'keep'} onChange={(e) => setRemoveDeleted(e.target.value === 'remove')}>
          <option value="keep">keeps its account and end users (no longer synced)</option>
          <option value="remove">removes its end users, and its account once empty</option>
        </select>
      </Field>
      <Field label={SECRET[kind]} hint="Stored encrypted; never shown again">
        <input type="password" autoComplete="off" value={secret} required onChange={(e) => setSecret(e.target.value)} />
      </Field>
      <button type="submit" disabled={act.busy}>
        Connect
      </button>
      {act.status}
    </form>
  );
}
