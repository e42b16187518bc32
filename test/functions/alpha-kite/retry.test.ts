import { expect } from "chai";
import { StreamerError } from "../../../functions/alpha-kite/lib/errors";
import {
  isTransient,
  MAX_ATTEMPTS,
  RETRY_BUDGET_MS,
  withRetries,
} from "../../../functions/alpha-kite/lib/retry";
import { rejection } from "../../helpers/errors";

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
    expect(await rejection(withRetries(call.attempt, options()))).to.equal(error);
    expect(call.calls()).to.equal(MAX_ATTEMPTS);
  });

  it("does not retry a failure that will not pass, nor past the run's budget", async () => {
    const refused = new StreamerError("SchwabRequestFailed", "HTTP 400");
    const permanent = failing(refused);
    expect(await rejection(withRetries(permanent.attempt, options()))).to.equal(refused);
    expect(permanent.calls()).to.equal(1);
    const slow = new StreamerError("SchwabTimeout", "slow");
    const late = failing(slow);
    expect(await rejection(withRetries(late.attempt, options(RETRY_BUDGET_MS)))).to.equal(slow);
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
