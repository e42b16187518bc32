/**
 * The web API's image and package, read as files: pinned bases, the adapter, a non-root user,
 * ports and readiness that agree with lambda.json, and dependencies that match the root lockfile
 * (the app is tested from the repository's node_modules, so both must resolve the same versions).
 */
import { readFileSync } from "node:fs";
import { FRED_JOBS_PORT, FRED_JOBS_READINESS_PATH } from "../../../workloads/fred-jobs";
import { join } from "node:path";
import { expect } from "chai";
import { DockerfileParser, type From } from "dockerfile-ast";
import { APP_DIR } from "./helpers";

const read = (file: string): string => readFileSync(join(APP_DIR, file), "utf8");
const json = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

interface Lock {
  packages: Record<
    string,
    {
      version?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    }
  >;
}

describe("web API container", () => {
  const dockerfile = DockerfileParser.parse(read("Dockerfile"));
  const instructions = dockerfile.getInstructions();
  const lambda = json<{ port: number; readinessCheckPath: string; user: string }>(
    join(APP_DIR, "lambda.json"),
  );
  const env = Object.fromEntries(
    dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
  );

  it("builds and runs on the same Node 22 bookworm-slim base, pinned by patch tag and digest", () => {
    const froms = dockerfile.getFROMs();
    expect(froms).to.have.length(2);
    const image = (from: From) => from.getImage();
    expect(image(froms[0]!)).to.equal(image(froms[1]!));
    // ECR Public's mirror of Docker's official image: never Docker Hub directly.
    expect(froms[0]!.getRegistry()).to.equal("public.ecr.aws");
    expect(froms[0]!.getImageName()).to.equal("docker/library/node");
    expect(froms[0]!.getImageTag()).to.match(/^22\.\d+\.\d+-bookworm-slim$/);
    expect(froms[0]!.getImageDigest()).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it("copies the Lambda Web Adapter, pinned by version and digest, into /opt/extensions", () => {
    const copy = dockerfile
      .getCOPYs()
      .find((c) => c.getFromFlag()?.getValue()?.includes("aws-lambda-adapter"));
    expect(copy?.getFromFlag()?.getValue()).to.match(
      /^public\.ecr\.aws\/awsguru\/aws-lambda-adapter:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/,
    );
    expect(copy?.getArguments().map((a) => a.getValue())).to.deep.equal([
      "/lambda-adapter",
      "/opt/extensions/lambda-adapter",
    ]);
  });

  it("agrees with the port and readiness path the program gives the function", () => {
    expect(lambda.port).to.equal(FRED_JOBS_PORT);
    expect(lambda.readinessCheckPath).to.equal(FRED_JOBS_READINESS_PATH);
  });

  it("runs as the non-root user of lambda.json, on its port, with /health as the readiness check", () => {
    const users = instructions.filter((i) => i.getKeyword() === "USER");
    expect(users.map((u) => u.getArgumentsContent())).to.deep.equal([lambda.user]);
    expect(lambda.user).not.to.equal("root");
    expect(
      instructions.filter((i) => i.getKeyword() === "EXPOSE").map((i) => i.getArgumentsContent()),
    ).to.deep.equal([String(lambda.port)]);
    expect(env).to.include({
      PORT: String(lambda.port),
      AWS_LWA_PORT: String(lambda.port),
      AWS_LWA_READINESS_CHECK_PATH: lambda.readinessCheckPath,
      NODE_ENV: "production",
    });
    expect(lambda.readinessCheckPath).to.equal("/health");
  });

  it("trusts the RDS CA bundle it adds", () => {
    const add = instructions.find((i) => i.getKeyword() === "ADD");
    const args = add?.getArguments().map((a) => a.getValue()) ?? [];
    expect(args).to.include("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
    expect(args.at(-1)).to.equal(env.DB_SSL_CA_FILE);
  });

  it("installs from the lockfile, prunes dev dependencies, and starts node dist/server.js", () => {
    const runs = instructions
      .filter((i) => i.getKeyword() === "RUN")
      .map((i) => i.getArgumentsContent() ?? "");
    expect(runs.some((r) => r.startsWith("npm ci"))).to.be.true;
    expect(runs.some((r) => r.includes("npm run build") && r.includes("npm prune --omit=dev"))).to
      .be.true;
    expect(dockerfile.getCMDs().map((c) => c.getArgumentsContent())).to.deep.equal([
      '["node", "dist/server.js"]',
    ]);
  });

  it("keeps local builds and dependencies out of the build context", () => {
    const ignored = read(".dockerignore").split("\n");
    expect(ignored).to.include.members(["node_modules", "dist"]);
  });

  describe("package", () => {
    const pkg = json<{
      name: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    }>(join(APP_DIR, "package.json"));
    const rootLock = json<Lock>(join(APP_DIR, "..", "..", "package-lock.json"));
    const appLock = json<Lock>(join(APP_DIR, "package-lock.json"));

    it("is fred-jobs-api", () => expect(pkg.name).to.equal("fred-jobs-api"));

    for (const [name, version] of Object.entries({ ...(pkg.dependencies ?? {}) })) {
      it(`${name} is pinned to the version the root lockfile resolved, and locked at it`, () => {
        expect(version).to.equal(rootLock.packages[`node_modules/${name}`]?.version);
        expect(appLock.packages[`node_modules/${name}`]?.version).to.equal(version);
      });
    }

    it("its lockfile records the package's own dependency ranges", () => {
      expect(appLock.packages[""]?.dependencies).to.deep.equal(pkg.dependencies);
      expect(appLock.packages[""]?.devDependencies).to.deep.equal(pkg.devDependencies);
    });
  });
});
