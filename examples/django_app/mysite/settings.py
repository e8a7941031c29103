"""A minimal Django project whose FileFields live in S3 through ``s3presign.django.S3Storage``.

The only line that differs from a django-storages project is the BACKEND: ``s3presign.django.S3Storage``
instead of ``storages.backends.s3.S3Storage``. Every OPTION is django-storages' own.

    S3PRESIGN_BUCKET=my-bucket python manage.py migrate
    S3PRESIGN_BUCKET=my-bucket python manage.py seed_files 1000
    S3PRESIGN_BUCKET=my-bucket python manage.py runserver
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "files"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "mysite.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("DJANGO_DATABASE", str(BASE_DIR / "db.sqlite3"))}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STORAGES = {
    "default": {
        "BACKEND": "s3presign.django.S3Storage",  # was: "storages.backends.s3.S3Storage"
        "OPTIONS": {
            "bucket_name": os.environ.get("S3PRESIGN_BUCKET", "my-bucket"),
            "region_name": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            # SigV4 explicitly: left alone, boto3 presigns with SigV2 in us-east-1 and seven other regions.
            "signature_version": "s3v4",
            "endpoint_url": os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"),
            "location": "media",
            "querystring_expire": 600,
            "file_overwrite": True,
        },
    },
}
