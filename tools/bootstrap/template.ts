/**
 * The one-time bootstrap of an AWS account for this repository's workflows, as a CloudFormation
 * template: GitHub's OIDC provider, the Pulumi state bucket, a KMS key per environment for stack
 * secrets, a read-only preview role for pull requests, one deploy role per environment, and API
 * Gateway's account-level CloudWatch Logs role in the region the template is deployed in.
 *
 * Built here as typed data and rendered to github-oidc.template.json (`render.ts`), so the policies
 * are reviewable JSON and the tests read exactly what an admin deploys. CloudFormation rather than
 * a Pulumi program: it runs before any Pulumi state or secrets provider exists.
 */
import * as prettier from "prettier";
import { WORKLOAD_BOUNDARY_NAME } from "../../components/permissions-boundary";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Name prefix of the roles this template creates; deploy roles may never touch them. */
export const BOOTSTRAP_ROLE_PREFIX = "platform-github-";

/**
 * The role API Gateway assumes to write access and execution logs, named by the account setting of
 * the region the template is deployed in. One setting per account and region, shared by dev and
 * prod: no stack owns it (destroying the owner would take logging away from the other), and the
 * deploy roles may not change it (`NotTheApiGatewayAccountSetting`).
 */
export const APIGATEWAY_LOGS_ROLE_NAME = "platform-apigateway-cloudwatch-logs";
export const APIGATEWAY_LOGS_POLICY =
  "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";
export const PROJECT_TAG = { key: "project", value: "platform" } as const;

/**
 * Services whose resources the program creates, all actions, in the stack's two regions only.
 * IAM and Route 53 are global and get scoped statements of their own below.
 */
export const REGIONAL_SERVICES = [
  "acm",
  "apigateway",
  "application-autoscaling",
  "autoscaling",
  "cloudwatch",
  "cognito-idp",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "elasticache",
  "elasticloadbalancing",
  "events",
  "kms",
  "lambda",
  "logs",
  "rds",
  "s3",
  "scheduler",
  "secretsmanager",
  "sns",
  "sqs",
  "wafv2",
] as const;

/** Services that create service-linked roles the first time the program uses them. */
const SERVICE_LINKED = [
  "autoscaling.amazonaws.com",
  "ecs.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
  "elasticache.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "ops.apigateway.amazonaws.com",
  "rds.amazonaws.com",
];

/**
 * Services the program passes its roles to. Not API Gateway: the only role it takes is the
 * account setting's, which this template owns.
 */
const PASSED_TO = [
  "ec2.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "events.amazonaws.com",
  "lambda.amazonaws.com",
  "monitoring.rds.amazonaws.com",
  "scheduler.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
];

/**
 * AWS-managed policies the program attaches beyond the service-role ones: Session Manager's on the
 * NAT instances' role (components/nat-instance.ts), their way in instead of SSH.
 */
export const ATTACHED_AWS_POLICIES = ["AmazonSSMManagedInstanceCore"] as const;

/**
 * Services the program's roles call besides those it creates resources in: Session Manager's
 * channels and its agent's message service (AmazonSSMManagedInstanceCore).
 */
const WORKLOAD_ONLY_SERVICES = ["ec2messages", "execute-api", "ssm", "ssmmessages", "xray"];

/** Reading a quota's applied value, or AWS's default where none is applied. */
const QUOTA_READS = ["servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota"];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const sub = (text: string): Json => ({ "Fn::Sub": text });
const ref = (name: string): Json => ({ Ref: name });

const OIDC_HOST = "token.actions.githubusercontent.com";
const roleArn = (pattern: string) =>
  sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${pattern}`);
const stateBucketArn = sub("arn:${AWS::Partition}:s3:::${StateBucket}");
const stateObjects = (pattern: string) =>
  sub(`arn:\${AWS::Partition}:s3:::\${StateBucket}/${pattern}`);
const keyLogical = (env: Environment) => `SecretsKey${env === "dev" ? "Dev" : "Prod"}`;
const keyArn = (env: Environment) => ({ "Fn::GetAtt": [keyLogical(env), "Arn"] });
const capitalized = (env: Environment) => `${env[0]!.toUpperCase()}${env.slice(1)}`;

/** Trust in GitHub's OIDC tokens for this repository with exactly one subject. */
function trustPolicy(subject: string): Json {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: {
          Federated: {
            "Fn::If": [
              "CreateOidcProvider",
              ref("GitHubOidcProvider"),
              sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${OIDC_HOST}`),
            ],
          },
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${OIDC_HOST}:aud`]: "sts.amazonaws.com",
            // StringEquals, not StringLike: no wildcard can widen the repository or the subject.
            [`${OIDC_HOST}:sub`]: sub(`repo:\${GitHubRepository}:${subject}`),
          },
        },
      },
    ],
  };
}

/** Reading state and secrets, and what `pulumi preview` asks AWS (no refresh): nothing writable. */
function previewPolicy(): Json {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [stateBucketArn, stateObjects("*")],
      },
      {
        // A self-managed backend takes a lock file even for a preview.
        Sid: "PreviewLocks",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: stateObjects(".pulumi/locks/*"),
      },
      {
        Sid: "DecryptStackSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: ENVIRONMENTS.map(keyArn),
      },
      {
        // Invokes the program makes at preview (the jobs image's registry login, AZs, AMIs, the
        // Lambda concurrency quota, whether an image tag is pushed yet).
        Sid: "PreviewInvokes",
        Effect: "Allow",
        Action: [
          "ecr:GetAuthorizationToken",
          "ecr:DescribeImages",
          "ecr:ListImages",
          "ecr:DescribeRepositories",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeRegions",
          ...QUOTA_READS,
        ],
        Resource: "*",
      },
      {
        Sid: "AmiParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: sub("arn:${AWS::Partition}:ssm:*::parameter/aws/service/*"),
      },
    ],
  };
}

const boundaryArn = sub(
  `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${WORKLOAD_BOUNDARY_NAME}`,
);

/**
 * The permissions boundary of every role the program creates: the services the workloads call,
 * and of IAM only PassRole (the launch function passes the session task's roles). No IAM write,
 * so a role created by a deploy role can never grant itself, or another role, more.
 */
function workloadBoundary(): Json {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WorkloadServices",
        Effect: "Allow",
        Action: [...REGIONAL_SERVICES, ...WORKLOAD_ONLY_SERVICES].map((svc) => `${svc}:*`),
        Resource: "*",
      },
      {
        Sid: "PassOwnRoles",
        Effect: "Allow",
        Action: ["iam:PassRole", "sts:GetCallerIdentity"],
        Resource: "*",
      },
    ],
  };
}

/** Everything `pulumi up` of one environment needs, and nothing of the other environment. */
function deployPolicy(env: Environment): Json {
  const other = ENVIRONMENTS.find((e) => e !== env)!;
  const tagged = (prefix: "aws:RequestTag" | "iam:ResourceTag") => ({
    [`${prefix}/${PROJECT_TAG.key}`]: PROJECT_TAG.value,
    [`${prefix}/environment`]: env,
  });
  const programRoles = roleArn("*");
  const policies = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*");
  const profiles = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ProgramServicesInStackRegions",
        Effect: "Allow",
        Action: REGIONAL_SERVICES.map((service) => `${service}:*`),
        Resource: "*",
        Condition: {
          StringEquals: { "aws:RequestedRegion": [ref("HomeRegion"), ref("RemoteRegion")] },
        },
      },
      {
        Sid: "Dns",
        Effect: "Allow",
        Action: [
          "route53:ChangeResourceRecordSets",
          "route53:GetChange",
          "route53:GetHostedZone",
          "route53:ListHostedZones",
          "route53:ListResourceRecordSets",
          "route53:ListTagsForResource",
        ],
        Resource: "*",
      },
      {
        Sid: "AmiParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: sub("arn:${AWS::Partition}:ssm:*::parameter/aws/service/*"),
      },
      {
        // The quota checks every preview (and so every `pulumi up`) makes.
        Sid: "QuotaReads",
        Effect: "Allow",
        Action: QUOTA_READS,
        Resource: "*",
      },
      {
        // Roles are created with the stack's tags (aws:defaultTags) and only such roles are managed.
        Sid: "CreateTaggedRoles",
        Effect: "Allow",
        Action: "iam:CreateRole",
        Resource: programRoles,
        Condition: {
          StringEquals: { ...tagged("aws:RequestTag"), "iam:PermissionsBoundary": boundaryArn },
        },
      },
      {
        Sid: "TagOwnRoles",
        Effect: "Allow",
        Action: "iam:TagRole",
        Resource: programRoles,
        Condition: { StringEquals: tagged("aws:RequestTag") },
      },
      {
        Sid: "ManageOwnRoles",
        Effect: "Allow",
        Action: [
          "iam:DeleteRole",
          "iam:DeleteRolePolicy",
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListRolePolicies",
          "iam:UntagRole",
          "iam:UpdateAssumeRolePolicy",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
        ],
        Resource: programRoles,
        Condition: { StringEquals: tagged("iam:ResourceTag") },
      },
      {
        // Permissions change only on roles that carry the boundary, which caps them.
        Sid: "PoliciesOfBoundedRoles",
        Effect: "Allow",
        Action: ["iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"],
        Resource: programRoles,
        Condition: {
          StringEquals: { ...tagged("iam:ResourceTag"), "iam:PermissionsBoundary": boundaryArn },
        },
      },
      {
        // AWS-managed service-role policies or the account's own, onto the stack's roles only.
        Sid: "AttachPoliciesToOwnRoles",
        Effect: "Allow",
        Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        Resource: programRoles,
        Condition: {
          StringEquals: { ...tagged("iam:ResourceTag"), "iam:PermissionsBoundary": boundaryArn },
          ArnLike: {
            "iam:PolicyARN": [
              sub("arn:${AWS::Partition}:iam::aws:policy/service-role/*"),
              ...ATTACHED_AWS_POLICIES.map((name) =>
                sub(`arn:\${AWS::Partition}:iam::aws:policy/${name}`),
              ),
              sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*"),
            ],
          },
        },
      },
      {
        Sid: "PassOwnRolesToServices",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: programRoles,
        Condition: {
          StringEquals: { ...tagged("iam:ResourceTag"), "iam:PassedToService": PASSED_TO },
        },
      },
      {
        Sid: "CreateTaggedPoliciesAndProfiles",
        Effect: "Allow",
        Action: [
          "iam:CreatePolicy",
          "iam:TagPolicy",
          "iam:CreateInstanceProfile",
          "iam:TagInstanceProfile",
        ],
        Resource: [policies, profiles],
        Condition: { StringEquals: tagged("aws:RequestTag") },
      },
      {
        Sid: "ManageOwnPoliciesAndProfiles",
        Effect: "Allow",
        Action: [
          "iam:AddRoleToInstanceProfile",
          "iam:CreatePolicyVersion",
          "iam:DeleteInstanceProfile",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:GetInstanceProfile",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:ListPolicyVersions",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:UntagInstanceProfile",
          "iam:UntagPolicy",
        ],
        Resource: [policies, profiles],
        Condition: { StringEquals: tagged("iam:ResourceTag") },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: roleArn("aws-service-role/*"),
        Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED } },
      },
      {
        Sid: "StackState",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:ListBucket",
          "s3:GetBucketLocation",
        ],
        Resource: [stateBucketArn, stateObjects("*")],
      },
      {
        Sid: "StackSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        Resource: keyArn(env),
      },
      {
        // The services statement allows kms:* and s3:*: take back the other environment's secrets
        // and state, and anything that could destroy the state bucket or a secrets key.
        Sid: "NotTheOtherEnvironment",
        Effect: "Deny",
        Action: "kms:*",
        Resource: keyArn(other),
      },
      {
        Sid: "NotTheOtherEnvironmentsState",
        Effect: "Deny",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        Resource: [
          stateObjects(`.pulumi/stacks/platform/${other}.*`),
          stateObjects(`.pulumi/history/platform/${other}/*`),
          stateObjects(`.pulumi/backups/platform/${other}/*`),
          stateObjects(`.pulumi/locks/platform/${other}/*`),
        ],
      },
      {
        Sid: "KeepTheStateBucket",
        Effect: "Deny",
        Action: [
          "s3:DeleteBucket",
          "s3:DeleteBucketPolicy",
          "s3:DeleteObjectVersion",
          "s3:PutBucketPolicy",
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
          "s3:PutBucketPublicAccessBlock",
        ],
        Resource: [stateBucketArn, stateObjects("*")],
      },
      {
        Sid: "KeepTheSecretsKeys",
        Effect: "Deny",
        Action: [
          "kms:ScheduleKeyDeletion",
          "kms:DisableKey",
          "kms:PutKeyPolicy",
          "kms:CreateGrant",
        ],
        Resource: ENVIRONMENTS.map(keyArn),
      },
      {
        // No escalation through the bootstrap's own roles or provider, no long-lived credentials.
        Sid: "NotTheBootstrap",
        Effect: "Deny",
        Action: "iam:*",
        Resource: [
          roleArn(`${BOOTSTRAP_ROLE_PREFIX}*`),
          roleArn(APIGATEWAY_LOGS_ROLE_NAME),
          sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/*"),
        ],
      },
      {
        // apigateway:* above would include UpdateAccount (PATCH /account): the region-wide logging
        // role is the bootstrap's, shared by both stacks, and no stack may change or reset it.
        Sid: "NotTheApiGatewayAccountSetting",
        Effect: "Deny",
        Action: "apigateway:PATCH",
        Resource: sub("arn:${AWS::Partition}:apigateway:*::/account"),
      },
      {
        // The boundary stays on, and stays as the bootstrap wrote it.
        Sid: "KeepTheBoundary",
        Effect: "Deny",
        Action: [
          "iam:DeleteRolePermissionsBoundary",
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
        ],
        Resource: [programRoles, boundaryArn],
      },
      {
        Sid: "NoLongLivedCredentials",
        Effect: "Deny",
        Action: [
          "iam:CreateAccessKey",
          "iam:CreateLoginProfile",
          "iam:CreateUser",
          "iam:UpdateLoginProfile",
          "iam:AttachUserPolicy",
          "iam:PutUserPolicy",
        ],
        Resource: "*",
      },
    ],
  };
}

function role(name: string, description: string, subject: string, policy: Json): Json {
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: `${BOOTSTRAP_ROLE_PREFIX}${name}`,
      Description: description,
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: trustPolicy(subject),
      Policies: [{ PolicyName: name, PolicyDocument: policy }],
    },
  };
}

function secretsKey(env: Environment): Record<string, Json> {
  return {
    [keyLogical(env)]: {
      Type: "AWS::KMS::Key",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        Description: `Pulumi secrets provider of the platform's ${env} stack`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: "2012-10-17",
          Statement: [
            {
              // The account administers the key through IAM; the roles' policies grant use.
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: { AWS: sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
              Action: "kms:*",
              Resource: "*",
            },
          ],
        },
      },
    },
    [`${keyLogical(env)}Alias`]: {
      Type: "AWS::KMS::Alias",
      Properties: { AliasName: `alias/platform-pulumi-${env}`, TargetKeyId: ref(keyLogical(env)) },
    },
  };
}

/**
 * API Gateway's account setting in the template's region and the role it names. The role is
 * retained with the stack, like the setting itself (CloudFormation cannot unset it), so a deleted
 * bootstrap never leaves the setting naming a role that no longer exists.
 */
function apiGatewayLogging(): Record<string, Json> {
  return {
    ApiGatewayCloudWatchRole: {
      Type: "AWS::IAM::Role",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        RoleName: APIGATEWAY_LOGS_ROLE_NAME,
        Description:
          "API Gateway writes REST API access and execution logs to CloudWatch Logs (account setting, tools/bootstrap)",
        AssumeRolePolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "apigateway.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        },
        ManagedPolicyArns: [sub(APIGATEWAY_LOGS_POLICY)],
      },
    },
    // One per account and region: the template's region (the home region).
    ApiGatewayAccount: {
      Type: "AWS::ApiGateway::Account",
      Properties: { CloudWatchRoleArn: { "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"] } },
    },
  };
}

/** The whole template, as rendered to github-oidc.template.json. */
export function bootstrapTemplate(): Json {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "GitHub Actions OIDC roles, Pulumi state bucket, secrets keys and API Gateway's CloudWatch Logs role of the platform program (tools/bootstrap)",
    Parameters: {
      GitHubRepository: {
        Type: "String",
        Description: "owner/name of the repository whose workflows may assume the roles",
        AllowedPattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
      },
      StateBucketName: {
        Type: "String",
        Description: "Name of the S3 bucket that holds the Pulumi state (pulumi login s3://<name>)",
      },
      HomeRegion: { Type: "String", Default: "us-east-1" },
      RemoteRegion: { Type: "String", Default: "eu-central-1" },
      CreateOidcProvider: {
        Type: "String",
        Default: "true",
        AllowedValues: ["true", "false"],
        Description: "false when the account already has GitHub's OIDC provider (one per account)",
      },
    },
    Conditions: { CreateOidcProvider: { "Fn::Equals": [ref("CreateOidcProvider"), "true"] } },
    Resources: {
      GitHubOidcProvider: {
        Type: "AWS::IAM::OIDCProvider",
        Condition: "CreateOidcProvider",
        Properties: { Url: `https://${OIDC_HOST}`, ClientIdList: ["sts.amazonaws.com"] },
      },
      StateBucket: {
        Type: "AWS::S3::Bucket",
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: {
          BucketName: ref("StateBucketName"),
          VersioningConfiguration: { Status: "Enabled" },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        },
      },
      StateBucketPolicy: {
        Type: "AWS::S3::BucketPolicy",
        Properties: {
          Bucket: ref("StateBucket"),
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [stateBucketArn, stateObjects("*")],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          },
        },
      },
      ...secretsKey("dev"),
      ...secretsKey("prod"),
      WorkloadBoundary: {
        Type: "AWS::IAM::ManagedPolicy",
        Properties: {
          ManagedPolicyName: WORKLOAD_BOUNDARY_NAME,
          Description: "Permissions boundary of every role the platform program creates",
          PolicyDocument: workloadBoundary(),
        },
      },
      PreviewRole: role(
        "preview",
        "pulumi preview of pull requests: reads state and secrets, changes nothing",
        "pull_request",
        previewPolicy(),
      ),
      ...Object.fromEntries(
        ENVIRONMENTS.map((env) => [
          `Deploy${capitalized(env)}Role`,
          role(
            `deploy-${env}`,
            `pulumi up of the ${env} stack, from the GitHub environment ${env}`,
            `environment:${env}`,
            deployPolicy(env),
          ),
        ]),
      ),
      ...apiGatewayLogging(),
    },
    Outputs: {
      PreviewRoleArn: { Value: { "Fn::GetAtt": ["PreviewRole", "Arn"] } },
      DeployDevRoleArn: { Value: { "Fn::GetAtt": ["DeployDevRole", "Arn"] } },
      DeployProdRoleArn: { Value: { "Fn::GetAtt": ["DeployProdRole", "Arn"] } },
      BackendUrl: { Value: sub("s3://${StateBucket}") },
      DevSecretsProvider: {
        Value: sub("awskms://alias/platform-pulumi-dev?region=${AWS::Region}"),
      },
      ProdSecretsProvider: {
        Value: sub("awskms://alias/platform-pulumi-prod?region=${AWS::Region}"),
      },
      ApiGatewayCloudWatchRoleArn: {
        Description:
          "Role of API Gateway's account setting (CloudWatch Logs) in ApiGatewayLoggingRegion",
        Value: { "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"] },
      },
      ApiGatewayLoggingRegion: {
        Description:
          "Region whose API Gateway account setting names that role (policy: accountRoleRegions)",
        Value: ref("AWS::Region"),
      },
    },
  };
}

/** The template as committed: formatted as prettier formats the repository's JSON. */
export async function renderTemplate(file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(bootstrapTemplate()), { ...options, parser: "json" });
}
