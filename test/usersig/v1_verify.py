#!/usr/bin/env python3
"""Independent check of the usersig crate's v1 (ECDSA P-256 / SHA-256) tokens.

Uses the `cryptography` package (PyPI), not the crate. Called by usersig/tests/cross_check.rs:

  v1_verify.py keygen DIR
      writes DIR/p8.pem (PKCS#8 private), DIR/sec1.pem (SEC1 "EC PRIVATE KEY"), DIR/pub.pem
  v1_verify.py verify PUB.pem SDKAPPID NOW     (stdin: one JSON {"sig", "userid"} per line)
      prints one JSON result per line: {"ok": bool, "why": str}; exit 0 iff all ok
  v1_verify.py sign PRIV.pem SDKAPPID USERID EXPIRE NOW
      prints a v1 token signed here (random ECDSA nonce)
"""
import base64
import json
import sys
import zlib

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError as e:  # the test reads this and fails with it
    sys.stderr.write("v1_verify.py: python package 'cryptography' missing (%s); run tools/setup.sh\n" % e)
    sys.exit(3)

ORDER_SIGNED = ["TLS.appid_at_3rd", "TLS.account_type", "TLS.identifier", "TLS.sdk_appid", "TLS.time", "TLS.expire_after"]


def to_tls_b64(raw):
    return base64.b64encode(raw).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def from_tls_b64(text):
    return base64.b64decode(text.replace("*", "+").replace("-", "/").replace("_", "="), validate=True)


def signed_text(doc):
    return "".join("%s:%s\n" % (k, doc[k]) for k in ORDER_SIGNED).encode()


def check(pub, sdkappid, now, sig, userid):
    try:
        raw = zlib.decompress(from_tls_b64(sig))
    except Exception as e:
        return False, "does not decode: %s" % e
    doc = json.loads(raw)
    # The crate promises the layout Python's json.dumps gives: same fields, order and escapes.
    if json.dumps(doc).encode() != raw:
        return False, "JSON differs from json.dumps: %r" % raw
    want = ["TLS.account_type", "TLS.identifier", "TLS.appid_at_3rd", "TLS.sdk_appid",
            "TLS.expire_after", "TLS.version", "TLS.time", "TLS.sig"]
    if list(doc) != want:
        return False, "fields %r" % list(doc)
    if not all(isinstance(v, str) for v in doc.values()):
        return False, "non-string value"
    try:
        pub.verify(base64.b64decode(doc["TLS.sig"]), signed_text(doc), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False, "bad signature"
    if doc["TLS.identifier"] != userid:
        return False, "identifier %r" % doc["TLS.identifier"]
    if doc["TLS.sdk_appid"] != str(sdkappid) or doc["TLS.version"] != "20151204":
        return False, "sdk_appid/version %r %r" % (doc["TLS.sdk_appid"], doc["TLS.version"])
    if int(doc["TLS.time"]) + int(doc["TLS.expire_after"]) < now:
        return False, "expired"
    return True, "ok"


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "keygen":
        d = argv[2]
        key = ec.generate_private_key(ec.SECP256R1())
        for name, fmt in (("p8.pem", serialization.PrivateFormat.PKCS8),
                          ("sec1.pem", serialization.PrivateFormat.TraditionalOpenSSL)):
            with open("%s/%s" % (d, name), "wb") as f:
                f.write(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
        with open("%s/pub.pem" % d, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        return 0
    if cmd == "verify":
        with open(argv[2], "rb") as f:
            pub = serialization.load_pem_public_key(f.read())
        sdkappid, now = int(argv[3]), int(argv[4])
        all_ok = True
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            ok, why = check(pub, sdkappid, now, req["sig"], req["userid"])
            all_ok = all_ok and ok
            print(json.dumps({"ok": ok, "why": why}))
        return 0 if all_ok else 1
    if cmd == "sign":
        with open(argv[2], "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        sdkappid, userid, expire, now = int(argv[3]), argv[4], int(argv[5]), int(argv[6])
        doc = {
            "TLS.account_type": "0",
            "TLS.identifier": userid,
            "TLS.appid_at_3rd": "",
            "TLS.sdk_appid": str(sdkappid),
            "TLS.expire_after": str(expire),
            "TLS.version": "20151204",
            "TLS.time": str(now),
        }
        der = key.sign(signed_text(doc), ec.ECDSA(hashes.SHA256()))
        doc["TLS.sig"] = base64.b64encode(der).decode()
        print(to_tls_b64(zlib.compress(json.dumps(doc).encode())))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
