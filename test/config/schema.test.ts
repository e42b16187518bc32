import { expect } from "chai";
import { platformSchema, SECRET_SETTINGS } from "../../config";
import { WORKLOAD_SETTINGS } from "../../workloads/settings";

describe("config schema", () => {
  it("holds the platform's own settings, then each registered workload's under its key", () => {
    expect(Object.keys(platformSchema.shape)).to.deep.equal([
      "environment",
      "azs",
      "natStrategy",
      "logRetentionDays",
      "accessLogs",
      "sharedDatabase",
      "accessLogRetentionDays",
      "containerInsights",
      "ec2Spot",
      "sharedLoadBalancer",
      "reservedConcurrencyElsewhere",
      "regions",
      ...WORKLOAD_SETTINGS.map((w) => w.key),
    ]);
    for (const workload of WORKLOAD_SETTINGS) {
      expect(platformSchema.shape[workload.key], workload.key).to.equal(workload.schema);
    }
  });

  it("declares the secrets every workload reads, each once", () => {
    const declared = WORKLOAD_SETTINGS.flatMap((w) => Object.keys(w.secrets ?? {}));
    expect(SECRET_SETTINGS).to.deep.equal(declared);
    expect(new Set(declared).size).to.equal(declared.length);
  });
});
