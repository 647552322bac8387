#!/usr/bin/python3
"""Independent check of a Mica CCA token, with no project code involved.

Uses only Debian's python3-cbor2 and python3-cryptography. Verifies the
platform token's ES384 signature with the platform public key (PEM), the
realm token's ES384 signature with the RAK the realm token carries, the
binding (platform challenge == hash of the RAK claim bytes, with the realm
token's RAK hash algorithm), the realm challenge, and reads the Mica claims
under the keys docs/attestation.md documents.

With --self-test it also checks that it rejects a token whose realm
signature, platform payload or binding was changed, so it cannot pass by
checking nothing.
"""
import argparse
import hashlib
import json
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# Mica claim keys as documented in docs/attestation.md (private-use CWT keys,
# CBOR negative integers with argument 0x4D494300 + n).
MICA_KEYS = {
    "policy_digest": -1 - 0x4D494300,
    "workflow_instance_id": -1 - 0x4D494301,
    "component_index": -1 - 0x4D494302,
    "component_name": -1 - 0x4D494303,
}
PLATFORM_TOKEN, REALM_TOKEN = 44234, 44241
CHALLENGE, RAK, RAK_HASH_ALG = 10, 44237, 44240
ALGORITHMS = {-7: (ec.SECP256R1, hashes.SHA256), -35: (ec.SECP384R1, hashes.SHA384), -36: (ec.SECP521R1, hashes.SHA512)}
COSE_CURVES = {1: ec.SECP256R1, 2: ec.SECP384R1, 3: ec.SECP521R1}
HASHES = {"sha-256": hashlib.sha256, "sha-384": hashlib.sha384, "sha-512": hashlib.sha512}


class CheckFailed(Exception):
    pass


def split_collection(token):
    top = cbor2.loads(token)
    if not isinstance(top, cbor2.CBORTag) or top.tag not in (399, 907):
        raise CheckFailed("not a CCA token collection (tag 399 or 907)")
    parts = {}
    for key in (PLATFORM_TOKEN, REALM_TOKEN):
        value = top.value.get(key)
        if top.tag == 907:
            if not isinstance(value, list) or len(value) != 2:
                raise CheckFailed(f"entry {key} is not a CMW array")
            value = value[1]
        if not isinstance(value, bytes):
            raise CheckFailed(f"entry {key} is not a byte string")
        parts[key] = value
    return top.tag, parts[PLATFORM_TOKEN], parts[REALM_TOKEN]


def decode_sign1(data):
    item = cbor2.loads(data)
    if not isinstance(item, cbor2.CBORTag) or item.tag != 18:
        raise CheckFailed("not a COSE_Sign1 (tag 18)")
    protected, unprotected, payload, signature = item.value
    return protected, cbor2.loads(protected), payload, signature


def verify_sign1(data, public_key):
    protected_bytes, protected, payload, signature = decode_sign1(data)
    curve, hash_type = ALGORITHMS[protected[1]]
    if not isinstance(public_key.curve, curve):
        raise CheckFailed("algorithm does not match the key's curve")
    half = len(signature) // 2
    der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
    to_be_signed = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    try:
        public_key.verify(der, to_be_signed, ec.ECDSA(hash_type()))
    except InvalidSignature:
        raise CheckFailed("signature does not verify")
    return cbor2.loads(payload)


def rak_from_claim(raw):
    if raw[:1] == b"\x04":
        curve = {65: ec.SECP256R1, 97: ec.SECP384R1, 133: ec.SECP521R1}[len(raw)]
        return ec.EllipticCurvePublicKey.from_encoded_point(curve(), raw)
    cose_key = cbor2.loads(raw)
    if cose_key.get(1) != 2:
        raise CheckFailed("RAK COSE_Key is not EC2")
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(cose_key[-2], "big"), int.from_bytes(cose_key[-3], "big"),
                                            COSE_CURVES[cose_key[-1]]())
    return numbers.public_key()


def check_token(token, platform_key, expected):
    wrapper, platform_bytes, realm_bytes = split_collection(token)
    platform_claims = verify_sign1(platform_bytes, platform_key)
    _, _, realm_payload, _ = decode_sign1(realm_bytes)
    realm_claims = cbor2.loads(realm_payload)
    rak = rak_from_claim(realm_claims[RAK])
    verify_sign1(realm_bytes, rak)
    binder = HASHES[realm_claims[RAK_HASH_ALG]](realm_claims[RAK]).digest()
    if platform_claims[CHALLENGE] != binder:
        raise CheckFailed("platform challenge is not the hash of the RAK: not bound")
    if realm_claims[CHALLENGE].hex() != expected["realm_challenge"]:
        raise CheckFailed("realm challenge differs from the expected one")
    mica = {}
    for name, key in MICA_KEYS.items():
        if key not in realm_claims:
            raise CheckFailed(f"Mica claim {name} ({key}) missing")
        value = realm_claims[key]
        mica[name] = value.hex() if isinstance(value, bytes) else value
        if mica[name] != expected[name]:
            raise CheckFailed(f"Mica claim {name} is {mica[name]!r}, expected {expected[name]!r}")
    return wrapper, mica


def reencode_collection(token, platform_bytes=None, realm_bytes=None):
    top = cbor2.loads(token)
    for key, new in ((PLATFORM_TOKEN, platform_bytes), (REALM_TOKEN, realm_bytes)):
        if new is None:
            continue
        if top.tag == 907:
            top.value[key][1] = new
        else:
            top.value[key] = new
    return cbor2.dumps(top)


def tampered_variants(token):
    _, platform_bytes, realm_bytes = split_collection(token)
    # 1. one bit of the realm signature
    realm = cbor2.loads(realm_bytes)
    signature = bytearray(realm.value[3])
    signature[-1] ^= 1
    realm.value[3] = bytes(signature)
    yield "realm signature bit flipped", reencode_collection(token, realm_bytes=cbor2.dumps(realm))
    # 2. the platform payload (last byte of the verification service URL or a component)
    platform = cbor2.loads(platform_bytes)
    payload = bytearray(platform.value[2])
    payload[-1] ^= 1
    platform.value[2] = bytes(payload)
    yield "platform payload changed", reencode_collection(token, platform_bytes=cbor2.dumps(platform))
    # 3. a realm token re-signed by a different key that it names as its RAK:
    #    signatures fine, binding broken
    key = ec.generate_private_key(ec.SECP384R1())
    numbers = key.public_key().public_numbers()
    cose_key = cbor2.dumps({1: 2, -1: 2, -2: numbers.x.to_bytes(48, "big"), -3: numbers.y.to_bytes(48, "big")})
    claims = cbor2.loads(realm.value[2])
    claims[RAK] = cose_key
    payload = cbor2.dumps(claims)
    protected = realm.value[0]
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    r, s = decode_dss_signature(key.sign(cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA384())))
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, r.to_bytes(48, "big") + s.to_bytes(48, "big")]))
    yield "realm token under a foreign RAK", reencode_collection(token, realm_bytes=forged)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--legacy-token")
    parser.add_argument("--platform-key", required=True, help="PEM public key (the trust anchor)")
    parser.add_argument("--expect", required=True, help="JSON with the expected challenge and Mica claims")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()

    with open(args.platform_key, "rb") as f:
        platform_key = serialization.load_pem_public_key(f.read())
    with open(args.expect) as f:
        expected = json.load(f)
    if expected.get("claim_keys") != MICA_KEYS:
        print(f"FAIL: the project's Mica claim keys {expected.get('claim_keys')} differ from the documented {MICA_KEYS}")
        return 1

    tokens = [args.token] + ([args.legacy_token] if args.legacy_token else [])
    for path in tokens:
        with open(path, "rb") as f:
            token = f.read()
        try:
            wrapper, mica = check_token(token, platform_key, expected)
        except (CheckFailed, KeyError, ValueError) as e:
            print(f"FAIL {path}: {e}")
            return 1
        print(f"ok   {path} (tag {wrapper}): both signatures verify, RAK bound, challenge as expected")
        for name, value in mica.items():
            print(f"     mica {name}: {value}")
        if args.self_test:
            for what, variant in tampered_variants(token):
                try:
                    check_token(variant, platform_key, expected)
                except CheckFailed as e:
                    print(f"ok   rejects {what}: {e}")
                    continue
                print(f"FAIL self-test: accepted a token with {what}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
