/** `platform:financeApi`: the team's FastAPI app behind the Lambda Web Adapter, and its secrets. */
import { z } from "zod";
import {
  acmCertificateArn,
  browserOrigin,
  dnsName,
  emailAddress,
  hostedZoneId,
  logRetention,
  trueOrFalse,
  wholeNumber,
} from "../../config/fields";
import { workloadSettings, type SettingsOf } from "../../config/workload";

export const financeApiSettings = workloadSettings({
  key: "financeApi",
  schema: z
    .strictObject({
      appDir: z
        .string()
        .min(1, { error: "must be a directory" })
        .optional()
        .describe(
          "Directory of the team's FastAPI app (absolute or relative to the project), packaged at preview; required before pulumi preview/up",
        ),
      app: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$/, {
          error: "must be module:attribute, e.g. main:app",
        })
        .default("main:app")
        .describe("The ASGI app uvicorn serves, module:attribute"),
      requirementsFile: z
        .string()
        .default("requirements.txt")
        .describe("Pinned requirements, relative to appDir (or absolute)"),
      pythonVersion: z
        .enum(["3.13"], { error: "must be 3.13" })
        .default("3.13")
        .describe("CPython of the Lambda runtime (arm64)"),
      memorySize: wholeNumber(128, 10240).default(1024).describe("Memory of the function, MB"),
      timeout: wholeNumber(1, 900).default(30).describe("Timeout of the function, seconds"),
      corsOrigins: z
        .array(browserOrigin)
        .default([])
        .describe("Browser origins allowed to call the API"),
      rateLimit: wholeNumber(1, 10000).default(500).describe("Stage-wide requests per second"),
      burstLimit: wholeNumber(1, 5000).default(1000).describe("Stage-wide burst of requests"),
      binaryMediaTypes: z
        .array(z.string().regex(/^[a-z*]+\/[A-Za-z0-9.+*-]+$/, { error: "must be a media type" }))
        .default(["multipart/form-data", "application/octet-stream", "image/*", "application/pdf"])
        .describe("Content types API Gateway passes as binary (file uploads and downloads)"),
      logRetentionDays: logRetention()
        .default(30)
        .describe("Retention of the function's and the API's logs, days"),
      authorization: z
        .enum(["iam", "cognito"], { error: "must be iam or cognito" })
        .default("iam")
        .describe("Who may call every route but /health: IAM (SigV4) or a Cognito user pool token"),
      cognitoUserPoolArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/, {
          error: "must be a Cognito user pool ARN",
        })
        .optional()
        .describe("The user pool whose tokens cognito authorization accepts"),
      mongodbDatabase: z
        .string()
        .regex(/^[^/\\. "$]{1,63}$/, { error: "must be a MongoDB database name" })
        .default("financial_tracker")
        .describe("MONGODB_DATABASE of the app"),
      genaiModel: z
        .string()
        .min(1)
        .default("models/gemini-2.5-flash")
        .describe("GENAI_MODEL of the app"),
      allowedHosts: z.string().default("*").describe("ALLOWED_HOSTS of the app"),
      enforceHttps: trueOrFalse
        .default(false)
        .describe("ENFORCE_HTTPS of the app (API Gateway already serves HTTPS only)"),
      wafRateLimit: wholeNumber(100, 2000000000)
        .default(2000)
        .describe("Requests per 5 minutes from one IP before the WAF blocks it (prod)"),
      domainName: dnsName.optional().describe("Custom domain of the API (needs certificateArn)"),
      certificateArn: acmCertificateArn
        .optional()
        .describe("ACM certificate of domainName, in the home region"),
      hostedZoneId: hostedZoneId
        .optional()
        .describe("Route 53 zone in which to alias domainName to the API"),
      alertEmail: emailAddress.optional().describe("Subscribed to the API's alarm topic"),
    })
    .superRefine((f, ctx) => {
      if ((f.domainName === undefined) !== (f.certificateArn === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [f.domainName === undefined ? "domainName" : "certificateArn"],
          message: "is required with domainName and certificateArn together",
        });
      }
      if (f.hostedZoneId !== undefined && f.domainName === undefined) {
        ctx.addIssue({ code: "custom", path: ["hostedZoneId"], message: "needs domainName" });
      }
      if (f.authorization === "cognito" && f.cognitoUserPoolArn === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["cognitoUserPoolArn"],
          message: "is required with authorization cognito",
        });
      }
    })
    .prefault({})
    .describe(
      "The finance API: the team's FastAPI app as a zip behind the Lambda Web Adapter (home region)",
    ),
  secrets: {
    financeMongodbUrl: "MongoDB Atlas connection string of the finance API (its MONGODB_URL)",
    financeGoogleApiKey: "Google Generative AI key of the finance API (its GOOGLE_API_KEY)",
  },
});

export type FinanceApiSettings = SettingsOf<typeof financeApiSettings>;
