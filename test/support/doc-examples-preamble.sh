# Prepended to every docs example script (test/support/doc-examples.ts): curl as the docs use
# it, plus a check. The answer must be 2xx unless the example says otherwise (`# → 404` becomes
# EXPECT_STATUS=404), and never a transport failure.
set -euo pipefail
curl() {
  local out status want=${EXPECT_STATUS:-2xx}
  out=$(command curl -sS -w '\n%{http_code}' "$@") || { echo "docs example failed: curl $*" >&2; return 1; }
  status=${out##*$'\n'}
  printf '%s\n' "${out%$'\n'*}"
  if [[ "$want" == 2xx && "$status" != 2?? ]] || [[ "$want" != 2xx && "$status" != "$want" ]]; then
    echo "docs example answered HTTP $status (expected $want): curl $*" >&2
    return 1
  fi
}
