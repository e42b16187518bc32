/**
 * What every ECS task definition of the platform stands on, whether a service keeps its tasks
 * running (RegionalGateway) or a caller starts them on demand (SessionFleet): a log group, the
 * execution role ECS starts a task with, and the task role the app runs as.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LogRetentionDays } from "./profile";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import { transform, type Transform } from "./transform";

/** Where a task's images come from: one repository, or any repository of the account. */
export type ImageSource =
  | { repositoryArn: pulumi.Input<string> }
  /** Any region's repositories: a remote service may run an image from the home registry. */
  | { account: pulumi.Input<string>; partition: pulumi.Input<string> };

/**
 * The execution role's statements: ECR login and pull, writing to the task's log group, and
 * reading the secrets ECS injects (`secrets`/`valueFrom`), when there are any.
 */
export function executionStatements(args: {
  images: ImageSource;
  logGroupArn: pulumi.Input<string>;
  secretArns?: pulumi.Input<string>[];
}): PolicyStatement[] {
  const secretArns = args.secretArns ?? [];
  const pull =
    "repositoryArn" in args.images
      ? { Sid: "PullImage", Resource: args.images.repositoryArn }
      : {
          Sid: "PullImages",
          Resource: pulumi.interpolate`arn:${args.images.partition}:ecr:*:${args.images.account}:repository/*`,
        };
  return [
    { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: pull.Sid,
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: pull.Resource,
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`${args.logGroupArn}:*`,
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
}

export interface TaskRuntimeArgs {
  /** Where the task's images come from (the execution role may pull them). */
  images: ImageSource;
  /** Days the task's logs are kept. */
  logRetentionInDays: LogRetentionDays;
  /**
   * Prefix of the log group's name (AWS appends a unique suffix).
   * @default `/platform/ecs/<name>-`
   */
  logGroupPrefix?: string;
  /** Secrets Manager ARNs ECS reads at task start (`secrets`/`valueFrom`). @default [] */
  secretArns?: pulumi.Input<string>[];
  /**
   * What the app itself may do, as the task role's one inline policy.
   * @default [] (no policy: the app calls no AWS API)
   */
  taskStatements?: PolicyStatement[];
  transform?: {
    /** The log group the task's containers write to. */
    logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    /** The role ECS starts the task with (pull, logs, secrets). */
    executionRole?: Transform<aws.iam.RoleArgs>;
    /** The role the app runs as. */
    taskRole?: Transform<aws.iam.RoleArgs>;
  };
}

export interface TaskRuntime {
  logGroup: aws.cloudwatch.LogGroup;
  executionRole: aws.iam.Role;
  taskRole: aws.iam.Role;
}

/**
 * A task's log group (`<name>-logs`), execution role (`<name>-execution`) and task role
 * (`<name>-task`), each role with its statements as one inline policy. Created with the caller's
 * options, so they sit under the caller.
 */
export function taskRuntime(
  name: string,
  args: TaskRuntimeArgs,
  opts: pulumi.CustomResourceOptions,
): TaskRuntime {
  const logGroup = new aws.cloudwatch.LogGroup(
    ...transform(
      args.transform?.logGroup,
      `${name}-logs`,
      {
        namePrefix: args.logGroupPrefix ?? `/platform/ecs/${name}-`,
        retentionInDays: args.logRetentionInDays,
      },
      opts,
    ),
  );
  const execution = executionStatements({
    images: args.images,
    logGroupArn: logGroup.arn,
    secretArns: args.secretArns,
  });
  return {
    logGroup,
    executionRole: taskRole(`${name}-execution`, execution, opts, args.transform?.executionRole),
    taskRole: taskRole(`${name}-task`, args.taskStatements ?? [], opts, args.transform?.taskRole),
  };
}

/** A role ECS tasks assume, with exactly `statements` as its inline policy `<name>-policy`. */
export function taskRole(
  name: string,
  statements: PolicyStatement[],
  opts: pulumi.CustomResourceOptions,
  hook?: Transform<aws.iam.RoleArgs>,
): aws.iam.Role {
  const role = new aws.iam.Role(
    ...transform(
      hook,
      name,
      { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ecs-tasks.amazonaws.com")) },
      opts,
    ),
  );
  if (statements.length > 0) {
    new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, policy: pulumi.jsonStringify(policyDocument(...statements)) },
      opts,
    );
  }
  return role;
}
