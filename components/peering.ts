import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrsOverlap, parseCidr } from "./cidr";
import type { Network } from "./network";
import { transform, type Transform } from "./transform";

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
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: PeeringTransforms;
}

/** Escape hatches: one hook per kind of child of a `Peering`. */
export interface PeeringTransforms {
  /** The requested connection. */
  connection?: Transform<aws.ec2.VpcPeeringConnectionArgs>;
  /** Its acceptance in the accepter's region. */
  accepter?: Transform<aws.ec2.VpcPeeringConnectionAccepterArgs>;
  /** Each side's options (the name tells which side). */
  options?: Transform<aws.ec2.PeeringConnectionOptionsArgs>;
  /** Each route to the peer's CIDR (the name tells which side and table). */
  route?: Transform<aws.ec2.RouteArgs>;
}

/** The problem with peering these two blocks, or undefined: AWS cannot route between overlaps. */
export function peeringProblem(requesterCidr: string, accepterCidr: string): string | undefined {
  return cidrsOverlap(parseCidr(requesterCidr), parseCidr(accepterCidr))
    ? `requester ${requesterCidr} and accepter ${accepterCidr} overlap; AWS cannot route between them`
    : undefined;
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

  private readonly name: string;
  private readonly hooks: PeeringTransforms;

  constructor(name: string, args: PeeringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:Peering", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const { requester, accepter } = args;
    const problem = peeringProblem(requester.network.cidrBlock, accepter.network.cidrBlock);
    if (problem) throw new Error(`Peering ${name}: ${problem}`);
    const dnsResolution = args.dnsResolution ?? true;

    // ---- create ----
    // Cross-region peering cannot be auto-accepted by the requester: the accepter resource
    // accepts it in the peer's region.
    this.connection = new aws.ec2.VpcPeeringConnection(
      ...transform(
        this.hooks.connection,
        `${name}-connection`,
        {
          vpcId: requester.network.vpcId,
          peerVpcId: accepter.network.vpcId,
          peerRegion: accepter.network.region,
          autoAccept: false,
          tags: { Name: `${name}-requester` },
        },
        this.on(requester),
      ),
    );
    this.accepter = new aws.ec2.VpcPeeringConnectionAccepter(
      ...transform(
        this.hooks.accepter,
        `${name}-accepter`,
        {
          vpcPeeringConnectionId: this.connection.id,
          autoAccept: true,
          tags: { Name: `${name}-accepter` },
        },
        this.on(accepter),
      ),
    );
    this.peeringConnectionId = this.accepter.vpcPeeringConnectionId;
    // Each side's options can only be set from its own region, once the connection is active.
    this.createOptions("requester", requester, dnsResolution);
    this.createOptions("accepter", accepter, dnsResolution);
    this.requesterRoutes = this.createRoutes("requester", requester, accepter);
    this.accepterRoutes = this.createRoutes("accepter", accepter, requester);

    // ---- expose ----
    this.registerOutputs({ peeringConnectionId: this.peeringConnectionId });
  }

  /** Options of a child on `side`: its region's provider. */
  private on(side: PeeringSide): pulumi.CustomResourceOptions {
    return { parent: this, provider: side.provider };
  }

  private createOptions(
    role: "requester" | "accepter",
    side: PeeringSide,
    dnsResolution: boolean,
  ): aws.ec2.PeeringConnectionOptions {
    return new aws.ec2.PeeringConnectionOptions(
      ...transform(
        this.hooks.options,
        `${this.name}-${role}-options`,
        {
          vpcPeeringConnectionId: this.peeringConnectionId,
          [role]: { allowRemoteVpcDnsResolution: dnsResolution },
        },
        this.on(side),
      ),
    );
  }

  /** A route to the peer's CIDR in every private and isolated route table of `side`. */
  private createRoutes(
    role: "requester" | "accepter",
    side: PeeringSide,
    peer: PeeringSide,
  ): aws.ec2.Route[] {
    return side.network.internalRouteTables.map(
      (routeTable, i) =>
        new aws.ec2.Route(
          ...transform(
            this.hooks.route,
            `${this.name}-${role}-route-${i}`,
            {
              routeTableId: routeTable.id,
              destinationCidrBlock: peer.network.cidrBlock,
              vpcPeeringConnectionId: this.peeringConnectionId,
            },
            this.on(side),
          ),
        ),
    );
  }
}
