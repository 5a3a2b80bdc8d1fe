"""Amazon S3 and S3-compatible object stores (MinIO, Ceph, R2...) through aiobotocore."""
