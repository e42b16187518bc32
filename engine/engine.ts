/**
 * The offline engine: runs the real program under Pulumi's mock runtime and records every resource
 * it registers (type, name, parent, region from its provider, inputs) and the stack outputs.
 *
 * One plan per process: Pulumi's runtime state is global. Tests run it in a child process per stack.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { OFFLINE_PLAN, type OfflinePlanRecord, type PendingSetting } from "../config/pending";
import { FRESH_ACCOUNT, fakeInvoke, fakeResource, type FakeAccount } from "./fake-cloud";
import { skipUnreadStackTraces } from "./pulumi-stacks";
import { readableStack } from "./stack-trace";
import { loadStackFiles } from "./stack-files";

/** One registered resource, as the plan JSON records it (fields may be added, never renamed). */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent resource, or null for the stack itself. */
  readonly parent: string | null;
  /** The AWS region it lives in; for a component, that of all its resources (null when mixed). */
  region: string | null;
  /** True for resources a provider manages; false for components and the stack. */
  readonly custom: boolean;
  /** URN of the explicit provider, or null for the default one (and for components). */
  readonly provider: string | null;
  readonly id: string | null;
  /** Inputs as the program gave them; secrets read "[secret]", resource references their URN. */
  readonly inputs: Record<string, unknown>;
  /** URNs this resource depends on (explicit and through its inputs). */
  readonly dependencies: string[];
  /** Per input property, the URNs its value came from: how policies relate resources at preview. */
  readonly propertyDependencies: Record<string, string[]>;
  /** Resource options policies read. */
  readonly options: { protect: boolean; retainOnDelete: boolean; ignoreChanges: string[] };
  /** Outputs AWS computes that other resources refer to (ARN, endpoints, DNS names, URLs). */
  readonly outputs?: Record<string, unknown>;
}

/** The computed outputs a plan keeps: what references between resources are made of. */
export const RECORDED_OUTPUTS = [
  "arn",
  "arnSuffix",
  "address",
  "endpoint",
  "primaryEndpointAddress",
  "dnsName",
  "invokeArn",
  "executionArn",
  "repositoryUrl",
  "url",
  "bucket",
  "fqdn",
  "ref",
] as const;

export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
  /** Declared secrets the stack has not set: planned as placeholders, needed before `pulumi up`. */
  readonly unsetSecrets: string[];
  /** Settings holding documentation placeholders: a real `pulumi up` stops on each. */
  readonly placeholders: { key: string; value: string }[];
  /** The account modelled: the stack's pinned images pushed (`released`), or nothing yet (`fresh`). */
  readonly account: PlanAccount;
  /**
   * Settings only a deployment needs that the stack has not set (the program reports them through
   * `deploySetting` in config/pending.ts): planned without, needed before `pulumi preview`/`up`.
   */
  readonly unsetSettings: { key: string; how: string }[];
}

/**
 * `released`: every ECR repository the stack creates exists and holds the image tags its config
 * pins (what the stack runs once the team has pushed them). `fresh`: an empty account, as the first
 * `pulumi up` sees it.
 */
export type PlanAccount = "released" | "fresh";

/** The program failed or the engine could not answer it; `problems` lists every reason. */
export class PlanError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "PlanError";
  }
}

export interface PlanOptions {
  /** The project directory (Pulumi.yaml and the stack files). */
  readonly root: string;
  readonly stack: string;
  /** The program's entry, relative to root. @default "index.ts" */
  readonly program?: string;
  /** @default "released" */
  readonly account?: PlanAccount;
}

/** Image tags a stack's config pins: string values of `platform:` settings at keys ending in `Tag`. */
export function pinnedImageTags(config: Record<string, string>): string[] {
  const tags = new Set<string>();
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string" && /Tag$/.test(key)) tags.add(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  for (const [key, raw] of Object.entries(config)) {
    if (!key.startsWith("platform:")) continue;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A plain string setting.
    }
    walk(value, key.slice("platform:".length));
  }
  return [...tags].sort();
}

// Pulumi's wire markers for special values (sdk/nodejs/runtime/rpc.ts).
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The outputs of RECORDED_OUTPUTS a resource's state has, secrets masked. */
function recordedOutputs(
  state: { toJavaScript(): Record<string, unknown> } | undefined,
): Record<string, unknown> {
  const all = (plainValue(state?.toJavaScript() ?? {}) ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    RECORDED_OUTPUTS.filter((key) => all[key] !== undefined).map((key) => [key, all[key]]),
  );
}

/** Turns a value off the wire into plain JSON: secrets masked, references as URNs. */
export function plainValue(value: unknown): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sig = record[SPECIAL_SIG];
    if (sig === SECRET_SIG) return "[secret]";
    if (sig === RESOURCE_SIG) return record.urn;
    // Assets (bundled function code) are recorded by size and digest, not by content.
    if (record.__pulumiAsset === true && typeof record.text === "string") {
      return {
        asset: {
          bytes: Buffer.byteLength(record.text),
          sha256: createHash("sha256").update(record.text).digest("hex"),
        },
      };
    }
    if (
      record.__pulumiArchive === true &&
      record.assets !== null &&
      typeof record.assets === "object"
    ) {
      return { archive: plainValue(record.assets) };
    }
    return Object.fromEntries(
      Object.entries(record)
        .filter(([k]) => k !== SPECIAL_SIG)
        .map(([k, v]) => [k, plainValue(v)]),
    );
  }
  return value;
}

interface WireRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
}
interface WireOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (
  err: unknown,
  response:
    | {
        getUrn(): string;
        getId(): string;
        getObject?(): { toJavaScript(): Record<string, unknown> } | undefined;
      }
    | undefined,
) => void;
interface MonitorLike {
  registerResource(req: WireRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(
    req: WireOutputsRequest,
    callback: (err: unknown, res: unknown) => void,
  ): void;
}

/**
 * `message` without its `  - key: ...` lines about `keys` (already reported), recounting a
 * "(N problems)" header; "" when nothing else is left.
 */
export function withoutKeys(message: string, keys: readonly string[]): string {
  const about = (line: string) =>
    keys.some((key) =>
      new RegExp(`^\\s+- ${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[:.[]`).test(line),
    );
  const lines = message.split("\n");
  const kept = lines.filter((line) => !about(line));
  if (kept.length === lines.length) return message;
  const items = kept.filter((line) => /^\s+- /.test(line)).length;
  if (items === 0) return "";
  return kept
    .join("\n")
    .replace(/\(\d+ problems?\)/, `(${items} problem${items === 1 ? "" : "s"})`);
}

/** `urn::id` → urn. */
function providerUrn(ref: string | undefined): string | null {
  if (!ref) return null;
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

/** Runs the program of `root` for `stack` offline and returns what it would create. */
export async function runPlan(options: PlanOptions): Promise<Plan> {
  const files = loadStackFiles(options.root, options.stack);
  const defaultRegion = files.config["aws:region"] ?? null;
  const disabled = decodeList(files.config["pulumi:disable-default-providers"]);
  /** Whether the stack disables the default provider of `type`'s package (`aws`, `docker-build`). */
  const defaultsDisabled = (type: string) => {
    const pkg = type.split(":")[0] ?? "";
    return disabled.includes(pkg) || disabled.includes("*");
  };

  const problems: string[] = [];
  const providers = new Map<
    string,
    { region: string | null; defaultTags: Record<string, string> }
  >();
  const pendingProviders = new Map<
    string,
    { region: string | null; defaultTags: Record<string, string> }
  >();
  const resources: PlannedResource[] = [];
  let outputs: Record<string, unknown> = {};
  const accountKind = options.account ?? "released";
  const account: FakeAccount =
    accountKind === "fresh"
      ? FRESH_ACCOUNT
      : { ...FRESH_ACCOUNT, repositories: null, pushedTags: pinnedImageTags(files.config) };
  /** ECR repositories created so far, by region: what a released account holds. */
  const repositories = new Map<string, string[]>();

  const regionOf = (
    providerRef: string | undefined,
    type: string,
    what: string,
    explicit?: unknown,
  ) => {
    const urn = providerUrn(providerRef);
    if (!urn && defaultsDisabled(type)) {
      problems.push(
        `${what} uses the default ${type.split(":")[0]} provider, which this stack disables (pulumi:disable-default-providers); ` +
          `pass { provider } or a parent that has one`,
      );
    }
    const provider = urn ? providers.get(urn) : undefined;
    const region = typeof explicit === "string" ? explicit : (provider?.region ?? defaultRegion);
    return { region: region ?? "us-east-1", defaultTags: provider?.defaultTags ?? {} };
  };

  skipUnreadStackTraces();
  pulumi.runtime.setAllConfig(files.config, files.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type.startsWith("pulumi:providers:")) {
          // Providers receive nested objects as JSON strings.
          const raw = inputs.defaultTags;
          const decoded = (typeof raw === "string" ? JSON.parse(raw) : raw) as
            { tags?: Record<string, string> } | undefined;
          pendingProviders.set(`${args.type}::${args.name}`, {
            region: typeof inputs.region === "string" ? inputs.region : null,
            defaultTags: decoded?.tags ?? {},
          });
          return { id: `${args.name}-provider-id`, state: inputs };
        }
        if (!args.custom) return { id: undefined, state: {} };
        const where = `${args.type} "${args.name}"`;
        const { region, defaultTags } = regionOf(args.provider, args.type, where, inputs.region);
        const made = fakeResource({
          type: args.type,
          name: args.name,
          region,
          inputs,
          defaultTags,
        });
        if (args.type === "aws:ecr/repository:Repository") {
          repositories.set(region, [...(repositories.get(region) ?? []), String(made.state.name)]);
        }
        return made;
      },
      call: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        const { region } = regionOf(
          args.provider,
          args.token,
          `the invoke ${args.token}`,
          inputs.region,
        );
        try {
          return fakeInvoke(args.token, region, inputs, account, (r) => repositories.get(r) ?? []);
        } catch (err) {
          problems.push((err as Error).message);
          throw err;
        }
      },
    },
    files.project,
    files.stack,
    false,
  );

  // Record what the SDK sends (parent and provider are not in the mock's arguments).
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, response) => {
      if (!err && response) {
        const type = req.getType();
        const urn = response.getUrn();
        if (type.startsWith("pulumi:providers:")) {
          const pending = pendingProviders.get(`${type}::${req.getName()}`);
          if (pending) providers.set(urn, pending);
        }
        const inputs = (plainValue(req.getObject()?.toJavaScript() ?? {}) ?? {}) as Record<
          string,
          unknown
        >;
        const explicitRegion = typeof inputs.region === "string" ? inputs.region : undefined;
        const provider = providerUrn(req.getProvider());
        resources.push({
          urn,
          type,
          name: req.getName(),
          parent: req.getParent() || null,
          region: type.startsWith("pulumi:providers:")
            ? (providers.get(urn)?.region ?? null)
            : req.getCustom()
              ? (explicitRegion ??
                (provider ? providers.get(provider)?.region : defaultRegion) ??
                null)
              : null,
          custom: req.getCustom(),
          provider,
          id: response.getId() || null,
          inputs,
          dependencies: [...new Set(req.getDependenciesList())].sort(),
          propertyDependencies: Object.fromEntries(
            [...req.getPropertydependenciesMap().entries()]
              .map(([key, deps]) => [key, [...new Set(deps.getUrnsList())].sort()] as const)
              .filter(([, urns]) => urns.length > 0)
              .sort(([a], [b]) => a.localeCompare(b)),
          ),
          options: {
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
          },
          ...(req.getCustom() ? { outputs: recordedOutputs(response.getObject?.()) } : {}),
        });
        // The SDK logs every registration with its response formatted in full (`${response}`, a
        // walk of the whole message) though offline no engine reads the log: format it as its URN.
        Object.defineProperty(response, "toString", { value: () => urn });
      }
      callback(err, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
      outputs = (plainValue(req.getOutputs()?.toJavaScript() ?? {}) ?? {}) as Record<
        string,
        unknown
      >;
    }
    registerOutputs(req, callback);
  };

  // Failures inside resource registration surface as rejections nobody awaits: collect them all.
  const onRejection = (reason: unknown) => problems.push(describe(reason));
  process.on("unhandledRejection", onRejection);
  // A registration waiting on a value that failed (an apply that threw) never settles: Node's event
  // loop then runs dry while the program still waits. Say so instead of exiting silently.
  let onDrained: (() => void) | undefined;
  const drained = new Promise<never>((_, reject) => {
    onDrained = () =>
      reject(
        new PlanError([
          ...new Set(problems),
          "the program never finished: some resources wait on values that failed or never resolve " +
            "(an apply that threw, or resources depending on each other in a cycle)",
        ]),
      );
    process.once("beforeExit", onDrained);
  });
  // Tells the program it runs offline: it lists pending settings here instead of stopping on them.
  const offline: OfflinePlanRecord = { pending: [] };
  const globals = globalThis as Record<symbol, OfflinePlanRecord | undefined>;
  globals[OFFLINE_PLAN] = offline;
  try {
    const program = path.resolve(options.root, options.program ?? "index.ts");
    try {
      await Promise.race([
        pulumi.runtime.runInPulumiStack(
          async () => (await import(program)) as Record<string, unknown>,
        ),
        drained,
      ]);
    } catch (err) {
      if (err instanceof PlanError) throw err;
      problems.unshift(describe(err));
    }
    // Waits until every registration the program started has settled: no sleeps.
    await Promise.race([pulumi.runtime.disconnect(), drained]);
    // Rejections are reported a turn after they happen; let that turn pass before listening stops.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    delete globals[OFFLINE_PLAN];
    process.off("unhandledRejection", onRejection);
    if (onDrained) process.off("beforeExit", onDrained);
  }
  if (files.typeProblems.length > 0) {
    // The CLI would stop at these before the program runs; offline they come with everything
    // else the program found, so one run lists every problem (each key once).
    const keys = files.typeProblems.map((p) => p.key);
    throw new PlanError([
      `Pulumi.${files.stack}.yaml:\n${files.typeProblems.map((p) => `  - ${p.key}: ${p.message}`).join("\n")}`,
      ...[...new Set(problems)].map((p) => withoutKeys(p, keys)).filter((p) => p !== ""),
    ]);
  }
  if (problems.length > 0) throw new PlanError([...new Set(problems)]);

  assignComponentRegions(resources);
  return {
    project: files.project,
    stack: files.stack,
    resources,
    outputs,
    unsetSecrets: files.unsetSecrets,
    placeholders: offline.pending.flatMap((p) =>
      p.kind === "placeholder" ? [{ key: p.key, value: p.value }] : [],
    ),
    account: accountKind,
    unsetSettings: offline.pending.flatMap((p: PendingSetting) =>
      p.kind === "unset" ? [{ key: p.key, how: p.how }] : [],
    ),
  };
}

function describe(err: unknown): string {
  if (err instanceof pulumi.RunError) return err.message;
  return readableStack(err);
}

function decodeList(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
  } catch {
    return [value];
  }
}

/** A component's region is that of every custom resource below it, or null when they differ. */
function assignComponentRegions(resources: PlannedResource[]): void {
  const children = new Map<string, PlannedResource[]>();
  for (const r of resources) {
    if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  }
  const regionsBelow = (urn: string): Set<string | null> => {
    const found = new Set<string | null>();
    for (const child of children.get(urn) ?? []) {
      if (child.custom) found.add(child.region);
      else regionsBelow(child.urn).forEach((r) => found.add(r));
    }
    return found;
  };
  for (const r of resources) {
    if (r.custom || r.type.startsWith("pulumi:providers:")) continue;
    const below = regionsBelow(r.urn);
    r.region = below.size === 1 ? [...below][0]! : null;
  }
}
