/**
 * `npm run schwab-login -- --stack dev`: signs the Alpha-Kite streamer in to Schwab (every 7 days,
 * when the refresh token runs out; the streamer's error log prints this very command).
 *
 * Finds the token secret, the app-credentials secret and the Schwab URL in the stack's outputs
 * (`--outputs FILE` from `pulumi stack output --json`, else the Pulumi CLI), prints the authorize
 * URL, reads the URL the browser was redirected to (or the bare code), exchanges the code and
 * writes the token record to the secret. It prints when the tokens expire, never the tokens.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  AppCredentials,
  authorizeUrl,
  exchangeCode,
  loginRecord,
  OAuthRejected,
} from "../functions/alpha-kite/lib/oauth";
import { runCli } from "./cli";

export const OUTPUT_NAMES = {
  tokenSecret: "alphaKiteTokenSecretArn",
  appSecret: "alphaKiteAppSecretArn",
  schwabUrl: "alphaKiteSchwabBaseUrl",
} as const;

export const DEFAULT_REDIRECT_URI = "https://127.0.0.1";

const TIMEOUT_MS = 15_000;

export class LoginError extends Error {
  override readonly name = "LoginError";
}

export interface LoginIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Runs `pulumi stack output --json --stack <stack>` and returns its stdout. */
  stackOutputs?: (stack: string) => string;
  /** Builds the Secrets Manager client for a secret's region. */
  secretsClient?: (region: string | undefined) => SecretsManagerClient;
  now?: () => number;
}

interface Targets {
  tokenSecret: string;
  appSecret: string;
  schwabUrl: string;
  redirectUri: string;
}

const USAGE = `usage: npm run schwab-login -- (--stack NAME | --outputs FILE) [--token-secret ARN]
       [--app-secret ARN] [--schwab-url URL] [--redirect-uri URI (default ${DEFAULT_REDIRECT_URI})]`;

function pulumiOutputs(stack: string): string {
  try {
    return execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new LoginError(
      `cannot read the outputs of stack "${stack}" with the Pulumi CLI (${detail}); ` +
        "pass --outputs FILE (from `pulumi stack output --json`) or the --token-secret, " +
        "--app-secret and --schwab-url flags",
    );
  }
}

function resolveTargets(argv: readonly string[], io: LoginIo): Targets {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        outputs: { type: "string" },
        "token-secret": { type: "string" },
        "app-secret": { type: "string" },
        "schwab-url": { type: "string" },
        "redirect-uri": { type: "string", default: DEFAULT_REDIRECT_URI },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new LoginError(`${(error as Error).message}\n${USAGE}`);
  }
  const flags = {
    tokenSecret: values["token-secret"],
    appSecret: values["app-secret"],
    schwabUrl: values["schwab-url"],
  };
  let outputs: Record<string, unknown> | undefined;
  const missingFlag = Object.values(flags).some((v) => v === undefined);
  if (missingFlag) {
    let text: string;
    let source: string;
    if (values.outputs !== undefined) {
      source = values.outputs;
      try {
        text = fs.readFileSync(values.outputs, "utf8");
      } catch (error) {
        throw new LoginError(`cannot read ${values.outputs}: ${(error as Error).message}`);
      }
    } else if (values.stack !== undefined) {
      source = `stack ${values.stack}`;
      text = (io.stackOutputs ?? pulumiOutputs)(values.stack);
    } else {
      throw new LoginError(`say which stack: --stack NAME or --outputs FILE\n${USAGE}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
      outputs = parsed as Record<string, unknown>;
    } catch {
      throw new LoginError(`the outputs of ${source} are not a JSON object`);
    }
    for (const [key, output] of Object.entries(OUTPUT_NAMES)) {
      if (flags[key as keyof typeof flags] !== undefined) continue;
      const value = outputs[output];
      if (typeof value !== "string" || value.trim() === "") {
        throw new LoginError(
          `the outputs of ${source} have no ${output}; is the Alpha-Kite streamer deployed ` +
            `there? (or pass --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)})`,
        );
      }
      flags[key as keyof typeof flags] = value;
    }
  }
  const schwabUrl = flags.schwabUrl!.replace(/\/+$/, "");
  try {
    new URL(schwabUrl);
  } catch {
    throw new LoginError(`the Schwab URL "${schwabUrl}" is not an absolute URL`);
  }
  return {
    tokenSecret: flags.tokenSecret!,
    appSecret: flags.appSecret!,
    schwabUrl,
    redirectUri: values["redirect-uri"],
  };
}

/** The authorization code in what the user pasted: the redirect URL, or the code itself. */
export function extractCode(pasted: string): string {
  const text = pasted.trim();
  if (text === "")
    throw new LoginError("nothing was pasted: expected the redirect URL or the code");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new LoginError("the pasted text looks like a URL but cannot be parsed");
    }
    const code = url.searchParams.get("code");
    if (code) return code;
    const error = url.searchParams.get("error");
    throw new LoginError(
      error
        ? `Schwab redirected with error "${error}" instead of a code; sign in and approve again`
        : "the redirect URL carries no code parameter; paste the whole URL of the page Schwab " +
            "redirected to",
    );
  }
  if (/\s/.test(text)) throw new LoginError("the pasted code contains whitespace");
  // A code copied out of the address bar is still percent-encoded (Schwab's end in %40).
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The region in a secret's ARN, so the tool works without AWS_REGION. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

function readLine(stdin: Readable): Promise<string> {
  const lines = readline.createInterface({ input: stdin, terminal: false });
  return new Promise((resolve, reject) => {
    let done = false;
    lines.once("line", (line) => {
      done = true;
      lines.close();
      resolve(line);
    });
    lines.once("close", () => {
      if (!done) reject(new LoginError("no input: expected the redirect URL or the code"));
    });
  });
}

async function secretString(client: SecretsManagerClient, id: string, what: string) {
  try {
    const value = await client.send(new GetSecretValueCommand({ SecretId: id }));
    return value.SecretString ?? "";
  } catch (error) {
    throw new LoginError(`cannot read the ${what} (${id}): ${(error as Error).message}`);
  }
}

/** Runs the login; resolves with the process exit code. */
export async function main(argv: readonly string[], io: LoginIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  try {
    const targets = resolveTargets(argv, io);
    const makeClient =
      io.secretsClient ?? ((region) => new SecretsManagerClient(region ? { region } : {}));
    const appClient = makeClient(regionOfArn(targets.appSecret));
    let app: AppCredentials;
    try {
      app = AppCredentials.parse(
        JSON.parse(await secretString(appClient, targets.appSecret, "app credentials secret")),
      );
    } catch (error) {
      if (error instanceof LoginError) throw error;
      throw new LoginError(
        `the app credentials secret (${targets.appSecret}) must be JSON { "appKey", "appSecret" }`,
      );
    }

    say("1. Open this URL, sign in to Schwab and approve the app:");
    say(`   ${authorizeUrl(targets.schwabUrl, app.appKey, targets.redirectUri)}`);
    say(`2. The browser lands on ${targets.redirectUri}/?code=... (the page itself may not load).`);
    say("   Paste that whole URL (or just the code) here and press Enter:");
    const code = extractCode(await readLine(io.stdin));

    const now = io.now ?? Date.now;
    let record;
    try {
      const response = await exchangeCode(
        { baseUrl: targets.schwabUrl, timeoutMs: TIMEOUT_MS },
        app,
        code,
        targets.redirectUri,
      );
      record = loginRecord(response, now());
    } catch (error) {
      const hint =
        error instanceof OAuthRejected
          ? " (codes are single-use and expire within seconds: run the login again and paste promptly)"
          : "";
      throw new LoginError(`the code exchange failed: ${(error as Error).message}${hint}`);
    }

    const tokenClient = makeClient(regionOfArn(targets.tokenSecret));
    try {
      await tokenClient.send(
        new PutSecretValueCommand({
          SecretId: targets.tokenSecret,
          SecretString: JSON.stringify(record),
        }),
      );
    } catch (error) {
      throw new LoginError(
        `cannot write the token secret (${targets.tokenSecret}): ${(error as Error).message}`,
      );
    }
    say(`Signed in. Stored the Schwab tokens in ${targets.tokenSecret}.`);
    say(
      `   access token expires  ${new Date(record.accessTokenExpiresAt).toISOString()} (refreshed by the streamer)`,
    );
    say(
      `   refresh token expires ${new Date(record.refreshTokenExpiresAt).toISOString()}: sign in again before then`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(
      `schwab-login: ${error instanceof LoginError ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  runCli(() =>
    main(process.argv.slice(2), {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    }),
  );
}
