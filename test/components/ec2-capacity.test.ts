import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  ECS_MEMORY_RESERVE,
  GRAVITON_INSTANCE_TYPES,
  ec2Capacity,
  ecsUserData,
  smallestInstanceType,
  taskCapacityOf,
  type Ec2CapacitySize,
} from "../../components/ec2-capacity";
import type { Network } from "../../components/network";
import { spotInstanceTypes } from "../../components/spot";
import { runWithMocks, type Registered } from "../helpers/mock-runtime";

/** The capacity's resources under mocks, in a stand-in network (its VPC and private subnets). */
function capacity(size: Partial<Ec2CapacitySize> = {}): Promise<Registered[]> {
  return runWithMocks(() => {
    const provider = new aws.Provider("home", { region: "us-east-1" });
    const network = { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] };
    ec2Capacity(
      "gw",
      {
        instanceType: "t4g.micro",
        min: 1,
        max: 2,
        ...size,
        network: network as unknown as Network,
        clusterName: "gw-cluster",
      },
      { provider },
    );
  });
}
const ofType = (resources: Registered[], type: string) => {
  const found = resources.filter((r) => r.type === type);
  expect(found, type).to.have.length(1);
  return found[0]!;
};
const decode = (base64: string) => Buffer.from(base64, "base64").toString("utf8");

describe("ec2-capacity", () => {
  describe("taskCapacityOf", () => {
    it("offers 1024 CPU units a vCPU and the memory ECS does not keep back", () => {
      expect(ECS_MEMORY_RESERVE).to.equal(0.1);
      expect(taskCapacityOf({ vcpus: 2, memoryGiB: 1 })).to.deep.equal({ cpu: 2048, memory: 921 });
      expect(taskCapacityOf({ vcpus: 2, memoryGiB: 2 })).to.deep.equal({ cpu: 2048, memory: 1843 });
    });
  });

  describe("smallestInstanceType", () => {
    const cases: [string, { cpu: number; memory: number }[], string][] = [
      ["a dev gateway (0.25 vCPU, 512 MiB) on a micro", [{ cpu: 256, memory: 512 }], "t4g.micro"],
      ["up to what a micro offers (921 MiB)", [{ cpu: 256, memory: 921 }], "t4g.micro"],
      ["one MiB more on a small", [{ cpu: 256, memory: 922 }], "t4g.small"],
      ["the prod gateway (1 GiB) on a small", [{ cpu: 512, memory: 1024 }], "t4g.small"],
      ["a tiny task on a nano (460 MiB offered)", [{ cpu: 128, memory: 460 }], "t4g.nano"],
      [
        "tasks summed",
        [
          { cpu: 512, memory: 1024 },
          { cpu: 512, memory: 1024 },
        ],
        "t4g.medium",
      ],
      ["CPU decides past 2 vCPU", [{ cpu: 3072, memory: 1024 }], "t4g.xlarge"],
    ];
    for (const [title, tasks, want] of cases) {
      it(title, () => expect(smallestInstanceType(tasks)).to.equal(want));
    }
    it("keeps the order of the types it is given", () => {
      expect(Object.keys(GRAVITON_INSTANCE_TYPES)[0]).to.equal("t4g.nano");
      expect(
        smallestInstanceType([{ cpu: 256, memory: 512 }], {
          "t4g.small": GRAVITON_INSTANCE_TYPES["t4g.small"]!,
          "t4g.micro": GRAVITON_INSTANCE_TYPES["t4g.micro"]!,
        }),
      ).to.equal("t4g.small");
    });
    it("refuses tasks no type fits, saying how much they need", () => {
      expect(() => smallestInstanceType([{ cpu: 16384, memory: 1024 }])).to.throw(
        /fits 16384 CPU units and 1024 MiB of tasks/,
      );
    });
  });

  describe("spotInstanceTypes", () => {
    const sizes = Object.keys(GRAVITON_INSTANCE_TYPES);
    const cases: [string, string, string[]][] = [
      ["the smallest takes the next size", "t4g.nano", ["t4g.nano", "t4g.micro"]],
      ["a middle size takes the next", "t4g.medium", ["t4g.medium", "t4g.large"]],
      ["the largest stands alone", "t4g.2xlarge", ["t4g.2xlarge"]],
      ["a type outside the list stands alone", "c7g.large", ["c7g.large"]],
    ];
    for (const [title, type, want] of cases) {
      it(title, () => expect(spotInstanceTypes(type, sizes)).to.deep.equal(want));
    }
  });

  describe("ecsUserData", () => {
    it("joins the cluster, and drains on the Spot warning only on Spot", () => {
      const onDemand = decode(ecsUserData("c1"));
      const spot = decode(ecsUserData("c1", true));
      for (const script of [onDemand, spot]) {
        expect(script).to.include("ECS_CLUSTER=c1\n");
        expect(script).to.include("ECS_AWSVPC_BLOCK_IMDS=true\n");
      }
      expect(onDemand).to.not.include("ECS_ENABLE_SPOT_INSTANCE_DRAINING");
      expect(spot).to.include("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\nEOF\n");
    });
  });

  describe("under mocks", () => {
    const ASG = "aws:autoscaling/group:Group";
    const LT = "aws:ec2/launchTemplate:LaunchTemplate";

    it("launches on demand from the template's latest version by default", async () => {
      const resources = await capacity();
      const group = ofType(resources, ASG);
      expect(group.inputs.launchTemplate.version).to.equal("$Latest");
      expect(group.inputs.mixedInstancesPolicy).to.equal(undefined);
      expect(group.inputs.capacityRebalance).to.equal(undefined);
      expect(decode(ofType(resources, LT).inputs.userData)).to.not.include("SPOT");
    });

    it("on Spot: a Spot-only policy over the type and the next size, rebalancing, draining", async () => {
      const resources = await capacity({ spot: true });
      const group = ofType(resources, ASG);
      const lt = ofType(resources, LT);
      expect(group.inputs.launchTemplate).to.equal(undefined);
      expect(group.inputs.capacityRebalance).to.equal(true);
      expect(group.inputs.mixedInstancesPolicy).to.deep.equal({
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: "price-capacity-optimized",
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId: lt.id, version: "$Latest" },
          overrides: [{ instanceType: "t4g.micro" }, { instanceType: "t4g.small" }],
        },
      });
      expect(lt.inputs.instanceMarketOptions).to.equal(undefined);
      expect(decode(lt.inputs.userData)).to.include("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true");
      // ECS still protects busy instances and scales the group, and drains what it removes
      // (Capacity Rebalancing gives no Spot warning).
      expect(group.inputs.protectFromScaleIn).to.equal(true);
      const provider = ofType(resources, "aws:ecs/capacityProvider:CapacityProvider");
      expect(provider.inputs.autoScalingGroupProvider).to.deep.include({
        managedTerminationProtection: "ENABLED",
        managedDraining: "ENABLED",
      });
    });
  });
});
