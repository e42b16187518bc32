import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { transform, type Transform } from "./transform";

export interface EcsClusterArgs {
  /**
   * Container Insights: per-task CPU, memory and running-task metrics, which the running-task
   * alarms read.
   * @default "enabled"
   */
  containerInsights?: "enabled" | "enhanced" | "disabled";
  /** Edits the cluster's args. */
  transform?: Transform<aws.ecs.ClusterArgs>;
}

/**
 * An ECS cluster as the platform runs them, whether services keep its tasks running
 * (RegionalGateway) or a caller starts them on demand (SessionFleet). Created with the caller's
 * options, so it sits under the caller.
 */
export function ecsCluster(
  name: string,
  args: EcsClusterArgs,
  opts: pulumi.CustomResourceOptions,
): aws.ecs.Cluster {
  return new aws.ecs.Cluster(
    ...transform(
      args.transform,
      name,
      { settings: [{ name: "containerInsights", value: args.containerInsights ?? "enabled" }] },
      opts,
    ),
  );
}
