/**
 * Composition root: load config, build both regions, peer them, give every workload the same
 * context (workloads/context.ts), instantiate the workloads, export outputs. Each workload is a
 * folder under workloads/ with its settings (registered in workloads/settings.ts) and wiring.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  documentationPlaceholders,
  loadConfig,
  natStrategyOf,
  readSecret,
  reportPending,
} from "./config";
import {
  protectStatefulResources,
  requireConcurrencyQuota,
  tallyReservedConcurrency,
} from "./components/guards";
import { AccessLogBucket } from "./components/access-log-bucket";
import { Network } from "./components/network";
import {
  applyPermissionsBoundary,
  WORKLOAD_BOUNDARY_NAME,
} from "./components/permissions-boundary";
import { Peering } from "./components/peering";
import { SharedPostgres } from "./components/shared-postgres";
import { SharedLoadBalancer } from "./components/shared-load-balancer";
import { AlphaKite } from "./workloads/alpha-kite";
import { Arbees } from "./workloads/arbees";
import type { PlatformSide, WorkloadContext } from "./workloads/context";
import { FinanceApi } from "./workloads/finance-api";
import { FredJobs } from "./workloads/fred-jobs";
import { QuickBets } from "./workloads/quickbets";

const config = loadConfig();

// Values copied from documentation (example.com, AWS's example account): a preview warns, a real
// update stops here, before anything is created; the offline plan lists them.
reportPending(documentationPlaceholders(pulumi.runtime.allConfig()));

// prod: every stateful resource is protected, whichever workload makes it.
if (config.isProd) protectStatefulResources();
const reservations = tallyReservedConcurrency();

/** One explicit provider per region; default providers are disabled in the stack files. */
function regionalProvider(side: "home" | "remote"): aws.Provider {
  return new aws.Provider(side, {
    region: config.regions[side].region,
    defaultTags: { tags: { ...config.defaultTags } },
  });
}

const providers = { home: regionalProvider("home"), remote: regionalProvider("remote") };

// Every role carries the bootstrap's boundary: the deploy roles may create no other kind.
const account = aws.getCallerIdentityOutput({}, { provider: providers.home });
const partition = aws.getPartitionOutput({}, { provider: providers.home });
applyPermissionsBoundary(
  pulumi.interpolate`arn:${partition.partition}:iam::${account.accountId}:policy/${WORKLOAD_BOUNDARY_NAME}`,
);

/**
 * The regions with load balancers or buckets, each given an access log bucket when access logs are
 * on: only home today. A workload that adds one elsewhere adds its side here (the policy pack
 * refuses a prod load balancer or bucket that does not log).
 */
const ACCESS_LOG_SIDES: readonly ("home" | "remote")[] = ["home"];

function regionalSide(side: "home" | "remote"): PlatformSide {
  const network = new Network(
    side,
    {
      cidrBlock: config.regions[side].cidr,
      availabilityZones: [...config.regions[side].availabilityZones],
      natStrategy: natStrategyOf(config, side),
      natInstance: { spot: config.ec2Spot },
      flowLogs: { retentionInDays: config.logRetentionDays },
    },
    { provider: providers[side] },
  );
  const accessLogs =
    config.accessLogs && ACCESS_LOG_SIDES.includes(side)
      ? new AccessLogBucket(
          `${side}-access-logs`,
          { retentionInDays: config.accessLogRetentionDays, forceDestroy: !config.isProd },
          { provider: providers[side] },
        )
      : undefined;
  return {
    network,
    provider: providers[side],
    region: config.regions[side].region,
    accessLogs,
    sharedLoadBalancer: config.sharedLoadBalancer
      ? sharedLoadBalancer(side, network, accessLogs)
      : undefined,
  };
}

/**
 * The region's shared public load balancer (`<side>-alb`), created when the first workload asks:
 * a child of the network, whose public subnets hold it, so the estimate counts it as the region's.
 */
function sharedLoadBalancer(
  side: "home" | "remote",
  network: Network,
  accessLogs: AccessLogBucket | undefined,
): () => SharedLoadBalancer {
  let created: SharedLoadBalancer | undefined;
  return () =>
    (created ??= new SharedLoadBalancer(
      `${side}-alb`,
      {
        network,
        deletionProtection: config.isProd,
        allowHttp: !config.isProd,
        accessLogs: accessLogs?.forLoadBalancer(`${side}-alb`),
      },
      { parent: network, provider: providers[side] },
    ));
}

const home = regionalSide("home");

/**
 * With `platform:sharedDatabase` (dev): one PostgreSQL instance at home, on which each workload
 * asks for a database and a user of its own.
 */
const sharedDatabase = config.sharedDatabase
  ? new SharedPostgres(
      "shared-db",
      {
        network: home.network,
        profile: config.environment,
        identifier: `shared-db-${config.environment}`,
        logRetentionInDays: config.logRetentionDays,
      },
      { provider: providers.home },
    )
  : undefined;

/**
 * What every workload is given: the profile, log retention, both regions, account and partition,
 * and the shared database where there is one.
 */
const context: WorkloadContext = {
  environment: config.environment,
  isProd: config.isProd,
  logRetentionInDays: config.logRetentionDays,
  containerInsights: config.containerInsights,
  ec2Spot: config.ec2Spot,
  home,
  remote: regionalSide("remote"),
  accountId: account.accountId,
  partition: partition.partition,
  sharedDatabase,
};
const network = { home: context.home.network, remote: context.remote.network };

const peering = new Peering("peering", {
  requester: { network: network.home, provider: providers.home },
  accepter: { network: network.remote, provider: providers.remote },
});

const quickbets = new QuickBets("quickbets", { context, settings: config.quickbets });

const alphaKite = new AlphaKite("alpha-kite", {
  context,
  settings: config.alphaKite,
  secrets: {
    schwabAppKey: readSecret("schwabAppKey"),
    schwabAppSecret: readSecret("schwabAppSecret"),
    supabaseServiceKey: readSecret("supabaseServiceKey"),
  },
});

const fredJobs = new FredJobs("fred-jobs", { context, settings: config.fredJobs });

const financeApi = new FinanceApi("finance-api", {
  context,
  settings: config.financeApi,
  secrets: {
    mongodbUrl: readSecret("financeMongodbUrl"),
    googleApiKey: readSecret("financeGoogleApiKey"),
  },
});

const arbees = new Arbees("arbees", {
  context,
  settings: config.arbees,
  vpnCredentials: {
    privateKey: readSecret("arbeesVpnPrivateKey"),
    addresses: readSecret("arbeesVpnAddresses"),
  },
});

// Every reserving function is in the home region; the run fails there when the quota is short.
export const lambdaReservedConcurrency = reservations.total();
export const lambdaConcurrencyQuota = requireConcurrencyQuota(
  { reserved: reservations.total(), elsewhere: config.reservedConcurrencyElsewhere },
  { provider: providers.home },
);

export const environment = config.environment;
export const homeRegion = config.regions.home.region;
export const remoteRegion = config.regions.remote.region;
export const homeVpcId = network.home.vpcId;
export const homeVpcCidr = network.home.cidrBlock;
export const remoteVpcId = network.remote.vpcId;
export const remoteVpcCidr = network.remote.cidrBlock;
export const peeringConnectionId = peering.peeringConnectionId;
export const quickbetsApiUrl = quickbets.api.url;
export const quickbetsUserPoolId = quickbets.api.userPoolId;
export const quickbetsUserPoolClientId = quickbets.api.userPoolClientId;
export const quickbetsFunctionNames = quickbets.api.functionNames;
export const quickbetsSessionsTable = quickbets.table.name;
export const quickbetsSessionCluster = quickbets.cluster.name;
export const quickbetsSessionImageRepository = quickbets.repository.repositoryUrl;
export const quickbetsWebsocketBaseUrl = quickbets.websocketBaseUrl;
export const alphaKiteFunctionName = alphaKite.streamer.functionName;
export const alphaKiteScheduleNames = alphaKite.streamer.scheduleNames;
export const alphaKiteAlarmNames = alphaKite.streamer.alarmNames;
export const alphaKiteLogGroup = alphaKite.streamer.logGroupName;
export const alphaKiteTokenSecretArn = alphaKite.tokenSecret.arn;
export const alphaKiteAppSecretArn = alphaKite.appSecret.arn;
export const alphaKiteSchwabBaseUrl = config.alphaKite.schwabBaseUrl;
export const alphaKiteAlarmTopicArn = alphaKite.alarmTopic.arn;
export const fredJobsApiUrl = fredJobs.api.url;
export const fredJobsFunctionName = fredJobs.api.functionName;
export const fredJobsSecurityGroupId = fredJobs.api.securityGroupId;
export const fredJobsUploadBucket = fredJobs.api.bucketName;
export const fredJobsDatabaseEndpoint = fredJobs.database.address;
export const financeApiUrl = financeApi.url;
export const financeApiStageUrl = financeApi.api.url;
export const financeApiFunctionName = financeApi.api.functionName;
export const financeApiSecretArns = pulumi.all({
  MONGODB_URL: financeApi.secrets.MONGODB_URL.arn,
  GOOGLE_API_KEY: financeApi.secrets.GOOGLE_API_KEY.arn,
});
/** Prod only: the web ACL on the stage and the alarms' topic. */
export const financeApiProtection = pulumi.all({
  webAclArn: financeApi.webAcl?.arn,
  alarmTopicArn: financeApi.alarmTopic?.arn,
});
export const arbeesUrl = arbees.home.url;
export const arbeesHomeCluster = arbees.home.clusterName;
export const arbeesRemoteCluster = arbees.remote.clusterName;
export const arbeesHomeServices = arbees.home.serviceNames;
export const arbeesRemoteServices = arbees.remote.serviceNames;
export const arbeesRedisEndpoint = arbees.redis.primaryEndpoint;
export const arbeesDatabaseEndpoint = arbees.database.address;
export const arbeesRepositories = pulumi.all(
  Object.fromEntries(
    Object.entries(arbees.repositories).map(([image, repo]) => [image, repo.repositoryUrl]),
  ),
);
