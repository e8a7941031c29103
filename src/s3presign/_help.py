"""Help for each subcommand (``s3presign help SUBCOMMAND``, ``s3presign SUBCOMMAND --help``);
loaded only when asked for. The whole command's help is ``cli.HELP``.

A front-end helper (of ``cli``): imports nothing of the package.
"""

from __future__ import annotations

__all__ = ["TOPICS"]

TOPICS = {
    "inspect": """\
usage: s3presign inspect URL|POST_JSON|FILE|- [--output table|json]

What a presigned URL grants, read from the URL alone (no secret, no network): the bucket, key,
method, region, signing time, expiry and seconds left, the signed headers, the key id and
whether a session token rides along. A presigned POST is inspected from its JSON (what
--http-method POST printed), a file holding it, or its base64 policy. '-' reads the URL or
the JSON from standard input.

  --output table|json      table on a terminal, json otherwise
""",
    "verify": """\
usage: s3presign verify URL|- [--http-method METHOD] [--header 'Name: value'] [--profile NAME]
                        [--output table|json]

Checks a presigned URL's signature with the secret found locally for its access key id
(environment, the profile, any profile with static keys). Exit 0: valid; 1: invalid or
expired; 253: no local secret for that key id, or --profile names no profile.

  --http-method METHOD     the method the client uses (default GET)
  --header 'Name: value'   a signed header's value as the client sends it (repeatable)
  --profile NAME           look in this profile first (an unknown profile is an error)
  --output table|json      table on a terminal, json otherwise
""",
    "explain": """\
usage: s3presign explain URL [ERROR_FILE|-] [--http-method METHOD] [--header 'Name: value']
                         [--profile NAME] [--output table|json]

Why S3 refused a presigned URL: give the URL and, if you have it, S3's XML error response
(a file, or '-' for standard input). Names the likely causes: expiry, clock skew, the wrong
region or host, a header the client changed, a re-encoded key.
""",
    "providers": """\
usage: s3presign providers [NAME] [--output table|json]

The store presets for --provider: endpoint, region, addressing style, the longest expiry, what
the store refuses and what its documentation does not say; with NAME, the source of every
rule. --output json gives numbers as numbers and lists as lists.
""",
    "serve": """\
usage: s3presign serve --config FILE [--host 127.0.0.1] [--port 8080] [--workers 1]
                       [--proxy-headers [--trusted-proxies 127.0.0.1,::1]] [--header-timeout 10]
                       [--idle-timeout 5] [--max-connections 1000]

The signing service (needs s3presign[serve]): clients ask it over HTTP for presigned URLs
within the rules of the policy FILE. --port 0 picks a free port; the start-up line says which.
SIGTERM or Ctrl-C stops it after the requests in flight.
""",
    "completion": """\
usage: s3presign completion bash|zsh|fish

Prints a shell completion script: options, subcommands, --provider names, and --profile names
read from your AWS config file when you press Tab. Load it with
  bash:  source <(s3presign completion bash)      (or save it in ~/.local/share/bash-completion/completions/s3presign)
  zsh:   source <(s3presign completion zsh)       (after compinit)
  fish:  s3presign completion fish > ~/.config/fish/completions/s3presign.fish
""",
    "help": """\
usage: s3presign help [SUBCOMMAND]

The command's help, or one subcommand's: inspect, verify, explain, cloudfront, providers, serve,
completion.
""",
}
