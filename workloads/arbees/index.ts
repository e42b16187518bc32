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
import { Redis } from "../../components/redis";
import { RegionalGateway, type GatewayService } from "../../components/regional-gateway";
import { SECRET_RECOVERY_DAYS } from "../../components/profile";
import type { WorkloadContext } from "../context";
import type { ArbeesSettings } from "./settings";

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

/** CPU units and memory (MB) of each service's task: the same in every stack. */
export const ARBEES_TASK_SIZES = {
  frontend: { cpu: 256, memory: 512 },
  api: { cpu: 512, memory: 1024 },
  orchestrator: { cpu: 256, memory: 512 },
  "strategy-engine": { cpu: 1024, memory: 2048 },
  "market-gateway-kalshi": { cpu: 256, memory: 512 },
  "market-gateway-polymarket": { cpu: 512, memory: 1024 },
} as const;

/** The strategy engine scales out on CPU and memory use (%), from one task to its setting's most. */
export const STRATEGY_ENGINE_SCALING = { min: 1, cpuTarget: 60, memoryTarget: 70 } as const;

/** EC2 capacity of the remote region: the Polymarket gateway's VPN sidecar needs NET_ADMIN. */
export const REMOTE_CAPACITY = { instanceType: "t4g.small", min: 1, max: 2 } as const;

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

/** `arn:<partition>:secretsmanager:<home>:...` → the replica's ARN in `region` (same name and suffix). */
function inRegion(arn: pulumi.Output<string>, region: string): pulumi.Output<string> {
  return arn.apply((a) => a.replace(/^(arn:aws[a-z-]*:secretsmanager:)[^:]+:/, `$1${region}:`));
}

export class Arbees extends pulumi.ComponentResource {
  public readonly repositories: Readonly<Record<ArbeesImage, aws.ecr.Repository>>;
  public readonly redis: Redis;
  public readonly database: Postgres;
  public readonly home: RegionalGateway;
  public readonly remote: RegionalGateway;

  constructor(name: string, args: ArbeesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:Arbees", name, {}, opts);
    const { context, settings } = args;
    const { environment, isProd, logRetentionInDays, home, remote } = context;
    const homeOpts = { parent: this, provider: home.provider };
    const remoteOpts = { parent: this, provider: remote.provider };

    // ---- images: fixed repositories the team pushes to; services wait for their tags ----
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const repositoryIn = (image: ArbeesImage, resourceOpts: pulumi.CustomResourceOptions) =>
      imageRepository(
        `${name}-${image}`,
        {
          repositoryName: repositoryNameOf(project, stack, image),
          immutableTags: isProd,
          forceDelete: !isProd,
        },
        resourceOpts,
      );
    this.repositories = Object.fromEntries([
      ...HOME_IMAGES.map((image) => [image, repositoryIn(image, homeOpts)] as const),
      ...REMOTE_IMAGES.map((image) => [image, repositoryIn(image, remoteOpts)] as const),
    ]) as Record<ArbeesImage, aws.ecr.Repository>;
    const tagOf = (image: ArbeesImage) =>
      image === "gluetun" ? settings.vpn.gluetunTag : settings.imageTag;
    const image = (service: ArbeesImage) =>
      pulumi.interpolate`${this.repositories[service].repositoryUrl}:${tagOf(service)}`;
    /** The reason a service needing `images` is parked, or undefined once all are pushed. */
    const parkedUntilPushed = (
      images: ArbeesImage[],
      invokeOpts: pulumi.InvokeOutputOptions,
    ): pulumi.Output<string | undefined> =>
      pulumi
        .all(
          images.map((img) => {
            const repository = repositoryNameOf(project, stack, img);
            // After the repository: on the first update it exists (empty) when the lookup runs.
            return this.repositories[img].name.apply((repoName) =>
              imageTagPushed(repoName, tagOf(img), invokeOpts).apply((pushed) =>
                pushed ? undefined : { repository, tag: tagOf(img) },
              ),
            );
          }),
        )
        .apply((missing) =>
          parkedReasonOf(missing.filter((m): m is { repository: string; tag: string } => !!m)),
        );

    // ---- data: Redis (the bus) and PostgreSQL, both at home ----
    this.redis = new Redis(
      `${name}-redis`,
      { network: home.network, profile: environment, secretReplicaRegions: [remote.region] },
      homeOpts,
    );
    this.database = new Postgres(
      `${name}-db`,
      {
        network: home.network,
        profile: environment,
        identifier: `${name}-${environment}`,
        databaseName: "arbees",
        username: "arbees_admin",
        credentials: "generated",
        secretReplicaRegions: [remote.region],
        logRetentionInDays,
      },
      homeOpts,
    );

    // ---- services ----
    const latency = {
      POLL_INTERVAL: settings.pollInterval,
      CRUNCH_TIME_INTERVAL: settings.crunchTimeInterval,
      MARKET_DATA_TTL: settings.marketDataTtl,
      SYNC_DELTA_TOLERANCE: settings.syncDeltaTolerance,
    };
    const homeSecrets = {
      DATABASE_URL: this.database.urlSecretArn!,
      REDIS_URL: this.redis.urlSecretArn,
    };
    // Tasks read these values at start: services wait until they are written.
    const dataSecretVersions = [this.database.urlSecretVersion!, this.redis.urlSecretVersion];
    const homeInvokes = { parent: this, provider: home.provider };
    const service = (
      serviceName: Exclude<ArbeesImage, "gluetun">,
      rest: Omit<GatewayService, "name" | "image" | "environment" | "secrets">,
      secrets = homeSecrets,
    ): GatewayService => ({
      name: serviceName,
      image: image(serviceName),
      environment: { ...latency, SERVICE_NAME: serviceName, ENVIRONMENT: environment },
      secrets,
      parkedReason: parkedUntilPushed([serviceName], homeInvokes),
      waitFor: dataSecretVersions,
      ...rest,
    });
    const replicas = settings.replicas;
    this.home = new RegionalGateway(
      `${name}-home`,
      {
        network: home.network,
        environment,
        logRetentionInDays,
        alarmEmail: settings.alertEmail,
        peerCidrs: [remote.network.cidrBlock],
        loadBalancer: settings.domainName
          ? { domainName: settings.domainName, hostedZoneId: settings.hostedZoneId }
          : { allowHttp: !isProd },
        services: [
          service("frontend", {
            ...ARBEES_TASK_SIZES.frontend,
            port: 80,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/*"], healthCheckPath: "/" },
          }),
          service("api", {
            ...ARBEES_TASK_SIZES.api,
            port: 8000,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/api/*"], healthCheckPath: "/api/health" },
          }),
          service("orchestrator", ARBEES_TASK_SIZES.orchestrator),
          service("strategy-engine", {
            ...ARBEES_TASK_SIZES["strategy-engine"],
            autoscaling: { ...STRATEGY_ENGINE_SCALING, max: settings.strategyEngineMaxTasks },
          }),
          service("market-gateway-kalshi", ARBEES_TASK_SIZES["market-gateway-kalshi"]),
        ],
      },
      homeOpts,
    );
    // Redis and the database admit the home services by group, and the remote VPC by CIDR (the
    // Polymarket gateway reads both across the peering; groups cannot be referenced across regions).
    this.redis.allowFrom("home-services", this.home.servicesGroupId);
    this.redis.allowFromCidr("remote-vpc", remote.network.cidrBlock);
    this.database.allowFrom("home-services", this.home.servicesGroupId);
    this.database.allowFromCidr("remote-vpc", remote.network.cidrBlock);

    const vpnSecret = new aws.secretsmanager.Secret(
      `${name}-vpn`,
      {
        namePrefix: `${name}/${environment}/vpn-`,
        description: `gluetun WireGuard credentials (${VPN_SECRET_KEYS.join(", ")}) from the stack config`,
        recoveryWindowInDays: SECRET_RECOVERY_DAYS[environment],
      },
      remoteOpts,
    );
    const [privateKeyName, addressesName] = VPN_SECRET_KEYS as [string, string];
    const vpnSecretVersion = new aws.secretsmanager.SecretVersion(
      `${name}-vpn-value`,
      {
        secretId: vpnSecret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            [privateKeyName]: args.vpnCredentials.privateKey,
            [addressesName]: args.vpnCredentials.addresses,
          }),
        ),
      },
      remoteOpts,
    );
    this.remote = new RegionalGateway(
      `${name}-remote`,
      {
        network: remote.network,
        environment,
        logRetentionInDays,
        alarmEmail: settings.alertEmail,
        peerCidrs: [home.network.cidrBlock],
        ec2: { ...REMOTE_CAPACITY },
        services: [
          service(
            "market-gateway-polymarket",
            {
              ...ARBEES_TASK_SIZES["market-gateway-polymarket"],
              launch: "ec2",
              vpn: {
                image: image("gluetun"),
                provider: settings.vpn.provider,
                serverCountries: settings.vpn.serverCountries,
                secretArn: vpnSecret.arn,
                secretKeys: VPN_SECRET_KEYS,
              },
              parkedReason: parkedUntilPushed(["market-gateway-polymarket", "gluetun"], {
                parent: this,
                provider: remote.provider,
              }),
              waitFor: [...dataSecretVersions, vpnSecretVersion],
            },
            {
              // ECS reads secrets in the task's region: the replicas there.
              DATABASE_URL: inRegion(this.database.urlSecretArn!, remote.region),
              REDIS_URL: inRegion(this.redis.urlSecretArn, remote.region),
            },
          ),
        ],
      },
      remoteOpts,
    );

    this.registerOutputs({ url: this.home.url });
  }
}
