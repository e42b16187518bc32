/**
 * The database bootstrap's environment contract: what handler.ts parses and
 * components/shared-postgres.ts sets on top of BundledFunction's variables. Names and ARNs only:
 * the master password stays in its RDS-managed secret.
 */
import { envContract } from "../shared/env";
import { BUNDLED_FUNCTION_ENV } from "../shared/hosts";

export const DB_BOOTSTRAP_ENV = envContract(
  {
    /** The RDS-managed secret of the master user (`{ username, password }`). */
    MASTER_SECRET_ARN: "required",
    DB_HOST: "required",
    DB_PORT: "required",
    /** The database the master user connects to (the instance's initial one). */
    DB_NAME: "required",
    /** PEM bundle trusted for the instance's certificate: the runtime's Amazon CAs. */
    DB_SSL_CA_FILE: "required",
  },
  BUNDLED_FUNCTION_ENV,
);
