import { expect } from "chai";
import { Network } from "../../components/network";
import {
  Postgres,
  POSTGRES_MAJOR_VERSION,
  resolvePostgresArgs,
  type PostgresArgs,
} from "../../components/postgres";
import { failureOf, finder, inHomeRegion, runWithMocks } from "../helpers/mock-runtime";

function build(profile: "dev" | "prod", overrides: Partial<PostgresArgs> = {}) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const db = new Postgres(
      "jobs-db",
      { network, profile, identifier: `jobs-${profile}`, databaseName: "fred", ...overrides },
      { provider },
    );
    db.allowFrom("web", "sg-0123456789abcdef0");
    db.allowFromCidr("remote", "10.20.0.0/16");
  });
}

describe("Postgres", () => {
  for (const profile of ["dev", "prod"] as const) {
    describe(`the ${profile} profile`, () => {
      let find: ReturnType<typeof finder>;
      before(async () => {
        find = finder(await runWithMocks(build(profile), { home: "us-east-1" }));
      });

      it("runs the current major version, gp3, encrypted, private, with RDS-managed credentials", () => {
        const db = find.named("jobs-db");
        expect(db.inputs).to.include({
          identifier: `jobs-${profile}`,
          engine: "postgres",
          engineVersion: POSTGRES_MAJOR_VERSION,
          storageType: "gp3",
          storageEncrypted: true,
          publiclyAccessible: false,
          manageMasterUserPassword: true,
          iamDatabaseAuthenticationEnabled: true,
          dbName: "fred",
        });
        expect(db.inputs.password).to.equal(undefined);
        expect(db.inputs.enabledCloudwatchLogsExports).to.deep.equal(["postgresql", "upgrade"]);
      });

      it("sits in the isolated subnets only", () => {
        const group = find.named("jobs-db-subnets");
        const isolated = find
          .ofType("aws:ec2/subnet:Subnet")
          .filter((s) => s.name.includes("-isolated-"))
          .map((s) => s.id);
        expect(group.inputs.subnetIds).to.have.members(isolated).and.have.length(2);
      });

      it("requires TLS through its parameter group", () => {
        const params = find.named("jobs-db-params");
        expect(params.inputs.family).to.equal(`postgres${POSTGRES_MAJOR_VERSION}`);
        expect(params.inputs.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
        expect(find.named("jobs-db").inputs.parameterGroupName).to.equal(params.state.name);
      });

      it("exports logs to log groups it made first, with a retention", () => {
        for (const log of ["postgresql", "upgrade"]) {
          expect(find.named(`jobs-db-${log}-logs`).inputs).to.include({
            name: `/aws/rds/instance/jobs-${profile}/${log}`,
            retentionInDays: 14,
          });
        }
      });

      const want =
        profile === "prod"
          ? {
              multiAz: true,
              deletionProtection: true,
              backupRetentionPeriod: 14,
              skipFinalSnapshot: false,
            }
          : {
              multiAz: false,
              deletionProtection: false,
              backupRetentionPeriod: 1,
              skipFinalSnapshot: true,
            };
      it(`applies the ${profile} profile: ${JSON.stringify(want)}`, () => {
        const db = find.named("jobs-db");
        expect(db.inputs).to.include(want);
        expect(db.inputs.finalSnapshotIdentifier).to.equal(
          profile === "prod" ? "jobs-prod-final" : undefined,
        );
        expect(db.inputs.instanceClass).to.equal(
          profile === "prod" ? "db.t4g.small" : "db.t4g.micro",
        );
      });

      it("admits nothing until a caller is allowed, then exactly that caller on 5432", () => {
        const sg = find.named("jobs-db-sg");
        expect(sg.inputs.ingress ?? []).to.deep.equal([]);
        const rules = find.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        expect(rules.map((r) => r.name).sort()).to.deep.equal([
          "jobs-db-from-remote",
          "jobs-db-from-web",
        ]);
        expect(find.named("jobs-db-from-web").inputs).to.include({
          securityGroupId: sg.id,
          referencedSecurityGroupId: "sg-0123456789abcdef0",
          fromPort: 5432,
          toPort: 5432,
          ipProtocol: "tcp",
        });
        expect(find.named("jobs-db-from-remote").inputs).to.include({
          cidrIpv4: "10.20.0.0/16",
          fromPort: 5432,
        });
      });
    });
  }

  describe("rejects bad args, naming each", () => {
    const cases: [string, Partial<PostgresArgs>, string][] = [
      ["an identifier with capitals", { identifier: "Jobs" }, "identifier"],
      ["a database name with a dash", { databaseName: "fred-db" }, "databaseName"],
      ["the reserved admin user", { username: "admin" }, "username"],
      ["too little storage", { storage: { allocated: 10, max: 100 } }, "storage"],
      ["backups of 40 days", { backupRetentionDays: 40 }, "backupRetentionDays"],
    ];
    for (const [title, overrides, fragment] of cases) {
      it(title, async () => {
        expect((await failureOf(build("dev", overrides)))?.message).to.include(fragment);
      });
    }
  });

  describe("resolvePostgresArgs", () => {
    const base = { network: undefined as never, identifier: "jobs-dev", databaseName: "fred" };
    const cases: [string, Partial<PostgresArgs>, Record<string, unknown>][] = [
      [
        "dev's profile",
        {},
        {
          instanceClass: "db.t4g.micro",
          multiAz: false,
          backupRetentionDays: 1,
          family: "postgres18",
        },
      ],
      ["prod's profile", { profile: "prod" }, { instanceClass: "db.t4g.small", protect: true }],
      ["an override of the profile", { profile: "prod", multiAz: false }, { multiAz: false }],
      [
        "a minor version: the family follows the major",
        { engineVersion: "17.4" },
        { engineVersion: "17.4", family: "postgres17" },
      ],
    ];
    for (const [title, overrides, expected] of cases) {
      it(title, () => {
        const { resolved, problems } = resolvePostgresArgs({ ...base, ...overrides });
        expect(problems).to.deep.equal([]);
        expect(resolved).to.include(expected);
      });
    }
    it("names a version that is not one", () => {
      expect(resolvePostgresArgs({ ...base, engineVersion: "latest" }).problems[0]).to.include(
        "engineVersion",
      );
    });
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(
        build("dev", {
          engineVersion: "17",
          slowStatementMs: 250,
          backupWindow: "03:00-04:00",
          maintenanceWindow: "sun:05:00-sun:06:00",
          caCertIdentifier: "rds-ca-ecc384-g1",
          transform: {
            instance: { performanceInsightsEnabled: true },
            parameterGroup: (a) => {
              a.description = "tuned";
            },
            subnetGroup: { tags: { tier: "isolated" } },
            securityGroup: { description: "mine" },
            logGroup: (a, _o, name) =>
              name === "jobs-db-upgrade-logs" ? { ...a, retentionInDays: 3 } : a,
          },
        }),
        { home: "us-east-1" },
      ),
    );
    expect(find.named("jobs-db").inputs).to.include({
      engineVersion: "17",
      backupWindow: "03:00-04:00",
      maintenanceWindow: "sun:05:00-sun:06:00",
      caCertIdentifier: "rds-ca-ecc384-g1",
      performanceInsightsEnabled: true,
    });
    const params = find.named("jobs-db-params").inputs;
    expect(params.family).to.equal("postgres17");
    expect(params.parameters).to.deep.include({ name: "log_min_duration_statement", value: "250" });
    expect(params.description).to.equal("tuned");
    expect(find.named("jobs-db-subnets").inputs.tags).to.deep.equal({ tier: "isolated" });
    expect(find.named("jobs-db-sg").inputs.description).to.equal("mine");
    expect(find.named("jobs-db-upgrade-logs").inputs.retentionInDays).to.equal(3);
    expect(find.named("jobs-db-postgresql-logs").inputs.retentionInDays).to.equal(14);
  });
});
