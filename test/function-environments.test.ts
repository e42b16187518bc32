/**
 * Every function the plan creates gets exactly the environment its contract declares (each
 * required variable, no unknown one). The handlers parse the same contracts and the workloads
 * write them, so a variable renamed on one side only fails here, not on AWS.
 */
import { expect } from "chai";
import { WEB_API_ENV } from "../containers/web-api/src/env";
import { STREAMER_ENV } from "../functions/alpha-kite/env";
import { DB_BOOTSTRAP_ENV } from "../functions/db-bootstrap/env";
import {
  EVENTS_ENV,
  LAUNCH_ENV,
  LIFECYCLE_ENV,
  SESSIONS_ENV,
  SIGN_ENV,
} from "../functions/quickbets/env";
import type { EnvContract } from "../functions/shared/env";
import { FINANCE_API_ENV } from "../workloads/finance-api/env";
import type { Plan } from "../engine/engine";
import { cachedPlan } from "./helpers/plan-cli";

/** Each planned Lambda function's contract, by resource name. */
const CONTRACTS: Record<string, EnvContract> = {
  "quickbets-events-fn": EVENTS_ENV,
  "quickbets-launch-fn": LAUNCH_ENV,
  "quickbets-sessions-fn": SESSIONS_ENV,
  "quickbets-sign-fn": SIGN_ENV,
  "quickbets-lifecycle-fn": LIFECYCLE_ENV,
  "alpha-kite-streamer-fn": STREAMER_ENV,
  "fred-jobs-fn": WEB_API_ENV,
  "finance-api-fn": FINANCE_API_ENV,
  "shared-db-bootstrap-fn": DB_BOOTSTRAP_ENV,
};

/** Functions only a stack with `platform:sharedDatabase` (dev) creates. */
const SHARED_DATABASE_ONLY = ["shared-db-bootstrap-fn"];

/** What is wrong with `variables` under `contract`, one line each (none when it fits). */
function contractViolations(contract: EnvContract, variables: Record<string, unknown>): string[] {
  const unknown = Object.keys(variables).filter((name) => !(name in contract.variables));
  const missing = Object.entries(contract.variables)
    .filter(([name, presence]) => presence === "required" && !(name in variables))
    .map(([name]) => name);
  return [
    ...unknown.map((name) => `${name} is not in the contract`),
    ...missing.map((name) => `${name} is required but not set`),
  ];
}

describe("function environment contracts", () => {
  it("flags an unknown variable and a missing required one, and accepts an unset optional one", () => {
    expect(contractViolations(LIFECYCLE_ENV, { ...filled(LIFECYCLE_ENV) })).to.deep.equal([]);
    expect(
      contractViolations(STREAMER_ENV, { ...filled(STREAMER_ENV), LOGIN_COMMAND: undefined }),
    ).to.deep.equal([]);
    const renamed: Record<string, string> = { ...filled(LIFECYCLE_ENV), SESSION_TABLE: "t" };
    delete renamed.SESSIONS_TABLE;
    expect(contractViolations(LIFECYCLE_ENV, renamed)).to.deep.equal([
      "SESSION_TABLE is not in the contract",
      "SESSIONS_TABLE is required but not set",
    ]);
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`the ${stack} plan`, () => {
      let functions: { name: string; variables: Record<string, unknown> }[];

      before(async () => {
        const run = await cachedPlan(stack);
        expect(run.code, run.stderr).to.equal(0);
        functions = (run.plan as Plan).resources
          .filter((r) => r.type === "aws:lambda/function:Function")
          .map((r) => {
            const environment = r.inputs.environment as { variables?: Record<string, unknown> };
            return { name: r.name, variables: environment?.variables ?? {} };
          });
      });

      it("creates exactly the functions that have contracts", () => {
        expect(functions.map((f) => f.name).sort()).to.deep.equal(
          Object.keys(CONTRACTS)
            .filter((name) => stack === "dev" || !SHARED_DATABASE_ONLY.includes(name))
            .sort(),
        );
      });

      it("gives every function exactly its contract's variables", () => {
        const violations = functions.flatMap(({ name, variables }) =>
          contractViolations(CONTRACTS[name]!, variables).map((line) => `${name}: ${line}`),
        );
        expect(violations).to.deep.equal([]);
      });
    });
  }
});

/** Every variable of `contract` set to a placeholder. */
function filled(contract: EnvContract): Record<string, string> {
  return Object.fromEntries(Object.keys(contract.variables).map((name) => [name, "x"]));
}
