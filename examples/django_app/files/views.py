from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Document


def index(request: HttpRequest) -> HttpResponse:
    """A page of up to 1,000 download links: one ``{{ doc.file.url }}`` (one presigned URL) each."""
    documents = Document.objects.order_by("id")[:1000]
    return render(request, "files/index.html", {"documents": documents})
