/**
 * The areas `npm run mutate` scores: the code where a silent change hurts most, each with the
 * tests that guard it. Mutating a file with only the tests of its area keeps a run short and makes
 * the score mean "this area's tests catch it", not "some end-to-end test happens to".
 */
export interface MutationArea {
  /** Short name, for `--area`. */
  name: string;
  /** What a surviving mutant here would let through. */
  why: string;
  /** Files (globs) Stryker mutates. */
  mutate: string[];
  /** Mocha spec files (globs) that guard them. */
  tests: string[];
}

export const MUTATION_AREAS: readonly MutationArea[] = [
  {
    name: "policy",
    why: "a weakened rule passes a preview that AWS or the security baseline would refuse",
    mutate: ["policy/rules/*.ts", "!policy/rules/index.ts", "!policy/rules/types.ts"],
    tests: ["test/policy-rules.test.ts", "test/policy-deploy.test.ts"],
  },
  {
    name: "config",
    why: "a bad setting reaches AWS instead of failing with the key's name",
    mutate: ["config/*.ts", "workloads/settings.ts", "workloads/*/settings.ts"],
    tests: ["test/config/*.test.ts", "test/workloads/*/settings.test.ts"],
  },
  {
    name: "network",
    why: "overlapping or misplaced subnets, routes or peering break traffic between regions",
    mutate: ["components/cidr.ts", "components/network.ts", "components/peering.ts"],
    tests: [
      "test/components/cidr.test.ts",
      "test/components/network*.test.ts",
      "test/components/peering*.test.ts",
    ],
  },
  {
    name: "security",
    why: "a port, CIDR, IAM statement, encryption or protection flag widens silently",
    mutate: [
      "components/iam.ts",
      "components/permissions-boundary.ts",
      "components/guards.ts",
      "components/public-load-balancer.ts",
      "components/uploads-bucket.ts",
      "components/access-log-bucket.ts",
      "components/ecr.ts",
      "components/db-connections.ts",
      "components/task-runtime.ts",
    ],
    tests: [
      "test/components/iam.test.ts",
      "test/components/guards.test.ts",
      "test/components/db-connections.test.ts",
      "test/components/uploads-bucket.test.ts",
      "test/components/public-load-balancer.test.ts",
      "test/components/access-log-bucket.test.ts",
      "test/components/ecr.test.ts",
      "test/components/redis.test.ts",
      "test/components/web-adapter-api.test.ts",
      "test/components/task-runtime.test.ts",
    ],
  },
  {
    name: "signer",
    why: "a request signed wrongly is refused by Kalshi, or a key leaks into a log",
    mutate: ["functions/quickbets/lib/signer.ts", "functions/quickbets/lib/user-keys.ts"],
    tests: [
      "test/functions/quickbets/signer.test.ts",
      "test/functions/quickbets/user-keys.test.ts",
      "test/functions/quickbets/sign.test.ts",
      "test/functions/quickbets/sign-throttle.test.ts",
    ],
  },
  {
    name: "sessions",
    why: "a session is lost, doubled, or outlives its user's limit",
    mutate: ["functions/quickbets/lib/store.ts", "functions/quickbets/lifecycle.ts"],
    tests: [
      "test/functions/quickbets/store.test.ts",
      "test/functions/quickbets/helpers.test.ts",
      "test/functions/quickbets/sessions.test.ts",
      "test/functions/quickbets/launch.test.ts",
      "test/functions/quickbets/lifecycle.test.ts",
    ],
  },
  {
    name: "cost",
    why: "the estimate a pull request is judged by is wrong",
    mutate: ["engine/cost.ts", "engine/cost/*.ts", "engine/cost-diff.ts"],
    // Not stacks.test.ts or finance-api.test.ts: they plan whole stacks in a child process, again
    // for every static mutant (Stryker reloads the modules, and the plan cache with them).
    tests: [
      "test/cost/assumptions.test.ts",
      "test/cost/cost-diff.test.ts",
      "test/cost/cost-functions.test.ts",
      "test/cost/estimate.test.ts",
      "test/cost/plan-index.test.ts",
      "test/cost/prices.test.ts",
      "test/cost/rates.test.ts",
      "test/cost/schedule.test.ts",
      "test/cost/usage.test.ts",
    ],
  },
  {
    name: "webapp",
    why: "the web API accepts a request it should refuse, or refuses a good one",
    mutate: [
      "containers/web-api/src/app.ts",
      "containers/web-api/src/http.ts",
      "containers/web-api/src/config.ts",
      "containers/web-api/src/exact-json.ts",
      "containers/web-api/src/uploads.ts",
      "containers/web-api/src/shared/json-body.ts",
    ],
    // Not the load test (burst: timing-bound, flaky on a busy machine), the migrations' or the
    // Dockerfile's. json-body.ts is shared with the Lambda functions' edge, whose tests use it too.
    tests: [
      "test/containers/web-api/app.test.ts",
      "test/containers/web-api/api.test.ts",
      "test/containers/web-api/config.test.ts",
      "test/containers/web-api/cors.test.ts",
      "test/containers/web-api/exact-json.test.ts",
      "test/containers/web-api/exact-storage.test.ts",
      "test/containers/web-api/health.test.ts",
      "test/containers/web-api/http-errors.test.ts",
      "test/containers/web-api/units.test.ts",
      "test/functions/shared/http.test.ts",
    ],
  },
];

/** The areas named by `--area a,b` (all when none), refusing unknown names. */
export function selectAreas(names: readonly string[]): MutationArea[] {
  if (names.length === 0) return [...MUTATION_AREAS];
  const known = new Map(MUTATION_AREAS.map((a) => [a.name, a]));
  return names.map((name) => {
    const area = known.get(name);
    if (!area) throw new Error(`--area ${name}: not an area (${[...known.keys()].join(", ")})`);
    return area;
  });
}
