import { expect } from "chai";
import { onFirstUse } from "../../../functions/shared/lazy";

describe("onFirstUse", () => {
  it("loads nothing until first called, then once for every caller", async () => {
    let loads = 0;
    const client = onFirstUse(() => Promise.resolve({ id: ++loads }));
    expect(loads).to.equal(0);
    const [a, b] = await Promise.all([client(), client()]);
    expect(await client())
      .to.equal(a)
      .and.to.equal(b);
    expect(loads).to.equal(1);
  });

  it("retries a load that failed instead of failing every later call", async () => {
    let attempts = 0;
    const client = onFirstUse(() =>
      ++attempts === 1 ? Promise.reject(new Error("throttled")) : Promise.resolve("ready"),
    );
    await client().then(
      () => expect.fail("the first load should fail"),
      (error: Error) => expect(error.message).to.equal("throttled"),
    );
    expect(await client()).to.equal("ready");
    expect(attempts).to.equal(2);
  });
});
