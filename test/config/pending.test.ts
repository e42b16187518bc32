import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  currentRun,
  deploySetting,
  documentationPlaceholders,
  OFFLINE_PLAN,
  pendingMessage,
  reportPending,
  type OfflinePlanRecord,
  type PendingSetting,
  type Run,
} from "../../config";
import { thrown } from "../helpers/errors";

const unset: PendingSetting = { kind: "unset", key: "platform:financeApi.appDir", how: "set it" };
const placeholder: PendingSetting = {
  kind: "placeholder",
  key: "platform:arbees.domainName",
  value: "arbees.example.com",
};

describe("pending settings", () => {
  const globals = globalThis as Record<symbol, OfflinePlanRecord | undefined>;
  afterEach(() => delete globals[OFFLINE_PLAN]);

  /** What a run does with the settings: the keys it stops on, or the warnings it gives. */
  const cases: [Run, PendingSetting[], { stops: string[] } | { warns: number }][] = [
    ["offline", [unset, placeholder], { warns: 2 }],
    ["preview", [placeholder], { warns: 1 }],
    ["preview", [unset, placeholder], { stops: [unset.key] }],
    ["update", [placeholder], { stops: [placeholder.key] }],
    ["update", [unset, placeholder], { stops: [unset.key, placeholder.key] }],
    ["update", [], { warns: 0 }],
  ];
  for (const [run, settings, expected] of cases) {
    it(`${run} with ${settings.map((s) => s.kind).join(" and ") || "none"}: ${JSON.stringify(expected)}`, () => {
      globals[OFFLINE_PLAN] = run === "offline" ? { pending: [] } : undefined;
      if ("stops" in expected) {
        const error = thrown(() => reportPending(settings, run));
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).problems.map((p) => p.key)).to.deep.equal(expected.stops);
      } else {
        expect(reportPending(settings, run)).to.have.length(expected.warns);
      }
    });
  }

  it("are listed once each by the offline plan", () => {
    const offline: OfflinePlanRecord = { pending: [] };
    globals[OFFLINE_PLAN] = offline;
    reportPending([unset, placeholder]);
    reportPending([unset]);
    expect(offline.pending).to.deep.equal([unset, placeholder]);
  });

  it("name the key, the value and what to do in the error", () => {
    expect(() => reportPending([unset, placeholder], "update"))
      .to.throw(ConfigError)
      .with.property("message")
      .that.includes("platform:financeApi.appDir: is required before pulumi preview/up; set it")
      .and.includes(
        "platform:arbees.domainName: holds arbees.example.com, a reserved documentation domain",
      );
  });

  it("word each kind of problem as the error and the warning name it", () => {
    expect(pendingMessage(unset)).to.equal("is required before pulumi preview/up; set it");
    expect(pendingMessage(placeholder)).to.equal(
      "holds arbees.example.com, a reserved documentation domain: set the team's own value before pulumi up",
    );
  });

  it("warn of each setting that does not stop the run, as <key> <problem>", () => {
    expect(reportPending([placeholder], "preview")).to.deep.equal([
      `platform:arbees.domainName ${pendingMessage(placeholder)}`,
    ]);
  });

  it("are recorded by the offline plan only", () => {
    const offline: OfflinePlanRecord = { pending: [] };
    globals[OFFLINE_PLAN] = offline;
    expect(reportPending([placeholder], "preview")).to.have.length(1);
    expect(offline.pending).to.deep.equal([]);
    reportPending([placeholder], "offline");
    expect(offline.pending).to.deep.equal([placeholder]);
  });

  it("tell the offline plan from a run under mocks, which counts as a preview", () => {
    expect(currentRun()).to.equal("preview");
    globals[OFFLINE_PLAN] = { pending: [] };
    expect(currentRun()).to.equal("offline");
  });

  it("find the offline plan under the global symbol platform.offlinePlan, as another copy of the module would put it", () => {
    globals[Symbol.for("platform.offlinePlan")] = { pending: [] };
    expect(currentRun()).to.equal("offline");
  });

  describe("the run, from the engine's state", () => {
    const runtime = pulumi.runtime as { isDryRun: () => boolean; hasEngine: () => boolean };
    const real = { isDryRun: runtime.isDryRun, hasEngine: runtime.hasEngine };
    afterEach(() => Object.assign(runtime, real));

    const runs: [dryRun: boolean, engine: boolean, run: Run][] = [
      [false, true, "update"],
      [true, true, "preview"],
      [false, false, "preview"],
      [true, false, "preview"],
    ];
    for (const [dryRun, engine, run] of runs) {
      it(`is ${run} ${dryRun ? "in a dry run" : "outside a dry run"} ${engine ? "with" : "without"} an engine`, () => {
        Object.assign(runtime, { isDryRun: () => dryRun, hasEngine: () => engine });
        expect(currentRun()).to.equal(run);
      });
    }
  });

  describe("deploySetting", () => {
    it("returns a value that is set, whatever the run", () => {
      expect(deploySetting("platform:x", "dir", "set it")).to.equal("dir");
    });

    it("is undefined and listed in the offline plan when absent", () => {
      const offline: OfflinePlanRecord = { pending: [] };
      globals[OFFLINE_PLAN] = offline;
      expect(deploySetting("platform:x", undefined, "set it")).to.equal(undefined);
      expect(offline.pending).to.deep.equal([{ kind: "unset", key: "platform:x", how: "set it" }]);
    });

    it("stops any other run when absent", () => {
      expect(() => deploySetting("platform:x", undefined, "set it")).to.throw(
        ConfigError,
        "platform:x: is required before pulumi preview/up; set it",
      );
    });
  });

  it("finds documentation placeholders at any depth, as pending settings", () => {
    expect(
      documentationPlaceholders({
        "platform:quickbets": JSON.stringify({ corsOrigins: ["https://qb.example.com"] }),
        "platform:environment": "prod",
        "aws:region": "us-east-1",
      }),
    ).to.deep.equal([
      {
        kind: "placeholder",
        key: "platform:quickbets.corsOrigins[0]",
        value: "https://qb.example.com",
      },
    ]);
  });
});
