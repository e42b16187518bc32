import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { asProd, validRaw, withSetting } from "../../helpers/stack-config";

describe("fredJobs settings", () => {
  it("fills every default when the stack sets none", () => {
    expect(parseStackConfig(validRaw()).fredJobs).to.deep.equal({
      corsOrigins: [],
      rateLimit: 500,
      burstLimit: 1000,
      memorySize: 1024,
      uploadRetentionDays: 90,
      instanceClass: "db.t4g.micro",
    });
  });

  it("sizes the database by profile unless the stack names a class", () => {
    const prod = asProd(
      withSetting("quickbets", (q) => {
        q.websocket = {
          domainName: "ws.quickbets.io",
          certificateArn: "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e",
        };
      }),
    );
    const prodWithDomain = withSetting(
      "arbees",
      (a) => Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" }),
      prod,
    );
    expect(parseStackConfig(prodWithDomain).fredJobs.instanceClass).to.equal("db.t4g.small");
    const named = withSetting(
      "fredJobs",
      (f) => (f.instanceClass = "db.r7g.large"),
      prodWithDomain,
    );
    expect(parseStackConfig(named).fredJobs.instanceClass).to.equal("db.r7g.large");
  });
});
