/**
 * The Arbees trading platform across both regions. Home: ECR repositories, Redis (the bus),
 * PostgreSQL, and a RegionalGateway with the ALB (`/api/*` → api, `/*` → frontend), the
 * orchestrator, the strategy engine and the Kalshi gateway. Remote: a RegionalGateway with the
 * Polymarket gateway on EC2 capacity behind a gluetun VPN sidecar, reaching Redis over the peering.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { imageRepository, imageTagPushed } from "../../components/ecr";
import { Postgres } from "../../components/postgres";
import type { PostgresDatabase } from "../../components/postgres-database";
import { Redis } from "../../components/redis";
import {
  RegionalGateway,
  type GatewayArgs,
  type GatewayService,
} from "../../components/regional-gateway";
import { SECRET_RECOVERY_DAYS } from "../../components/profile";
import type { PlatformSide, WorkloadContext } from "../context";
import {
  taskSizesOf,
  vpnHostTypeOf,
  type ArbeesService,
  type ArbeesSettings,
  type TaskSize,
} from "./settings";

/** One of the two regions the platform spans. */
export type ArbeesRegion = PlatformSide;

export interface ArbeesArgs {
  /** Both regions: the services at home and the Polymarket gateway in the remote one. */
  context: WorkloadContext;
  settings: ArbeesSettings;
  /** gluetun's WireGuard credentials (`pulumi config set --secret`), written to the VPN secret. */
  vpnCredentials: { privateKey: pulumi.Input<string>; addresses: pulumi.Input<string> };
}

/** The images of the home region's services, one repository each. */
export const HOME_IMAGES = [
  "frontend",
  "api",
  "orchestrator",
  "strategy-engine",
  "market-gateway-kalshi",
] as const;

/** The images of the remote region's services: kept there, so tasks never pull across regions. */
export const REMOTE_IMAGES = ["market-gateway-polymarket", "gluetun"] as const;

export const ARBEES_IMAGES = [...HOME_IMAGES, ...REMOTE_IMAGES] as const;
export type ArbeesImage = (typeof ARBEES_IMAGES)[number];

/** The strategy engine scales out on CPU and memory use (%), from one task to its setting's most. */
export const STRATEGY_ENGINE_SCALING = { min: 1, cpuTarget: 60, memoryTarget: 70 } as const;

/**
 * Where the home gateway goes on the region's shared load balancer: port 80 without a domain
 * (QuickBets' sessions take 8080), rule priorities 2001-2998 (block 2) on the HTTPS listener.
 */
export const SHARED_LOAD_BALANCER = { port: 80, priorityBlock: 2 } as const;

/**
 * EC2 capacity of the remote region (the Polymarket gateway's VPN sidecar needs NET_ADMIN): one
 * instance, a second while a deployment starts the new task beside the old one. The instance type
 * is the `vpnHost` setting's, else the smallest its tasks fit.
 */
export const REMOTE_CAPACITY = { min: 1, max: 2 } as const;

/** The platform's database, and its user where the instance is shared (prod's is the master user). */
export const ARBEES_DATABASE = { name: "arbees", sharedUser: "arbees_app" } as const;

/** The JSON keys of the VPN secret that gluetun reads. */
export const VPN_SECRET_KEYS = ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES"];

/**
 * The fixed ECR repository of an image, per project and stack: the team pushes to it by name
 * and the program looks its tags up before starting a service.
 * @example repositoryNameOf("platform", "dev", "api") === "platform-dev/arbees/api"
 */
export function repositoryNameOf(project: string, stack: string, image: ArbeesImage): string {
  return `${project}-${stack}/arbees/${image}`;
}

/** Why a service cannot run yet: the images it needs that are not pushed. */
export function parkedReasonOf(missing: { repository: string; tag: string }[]): string | undefined {
  return missing.length === 0
    ? undefined
    : `not pushed yet: ${missing.map((m) => `${m.repository}:${m.tag}`).join(", ")}`;
}

/** The tag of an image: gluetun's pinned one, or the release's. */
function tagOf(image: ArbeesImage, settings: ArbeesSettings): string {
  return image === "gluetun" ? settings.vpn.gluetunTag : settings.imageTag;
}

/** `arn:<partition>:secretsmanager:<home>:...` → the replica's ARN in `region` (same name and suffix). */
function inRegion(arn: pulumi.Output<string>, region: string): pulumi.Output<string> {
  return arn.apply((a) => a.replace(/^(arn:aws[a-z-]*:secretsmanager:)[^:]+:/, `$1${region}:`));
}

export class Arbees extends pulumi.ComponentResource {
  public readonly repositories: Readonly<Record<ArbeesImage, aws.ecr.Repository>>;
  public readonly redis: Redis;
  public readonly database: PostgresDatabase;
  public readonly home: RegionalGateway;
  public readonly remote: RegionalGateway;

  constructor(name: string, args: ArbeesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:Arbees", name, {}, opts);
    const { environment, logRetentionInDays, home, remote } = args.context;
    const homeOpts = { parent: this, provider: home.provider };

    // ---- images: fixed repositories the team pushes to; services wait for their tags ----
    this.repositories = this.imageRepositories(name, args);

    // ---- data: Redis (the bus) and PostgreSQL, both at home ----
    // Their URL secrets are replicated to the remote region, where the Polymarket gateway reads
    // both (the policy pack refuses a replica no task or function of its region reads).
    const { settings } = args;
    this.redis = new Redis(
      `${name}-redis`,
      {
        network: home.network,
        profile: environment,
        nodeType: settings.redisNodeType,
        secretReplicaRegions: [remote.region],
      },
      homeOpts,
    );
    this.database = args.context.sharedDatabase
      ? args.context.sharedDatabase.addDatabase(
          `${name}-db`,
          {
            databaseName: ARBEES_DATABASE.name,
            username: ARBEES_DATABASE.sharedUser,
            url: { replicaRegions: [remote.region] },
          },
          homeOpts,
        )
      : new Postgres(
          `${name}-db`,
          {
            network: home.network,
            profile: environment,
            identifier: `${name}-${environment}`,
            databaseName: ARBEES_DATABASE.name,
            username: "arbees_admin",
            instanceClass: settings.databaseInstanceClass,
            credentials: "generated",
            secretReplicaRegions: [remote.region],
            logRetentionInDays,
          },
          homeOpts,
        );

    // ---- services: the home gateway, the data stores admitting it, the remote gateway ----
    this.home = this.homeGateway(name, args);
    // Redis and the database admit the home services by group, and the remote VPC by CIDR (the
    // Polymarket gateway reads both across the peering; groups cannot be referenced across regions).
    this.redis.allowFrom("home-services", this.home.servicesGroupId);
    this.redis.allowFromCidr("remote-vpc", remote.network.cidrBlock);
    this.database.allowFrom("home-services", this.home.servicesGroupId);
    this.database.allowFromCidr("remote-vpc", remote.network.cidrBlock);
    this.remote = this.remoteGateway(name, args);

    this.registerOutputs({ url: this.home.url });
  }

  /** One repository per image, in the region whose services run it. */
  private imageRepositories(
    name: string,
    args: ArbeesArgs,
  ): Record<ArbeesImage, aws.ecr.Repository> {
    const { isProd } = args.context;
    const repositoryIn = (image: ArbeesImage, region: ArbeesRegion) =>
      imageRepository(
        `${name}-${image}`,
        {
          repositoryName: repositoryNameOf(pulumi.getProject(), pulumi.getStack(), image),
          immutableTags: isProd,
          forceDelete: !isProd,
        },
        { parent: this, provider: region.provider },
      );
    return Object.fromEntries([
      ...HOME_IMAGES.map((image) => [image, repositoryIn(image, args.context.home)] as const),
      ...REMOTE_IMAGES.map((image) => [image, repositoryIn(image, args.context.remote)] as const),
    ]) as Record<ArbeesImage, aws.ecr.Repository>;
  }

  /**
   * The gateway at home: the ALB (`/api/*` → api, `/*` → frontend) and the Fargate services, on
   * Fargate Spot where `capacity` says (docs/cost.md, "Fargate size and Spot": every home service
   * restarts cleanly on another task, so each may run there in dev).
   */
  private homeGateway(name: string, args: ArbeesArgs): RegionalGateway {
    const { settings } = args;
    const { isProd, home, remote, environment } = args.context;
    const replicas = settings.replicas;
    const sizes = taskSizesOf(settings, environment);
    const service = (
      serviceName: Exclude<ArbeesService, "market-gateway-polymarket">,
      rest: Omit<
        GatewayService,
        "name" | "image" | "environment" | "secrets" | "parkedReason" | keyof TaskSize | "launch"
      > = {},
    ) =>
      this.service(serviceName, args, home, {
        ...sizes[serviceName],
        launch: settings.capacity,
        ...rest,
      });
    return new RegionalGateway(
      `${name}-home`,
      {
        ...this.gatewayArgs(args, home, remote),
        loadBalancer: {
          ...(settings.domainName
            ? { domainName: settings.domainName, hostedZoneId: settings.hostedZoneId }
            : { allowHttp: !isProd }),
          ...(home.sharedLoadBalancer
            ? { shared: { loadBalancer: home.sharedLoadBalancer(), ...SHARED_LOAD_BALANCER } }
            : { accessLogs: home.accessLogs?.forLoadBalancer(`${name}-home-alb`) }),
        },
        services: [
          service("frontend", {
            port: 80,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/*"], healthCheckPath: "/" },
          }),
          service("api", {
            port: 8000,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/api/*"], healthCheckPath: "/api/health" },
          }),
          service("orchestrator"),
          service("strategy-engine", {
            autoscaling: { ...STRATEGY_ENGINE_SCALING, max: settings.strategyEngineMaxTasks },
          }),
          service("market-gateway-kalshi"),
        ],
      },
      { parent: this, provider: home.provider },
    );
  }

  /**
   * The gateway in the remote region: the Polymarket gateway on EC2 capacity behind a gluetun VPN
   * sidecar, reading Redis and the database over the peering.
   */
  private remoteGateway(name: string, args: ArbeesArgs): RegionalGateway {
    const { settings } = args;
    const { home, remote, environment, isProd } = args.context;
    const vpn = this.vpnSecret(name, args);
    return new RegionalGateway(
      `${name}-remote`,
      {
        ...this.gatewayArgs(args, remote, home),
        ec2: {
          ...REMOTE_CAPACITY,
          instanceType: vpnHostTypeOf(settings, environment),
          detailedMonitoring: settings.vpnHost.detailedMonitoring ?? isProd,
          spot: args.context.ec2Spot,
        },
        services: [
          this.service("market-gateway-polymarket", args, remote, {
            ...taskSizesOf(settings, environment)["market-gateway-polymarket"],
            launch: "ec2",
            vpn: {
              image: this.image("gluetun", args),
              provider: settings.vpn.provider,
              serverCountries: settings.vpn.serverCountries,
              secretArn: vpn.secret.arn,
              secretKeys: VPN_SECRET_KEYS,
            },
            waitFor: [vpn.version],
          }),
        ],
      },
      { parent: this, provider: remote.provider },
    );
  }

  /**
   * What both gateways share: the stack's environment, log retention, Container Insights, alarms,
   * the peer's VPC.
   */
  private gatewayArgs(
    args: ArbeesArgs,
    region: ArbeesRegion,
    peer: ArbeesRegion,
  ): Pick<
    GatewayArgs,
    | "network"
    | "environment"
    | "logRetentionInDays"
    | "containerInsights"
    | "alarmEmail"
    | "peerCidrs"
  > {
    return {
      network: region.network,
      environment: args.context.environment,
      logRetentionInDays: args.context.logRetentionInDays,
      containerInsights: args.context.containerInsights,
      alarmEmail: args.settings.alertEmail,
      peerCidrs: [peer.network.cidrBlock],
    };
  }

  /**
   * A service of the platform in `region`: its image, the latency settings and its identity as
   * environment, the data stores' URLs as secrets (ECS reads secrets in the task's region: the
   * replicas there), parked until its images are pushed, waiting for the secrets' values (and
   * for what `rest.waitFor` adds).
   */
  private service(
    serviceName: Exclude<ArbeesImage, "gluetun">,
    args: ArbeesArgs,
    region: ArbeesRegion,
    rest: Omit<GatewayService, "name" | "image" | "environment" | "secrets" | "parkedReason">,
  ): GatewayService {
    const { settings } = args;
    const replica = (arn: pulumi.Output<string>) =>
      region === args.context.home ? arn : inRegion(arn, region.region);
    return {
      name: serviceName,
      image: this.image(serviceName, args),
      environment: {
        POLL_INTERVAL: settings.pollInterval,
        CRUNCH_TIME_INTERVAL: settings.crunchTimeInterval,
        MARKET_DATA_TTL: settings.marketDataTtl,
        SYNC_DELTA_TOLERANCE: settings.syncDeltaTolerance,
        SERVICE_NAME: serviceName,
        ENVIRONMENT: args.context.environment,
      },
      secrets: {
        DATABASE_URL: replica(this.database.urlSecretArn!),
        REDIS_URL: replica(this.redis.urlSecretArn),
      },
      ...rest,
      parkedReason: this.parkedUntilPushed(
        rest.vpn ? [serviceName, "gluetun"] : [serviceName],
        args,
        { parent: this, provider: region.provider },
      ),
      // Tasks read these values at start: services wait until they are written.
      waitFor: [
        this.database.urlSecretVersion!,
        this.redis.urlSecretVersion,
        ...this.database.ready,
        ...(rest.waitFor ?? []),
      ],
    };
  }

  /** The image reference of a service: its repository and the tag from config. */
  private image(image: ArbeesImage, args: ArbeesArgs): pulumi.Output<string> {
    return pulumi.interpolate`${this.repositories[image].repositoryUrl}:${tagOf(image, args.settings)}`;
  }

  /** The reason a service needing `images` is parked, or undefined once all are pushed. */
  private parkedUntilPushed(
    images: ArbeesImage[],
    args: ArbeesArgs,
    invokeOpts: pulumi.InvokeOutputOptions,
  ): pulumi.Output<string | undefined> {
    return pulumi
      .all(
        images.map((img) => {
          const repository = repositoryNameOf(pulumi.getProject(), pulumi.getStack(), img);
          const tag = tagOf(img, args.settings);
          // After the repository: on the first update it exists (empty) when the lookup runs.
          return this.repositories[img].name.apply((repoName) =>
            imageTagPushed(repoName, tag, invokeOpts).apply((pushed) =>
              pushed ? undefined : { repository, tag },
            ),
          );
        }),
      )
      .apply((missing) =>
        parkedReasonOf(missing.filter((m): m is { repository: string; tag: string } => !!m)),
      );
  }

  /** gluetun's WireGuard credentials from the stack config, in a secret of the remote region. */
  private vpnSecret(
    name: string,
    args: ArbeesArgs,
  ): { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion } {
    const remoteOpts = { parent: this, provider: args.context.remote.provider };
    const secret = new aws.secretsmanager.Secret(
      `${name}-vpn`,
      {
        namePrefix: `${name}/${args.context.environment}/vpn-`,
        description: `gluetun WireGuard credentials (${VPN_SECRET_KEYS.join(", ")}) from the stack config`,
        recoveryWindowInDays: SECRET_RECOVERY_DAYS[args.context.environment],
      },
      remoteOpts,
    );
    const [privateKeyName, addressesName] = VPN_SECRET_KEYS as [string, string];
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-vpn-value`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            [privateKeyName]: args.vpnCredentials.privateKey,
            [addressesName]: args.vpnCredentials.addresses,
          }),
        ),
      },
      remoteOpts,
    );
    return { secret, version };
  }
}
