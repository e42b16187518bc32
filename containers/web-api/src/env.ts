/**
 * The app's environment contract, shared with the infrastructure: workloads/fred-jobs sets `own`,
 * WebAdapterApi and BundledFunction set `host`, and a plan test checks the function gets exactly
 * `variables`; config.ts can read only these names and `UNDEPLOYED_ENV`. It imports nothing: it
 * sits inside the image's build context, and the program imports it (the shape is
 * functions/shared/env.ts's EnvContract).
 */

const host = {
  // BundledFunction's, on every function; the app itself reads none of them.
  NODE_OPTIONS: "required",
  POWERTOOLS_SERVICE_NAME: "required",
  POWERTOOLS_LOG_LEVEL: "required",
  // WebAdapterApi's: the adapter's port and readiness check, the app's port and CORS origins,
  AWS_LWA_PORT: "required",
  AWS_LWA_READINESS_CHECK_PATH: "required",
  PORT: "optional",
  CORS_ORIGINS: "optional",
  // its uploads bucket,
  UPLOAD_BUCKET: "required",
  UPLOAD_PREFIX: "optional",
  // and its database (a secret ARN is required outside APP_ENV test and local).
  DB_HOST: "required",
  DB_PORT: "optional",
  DB_NAME: "required",
  DB_USER: "optional",
  DB_SECRET_ARN: "required",
} as const;

const own = {
  APP_ENV: "required",
  DB_POOL_MAX: "optional",
} as const;

export const WEB_API_ENV = { host, own, variables: { ...host, ...own } } as const;

/**
 * Read by the app, set by no deployment: the image sets DB_SSL_CA_FILE (Dockerfile), Lambda sets
 * AWS_REGION, and only local runs and tests set DB_PASSWORD and DB_SSL.
 */
export const UNDEPLOYED_ENV = ["DB_SSL_CA_FILE", "AWS_REGION", "DB_PASSWORD", "DB_SSL"] as const;

export type EnvName = keyof typeof WEB_API_ENV.variables | (typeof UNDEPLOYED_ENV)[number];

/** The environment as config.ts reads it. */
export type Env = { readonly [K in EnvName]?: string | undefined };
