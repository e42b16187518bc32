/**
 * The variables each hosting component sets on every function it creates, as contracts the
 * functions' own contracts build on (components/*.ts set them with `functionEnvironment`).
 */
import { envContract } from "./env";

/** components/bundled-function.ts: source maps, and Powertools' service name and log level. */
export const BUNDLED_FUNCTION_ENV = envContract({
  NODE_OPTIONS: "required",
  POWERTOOLS_SERVICE_NAME: "required",
  POWERTOOLS_LOG_LEVEL: "required",
});

/** components/scheduled-function.ts: the namespace of the function's EMF metrics. */
export const SCHEDULED_FUNCTION_ENV = envContract(
  { POWERTOOLS_METRICS_NAMESPACE: "required" },
  BUNDLED_FUNCTION_ENV,
);

/** components/signed-api-lambda.ts: CORS origins and the signed upstream, for every route. */
export const SIGNED_API_ENV = envContract(
  {
    ALLOWED_ORIGINS: "required",
    UPSTREAM_BASE_URL: "required",
    UPSTREAM_TIMEOUT_MS: "optional",
    USER_KEY_SECRET_PREFIX: "required",
  },
  BUNDLED_FUNCTION_ENV,
);

/**
 * components/web-adapter-api.ts, zip packaging: the adapter's port, readiness path and wrapper,
 * and the app's port and CORS origins. (The container image's contract is containers/web-api's.)
 */
export const WEB_ADAPTER_ZIP_ENV = envContract(
  {
    AWS_LAMBDA_EXEC_WRAPPER: "required",
    AWS_LWA_PORT: "required",
    AWS_LWA_READINESS_CHECK_PATH: "required",
    PORT: "required",
    CORS_ORIGINS: "optional",
  },
  BUNDLED_FUNCTION_ENV,
);
