/**
 * Composition root: load config, build both regions, peer them, instantiate the workloads, export
 * outputs. Workloads whose wiring outgrows a screen get a module under workloads/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkPlaceholders, documentationPlaceholders, loadConfig, readSecret } from "./config";
import {
  protectStatefulResources,
  requireConcurrencyQuota,
  tallyReservedConcurrency,
} from "./components/guards";
import { Network } from "./components/network";
import {
  applyPermissionsBoundary,
  WORKLOAD_BOUNDARY_NAME,
} from "./components/permissions-boundary";
import { Peering } from "./components/peering";
import { AlphaKite } from "./workloads/alpha-kite";
import { Arbees } from "./workloads/arbees";
import { FinanceApi } from "./workloads/finance-api";
import { FredJobs } from "./workloads/fred-jobs";
import { QuickBets } from "./workloads/quickbets";

const config = loadConfig();

// Values copied from documentation (example.com, AWS's example account): a preview warns, a real
// update stops here, before anything is created. The offline plan has no engine and only warns.
const updating = !pulumi.runtime.isDryRun() && pulumi.runtime.hasEngine();
for (const warning of checkPlaceholders(
  documentationPlaceholders(pulumi.runtime.allConfig()),
  updating ? "update" : "preview",
)) {
  void pulumi.log.warn(warning);
}

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

function regionalNetwork(side: "home" | "remote"): Network {
  return new Network(
    side,
    {
      cidrBlock: config.regions[side].cidr,
      availabilityZones: [...config.regions[side].availabilityZones],
      natStrategy: config.natStrategy,
      flowLogs: { retentionInDays: config.logRetentionDays },
    },
    { provider: providers[side] },
  );
}

const network = { home: regionalNetwork("home"), remote: regionalNetwork("remote") };

const peering = new Peering("peering", {
  requester: { network: network.home, provider: providers.home },
  accepter: { network: network.remote, provider: providers.remote },
});

const quickbets = new QuickBets(
  "quickbets",
  {
    network: network.home,
    settings: config.quickbets,
    environment: config.environment,
    logRetentionInDays: config.logRetentionDays,
  },
  { provider: providers.home },
);

const alphaKite = new AlphaKite(
  "alpha-kite",
  {
    settings: config.alphaKite,
    environment: config.environment,
    logRetentionInDays: config.logRetentionDays,
    secrets: {
      schwabAppKey: readSecret("schwabAppKey"),
      schwabAppSecret: readSecret("schwabAppSecret"),
      supabaseServiceKey: readSecret("supabaseServiceKey"),
    },
  },
  { provider: providers.home },
);

const fredJobs = new FredJobs(
  "fred-jobs",
  {
    network: network.home,
    settings: config.fredJobs,
    environment: config.environment,
    logRetentionInDays: config.logRetentionDays,
  },
  { provider: providers.home },
);

const financeApi = new FinanceApi(
  "finance-api",
  {
    settings: config.financeApi,
    environment: config.environment,
    secrets: {
      mongodbUrl: readSecret("financeMongodbUrl"),
      googleApiKey: readSecret("financeGoogleApiKey"),
    },
  },
  { provider: providers.home },
);

const arbees = new Arbees("arbees", {
  settings: config.arbees,
  environment: config.environment,
  logRetentionInDays: config.logRetentionDays,
  home: { network: network.home, provider: providers.home, region: config.regions.home.region },
  remote: {
    network: network.remote,
    provider: providers.remote,
    region: config.regions.remote.region,
  },
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
