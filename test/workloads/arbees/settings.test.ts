import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { asProd, problemsOf, validRaw, withSetting } from "../../helpers/stack-config";

describe("arbees settings", () => {
  it("fills its latency defaults", () => {
    expect(parseStackConfig(validRaw()).arbees).to.include({
      pollInterval: "1.0",
      crunchTimeInterval: "0.25",
      marketDataTtl: "5",
      syncDeltaTolerance: "0.5",
    });
  });

  it("requires a domain (HTTPS) in prod, not in dev", () => {
    const problem = {
      key: "platform:arbees.domainName",
      message: "is required in prod: prod load balancers serve TLS only",
    };
    expect(problemsOf(asProd())).to.deep.include(problem);
    const domain = withSetting("arbees", (a) => {
      a.domainName = "arbees.trading.io";
      a.hostedZoneId = "Z1D633PJN98FT9";
    });
    expect(problemsOf(asProd(domain))).not.to.deep.include(problem);
  });

  it("needs domainName and hostedZoneId together", () => {
    const raw = withSetting("arbees", (a) => (a.domainName = "arbees.trading.io"));
    expect(problemsOf(raw)).to.deep.equal([
      {
        key: "platform:arbees.hostedZoneId",
        message: "is required with domainName and hostedZoneId together",
      },
    ]);
  });
});
