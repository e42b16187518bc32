/**
 * The plan in a reader's terms: per region the network's key facts, the peering, and per component
 * its resources with their counts. `summarize` gives the facts as data (tested); `formatSummary`
 * prints them.
 */
import type { Plan, PlannedResource } from "./engine";

export interface VpcFacts {
  readonly name: string;
  readonly cidr: string;
  readonly availabilityZones: string[];
  readonly subnets: { public: number; private: number; isolated: number };
  readonly natGateways: number;
  /** Network interfaces with the source/destination check off: NAT instances' route targets. */
  readonly natInstances: number;
  readonly routeTables: number;
  readonly gatewayEndpoints: string[];
  /** Flow logs on this VPC: traffic type and destination log group retention. */
  readonly flowLogs: { trafficType: string; retentionInDays: number | null }[];
}

export interface RegionFacts {
  readonly region: string;
  /** Names of the explicit providers of this region. */
  readonly providers: string[];
  /** AWS resources (providers and components excluded). */
  readonly resourceCount: number;
  readonly vpcs: VpcFacts[];
}

export interface PeeringFacts {
  readonly name: string;
  readonly requesterRegion: string | null;
  readonly accepterRegion: string | null;
  /** Routes through the peering, per region, with their destination CIDRs. */
  readonly routes: Record<string, string[]>;
  /** Regions whose side of the connection resolves the peer's private DNS names. */
  readonly dnsResolution: string[];
}

export interface ComponentFacts {
  readonly type: string;
  readonly name: string;
  readonly region: string | null;
  readonly resourceCount: number;
  readonly byType: Record<string, number>;
}

export interface RouteFacts {
  readonly method: string;
  readonly path: string;
  /** `COGNITO_USER_POOLS`, `AWS_IAM`, `CUSTOM` or `NONE`. */
  readonly authorization: string;
  /** The logical name of the Lambda function behind it, or the integration type. */
  readonly target: string;
}

export interface ApiFacts {
  readonly name: string;
  readonly region: string | null;
  readonly stages: string[];
  readonly routes: RouteFacts[];
}

export interface FunctionFacts {
  readonly name: string;
  readonly region: string | null;
  readonly runtime: string;
  readonly architecture: string;
  readonly memorySize: number | null;
  readonly timeout: number | null;
  /** Size of the deployed `index.js`, when the code is a bundle. */
  readonly bundleBytes: number | null;
}

export interface DataStoreFacts {
  readonly type: string;
  readonly name: string;
  readonly region: string | null;
  /** The settings that matter at a glance: engine, size, availability, protection. */
  readonly detail: string;
}

export interface ScheduleFacts {
  readonly name: string;
  readonly region: string | null;
  readonly expression: string;
  /** IANA zone, or UTC when the schedule names none. */
  readonly timeZone: string;
  /** Logical name of the Lambda function it invokes, or the target ARN. */
  readonly target: string;
}

export interface AlarmFacts {
  readonly name: string;
  readonly region: string | null;
  /** `namespace metric statistic comparison threshold for N × period s`. */
  readonly condition: string;
}

export interface EcsServiceFacts {
  readonly name: string;
  readonly region: string | null;
  /** FARGATE, FARGATE_SPOT, or the EC2 capacity provider's logical name. */
  readonly capacity: string;
  readonly desiredCount: number | null;
  /** Containers besides the app, e.g. `vpn`. */
  readonly sidecars: string[];
  /** Load balancer path patterns routed to it, with the rule's priority. */
  readonly routes: string[];
  /** Why it is created with 0 tasks (its `parked` tag), or null when it runs. */
  readonly parked: string | null;
}

export interface PlanFacts {
  readonly project: string;
  readonly stack: string;
  readonly resourceCount: number;
  readonly regions: RegionFacts[];
  readonly peerings: PeeringFacts[];
  readonly components: ComponentFacts[];
  readonly apis: ApiFacts[];
  readonly functions: FunctionFacts[];
  /** Tables, clusters and load balancers: what workloads keep state in or serve from. */
  readonly services: DataStoreFacts[];
  readonly schedules: ScheduleFacts[];
  readonly alarms: AlarmFacts[];
  readonly ecsServices: EcsServiceFacts[];
}

const isAws = (r: PlannedResource) => r.custom && !r.type.startsWith("pulumi:");
const str = (v: unknown) => (typeof v === "string" ? v : "");

export function summarize(plan: Plan): PlanFacts {
  const aws = plan.resources.filter(isAws);
  const ofType = (type: string, region?: string) =>
    aws.filter((r) => r.type === type && (region === undefined || r.region === region));
  // Regions in the order their providers were declared (home first), then any other.
  const regions = [
    ...new Set([
      ...plan.resources
        .filter((r) => r.type.startsWith("pulumi:providers:"))
        .map((r) => r.region ?? "unknown"),
      ...aws.map((r) => r.region ?? "unknown"),
    ]),
  ].filter((region) => aws.some((r) => (r.region ?? "unknown") === region));

  const vpcFacts = (vpc: PlannedResource): VpcFacts => {
    const inVpc = (type: string) => ofType(type).filter((r) => r.inputs.vpcId === vpc.id);
    const subnets = inVpc("aws:ec2/subnet:Subnet");
    const subnetIds = new Set(subnets.map((s) => s.id));
    const tier = (t: string) =>
      subnets.filter(
        (s) => (s.inputs.tags as Record<string, string> | undefined)?.["platform:tier"] === t,
      ).length;
    const logGroups = ofType("aws:cloudwatch/logGroup:LogGroup");
    return {
      name: vpc.name,
      cidr: str(vpc.inputs.cidrBlock),
      availabilityZones: [...new Set(subnets.map((s) => str(s.inputs.availabilityZone)))].sort(),
      subnets: { public: tier("public"), private: tier("private"), isolated: tier("isolated") },
      natGateways: ofType("aws:ec2/natGateway:NatGateway").filter((n) =>
        subnetIds.has(str(n.inputs.subnetId)),
      ).length,
      natInstances: ofType("aws:ec2/networkInterface:NetworkInterface").filter(
        (e) => e.inputs.sourceDestCheck === false && subnetIds.has(str(e.inputs.subnetId)),
      ).length,
      routeTables: inVpc("aws:ec2/routeTable:RouteTable").length,
      gatewayEndpoints: inVpc("aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter((e) => e.inputs.vpcEndpointType === "Gateway")
        .map((e) => str(e.inputs.serviceName).split(".").pop() ?? "")
        .sort(),
      flowLogs: inVpc("aws:ec2/flowLog:FlowLog").map((f) => {
        const group = logGroups.find(
          (g) =>
            g.region === f.region && str(f.inputs.logDestination).endsWith(`:log-group:${g.id}`),
        );
        const retention = group?.inputs.retentionInDays;
        return {
          trafficType: str(f.inputs.trafficType),
          retentionInDays: typeof retention === "number" ? retention : null,
        };
      }),
    };
  };

  const providerNames = (region: string) =>
    plan.resources
      .filter((r) => r.type.startsWith("pulumi:providers:") && r.region === region)
      .map((r) => r.name);

  const peerings = ofType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection").map(
    (pcx): PeeringFacts => {
      const routes: Record<string, string[]> = {};
      for (const route of ofType("aws:ec2/route:Route").filter(
        (r) => r.inputs.vpcPeeringConnectionId === pcx.id,
      )) {
        const region = route.region ?? "unknown";
        (routes[region] ??= []).push(str(route.inputs.destinationCidrBlock));
      }
      const dnsResolution = ofType("aws:ec2/peeringConnectionOptions:PeeringConnectionOptions")
        .filter((o) => o.inputs.vpcPeeringConnectionId === pcx.id)
        .filter((o) => {
          const side = (o.inputs.requester ?? o.inputs.accepter) as
            { allowRemoteVpcDnsResolution?: boolean } | undefined;
          return side?.allowRemoteVpcDnsResolution === true;
        })
        .map((o) => o.region ?? "unknown")
        .sort();
      return {
        name: pcx.name,
        requesterRegion: pcx.region,
        accepterRegion: str(pcx.inputs.peerRegion) || pcx.region,
        routes,
        dnsResolution,
      };
    },
  );

  const descendants = (urn: string): PlannedResource[] =>
    plan.resources.filter((r) => r.parent === urn).flatMap((r) => [r, ...descendants(r.urn)]);
  const components = plan.resources
    .filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack")
    .filter((r) => plan.resources.find((p) => p.urn === r.parent)?.type === "pulumi:pulumi:Stack")
    .map((c): ComponentFacts => {
      const below = descendants(c.urn).filter(isAws);
      const byType: Record<string, number> = {};
      for (const r of below) byType[r.type] = (byType[r.type] ?? 0) + 1;
      return { type: c.type, name: c.name, region: c.region, resourceCount: below.length, byType };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));

  const apis = ofType("aws:apigateway/restApi:RestApi").map((api): ApiFacts => {
    const resources = ofType("aws:apigateway/resource:Resource").filter(
      (r) => r.inputs.restApi === api.id,
    );
    const pathOf = (id: unknown, depth = 0): string => {
      const resource = resources.find((r) => r.id === id);
      return resource && depth < 32
        ? `${pathOf(resource.inputs.parentId, depth + 1)}/${str(resource.inputs.pathPart)}`
        : "";
    };
    const integrations = ofType("aws:apigateway/integration:Integration");
    const functions = ofType("aws:lambda/function:Function");
    const routes = ofType("aws:apigateway/method:Method")
      .filter((m) => m.inputs.restApi === api.id)
      .map((m): RouteFacts => {
        const integration = integrations.find(
          (i) =>
            i.inputs.resourceId === m.inputs.resourceId &&
            i.inputs.httpMethod === m.inputs.httpMethod,
        );
        const fn = functions.find((f) =>
          str(integration?.inputs.uri).includes(`:function:${f.id}/`),
        );
        return {
          method: str(m.inputs.httpMethod),
          path: pathOf(m.inputs.resourceId) || "/",
          authorization: str(m.inputs.authorization) || "NONE",
          target: fn?.name ?? str(integration?.inputs.type),
        };
      })
      .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
    return {
      name: api.name,
      region: api.region,
      stages: ofType("aws:apigateway/stage:Stage")
        .filter((st) => st.inputs.restApi === api.id)
        .map((st) => str(st.inputs.stageName)),
      routes,
    };
  });

  const functions = ofType("aws:lambda/function:Function")
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f): FunctionFacts => {
      const archive = (f.inputs.code as { archive?: Record<string, { asset?: { bytes: number } }> })
        ?.archive;
      const num = (v: unknown) => (typeof v === "number" ? v : null);
      return {
        name: f.name,
        region: f.region,
        runtime: str(f.inputs.runtime) || (f.inputs.packageType === "Image" ? "image" : "?"),
        architecture: ((f.inputs.architectures as string[] | undefined) ?? ["x86_64"]).join(","),
        memorySize: num(f.inputs.memorySize),
        timeout: num(f.inputs.timeout),
        bundleBytes: archive?.["index.js"]?.asset?.bytes ?? null,
      };
    });

  const detailOf = (r: PlannedResource): string => {
    const i = r.inputs;
    const parts: string[] = [];
    if (r.type === "aws:rds/instance:Instance") {
      parts.push(`${str(i.engine)} ${str(i.engineVersion)} ${str(i.instanceClass)}`);
      parts.push(i.multiAz === true ? "Multi-AZ" : "single-AZ");
      if (i.deletionProtection === true) parts.push("deletion protection");
      parts.push(
        `backups ${typeof i.backupRetentionPeriod === "number" ? i.backupRetentionPeriod : 0} d`,
      );
    }
    if (r.type === "aws:dynamodb/table:Table") {
      parts.push(str(i.billingMode));
      const pitr = (i.pointInTimeRecovery as { enabled?: boolean } | undefined)?.enabled;
      if (pitr) parts.push("PITR");
    }
    if (r.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
      parts.push(
        `${str(i.engine)} ${str(i.engineVersion)} ${str(i.nodeType)} ×${typeof i.numCacheClusters === "number" ? i.numCacheClusters : 1}`,
      );
      if (i.automaticFailoverEnabled === true) parts.push("automatic failover");
      if (i.multiAzEnabled === true) parts.push("Multi-AZ");
      if (i.transitEncryptionEnabled === true) parts.push("TLS");
    }
    if (r.type === "aws:lb/loadBalancer:LoadBalancer") {
      parts.push(i.internal === true ? "internal" : "internet-facing");
    }
    if (r.options.protect) parts.push("protected");
    return parts.join(", ");
  };
  const services = [
    "aws:dynamodb/table:Table",
    "aws:ecs/cluster:Cluster",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
  ].flatMap((type) =>
    ofType(type).map((r): DataStoreFacts => ({
      type,
      name: r.name,
      region: r.region,
      detail: detailOf(r),
    })),
  );

  const ecsServices = ofType("aws:ecs/service:Service")
    .sort((a, b) => (a.region ?? "").localeCompare(b.region ?? "") || a.name.localeCompare(b.name))
    .map((svc): EcsServiceFacts => {
      const i = svc.inputs;
      const strategy = (
        i.capacityProviderStrategies as { capacityProvider?: string }[] | undefined
      )?.[0];
      // Strategies name the provider; its id is its ARN (…:capacity-provider/<name>).
      const provider = ofType("aws:ecs/capacityProvider:CapacityProvider").find(
        (c) =>
          strategy?.capacityProvider !== undefined &&
          str(c.id).endsWith(`:capacity-provider/${strategy.capacityProvider}`),
      );
      const task = ofType("aws:ecs/taskDefinition:TaskDefinition").find(
        (t) =>
          str(i.taskDefinition).startsWith(`arn:aws:ecs:${t.region ?? ""}:`) &&
          str(i.taskDefinition).includes(`:task-definition/${str(t.inputs.family)}:`),
      );
      const containers = (() => {
        try {
          return (
            JSON.parse(str(task?.inputs.containerDefinitions) || "[]") as { name?: string }[]
          ).map((c) => c.name ?? "?");
        } catch {
          return [];
        }
      })();
      const targetGroups = (
        (i.loadBalancers as { targetGroupArn?: string }[] | undefined) ?? []
      ).map((l) => l.targetGroupArn);
      const routes = ofType("aws:lb/listenerRule:ListenerRule")
        .filter((rule) =>
          (rule.inputs.actions as { targetGroupArn?: string }[] | undefined)?.some((a) =>
            targetGroups.includes(a.targetGroupArn),
          ),
        )
        .flatMap((rule) =>
          (
            (rule.inputs.conditions as { pathPattern?: { values?: string[] } }[] | undefined) ?? []
          ).flatMap((c) =>
            (c.pathPattern?.values ?? []).map(
              (v) => `${v} (priority ${String(rule.inputs.priority)})`,
            ),
          ),
        );
      const serviceName = svc.name.replace(/-service$/, "");
      return {
        name: svc.name,
        region: svc.region,
        capacity: provider ? `EC2 (${provider.name})` : (strategy?.capacityProvider ?? "?"),
        desiredCount: typeof i.desiredCount === "number" ? i.desiredCount : null,
        sidecars: containers.filter((c) => !serviceName.endsWith(c)),
        routes,
        parked: str((i.tags as Record<string, unknown> | undefined)?.parked) || null,
      };
    });

  const schedules = ofType("aws:scheduler/schedule:Schedule")
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((sc): ScheduleFacts => {
      const target = str((sc.inputs.target as { arn?: unknown } | undefined)?.arn);
      const fn = ofType("aws:lambda/function:Function").find(
        (f) => target !== "" && target.endsWith(`:function:${f.id}`),
      );
      return {
        name: sc.name,
        region: sc.region,
        expression: str(sc.inputs.scheduleExpression),
        timeZone: str(sc.inputs.scheduleExpressionTimezone) || "UTC",
        target: fn?.name ?? target,
      };
    });

  const comparisons: Record<string, string> = {
    GreaterThanOrEqualToThreshold: ">=",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
  };
  const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a): AlarmFacts => {
      const i = a.inputs;
      const op = comparisons[str(i.comparisonOperator)] ?? str(i.comparisonOperator);
      // Dimensions that tell alarms on one metric apart (not the function or service itself).
      const dims = Object.entries((i.dimensions ?? {}) as Record<string, unknown>)
        .filter(([k]) => !["service", "FunctionName", "QueueName"].includes(k))
        .map(([k, v]) => `${k}=${str(v)}`);
      return {
        name: a.name,
        region: a.region,
        condition: `${str(i.namespace)} ${str(i.metricName)}${dims.length ? `[${dims.join(",")}]` : ""} ${str(i.statistic) || str(i.extendedStatistic)} ${op} ${String(i.threshold)} for ${String(i.evaluationPeriods)} × ${String(i.period)} s`,
      };
    });

  return {
    project: plan.project,
    stack: plan.stack,
    resourceCount: aws.length,
    regions: regions.map((region) => ({
      region,
      providers: providerNames(region),
      resourceCount: aws.filter((r) => (r.region ?? "unknown") === region).length,
      vpcs: ofType("aws:ec2/vpc:Vpc", region).map(vpcFacts),
    })),
    peerings,
    components,
    apis,
    functions,
    services,
    schedules,
    alarms,
    ecsServices,
  };
}

export function formatSummary(plan: Plan): string {
  const facts = summarize(plan);
  const lines: string[] = [
    `Plan of ${facts.project}/${facts.stack}: ${facts.resourceCount} AWS resources in ${facts.regions.length} region(s)`,
  ];
  for (const region of facts.regions) {
    lines.push(
      "",
      `${region.region} (provider ${region.providers.join(", ") || "default"}): ${region.resourceCount} resources`,
    );
    for (const vpc of region.vpcs) {
      lines.push(
        `  VPC ${vpc.name} ${vpc.cidr}, AZs ${vpc.availabilityZones.join(", ")}`,
        `    subnets: ${vpc.subnets.public} public, ${vpc.subnets.private} private, ${vpc.subnets.isolated} isolated; route tables: ${vpc.routeTables}`,
        `    NAT gateways: ${vpc.natGateways}; NAT instances: ${vpc.natInstances}; gateway endpoints: ${vpc.gatewayEndpoints.join(", ") || "none"}`,
        `    flow logs: ${
          vpc.flowLogs
            .map((f) => `${f.trafficType} to CloudWatch Logs, ${f.retentionInDays ?? "?"} days`)
            .join("; ") || "NONE"
        }`,
      );
    }
  }
  for (const p of facts.peerings) {
    lines.push("", `Peering ${p.name}: ${p.requesterRegion} requests, ${p.accepterRegion} accepts`);
    for (const [region, cidrs] of Object.entries(p.routes)) {
      lines.push(`  ${region}: ${cidrs.length} routes to ${[...new Set(cidrs)].join(", ")}`);
    }
    lines.push(`  DNS resolution across the peering: ${p.dnsResolution.join(", ") || "off"}`);
  }
  for (const api of facts.apis) {
    lines.push(
      "",
      `REST API ${api.name} (${api.region ?? "?"}), stage ${api.stages.join(", ") || "none"}:`,
    );
    for (const r of api.routes) {
      lines.push(
        `  ${r.method.padEnd(7)} ${r.path.padEnd(32)} ${r.authorization.padEnd(18)} → ${r.target}`,
      );
    }
  }
  if (facts.functions.length > 0) {
    lines.push("", "Functions:");
    for (const f of facts.functions) {
      const size = f.bundleBytes === null ? "" : `, bundle ${(f.bundleBytes / 1024).toFixed(1)} KB`;
      lines.push(
        `  ${f.name} (${f.region ?? "?"}): ${f.runtime} ${f.architecture}, ${f.memorySize ?? "?"} MB, ${f.timeout ?? "?"} s${size}`,
      );
    }
  }
  if (facts.services.length > 0) {
    lines.push("", "Data stores, buckets, clusters and load balancers:");
    for (const sv of facts.services) {
      const detail = sv.detail ? `: ${sv.detail}` : "";
      lines.push(`  ${sv.type.split(":").pop()} ${sv.name} (${sv.region ?? "?"})${detail}`);
    }
  }
  if (facts.ecsServices.length > 0) {
    lines.push("", "ECS services:");
    for (const e of facts.ecsServices) {
      const sidecars = e.sidecars.length > 0 ? `, sidecars: ${e.sidecars.join(", ")}` : "";
      const routes = e.routes.length > 0 ? `, ALB ${e.routes.join(", ")}` : "";
      const parked = e.parked ? `, PARKED (${e.parked})` : "";
      lines.push(
        `  ${e.name} (${e.region ?? "?"}): ${e.capacity}, ${e.desiredCount ?? "?"} task(s)${sidecars}${routes}${parked}`,
      );
    }
  }
  if (facts.schedules.length > 0) {
    lines.push("", "Schedules:");
    for (const sc of facts.schedules) {
      lines.push(
        `  ${sc.name} (${sc.region ?? "?"}): ${sc.expression} ${sc.timeZone} → ${sc.target}`,
      );
    }
  }
  if (facts.alarms.length > 0) {
    lines.push("", "Alarms:");
    for (const a of facts.alarms) lines.push(`  ${a.name} (${a.region ?? "?"}): ${a.condition}`);
  }
  if (plan.placeholders.length > 0) {
    lines.push(
      "",
      "Settings still holding documentation placeholders (pulumi up stops on them; set the team's own):",
    );
    for (const p of plan.placeholders) lines.push(`  ${p.key}: ${p.value}`);
  }
  if (plan.unsetSecrets.length > 0) {
    lines.push(
      "",
      "Secrets this stack has not set (planned as placeholders; set them before pulumi up):",
    );
    for (const key of plan.unsetSecrets) {
      const [namespace, name] = key.split(":");
      const flag = namespace === plan.project ? name : key;
      lines.push(`  ${key}: pulumi config set --secret ${flag} --stack ${plan.stack}`);
    }
  }
  if ((plan.unsetSettings ?? []).length > 0) {
    lines.push("", "Settings this stack has not set (planned without; set them before pulumi up):");
    for (const s of plan.unsetSettings) lines.push(`  ${s.key}: ${s.how} --stack ${plan.stack}`);
  }
  lines.push("", "Components:");
  for (const c of facts.components) {
    lines.push(
      `  ${c.type} ${c.name} (${c.region ?? "several regions"}): ${c.resourceCount} resources`,
    );
    for (const [type, count] of Object.entries(c.byType).sort())
      lines.push(`    ${String(count).padStart(3)}  ${type}`);
  }
  return lines.join("\n");
}
