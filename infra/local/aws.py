"""Create template.yaml's table, buckets, queues, event buses and secrets in moto, and resolve the functions'
environment variables (`!Ref Table`, `!GetAtt Queue.Arn`, ...) to what was created."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra import template

REGION = "eu-west-1"


@dataclass
class LocalResources:
    parameters: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> what !Ref gives
    arns: dict[str, str] = field(default_factory=dict)  # logical id -> !GetAtt X.Arn

    def resolve(self, value: Any) -> str:
        """A template value (string or intrinsic) as a string, for environment variables."""
        if isinstance(value, str | int | float):
            return str(value)
        if "Ref" in value:
            name = value["Ref"]
            return self.parameters[name] if name in self.parameters else self.refs[name]
        if "Fn::GetAtt" in value:
            name, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"cannot resolve {name}.{attribute} locally")
            return self.arns[name]
        raise ValueError(f"cannot resolve {value!r} locally")

    def function_environment(self) -> dict[str, str]:
        """Globals + every function's variables (they agree where they overlap)."""
        loaded = template.document()
        variables = dict(loaded.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
        for resource in template.of_type("AWS::Serverless::Function").values():
            variables.update(resource["Properties"].get("Environment", {}).get("Variables", {}))
        return {name: self.resolve(value) for name, value in variables.items()}


def parameter_defaults(overrides: dict[str, str]) -> dict[str, str]:
    defaults = {name: str(p.get("Default", "")) for name, p in template.document().get("Parameters", {}).items()}
    return {**defaults, **overrides}


def configure_bucket(s3: Any, bucket: str, props: dict[str, Any]) -> None:
    """The template's versioning, default encryption and public access block, so the local bucket behaves
    like the deployed one (a put makes a new version). Lifecycle rules and access logging are not applied:
    moto never expires objects nor delivers server access logs."""
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "BucketEncryption" in props:
        rules = [  # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )


def configure_notifications(s3: Any, bucket: str, props: dict[str, Any], resources: LocalResources) -> None:
    """The template's S3 -> SQS notifications (event, queue, key prefix), so that an upload reaches its queue
    locally as it does in AWS (moto sends the notification to its SQS)."""
    queues = props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
    if not queues:
        return
    configurations = []
    for queue in queues:
        configuration: dict[str, Any] = {"QueueArn": resources.resolve(queue["Queue"]), "Events": [queue["Event"]]}
        rules = queue.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        if rules:
            configuration["Filter"] = {
                "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
            }
        configurations.append(configuration)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configurations}
    )


def generated_secret(secretsmanager: Any, generate: dict[str, Any]) -> str:
    """A value made as CloudFormation would from the secret's `GenerateSecretString` (a plain string: the
    JSON form, `SecretStringTemplate` + `GenerateStringKey`, is not used by the template)."""
    if "SecretStringTemplate" in generate or "GenerateStringKey" in generate:
        raise ValueError("GenerateSecretString with a SecretStringTemplate is not provisioned locally")
    password: str = secretsmanager.get_random_password(**generate)["RandomPassword"]
    return password


def provision(parameters: dict[str, str]) -> LocalResources:
    """Create every stateful resource of template.yaml in the AWS that boto3 points at (moto)."""
    made = LocalResources(parameters=parameter_defaults(parameters))
    stage = made.parameters.get("Stage", "local")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for name in template.of_type("AWS::DynamoDB::Table"):
        table_name = f"reseller-billing-{stage}"
        dynamodb.create_table(TableName=table_name, **template.table_definition())
        dynamodb.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True}
        )
        made.refs[name] = table_name
        made.arns[name] = f"arn:aws:dynamodb:{REGION}:123456789012:table/{table_name}"
    s3 = boto3.client("s3", region_name=REGION)
    for name, resource in template.of_type("AWS::S3::Bucket").items():
        bucket = f"reseller-billing-{stage}-{name.lower()}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        configure_bucket(s3, bucket, resource.get("Properties", {}))
        made.refs[name] = bucket
        made.arns[name] = f"arn:aws:s3:::{bucket}"
    sqs = boto3.client("sqs", region_name=REGION)
    queues = template.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    for name in sorted(queues, key=lambda n: "RedrivePolicy" in queues[n].get("Properties", {})):
        props = queues[name].get("Properties", {})
        attributes = {
            key: str(props[key])
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds")
            if key in props
        }
        if "RedrivePolicy" in props:
            redrive = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": made.resolve(redrive["deadLetterTargetArn"]),
                    "maxReceiveCount": int(redrive["maxReceiveCount"]),
                }
            )
        url = sqs.create_queue(QueueName=f"reseller-billing-{stage}-{name}", Attributes=attributes)["QueueUrl"]
        made.refs[name] = url
        made.arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for name, resource in template.of_type("AWS::S3::Bucket").items():
        configure_notifications(s3, made.refs[name], resource.get("Properties", {}), made)
    events = boto3.client("events", region_name=REGION)
    for name in template.of_type("AWS::Events::EventBus"):
        bus = f"reseller-billing-{stage}"
        made.arns[name] = events.create_event_bus(Name=bus)["EventBusArn"]
        made.refs[name] = bus
    secretsmanager = boto3.client("secretsmanager", region_name=REGION)
    for name, resource in template.of_type("AWS::SecretsManager::Secret").items():
        value = generated_secret(secretsmanager, resource["Properties"]["GenerateSecretString"])
        created = secretsmanager.create_secret(Name=f"reseller-billing-{stage}-{name}", SecretString=value)
        made.refs[name] = created["ARN"]  # !Ref of a secret is its ARN
    return made
