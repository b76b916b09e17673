# boto3's managed transfer, one operation per process, for
# `cargo xtask bench transfer` (run by `transfer_bench run`, which embeds
# this file). Arguments: OP URL FILE SIZE BUCKET KEY, where OP is `upload`
# (upload_file FILE to BUCKET/KEY) or `download` (download_file BUCKET/KEY to
# FILE). Prints one JSON line; only the transfer call itself is timed.
import json
import resource
import sys
import time

op, url, path, size, bucket, key = sys.argv[1:7]
size = int(size)


def emit(**fields):
    print(json.dumps(dict(mode="boto3", op=op, **fields)), flush=True)


try:
    import boto3
    import botocore
    import s3transfer
    from boto3.s3.transfer import TransferConfig
except ImportError as e:
    emit(error=f"boto3 is not importable ({e}): pip install boto3==1.43.11")
    sys.exit(3)

try:
    import awscrt  # noqa: F401

    crt = "installed"
except ImportError:
    crt = "not installed"

s3 = boto3.client(
    "s3",
    endpoint_url=url,
    region_name="us-east-1",
    aws_access_key_id="x",
    aws_secret_access_key="x",
)
# boto3's defaults: 8 MiB threshold and parts, 10 threads.
config = TransferConfig()

before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
try:
    if op == "upload":
        s3.upload_file(path, bucket, key, Config=config)
    else:
        s3.download_file(bucket, key, path, Config=config)
except Exception as e:  # reported, not raised: the driver names the row
    emit(error=f"{type(e).__name__}: {e}")
    sys.exit(1)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
emit(
    bytes=size,
    seconds=seconds,
    mib_per_s=size / seconds / 2**20,
    # ru_maxrss is in KiB on Linux.
    peak_rss_mib=after.ru_maxrss / 1024,
    cpu_user_s=after.ru_utime - before.ru_utime,
    cpu_sys_s=after.ru_stime - before.ru_stime,
    versions=f"boto3 {boto3.__version__}, botocore {botocore.__version__}, "
    f"s3transfer {s3transfer.__version__}, awscrt {crt}, "
    f"python {sys.version.split()[0]}",
    multipart_chunksize=config.multipart_chunksize,
    max_concurrency=config.max_concurrency,
)
