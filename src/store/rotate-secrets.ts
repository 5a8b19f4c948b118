// Key rotation: every stored secret re-encrypted from the old key to the new one, in one
// transaction. "Every" means every column named *_enc in any table (connections'
// credentials, webhook signing secrets, and whatever a later table stores the same way),
// found from the database's own schema so a new table cannot be forgotten.
import { sql } from 'kysely';
import type { Store } from './db.js';
import { decryptSecret, encryptSecret, SecretKeyError, type SecretKey } from './secrets.js';

export interface RotationReport {
  /** Values now under the new key, per "table.column". */
  reencrypted: Record<string, number>;
  /** Values that were under the new key already (a rotation run twice). */
  alreadyNew: number;
  total: number;
  newKeyId: string;
}

/** Columns that hold encrypted secrets: "<anything>_enc", in every table. */
export async function secretColumns(db: Store): Promise<{ table: string; column: string }[]> {
  const tables = await db.introspection.getTables();
  return tables.flatMap((t) => t.columns.filter((c) => /_enc$/.test(c.name)).map((c) => ({ table: t.name, column: c.name })))
    .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
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
    for (const { table, column } of columns) {
      const label = `${table}.${column}`;
      report.reencrypted[label] = 0;
      const rows = await sql<{ v: string }>`select ${sql.ref(column)} as v from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(trx);
      for (const { v } of rows.rows) {
        if (v.split(':')[1] === newKey.id) {
          report.alreadyNew++;
          continue;
        }
        let plain: string;
        try {
          plain = decryptSecret(v, oldKey);
        } catch (err) {
          throw new SecretKeyError(`cannot open a secret in ${label} with the old key (${(err as Error).message}); nothing was changed`);
        }
        // Each value is unique (random IV), so it identifies its own row.
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${encryptSecret(plain, newKey)} where ${sql.ref(column)} = ${v}`.execute(trx);
        report.reencrypted[label]++;
        report.total++;
      }
    }
  });
  return report;
}
