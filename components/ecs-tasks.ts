/**
 * Pure helpers for ECS services: where a service can run, its task definition and container
 * definitions (with the VPN sidecar pattern), and the order of load balancer rules. Plain values
 * in, plain values out.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export type Launch = "fargate" | "fargateSpot" | "ec2";

/**
 * Fargate's task CPU units and the memory (MiB) each allows for Linux tasks: from `min` to `max`
 * in steps of `step` (256 CPU units: 512, 1024 or 2048 only).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_SIZES: Readonly<
  Record<number, { readonly min: number; readonly max: number; readonly step: number }>
> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** The memory values (MiB) Fargate allows with `cpu` units, smallest first; none for other CPUs. */
export function fargateMemoryOptions(cpu: number): number[] {
  const size = FARGATE_SIZES[cpu];
  if (!size) return [];
  const options: number[] = [];
  for (let m = size.min; m <= size.max; m += size.step) {
    // 256 units allow 512, 1024 and 2048 MiB only (no 1536).
    if (cpu !== 256 || m !== 1536) options.push(m);
  }
  return options;
}

/**
 * Why Fargate would refuse a task of `cpu` units and `memory` MiB, or undefined when it runs it.
 * @example fargateSizeProblem(512, 3000) === "3000 MiB does not fit 512 CPU units (Fargate allows 1024, 2048, 3072, 4096)"
 */
export function fargateSizeProblem(cpu: number, memory: number): string | undefined {
  const options = fargateMemoryOptions(cpu);
  if (options.length === 0) {
    return `${cpu} CPU units is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})`;
  }
  if (options.includes(memory)) return undefined;
  const listed =
    options.length <= 6
      ? options.join(", ")
      : `${options[0]} to ${options[options.length - 1]} in steps of ${FARGATE_SIZES[cpu]!.step}`;
  return `${memory} MiB does not fit ${cpu} CPU units (Fargate allows ${listed})`;
}

/** The VPN sidecar (gluetun) a service's traffic leaves through. */
export interface VpnSidecar {
  /** gluetun's image from the program's mirror, pinned by digest. */
  image: string;
  /** gluetun's VPN_SERVICE_PROVIDER, e.g. `mullvad`. */
  provider: string;
  /** Country or countries to pick servers in (gluetun's SERVER_COUNTRIES). */
  serverCountries?: string;
  /** Secrets Manager secret (JSON) holding the WireGuard keys. */
  secretArn: string;
  /** Keys of that JSON delivered as environment secrets. */
  secretKeys: string[];
  /** CIDRs that bypass the tunnel: the local VPC and the home VPC (Redis, the database). */
  outboundSubnets: string[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  cpu: number;
  memory: number;
  port?: number;
  command?: string[];
  environment?: Record<string, string>;
  /** Name → Secrets Manager ARN (or `arn:...:json-key::`). */
  secrets?: Record<string, string>;
  logGroup: string;
  region: string;
  vpn?: VpnSidecar;
  /**
   * Seconds between SIGTERM and SIGKILL when the task stops (Fargate allows up to 120).
   * @default undefined (ECS's 30)
   */
  stopTimeout?: number;
}

/**
 * A Fargate Spot task gets SIGTERM two minutes before Fargate reclaims it: the app may use all of
 * them to finish its work (Fargate caps stopTimeout at 120 seconds).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
 */
export const SPOT_STOP_TIMEOUT = 120;

/** Port of gluetun's HTTP proxy inside the task. */
export const VPN_PROXY_PORT = 8888;

/** Where a service runs: the VPN sidecar needs NET_ADMIN and /dev/net/tun, which Fargate forbids. */
export function capacityFor(service: { name: string; launch?: Launch; vpn?: unknown }): Launch {
  if (service.vpn !== undefined) {
    if (service.launch !== undefined && service.launch !== "ec2") {
      throw new Error(
        `services.${service.name}.launch: ${service.launch} cannot run the VPN sidecar (Fargate allows no NET_ADMIN or devices); use ec2`,
      );
    }
    return "ec2";
  }
  return service.launch ?? "fargate";
}

export interface TaskSpec {
  /** Task definition family: account-wide per region, so it names the stack. */
  family: string;
  launch: Launch;
  /** Task CPU units and memory (MB). */
  cpu: number;
  memory: number;
  /** What the images are built for. @default "ARM64" */
  cpuArchitecture?: "ARM64" | "X86_64";
  executionRoleArn: pulumi.Input<string>;
  taskRoleArn: pulumi.Input<string>;
  /** The containers, as JSON. */
  containerDefinitions: pulumi.Input<string>;
}

/** A Linux task definition in `awsvpc` mode (each task its own network interface and groups). */
export function taskDefinitionArgs(spec: TaskSpec): aws.ecs.TaskDefinitionArgs {
  return {
    family: spec.family,
    requiresCompatibilities: [spec.launch === "ec2" ? "EC2" : "FARGATE"],
    networkMode: "awsvpc",
    cpu: String(spec.cpu),
    memory: String(spec.memory),
    runtimePlatform: {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: spec.cpuArchitecture ?? "ARM64",
    },
    executionRoleArn: spec.executionRoleArn,
    taskRoleArn: spec.taskRoleArn,
    containerDefinitions: spec.containerDefinitions,
  };
}

const env = (vars: Record<string, string>) =>
  Object.entries(vars)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));

const secretRefs = (secrets: Record<string, string>) =>
  Object.entries(secrets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, valueFrom]) => ({ name, valueFrom }));

/**
 * The task's containers. With a VPN sidecar, the app container waits for gluetun to be HEALTHY: in
 * `awsvpc` mode every container of a task shares one network namespace, so the app's traffic
 * follows the tunnel's routes without `network_mode: container:` (which ECS does not support).
 */
export function containerDefinitions(spec: ContainerSpec): Record<string, unknown>[] {
  const logging = (prefix: string) => ({
    logDriver: "awslogs",
    options: {
      "awslogs-group": spec.logGroup,
      "awslogs-region": spec.region,
      "awslogs-stream-prefix": prefix,
    },
  });
  const vpn = spec.vpn;
  const app: Record<string, unknown> = {
    name: spec.name,
    image: spec.image,
    essential: true,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.port ? { portMappings: [{ containerPort: spec.port, protocol: "tcp" }] } : {}),
    environment: env({
      ...spec.environment,
      ...(vpn
        ? {
            HTTP_PROXY: `http://127.0.0.1:${VPN_PROXY_PORT}`,
            HTTPS_PROXY: `http://127.0.0.1:${VPN_PROXY_PORT}`,
            NO_PROXY: ["localhost", "127.0.0.1", ".amazonaws.com", ...vpn.outboundSubnets].join(
              ",",
            ),
          }
        : {}),
    }),
    secrets: secretRefs(spec.secrets ?? {}),
    readonlyRootFilesystem: false,
    linuxParameters: { initProcessEnabled: true },
    ...(spec.stopTimeout !== undefined ? { stopTimeout: spec.stopTimeout } : {}),
    logConfiguration: logging(spec.name),
    ...(vpn ? { dependsOn: [{ containerName: "vpn", condition: "HEALTHY" }] } : {}),
  };
  if (!vpn) return [app];
  const sidecar: Record<string, unknown> = {
    name: "vpn",
    image: vpn.image,
    essential: true,
    // Enough for gluetun; the rest of the task's memory is the app's.
    memoryReservation: 128,
    environment: env({
      VPN_SERVICE_PROVIDER: vpn.provider,
      VPN_TYPE: "wireguard",
      ...(vpn.serverCountries ? { SERVER_COUNTRIES: vpn.serverCountries } : {}),
      FIREWALL_OUTBOUND_SUBNETS: vpn.outboundSubnets.join(","),
      HTTPPROXY: "on",
      HTTPPROXY_LISTENING_ADDRESS: `:${VPN_PROXY_PORT}`,
      HEALTH_SERVER_ADDRESS: "127.0.0.1:9999",
    }),
    secrets: vpn.secretKeys
      .slice()
      .sort()
      .map((key) => ({ name: key, valueFrom: `${vpn.secretArn}:${key}::` })),
    linuxParameters: {
      capabilities: { add: ["NET_ADMIN"] },
      devices: [
        { hostPath: "/dev/net/tun", containerPath: "/dev/net/tun", permissions: ["read", "write"] },
      ],
      initProcessEnabled: true,
    },
    healthCheck: {
      command: ["CMD", "/gluetun-entrypoint", "healthcheck"],
      interval: 30,
      timeout: 5,
      retries: 3,
      startPeriod: 60,
    },
    logConfiguration: logging("vpn"),
  };
  return [sidecar, app];
}

export interface RuleSpec {
  service: string;
  pathPatterns: string[];
  /** Explicit priority, 1 to 50000; otherwise given by specificity. */
  priority?: number;
}

/** How specific a pattern is: literal characters before the first wildcard. */
function specificity(pattern: string): number {
  const wildcard = pattern.search(/[*?]/);
  return wildcard === -1 ? pattern.length + 1000 : wildcard;
}

/**
 * Listener rule priorities: explicit ones kept, the others in steps of 10 from the most specific
 * pattern (`/api/*`) to the least (`/*`), so a catch-all never shadows a prefix. Throws naming the
 * services that collide.
 */
export function rulePriorities(rules: RuleSpec[]): Record<string, number> {
  const taken = new Map<number, string>();
  const result: Record<string, number> = {};
  for (const r of rules.filter((x) => x.priority !== undefined)) {
    const other = taken.get(r.priority!);
    if (other)
      throw new Error(`services.${r.service}.ingress.priority ${r.priority} is also ${other}'s`);
    if (r.priority! < 1 || r.priority! > 50000) {
      throw new Error(`services.${r.service}.ingress.priority must be 1 to 50000`);
    }
    taken.set(r.priority!, r.service);
    result[r.service] = r.priority!;
  }
  const auto = rules
    .filter((x) => x.priority === undefined)
    .sort(
      (a, b) =>
        Math.max(...b.pathPatterns.map(specificity)) -
          Math.max(...a.pathPatterns.map(specificity)) || a.service.localeCompare(b.service),
    );
  let next = 10;
  for (const r of auto) {
    while (taken.has(next)) next += 10;
    taken.set(next, r.service);
    result[r.service] = next;
    next += 10;
  }
  return result;
}
