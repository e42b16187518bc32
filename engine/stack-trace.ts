/**
 * An error's stack as people read it: with TypeScript lines. Under tools/register.js (what `npm run
 * plan` starts with) stacks are formatted unmapped, because Pulumi formats thousands of them, and
 * mapped here only when one is shown; under ts-node they are mapped already.
 */
const mapStack = (globalThis as Record<symbol, unknown>)[Symbol.for("platform.mapStack")] as
  ((stack: string) => string) | undefined;

/** `err.stack` with TypeScript positions, or the message of a non-Error. */
export function readableStack(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const stack = err.stack ?? `${err.name}: ${err.message}`;
  return mapStack ? mapStack(stack) : stack;
}
