/**
 * A session's own revision of the session task definition: the base revision Pulumi manages, with
 * the user's key secret injected by ECS into the session container. The task role reads no secret;
 * the execution role (used only by the ECS/Fargate agent, never visible to the container) reads
 * the one secret this revision names when the task starts.
 */
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition,
} from "@aws-sdk/client-ecs";

/** The variable the session container reads its key from: the secret's JSON value. */
export const SESSION_KEY_VARIABLE = "KALSHI_PRIVATE_KEY";

type Registrable = Exclude<keyof RegisterTaskDefinitionCommandInput, "tags">;

/**
 * Every field RegisterTaskDefinition takes, carried over from the base revision. Typed as a
 * complete record, so a field a newer SDK adds fails compilation here instead of being dropped.
 * Tags are left out: tagging on registration needs ecs:TagResource, and the revision is
 * deregistered as soon as its task has started.
 */
const CARRIED: Record<Registrable, true> = {
  family: true,
  taskRoleArn: true,
  executionRoleArn: true,
  networkMode: true,
  containerDefinitions: true,
  volumes: true,
  placementConstraints: true,
  requiresCompatibilities: true,
  cpu: true,
  memory: true,
  pidMode: true,
  ipcMode: true,
  proxyConfiguration: true,
  inferenceAccelerators: true,
  ephemeralStorage: true,
  runtimePlatform: true,
  enableFaultInjection: true,
};

/** The base revision can no longer start a session: a deploy or an operator changed it. */
export class SessionRevisionError extends Error {
  override readonly name = "SessionRevisionError";
}

/**
 * The RegisterTaskDefinition input of a session's revision: `base` with `container` reading
 * `keySecretArn` as SESSION_KEY_VARIABLE. Any secret of that name in the base is replaced, so the
 * revision names this one key secret and no other.
 */
export function sessionRevision(
  base: TaskDefinition,
  container: string,
  keySecretArn: string,
): RegisterTaskDefinitionCommandInput {
  const containers = base.containerDefinitions ?? [];
  if (!base.family || !containers.some((c) => c.name === container)) {
    throw new SessionRevisionError(
      `task definition ${base.taskDefinitionArn ?? "(unnamed)"} has no container "${container}"`,
    );
  }
  const carried = Object.fromEntries(
    Object.entries(base).filter(([field, value]) => field in CARRIED && value !== undefined),
  ) as RegisterTaskDefinitionCommandInput;
  return {
    ...carried,
    family: base.family,
    containerDefinitions: containers.map((c): ContainerDefinition =>
      c.name === container
        ? {
            ...c,
            secrets: [
              ...(c.secrets ?? []).filter((s) => s.name !== SESSION_KEY_VARIABLE),
              { name: SESSION_KEY_VARIABLE, valueFrom: keySecretArn },
            ],
          }
        : c,
    ),
  };
}
