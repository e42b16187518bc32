import { expect } from "chai";
import { Network } from "../../components/network";
import {
  BOOTSTRAP_ENTRY,
  LAMBDA_RUNTIME_CA_FILE,
  SharedPostgres,
  SHARED_POSTGRES_DATABASE,
} from "../../components/shared-postgres";
import type { TenantDatabaseSpec } from "../../components/tenant-database";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
} from "../helpers/mock-runtime";

/** A shared instance with two workloads' databases, as dev's composition root makes it. */
function build(
  tenants: Record<string, TenantDatabaseSpec> = {
    "fred-jobs-db": { databaseName: "fred", username: "fred_app" },
    "arbees-db": {
      databaseName: "arbees",
      username: "arbees_app",
      url: { replicaRegions: ["eu-central-1"] },
    },
  },
) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const shared = new SharedPostgres(
      "shared-db",
      { network, identifier: "shared-db-dev" },
      { provider },
    );
    for (const [name, spec] of Object.entries(tenants)) {
      const db = shared.addDatabase(name, spec, { provider });
      db.allowFrom("services", "sg-0123456789abcdef0");
      db.allowFromCidr("remote-vpc", "10.20.0.0/16");
    }
  });
}

const json = (value: unknown) => JSON.parse(String(value)) as Record<string, unknown>;

describe("SharedPostgres", () => {
  it("is one instance for every workload, whose master password RDS keeps", async () => {
    const find = finder(await runWithMocks(build()));
    const instances = find.ofType("aws:rds/instance:Instance");
    expect(instances.map((i) => i.name)).to.deep.equal(["shared-db"]);
    expect(instances[0]!.inputs).to.include({
      identifier: "shared-db-dev",
      instanceClass: "db.t4g.micro",
      multiAz: false,
      dbName: SHARED_POSTGRES_DATABASE,
      manageMasterUserPassword: true,
    });
  });

  it("runs the bootstrap in the private subnets, reaching only Secrets Manager and the instance", async () => {
    const find = finder(await runWithMocks(build()));
    const fn = find.named("shared-db-bootstrap-fn");
    const privateIds = find
      .ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.name.includes("-private-"))
      .map((s) => s.id);
    const group = find.named("shared-db-bootstrap-sg");
    expect(fn.inputs.vpcConfig.subnetIds).to.have.members(privateIds);
    expect(fn.inputs.vpcConfig.securityGroupIds).to.deep.equal([group.id]);
    const env = fn.inputs.environment.variables as Record<string, string>;
    expect(env).to.include({
      DB_NAME: SHARED_POSTGRES_DATABASE,
      DB_PORT: "5432",
      DB_SSL_CA_FILE: LAMBDA_RUNTIME_CA_FILE,
      MASTER_SECRET_ARN: find.named("shared-db").state.masterUserSecrets[0].secretArn,
    });
    const egress = find
      .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .filter((r) => r.inputs.securityGroupId === group.id)
      .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId]);
    expect(egress).to.have.deep.members([
      [443, "0.0.0.0/0"],
      [5432, find.named("shared-db-sg").id],
    ]);
    expect(find.named("shared-db-from-bootstrap").inputs).to.include({
      securityGroupId: find.named("shared-db-sg").id,
      referencedSecurityGroupId: group.id,
      fromPort: 5432,
    });
    expect(BOOTSTRAP_ENTRY).to.equal("functions/db-bootstrap/handler.ts");
  });

  it("lets the bootstrap read the master secret and the workloads' credentials, nothing else", async () => {
    const find = finder(await runWithMocks(build()));
    const [, , , secrets] = statementsOf(find.named("shared-db-bootstrap-policy"));
    const master = find.named("shared-db").state.masterUserSecrets[0].secretArn as string;
    expect(secrets).to.deep.include({
      Action: "secretsmanager:GetSecretValue",
      Resource: [
        master,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db/tenants/*",
      ],
    });
    // Each workload's credentials fall under the pattern; its URL secret does not.
    expect(find.named("arbees-db-credentials").state.arn).to.match(
      /:secret:shared-db\/tenants\/arbees-db-/,
    );
    expect(find.named("arbees-db-url").state.arn).not.to.match(/shared-db\/tenants\//);
  });

  it("gives each workload its password in a secret of its own, and invokes the bootstrap with ARNs only", async () => {
    const find = finder(await runWithMocks(build()));
    for (const [name, database, role] of [
      ["fred-jobs-db", "fred", "fred_app"],
      ["arbees-db", "arbees", "arbees_app"],
    ] as const) {
      const password = find.named(`${name}-password`).state.result as string;
      expect(password).to.match(/^[A-Za-z0-9]{40}$/);
      const value = json(find.named(`${name}-credentials-value`).inputs.secretString.value);
      expect(value).to.include({ username: role, password, dbname: database, port: 5432 });
      const invocation = find.named(`${name}-bootstrap`);
      expect(invocation.inputs.functionName).to.equal(
        find.named("shared-db-bootstrap-fn").state.name,
      );
      expect(json(invocation.inputs.input)).to.deep.equal({
        operation: "ensure",
        database,
        role,
        credentialsSecretArn: find.named(`${name}-credentials`).state.arn,
      });
      expect(String(invocation.inputs.input)).not.to.include(password);
      // A new password version or a replaced instance runs the bootstrap again.
      expect(invocation.inputs.triggers).to.deep.equal({
        credentials: find.named(`${name}-credentials-value`).state.versionId,
        instance: find.named("shared-db").state.resourceId,
      });
      // CREATE_ONLY: deleting the invocation drops nothing.
      expect(invocation.inputs.lifecycleScope).to.equal(undefined);
    }
  });

  it("publishes a DATABASE_URL, replicated where asked, only for workloads that ask", async () => {
    const find = finder(await runWithMocks(build()));
    const password = find.named("arbees-db-password").state.result as string;
    const address = find.named("shared-db").state.address as string;
    expect(find.named("arbees-db-url").inputs.replicas).to.deep.equal([{ region: "eu-central-1" }]);
    expect(find.named("arbees-db-url-value").inputs.secretString.value).to.equal(
      `postgresql://arbees_app:${password}@${address}:5432/arbees?sslmode=require`,
    );
    expect(() => find.named("fred-jobs-db-url")).to.throw(/no resource named/);
  });

  it("admits each workload's group under its own name, and a shared peer CIDR once", async () => {
    const find = finder(await runWithMocks(build()));
    const rules = find
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .map((r) => [r.name, r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4]);
    expect(rules).to.have.deep.members([
      ["shared-db-from-bootstrap", find.named("shared-db-bootstrap-sg").id],
      ["shared-db-from-fred-jobs-db-services", "sg-0123456789abcdef0"],
      ["shared-db-from-arbees-db-services", "sg-0123456789abcdef0"],
      ["shared-db-from-fred-jobs-db-remote-vpc", "10.20.0.0/16"],
    ]);
  });

  it("refuses database and user names the bootstrap would refuse", async () => {
    for (const [spec, problem] of [
      [{ databaseName: "fred-jobs", username: "fred_app" }, /lowercase identifier/],
      [{ databaseName: "fred", username: "postgres" }, /reserved/],
      [{ databaseName: "fred", username: "platform_admin" }, /is the master user/],
    ] as const) {
      const error = await failureOf(build({ "x-db": spec }));
      expect(error?.message).to.match(problem);
    }
  });
});
