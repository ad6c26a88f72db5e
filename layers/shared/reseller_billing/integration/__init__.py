"""Adapters to the AWS services the billing path uses besides DynamoDB: S3, SQS, EventBridge.

Clients are created on first use and kept for the life of the process (warm invocations reuse them)."""
