// Key rotation: every stored secret re-encrypted from the old key to the new one, in one
// transaction. "Every" means every column named *_enc in any table (connections'
// credentials, webhook signing secrets, and whatever a later table stores the same way),
// found from the database's own schema so a new table cannot be forgotten, and every
// "...Enc" field inside a JSON `config` column (a connector's push state keeps its
// encrypted clientState there).
import { sql } from 'kysely';
import type { Store } from './db.js';
import { decryptSecret, encryptSecret, SecretKeyError, type SecretKey } from '../secrets/secrets.js';

export interface RotationReport {
  /** Values now under the new key, per "table.column". */
  reencrypted: Record<string, number>;
  /** Values that were under the new key already (a rotation run twice). */
  alreadyNew: number;
  total: number;
  newKeyId: string;
}

/** Columns that hold encrypted secrets: "<anything>_enc" (whole value) or "config" (JSON with "...Enc" fields). */
export async function secretColumns(db: Store): Promise<{ table: string; column: string; json: boolean }[]> {
  const tables = await db.introspection.getTables();
  return tables
    .flatMap((t) =>
      t.columns
        .filter((c) => /_enc$/.test(c.name) || c.name === 'config')
        .map((c) => ({ table: t.name, column: c.name, json: c.name === 'config' })),
    )
    .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}

const ENCRYPTED = /^v1:[0-9a-f]{8}:/;

/** Re-encrypts the "...Enc" string fields of a JSON value in place; how many. */
function rotateJson(value: unknown, rotate: (enc: string) => string | null): number {
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += rotateJson(v, rotate);
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (/Enc$/.test(k) && typeof v === 'string' && ENCRYPTED.test(v)) {
        const next = rotate(v);
        if (next !== null) {
          obj[k] = next;
          n++;
        }
      } else n += rotateJson(v, rotate);
    }
  }
  return n;
}

/**
 * Throws SecretKeyError naming the first value that the old key cannot open; then nothing
 * has changed (the transaction is rolled back).
 */
export async function rotateSecrets(db: Store, oldKey: SecretKey, newKey: SecretKey): Promise<RotationReport> {
  if (oldKey.id === newKey.id) throw new SecretKeyError('the new key is the same as the old one');
  const columns = await secretColumns(db);
  const report: RotationReport = { reencrypted: {}, alreadyNew: 0, total: 0, newKeyId: newKey.id };
  await db.transaction().execute(async (trx) => {
    /** The value under the new key; null when it is under the new key already. */
    const rotate =
      (label: string) =>
      (v: string): string | null => {
        if (v.split(':')[1] === newKey.id) {
          report.alreadyNew++;
          return null;
        }
        let plain: string;
        try {
          plain = decryptSecret(v, oldKey);
        } catch (err) {
          throw new SecretKeyError(`cannot open a secret in ${label} with the old key (${(err as Error).message}); nothing was changed`);
        }
        return encryptSecret(plain, newKey);
      };
    for (const { table, column, json } of columns) {
      const label = `${table}.${column}`;
      let count = 0;
      const rows = await sql<{
        v: string;
      }>`select ${sql.ref(column)} as v from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(trx);
      for (const { v } of rows.rows) {
        let next: string | null;
        if (json) {
          let doc: unknown;
          try {
            doc = JSON.parse(v);
          } catch {
            continue; // not JSON: holds no secret we wrote
          }
          const n = rotateJson(doc, rotate(label));
          count += n;
          next = n ? JSON.stringify(doc) : null;
        } else {
          next = rotate(label)(v);
          if (next !== null) count++;
        }
        // An encrypted value is unique (random IV), and so is a config holding one: it identifies its own row.
        if (next !== null)
          await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${next} where ${sql.ref(column)} = ${v}`.execute(trx);
      }
      if (count || !json) report.reencrypted[label] = count;
      report.total += count;
    }
  });
  return report;
}
