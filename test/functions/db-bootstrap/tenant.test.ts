import { writeFileSync } from "node:fs";
import { rejection } from "../../helpers/errors";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { Client } from "pg";
import { bootstrapHandler, type BootstrapConfig } from "../../../functions/db-bootstrap/handler";
import {
  dropTenant,
  ensureTenant,
  nameProblem,
  passwordProblem,
  scramVerifier,
  tenantProblems,
  TenantError,
} from "../../../functions/db-bootstrap/lib/tenant";
import { LocalPostgres } from "../../helpers/postgres";

const MASTER = "app_admin";
const MASTER_PASSWORD = "master-password-0123456789";
const PASSWORD_A = "FirstPasswordOfTheFredRole0123";
const PASSWORD_B = "SecondPasswordOfTheFredRole456";

describe("db bootstrap: names and passwords", () => {
  const valid = ["fred", "arbees_app", "a", "x".repeat(63), "fred2"];
  for (const name of valid) {
    it(`accepts ${name.length > 10 ? `${name.length} characters` : name}`, () => {
      expect(nameProblem("database", name)).to.equal(undefined);
    });
  }
  const invalid: [unknown, RegExp][] = [
    ["Fred", /lowercase identifier/],
    ["1fred", /lowercase identifier/],
    ["fred-jobs", /lowercase identifier/],
    ["", /lowercase identifier/],
    ["x".repeat(64), /lowercase identifier/],
    ['fred"; DROP DATABASE arbees; --', /lowercase identifier/],
    ["fred'", /lowercase identifier/],
    [42, /lowercase identifier/],
    ["pg_monitor", /reserved/],
    ["rdsadmin", /reserved/],
    ["rds_superuser", /reserved/],
    ["postgres", /reserved/],
    ["template1", /reserved/],
    ["public", /reserved/],
  ];
  for (const [name, problem] of invalid) {
    it(`refuses ${JSON.stringify(name).slice(0, 30)}`, () => {
      expect(nameProblem("role", name)).to.match(problem);
    });
  }
  it("refuses the master user as a tenant role", () => {
    expect(tenantProblems({ database: "fred", role: MASTER }, MASTER)).to.deep.equal([
      `role ${MASTER} is the master user`,
    ]);
  });
  it("takes only long printable-ASCII passwords", () => {
    expect(passwordProblem(PASSWORD_A)).to.equal(undefined);
    expect(passwordProblem("short")).to.match(/at least 16/);
    expect(passwordProblem("with a space in it 0123")).to.match(/printable ASCII/);
    expect(passwordProblem("ünïcødé-password-0123")).to.match(/printable ASCII/);
  });
  it("writes a SCRAM-SHA-256 verifier, salted anew each time", () => {
    const verifier = scramVerifier(PASSWORD_A);
    expect(verifier).to.match(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/,
    );
    expect(verifier).not.to.include(PASSWORD_A);
    expect(scramVerifier(PASSWORD_A)).not.to.equal(verifier);
    const salt = Buffer.alloc(16, 7);
    expect(scramVerifier(PASSWORD_A, salt)).to.equal(scramVerifier(PASSWORD_A, salt));
  });
});

describe("db bootstrap: against PostgreSQL", function () {
  this.timeout(120_000);
  let pg: LocalPostgres;
  /** The master user's connection, as on RDS: CREATEROLE and CREATEDB, not a superuser. */
  let master: Client;

  const connectAs = async (user: string, password: string, database: string) => {
    const client = new Client({ host: pg.host, port: pg.port, user, password, database });
    await client.connect();
    return client;
  };
  /** Whether `user` logs in to `database` with `password`, or PostgreSQL's reason it does not. */
  const login = (user: string, password: string, database: string): Promise<string> =>
    connectAs(user, password, database).then(
      async (client) => {
        await client.end();
        return "ok";
      },
      (error: Error) => error.message,
    );
  const superuser = async <T>(sql: string, database = "postgres"): Promise<T[]> => {
    const client = new Client(pg.config(database));
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };

  before(async () => {
    pg = await LocalPostgres.start();
    await superuser(
      `CREATE ROLE ${MASTER} WITH LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'`,
    );
    await superuser(`CREATE DATABASE platform OWNER ${MASTER}`);
    // Passwords are checked for everyone but the test's own superuser, as RDS checks them.
    writeFileSync(
      join(pg.dataDir, "pg_hba.conf"),
      [
        "local all all trust",
        "host all postgres 127.0.0.1/32 trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        "",
      ].join("\n"),
    );
    await superuser("SELECT pg_reload_conf()");
    master = await connectAs(MASTER, MASTER_PASSWORD, "platform");
  });
  after(async () => {
    await master?.end();
    await pg?.stop();
  });

  it("creates the role and its database, which the role logs in to and owns", async () => {
    const result = await ensureTenant(
      master,
      { database: "fred", role: "fred_app" },
      PASSWORD_A,
      MASTER,
    );
    expect(result).to.deep.equal({
      database: "fred",
      role: "fred_app",
      createdRole: true,
      createdDatabase: true,
    });
    const app = await connectAs("fred_app", PASSWORD_A, "fred");
    try {
      await app.query("CREATE TABLE jobs (id int PRIMARY KEY)");
      await app.query("INSERT INTO jobs VALUES (1)");
    } finally {
      await app.end();
    }
    const [role] = await superuser<Record<string, unknown>>(
      "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword FROM pg_authid WHERE rolname = 'fred_app'",
    );
    expect(role).to.include({
      rolcanlogin: true,
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
    });
    expect(String(role!.rolpassword)).to.match(/^SCRAM-SHA-256\$/);
  });

  it("is idempotent: a second run creates nothing and keeps the data", async () => {
    const result = await ensureTenant(
      master,
      { database: "fred", role: "fred_app" },
      PASSWORD_A,
      MASTER,
    );
    expect(result).to.include({ createdRole: false, createdDatabase: false });
    const rows = await superuser<{ id: number }>("SELECT id FROM jobs", "fred");
    expect(rows).to.deep.equal([{ id: 1 }]);
  });

  it("rotates the password: the new one logs in, the old one no longer does", async () => {
    await ensureTenant(master, { database: "fred", role: "fred_app" }, PASSWORD_B, MASTER);
    expect(await login("fred_app", PASSWORD_B, "fred")).to.equal("ok");
    expect(await login("fred_app", PASSWORD_A, "fred")).to.match(/password authentication failed/);
  });

  it("keeps each workload out of the other's database", async () => {
    await ensureTenant(master, { database: "arbees", role: "arbees_app" }, PASSWORD_A, MASTER);
    expect(await login("arbees_app", PASSWORD_A, "arbees")).to.equal("ok");
    expect(await login("arbees_app", PASSWORD_A, "fred")).to.match(
      /permission denied for database "fred"/,
    );
    expect(await login("fred_app", PASSWORD_B, "arbees")).to.match(
      /permission denied for database "arbees"/,
    );
    expect(await login("fred_app", PASSWORD_B, "platform")).to.match(/permission denied/);
  });

  it("refuses a database another role owns", async () => {
    await expectTenantError(
      ensureTenant(master, { database: "fred", role: "arbees_app" }, PASSWORD_A, MASTER),
      /database fred exists and belongs to fred_app/,
    );
    await expectTenantError(
      ensureTenant(master, { database: "platform", role: "stray_app" }, PASSWORD_A, MASTER),
      /belongs to app_admin/,
    );
  });

  it("refuses to take over a role with more than LOGIN", async () => {
    await superuser("CREATE ROLE operator_role WITH LOGIN CREATEDB");
    await expectTenantError(
      ensureTenant(master, { database: "ops", role: "operator_role" }, PASSWORD_A, MASTER),
      /more than LOGIN/,
    );
    const [exists] = await superuser("SELECT 1 FROM pg_database WHERE datname = 'ops'");
    expect(exists).to.equal(undefined);
  });

  it("runs nothing for a name that could inject SQL", async () => {
    await expectTenantError(
      ensureTenant(
        master,
        { database: 'x"; DROP DATABASE fred; --', role: "x_app" },
        PASSWORD_A,
        MASTER,
      ),
      /lowercase identifier/,
    );
    const roles = await superuser("SELECT 1 FROM pg_roles WHERE rolname = 'x_app'");
    expect(roles).to.have.length(0);
    expect(await login("fred_app", PASSWORD_B, "fred")).to.equal("ok");
  });

  it("drops a workload's database and role, and a second drop finds nothing", async () => {
    expect(
      await dropTenant(master, { database: "arbees", role: "arbees_app" }, MASTER),
    ).to.deep.equal({ droppedDatabase: true, droppedRole: true });
    expect(
      await dropTenant(master, { database: "arbees", role: "arbees_app" }, MASTER),
    ).to.deep.equal({ droppedDatabase: false, droppedRole: false });
    await expectTenantError(
      dropTenant(master, { database: "platform", role: "fred_app" }, MASTER),
      /belongs to app_admin/,
    );
  });

  describe("the handler", () => {
    const secrets = mockClient(SecretsManagerClient);
    const env = {
      MASTER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf",
      DB_HOST: "127.0.0.1",
      DB_PORT: "5432",
      DB_NAME: "platform",
      DB_SSL_CA_FILE: "/var/runtime/ca-cert.pem",
    };
    const TENANT_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db/q-AbCdEf";
    const saved: Record<string, string | undefined> = {};
    let connectedWith: BootstrapConfig | undefined;
    const handler = bootstrapHandler({
      secrets: new SecretsManagerClient({ region: "us-east-1" }),
      connect: async (config, user, password) => {
        connectedWith = config;
        return connectAs(user, password, config.database);
      },
    });
    const secretValues = (tenant: object) => {
      secrets
        .on(GetSecretValueCommand, { SecretId: env.MASTER_SECRET_ARN })
        .resolves({ SecretString: JSON.stringify({ username: MASTER, password: MASTER_PASSWORD }) })
        .on(GetSecretValueCommand, { SecretId: TENANT_SECRET })
        .resolves({ SecretString: JSON.stringify(tenant) });
    };

    before(() => {
      for (const [name, value] of Object.entries(env)) {
        saved[name] = process.env[name];
        process.env[name] = value;
      }
    });
    after(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      secrets.restore();
    });
    beforeEach(() => secrets.reset());

    it("ensures the tenant from the two secrets, as the master user, and returns no password", async () => {
      secretValues({ username: "quotes_app", password: PASSWORD_A, dbname: "quotes" });
      const result = await handler({
        operation: "ensure",
        database: "quotes",
        role: "quotes_app",
        credentialsSecretArn: TENANT_SECRET,
      });
      expect(result).to.deep.equal({
        operation: "ensure",
        database: "quotes",
        role: "quotes_app",
        createdRole: true,
        createdDatabase: true,
      });
      expect(JSON.stringify(result)).not.to.include(PASSWORD_A);
      expect(connectedWith).to.include({ host: "127.0.0.1", port: 5432, database: "platform" });
      expect(await login("quotes_app", PASSWORD_A, "quotes")).to.equal("ok");
    });

    it("refuses a secret made for another role", async () => {
      secretValues({ username: "fred_app", password: PASSWORD_A });
      const error = await rejection(
        handler({
          operation: "ensure",
          database: "quotes",
          role: "quotes_app",
          credentialsSecretArn: TENANT_SECRET,
        }),
      );
      expect(String(error)).to.match(/is for fred_app, not quotes_app/);
      expect(String(error)).not.to.include(PASSWORD_A);
    });

    it("refuses events it does not know", async () => {
      for (const event of [{}, { operation: "truncate", database: "quotes", role: "quotes_app" }]) {
        const error = await rejection(handler(event));
        expect(String(error)).to.match(/not a bootstrap event/);
      }
    });

    it("drops on request", async () => {
      secretValues({});
      expect(
        await handler({ operation: "drop", database: "quotes", role: "quotes_app" }),
      ).to.include({ droppedDatabase: true, droppedRole: true });
    });
  });
});

async function expectTenantError(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(TenantError);
  expect(error.message).to.match(message);
}
