// How a use case's refusal is checked in tests: it must be an AppError (the code every face
// maps), not any exception.
import { expect } from 'vitest';
import { AppError } from '../../src/app/errors.js';

/** The AppError `work` fails with; the test fails if it succeeds or throws anything else. */
export async function appFailure(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
