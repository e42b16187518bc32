"""Starts a Python ASGI app behind the AWS Lambda Web Adapter; the platform's, not the app's.

run.sh (the function's handler, started by the adapter) runs ``python3 -m _platform_launch
<module:attr>``. Before the app is imported this:

1. reads every secret named in PLATFORM_APP_SECRETS from Secrets Manager (the ARN is in
   ``<NAME>_SECRET_ARN``) into the environment variable ``<NAME>``, so the unchanged app reads
   ``os.environ["<NAME>"]`` while the function's configuration holds only ARNs;
2. when PLATFORM_IDENTITY_HEADER is set (e.g. ``X-User-ID``), wraps the app so that header is
   never the caller's: any incoming value is dropped and replaced by the identity API Gateway
   verified (Cognito ``sub`` or the IAM caller), taken from the ``x-amzn-request-context``
   header the adapter writes (the adapter overwrites a client-sent one);
3. serves the app with uvicorn on 127.0.0.1:$AWS_LWA_PORT (or $PORT, default 8080).

A secret that cannot be read stops the start with a message naming it: the adapter's readiness
check then fails and the function's log says why.
"""

import importlib
import json
import os
import sys
import time


def _fail(message):
    print(f"platform launcher: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def load_secrets(environ=os.environ):
    """Copies each secret of PLATFORM_APP_SECRETS into the environment; returns the seconds spent."""
    names = [n.strip() for n in environ.get("PLATFORM_APP_SECRETS", "").split(",") if n.strip()]
    if not names:
        return 0.0
    started = time.perf_counter()
    missing = [n for n in names if not environ.get(f"{n}_SECRET_ARN")]
    if missing:
        _fail(f"{', '.join(f'{n}_SECRET_ARN' for n in missing)} not set")
    import boto3  # the Lambda Python runtime provides it

    # Newer boto3 reads this variable itself; passing it keeps older ones (and tests) on it too.
    endpoint = environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or None
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    try:
        client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=region)
    except Exception as error:  # noqa: BLE001
        _fail(f"cannot create a Secrets Manager client: {error}")
    for name in names:
        arn = environ[f"{name}_SECRET_ARN"]
        try:
            value = client.get_secret_value(SecretId=arn)
        except Exception as error:  # noqa: BLE001 - any failure stops the start, named
            _fail(f"cannot read {name} from {arn}: {error}")
        if "SecretString" not in value:
            _fail(f"{name} ({arn}) has no string value: set one with put-secret-value")
        environ[name] = value["SecretString"]
    return time.perf_counter() - started


def verified_identity(context):
    """The caller API Gateway verified, from its request context; None when there is none."""
    authorizer = context.get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    identity = context.get("identity") or {}
    for candidate in (
        claims.get("sub"),
        identity.get("cognitoIdentityId"),
        identity.get("userArn"),
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


class VerifiedIdentity:
    """ASGI middleware: ``header`` carries the verified caller or is absent, never a client value."""

    def __init__(self, app, header):
        self.app = app
        self.header = header.lower().encode("latin-1")

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != self.header]
            raw = next((v for k, v in headers if k.lower() == b"x-amzn-request-context"), None)
            caller = None
            if raw is not None:
                try:
                    caller = verified_identity(json.loads(raw))
                except (ValueError, AttributeError):
                    caller = None
            if caller is not None:
                headers.append((self.header, caller.encode("utf-8")))
            scope = dict(scope, headers=headers)
        await self.app(scope, receive, send)


def load_app(spec):
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        _fail(f"app {spec!r} is not module:attribute")
    module = importlib.import_module(module_name)
    app = module
    for part in attribute.split("."):
        app = getattr(app, part, None)
        if app is None:
            _fail(f"{module_name} has no {attribute}")
    return app


def main(argv):
    if len(argv) != 2:
        _fail("usage: python3 -m _platform_launch module:attribute")
    seconds = load_secrets()
    if seconds:
        print(f"platform launcher: secrets read in {seconds * 1000:.0f} ms", file=sys.stderr)
    app = load_app(argv[1])
    header = os.environ.get("PLATFORM_IDENTITY_HEADER")
    if header:
        app = VerifiedIdentity(app, header)
    import uvicorn

    port = int(os.environ.get("AWS_LWA_PORT") or os.environ.get("PORT") or "8080")
    uvicorn.run(app, host="127.0.0.1", port=port, proxy_headers=False, access_log=False)


if __name__ == "__main__":
    main(sys.argv)
