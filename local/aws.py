"""The local AWS: a moto server on loopback, and the template's buckets, queues and user pool created in it.

Physical names are derived from the template's logical ids, and every `!Ref`/`!GetAtt` in the functions'
environment is resolved to them, so the functions read the same variables as in AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.functions import Template

REGION = "ap-southeast-5"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}


def start_moto(port: int, log_path: Path | None = None) -> subprocess.Popen:
    """moto in its own process (so its threads never compete with the gateway's GIL)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **FAKE_CREDENTIALS},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with {proc.returncode}; see {log_path}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)  # noqa: S310 - loopback
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("moto server did not start within 30 s")


def aws_environment(endpoint: str) -> dict[str, str]:
    return {
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def _local_name(logical_id: str) -> str:
    out = []
    for i, ch in enumerate(logical_id):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "creditpilot-local-" + "".join(out)


@dataclass
class Provisioned:
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> what !Ref gives
    arns: dict[str, str] = field(default_factory=dict)  # logical id -> what !GetAtt X.Arn gives


def provision(template: Template, endpoint: str) -> Provisioned:
    import boto3

    env = aws_environment(endpoint)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    s3 = session.client("s3", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    cognito = session.client("cognito-idp", endpoint_url=endpoint)
    out = Provisioned()
    resources = template.resources

    # Queues first (buckets notify them), dead-letter queues before the queues that use them.
    queues = {k: v for k, v in resources.items() if v.get("Type") == "AWS::SQS::Queue"}
    for logical_id in sorted(queues, key=lambda k: "RedrivePolicy" in (queues[k].get("Properties") or {})):
        props = queues[logical_id].get("Properties") or {}
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        redrive = props.get("RedrivePolicy")
        if isinstance(redrive, dict):
            target = redrive.get("deadLetterTargetArn")
            dlq = target.get("Fn::GetAtt", [None])[0] if isinstance(target, dict) else None
            if dlq in out.arns:
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": out.arns[dlq],
                        "maxReceiveCount": str(redrive.get("maxReceiveCount", 5)),
                    }
                )
        url = sqs.create_queue(QueueName=_local_name(logical_id), Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        out.physical[logical_id], out.arns[logical_id] = url, arn

    for logical_id, res in resources.items():
        if res.get("Type") != "AWS::S3::Bucket":
            continue
        name = _local_name(logical_id)
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if name not in existing:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        out.physical[logical_id], out.arns[logical_id] = name, f"arn:aws:s3:::{name}"
        notify = (res.get("Properties") or {}).get("NotificationConfiguration") or {}
        queue_configs = []
        for qc in notify.get("QueueConfigurations") or []:
            queue = qc.get("Queue")
            queue_id = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
            if queue_id in out.arns:
                entry: dict[str, Any] = {"QueueArn": out.arns[queue_id], "Events": [qc.get("Event")]}
                rules = ((qc.get("Filter") or {}).get("S3Key") or {}).get("Rules")
                if rules:
                    entry["Filter"] = {"Key": {"FilterRules": rules}}
                queue_configs.append(entry)
        if queue_configs:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": queue_configs}
            )

    pools = [k for k, v in resources.items() if v.get("Type") == "AWS::Cognito::UserPool"]
    for logical_id in pools:
        name = _local_name(logical_id)
        found = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
        pool_id = (
            found[0]["Id"]
            if found
            else cognito.create_user_pool(
                PoolName=name, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
            )["UserPool"]["Id"]
        )
        out.physical[logical_id] = pool_id
        out.arns[logical_id] = f"arn:aws:cognito-idp:{REGION}:000000000000:userpool/{pool_id}"
    for logical_id, res in resources.items():
        props = res.get("Properties") or {}
        pool = props.get("UserPoolId", {})
        pool_id = out.physical.get(pool.get("Ref")) if isinstance(pool, dict) else None
        if res.get("Type") == "AWS::Cognito::UserPoolClient" and pool_id:
            name = _local_name(logical_id)
            clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
            match = [c for c in clients if c["ClientName"] == name]
            client_id = (
                match[0]["ClientId"]
                if match
                else cognito.create_user_pool_client(
                    UserPoolId=pool_id,
                    ClientName=name,
                    GenerateSecret=False,
                    ExplicitAuthFlows=props.get("ExplicitAuthFlows") or ["ALLOW_USER_PASSWORD_AUTH"],
                )["UserPoolClient"]["ClientId"]
            )
            out.physical[logical_id] = client_id
        if res.get("Type") == "AWS::Cognito::UserPoolGroup" and pool_id:
            group = props.get("GroupName")
            try:
                cognito.create_group(
                    GroupName=group, UserPoolId=pool_id, Description=props.get("Description", "")
                )
            except cognito.exceptions.GroupExistsException:
                pass
    return out


def ensure_user(endpoint: str, pool_id: str, email: str, password: str, groups: list[str]) -> None:
    import boto3

    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    try:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
    except cognito.exceptions.UsernameExistsException:
        pass
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)


def resolve_environment(
    template: Template, provisioned: Provisioned, overrides: dict[str, str]
) -> dict[str, str]:
    """The union of every function's environment with references resolved to local resources.

    Locally all functions share one process, hence one environment; the variables hold the same names
    in every function, so the union loses nothing."""
    env: dict[str, str] = {}
    for spec in template.functions().values():
        for key, value in spec.environment.items():
            resolved = _resolve(template, provisioned, value)
            if resolved is not None:
                env[key] = resolved
    env.update(overrides)
    return env


def _resolve(template: Template, provisioned: Provisioned, value: Any) -> str | None:
    if isinstance(value, (str, int, float, bool)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict):
        if "Ref" in value:
            ref = value["Ref"]
            if ref in provisioned.physical:
                return provisioned.physical[ref]
            default = template.parameter_default(ref)
            return None if default is None else str(default)
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            logical = target[0] if isinstance(target, list) else str(target).split(".")[0]
            return provisioned.arns.get(logical)
    return None  # !Sub, !If ... describe AWS-only values (endpoints, ARNs): the local overrides supply those
