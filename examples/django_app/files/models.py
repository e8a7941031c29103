from django.db import models


class Document(models.Model):
    """A file kept in S3 through the default storage; ``doc.file.url`` is a presigned GET URL."""

    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="docs/")
