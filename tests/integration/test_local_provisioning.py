"""The local stack provisions what template.yaml declares and hands the functions its names and ARNs."""

from __future__ import annotations

import boto3

from infra import template
from infra.local.aws import REGION


def test_the_cursor_key_secret_is_made_as_cloudformation_would(aws):
    (secret,) = template.of_type("AWS::SecretsManager::Secret").values()
    length = secret["Properties"]["GenerateSecretString"]["PasswordLength"]
    arn = aws.function_environment()["CURSOR_KEY_SECRET_ARN"]
    assert arn.startswith(f"arn:aws:secretsmanager:{REGION}:")
    value = boto3.client("secretsmanager", region_name=REGION).get_secret_value(SecretId=arn)["SecretString"]
    assert len(value) == length
    assert value.isalnum(), "ExcludePunctuation: letters and digits only"
