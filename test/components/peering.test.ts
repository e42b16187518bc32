import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { Network } from "../../components/network";
import { Peering, peeringProblem, type PeeringArgs } from "../../components/peering";
import { thrown } from "../helpers/errors";
import { finder, runWithMocks, type Registered } from "../helpers/mock-runtime";

const REGIONS = { home: "us-east-1", remote: "eu-central-1" };

function build(
  remoteCidr = "10.20.0.0/16",
  extra: Partial<Pick<PeeringArgs, "dnsResolution" | "transform">> = {},
): () => void {
  return () => {
    const home = new aws.Provider("home", { region: "us-east-1" });
    const remote = new aws.Provider("remote", { region: "eu-central-1" });
    const homeNet = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider: home },
    );
    const remoteNet = new Network(
      "remote",
      {
        cidrBlock: remoteCidr,
        availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
      },
      { provider: remote },
    );
    new Peering("peering", {
      requester: { network: homeNet, provider: home },
      accepter: { network: remoteNet, provider: remote },
      ...extra,
    });
  };
}

describe("Peering", () => {
  let resources: Registered[];
  let find: ReturnType<typeof finder>;
  before(async () => {
    resources = await runWithMocks(build(), REGIONS);
    find = finder(resources);
  });

  it("requests the connection from the home region, without auto-accept", () => {
    const connection = find.named("peering-connection");
    expect(connection.provider).to.equal("home");
    expect(connection.inputs).to.deep.include({
      vpcId: find.named("home-vpc").id,
      peerVpcId: find.named("remote-vpc").id,
      peerRegion: "eu-central-1",
      autoAccept: false,
    });
  });

  it("accepts it in the remote region through that region's provider", () => {
    const accepter = find.named("peering-accepter");
    expect(accepter.provider).to.equal("remote");
    expect(accepter.region).to.equal("eu-central-1");
    expect(accepter.inputs).to.deep.include({
      vpcPeeringConnectionId: find.named("peering-connection").id,
      autoAccept: true,
    });
  });

  it("turns on DNS resolution on each side from that side's region", () => {
    const pcx = find.named("peering-connection").id;
    const requester = find.named("peering-requester-options");
    const accepter = find.named("peering-accepter-options");
    expect(requester.provider).to.equal("home");
    expect(requester.inputs).to.deep.equal({
      vpcPeeringConnectionId: pcx,
      requester: { allowRemoteVpcDnsResolution: true },
    });
    expect(accepter.provider).to.equal("remote");
    expect(accepter.inputs).to.deep.equal({
      vpcPeeringConnectionId: pcx,
      accepter: { allowRemoteVpcDnsResolution: true },
    });
  });

  function peeringRoutes(provider: string) {
    const pcx = find.named("peering-connection").id;
    return find
      .ofType("aws:ec2/route:Route")
      .filter((r) => r.inputs.vpcPeeringConnectionId === pcx && r.provider === provider);
  }

  function internalTables(network: string, azs: number) {
    return ["private", "isolated"].flatMap((tier) =>
      Array.from({ length: azs }, (_, i) => find.named(`${network}-${tier}-rt-${i}`).id),
    );
  }

  it("routes the remote CIDR from every private and isolated route table of home", () => {
    const routes = peeringRoutes("home");
    expect(routes.map((r) => r.inputs.routeTableId)).to.have.members(internalTables("home", 2));
    expect(routes.every((r) => r.inputs.destinationCidrBlock === "10.20.0.0/16")).to.be.true;
  });

  it("routes the home CIDR from every private and isolated route table of remote", () => {
    const routes = peeringRoutes("remote");
    expect(routes.map((r) => r.inputs.routeTableId)).to.have.members(internalTables("remote", 3));
    expect(routes.every((r) => r.inputs.destinationCidrBlock === "10.10.0.0/16")).to.be.true;
  });

  it("gives public route tables no route to the peer", () => {
    const publicTables = ["home-public-rt-0", "home-public-rt-1", "remote-public-rt-0"].map(
      (n) => find.named(n).id,
    );
    const pcx = find.named("peering-connection").id;
    const leaks = find
      .ofType("aws:ec2/route:Route")
      .filter(
        (r) =>
          r.inputs.vpcPeeringConnectionId === pcx && publicTables.includes(r.inputs.routeTableId),
      );
    expect(leaks).to.be.empty;
  });

  it("refuses overlapping CIDRs before creating anything of its own", async () => {
    let error: Error | undefined;
    const created = await runWithMocks(() => {
      error = thrown(build("10.10.128.0/17"));
    }, REGIONS);
    expect(error?.message).to.match(
      /Peering peering: requester 10\.10\.0\.0\/16 and accepter 10\.10\.128\.0\/17 overlap/,
    );
    expect(created.filter((r) => r.name.startsWith("peering-"))).to.be.empty;
  });

  describe("peeringProblem", () => {
    const cases: [string, string, boolean][] = [
      ["10.10.0.0/16", "10.20.0.0/16", false],
      ["10.10.0.0/16", "10.10.128.0/17", true],
      ["10.0.0.0/8", "10.20.0.0/16", true],
    ];
    for (const [a, b, overlaps] of cases) {
      it(`${a} and ${b}: ${overlaps ? "overlap" : "peer"}`, () => {
        expect(peeringProblem(a, b) !== undefined).to.equal(overlaps);
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const tuned = finder(
      await runWithMocks(
        build("10.20.0.0/16", {
          dnsResolution: false,
          transform: {
            connection: { tags: { Name: "mine" } },
            accepter: (a) => ({ ...a, tags: { Name: "theirs" } }),
            options: (a, _o, name) => {
              if (name === "peering-requester-options") a.requester = undefined;
            },
            route: (a, _o, name) =>
              name === "peering-accepter-route-0"
                ? { ...a, destinationCidrBlock: "10.10.0.0/17" }
                : a,
          },
        }),
        REGIONS,
      ),
    );
    expect(tuned.named("peering-connection").inputs.tags).to.deep.equal({ Name: "mine" });
    expect(tuned.named("peering-accepter").inputs.tags).to.deep.equal({ Name: "theirs" });
    expect(tuned.named("peering-requester-options").inputs.requester).to.equal(undefined);
    expect(tuned.named("peering-accepter-options").inputs.accepter).to.deep.equal({
      allowRemoteVpcDnsResolution: false,
    });
    expect(tuned.named("peering-accepter-route-0").inputs.destinationCidrBlock).to.equal(
      "10.10.0.0/17",
    );
    expect(tuned.named("peering-accepter-route-1").inputs.destinationCidrBlock).to.equal(
      "10.10.0.0/16",
    );
  });
});
