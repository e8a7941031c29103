"""The signing service: an ASGI app that presigns for browsers and apps under a policy.

    >>> from s3presign.service import App, load_policy
    >>> app = App(load_policy("presign.toml"))        # run it: s3presign serve --config presign.toml

Needs no dependency to build or mount (FastAPI/Starlette: ``app.mount("/presign", App(policy))``);
``s3presign serve`` runs it with uvicorn (``pip install 's3presign[serve]'``).
"""

from ._app import App
from ._policy import Policy, load_policy, parse_policy, sanitize_filename

__all__ = ["App", "Policy", "load_policy", "parse_policy", "sanitize_filename"]
