"""``python manage.py seed_files 1000``: N small files saved through the storage, one Document each."""

from concurrent.futures import ThreadPoolExecutor

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser

from files.models import Document


def content(i: int) -> bytes:
    return f"file {i}: été\n".encode()


class Command(BaseCommand):
    help = "Save N files through the default storage (S3) and a Document for each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)

    def handle(self, *args: object, count: int, **options: object) -> None:
        def save(i: int) -> Document:
            doc = Document(title=f"Report {i} (été)")
            # FieldFile.save uploads through the storage; the rows are written together below.
            doc.file.save(f"report {i} été.txt", ContentFile(content(i)), save=False)
            return doc

        with ThreadPoolExecutor(8) as pool:  # the storage keeps one boto3 connection per thread
            documents = list(pool.map(save, range(count)))
        Document.objects.bulk_create(documents)
        backend = type(default_storage._wrapped)
        self.stdout.write(f"saved {len(documents)} files through {backend.__module__}.{backend.__name__}")
