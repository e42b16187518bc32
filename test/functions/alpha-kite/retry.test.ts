import { expect } from "chai";
import { StreamerError } from "../../../functions/alpha-kite/lib/errors";
import {
  isTransient,
  MAX_ATTEMPTS,
  RETRY_BUDGET_MS,
  withRetries,
} from "../../../functions/alpha-kite/lib/retry";

describe("Alpha-Kite retries", () => {
  const failing = (error: Error) => {
    let calls = 0;
    return {
      calls: () => calls,
      attempt: () => {
        calls++;
        return Promise.reject(error);
      },
    };
  };
  const options = (now = 0) => ({
    now: () => now,
    startedMs: 0,
    onRetry: () => undefined,
    sleep: () => Promise.resolve(),
  });

  it("tries a transient failure MAX_ATTEMPTS times, then gives up with it", async () => {
    const error = new StreamerError("SchwabUnavailable", "HTTP 503");
    const call = failing(error);
    const outcome = await withRetries(call.attempt, options()).catch((e: unknown) => e);
    expect(outcome).to.equal(error);
    expect(call.calls()).to.equal(MAX_ATTEMPTS);
  });

  it("does not retry a failure that will not pass, nor past the run's budget", async () => {
    const permanent = failing(new StreamerError("SchwabRequestFailed", "HTTP 400"));
    await withRetries(permanent.attempt, options()).catch(() => undefined);
    expect(permanent.calls()).to.equal(1);
    const late = failing(new StreamerError("SchwabTimeout", "slow"));
    await withRetries(late.attempt, options(RETRY_BUDGET_MS)).catch(() => undefined);
    expect(late.calls()).to.equal(1);
  });

  it("knows which failures are transient", () => {
    expect(isTransient(new StreamerError("SchwabRateLimited", "429"))).to.equal(true);
    expect(isTransient(new StreamerError("SupabaseUploadFailed", "503", { transient: true }))).to.be
      .true;
    expect(isTransient(new StreamerError("SupabaseUploadFailed", "400"))).to.equal(false);
    expect(isTransient(new Error("ECONNRESET"))).to.equal(false);
  });
});
