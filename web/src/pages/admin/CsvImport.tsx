// CSV import of end users (a file or pasted text) with the row-by-row report.
import { useState, type FormEvent } from 'react';
import { api, type ImportResult } from '../../api.js';
import { Field, useAction, TableWrap } from '../../ui.js';
import type { AdminSync } from './sync.js';

export function CsvImport({ changed }: Pick<AdminSync, 'changed'>) {
  const act = useAction();
  const [csv, setCsv] = useState('account_id,email,name,external_id\n');
  const [source, setSource] = useState('csv');
  const [r, setR] = useState<ImportResult | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const res = await api<ImportResult>('POST', '/v1/end-users/import', { csv, source });
      setR(res);
      changed();
      return (
        `Imported: ${res.counts.created} created, ${res.counts.unchanged} unchanged, ${res.counts.skipped_suppressed} skipped ` +
        `(suppressed), ${res.counts.error} errors.`
      );
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="csv-h">
      <h2 id="csv-h">CSV import</h2>
      <Field label="Source" hint="csv, manual, crm:<name>, support:<name> or integration:<name>">
        <input value={source} onChange={(e) => setSource(e.target.value)} required />
      </Field>
      <Field label="CSV file">
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
      </Field>
      <Field label="CSV text" hint="Columns account_id,email,name,external_id">
        <textarea value={csv} onChange={(e) => setCsv(e.target.value)} required />
      </Field>
      <button type="submit" disabled={act.busy}>
        Import
      </button>
      {act.status}
      {r ? (
        <TableWrap>
          <table aria-label="Import report">
            <thead>
              <tr>
                <th>Line</th>
                <th>Email</th>
                <th>Account</th>
                <th>Outcome</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row) => (
                <tr key={row.line}>
                  <td>{row.line}</td>
                  <td>{row.email ?? ''}</td>
                  <td>{row.accountId ?? ''}</td>
                  <td className={row.outcome === 'error' ? 'fail' : ''}>{row.outcome.replace('_', ' ')}</td>
                  <td>{row.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </form>
  );
}
