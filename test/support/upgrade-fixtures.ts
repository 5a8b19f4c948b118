// The databases release 0.1.0 built (test/fixtures/upgrade/, made by
// scripts/upgrade-fixtures/make.sh), copied into a fresh test database of either dialect.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js';
import type { ExplainSample } from './compare-stores.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/upgrade');
/** The passphrase 0.1.0 encrypted the fixtures' secrets with (a test key, committed with them). */
export const FIXTURE_KEY = 'touchpoint upgrade fixture key 0.1.0, not a real secret';
/** The clock the fixtures were built and explained at. */
export const FIXTURE_NOW = new Date('2026-03-10T12:00:00Z');
/** Plaintexts 0.1.0 stored encrypted: an IMAP and a CalDAV password, a webhook signing secret. */
export const FIXTURE_PLAINTEXTS = ['imap-pass-0.1.0', 'caldav-pass-0.1.0', 'webhook-signing-secret-0.1.0-abcdef'];

export const fixtureJson = <T>(name: string): T => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;

/** 0.1.0's explain answers, keyed "email <id>" / "meeting <uid>[ @<occurrence>]". */
export function fixtureAnswers(dialect: Dialect): Record<string, unknown> {
  return fixtureJson(`explain-0.1.0.${dialect}.json`);
}

/** The sample, read back from the answers' keys: the test asks exactly what 0.1.0 was asked. */
export function sampleOf(answers: Record<string, unknown>): ExplainSample {
  const sample: ExplainSample = { emails: [], meetings: [] };
  for (const key of Object.keys(answers)) {
    const [kind, id, at] = key.split(' ');
    if (kind === 'email') sample.emails.push(id!);
    else sample.meetings.push(at ? [id!, at.slice(1)] : [id!]);
  }
  return sample;
}

/** A fresh database holding 0.1.0's fixture as 0.1.0 left it (not migrated). */
export async function loadFixture(dialect: Dialect, label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(dialect, label);
  if (dialect === 'sqlite') copyFileSync(path.join(FIXTURES, 'touchpoint-0.1.0.db'), database.location);
  else
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(FIXTURES, 'touchpoint-0.1.0.postgres.sql'), database.location], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  return database;
}
