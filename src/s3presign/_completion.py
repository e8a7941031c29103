"""Shell completion scripts: ``s3presign completion bash|zsh|fish``; loaded only by that subcommand.

The script is generated from the command's own option tables (the caller passes them), so it
never lists an option the command does not take. Profile names are read when Tab is pressed,
by the shell itself from ``$AWS_CONFIG_FILE`` (default ``~/.aws/config``: ``[profile NAME]``
and ``[default]``) and ``$AWS_SHARED_CREDENTIALS_FILE`` (``[NAME]``): no Python start-up per Tab.

A front-end helper (of ``cli``): imports nothing of the package; ``cli`` passes its tables in.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["SHELLS", "script"]

SHELLS = ("bash", "zsh", "fish")

# sed programs that print profile names: config file sections, then credentials file sections
_CONFIG_SED = r"s/^[[:space:]]*\[[[:space:]]*profile[[:space:]]\{1,\}\([^]]*[^][:space:]]\)[[:space:]]*\].*/\1/p; s/^[[:space:]]*\[[[:space:]]*default[[:space:]]*\].*/default/p"
_CREDENTIALS_SED = r"s/^[[:space:]]*\[[[:space:]]*\([^][:space:]]*\)[[:space:]]*\].*/\1/p"
_PROFILES = (f"{{ sed -n '{_CONFIG_SED}' \"${{AWS_CONFIG_FILE:-$HOME/.aws/config}}\"; "
             f"sed -n '{_CREDENTIALS_SED}' \"${{AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}}\"; }} "
             "2>/dev/null | sort -u")


def script(shell: str, *, options: Sequence[str], subcommands: Sequence[str], values: Mapping[str, Sequence[str]],
           files: Sequence[str]) -> str:
    """The completion script for ``shell``: ``script("bash", options=["--region"], subcommands=["inspect"],
    values={"--provider": ["r2"]}, files=["--input"])``. ``values``: an option's fixed choices;
    ``files``: options that take a file name; ``--profile`` completes profile names."""
    if shell not in SHELLS:
        raise ValueError(f"s3presign completion takes bash, zsh or fish, not {shell!r}")
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](sorted(options), list(subcommands), values, files)


def _words(items: Iterable[str]) -> str:
    return " ".join(items)


def _bash(options: list[str], subcommands: list[str], values: Mapping[str, Sequence[str]], files: Sequence[str]) -> str:
    cases = "\n".join(f"        {name}) COMPREPLY=($(compgen -W '{_words(choices)}' -- \"$cur\")); return ;;"
                      for name, choices in values.items())
    return f"""\
# s3presign completion for bash: source <(s3presign completion bash)
_s3presign_profiles() {{
    {_PROFILES}
}}
_s3presign() {{
    local cur prev
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
        --profile) local IFS=$'\n'; COMPREPLY=($(compgen -W "$(_s3presign_profiles)" -- "$cur")); return ;;
{cases}
        {'|'.join(files)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [ "$COMP_CWORD" -eq 2 ] && [ "${{COMP_WORDS[1]}}" = completion ]; then
        COMPREPLY=($(compgen -W '{_words(SHELLS)}' -- "$cur")); return
    fi
    if [ "$COMP_CWORD" -eq 2 ] && [ "${{COMP_WORDS[1]}}" = help ]; then
        COMPREPLY=($(compgen -W '{_words(s for s in subcommands if s != "help")}' -- "$cur")); return
    fi
    case "$cur" in
        -*) COMPREPLY=($(compgen -W '{_words(options)}' -- "$cur")) ;;
        *) if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W '{_words(subcommands)} s3://' -- "$cur")); fi ;;
    esac
}}
complete -o default -F _s3presign s3presign
"""


def _zsh(options: list[str], subcommands: list[str], values: Mapping[str, Sequence[str]], files: Sequence[str]) -> str:
    cases = "\n".join(f"        {name}) compadd -- {_words(choices)}; return ;;" for name, choices in values.items())
    return f"""\
#compdef s3presign
# s3presign completion for zsh: source <(s3presign completion zsh) (after compinit)
_s3presign_profiles() {{
    {_PROFILES}
}}
_s3presign() {{
    local prev="${{words[CURRENT-1]}}" cur="${{words[CURRENT]}}"
    case "$prev" in
        --profile) compadd -- ${{(f)"$(_s3presign_profiles)"}}; return ;;
{cases}
        {'|'.join(files)}) _files; return ;;
    esac
    if (( CURRENT == 3 )) && [[ "${{words[2]}}" == completion ]]; then compadd -- {_words(SHELLS)}; return; fi
    if (( CURRENT == 3 )) && [[ "${{words[2]}}" == help ]]; then
        compadd -- {_words(s for s in subcommands if s != "help")}; return
    fi
    if [[ "$cur" == -* ]]; then
        compadd -- {_words(options)}
    elif (( CURRENT == 2 )); then
        compadd -- {_words(subcommands)}
    else
        _files
    fi
}}
compdef _s3presign s3presign
"""


def _fish(options: list[str], subcommands: list[str], values: Mapping[str, Sequence[str]], files: Sequence[str]) -> str:
    lines = ["# s3presign completion for fish: s3presign completion fish > ~/.config/fish/completions/s3presign.fish",
             "complete -c s3presign -f",
             f"complete -c s3presign -n __fish_use_subcommand -a '{_words(subcommands)}'",
             f"complete -c s3presign -n '__fish_seen_subcommand_from completion' -a '{_words(SHELLS)}'",
             f"complete -c s3presign -n '__fish_seen_subcommand_from help' -a "
             f"'{_words(s for s in subcommands if s != 'help')}'",
             f"complete -c s3presign -l profile -x -a '({_PROFILES})'"]
    for name in options:
        if name == "--profile" or not name.startswith("--"):
            continue
        if name in values:
            lines.append(f"complete -c s3presign -l {name[2:]} -x -a '{_words(values[name])}'")
        elif name in files:
            lines.append(f"complete -c s3presign -l {name[2:]} -r -F")
        else:
            lines.append(f"complete -c s3presign -l {name[2:]}")
    return "\n".join(lines) + "\n"
