#!/usr/bin/env bash
# `mica verify` and `mica inspect` on tokens that realm programs obtained
# from the real monitor (written by attest_make_tokens):
#   cli_test.sh MICA TOKEN_DIR WORK_DIR
set -u
mica=$1 tokens=$2 work=$3
failures=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code.
expect() {
  local code=$1 what=$2
  shift 3
  local out
  out=$("$@" 2>&1)
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    echo "FAIL: $what: exit $rc, expected $code"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok   $what (exit $rc)"
  fi
  last_output=$out
}
# expect_output TEXT: the last command's output contains TEXT.
expect_output() {
  if ! grep -qF -- "$1" <<<"$last_output"; then
    echo "FAIL: output lacks: $1"
    echo "$last_output" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

rm -rf "$work" && mkdir -p "$work"
key="$tokens/platform-key.pub.pem"
challenge=$(cat "$tokens/challenge.hex")
other_challenge=$(printf '5a%.0s' $(seq 64))

expect 0 "compile the deployed policy" -- "$mica" build "$tokens/policy.mica" -o "$work/deployed.cbor"

expect 0 "collector's token under the deployed policy" -- "$mica" verify "$tokens/collector.cbor" \
  --platform-key "$key" --challenge "$challenge" --ref-values "$tokens/ref-values.json" --policy "$tokens/policy.mica"
expect_output "collector"
expect 0 "both realms of the workflow, as JSON" -- "$mica" verify "$tokens/collector.cbor" "$tokens/reporter.cbor" \
  --platform-key "$key" --challenge "$challenge" --ref-values "$tokens/ref-values.json" \
  --policy "$work/deployed.cbor" --json
expect_output '"verdict": "pass"'
expect 7 "a policy differing in one path" -- "$mica" verify "$tokens/collector.cbor" --platform-key "$key" \
  --challenge "$challenge" --policy "$tokens/policy-outbox.mica" --deployed-policy "$work/deployed.cbor"
expect_output "realm 'reporter': window 'outbox'"
expect 4 "wrong challenge" -- "$mica" verify "$tokens/collector.cbor" --platform-key "$key" \
  --challenge "$other_challenge"
expect 7 "tokens of two workflow instances" -- "$mica" verify "$tokens/collector.cbor" "$tokens/stranger.cbor" \
  --platform-key "$key" --challenge "$challenge" --policy "$tokens/policy.mica"
expect_output "same_workflow"
expect 0 "inspect the token" -- "$mica" inspect "$tokens/collector.cbor" --platform-key "$key"
expect_output "mica: component name (-1296646916): \"collector\""

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
