import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrsOverlap, parseCidr } from "./cidr";
import type { Network } from "./network";

/** One side of the peering: its network and the provider of its region. */
export interface PeeringSide {
  /** The side's network; routes go into every one of its private and isolated route tables. */
  network: Network;
  /** The provider of the side's region. */
  provider: aws.Provider;
}

export interface PeeringArgs {
  /** The side that requests the connection (the home region). */
  requester: PeeringSide;
  /** The side that accepts it (the remote region), through its own region's provider. */
  accepter: PeeringSide;
  /**
   * Let each side resolve the other's private DNS names (RDS and ElastiCache endpoints) to
   * private addresses across the peering.
   * @default true
   */
  dnsResolution?: boolean;
}

/**
 * Cross-region VPC peering: the connection requested from one region and accepted in the other,
 * DNS resolution across it, and a route to the peer's CIDR in every private and isolated route table
 * on both sides. Public subnets get no route: nothing public should reach the peer.
 */
export class Peering extends pulumi.ComponentResource {
  public readonly connection: aws.ec2.VpcPeeringConnection;
  public readonly accepter: aws.ec2.VpcPeeringConnectionAccepter;
  public readonly peeringConnectionId: pulumi.Output<string>;
  /** Routes on the requester side, to the accepter's CIDR. */
  public readonly requesterRoutes: readonly aws.ec2.Route[];
  /** Routes on the accepter side, to the requester's CIDR. */
  public readonly accepterRoutes: readonly aws.ec2.Route[];

  constructor(name: string, args: PeeringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:Peering", name, {}, opts);

    // Normalize.
    const { requester, accepter } = args;
    if (
      cidrsOverlap(parseCidr(requester.network.cidrBlock), parseCidr(accepter.network.cidrBlock))
    ) {
      throw new Error(
        `Peering ${name}: requester ${requester.network.cidrBlock} and accepter ${accepter.network.cidrBlock} overlap; AWS cannot route between them`,
      );
    }
    const dnsResolution = args.dnsResolution ?? true;
    const on = (side: PeeringSide) => ({ parent: this, provider: side.provider });

    // Create. Cross-region peering cannot be auto-accepted by the requester: the accepter resource
    // accepts it in the peer's region.
    const connection = new aws.ec2.VpcPeeringConnection(
      `${name}-connection`,
      {
        vpcId: requester.network.vpcId,
        peerVpcId: accepter.network.vpcId,
        peerRegion: accepter.network.region,
        autoAccept: false,
        tags: { Name: `${name}-requester` },
      },
      on(requester),
    );
    const accepted = new aws.ec2.VpcPeeringConnectionAccepter(
      `${name}-accepter`,
      {
        vpcPeeringConnectionId: connection.id,
        autoAccept: true,
        tags: { Name: `${name}-accepter` },
      },
      on(accepter),
    );

    // Each side's options can only be set from its own region, once the connection is active.
    new aws.ec2.PeeringConnectionOptions(
      `${name}-requester-options`,
      {
        vpcPeeringConnectionId: accepted.vpcPeeringConnectionId,
        requester: { allowRemoteVpcDnsResolution: dnsResolution },
      },
      on(requester),
    );
    new aws.ec2.PeeringConnectionOptions(
      `${name}-accepter-options`,
      {
        vpcPeeringConnectionId: accepted.vpcPeeringConnectionId,
        accepter: { allowRemoteVpcDnsResolution: dnsResolution },
      },
      on(accepter),
    );

    const routes = (role: "requester" | "accepter", side: PeeringSide, peer: PeeringSide) =>
      side.network.internalRouteTables.map(
        (routeTable, i) =>
          new aws.ec2.Route(
            `${name}-${role}-route-${i}`,
            {
              routeTableId: routeTable.id,
              destinationCidrBlock: peer.network.cidrBlock,
              vpcPeeringConnectionId: accepted.vpcPeeringConnectionId,
            },
            on(side),
          ),
      );

    // Expose.
    this.connection = connection;
    this.accepter = accepted;
    this.peeringConnectionId = accepted.vpcPeeringConnectionId;
    this.requesterRoutes = routes("requester", requester, accepter);
    this.accepterRoutes = routes("accepter", accepter, requester);
    this.registerOutputs({ peeringConnectionId: this.peeringConnectionId });
  }
}
