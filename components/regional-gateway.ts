import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  capacityFor,
  containerDefinitions,
  rulePriorities,
  type Launch,
  type VpnSidecar,
} from "./ecs-tasks";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import type { Network } from "./network";
import { PublicLoadBalancer } from "./public-load-balancer";
import type { EnvironmentProfile, LogRetentionDays } from "./profile";

/** The VPN sidecar of a service; `outboundSubnets` come from the gateway (local + peer VPCs). */
export type ServiceVpn = Omit<VpnSidecar, "outboundSubnets" | "image" | "secretArn"> & {
  image: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  /** WireGuard endpoint port the sidecar dials out to. @default 51820 */
  port?: number;
};

export interface GatewayService {
  /** Lowercase name: part of every resource name. */
  name: string;
  /** Full image reference (a digest or a tag from config in the program's ECR repository). */
  image: pulumi.Input<string>;
  /** Task CPU units and memory (MB). */
  cpu: number;
  memory: number;
  /** Container port; required with `ingress`. */
  port?: number;
  command?: string[];
  /** Non-secret environment. @default {} */
  environment?: Record<string, string>;
  /** Name → Secrets Manager ARN, delivered through `secrets`/`valueFrom`. @default {} */
  secrets?: Record<string, pulumi.Input<string>>;
  /** @default 1 */
  desiredCount?: number;
  /** Target tracking on CPU and/or memory between min and max tasks. */
  autoscaling?: { min: number; max: number; cpuTarget?: number; memoryTarget?: number };
  /** Routes from the load balancer: path patterns, optional priority, health check path. */
  ingress?: { pathPatterns: string[]; priority?: number; healthCheckPath?: string };
  /** Where it runs; a VPN sidecar needs `ec2`. @default "fargate" */
  launch?: Launch;
  vpn?: ServiceVpn;
  /**
   * Why the service must not run yet (its image is not pushed, say). While set, the service is
   * created with 0 tasks (autoscaling's minimum 0), tagged `parked` with the reason, and previews
   * warn with it; once it resolves to undefined, the next update starts the tasks.
   * @default undefined (runs)
   */
  parkedReason?: pulumi.Input<string | undefined>;
  /**
   * What the service reads at start and must wait for: the secret versions behind `secrets` and
   * the VPN's secret (ECS reads their AWSCURRENT value when a task starts).
   * @default []
   */
  waitFor?: pulumi.Resource[];
}

export interface GatewayArgs {
  /** The region's network: tasks in its private subnets, the ALB in its public ones. */
  network: Network;
  services: GatewayService[];
  /**
   * A public ALB in front of the services with `ingress`. With `domainName` (and a Route 53 zone)
   * it serves HTTPS with an ACM certificate validated in the zone and redirects HTTP; without, it
   * serves plain HTTP, which only `allowHttp` (dev) permits.
   */
  loadBalancer?: { domainName?: string; hostedZoneId?: string; allowHttp?: boolean };
  /** CIDRs of peered VPCs the services may reach (Redis and the database at home). @default [] */
  peerCidrs?: string[];
  /** prod: deletion protection on the ALB. */
  environment: EnvironmentProfile;
  /** @default 14 */
  logRetentionInDays?: LogRetentionDays;
  /** EC2 capacity for services that need it. @default { instanceType: "t4g.medium", min: 1, max: 3 } */
  ec2?: { instanceType: string; min: number; max: number };
  /** Subscribed to the alarm topic. */
  alarmEmail?: string;
}

/** A parked service's reason as an EC2-compatible tag value (letters, digits, space, + - = . _ : / @). */
export function parkedTag(reason: string): string {
  return reason
    .replace(/[^A-Za-z0-9 +\-=._:/@]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 256);
}

/** The ECS-optimized Amazon Linux 2023 AMI for arm64, resolved by EC2 at every launch. */
export const ECS_AMI =
  "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id";

/**
 * The platform's ECS footprint in one region: a cluster with Container Insights, Fargate, Fargate
 * Spot and (when a service needs it) EC2 capacity; per service a task definition (awsvpc), a
 * service with the deployment circuit breaker, a security group reachable only from the ALB on its
 * port, a log group and autoscaling; the ALB with its listeners and rules; alarms to a topic.
 */
export class RegionalGateway extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  public readonly services: Readonly<Record<string, aws.ecs.Service>>;
  public readonly taskDefinitions: Readonly<Record<string, aws.ecs.TaskDefinition>>;
  public readonly serviceSecurityGroups: Readonly<Record<string, aws.ec2.SecurityGroup>>;
  /**
   * One group every service of this gateway carries, with no rules of its own: what data stores
   * admit ("the services of this region"), so adding a service never touches their rules.
   */
  public readonly servicesGroup: aws.ec2.SecurityGroup;
  public readonly loadBalancer?: aws.lb.LoadBalancer;
  public readonly alarmTopic: aws.sns.Topic;
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceNames: pulumi.Output<string[]>;
  public readonly albDnsName: pulumi.Output<string | undefined>;
  public readonly url: pulumi.Output<string | undefined>;
  /** Every service's security group id, by service. */
  public readonly securityGroupIds: pulumi.Output<Record<string, string>>;
  public readonly servicesGroupId: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:ecs:RegionalGateway", name, {}, opts);

    // ---- normalize ----
    const { network } = args;
    const launches = Object.fromEntries(args.services.map((s) => [s.name, capacityFor(s)]));
    const routed = args.services.filter((s) => s.ingress);
    const lb = args.loadBalancer;
    const tls = lb?.domainName !== undefined;
    const problems = [
      ...args.services
        .filter((s) => !/^[a-z][a-z0-9-]{0,31}$/.test(s.name))
        .map((s) => `services.${s.name}: names are lowercase, 1-32 characters`),
      ...routed.filter((s) => !s.port).map((s) => `services.${s.name}.port: required with ingress`),
      // Target groups are auto-named `<logical>-<7 chars>` within ELB's 32.
      ...routed
        .filter((s) => `${name}-${s.name}-tg`.length > 24)
        .map(
          (s) =>
            `services.${s.name}: with ingress, "${name}-${s.name}" must be at most 21 characters (its target group's name fits ELB's 32 with Pulumi's suffix)`,
        ),
      ...(routed.length > 0 && !lb ? ["loadBalancer: required by services with ingress"] : []),
      ...(lb && !tls && !lb.allowHttp
        ? ["loadBalancer.domainName: required unless allowHttp (plain HTTP is for dev only)"]
        : []),
      ...(lb?.domainName && !lb.hostedZoneId
        ? [
            "loadBalancer.hostedZoneId: required with domainName (the certificate is validated there)",
          ]
        : []),
      ...args.services
        .filter(
          (s) => s.autoscaling && (s.autoscaling.min < 1 || s.autoscaling.max < s.autoscaling.min),
        )
        .map((s) => `services.${s.name}.autoscaling: need 1 <= min <= max`),
    ];
    const names = args.services.map((s) => s.name);
    names
      .filter((n, i) => names.indexOf(n) !== i)
      .forEach((n) => problems.push(`services.${n}: listed twice`));
    if (problems.length > 0)
      throw new Error(`RegionalGateway ${name}:\n  ${problems.join("\n  ")}`);
    const priorities = rulePriorities(
      routed.map((s) => ({
        service: s.name,
        pathPatterns: s.ingress!.pathPatterns,
        priority: s.ingress!.priority,
      })),
    );
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const internalCidrs = [network.cidrBlock, ...(args.peerCidrs ?? [])];
    const logRetentionInDays = args.logRetentionInDays ?? 14;

    // ---- create: cluster and capacity ----
    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: "enabled" }] },
      { parent: this },
    );
    const needsEc2 = Object.values(launches).includes("ec2");
    const ec2Provider = needsEc2 ? this.ec2Capacity(name, args) : undefined;
    // Services name these providers in their strategies: CreateService fails while they are not
    // yet associated, and destroy fails while a service still uses them.
    const capacity = new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: this.cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT", ...(ec2Provider ? [ec2Provider.name] : [])],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
      },
      { parent: this },
    );

    // ---- create: alarms topic ----
    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, {}, { parent: this });
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.alarmTopic.arn, protocol: "email", endpoint: args.alarmEmail },
        { parent: this },
      );
    }
    const alarm = (alarmName: string, alarmArgs: aws.cloudwatch.MetricAlarmArgs) =>
      new aws.cloudwatch.MetricAlarm(
        alarmName,
        {
          alarmActions: [this.alarmTopic.arn],
          okActions: [this.alarmTopic.arn],
          treatMissingData: "notBreaching",
          ...alarmArgs,
        },
        { parent: this },
      );

    // ---- create: load balancer ----
    let alb: PublicLoadBalancer | undefined;
    if (lb) {
      alb = new PublicLoadBalancer(
        `${name}-alb`,
        {
          network,
          tls: tls ? { domainName: lb.domainName!, hostedZoneId: lb.hostedZoneId! } : undefined,
          allowHttp: lb.allowHttp,
          deletionProtection: args.environment === "prod",
        },
        { parent: this },
      );
      this.loadBalancer = alb.loadBalancer;
      alarm(`${name}-alb-5xx`, {
        alarmDescription: `${name}: services answered 10 or more 5xx in 5 minutes`,
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer: alb.loadBalancer.arnSuffix },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 10,
        period: 300,
        evaluationPeriods: 1,
      });
    }

    // ---- create: services ----
    this.servicesGroup = new aws.ec2.SecurityGroup(
      `${name}-services`,
      { vpcId: network.vpcId, description: `${name}: every service (what data stores admit)` },
      { parent: this },
    );
    const services: Record<string, aws.ecs.Service> = {};
    const taskDefinitions: Record<string, aws.ecs.TaskDefinition> = {};
    const groups: Record<string, aws.ec2.SecurityGroup> = {};
    for (const service of args.services) {
      const id = `${name}-${service.name}`;
      const launch = launches[service.name]!;
      const logGroup = new aws.cloudwatch.LogGroup(
        `${id}-logs`,
        { namePrefix: `/platform/ecs/${id}-`, retentionInDays: logRetentionInDays },
        { parent: this },
      );
      const secretArns = [
        ...Object.values(service.secrets ?? {}),
        ...(service.vpn ? [service.vpn.secretArn] : []),
      ];
      const executionStatements: PolicyStatement[] = [
        { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullImages",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          // Any region: a remote service may run an image from the home region's registry.
          Resource: pulumi.interpolate`arn:${partition}:ecr:*:${account}:repository/*`,
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: pulumi.interpolate`${logGroup.arn}:*`,
        },
        ...(secretArns.length > 0
          ? [
              {
                Sid: "Secrets",
                Effect: "Allow" as const,
                Action: "secretsmanager:GetSecretValue",
                Resource: secretArns,
              },
            ]
          : []),
      ];
      const executionRole = this.role(`${id}-execution`, executionStatements);
      const taskRole = this.role(`${id}-task`, []);

      const group = new aws.ec2.SecurityGroup(
        `${id}-sg`,
        { vpcId: network.vpcId, description: `${id}: reachable only from the load balancer` },
        { parent: this },
      );
      groups[service.name] = group;
      const egress = (suffix: string, rule: Partial<aws.vpc.SecurityGroupEgressRuleArgs>) =>
        new aws.vpc.SecurityGroupEgressRule(
          `${id}-out-${suffix}`,
          { securityGroupId: group.id, ipProtocol: "tcp", ...rule },
          { parent: this },
        );
      egress("https", {
        description: "HTTPS (APIs, ECR, Secrets Manager)",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      });
      internalCidrs.forEach((cidr, i) =>
        egress(`internal-${i}`, {
          description: `Internal services in ${cidr}`,
          fromPort: 0,
          toPort: 65535,
          cidrIpv4: cidr,
        }),
      );
      if (service.vpn) {
        egress("wireguard", {
          description: "WireGuard to the VPN provider",
          ipProtocol: "udp",
          fromPort: service.vpn.port ?? 51820,
          toPort: service.vpn.port ?? 51820,
          cidrIpv4: "0.0.0.0/0",
        });
      }
      if (service.ingress && alb) {
        new aws.vpc.SecurityGroupIngressRule(
          `${id}-from-alb`,
          {
            securityGroupId: group.id,
            description: "From the load balancer",
            ipProtocol: "tcp",
            fromPort: service.port!,
            toPort: service.port!,
            referencedSecurityGroupId: alb.securityGroup.id,
          },
          { parent: this },
        );
        alb.allowTo(service.name, service.port!, group.id);
      }

      const definitions = pulumi
        .all([
          service.image,
          logGroup.name,
          region,
          pulumi.all(service.secrets ?? {}),
          service.vpn ? pulumi.all([service.vpn.image, service.vpn.secretArn]) : undefined,
        ])
        .apply(([image, logGroupName, regionName, secrets, vpnRefs]) =>
          JSON.stringify(
            containerDefinitions({
              name: service.name,
              image,
              cpu: service.cpu,
              memory: service.memory,
              port: service.port,
              command: service.command,
              environment: service.environment,
              secrets,
              logGroup: logGroupName,
              region: regionName,
              vpn:
                service.vpn && vpnRefs
                  ? {
                      provider: service.vpn.provider,
                      serverCountries: service.vpn.serverCountries,
                      secretKeys: service.vpn.secretKeys,
                      image: vpnRefs[0],
                      secretArn: vpnRefs[1],
                      outboundSubnets: internalCidrs,
                    }
                  : undefined,
            }),
          ),
        );
      const taskDefinition = new aws.ecs.TaskDefinition(
        `${id}-task`,
        {
          // Families are account-wide per region: dev and prod share the account.
          family: `${id}-${pulumi.getStack()}`,
          requiresCompatibilities: [launch === "ec2" ? "EC2" : "FARGATE"],
          networkMode: "awsvpc",
          cpu: String(service.cpu),
          memory: String(service.memory),
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" },
          executionRoleArn: executionRole.arn,
          taskRoleArn: taskRole.arn,
          containerDefinitions: definitions,
        },
        { parent: this },
      );
      taskDefinitions[service.name] = taskDefinition;

      let targetGroup: aws.lb.TargetGroup | undefined;
      let listenerRule: aws.lb.ListenerRule | undefined;
      if (service.ingress && alb) {
        targetGroup = new aws.lb.TargetGroup(
          `${id}-tg`,
          {
            vpcId: network.vpcId,
            targetType: "ip",
            protocol: "HTTP",
            port: service.port!,
            deregistrationDelay: 30,
            healthCheck: {
              path: service.ingress.healthCheckPath ?? "/health",
              matcher: "200-399",
              interval: 15,
              healthyThreshold: 2,
              unhealthyThreshold: 3,
            },
          },
          { parent: this },
        );
        listenerRule = new aws.lb.ListenerRule(
          `${id}-rule`,
          {
            listenerArn: alb.listener.arn,
            priority: priorities[service.name]!,
            conditions: [{ pathPattern: { values: service.ingress.pathPatterns } }],
            actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
          },
          { parent: this },
        );
        alarm(`${id}-unhealthy`, {
          alarmDescription: `${id}: targets failing health checks for 3 minutes`,
          namespace: "AWS/ApplicationELB",
          metricName: "UnHealthyHostCount",
          dimensions: {
            TargetGroup: targetGroup.arnSuffix,
            LoadBalancer: alb.loadBalancer.arnSuffix,
          },
          statistic: "Maximum",
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          period: 60,
          evaluationPeriods: 3,
        });
      }

      const wanted = service.autoscaling?.min ?? service.desiredCount ?? 1;
      const parkedReason = pulumi.output(service.parkedReason);
      parkedReason.apply((reason) => {
        if (reason) void pulumi.log.warn(`${id}: parked with 0 tasks: ${reason}`, this);
      });
      const desired = parkedReason.apply((reason) => (reason ? 0 : wanted));
      services[service.name] = new aws.ecs.Service(
        `${id}-service`,
        {
          cluster: this.cluster.arn,
          taskDefinition: taskDefinition.arn,
          desiredCount: desired,
          // `pulumi up` fails, and the next one retries, when a rollout does not reach steady
          // state (the circuit breaker rolled it back) instead of reporting success.
          waitForSteadyState: parkedReason.apply((reason) => !reason),
          tags: parkedReason.apply((reason): Record<string, string> =>
            reason ? { parked: parkedTag(reason) } : {},
          ),
          capacityProviderStrategies: [
            {
              capacityProvider:
                launch === "ec2"
                  ? ec2Provider!.name
                  : launch === "fargateSpot"
                    ? "FARGATE_SPOT"
                    : "FARGATE",
              weight: 1,
            },
          ],
          networkConfiguration: {
            subnets: network.privateSubnetIds,
            securityGroups: [group.id, this.servicesGroup.id],
            assignPublicIp: false,
          },
          deploymentCircuitBreaker: { enable: true, rollback: true },
          deploymentMinimumHealthyPercent: 100,
          deploymentMaximumPercent: 200,
          propagateTags: "SERVICE",
          enableEcsManagedTags: true,
          ...(targetGroup
            ? {
                loadBalancers: [
                  {
                    targetGroupArn: targetGroup.arn,
                    containerName: service.name,
                    containerPort: service.port!,
                  },
                ],
                healthCheckGracePeriodSeconds: 60,
              }
            : {}),
        },
        {
          parent: this,
          // Autoscaling owns the count once it exists (raising its minimum starts parked tasks).
          ignoreChanges: service.autoscaling ? ["desiredCount"] : [],
          dependsOn: [
            capacity,
            ...(listenerRule ? [listenerRule] : []),
            ...(service.waitFor ?? []),
          ],
        },
      );
      alarm(`${id}-running`, {
        alarmDescription: pulumi.interpolate`${id}: fewer tasks running than the ${desired} wanted, for 5 minutes`,
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions: { ClusterName: this.cluster.name, ServiceName: services[service.name]!.name },
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: desired,
        period: 60,
        evaluationPeriods: 5,
        // No data from a running service is an outage; from a parked one, expected.
        treatMissingData: parkedReason.apply((reason) => (reason ? "notBreaching" : "breaching")),
      });
      if (service.autoscaling) this.autoscale(id, service, services[service.name]!, desired);
    }
    this.services = services;
    this.taskDefinitions = taskDefinitions;
    this.serviceSecurityGroups = groups;

    // ---- expose ----
    this.clusterName = this.cluster.name;
    this.servicesGroupId = this.servicesGroup.id;
    this.serviceNames = pulumi.all(Object.values(services).map((s) => s.name));
    this.albDnsName = this.loadBalancer
      ? this.loadBalancer.dnsName
      : pulumi.output<string | undefined>(undefined);
    this.url = alb ? alb.url : pulumi.output<string | undefined>(undefined);
    this.securityGroupIds = pulumi.all(
      Object.fromEntries(Object.entries(groups).map(([n, g]) => [n, g.id])),
    );
    this.registerOutputs({
      clusterName: this.clusterName,
      serviceNames: this.serviceNames,
      albDnsName: this.albDnsName,
      url: this.url,
    });
  }

  /** A role ECS tasks assume, with exactly `statements` (none: the app calls no AWS API). */
  private role(roleName: string, statements: PolicyStatement[]): aws.iam.Role {
    const role = new aws.iam.Role(
      roleName,
      { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ecs-tasks.amazonaws.com")) },
      { parent: this },
    );
    if (statements.length > 0) {
      new aws.iam.RolePolicy(
        `${roleName}-policy`,
        { role: role.name, policy: pulumi.jsonStringify(policyDocument(...statements)) },
        { parent: this },
      );
    }
    return role;
  }

  /** EC2 capacity: ECS-optimized arm64 instances, IMDSv2 only, encrypted volumes, managed scaling. */
  private ec2Capacity(name: string, args: GatewayArgs): aws.ecs.CapacityProvider {
    const ec2 = args.ec2 ?? { instanceType: "t4g.medium", min: 1, max: 3 };
    const role = new aws.iam.Role(
      `${name}-instance`,
      { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ec2.amazonaws.com")) },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-instance-ecs`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${aws.getPartitionOutput({}, { parent: this }).partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`,
      },
      { parent: this },
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-instance`,
      { role: role.name },
      { parent: this },
    );
    const group = new aws.ec2.SecurityGroup(
      `${name}-instances`,
      { vpcId: args.network.vpcId, description: `${name}: ECS container instances (no ingress)` },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-instances-https-out`,
      {
        securityGroupId: group.id,
        description: "ECS agent, ECR and CloudWatch over HTTPS",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );
    const template = new aws.ec2.LaunchTemplate(
      `${name}-instances`,
      {
        imageId: ECS_AMI,
        instanceType: ec2.instanceType,
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: [group.id],
        // Hop limit 1: containers in awsvpc tasks cannot reach the instance's credentials.
        metadataOptions: {
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          httpEndpoint: "enabled",
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: 30,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: true },
        userData: this.cluster.name.apply((cluster) =>
          Buffer.from(
            `#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\nECS_CLUSTER=${cluster}\nECS_ENABLE_CONTAINER_METADATA=true\nECS_AWSVPC_BLOCK_IMDS=true\nEOF\n`,
          ).toString("base64"),
        ),
      },
      { parent: this },
    );
    const group_ = new aws.autoscaling.Group(
      `${name}-instances`,
      {
        vpcZoneIdentifiers: args.network.privateSubnetIds,
        minSize: ec2.min,
        maxSize: ec2.max,
        launchTemplate: { id: template.id, version: "$Latest" },
        protectFromScaleIn: true,
        // ECS's managed termination protection keeps instances protected while tasks run: without
        // force delete, destroying the group waits for instances that are never released.
        forceDelete: true,
        healthCheckType: "EC2",
        tags: [{ key: "AmazonECSManaged", value: "true", propagateAtLaunch: true }],
      },
      { parent: this, ignoreChanges: ["desiredCapacity"] },
    );
    return new aws.ecs.CapacityProvider(
      `${name}-ec2`,
      {
        autoScalingGroupProvider: {
          autoScalingGroupArn: group_.arn,
          managedTerminationProtection: "ENABLED",
          managedScaling: {
            status: "ENABLED",
            targetCapacity: 100,
            minimumScalingStepSize: 1,
            maximumScalingStepSize: 2,
          },
        },
      },
      { parent: this },
    );
  }

  /** Target tracking on CPU and memory between min and max tasks. */
  private autoscale(
    id: string,
    service: GatewayService,
    ecsService: aws.ecs.Service,
    minimum: pulumi.Output<number>,
  ): void {
    const scaling = service.autoscaling!;
    const target = new aws.appautoscaling.Target(
      `${id}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${ecsService.name}`,
        // 0 while parked; raising it to min later makes Application Auto Scaling start the tasks.
        minCapacity: minimum,
        maxCapacity: scaling.max,
      },
      { parent: this },
    );
    const metrics = [
      ["cpu", "ECSServiceAverageCPUUtilization", scaling.cpuTarget],
      ["memory", "ECSServiceAverageMemoryUtilization", scaling.memoryTarget],
    ] as const;
    for (const [key, metric, value] of metrics) {
      if (value === undefined) continue;
      new aws.appautoscaling.Policy(
        `${id}-${key}`,
        {
          policyType: "TargetTrackingScaling",
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          serviceNamespace: target.serviceNamespace,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: value,
            predefinedMetricSpecification: { predefinedMetricType: metric },
            scaleInCooldown: 120,
            scaleOutCooldown: 60,
          },
        },
        { parent: this },
      );
    }
  }
}
