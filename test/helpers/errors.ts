/**
 * The error a test expects, or a failure when there is none. A test that catches an error with
 * try/catch passes when the code stops throwing; these fail instead (eslint forbids try/catch in
 * test files and points here).
 */
import { AssertionError } from "chai";

function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  throw new AssertionError(`expected an Error to be thrown, got ${String(value)}`);
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  let resolved: unknown;
  try {
    resolved = await promise;
  } catch (error) {
    return asError(error);
  }
  throw new AssertionError(`expected a rejection, but the promise resolved to ${show(resolved)}`);
}

/** The error `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): Error {
  let returned: unknown;
  try {
    returned = fn();
  } catch (error) {
    return asError(error);
  }
  throw new AssertionError(`expected an error to be thrown, but it returned ${show(returned)}`);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
