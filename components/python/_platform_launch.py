"""Starts a Python ASGI app behind the AWS Lambda Web Adapter; the platform's, not the app's.

run.sh (the function's handler, started by the adapter) runs ``python3 -m _platform_launch
<module:attr>``. Before the app is imported this:

1. reads every secret named in PLATFORM_APP_SECRETS from Secrets Manager (the ARN is in
   ``<NAME>_SECRET_ARN``) into the environment variable ``<NAME>``, so the unchanged app reads
   ``os.environ["<NAME>"]`` while the function's configuration holds only ARNs (GetSecretValue
   signed with the function's own credentials, standard library only);
2. when PLATFORM_IDENTITY_HEADER is set (e.g. ``X-User-ID``), wraps the app so that header is
   never the caller's: any incoming value is dropped and replaced by the identity API Gateway
   verified (Cognito ``sub`` or the IAM caller), taken from the ``x-amzn-request-context``
   header the adapter writes (the adapter overwrites a client-sent one);
3. serves the app with uvicorn on 127.0.0.1:$AWS_LWA_PORT (or $PORT, default 8080).

A secret that cannot be read stops the start with a message naming it: the adapter's readiness
check then fails and the function's log says why.
"""

import datetime
import hashlib
import hmac
import importlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def _fail(message):
    print(f"platform launcher: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def sign_request(body, target, host, region, credentials, amz_date):
    """SigV4 headers of a Secrets Manager JSON request (AWS's documented algorithm, one POST to /).

    The launcher signs with the standard library instead of importing boto3, which alone costs a
    cold start several times more (see workloads/finance-api/README.md); tests check it against
    botocore's.
    """
    access_key, secret_key, token = credentials
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": target,
    }
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    signed_headers = ";".join(names)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{n}:{headers[n]}\n" for n in names),
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/secretsmanager/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode()
    for part in (amz_date[:8], region, "secretsmanager", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return headers


def get_secret_string(arn, environ=os.environ):
    """The SecretString of `arn`, with the function's credentials (Lambda puts them in env)."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise RuntimeError("AWS_REGION is not set")
    endpoint = (
        environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        or f"https://secretsmanager.{region}.amazonaws.com"
    ).rstrip("/")
    credentials = (
        environ.get("AWS_ACCESS_KEY_ID", ""),
        environ.get("AWS_SECRET_ACCESS_KEY", ""),
        environ.get("AWS_SESSION_TOKEN"),
    )
    body = json.dumps({"SecretId": arn}).encode()
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    host = urllib.parse.urlsplit(endpoint).netloc
    headers = sign_request(
        body, "secretsmanager.GetSecretValue", host, region, credentials, amz_date
    )
    request = urllib.request.Request(endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}")
        raise RuntimeError(
            f"{detail.get('__type', error.code)}: {detail.get('message') or detail.get('Message', '')}"
        ) from None
    if "SecretString" not in answer:
        raise RuntimeError("the secret has no string value: set one with put-secret-value")
    return answer["SecretString"]


def load_secrets(environ=os.environ):
    """Copies each secret of PLATFORM_APP_SECRETS into the environment; returns the seconds spent."""
    names = [n.strip() for n in environ.get("PLATFORM_APP_SECRETS", "").split(",") if n.strip()]
    if not names:
        return 0.0
    started = time.perf_counter()
    missing = [n for n in names if not environ.get(f"{n}_SECRET_ARN")]
    if missing:
        _fail(f"{', '.join(f'{n}_SECRET_ARN' for n in missing)} not set")
    for name in names:
        arn = environ[f"{name}_SECRET_ARN"]
        try:
            environ[name] = get_secret_string(arn, environ)
        except Exception as error:  # noqa: BLE001 - any failure stops the start, named
            _fail(f"cannot read {name} from {arn}: {error}")
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
