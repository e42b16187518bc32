/**
 * The Python packaging for real: wheels vendored by pip from a directory the test makes (no
 * network), the archive read back by Python's zipfile (an independent reader), unpacked by Info-ZIP
 * unzip as Lambda does (modes kept), and the fixture app started through its run.sh with Debian's
 * Python, reading its secrets from a stand-in Secrets Manager endpoint.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import {
  lambdaPlatformTags,
  missingDistribution,
  packagePythonApp,
  parseRequirements,
  PythonPackagingError,
  type PythonAppArgs,
  type PythonPackage,
} from "../../components/python-app";
import { zipBytes, zipEntryProblems } from "../../components/zip-archive";
import { thrown } from "../helpers/errors";
import { DEBIAN_PYTHON, makeWheel, wheelOfInstalled } from "../helpers/wheels";

const FIXTURE = path.resolve(__dirname, "..", "fixtures", "finance-app");
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Entry name → [Unix mode, host system] as Python's zipfile reads them. */
function zipModes(file: string): Record<string, [number, number]> {
  const script =
    "import json, sys, zipfile\n" +
    "print(json.dumps({i.filename: [i.external_attr >> 16, i.create_system] for i in zipfile.ZipFile(sys.argv[1]).infolist()}))";
  return JSON.parse(
    execFileSync(DEBIAN_PYTHON, ["-c", script, file], { encoding: "utf8" }),
  ) as Record<string, [number, number]>;
}

/** The wheel directory every test vendors from. */
function wheelDirectory(): string {
  const dir = tmp("wheels-");
  wheelOfInstalled(dir, "fastapi");
  wheelOfInstalled(dir, "uvicorn");
  // The helper's Lambda wheel and a decoy for x86_64: vendoring must pick the arm64 one.
  for (const [machine, tag] of [
    ["aarch64", "cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64"],
    ["x86_64", "cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64"],
  ]) {
    makeWheel(dir, {
      name: "finhelper",
      version: "1.0.0",
      tag: tag!,
      files: { "finhelper/__init__.py": `ARCH = "${machine}"\n` },
    });
  }
  makeWheel(dir, {
    name: "x86only",
    version: "1.0",
    tag: "cp313-cp313-manylinux2014_x86_64",
    files: { "x86only.py": "" },
  });
  makeWheel(dir, {
    name: "needsmissing",
    version: "2.0",
    tag: "py3-none-any",
    files: { "needsmissing.py": "" },
    requires: ["absentdep==0.1"],
  });
  return dir;
}

/** A copy of the fixture app plus what packaging must leave out or keep as it is. */
function appCopy(): string {
  const dir = tmp("finance-app-");
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, ".env"), "MONGODB_URL=local-only\n");
  fs.mkdirSync(path.join(dir, "__pycache__"));
  fs.writeFileSync(path.join(dir, "__pycache__", "main.cpython-311.pyc"), "stale");
  fs.mkdirSync(path.join(dir, "scripts"));
  fs.writeFileSync(path.join(dir, "scripts", "seed.sh"), "#!/bin/sh\necho seed\n", { mode: 0o755 });
  return dir;
}

describe("Python app packaging", function () {
  this.timeout(120_000);
  let wheels: string;
  let app: string;
  let built: PythonPackage;
  const pack = (overrides: Partial<PythonAppArgs> = {}) =>
    packagePythonApp({
      dir: app,
      app: "main:app",
      wheels: { findLinks: wheels },
      cacheDir: tmp("python-cache-"),
      ...overrides,
    });

  before(() => {
    wheels = wheelDirectory();
    app = appCopy();
    built = pack();
  });

  it("vendors the requirements as Lambda arm64 wheels for CPython 3.13", () => {
    expect(built).to.include({ runtime: "python3.13", handler: "run.sh" });
    expect(built.packages).to.deep.equal([
      `fastapi==${execFileSync(DEBIAN_PYTHON, ["-c", "import fastapi; print(fastapi.__version__)"], { encoding: "utf8" }).trim()}`,
      "finhelper==1.0.0",
      "uvicorn==0.17.6",
    ]);
    const names = Object.keys(zipModes(built.file));
    expect(names).to.include.members([
      "run.sh",
      "_platform_launch.py",
      "main.py",
      "requirements.txt",
      "scripts/seed.sh",
      "vendor/finhelper/__init__.py",
      "vendor/uvicorn/main.py",
      "vendor/fastapi/applications.py",
    ]);
    expect(names.filter((n) => n === ".env" || n.includes("__pycache__") || n.endsWith(".pyc"))).to
      .be.empty;
  });

  it("keeps run.sh and executable app files 0755 and everything else 0644, as Unix entries", () => {
    const modes = zipModes(built.file);
    expect(modes["run.sh"]).to.deep.equal([0o100755, 3]);
    expect(modes["scripts/seed.sh"]).to.deep.equal([0o100755, 3]);
    expect(modes["main.py"]).to.deep.equal([0o100644, 3]);
    expect(modes["vendor/finhelper/__init__.py"]).to.deep.equal([0o100644, 3]);
  });

  it("is reproducible: the same app and wheels give the same archive, a changed file another", () => {
    const again = pack();
    expect(again.sha256).to.equal(built.sha256);
    expect(fs.readFileSync(again.file).equals(fs.readFileSync(built.file))).to.be.true;
    expect(again.base64Sha256).to.equal(
      createHash("sha256").update(fs.readFileSync(built.file)).digest("base64"),
    );
    const changed = appCopy();
    fs.appendFileSync(path.join(changed, "main.py"), "\n# changed\n");
    expect(pack({ dir: changed }).sha256).not.to.equal(built.sha256);
  });

  describe("fails naming what is wrong", () => {
    const failure = (requirements: string, overrides: Partial<PythonAppArgs> = {}) => {
      const dir = appCopy();
      fs.writeFileSync(path.join(dir, "requirements.txt"), requirements);
      const error = thrown(() => pack({ dir, ...overrides }));
      expect(error).to.be.instanceOf(PythonPackagingError);
      return error.message;
    };
    const base = "fastapi==0.92.0\nuvicorn==0.17.6\n";

    it("a package with no wheel at all", () => {
      expect(failure(`${base}nosuchpkg==2.0\n`)).to.match(
        /no wheel of nosuchpkg==2\.0 for CPython 3\.13 on Linux arm64 .* in \/tmp\//,
      );
    });

    it("a package with an x86_64 wheel only", () => {
      expect(failure(`${base}x86only==1.0\n`)).to.include(
        "no wheel of x86only==1.0 for CPython 3.13 on Linux arm64",
      );
    });

    it("a dependency of a dependency, with what required it", () => {
      expect(failure(`${base}needsmissing==2.0\n`)).to.match(
        /no wheel of absentdep==0\.1 \(required by needsmissing(==2\.0)?\)/,
      );
    });

    it("an unpinned requirement", () => {
      expect(failure(`${base}finhelper>=1\n`)).to.include("not pinned: finhelper>=1");
    });

    it("requirements without uvicorn", () => {
      expect(failure("fastapi==0.92.0\n")).to.include("does not list uvicorn");
    });

    it("a missing directory, and an app module the directory lacks", () => {
      expect(() => pack({ dir: "/nonexistent/finance" })).to.throw(
        "Python app /nonexistent/finance: no such directory",
      );
      expect(() => pack({ app: "server:app" })).to.throw("names module server.py");
    });
  });

  describe("started through run.sh, as the adapter starts it", () => {
    let unpacked: string;
    let server: ChildProcess;
    let secretsEndpoint: http.Server;
    let base: string;
    const secretValues = {
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo-AbCdEf": `mongodb+srv://u:${randomBytes(8).toString("hex")}@cluster`,
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:genai-AbCdEf":
        randomBytes(12).toString("hex"),
    };
    const signedRequests: string[] = [];
    let log = "";

    before(async () => {
      unpacked = tmp("unpacked-");
      execFileSync("unzip", ["-q", built.file, "-d", unpacked]);
      // A stand-in Secrets Manager: answers GetSecretValue for the two ARNs, nothing else.
      secretsEndpoint = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          signedRequests.push(String(req.headers.authorization ?? ""));
          const id = (JSON.parse(body) as { SecretId: string }).SecretId;
          const value = secretValues[id as keyof typeof secretValues];
          res.setHeader("content-type", "application/x-amz-json-1.1");
          if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue" || !value) {
            res.statusCode = 400;
            res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: id }));
            return;
          }
          res.end(JSON.stringify({ ARN: id, Name: id, SecretString: value }));
        });
      });
      await new Promise<void>((r) => secretsEndpoint.listen(0, "127.0.0.1", r));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      server = spawn("./run.sh", [], {
        cwd: unpacked,
        env: {
          PATH: "/usr/bin:/bin",
          AWS_LWA_PORT: String(port),
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "AKIAOFFLINETEST",
          AWS_SECRET_ACCESS_KEY: "offline-test-key",
          AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsEndpoint.address() as AddressInfo).port}`,
          PLATFORM_APP_SECRETS: "MONGODB_URL,GOOGLE_API_KEY",
          MONGODB_URL_SECRET_ARN: Object.keys(secretValues)[0],
          GOOGLE_API_KEY_SECRET_ARN: Object.keys(secretValues)[1],
          PLATFORM_IDENTITY_HEADER: "X-User-ID",
          MONGODB_DATABASE: "ledger_test",
        },
      });
      server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
      await waitForHealth(`${base}/health`, () => log);
    });

    after(async () => {
      server?.kill();
      await new Promise((r) => secretsEndpoint?.close(r));
    });

    it("answers /health from the vendored uvicorn and fastapi, with the arm64 helper", async () => {
      expect(fs.statSync(path.join(unpacked, "run.sh")).mode & 0o777).to.equal(0o755);
      expect(await (await fetch(`${base}/health`)).json()).to.deep.equal({ status: "ok" });
      const settings = (await (await fetch(`${base}/settings`)).json()) as Record<string, string>;
      expect(settings).to.include({ database: "ledger_test", helper: "aarch64" });
      const modules = execFileSync(
        DEBIAN_PYTHON,
        ["-c", "import uvicorn, fastapi; print(uvicorn.__file__); print(fastapi.__file__)"],
        { cwd: unpacked, env: { PYTHONPATH: path.join(unpacked, "vendor") }, encoding: "utf8" },
      );
      expect(modules.split("\n").filter(Boolean)).to.satisfy((files: string[]) =>
        files.every((f) => f.startsWith(path.join(unpacked, "vendor"))),
      );
    });

    it("gives the app its secrets from Secrets Manager as the variables it reads", async () => {
      const settings = (await (await fetch(`${base}/settings`)).json()) as Record<string, string>;
      const sha = (v: string) => createHash("sha256").update(v).digest("hex");
      const [mongo, genai] = Object.values(secretValues);
      expect(settings.mongodb_url).to.equal(sha(mongo!));
      expect(settings.google_api_key).to.equal(sha(genai!));
      expect(signedRequests).to.have.length(2);
      expect(signedRequests.every((a) => a.startsWith("AWS4-HMAC-SHA256 "))).to.be.true;
      expect(log).to.match(/secrets read in \d+ ms/);
      expect(log).not.to.include(mongo!);
    });

    it("returns binary bodies byte for byte, and takes them", async () => {
      const response = await fetch(`${base}/report.png`);
      expect(response.headers.get("content-type")).to.equal("image/png");
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
      expect(body.length).to.equal(8 + 256);
      const upload = randomBytes(20_000);
      const echoed = (await (
        await fetch(`${base}/upload`, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: upload,
        })
      ).json()) as { bytes: number; sha256: string };
      expect(echoed).to.deep.equal({
        bytes: upload.length,
        sha256: createHash("sha256").update(upload).digest("hex"),
      });
    });

    it("never passes a caller's X-User-ID: only the identity API Gateway verified", async () => {
      const whoami = async (headers: Record<string, string>) =>
        ((await (await fetch(`${base}/whoami`, { headers })).json()) as { user: string | null })
          .user;
      // No verified identity (e.g. a public route): the header is dropped.
      expect(await whoami({ "X-User-ID": "someone-else" })).to.equal(null);
      // A Cognito token's sub wins over the caller's header.
      const cognito = { authorizer: { claims: { sub: "7d1f-user" } } };
      expect(
        await whoami({
          "X-User-ID": "someone-else",
          "x-amzn-request-context": JSON.stringify(cognito),
        }),
      ).to.equal("7d1f-user");
      // An IAM caller is its principal's ARN.
      const iam = { identity: { userArn: "arn:aws:sts::123456789012:assumed-role/app/u1" } };
      expect(await whoami({ "x-amzn-request-context": JSON.stringify(iam) })).to.equal(
        "arn:aws:sts::123456789012:assumed-role/app/u1",
      );
    });
  });
});

describe("Python packaging helpers", () => {
  it("parses pinned requirements, with extras, markers and hashes", () => {
    const parsed = parseRequirements(
      [
        "# comment",
        "FastAPI==0.115.6",
        "uvicorn[standard]==0.34.0 ; python_version >= '3.9'",
        "Google_Generativeai==0.8.3 \\",
        "    --hash=sha256:abc",
        "pymongo>=4",
        "",
      ].join("\n"),
      "requirements.txt",
    );
    expect(parsed.map((r) => [r.name, r.pinned])).to.deep.equal([
      ["fastapi", true],
      ["uvicorn", true],
      ["google-generativeai", true],
      ["pymongo", false],
    ]);
  });

  it("refuses lines it cannot pin, naming file and line", () => {
    expect(() => parseRequirements("fastapi==1\n-r base.txt\n", "req.txt")).to.throw(
      'req.txt:2: "-r base.txt" is not supported',
    );
    expect(() => parseRequirements("pkg @ https://example.com/pkg.whl\n", "req.txt")).to.throw(
      "req.txt:1:",
    );
  });

  it("reads which requirement pip could not find, and what required it", () => {
    const cases: [string, ReturnType<typeof missingDistribution>][] = [
      [
        "ERROR: Could not find a version that satisfies the requirement pydantic-core==2.27.2 (from pydantic==2.10.5) (from versions: none)",
        { requirement: "pydantic-core==2.27.2", from: "pydantic==2.10.5" },
      ],
      [
        "ERROR: No matching distribution found for grpcio==1.68.1",
        { requirement: "grpcio==1.68.1" },
      ],
      ["ERROR: Invalid requirement", undefined],
    ];
    for (const [stderr, expected] of cases)
      expect(missingDistribution(stderr)).to.deep.equal(expected);
  });

  it("signs GetSecretValue exactly as botocore's SigV4 signer does", () => {
    // botocore (python3-boto3's dependency) is an independent implementation of the same algorithm.
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(path.resolve(__dirname, "..", "..", "components", "python"))})`,
      "from _platform_launch import sign_request",
      "from botocore.auth import SigV4Auth",
      "from botocore.awsrequest import AWSRequest",
      "from botocore.credentials import Credentials",
      "out = []",
      "for token in (None, 'IQoJb3JpZ2luX2VjEXAMPLE'):",
      "    body = json.dumps({'SecretId': 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:x-AbCdEf'}).encode()",
      "    request = AWSRequest(method='POST', url='https://secretsmanager.eu-central-1.amazonaws.com/', data=body,",
      "        headers={'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue'})",
      "    SigV4Auth(Credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', token), 'secretsmanager', 'eu-central-1').add_auth(request)",
      "    ours = sign_request(body, 'secretsmanager.GetSecretValue', 'secretsmanager.eu-central-1.amazonaws.com',",
      "        'eu-central-1', ('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', token), request.headers['X-Amz-Date'])",
      "    out.append([request.headers['Authorization'], ours['authorization']])",
      "print(json.dumps(out))",
    ].join("\n");
    const pairs = JSON.parse(execFileSync(DEBIAN_PYTHON, ["-c", script], { encoding: "utf8" })) as [
      string,
      string,
    ][];
    expect(pairs).to.have.length(2);
    for (const [botocore, ours] of pairs) {
      expect(ours).to.match(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\//);
      expect(ours).to.equal(botocore);
    }
  });

  it("accepts manylinux wheels up to glibc 2.34 (Amazon Linux 2023) for the architecture", () => {
    expect(lambdaPlatformTags("arm64")).to.deep.equal([
      "manylinux2014_aarch64",
      "manylinux_2_28_aarch64",
      "manylinux_2_34_aarch64",
    ]);
    expect(lambdaPlatformTags("x86_64")[0]).to.equal("manylinux2014_x86_64");
  });

  it("zips deterministically and refuses bad entry paths", () => {
    const entries = [
      { path: "b.txt", data: "b" },
      { path: "a/run.sh", data: "#!/bin/sh\n", mode: 0o755 },
    ];
    expect(Buffer.from(zipBytes(entries)).equals(Buffer.from(zipBytes([...entries].reverse())))).to
      .be.true;
    expect(
      zipEntryProblems([
        { path: "../x", data: "" },
        { path: "a", data: "" },
        { path: "a", data: "" },
      ]),
    ).to.deep.equal(["../x: not a relative path with / separators", "a: listed twice"]);
  });
});

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/** Polls like the adapter's readiness check (every 10 ms) until the app answers 200. */
async function waitForHealth(url: string, log: () => string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    // A refused connection: not listening yet.
    const status = await fetch(url).then(
      (response) => response.status,
      () => undefined,
    );
    if (status === 200) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${log()}`);
}
