/**
 * Small plans for policy tests: resources with their inputs and the property dependencies that
 * relate them, on a regional provider carrying the platform's default tags (or none).
 */
import type { Plan, PlannedResource } from "../../engine/engine";

export interface Spec {
  type: string;
  name: string;
  inputs?: Record<string, unknown>;
  /** Property → names of the resources its value came from. */
  deps?: Record<string, string[]>;
  /** `bare` puts the resource on a provider without default tags. */
  provider?: "tagged" | "bare";
  protect?: boolean;
}

const PLATFORM_TAGS = { project: "platform", environment: "dev", "managed-by": "pulumi" };
const urnOf = (type: string, name: string) => `urn:pulumi:test::platform::${type}::${name}`;

const providers: PlannedResource[] = [
  provider("tagged", { region: "us-east-1", defaultTags: JSON.stringify({ tags: PLATFORM_TAGS }) }),
  provider("bare", { region: "us-east-1" }),
];

function provider(name: string, inputs: Record<string, unknown>): PlannedResource {
  return {
    urn: urnOf("pulumi:providers:aws", name),
    type: "pulumi:providers:aws",
    name,
    parent: null,
    region: "us-east-1",
    custom: true,
    provider: null,
    id: `${name}-provider-id`,
    inputs,
    dependencies: [],
    propertyDependencies: {},
    options: { protect: false, retainOnDelete: false, ignoreChanges: [] },
  };
}

/** A plan of the given resources (plus, optionally, those of a base plan). */
export function planOf(specs: Spec[], base?: Plan): Plan {
  const existing = base?.resources ?? providers;
  const all = [
    ...existing.map((r) => ({ name: r.name, urn: r.urn })),
    ...specs.map((s) => ({ name: s.name, urn: urnOf(s.type, s.name) })),
  ];
  const urnNamed = (name: string) => {
    const found = all.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name} to depend on`);
    return found.urn;
  };
  const providerUrn = (kind: Spec["provider"]) =>
    base
      ? (existing.find((r) => r.type === "pulumi:providers:aws")?.urn ?? null)
      : urnOf("pulumi:providers:aws", kind ?? "tagged");
  const built = specs.map((s): PlannedResource => {
    const propertyDependencies = Object.fromEntries(
      Object.entries(s.deps ?? {}).map(([k, names]) => [k, names.map(urnNamed)]),
    );
    return {
      urn: urnOf(s.type, s.name),
      type: s.type,
      name: s.name,
      parent: null,
      region: "us-east-1",
      custom: true,
      provider:
        s.provider === "bare" ? urnOf("pulumi:providers:aws", "bare") : providerUrn(s.provider),
      id: `${s.name}-id`,
      inputs: s.inputs ?? {},
      dependencies: [...new Set(Object.values(propertyDependencies).flat())],
      propertyDependencies,
      options: { protect: s.protect ?? false, retainOnDelete: false, ignoreChanges: [] },
    };
  });
  const withBare = base && specs.some((s) => s.provider === "bare") ? [providers[1]!] : [];
  return {
    project: "platform",
    stack: "test",
    resources: [...existing, ...withBare, ...built],
    outputs: {},
    account: base?.account ?? "released",
    placeholders: [],
    unsetSecrets: [],
    unsetSettings: [],
  };
}

/** A copy of the plan with resources changed or removed. */
export function edit(
  plan: Plan,
  change: (r: PlannedResource) => PlannedResource | undefined,
): Plan {
  const resources = plan.resources
    .map((r) => change(structuredClone(r)))
    .filter((r): r is PlannedResource => r !== undefined);
  return { ...plan, resources };
}

/** A spec of `type` named `name`, with its inputs, property dependencies and any other fields. */
export function spec<S extends Spec = Spec>(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  deps?: Record<string, string[]>,
  extra: Partial<S> = {},
): S {
  return { type, name, inputs, ...(deps ? { deps } : {}), ...extra } as S;
}
