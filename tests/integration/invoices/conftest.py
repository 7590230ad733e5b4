import boto3
import pytest

from creditpilot.invoices.pdf import render_invoice_pdf
from creditpilot.invoices.profile import load_profile
from creditpilot.invoices.service import InvoiceDeps
from creditpilot.platform.config import StorageSettings
from creditpilot.platform.crypto import FieldCipher
from creditpilot.platform.storage import ObjectStore

INVOICES_BUCKET = "test-invoices"
EXPORTS_BUCKET = "test-exports"


@pytest.fixture(scope="session")
def buckets(moto_endpoint):
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="ap-southeast-5")
    for name in (INVOICES_BUCKET, EXPORTS_BUCKET):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-5"})
    return s3


@pytest.fixture
def store(moto_endpoint, buckets):
    return ObjectStore(StorageSettings(endpoint_url=moto_endpoint, region="ap-southeast-5"))


@pytest.fixture
def deps(db, store):
    import os

    return InvoiceDeps(
        db=db,
        store=store,
        bucket=INVOICES_BUCKET,
        exports_bucket=EXPORTS_BUCKET,
        profile=load_profile(),
        render=render_invoice_pdf,
        cipher=FieldCipher(os.environ["FERNET_KEY"]),
    )


@pytest.fixture
def invoices_app(app_env, buckets):
    from tests.support.events import load_function

    app_env.setenv("INVOICES_BUCKET", INVOICES_BUCKET)
    app_env.setenv("SNAPSHOTS_BUCKET", EXPORTS_BUCKET)
    from creditpilot.platform import config

    config.reset_settings_cache()
    return load_function("invoices")
