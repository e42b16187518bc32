import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { asProd, problemsOf, validRaw, withSetting } from "../../helpers/stack-config";

const CERTIFICATE = "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d";

describe("arbees settings", () => {
  it("fills its latency defaults", () => {
    expect(parseStackConfig(validRaw()).arbees).to.include({
      pollInterval: "1.0",
      crunchTimeInterval: "0.25",
      marketDataTtl: "5",
      syncDeltaTolerance: "0.5",
    });
  });

  it("sizes services by profile unless the stack sets them", () => {
    expect(parseStackConfig(validRaw()).arbees).to.include({
      replicas: 1,
      strategyEngineMaxTasks: 2,
    });
    const prod = withSetting(
      "quickbets",
      (q) => (q.websocket = { domainName: "ws.quickbets.io", certificateArn: CERTIFICATE }),
      asProd(),
    );
    const domain = (a: Record<string, any>) =>
      Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" });
    expect(parseStackConfig(withSetting("arbees", domain, prod)).arbees).to.include({
      replicas: 2,
      strategyEngineMaxTasks: 6,
    });
    const three = withSetting("arbees", (a) => Object.assign(domain(a), { replicas: 3 }), prod);
    expect(parseStackConfig(three).arbees).to.include({ replicas: 3, strategyEngineMaxTasks: 6 });
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
