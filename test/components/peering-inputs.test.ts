/**
 * Every child a `Peering` creates, with exactly the inputs and provider it gets. Each test builds
 * its own networks (no shared `before`), so per-test coverage ties the code to the tests that check it.
 */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { Network } from "../../components/network";
import { Peering } from "../../components/peering";
import { finder, runWithMocks, type Registered } from "../helpers/mock-runtime";

async function build(dnsResolution?: boolean) {
  let peering: Peering | undefined;
  const resources = await runWithMocks(
    () => {
      const home = new aws.Provider("home", { region: "us-east-1" });
      const remote = new aws.Provider("remote", { region: "eu-central-1" });
      const network = (name: string, cidrBlock: string, region: string, provider: aws.Provider) =>
        new Network(
          name,
          { cidrBlock, availabilityZones: [`${region}a`, `${region}b`], natStrategy: "none" },
          { provider },
        );
      peering = new Peering("pcx", {
        requester: { network: network("home", "10.10.0.0/16", "us-east-1", home), provider: home },
        accepter: {
          network: network("remote", "10.11.0.0/16", "eu-central-1", remote),
          provider: remote,
        },
        ...(dnsResolution === undefined ? {} : { dnsResolution }),
      });
    },
    { home: "us-east-1", remote: "eu-central-1" },
  );
  return { resources, peering: peering!, ...finder(resources) };
}

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> =>
  (output as unknown as { promise(): Promise<T> }).promise();

/** A child's provider and inputs. */
const placed = (r: Registered) => ({ provider: r.provider, inputs: r.inputs });

describe("Peering: each child's inputs", () => {
  it("requests the connection at home and accepts it remotely, with exactly these inputs", async () => {
    const { named } = await build();
    expect(placed(named("pcx-connection"))).to.deep.equal({
      provider: "home",
      inputs: {
        vpcId: named("home-vpc").id,
        peerVpcId: named("remote-vpc").id,
        peerRegion: "eu-central-1",
        autoAccept: false,
        tags: { Name: "pcx-requester" },
      },
    });
    expect(placed(named("pcx-accepter"))).to.deep.equal({
      provider: "remote",
      inputs: {
        vpcPeeringConnectionId: named("pcx-connection").id,
        autoAccept: true,
        tags: { Name: "pcx-accepter" },
      },
    });
  });

  it("resolves DNS across the peering by default, each side's option from its own region", async () => {
    const { named } = await build();
    const pcx = named("pcx-connection").id;
    expect(placed(named("pcx-requester-options"))).to.deep.equal({
      provider: "home",
      inputs: { vpcPeeringConnectionId: pcx, requester: { allowRemoteVpcDnsResolution: true } },
    });
    expect(placed(named("pcx-accepter-options"))).to.deep.equal({
      provider: "remote",
      inputs: { vpcPeeringConnectionId: pcx, accepter: { allowRemoteVpcDnsResolution: true } },
    });
  });

  it("leaves DNS resolution off on both sides with dnsResolution false", async () => {
    const { named } = await build(false);
    expect(named("pcx-requester-options").inputs.requester).to.deep.equal({
      allowRemoteVpcDnsResolution: false,
    });
    expect(named("pcx-accepter-options").inputs.accepter).to.deep.equal({
      allowRemoteVpcDnsResolution: false,
    });
  });

  it("routes the peer's CIDR from each private and isolated table, and from nothing else", async () => {
    const { named, ofType, peering } = await build();
    const pcx = named("pcx-connection").id;
    const tables = (network: string) =>
      ["private-rt-0", "private-rt-1", "isolated-rt-0", "isolated-rt-1"].map(
        (t) => named(`${network}-${t}`).id,
      );
    const routes = (role: string, network: string, peerCidr: string, provider: string) =>
      tables(network).map((routeTableId, i) => [
        `pcx-${role}-route-${i}`,
        {
          provider,
          inputs: { routeTableId, destinationCidrBlock: peerCidr, vpcPeeringConnectionId: pcx },
        },
      ]);
    const peeringRoutes = ofType("aws:ec2/route:Route").filter((r) => r.name.startsWith("pcx-"));
    expect(Object.fromEntries(peeringRoutes.map((r) => [r.name, placed(r)]))).to.deep.equal(
      Object.fromEntries([
        ...routes("requester", "home", "10.11.0.0/16", "home"),
        ...routes("accepter", "remote", "10.10.0.0/16", "remote"),
      ]),
    );
    const ids = (rs: readonly aws.ec2.Route[]) => Promise.all(rs.map((r) => valueOf(r.id)));
    expect(await ids(peering.requesterRoutes)).to.deep.equal(
      [0, 1, 2, 3].map((i) => named(`pcx-requester-route-${i}`).id),
    );
    expect(await ids(peering.accepterRoutes)).to.deep.equal(
      [0, 1, 2, 3].map((i) => named(`pcx-accepter-route-${i}`).id),
    );
    expect(await valueOf(peering.peeringConnectionId)).to.equal(pcx);
  });
});
