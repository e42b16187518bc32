/**
 * The two stack traces Pulumi's SDK takes that the offline engine never reads, turned off: a CPU
 * profile of the plan showed formatting them (thousands per plan) as its largest cost.
 *
 * - `debuggablePromise` stores `new Error().stack` on every promise it tracks, which only its
 *   promise-leak report prints, and only with PULUMI_DEBUG_PROMISE_LEAKS set (then left as is).
 * - `Resource.callsites` formats the full stack of every resource for the source position sent to
 *   the engine; the mock monitor drops it (and the plan records no positions).
 *
 * Errors keep their stacks: only these captures are skipped. There is no SDK option for either, so
 * this wraps the SDK's own (CommonJS) exports, which its modules read at each call.
 */
import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module, untyped.
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
};

let applied = false;

export function skipUnreadStackTraces(): void {
  if (applied) return;
  applied = true;
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    const track = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (p, ctx) => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return track(p, ctx);
      } finally {
        Error.stackTraceLimit = limit;
      }
    };
  }
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
}
