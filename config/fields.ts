/**
 * Zod field types the platform's and the workloads' settings share, each with the message its
 * config problem reads (`platform:quickbets.rateLimit: must be 1 to 10000`).
 */
import { z } from "zod";
import { isLogRetention, LOG_RETENTION_DAYS } from "../components/profile";

/** An integer from `min` to `max`. */
export const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be ${min} to ${max}` })
    .max(max, { error: `must be ${min} to ${max}` });

/** A retention CloudWatch Logs accepts; `listed` names every accepted value in the message. */
export const logRetention = (listed = false) =>
  z.number({ error: "must be a number of days" }).refine(isLogRetention, {
    error: `must be a CloudWatch Logs retention${listed ? `: ${LOG_RETENTION_DAYS.join(", ")}` : ""}`,
  });

export const httpsBaseUrl = z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/, {
  error: "must be an https:// base URL without a path",
});

export const browserOrigin = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/, {
  error: "must be an exact origin like https://app.example.com (no path, no wildcard)",
});

export const dnsName = z
  .string()
  .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS name" });

export const acmCertificateArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
    error: "must be an ACM certificate ARN",
  });

export const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{1,31}$/, { error: "must be a Route 53 hosted zone id" });

export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "must be an image tag" });

export const emailAddress = z.email({ error: "must be an email address" });

export const trueOrFalse = z.boolean({ error: "must be true or false" });
