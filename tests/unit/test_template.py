"""template.yaml: what a deploy would get wrong if these broke - a route open to the internet, a bucket
readable by anyone, a function with nobody's code behind it, a stack that does not lint or build."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from glob import glob
from pathlib import Path

import pytest

from local.cfn_yaml import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAM = ROOT / ".local" / "tools" / "sam" / "bin" / "sam"
INSTALL_SAM = ROOT / "local" / "install_sam.sh"
# cfn-lint and SAM both know the Malaysia region; samconfig.toml deploys there.
REGION = "ap-southeast-5"

PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("GET", "/login"),
    ("POST", "/loans/rates/refresh"),
}
FONTS = ("DroidSansFallbackFull.ttf", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template(TEMPLATE)


def _resources(template: dict, type_name: str) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == type_name}


def _functions(template: dict) -> dict[str, dict]:
    return _resources(template, "AWS::Serverless::Function")


def _api_events(template: dict):
    for name, fn in _functions(template).items():
        for event_name, event in (fn["Properties"].get("Events") or {}).items():
            if event["Type"] == "Api":
                yield name, event_name, event["Properties"]


def _route(props: dict) -> tuple[str, str]:
    return str(props["Method"]).upper(), props["Path"]


def _tool_env() -> dict[str, str]:
    """The environment for SAM: no telemetry, and none of the test session's moto endpoints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("AWS_DEFAULT_REGION", REGION)
    return env


def _sam() -> Path:
    if not SAM.exists():
        done = subprocess.run(["bash", str(INSTALL_SAM)], capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"local/install_sam.sh failed:\n{done.stderr[-3000:]}"
    return SAM


def _python312_bin_dir() -> str:
    """sam build (no container) needs a real python3.12 first on PATH; pyenv's shim does not count."""
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    if shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            pyenv_root = found.stdout.strip()
    candidates = sorted(glob(f"{pyenv_root}/versions/3.12.*/bin"))
    if candidates:
        return candidates[-1]
    if Path("/usr/bin/python3.12").exists():
        return "/usr/bin"
    pytest.fail(
        "sam build needs python3.12: none under $(pyenv root)/versions/3.12.*/bin nor /usr/bin/python3.12"
    )


# ------------------------------------------------------------------ linters


def test_cfn_lint_reports_no_errors():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    command = str(cfn_lint) if cfn_lint.exists() else shutil.which("cfn-lint")
    assert command, "cfn-lint is not installed in the project's venv"
    done = subprocess.run(
        [command, "--format", "parseable", "--regions", REGION, "--", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Exit status is a bit mask: 1 = cfn-lint itself failed, 2 = errors, 4 = warnings, 8 = informational.
    assert done.returncode & 1 == 0, done.stderr
    errors = [line for line in done.stdout.splitlines() if re.search(r":E\d{4}:", line)]
    assert not errors and done.returncode & 2 == 0, "\n".join(errors) or done.stdout


@pytest.mark.slow
def test_sam_validate_lint_passes():
    done = subprocess.run(
        [str(_sam()), "validate", "--lint", "--region", REGION, "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=_tool_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_sam_build_packs_the_creditpilot_package_and_fonts_into_the_layer(tmp_path):
    env = _tool_env()
    env["PATH"] = _python312_bin_dir() + os.pathsep + env.get("PATH", "")
    build_dir = tmp_path / "build"
    done = subprocess.run(
        [
            str(_sam()),
            "build",
            "--no-cached",
            "--build-dir",
            str(build_dir),
            "--region",
            REGION,
            "--template-file",
            str(TEMPLATE),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]

    layer = build_dir / "SharedLayer" / "python"
    assert (layer / "creditpilot" / "__init__.py").is_file()
    assert not list((layer / "creditpilot").rglob("__pycache__"))
    for font in FONTS:
        assert (layer / "creditpilot" / "invoices" / "pdf" / "fonts" / font).is_file(), font
    # Wheels for the Lambda platform, not for the build machine.
    assert list(layer.glob("pydantic_core/*aarch64*.so")), "pydantic_core is not the arm64 build"
    assert not (layer / "botocore").exists(), "boto3/botocore come with the runtime"
    size = sum(f.stat().st_size for f in layer.rglob("*") if f.is_file())
    assert size < 250 * 1024 * 1024, f"layer is {size / 2**20:.0f} MiB unzipped; Lambda allows 250 MiB in all"
    for name in _functions(load_template(TEMPLATE)):
        assert (build_dir / name).is_dir(), f"sam build produced no artifact for {name}"


# ---------------------------------------------------------------- functions


def test_every_function_code_dir_has_an_app_py_defining_lambda_handler(template):
    for name, fn in _functions(template).items():
        code_uri = fn["Properties"]["CodeUri"]
        assert code_uri.startswith("functions/"), f"{name}: CodeUri {code_uri}"
        app = ROOT / code_uri / "app.py"
        assert app.is_file(), f"{name}: {app.relative_to(ROOT)} is missing"
        tree = ast.parse(app.read_text(encoding="utf-8"), filename=str(app))
        defined = {
            node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        } | {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "lambda_handler" in defined, f"{name}: {app.relative_to(ROOT)} defines no lambda_handler"


def test_every_function_has_its_own_policies_and_no_shared_role(template):
    globals_fn = template["Globals"]["Function"]
    assert "Role" not in globals_fn and "Policies" not in globals_fn
    roles = []
    for name, fn in _functions(template).items():
        props = fn["Properties"]
        assert "Policies" in props or "Role" in props, f"{name} declares no policies of its own"
        if "Role" in props:
            roles.append(str(props["Role"]))
        for policy in props.get("Policies") or []:
            assert not (isinstance(policy, str) and "FullAccess" in policy), f"{name}: {policy}"
    assert len(roles) == len(set(roles)), "two functions share one role"


def test_functions_that_reach_the_database_run_in_the_private_subnets(template):
    for name, fn in _functions(template).items():
        props = fn["Properties"]
        policies = str(props.get("Policies"))
        reads_db_secret = "MasterUserSecret.SecretArn" in policies
        if name in ("AuthFunction", "AuthorizerFunction"):
            assert "VpcConfig" not in props, f"{name} needs no VPC (Cognito is a public endpoint)"
        else:
            assert reads_db_secret, f"{name} cannot read the database secret"
            assert props["VpcConfig"]["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]


def test_environment_names_secrets_but_never_holds_their_values(template):
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    for required in (
        "ENV",
        "VERSION",
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_SECRET_ARN",
        "DB_SSL",
        "APP_SECRET_ARN",
        "CORS_ALLOW",
        "INVOICES_BUCKET",
        "RECEIPTS_BUCKET",
        "SNAPSHOTS_BUCKET",
        "RECEIPTS_QUEUE_URL",
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_ID",
        "POWERTOOLS_METRICS_NAMESPACE",
    ):
        assert required in env, required
    all_names = set(env)
    for fn in _functions(template).values():
        all_names |= set(((fn["Properties"].get("Environment") or {}).get("Variables")) or {})
    secret_keys = {"FERNET_KEY", "LOANS_REFRESH_KEY", "SENDGRID_API_KEY", "TWILIO_SID", "TWILIO_TOKEN"}
    assert not all_names & secret_keys, "secret values belong in AppSecret, not the environment"


# -------------------------------------------------------------------- routes


def test_every_api_event_names_its_method_and_path_explicitly(template):
    events = list(_api_events(template))
    assert events
    for name, event_name, props in events:
        where = f"{name}.{event_name}"
        assert props.get("RestApiId") == {"Ref": "Api"}, where
        assert str(props.get("Method", "")).upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}, where
        path = props.get("Path", "")
        assert path.startswith("/") and "+}" not in path, f"{where}: {path}"


def test_routes_are_unique(template):
    routes = [_route(props) for _, _, props in _api_events(template)]
    duplicates = {route for route in routes if routes.count(route) > 1}
    assert not duplicates


def test_only_health_login_and_rates_refresh_are_public(template):
    public = {
        _route(props)
        for _, _, props in _api_events(template)
        if (props.get("Auth") or {}).get("Authorizer") == "NONE"
    }
    assert public == PUBLIC_ROUTES


def test_session_authorizer_guards_every_other_route_without_caching(template):
    auth = template["Resources"]["Api"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "SessionAuthorizer"
    authorizer = auth["Authorizers"]["SessionAuthorizer"]
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["FunctionArn"] == {"Ref": "AuthorizerFunction.Alias"}
    # The token may come from a header or a cookie: no required identity source, no cached result.
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    for _, _, props in _api_events(template):
        authorizer_name = (props.get("Auth") or {}).get("Authorizer", "SessionAuthorizer")
        assert authorizer_name in {"SessionAuthorizer", "NONE"}


def test_gateway_errors_use_the_app_error_shape(template):
    responses = template["Resources"]["Api"]["Properties"]["GatewayResponses"]
    expected = {"UNAUTHORIZED": "401", "ACCESS_DENIED": "403", "THROTTLED": "429"}
    for kind, status in expected.items():
        assert responses[kind]["StatusCode"] == status
    for kind in (*expected, "DEFAULT_4XX", "DEFAULT_5XX"):
        body = responses[kind]["ResponseTemplates"]["application/json"]
        assert body.startswith('{"ok": false, "error": "'), kind
        assert "Access-Control-Allow-Origin" in responses[kind]["ResponseParameters"]["Headers"], kind


# ------------------------------------------------------------------- storage


def test_every_bucket_blocks_public_access_is_encrypted_and_tls_only(template):
    buckets = _resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"InvoicesBucket", "ReceiptsBucket", "SnapshotsBucket"}
    policies = {
        policy["Properties"]["Bucket"]["Ref"]: policy["Properties"]["PolicyDocument"]
        for policy in _resources(template, "AWS::S3::BucketPolicy").values()
    }
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        block = props["PublicAccessBlockConfiguration"]
        assert all(
            block.get(flag) is True
            for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        ), name
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}, name
        assert props["VersioningConfiguration"]["Status"] == "Enabled", name
        denies_plain_http = [
            statement
            for statement in policies[name]["Statement"]
            if statement["Effect"] == "Deny"
            and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies_plain_http, f"{name} accepts plain HTTP"


def test_receipt_uploads_reach_the_queue_which_has_a_dead_letter_queue(template):
    resources = template["Resources"]
    notification = resources["ReceiptsBucket"]["Properties"]["NotificationConfiguration"]
    (queue_config,) = notification["QueueConfigurations"]
    assert queue_config["Event"] == "s3:ObjectCreated:*"
    assert queue_config["Queue"] == {"Fn::GetAtt": ["ReceiptsQueue", "Arn"]}
    assert queue_config["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    redrive = resources["ReceiptsQueue"]["Properties"]["RedrivePolicy"]
    assert redrive == {"deadLetterTargetArn": {"Fn::GetAtt": ["ReceiptsDLQ", "Arn"]}, "maxReceiveCount": 5}
    # The queue policy names the bucket by the same name the bucket is given (no !Ref: that is a cycle).
    bucket_name = resources["ReceiptsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    (statement,) = resources["ReceiptsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    source_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert source_arn == "arn:${AWS::Partition}:s3:::" + bucket_name
    assert resources["ReceiptsBucket"]["DependsOn"] == "ReceiptsQueuePolicy"


# ------------------------------------------------------------------- outputs


def test_outputs_name_the_api_url_every_function_and_every_bucket(template):
    outputs = template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/live"
    }
    for name in _functions(template):
        assert outputs[f"{name}Arn"]["Value"] == {"Fn::GetAtt": [name, "Arn"]}
    for name in _resources(template, "AWS::S3::Bucket"):
        assert outputs[f"{name}Name"]["Value"] == {"Ref": name}
    for name in (
        "ReceiptsQueueUrl",
        "ReceiptsDLQUrl",
        "UserPoolId",
        "UserPoolClientId",
        "DBClusterEndpoint",
        "DBProxyEndpoint",
        "DBSecretArn",
        "AppSecretArn",
    ):
        assert name in outputs, name
