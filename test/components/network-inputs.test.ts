/**
 * Every child a `Network` creates, with exactly the inputs it gets. Each test builds its own
 * network (no shared `before`), so per-test coverage ties each child's code to the tests that check it.
 */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { Network, type NetworkArgs } from "../../components/network";
import { finder, runWithMocks, type Registered } from "../helpers/mock-runtime";

const AZS = ["eu-central-1a", "eu-central-1b"];

/** A network `net` in eu-central-1 (its provider `remote`), its children, and the component. */
async function build(
  args: Partial<NetworkArgs> = {},
): Promise<{ resources: Registered[]; net: Network } & ReturnType<typeof finder>> {
  let net: Network | undefined;
  const resources = await runWithMocks(
    () => {
      const provider = new aws.Provider("remote", { region: "eu-central-1" });
      net = new Network(
        "net",
        { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, ...args },
        { provider },
      );
    },
    { remote: "eu-central-1" },
  );
  return { resources, net: net!, ...finder(resources) };
}

/** The value an Output holds once the mocks have resolved it. */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

const tags = (name: string, tier?: string) => ({
  Name: `net-${name}`,
  ...(tier ? { "platform:tier": tier } : {}),
});

describe("Network: each child's inputs", () => {
  it("creates exactly these children, all on the region's provider", async () => {
    const { resources } = await build();
    const tiers = ["public", "private", "isolated"];
    const perAz = (name: (i: number) => string[]) => [0, 1].flatMap(name);
    expect(resources.map((r) => r.name).sort()).to.deep.equal(
      [
        "net-vpc",
        "net-default-sg",
        "net-igw",
        ...tiers.flatMap((t) =>
          perAz((i) => [`net-${t}-${i}`, `net-${t}-rt-${i}`, `net-${t}-rta-${i}`]),
        ),
        ...perAz((i) => [`net-public-internet-${i}`, `net-private-nat-${i}`]),
        "net-nat-eip-0",
        "net-nat-0",
        "net-s3-endpoint",
        "net-dynamodb-endpoint",
        "net-flow-logs",
        "net-flow-logs-role",
        "net-flow-logs-policy",
        "net-flow-log",
      ].sort(),
    );
    expect(resources.filter((r) => r.provider !== "remote").map((r) => r.name)).to.deep.equal([]);
  });

  it("gives the VPC, internet gateway and default security group exactly these inputs", async () => {
    const { named } = await build();
    const vpcId = named("net-vpc").id;
    expect(named("net-vpc").inputs).to.deep.equal({
      cidrBlock: "10.20.0.0/16",
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: tags("vpc"),
    });
    expect(named("net-igw").inputs).to.deep.equal({ vpcId, tags: tags("igw") });
    expect(named("net-default-sg").inputs).to.deep.equal({
      vpcId,
      ingress: [],
      egress: [],
      tags: tags("default-do-not-use"),
    });
  });

  it("gives each subnet and route table exactly these inputs, tagged with its tier and AZ", async () => {
    const { named } = await build();
    const vpcId = named("net-vpc").id;
    const cidrs: Record<string, string[]> = {
      public: ["10.20.128.0/21", "10.20.136.0/21"],
      private: ["10.20.0.0/19", "10.20.32.0/19"],
      isolated: ["10.20.160.0/21", "10.20.168.0/21"],
    };
    for (const [tier, blocks] of Object.entries(cidrs)) {
      blocks.forEach((cidrBlock, i) => {
        const tierTags = tags(`${tier}-${AZS[i]}`, tier);
        expect(named(`net-${tier}-${i}`).inputs, `${tier} ${i}`).to.deep.equal({
          vpcId,
          cidrBlock,
          availabilityZone: AZS[i],
          mapPublicIpOnLaunch: false,
          tags: tierTags,
        });
        expect(named(`net-${tier}-rt-${i}`).inputs, `${tier} ${i}`).to.deep.equal({
          vpcId,
          tags: tierTags,
        });
        expect(named(`net-${tier}-rta-${i}`).inputs, `${tier} ${i}`).to.deep.equal({
          subnetId: named(`net-${tier}-${i}`).id,
          routeTableId: named(`net-${tier}-rt-${i}`).id,
        });
      });
    }
  });

  it("routes each public subnet to the internet gateway and each private one through the NAT", async () => {
    const { named, ofType } = await build();
    expect(named("net-nat-eip-0").inputs).to.deep.equal({ domain: "vpc", tags: tags("nat-0") });
    expect(named("net-nat-0").inputs).to.deep.equal({
      allocationId: named("net-nat-eip-0").id,
      subnetId: named("net-public-0").id,
      tags: tags(`nat-${AZS[0]}`),
    });
    const routes = Object.fromEntries(ofType("aws:ec2/route:Route").map((r) => [r.name, r.inputs]));
    expect(routes).to.deep.equal({
      "net-public-internet-0": {
        routeTableId: named("net-public-rt-0").id,
        destinationCidrBlock: "0.0.0.0/0",
        gatewayId: named("net-igw").id,
      },
      "net-public-internet-1": {
        routeTableId: named("net-public-rt-1").id,
        destinationCidrBlock: "0.0.0.0/0",
        gatewayId: named("net-igw").id,
      },
      "net-private-nat-0": {
        routeTableId: named("net-private-rt-0").id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: named("net-nat-0").id,
      },
      "net-private-nat-1": {
        routeTableId: named("net-private-rt-1").id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: named("net-nat-0").id,
      },
    });
  });

  it("puts a gateway endpoint of the network's region in every private and isolated route table", async () => {
    const { named } = await build();
    const routeTableIds = ["private-rt-0", "private-rt-1", "isolated-rt-0", "isolated-rt-1"].map(
      (n) => named(`net-${n}`).id,
    );
    for (const service of ["s3", "dynamodb"]) {
      expect(named(`net-${service}-endpoint`).inputs).to.deep.equal({
        vpcId: named("net-vpc").id,
        vpcEndpointType: "Gateway",
        serviceName: `com.amazonaws.eu-central-1.${service}`,
        routeTableIds,
        tags: tags(`${service}-endpoint`),
      });
    }
  });

  it("writes flow logs through a role that may write only to their group", async () => {
    const { named } = await build();
    const group = named("net-flow-logs");
    const role = named("net-flow-logs-role");
    expect(group.inputs).to.deep.equal({ retentionInDays: 14, tags: tags("flow-logs") });
    expect(role.inputs.description).to.equal("VPC flow logs of net to CloudWatch Logs");
    expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: {
              "aws:SourceArn": "arn:aws:ec2:eu-central-1:123456789012:vpc-flow-log/*",
            },
          },
        },
      ],
    });
    expect(named("net-flow-logs-policy").inputs.role).to.equal(role.id);
    expect(JSON.parse(named("net-flow-logs-policy").inputs.policy)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogGroups",
            "logs:DescribeLogStreams",
          ],
          Resource: [group.state.arn, `${group.state.arn}:*`],
        },
      ],
    });
    expect(named("net-flow-log").inputs).to.deep.equal({
      vpcId: named("net-vpc").id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: group.state.arn,
      iamRoleArn: role.state.arn,
      maxAggregationInterval: 600,
      tags: tags("flow-log"),
    });
  });

  it("exposes its block, AZs, ids and tables in AZ order, private tables before isolated", async () => {
    const { named, net } = await build();
    const ids = (outputs: pulumi.Output<string>[]) => Promise.all(outputs.map(valueOf));
    const tier = (t: string) => [0, 1].map((i) => named(`net-${t}-${i}`).id);
    expect(net.cidrBlock).to.equal("10.20.0.0/16");
    expect(net.availabilityZones).to.deep.equal(AZS);
    expect(await valueOf(net.vpcId)).to.equal(named("net-vpc").id);
    expect(await valueOf(net.region)).to.equal("eu-central-1");
    expect(await ids(net.publicSubnetIds)).to.deep.equal(tier("public"));
    expect(await ids(net.privateSubnetIds)).to.deep.equal(tier("private"));
    expect(await ids(net.isolatedSubnetIds)).to.deep.equal(tier("isolated"));
    expect(await ids(net.internalRouteTables.map((rt) => rt.id))).to.deep.equal(
      ["private-rt-0", "private-rt-1", "isolated-rt-0", "isolated-rt-1"].map(
        (n) => named(`net-${n}`).id,
      ),
    );
    expect(await ids(net.natGateways.map((n) => n.id))).to.deep.equal([named("net-nat-0").id]);
    expect(await ids(net.gatewayEndpoints.map((e) => e.id))).to.deep.equal([
      named("net-s3-endpoint").id,
      named("net-dynamodb-endpoint").id,
    ]);
    expect(net.private.map((t) => [t.availabilityZone, t.cidrBlock])).to.deep.equal([
      ["eu-central-1a", "10.20.0.0/19"],
      ["eu-central-1b", "10.20.32.0/19"],
    ]);
  });

  it("spreads four AZs over the layout, one NAT gateway each with perAz", async () => {
    const azs = ["eu-central-1a", "eu-central-1b", "eu-central-1c", "eu-central-1d"];
    const { named, ofType } = await build({ availabilityZones: azs, natStrategy: "perAz" });
    expect(
      ofType("aws:ec2/subnet:Subnet").map((s) => [s.name, s.inputs.cidrBlock]),
    ).to.have.deep.members([
      ...["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19", "10.20.96.0/19"].map((c, i) => [
        `net-private-${i}`,
        c,
      ]),
      ...["10.20.128.0/21", "10.20.136.0/21", "10.20.144.0/21", "10.20.152.0/21"].map((c, i) => [
        `net-public-${i}`,
        c,
      ]),
      ...["10.20.160.0/21", "10.20.168.0/21", "10.20.176.0/21", "10.20.184.0/21"].map((c, i) => [
        `net-isolated-${i}`,
        c,
      ]),
    ]);
    expect(ofType("aws:ec2/natGateway:NatGateway")).to.have.length(4);
    azs.forEach((az, i) => {
      expect(named(`net-nat-eip-${i}`).inputs).to.deep.equal({
        domain: "vpc",
        tags: tags(`nat-${i}`),
      });
      expect(named(`net-nat-${i}`).inputs).to.deep.equal({
        allocationId: named(`net-nat-eip-${i}`).id,
        subnetId: named(`net-public-${i}`).id,
        tags: tags(`nat-${az}`),
      });
      expect(named(`net-private-nat-${i}`).inputs.natGatewayId).to.equal(named(`net-nat-${i}`).id);
    });
  });
});
