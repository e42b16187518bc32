/**
 * The finance app's environment contract. The app is the team's Python code, so the contract cannot
 * be imported by it; it records what the app and the platform's launcher
 * (components/python/_platform_launch.py) read, and a plan test checks the function gets exactly that.
 */
import { envContract } from "../../functions/shared/env";
import { WEB_ADAPTER_ZIP_ENV } from "../../functions/shared/hosts";

/** WebAdapterApi's zip variables, and the ARN of each app secret (FINANCE_SECRETS) it names. */
const FINANCE_HOST_ENV = envContract(
  { MONGODB_URL_SECRET_ARN: "required", GOOGLE_API_KEY_SECRET_ARN: "required" },
  WEB_ADAPTER_ZIP_ENV,
);

export const FINANCE_API_ENV = envContract(
  {
    APP_ENV: "required",
    MONGODB_DATABASE: "required",
    GENAI_MODEL: "required",
    ALLOWED_HOSTS: "required",
    ENFORCE_HTTPS: "required",
    // For the launcher:
    PLATFORM_APP_SECRETS: "required",
    PLATFORM_IDENTITY_HEADER: "required",
  },
  FINANCE_HOST_ENV,
);
