/**
 * Runs component code under Pulumi's mock runtime and returns every resource it registered, with
 * the outputs the offline engine's fake cloud gives (so ids and ARNs look like AWS's).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FRESH_ACCOUNT, fakeInvoke, fakeResource, type FakeAccount } from "../../engine/fake-cloud";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** The explicit provider's logical name (`home`), or undefined for the default one. */
  readonly provider: string | undefined;
  readonly region: string;
  readonly id: string;
  readonly state: Record<string, any>;
}

/** `urn:...::pulumi:providers:aws::home::<id>` → `home`. */
function providerName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const urn = ref.slice(0, ref.lastIndexOf("::"));
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/**
 * Calls `build` under mocks and waits (no sleeps) until every registration has settled.
 * `regions` maps provider names to regions; resources on the default provider get `us-east-1`.
 * `account` is what invokes find there (a fresh account unless given).
 */
export function runWithMocks(
  build: () => void,
  regions: Record<string, string> = {},
  account: FakeAccount = FRESH_ACCOUNT,
): Promise<Registered[]> {
  return runMocked(
    () => {
      build();
      return Promise.resolve();
    },
    regions,
    account,
  );
}

/**
 * `runWithMocks` for code that needs the root stack resource (stack transformations): `program`
 * runs as a stack's program does, inside `pulumi.runtime.runInPulumiStack`.
 */
export function runStackWithMocks(
  program: () => void,
  regions: Record<string, string> = {},
  account: FakeAccount = FRESH_ACCOUNT,
): Promise<Registered[]> {
  return runMocked(
    () =>
      pulumi.runtime.runInPulumiStack(() => {
        program();
        return Promise.resolve(undefined);
      }),
    regions,
    account,
  );
}

async function runMocked(
  build: () => Promise<unknown>,
  regions: Record<string, string>,
  account: FakeAccount,
): Promise<Registered[]> {
  const registered: Registered[] = [];
  const regionOf = (ref: string | undefined) => regions[providerName(ref) ?? ""] ?? "us-east-1";
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type.startsWith("pulumi:providers:")) {
          return { id: `${args.name}-provider-id`, state: args.inputs as Record<string, unknown> };
        }
        if (!args.custom) return { id: undefined, state: {} };
        const region = regionOf(args.provider);
        const { id, state } = fakeResource({
          type: args.type,
          name: args.name,
          region,
          inputs: args.inputs,
        });
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, any>,
          provider: providerName(args.provider),
          region,
          id,
          state,
        });
        return { id, state };
      },
      call: (args) =>
        fakeInvoke(
          args.token,
          regionOf(args.provider),
          args.inputs as Record<string, unknown>,
          account,
          (region) =>
            registered
              .filter((r) => r.type === "aws:ecr/repository:Repository" && r.region === region)
              .map((r) => String(r.state.name)),
        ),
    },
    "platform",
    "test",
    false,
  );
  await build();
  await pulumi.runtime.disconnect();
  return registered;
}

/** Helpers to find registered resources by type and logical name. */
export function finder(resources: readonly Registered[]) {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const named = (name: string) => {
    const found = resources.find((r) => r.name === name);
    if (!found)
      throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
    return found;
  };
  return { ofType, named };
}

/** A build that creates a `home` provider in us-east-1 and hands it to `create`. */
export function inHomeRegion(create: (provider: aws.Provider) => void): () => void {
  return () => create(new aws.Provider("home", { region: "us-east-1" }));
}

/** The statements of a registered role policy (`policy` input, as JSON). */
export function statementsOf(r: Registered): Record<string, any>[] {
  return (JSON.parse(r.inputs.policy as string) as { Statement: Record<string, any>[] }).Statement;
}

/** The error `build` throws under mocks, or undefined when it builds. */
export function failureOf(build: () => void): Promise<Error | undefined> {
  return runWithMocks(build).then(
    () => undefined,
    (error: Error) => error,
  );
}
