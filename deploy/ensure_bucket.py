"""Create the S3 bucket named by S3_BUCKET when it does not exist yet (the ``setup`` step).

The bucket is private: the application signs its own requests and serves files through its
permission checks (shop/core/s3.py); nothing here makes it public."""

import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def main() -> int:
    if os.environ.get("STORAGE_BACKEND", "local") != "s3":
        return 0
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        aws_access_key_id=os.environ["S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["S3_SECRET_KEY"],
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path")}),
    )
    bucket = os.environ["S3_BUCKET"]
    deadline = time.monotonic() + 120
    while True:
        try:
            try:
                client.head_bucket(Bucket=bucket)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                    raise
                client.create_bucket(Bucket=bucket)
                print(f"created bucket {bucket}")
            return 0
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                print(f"S3 bucket {bucket} not reachable: {exc}", file=sys.stderr)
                return 1
            time.sleep(2)


if __name__ == "__main__":
    sys.exit(main())
