/**
 * The architecture diagram, generated from a plan: a Mermaid flowchart (GitHub and pull-request
 * comments render it) with the regions, their VPCs and the peering, each workload's entry points
 * (REST APIs, load balancers, schedules, event rules), compute (functions, ECS services), data
 * stores and secrets, and the flows between them, all derived from the resources' inputs.
 */
import type { Plan, PlannedResource } from "./engine";

type Kind = "entry" | "compute" | "data" | "secret";

interface DiagramNode {
  readonly id: string;
  readonly label: string;
  readonly kind: Kind;
  readonly region: string;
  /** The workload (top-level component) it belongs to, for grouping. */
  readonly workload: string;
  /** Strings that identify it when another resource refers to it (id, ARN, name, address). */
  readonly handles: string[];
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

const SHAPES: Record<Kind, [string, string]> = {
  entry: ["([", "])"],
  compute: ["[", "]"],
  data: ["[(", ")]"],
  secret: ["{{", "}}"],
};

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A Mermaid-safe id from a logical name. */
function nodeId(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Every string inside a value (env maps, JSON-encoded container definitions, arrays). */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    out.push(value);
    if (value.startsWith("[") || value.startsWith("{")) {
      try {
        stringsIn(JSON.parse(value), out);
      } catch {
        // Not JSON: the string itself was kept.
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((v) => stringsIn(v, out));
  } else if (value !== null && typeof value === "object") {
    Object.values(value).forEach((v) => stringsIn(v, out));
  }
  return out;
}

/** Builds the diagram of a plan as Markdown with one `mermaid` block. */
export function architectureDiagram(plan: Plan): string {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const workloadOf = (r: PlannedResource): string => {
    let current: PlannedResource | undefined = r;
    while (current) {
      const parent: PlannedResource | undefined = current.parent
        ? byUrn.get(current.parent)
        : undefined;
      if (!parent || parent.type === "pulumi:pulumi:Stack") return current.name;
      current = parent;
    }
    return "?";
  };
  const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
  const vpcs = ofType("aws:ec2/vpc:Vpc");
  const nodes: DiagramNode[] = [];
  const add = (r: PlannedResource, kind: Kind, label: string, handles: unknown[] = []) =>
    nodes.push({
      id: nodeId(r.name),
      label,
      kind,
      region: r.region ?? "global",
      workload: workloadOf(r),
      handles: [str(r.id), str(r.outputs?.arn), ...handles.map(str)].filter((h) => h.length > 6),
    });

  // ---- nodes ----
  for (const api of ofType("aws:apigateway/restApi:RestApi")) {
    add(api, "entry", `REST API ${api.name.replace(/-api$/, "")}`);
  }
  for (const lb of ofType("aws:lb/loadBalancer:LoadBalancer")) add(lb, "entry", `ALB ${lb.name}`);
  const groups = new Map<string, PlannedResource[]>();
  for (const schedule of ofType("aws:scheduler/schedule:Schedule")) {
    const key = str(schedule.inputs.groupName);
    groups.set(key, [...(groups.get(key) ?? []), schedule]);
  }
  for (const [, schedules] of groups) {
    const first = schedules[0]!;
    const zone = str(first.inputs.scheduleExpressionTimezone) || "UTC";
    add(
      { ...first, name: `${first.name.replace(/-[a-z]+$/, "")}-schedules` },
      "entry",
      `Scheduler: ${schedules.length} schedule(s), ${zone}`,
    );
  }
  for (const rule of ofType("aws:cloudwatch/eventRule:EventRule")) {
    add(rule, "entry", `EventBridge ${rule.name}`);
  }
  for (const fn of ofType("aws:lambda/function:Function")) {
    add(fn, "compute", `λ ${fn.name.replace(/-fn$/, "")}`);
  }
  for (const svc of ofType("aws:ecs/service:Service")) {
    add(svc, "compute", `ECS ${svc.name.replace(/-service$/, "")}`);
  }
  for (const table of ofType("aws:dynamodb/table:Table"))
    add(table, "data", `DynamoDB ${table.name}`);
  for (const db of ofType("aws:rds/instance:Instance")) {
    add(db, "data", `RDS PostgreSQL ${db.name}`, [db.outputs?.address, db.outputs?.endpoint]);
  }
  for (const redis of ofType("aws:elasticache/replicationGroup:ReplicationGroup")) {
    add(redis, "data", `Redis ${redis.name}`, [redis.outputs?.primaryEndpointAddress]);
  }
  for (const bucket of ofType("aws:s3/bucket:Bucket")) add(bucket, "data", `S3 ${bucket.name}`);
  for (const secret of ofType("aws:secretsmanager/secret:Secret")) {
    // Replicas share the primary's ARN but for the region: `:secret:<name>-<suffix>` finds both.
    const arn = str(secret.outputs?.arn);
    const shared = arn.includes(":secret:") ? arn.slice(arn.indexOf(":secret:")) : "";
    add(secret, "secret", `secret ${secret.name}`, [shared]);
  }
  const node = (r: PlannedResource | undefined) =>
    r ? nodes.find((n) => n.id === nodeId(r.name)) : undefined;

  // ---- edges ----
  const edges: Edge[] = [];
  const link = (from: DiagramNode | undefined, to: DiagramNode | undefined, label?: string) => {
    if (
      from &&
      to &&
      from.id !== to.id &&
      !edges.some((e) => e.from === from.id && e.to === to.id)
    ) {
      edges.push({ from: from.id, to: to.id, ...(label ? { label } : {}) });
    }
  };
  const fnByArn = (arn: string) =>
    ofType("aws:lambda/function:Function").find((f) => arn.includes(`:function:${f.id}`));
  // API → function, through its proxy integrations.
  for (const integration of ofType("aws:apigateway/integration:Integration")) {
    const api = ofType("aws:apigateway/restApi:RestApi").find(
      (a) => a.id === integration.inputs.restApi,
    );
    link(node(api), node(fnByArn(str(integration.inputs.uri))));
  }
  // Schedules and event rules → function.
  for (const [, schedules] of groups) {
    const first = schedules[0]!;
    const from = nodes.find(
      (n) => n.id === nodeId(`${first.name.replace(/-[a-z]+$/, "")}-schedules`),
    );
    link(
      from,
      node(fnByArn(str((first.inputs.target as { arn?: string } | undefined)?.arn))),
      "every minute",
    );
  }
  for (const target of ofType("aws:cloudwatch/eventTarget:EventTarget")) {
    const rule = ofType("aws:cloudwatch/eventRule:EventRule").find(
      (r) => r.id === target.inputs.rule,
    );
    link(node(rule), node(fnByArn(str(target.inputs.arn))), "task state");
  }
  // ALB → ECS services, through listener rules and target groups.
  for (const svc of ofType("aws:ecs/service:Service")) {
    for (const lbRef of (svc.inputs.loadBalancers as { targetGroupArn?: string }[] | undefined) ??
      []) {
      const rule = ofType("aws:lb/listenerRule:ListenerRule").find((r) =>
        (r.inputs.actions as { targetGroupArn?: string }[] | undefined)?.some(
          (a) => a.targetGroupArn === lbRef.targetGroupArn,
        ),
      );
      const listener = ofType("aws:lb/listener:Listener").find(
        (l) => str(l.outputs?.arn) === str(rule?.inputs.listenerArn),
      );
      const lb = ofType("aws:lb/loadBalancer:LoadBalancer").find(
        (l) => str(l.outputs?.arn) === str(listener?.inputs.loadBalancerArn),
      );
      const patterns = (
        rule?.inputs.conditions as { pathPattern?: { values?: string[] } }[] | undefined
      )
        ?.flatMap((c) => c.pathPattern?.values ?? [])
        .join(" ");
      link(node(lb), node(svc), patterns);
    }
  }
  // Compute → data and secrets it names (env vars, container definitions, secrets by ARN).
  const referencesOf = (r: PlannedResource): string[] => {
    if (r.type === "aws:ecs/service:Service") {
      const task = ofType("aws:ecs/taskDefinition:TaskDefinition").find((t) =>
        str(r.inputs.taskDefinition).includes(`:task-definition/${str(t.inputs.family)}:`),
      );
      return stringsIn(task?.inputs.containerDefinitions);
    }
    return stringsIn(r.inputs.environment);
  };
  const targets = nodes.filter((n) => n.kind === "data" || n.kind === "secret");
  for (const compute of [
    ...ofType("aws:lambda/function:Function"),
    ...ofType("aws:ecs/service:Service"),
  ]) {
    const refs = referencesOf(compute);
    for (const target of targets) {
      if (
        refs.some((ref) =>
          target.handles.some((h) => ref === h || ref.startsWith(`${h}:`) || ref.includes(h)),
        )
      ) {
        link(node(compute), target);
      }
    }
  }
  // Network flows the security groups allow: a data store's ingress from a compute's group, or
  // from a peer VPC's CIDR (across the peering).
  const storeGroups = (r: PlannedResource): string[] => [
    ...stringsIn(r.inputs.vpcSecurityGroupIds),
    ...stringsIn(r.inputs.securityGroupIds),
  ];
  const computeGroups = (r: PlannedResource): string[] =>
    stringsIn(
      r.type === "aws:ecs/service:Service"
        ? (r.inputs.networkConfiguration as { securityGroups?: unknown } | undefined)
            ?.securityGroups
        : (r.inputs.vpcConfig as { securityGroupIds?: unknown } | undefined)?.securityGroupIds,
    );
  const computes = [
    ...ofType("aws:lambda/function:Function"),
    ...ofType("aws:ecs/service:Service"),
  ];
  const stores = [
    ...ofType("aws:rds/instance:Instance"),
    ...ofType("aws:elasticache/replicationGroup:ReplicationGroup"),
  ];
  for (const rule of ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
    const store = stores.find((st) => storeGroups(st).includes(str(rule.inputs.securityGroupId)));
    if (!store) continue;
    const port = String(rule.inputs.fromPort);
    const source = str(rule.inputs.referencedSecurityGroupId);
    const cidr = str(rule.inputs.cidrIpv4);
    for (const compute of computes) {
      if (source && computeGroups(compute).includes(source)) link(node(compute), node(store), port);
      if (cidr && compute.region !== store.region) {
        const vpc = vpcs.find((v) => v.region === compute.region);
        if (vpc && str(vpc.inputs.cidrBlock) === cidr) {
          link(node(compute), node(store), `${port} over the peering`);
        }
      }
    }
  }
  // Secrets that hold a data store's credentials point at it.
  for (const version of ofType("aws:secretsmanager/secretVersion:SecretVersion")) {
    const secret = ofType("aws:secretsmanager/secret:Secret").find(
      (s) => s.id === version.inputs.secretId,
    );
    const owner = secret ? byUrn.get(secret.parent ?? "") : undefined;
    const store = targets.find(
      (t) =>
        t.kind === "data" &&
        owner &&
        t.workload === workloadOf(owner) &&
        nodeId(owner.name) === t.id,
    );
    link(node(secret), store, "credentials");
  }

  // ---- layout ----
  const lines = ["flowchart LR"];
  const regions = [...new Set(nodes.map((n) => n.region))];
  for (const region of regions) {
    const vpc = vpcs.find((v) => v.region === region);
    lines.push(
      `  subgraph ${nodeId(region)}["${region}${vpc ? ` · VPC ${str(vpc.inputs.cidrBlock)}` : ""}"]`,
    );
    const inRegion = nodes.filter((n) => n.region === region);
    for (const workload of [...new Set(inRegion.map((n) => n.workload))].sort()) {
      lines.push(`    subgraph ${nodeId(`${region}_${workload}`)}["${workload}"]`);
      const order: Kind[] = ["entry", "compute", "data", "secret"];
      const members = inRegion
        .filter((x) => x.workload === workload)
        .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.id.localeCompare(b.id));
      for (const n of members) {
        const [open, close] = SHAPES[n.kind];
        lines.push(`      ${n.id}${open}"${n.label}"${close}`);
      }
      lines.push("    end");
    }
    lines.push("  end");
  }
  for (const pcx of ofType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")) {
    const accepter = str(pcx.inputs.peerRegion);
    if (regions.includes(pcx.region ?? "") && regions.includes(accepter)) {
      lines.push(`  ${nodeId(pcx.region ?? "")} <-. "VPC peering" .-> ${nodeId(accepter)}`);
    }
  }
  for (const e of edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))) {
    lines.push(
      e.label
        ? `  ${e.from} -->|"${e.label.replace(/"/g, "'")}"| ${e.to}`
        : `  ${e.from} --> ${e.to}`,
    );
  }
  const classes: [Kind, string][] = [
    ["entry", "fill:#e8f1fb,stroke:#2f6db3"],
    ["compute", "fill:#fdf3e1,stroke:#c17d11"],
    ["data", "fill:#e9f6ec,stroke:#2e8540"],
    ["secret", "fill:#f6e9f3,stroke:#9b3d8a"],
  ];
  for (const [kind, style] of classes) {
    const ids = nodes
      .filter((n) => n.kind === kind)
      .map((n) => n.id)
      .sort();
    if (ids.length > 0)
      lines.push(`  classDef ${kind} ${style}`, `  class ${ids.join(",")} ${kind}`);
  }

  return [
    `# Architecture of \`${plan.project}/${plan.stack}\``,
    "",
    `Generated from the offline plan by \`npm run plan -- --stack ${plan.stack} --diagram docs/architecture.md\`;`,
    "do not edit by hand (a test fails when it is stale). Entry points are rounded, compute is square,",
    "data stores are cylinders, secrets are hexagons; arrows are calls and reads.",
    "",
    "```mermaid",
    ...lines,
    "```",
    "",
  ].join("\n");
}
