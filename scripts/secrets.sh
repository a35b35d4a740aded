# Sourced by run.sh and serve.sh: secrets reach the app as files, never in its environment.
#
# A process's start-up environment stays readable in /proc/<pid>/environ for as long as it
# runs, to anything running as the same user. So a SECRET_KEY, DATABASE_URL or
# FORLOB_METRICS_TOKEN given to these scripts as a variable is written to a file of its own
# (mode 600) in FORLOB_SECRETS_DIR (default: the first argument, or a fresh private temp dir),
# handed over as <NAME>_FILE, and the script starts afresh without the variable (webui/config.py
# reads <NAME>_FILE; docs/operations.md, "Secrets"). A <NAME>_FILE given already is kept.
#
#   secrets_to_files <default dir or ""> <this script> "$@"
secrets_to_files() {
  local dir=${FORLOB_SECRETS_DIR:-$1} name moved=0
  shift
  for name in SECRET_KEY DATABASE_URL FORLOB_METRICS_TOKEN; do
    if [ -n "${!name:-}" ]; then
      [ -n "$dir" ] || dir=$(mktemp -d -t forlob-secrets-XXXXXX)
      (umask 077 && mkdir -p "$dir" && printf '%s' "${!name}" > "$dir/$name")
      export "${name}_FILE=$dir/$name"
      moved=1
    fi
    unset "$name"
  done
  # this shell's own start-up environment (and its subshells') still holds them: start afresh
  if [ $moved = 1 ]; then exec bash "$@"; fi
}
