/**
 * The Arbees trading platform across both regions. Home: ECR repositories, Redis (the bus),
 * PostgreSQL, and a RegionalGateway with the ALB (`/api/*` → api, `/*` → frontend), the
 * orchestrator, the strategy engine and the Kalshi gateway. Remote: a RegionalGateway with the
 * Polymarket gateway on EC2 capacity behind a gluetun VPN sidecar, reaching Redis over the peering.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ArbeesSettings } from "../config";
import type { Network } from "../components/network";
import { imageRepository } from "../components/ecr";
import { Postgres } from "../components/postgres";
import { Redis } from "../components/redis";
import { RegionalGateway, type GatewayService } from "../components/regional-gateway";

export interface ArbeesArgs {
  settings: ArbeesSettings;
  environment: "dev" | "prod";
  logRetentionInDays: number;
  home: { network: Network; provider: aws.Provider; region: string };
  remote: { network: Network; provider: aws.Provider; region: string };
}

/** The images the program keeps a repository for, in the home region. */
export const ARBEES_IMAGES = [
  "frontend",
  "api",
  "orchestrator",
  "strategy-engine",
  "market-gateway-kalshi",
  "market-gateway-polymarket",
] as const;

/** The JSON keys of the VPN secret that gluetun reads (filled by the team, see README). */
export const VPN_SECRET_KEYS = ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES"];

/** `arn:aws:secretsmanager:<home>:...` → the replica's ARN in `region` (same name and suffix). */
function inRegion(arn: pulumi.Output<string>, region: string): pulumi.Output<string> {
  return arn.apply((a) => a.replace(/^(arn:aws[a-z-]*:secretsmanager:)[^:]+:/, `$1${region}:`));
}

export class Arbees extends pulumi.ComponentResource {
  public readonly repositories: Readonly<Record<string, aws.ecr.Repository>>;
  public readonly redis: Redis;
  public readonly database: Postgres;
  public readonly home: RegionalGateway;
  public readonly remote: RegionalGateway;

  constructor(name: string, args: ArbeesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:Arbees", name, {}, opts);
    const { settings, environment, home, remote } = args;
    const isProd = environment === "prod";
    const homeOpts = { parent: this, provider: home.provider };
    const remoteOpts = { parent: this, provider: remote.provider };

    // ---- images ----
    const repository = (repoName: string, resourceOpts: pulumi.CustomResourceOptions) =>
      imageRepository(
        `${name}-${repoName}`,
        { immutableTags: isProd, forceDelete: !isProd },
        resourceOpts,
      );
    this.repositories = Object.fromEntries(
      ARBEES_IMAGES.map((image) => [image, repository(image, homeOpts)]),
    );
    const image = (service: (typeof ARBEES_IMAGES)[number]) =>
      pulumi.interpolate`${this.repositories[service]!.repositoryUrl}:${settings.imageTag}`;
    // gluetun comes from the program's own mirror in the remote region, never from Docker Hub.
    const gluetun = repository("gluetun-mirror", remoteOpts);

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
        logRetentionInDays: args.logRetentionInDays,
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
    const service = (
      serviceName: (typeof ARBEES_IMAGES)[number],
      rest: Omit<GatewayService, "name" | "image" | "environment" | "secrets">,
      secrets = homeSecrets,
    ): GatewayService => ({
      name: serviceName,
      image: image(serviceName),
      environment: { ...latency, SERVICE_NAME: serviceName, ENVIRONMENT: environment },
      secrets,
      ...rest,
    });
    const replicas = isProd ? 2 : 1;
    this.home = new RegionalGateway(
      `${name}-home`,
      {
        network: home.network,
        environment,
        logRetentionInDays: args.logRetentionInDays,
        alarmEmail: settings.alertEmail,
        peerCidrs: [remote.network.cidrBlock],
        loadBalancer: settings.domainName
          ? { domainName: settings.domainName, hostedZoneId: settings.hostedZoneId }
          : { allowHttp: !isProd },
        services: [
          service("frontend", {
            cpu: 256,
            memory: 512,
            port: 80,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/*"], healthCheckPath: "/" },
          }),
          service("api", {
            cpu: 512,
            memory: 1024,
            port: 8000,
            desiredCount: replicas,
            ingress: { pathPatterns: ["/api/*"], healthCheckPath: "/api/health" },
          }),
          service("orchestrator", { cpu: 256, memory: 512 }),
          service("strategy-engine", {
            cpu: 1024,
            memory: 2048,
            autoscaling: { min: 1, max: isProd ? 6 : 2, cpuTarget: 60, memoryTarget: 70 },
          }),
          service("market-gateway-kalshi", { cpu: 256, memory: 512 }),
        ],
      },
      homeOpts,
    );
    // Redis and the database admit the home services by group; Redis also the remote VPC by CIDR.
    this.redis.allowFrom("home-services", this.home.servicesGroupId);
    this.redis.allowFromCidr("remote-vpc", remote.network.cidrBlock);
    this.database.allowFrom("home-services", this.home.servicesGroupId);

    const vpnSecret = new aws.secretsmanager.Secret(
      `${name}-vpn`,
      {
        namePrefix: `${name}/${environment}/vpn-`,
        description: `gluetun WireGuard credentials (${VPN_SECRET_KEYS.join(", ")}); filled by the team`,
        recoveryWindowInDays: isProd ? 30 : 7,
      },
      remoteOpts,
    );
    this.remote = new RegionalGateway(
      `${name}-remote`,
      {
        network: remote.network,
        environment,
        logRetentionInDays: args.logRetentionInDays,
        alarmEmail: settings.alertEmail,
        peerCidrs: [home.network.cidrBlock],
        ec2: { instanceType: "t4g.small", min: 1, max: 2 },
        services: [
          service(
            "market-gateway-polymarket",
            {
              cpu: 512,
              memory: 1024,
              launch: "ec2",
              vpn: {
                image: pulumi.interpolate`${gluetun.repositoryUrl}:${settings.vpn.gluetunTag}`,
                provider: settings.vpn.provider,
                serverCountries: settings.vpn.serverCountries,
                secretArn: vpnSecret.arn,
                secretKeys: VPN_SECRET_KEYS,
              },
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
