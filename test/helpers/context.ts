/** The context a workload is given (workloads/context.ts), for tests that build one workload. */
import * as aws from "@pulumi/aws";
import type { Network } from "../../components/network";
import type { EnvironmentProfile } from "../../components/profile";
import type { WorkloadContext } from "../../workloads/context";

/** A network a test did not build: reading it fails, naming what the workload needed. */
function absentNetwork(side: string): Network {
  return new Proxy({} as Network, {
    get: (_, property) => {
      throw new Error(`this test's context has no ${side} network (read its ${String(property)})`);
    },
  });
}

/**
 * Both sides on `provider` (call it inside the mocked program), the stack's log retention,
 * and the account and partition from the fake cloud's invokes.
 */
export function testContext(
  environment: EnvironmentProfile,
  provider: aws.Provider,
  networks: { home?: Network; remote?: Network } = {},
): WorkloadContext {
  const side = (name: "home" | "remote") => ({
    network: networks[name] ?? absentNetwork(name),
    provider,
    region: name === "home" ? "us-east-1" : "eu-central-1",
  });
  return {
    environment,
    isProd: environment === "prod",
    logRetentionInDays: environment === "prod" ? 90 : 14,
    // As platform:containerInsights defaults: on in prod, off in dev.
    containerInsights: environment === "prod",
    // As platform:ec2Spot defaults: on in dev, off in prod.
    ec2Spot: environment !== "prod",
    home: side("home"),
    remote: side("remote"),
    accountId: aws.getCallerIdentityOutput({}, { provider }).accountId,
    partition: aws.getPartitionOutput({}, { provider }).partition,
  };
}
