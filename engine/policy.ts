/**
 * Runs the policy pack's rule modules over an offline plan, as Pulumi's analyzer runs them over a
 * preview: enforcement levels from the stack's pack config (`all`, per policy, the rule's own, the
 * pack's), config properties over schema defaults, the type fast path, `notApplicable` per
 * validator, resource rules on each resource and stack rules on all of them with their parents and
 * (property) dependencies resolved to resources.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { rules as packRules, type Rule } from "../policy/rules";
import type { Plan, PlannedResource } from "./engine";

/** The pack's own default level, as `new PolicyPack(...)` in policy/index.ts sets it. */
const PACK_LEVEL: EnforcementLevel = "mandatory";

/** A pack config file: `{ "all": level, "<policy>": level | { enforcementLevel?, ...properties } }`. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

export interface PolicyViolation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  /** FSBP control ids, comma-separated, when the rule maps to any. */
  readonly controls: string | null;
  readonly description: string;
  readonly message: string;
  readonly remediation: string;
  readonly resource: { urn: string; type: string; name: string } | null;
}

export interface PolicyReport {
  /** The pack config file applied, relative to the project, or null for none. */
  readonly config: string | null;
  readonly policies: number;
  readonly violations: PolicyViolation[];
  /**
   * Per policy, how many resources (or the stack, once) it did not apply to. Counts, not a list
   * of every pair: the list was most of the plan JSON (11 of its 14 MB) and nobody read it.
   */
  readonly notApplicable: Record<string, number>;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
const notApplicable = (reason?: string): never => {
  // Thrown for most rule and resource pairs, and caught right here: its stack is never read.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const skip = new NotApplicable(reason ?? "Policy does not apply");
  Error.stackTraceLimit = limit;
  throw skip;
};

/** Reads `policy/<stack>.json` of the project, or an empty config when there is none. */
export function loadPackConfig(
  root: string,
  stack: string,
): { file: string | null; config: PackConfig } {
  const file = path.join(root, "policy", `${stack}.json`);
  if (!fs.existsSync(file)) return { file: null, config: {} };
  return {
    file: path.relative(root, file),
    config: JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig,
  };
}

function levelOf(rule: Rule, config: PackConfig): EnforcementLevel {
  const entry = config[rule.name];
  const own = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const all = typeof config.all === "string" ? config.all : undefined;
  const level = own ?? all ?? rule.enforcementLevel ?? PACK_LEVEL;
  return level === "remediate" ? "mandatory" : level;
}

function configOf(rule: Rule, config: PackConfig): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(rule.configSchema?.properties ?? {})
      .filter(([, schema]) => (schema as { default?: unknown }).default !== undefined)
      .map(([key, schema]) => [key, (schema as { default?: unknown }).default]),
  );
  const entry = config[rule.name];
  const properties = typeof entry === "object" ? { ...entry } : {};
  delete properties.enforcementLevel;
  return { ...defaults, ...properties };
}

const pulumiTypeOf = (fn: unknown): string | undefined => {
  const t = (fn as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof t === "string" && t.length > 0 ? t : undefined;
};

/** Evaluates `rules` (the pack's, by default) over the plan with the stack's pack config. */
export async function evaluatePolicies(
  plan: Plan,
  config: PackConfig,
  options: { rules?: Rule[]; configFile?: string | null } = {},
): Promise<PolicyReport> {
  const rules = options.rules ?? packRules;
  const violations: PolicyViolation[] = [];
  const skipped: Record<string, number> = {};
  const skip = (policy: string) => (skipped[policy] = (skipped[policy] ?? 0) + 1);

  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const providerOf = (r: PlannedResource) => {
    const p = r.provider ? byUrn.get(r.provider) : undefined;
    return p ? { type: p.type, name: p.name, urn: p.urn, props: p.inputs } : undefined;
  };
  const analyzed = plan.resources.filter(
    (r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:Stack",
  );

  // Stack rules see every resource, with parent and dependencies resolved to resource objects.
  const policyResources = new Map<string, PolicyResource>();
  for (const r of plan.resources.filter((x) => !x.type.startsWith("pulumi:"))) {
    policyResources.set(r.urn, {
      type: r.type,
      props: r.inputs,
      urn: r.urn,
      name: r.name,
      opts: {
        protect: r.options.protect,
        ignoreChanges: r.options.ignoreChanges,
        aliases: [],
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
      ...(providerOf(r) ? { provider: providerOf(r) } : {}),
    } as unknown as PolicyResource);
  }
  for (const r of plan.resources) {
    const pr = policyResources.get(r.urn);
    if (!pr) continue;
    const resolve = (urns: string[]) =>
      urns.map((u) => policyResources.get(u)).filter((x): x is PolicyResource => !!x);
    Object.assign(pr, {
      parent: r.parent ? policyResources.get(r.parent) : undefined,
      dependencies: resolve(r.dependencies),
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies).map(([k, v]) => [k, resolve(v)]),
      ),
    });
  }

  for (const rule of rules) {
    const level = levelOf(rule, config);
    if (level === "disabled") continue;
    const getConfig = <T extends object>() => configOf(rule, config) as T;
    const report =
      (resource: PlannedResource | undefined): ReportViolation =>
      (message, urn) => {
        const target = urn ? byUrn.get(urn) : resource;
        violations.push({
          policy: rule.name,
          enforcementLevel: level,
          controls: rule.framework?.reference ?? null,
          description: rule.description,
          message: message || rule.description,
          remediation: rule.remediationSteps,
          resource: target ? { urn: target.urn, type: target.type, name: target.name } : null,
        });
      };
    const run = async (fn: () => unknown, urn: string | null) => {
      try {
        await Promise.resolve(fn());
      } catch (err) {
        if (err instanceof NotApplicable) skip(rule.name);
        else
          throw new Error(
            `policy ${rule.name} failed on ${urn ?? "the stack"}: ${(err as Error).message}`,
          );
      }
    };

    if ("validateResource" in rule && rule.validateResource) {
      const validators = ([] as ResourceValidationPolicy["validateResource"][])
        .concat(rule.validateResource)
        .flat();
      const types = validators.map(pulumiTypeOf);
      for (const resource of analyzed) {
        for (const [i, validate] of validators.entries()) {
          // A typed validator (validateResourceOfType) of another type would only call
          // notApplicable: counted without the call, as the analyzer's fast path does.
          const type = types[i];
          if (type && type !== resource.type) {
            skip(rule.name);
            continue;
          }
          const args: ResourceValidationArgs = {
            type: resource.type,
            props: resource.inputs,
            urn: resource.urn,
            name: resource.name,
            opts: policyResources.get(resource.urn)!.opts,
            stackTags: new Map(),
            isType: (cls) =>
              (cls as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
            asType: ((cls: unknown) =>
              (cls as { __pulumiType?: string }).__pulumiType === resource.type
                ? resource.inputs
                : undefined) as ResourceValidationArgs["asType"],
            getConfig,
            notApplicable,
            ...(providerOf(resource) ? { provider: providerOf(resource) } : {}),
          };
          await run(() => validate!(args, report(resource)), resource.urn);
        }
      }
    } else if ("validateStack" in rule) {
      const validateStack = (rule as StackValidationPolicy).validateStack;
      const only = pulumiTypeOf(validateStack);
      const resources = [...policyResources.values()];
      if (only && !resources.some((r) => r.type === only)) {
        skip(rule.name);
        continue;
      }
      await run(
        () =>
          validateStack(
            { resources, getConfig, stackTags: new Map(), notApplicable },
            report(undefined),
          ),
        null,
      );
    }
  }
  return {
    config: options.configFile ?? null,
    policies: rules.length,
    violations,
    notApplicable: skipped,
  };
}

/** The report as text: violations grouped by rule, mandatory first, each with its remediation. */
export function formatPolicyReport(report: PolicyReport): string {
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
  const advisory = report.violations.filter((v) => v.enforcementLevel === "advisory");
  const lines = [
    `Policy: ${report.policies} rules${report.config ? ` with ${report.config}` : " (no pack config)"}: ` +
      `${mandatory.length} mandatory, ${advisory.length} advisory violation(s)`,
  ];
  const groups = new Map<string, PolicyViolation[]>();
  for (const v of [...mandatory, ...advisory])
    groups.set(v.policy, [...(groups.get(v.policy) ?? []), v]);
  for (const [policy, vs] of groups) {
    const first = vs[0]!;
    lines.push(
      `  [${first.enforcementLevel}] ${policy}${first.controls ? ` (${first.controls})` : ""}: ${first.description}`,
    );
    for (const v of vs) {
      lines.push(
        `    - ${v.resource ? `${v.resource.type} ${v.resource.name}` : "stack"}: ${v.message}`,
      );
    }
    lines.push(`    fix: ${first.remediation}`);
  }
  return lines.join("\n");
}
