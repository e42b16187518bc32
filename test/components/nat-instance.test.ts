import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  AL2023_ARM64_AMI,
  NAT_INSTANCE_TAG,
  NatInstance,
  natInstanceUserData,
  type NatInstanceArgs,
} from "../../components/nat-instance";
import { runWithMocks, statementsOf, type Registered } from "../helpers/mock-runtime";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const ASG = "aws:autoscaling/group:Group";
const CIDR = "10.10.0.0/16";

function plan(extra: Partial<NatInstanceArgs> = {}): Promise<Registered[]> {
  return runWithMocks(
    () => {
      const provider = new aws.Provider("home", { region: "us-east-1" });
      const igw = new aws.ec2.InternetGateway("igw", { vpcId: "vpc-1" }, { provider });
      new NatInstance(
        "home-nat",
        {
          vpcId: "vpc-1",
          vpcCidrBlock: CIDR,
          subnetId: "subnet-public-0",
          internetPath: [igw],
          ...extra,
        },
        { provider },
      );
    },
    { home: "us-east-1" },
  );
}

/** The one resource of `type` (names repeat across types: the group, template and role are all `home-nat`). */
const one = (resources: Registered[], type: string, name?: string): Registered => {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, type).to.have.length(1);
  return found[0]!;
};
const decode = (base64: string) => Buffer.from(base64, "base64").toString("utf8");

describe("NatInstance", () => {
  describe("natInstanceUserData", () => {
    const script = decode(natInstanceUserData("eni-0123456789abcdef0", CIDR));

    it("forwards and masquerades only the VPC's traffic, settings that survive a reboot", () => {
      expect(script).to.match(/^#!\/bin\/bash\nset -Eeuo pipefail\n/);
      expect(script).to.include("/etc/sysctl.d/90-nat-instance.conf");
      expect(script).to.include("net.ipv4.ip_forward = 1");
      expect(script).to.include(`ip saddr ${CIDR} oifname "$PUBLIC_IF" masquerade`);
      expect(script).to.include("systemctl enable --now nftables");
    });

    it("retries the steps that can fail for a while, and shuts down when one still fails", () => {
      // Shut down, the launch template's terminate-on-shutdown hands the group a replacement.
      expect(script.split("\n")[2]).to.match(/^trap '.*shutdown -h now' ERR$/);
      expect(script).to.include("\nretry dnf install -y nftables\n");
      expect(script).to.match(/\nretry aws ec2 modify-network-interface-attribute /);
      const retry =
        /^retry\(\) \{ for i in ([\d ]+); do "\$@" && return 0; sleep (\d+); done; return 1; \}$/m.exec(
          script,
        );
      expect(retry, "the retry helper").to.not.equal(null);
      // Ten tries a minute apart in all: longer than IAM takes to propagate a new grant.
      expect(retry![1]!.split(" ")).to.have.length(10);
      expect(Number(retry![2])).to.equal(6);
    });

    it("reads instance metadata with an IMDSv2 token", () => {
      expect(script).to.include("X-aws-ec2-metadata-token-ttl-seconds");
      expect(script).not.to.match(/curl -sf http:\/\/169\.254\.169\.254\/latest\/meta-data/);
    });

    it("turns off its own interface's check, then attaches the static one, retrying", () => {
      const modify = script.indexOf("modify-network-interface-attribute");
      const attach = script.indexOf(
        'attach-network-interface --region "$REGION" --instance-id "$INSTANCE" --network-interface-id eni-0123456789abcdef0 --device-index 1',
      );
      expect(modify).to.be.greaterThan(0);
      expect(script).to.include('--network-interface-id "$PRIMARY_ENI" --no-source-dest-check');
      expect(attach).to.be.greaterThan(modify);
      expect(script.slice(attach - 20, attach)).to.include("until aws ec2");
    });
  });

  describe("under mocks", () => {
    let resources: Registered[];
    before(async () => {
      resources = await plan();
    });

    it("makes a static interface with the source/destination check off", () => {
      const eni = one(resources, ENI);
      expect(eni.inputs).to.include({ subnetId: "subnet-public-0", sourceDestCheck: false });
      expect(eni.inputs.tags).to.deep.equal({ Name: "home-nat", [NAT_INSTANCE_TAG]: "home-nat" });
      expect(eni.id).to.match(/^eni-[0-9a-f]{17}$/);
    });

    it("launches a t4g.nano from AWS's AL2023 arm64 parameter, IMDSv2 only, encrypted gp3, no detailed monitoring", () => {
      const lt = one(resources, LT);
      expect(lt.inputs).to.include({ imageId: AL2023_ARM64_AMI, instanceType: "t4g.nano" });
      expect(AL2023_ARM64_AMI).to.equal(
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      );
      expect(lt.inputs.metadataOptions).to.deep.equal({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        httpEndpoint: "enabled",
      });
      expect(lt.inputs.blockDeviceMappings).to.deep.equal([
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: 8, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
      ]);
      expect(lt.inputs.monitoring).to.deep.equal({ enabled: false });
      expect(lt.inputs.creditSpecification).to.deep.equal({ cpuCredits: "standard" });
      expect(lt.inputs.instanceInitiatedShutdownBehavior).to.equal("terminate");
      expect(lt.inputs.keyName).to.equal(undefined);
    });

    it("gives the first interface a public address and the NAT's group, and hands the static interface to the user data", () => {
      const lt = one(resources, LT);
      const sg = one(resources, "aws:ec2/securityGroup:SecurityGroup");
      expect(lt.inputs.networkInterfaces).to.deep.equal([
        {
          deviceIndex: 0,
          associatePublicIpAddress: "true",
          deleteOnTermination: "true",
          securityGroups: [sg.id],
        },
      ]);
      expect(decode(lt.inputs.userData as string)).to.include(
        `--network-interface-id ${one(resources, ENI).id} --device-index 1`,
      );
      const tagged = (lt.inputs.tagSpecifications as { resourceType: string; tags: object }[]).map(
        (t) => [t.resourceType, t.tags],
      );
      const tags = { Name: "home-nat", [NAT_INSTANCE_TAG]: "home-nat" };
      expect(tagged).to.deep.equal([
        ["instance", tags],
        ["network-interface", tags],
        ["volume", tags],
      ]);
    });

    it("takes another Graviton type when asked", async () => {
      const lt = one(await plan({ instanceType: "t4g.micro" }), LT);
      expect(lt.inputs.instanceType).to.equal("t4g.micro");
    });

    it("admits everything from the VPC and nothing else, and sends anywhere", () => {
      const ingress = resources.filter(
        (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      );
      const egress = resources.filter(
        (r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      );
      expect(ingress.map((r) => [r.inputs.ipProtocol, r.inputs.cidrIpv4])).to.deep.equal([
        ["-1", CIDR],
      ]);
      expect(egress.map((r) => [r.inputs.ipProtocol, r.inputs.cidrIpv4])).to.deep.equal([
        ["-1", "0.0.0.0/0"],
      ]);
    });

    it("keeps exactly one instance, rolled when the template changes, with free group metrics", () => {
      const group = one(resources, ASG);
      const lt = one(resources, LT);
      expect(group.inputs).to.include({
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        healthCheckType: "EC2",
        metricsGranularity: "1Minute",
      });
      expect(group.inputs.vpcZoneIdentifiers).to.deep.equal(["subnet-public-0"]);
      expect(group.inputs.launchTemplate).to.deep.equal({ id: lt.id, version: "1" });
      expect(group.inputs.instanceRefresh).to.deep.equal({
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 0 },
      });
      expect(group.inputs.enabledMetrics).to.deep.equal(["GroupInServiceInstances"]);
    });

    it("lets the instance attach only its interface, to this NAT's instances, and reach it by Session Manager", () => {
      const role = one(resources, "aws:iam/role:Role");
      expect(
        JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Principal,
      ).to.deep.equal({ Service: "ec2.amazonaws.com" });
      const attachments = resources.filter(
        (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      );
      expect(attachments.map((a) => a.inputs.policyArn)).to.deep.equal([
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ]);
      const eni = one(resources, ENI);
      const tag = { StringEquals: { [`aws:ResourceTag/${NAT_INSTANCE_TAG}`]: "home-nat" } };
      expect(statementsOf(one(resources, "aws:iam/rolePolicy:RolePolicy"))).to.deep.equal([
        {
          Sid: "AttachTheStaticInterface",
          Effect: "Allow",
          Action: "ec2:AttachNetworkInterface",
          Resource: eni.state.arn,
        },
        {
          Sid: "ToThisNatsInstances",
          Effect: "Allow",
          Action: "ec2:AttachNetworkInterface",
          Resource: "arn:aws:ec2:us-east-1:123456789012:instance/*",
          Condition: tag,
        },
        {
          Sid: "ForwardOnThisNatsInterfaces",
          Effect: "Allow",
          Action: "ec2:ModifyNetworkInterfaceAttribute",
          Resource: "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
          Condition: tag,
        },
      ]);
    });

    it("alarms when no instance is in service for five minutes, notifying where asked", async () => {
      const alarm = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
      expect(alarm.inputs).to.include({
        namespace: "AWS/AutoScaling",
        metricName: "GroupInServiceInstances",
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        period: 60,
        evaluationPeriods: 5,
      });
      expect(alarm.inputs.dimensions).to.deep.equal({
        AutoScalingGroupName: one(resources, ASG).state.name,
      });
      expect(alarm.inputs.alarmActions).to.deep.equal([]);
      const topic = "arn:aws:sns:us-east-1:123456789012:oncall";
      const notified = one(
        await plan({ alarmActions: [topic] }),
        "aws:cloudwatch/metricAlarm:MetricAlarm",
      );
      expect(notified.inputs.alarmActions).to.deep.equal([topic]);
      expect(notified.inputs.okActions).to.deep.equal([topic]);
    });
  });

  describe("spot", () => {
    it("launches from the template on demand by default: no mixed instances policy", async () => {
      const group = one(await plan(), ASG);
      expect(group.inputs.launchTemplate).to.not.equal(undefined);
      expect(group.inputs.mixedInstancesPolicy).to.equal(undefined);
      expect(group.inputs.capacityRebalance).to.equal(undefined);
    });

    it("on Spot, runs every instance on Spot over the type and the next size, rebalancing", async () => {
      const resources = await plan({ spot: true });
      const group = one(resources, ASG);
      const lt = one(resources, LT);
      expect(group.inputs.launchTemplate).to.equal(undefined);
      expect(group.inputs.capacityRebalance).to.equal(true);
      expect(group.inputs.mixedInstancesPolicy).to.deep.equal({
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: "price-capacity-optimized",
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId: lt.id, version: "1" },
          overrides: [{ instanceType: "t4g.nano" }, { instanceType: "t4g.micro" }],
        },
      });
      // The policy decides the purchase option; a template asking for Spot would be refused.
      expect(lt.inputs.instanceMarketOptions).to.equal(undefined);
      expect(lt.inputs.instanceType).to.equal("t4g.nano");
    });

    it("follows the instance type it is given", async () => {
      const group = one(await plan({ spot: true, instanceType: "t4g.micro" }), ASG);
      expect(group.inputs.mixedInstancesPolicy.launchTemplate.overrides).to.deep.equal([
        { instanceType: "t4g.micro" },
        { instanceType: "t4g.small" },
      ]);
    });
  });
});
