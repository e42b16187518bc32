/**
 * Pure IPv4 CIDR arithmetic and the subnet layout every `Network` uses.
 *
 * Kept free of Pulumi so the layout is table-tested and computed synchronously: subnet CIDRs are
 * plain strings known at preview time, never values inside an `apply`.
 */

/** An IPv4 block: the network address as an unsigned 32-bit integer and the prefix length. */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** The smallest and largest VPC prefixes the subnet layout supports (AWS allows /16 to /28). */
export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 23;
/** A region has at least two AZs for RDS subnet groups and ALBs; the layout reserves four slots. */
export const MIN_AZS = 2;
export const MAX_AZS = 4;

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/**
 * Parses `a.b.c.d/n`. Throws an Error whose message explains what is wrong, including a block whose
 * host bits are set (`10.0.1.0/16`), which AWS would silently widen.
 */
export function parseCidr(text: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255)) {
    throw new Error(`"${text}" has an octet above 255`);
  }
  if (prefix > 32) {
    throw new Error(`"${text}" has a prefix above /32`);
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const network = address - (address % blockSize(prefix));
  if (network !== address) {
    throw new Error(
      `"${text}" has host bits set; the block starting there is ${formatCidr({ network, prefix })}`,
    );
  }
  return { network, prefix };
}

/** Formats a block back to `a.b.c.d/n`. */
export function formatCidr(cidr: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefix}`;
}

/** Number of addresses in a block of the given prefix. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const aEnd = a.network + blockSize(a.prefix);
  const bEnd = b.network + blockSize(b.prefix);
  return a.network < bEnd && b.network < aEnd;
}

/** True when every address of `inner` lies inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    // Stryker disable next-line ConditionalExpression: a larger block never fits the bounds below
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    inner.network + blockSize(inner.prefix) <= outer.network + blockSize(outer.prefix)
  );
}

/** True when the block lies inside one of the RFC 1918 private ranges. */
export function isPrivateCidr(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some((range) => cidrContains(parseCidr(range), cidr));
}

/**
 * The `index`-th block of prefix `prefix` inside `parent`, counting from the parent's start.
 * Throws when it would fall outside the parent.
 */
export function subBlock(parent: Cidr, prefix: number, index: number): Cidr {
  if (prefix < parent.prefix || prefix > 32) {
    throw new Error(`a /${prefix} block does not fit in ${formatCidr(parent)}`);
  }
  const count = 2 ** (prefix - parent.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(
      `${formatCidr(parent)} has ${count} /${prefix} blocks; index ${index} is out of range`,
    );
  }
  return { network: parent.network + index * blockSize(prefix), prefix };
}

/** The three subnets of one availability zone. */
export interface AzSubnets {
  /** Position of the AZ in the configured list; also its slot in the layout. */
  readonly index: number;
  /** Load balancers and NAT gateways. */
  readonly public: string;
  /** Workloads (Lambda ENIs, ECS tasks); egress through NAT. */
  readonly private: string;
  /** Data stores; no route to the internet. */
  readonly isolated: string;
}

/**
 * Lays out public, private and isolated subnets for `azCount` AZs inside `vpcCidr`.
 *
 * The layout reserves four AZ slots so that adding an AZ never renumbers (and so never replaces) an
 * existing subnet. For a VPC of prefix /n:
 *
 * | range of the VPC | tier | per AZ (slot i) |
 * |---|---|---|
 * | first half | private | /n+3 |
 * | fifth eighth | public | /n+5 |
 * | sixth eighth | isolated | /n+5 |
 * | last quarter | spare, for tiers to come | — |
 *
 * A /16 gives private /19 (8,187 usable addresses), public and isolated /21 (2,043 each).
 */
export function planSubnets(vpcCidr: string, azCount: number): AzSubnets[] {
  const vpc = parseCidr(vpcCidr);
  if (vpc.prefix < MIN_VPC_PREFIX || vpc.prefix > MAX_VPC_PREFIX) {
    throw new Error(
      `${vpcCidr} is a /${vpc.prefix}; the VPC prefix must be /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX}`,
    );
  }
  if (!Number.isInteger(azCount) || azCount < MIN_AZS || azCount > MAX_AZS) {
    throw new Error(
      `the AZ count must be a whole number from ${MIN_AZS} to ${MAX_AZS}, not ${azCount}`,
    );
  }
  const eighth = (i: number) => subBlock(vpc, vpc.prefix + 3, i);
  const privateHalf = subBlock(vpc, vpc.prefix + 1, 0);
  return Array.from({ length: azCount }, (_, index) => ({
    index,
    public: formatCidr(subBlock(eighth(4), vpc.prefix + 5, index)),
    private: formatCidr(subBlock(privateHalf, vpc.prefix + 3, index)),
    isolated: formatCidr(subBlock(eighth(5), vpc.prefix + 5, index)),
  }));
}
