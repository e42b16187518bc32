/** Raw stack config for config tests: a valid dev-like stack, edits of it, and its problems. */
import { expect } from "chai";
import { ConfigError, parseStackConfig, type ConfigProblem, type RawConfig } from "../../config";

/** A valid dev-like config, as Pulumi hands it to the program (strings, objects as JSON). */
export function validRaw(): Record<string, string> {
  return {
    "aws:region": "us-east-1",
    "aws:defaultTags": JSON.stringify({
      tags: { project: "platform", environment: "dev", "managed-by": "pulumi" },
    }),
    "platform:environment": "dev",
    "platform:azs": "2",
    "platform:natStrategy": "single",
    "platform:logRetentionDays": "14",
    "platform:regions": JSON.stringify({
      home: {
        region: "us-east-1",
        cidr: "10.10.0.0/16",
        availabilityZones: ["us-east-1a", "us-east-1b"],
      },
      remote: {
        region: "eu-central-1",
        cidr: "10.20.0.0/16",
        availabilityZones: ["eu-central-1a", "eu-central-1b"],
      },
    }),
    "platform:quickbets": JSON.stringify({
      series: ["KXNFLGAME"],
      sessions: { imageTag: "2026.11.2" },
    }),
    "platform:alphaKite": JSON.stringify({ supabaseUrl: "https://alpha-kite-dev.supabase.co" }),
    "platform:arbees": JSON.stringify({
      imageTag: "2026.11.4",
      vpn: { provider: "mullvad", gluetunTag: "v3.40.0" },
    }),
  };
}

/** `validRaw()` with the object setting `platform:<name>` edited in place. */
export function withSetting(
  name: string,
  edit: (value: Record<string, any>) => void,
  raw: Record<string, string> = validRaw(),
): Record<string, string> {
  const value = JSON.parse(raw[`platform:${name}`] ?? "{}") as Record<string, any>;
  edit(value);
  return { ...raw, [`platform:${name}`]: JSON.stringify(value) };
}

/** `validRaw()` as the prod profile (environment and its tag). */
export function asProd(raw: Record<string, string> = validRaw()): Record<string, string> {
  return {
    ...raw,
    "platform:environment": "prod",
    "aws:defaultTags": raw["aws:defaultTags"]!.replace('"dev"', '"prod"'),
  };
}

/** The problems parsing `raw` reports; fails the test when it parses. */
export function problemsOf(raw: RawConfig, secretKeys: string[] = []): ConfigProblem[] {
  try {
    parseStackConfig(raw, secretKeys);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected the config to be rejected");
}
