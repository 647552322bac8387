#!/usr/bin/env bash
# `mica verify` and `mica inspect` from the command line: the exit code of
# every failure class, on the shared vectors and on a token from our platform
# code bound to a compiled policy.
#   cli_test.sh MICA MAKE_SAMPLE_TOKEN VECTORS_DIR DATA_DIR WORK_DIR
set -u
mica=$1 make_sample=$2 vectors=$3 data=$4 work=$5
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
challenge=$(printf 'c1%.0s' $(seq 64))

# --- The shared vectors ------------------------------------------------------
expect 0 "good tag-907 token, right anchor" -- "$mica" verify "$vectors/testGoodCCAToken.cbor" \
  --platform-key "$vectors/testIAK.jwk.json" --no-challenge
expect 0 "good tag-399 token, right anchor" -- "$mica" verify "$vectors/testGoodLegacyCCAToken.cbor" \
  --platform-key "$vectors/testIAK.jwk.json" --no-challenge
expect 3 "good token, wrong anchor" -- "$mica" verify "$vectors/testGoodCCAToken.cbor" \
  --platform-key "$vectors/testAltIAK.jwk.json" --no-challenge
expect 2 "empty collection" -- "$mica" verify "$vectors/inline_empty_collection.cbor" \
  --platform-key "$vectors/testIAK.jwk.json" --no-challenge
expect_output "no platform token"
expect 2 "bare COSE_Sign1" -- "$mica" verify "$vectors/inline_wrong_top_level_tag.cbor" \
  --platform-key "$vectors/testIAK.jwk.json" --no-challenge
expect_output "wrong top-level tag 18"
expect 1 "no challenge decision" -- "$mica" verify "$vectors/testGoodCCAToken.cbor" \
  --platform-key "$vectors/testIAK.jwk.json"
expect 1 "short challenge" -- "$mica" verify "$vectors/testGoodCCAToken.cbor" \
  --platform-key "$vectors/testIAK.jwk.json" --challenge abcd
expect 1 "missing token file" -- "$mica" verify "$work/none.cbor" --platform-key "$vectors/testIAK.jwk.json" --no-challenge
expect 0 "inspect vector as JSON" -- "$mica" inspect "$vectors/testGoodCCAToken.cbor" --json \
  --platform-key "$vectors/testIAK.jwk.json"
expect_output '"verified": true'
expect 2 "inspect something that is not CBOR" -- "$mica" inspect "$data/pipeline.mica"

# --- Our platform, a compiled policy ---------------------------------------------
expect 0 "compile the tenant's policy" -- "$mica" build "$data/pipeline.mica" -o "$work/pipeline.cbor"
expect 0 "compile the deployed (changed) policy" -- "$mica" build "$data/pipeline-host-calls.mica" -o "$work/deployed.cbor"
# The realm "model" (component 2 in canonical order) bound to the tenant's policy.
expect 0 "make a token bound to the policy" -- "$make_sample" "$work/good" "$work/pipeline.cbor" 2 model
# ... and one bound to the changed policy.
expect 0 "make a token bound to the changed policy" -- "$make_sample" "$work/changed" "$work/deployed.cbor" 2 model
key_good="$work/good/state/platform-attestation-key.pub.pem"
key_changed="$work/changed/state/platform-attestation-key.pub.pem"

expect 0 "token under the tenant's policy (text)" -- "$mica" verify "$work/good/token.cbor" --platform-key "$key_good" \
  --challenge "$challenge" --ref-values "$data/ref-values.json" --policy "$data/pipeline.mica"
expect_output "model !-> untrusted except via egress (proven)"
expect 0 "token under the tenant's policy (compiled), legacy wrapper" -- "$mica" verify "$work/good/token-legacy.cbor" \
  --platform-key "$key_good" --challenge "$challenge" --policy "$work/pipeline.cbor" --json
expect_output '"verdict": "pass"'
expect 7 "policy differing in one path" -- "$mica" verify "$work/changed/token.cbor" --platform-key "$key_changed" \
  --challenge "$challenge" --policy "$data/pipeline.mica" --deployed-policy "$work/deployed.cbor"
expect_output "realm 'ingest': host_calls deny in yours, allow deployed"
expect 3 "wrong platform key" -- "$mica" verify "$work/good/token.cbor" --platform-key "$key_changed" \
  --challenge "$challenge"
expect 4 "wrong challenge" -- "$mica" verify "$work/good/token.cbor" --platform-key "$key_good" \
  --challenge "$(printf 'c2%.0s' $(seq 64))"
expect 6 "another monitor than the reference" -- "$mica" verify "$work/good/token.cbor" --platform-key "$key_good" \
  --challenge "$challenge" --ref-values "$data/ref-values-other-monitor.json"
expect 0 "inspect our token" -- "$mica" inspect "$work/good/token.cbor"
expect_output "mica: component name (-1296646916): \"model\""

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
