#!/usr/bin/env python3
"""fuzz/gen-seeds.py - the hand-made seeds of the fuzz corpora, regenerated
and reviewable: each seed is a small input that reaches a branch the real
files and libFuzzer's finds did not (fuzz/coverage.sh shows which). Seeds
are named after what they test ("crit-empty.cose", "tree-link-fifo"), so
fuzz/campaign.sh keeps them whatever it merges.

    fuzz/gen-seeds.py            writes into fuzz/corpus/<target>/

Real files (testdata/) used as seeds are copied with a mode byte in front
where the target takes one; their provenance is testdata/'s PROVENANCE.md.
Only the Python standard library is used, with the zstd command for one
seed and python3-cryptography for the key files (a minimal deterministic CBOR
encoder below: unsigned/negative integers, byte and text strings, arrays,
maps with keys sorted by their encoding, tags, null).
"""
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- minimal CBOR (RFC 8949 §4.2.1 shortest forms) ------------------------
class Tag:
    def __init__(self, tag, item):
        self.tag, self.item = tag, item


def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(x):
    if x is None:
        return b"\xf6"
    if isinstance(x, bool):
        return b"\xf5" if x else b"\xf4"
    if isinstance(x, int):
        return _head(0, x) if x >= 0 else _head(1, -1 - x)
    if isinstance(x, bytes):
        return _head(2, len(x)) + x
    if isinstance(x, str):
        b = x.encode()
        return _head(3, len(b)) + b
    if isinstance(x, list):
        return _head(4, len(x)) + b"".join(cbor(i) for i in x)
    if isinstance(x, dict):
        # keys in deterministic order: by their encoding
        items = sorted(((cbor(k), cbor(v)) for k, v in x.items()))
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    if isinstance(x, Tag):
        return _head(6, x.tag) + cbor(x.item)
    raise TypeError(x)


# --- fuzz_cose: protected-header cases (crit, content type, kid) ----------
def cose_seeds():
    kid = bytes(range(1, 33))
    sig = bytes(64)

    def msg(prot, payload=b"payload", sig=sig, unprot=None):
        p = prot if isinstance(prot, bytes) else cbor(prot)
        return cbor(Tag(18, [p, unprot or {}, payload, sig]))

    cases = {
        # accepted: crit naming headers that are there
        "crit-alg-kid.cose": {1: -7, 2: [1, 4], 4: kid},
        "crit-ctype.cose": {1: -7, 2: [3], 3: "application/cbor", 4: kid},
        "crit-es384.cose": {1: -35, 2: [1], 4: kid},
        "crit-ps256.cose": {1: -37, 2: [4], 4: kid},
        "crit-rs256.cose": {1: -257, 2: [1, 3, 4], 3: "a", 4: kid},
        # refused, each for its own reason
        "crit-empty.cose": {1: -7, 2: [], 4: kid},
        "crit-text-label.cose": {1: -7, 2: ["x"], 4: kid},
        "crit-unknown-label.cose": {1: -7, 2: [5], 4: kid},
        "crit-negative-label.cose": {1: -7, 2: [-1], 4: kid},
        "crit-absent-header.cose": {1: -7, 2: [3], 4: kid},
        "crit-not-array.cose": {1: -7, 2: 1, 4: kid},
        "crit-bad-int.cose": {1: -7, 2: [2 ** 64 - 1], 4: kid},
        "ctype-empty.cose": {1: -7, 3: "", 4: kid},
        "ctype-not-text.cose": {1: -7, 3: 50, 4: kid},
        "kid-empty.cose": {1: -7, 4: b""},
        "kid-too-long.cose": {1: -7, 4: bytes(67)},
        "kid-not-bstr.cose": {1: -7, 4: "kid"},
        "kid-missing.cose": {1: -7},
        "alg-missing.cose": {4: kid},
        "alg-unknown.cose": {1: -8, 4: kid},
        "alg-text.cose": {1: "ES256", 4: kid},
        "label-text-ignored.cose": {1: -7, 4: kid, "x": 1},
        "label-big-ignored.cose": {1: -7, 4: kid, 2 ** 64 - 1: 0},
        "label-other-ignored.cose": {1: -7, 4: kid, 33: [1, 2]},
    }
    for name, prot in cases.items():
        put("fuzz_cose", name, msg(prot))
    good = {1: -7, 4: kid}
    put("fuzz_cose", "protected-empty.cose", msg(b""))
    put("fuzz_cose", "protected-too-big.cose",
        msg({1: -7, 4: kid, 5: bytes(300)}))
    put("fuzz_cose", "protected-not-map.cose", msg(cbor([1, 2])))
    put("fuzz_cose", "unprotected-not-empty.cose",
        msg(good, unprot={4: kid}))
    put("fuzz_cose", "detached.cose", msg(good, payload=None))
    put("fuzz_cose", "payload-empty.cose", msg(good, payload=b""))
    put("fuzz_cose", "signature-empty.cose", msg(good, sig=b""))
    put("fuzz_cose", "signature-too-long.cose", msg(good, sig=bytes(513)))
    put("fuzz_cose", "es256-short-signature.cose", msg(good, sig=bytes(63)))
    put("fuzz_cose", "ps256-signature.cose",
        msg({1: -37, 4: kid}, sig=bytes(256)))


# --- fuzz_escape: byte 0 flags, byte 1 cap - 8, then text -----------------
def escape_seeds():
    texts = {
        "plain": b"/usr/bin/bash",
        "ansi-clear": b"name\x1b[2J\x1b[H\x07",
        "newline-fake-line": b"a\nok quote.signature",
        "c1-csi": b"\x9b31m red \x9b0m",
        "utf8": "d\u00e9j\u00e0 vu \u2603".encode(),
        "backslash-quotes": b"C:\\x41 'single' \"double\" \\\\",
        "nul-inside": b"before\x00after",
        "del-and-high": bytes(range(0x7a, 0x100)),
        "long-2000": b"x" * 700 + b"\x1b" * 300 + b"y" * 1000,
    }
    for name, t in texts.items():
        for flags in (0, 1, 3):
            for cap in (0, 40, 255):
                put("fuzz_escape", "%s-f%d-c%d" % (name, flags, cap),
                    bytes([flags, cap]) + t)


# --- fuzz_refset_tree: byte 0 algorithms, then records --------------------
def rec(op, name, content=None):
    if isinstance(name, str):
        name = name.encode()
    out = bytes([op, len(name)]) + name
    if op == 0:
        out += bytes([len(content)]) + content
    return out


FILE, DIR, UP, LINK, FIFO = 0, 1, 2, 3, 4


def tree_seeds():
    simple = (rec(FILE, "init", b"#!/bin/sh\n") + rec(DIR, "bin") +
              rec(FILE, "ls", b"ELF ls") + rec(FILE, "empty", b"") +
              rec(UP, "") + rec(DIR, "lib") + rec(DIR, "modules") +
              rec(FILE, "m.ko", b"module") + rec(UP, "") + rec(UP, "") +
              rec(FILE, "etc-passwd", b"root:x:0:0"))
    for alg in range(4):
        put("fuzz_refset_tree", "tree-simple-alg%d" % alg,
            bytes([alg]) + simple)
    put("fuzz_refset_tree", "tree-link-fifo",
        bytes([0]) + rec(FILE, "a", b"a") + rec(LINK, "self") +
        rec(FIFO, "pipe") + rec(DIR, "d") + rec(LINK, "up") +
        rec(FILE, "b", b"b"))
    put("fuzz_refset_tree", "tree-odd-names",
        bytes([0]) + rec(FILE, "new\nline", b"x") +
        rec(FILE, "esc\x1b[2J", b"y") + rec(FILE, "sl/ash", b"z") +
        rec(FILE, ".", b"") + rec(FILE, "..", b"") + rec(FILE, "", b"") +
        rec(DIR, "a") + rec(FILE, "a", b"1") + rec(UP, "") +
        rec(FILE, "a", b"dup") + rec(DIR, "f") + rec(UP, "") +
        rec(FILE, "f", b"file over dir"))
    deep = b"".join(rec(DIR, "d") for _ in range(70)) + rec(FILE, "x", b"x")
    put("fuzz_refset_tree", "tree-deeper-than-64", bytes([0]) + deep)
    ok_deep = (b"".join(rec(DIR, "d") for _ in range(60)) +
               rec(FILE, "x", b"x"))
    put("fuzz_refset_tree", "tree-depth-60", bytes([1]) + ok_deep)
    longp = (b"".join(rec(DIR, "n" * 250) for _ in range(17)) +
             rec(FILE, "f" * 100, b"x"))
    put("fuzz_refset_tree", "tree-path-over-4096", bytes([0]) + longp)
    put("fuzz_refset_tree", "tree-empty", bytes([2]))
    put("fuzz_refset_tree", "tree-full-file",
        bytes([2]) + rec(FILE, "big", bytes(range(255))))


# --- fuzz_ekcert_chain: byte 0 store/time, then the certificate -----------
def ekcert_chain_seeds():
    ek = os.path.join(ROOT, "testdata", "ek")
    picks = []
    for sub in ("leaf", "malformed"):
        for dirpath, _, files in sorted(os.walk(os.path.join(ek, sub))):
            for f in sorted(files):
                if f != "PROVENANCE.md":
                    picks.append(os.path.join(dirpath, f))
    # CA certificates as the certificate checked: chains of length 2 and 1
    picks += [os.path.join(ek, "ca", "infineon-optiga", "rsa-mfr-ca-035.crt"),
              os.path.join(ek, "ca", "google-ek-ak-ca",
                           "gcp_ek_ak_ca_root.crt"),
              os.path.join(ek, "ca", "keylime-tpm_cert_store",
                           "STM_ECC_01I.pem")]
    for p in picks:
        data = open(p, "rb").read()
        base = os.path.basename(p)
        for mode in (0, 1, 2, 4, 6):
            put("fuzz_ekcert_chain", "%s-m%d" % (base, mode),
                bytes([mode]) + data)
    # a real leaf whose signature no longer verifies (last byte flipped)
    leaf = open(os.path.join(ek, "leaf", "keylime",
                             "infineon_optiga_rsa_ek_ca035.der"), "rb").read()
    bad = leaf[:-1] + bytes([leaf[-1] ^ 1])
    put("fuzz_ekcert_chain", "infineon-rsa-bad-signature-m0", b"\0" + bad)


# --- fuzz_ekcert: the containers around a real DER leaf -------------------
def pem(der):
    import base64
    b = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) +
            "\n-----END CERTIFICATE-----\n").encode()


def ekcert_seeds():
    der = open(os.path.join(ROOT, "testdata", "ek", "leaf", "keylime",
                            "infineon_optiga_rsa_ek_ca035.der"), "rb").read()
    n = len(der)

    def nv(size, body):
        return b"\x10\x01\x00" + struct.pack(">H", size) + b"\x10\x02" + body

    cases = {
        "nv-header.ek": nv(n + 2, der),
        "nv-header-padded.ek": nv(n + 2, der) + b"\xff" * 100,
        "nv-header-size-too-small.ek": nv(1, der),
        "nv-header-size-mismatch.ek": nv(n + 3, der + b"\0"),
        "nv-header-truncated.ek": nv(n + 2, der)[:5],
        "nv-header-type.ek": b"\x10\x01\x01" + nv(n + 2, der)[3:],
        "octet-wrapper.ek": b"\x04\x82" + struct.pack(">H", n) + der,
        "octet-wrapper-mismatch.ek":
            b"\x04\x82" + struct.pack(">H", n + 1) + der + b"\0",
        "pem-two.ek": pem(der) + pem(der),
        "pem-trailing-bytes.ek": pem(der + b"\0\0"),
        "pem-text-before.ek": b"Certificate:\n  Data: ...\n" + pem(der),
        "der-over-16k.ek": b"\x30\x82\x4e\x20" + bytes(20000),
        "input-over-64k.ek": der + bytes(64 * 1024),
        "padding-only-ff.ek": b"\xff" * 64,
        "padding-only-00.ek": bytes(64),
        "garbage-after.ek": der + b"\x01\x02",
        # 17 certificates: one more than the target lets a store file hold
        "pem-seventeen.ek": pem(der) * 17,
    }
    for name, data in cases.items():
        put("fuzz_ekcert", name, data)


# --- fuzz_eventlog: rule texts (the input up to a NUL is tried as one) ---
def eventlog_rule_seeds():
    rules = {
        "rule-secureboot": b"secureboot",
        "rule-cmdline": b"cmdline:*quiet*",
        "rule-cmdline-empty": b"cmdline:",
        "rule-cmdline-bare": b"cmdline",
        "rule-cmdline-too-long": b"cmdline:" + b"*" * 1025,
        "rule-option-refused": b"dbx:strict",
        "rule-unknown": b"nosuch",
        "rule-reference-nul-log": b"reference\0\x03\0\0\0",
    }
    for name, t in rules.items():
        put("fuzz_eventlog", name, t)


# --- fuzz_challenge: verifier key files (real public keys of testdata/) ---
def challenge_key_seeds():
    cose = os.path.join(ROOT, "testdata", "cose")
    for f in ("ecdsa-sig-02.pub.pem", "rsa-pss-01.pub.pem",
              "rfc8152-c21.pub.pem"):
        put("fuzz_challenge", "key-" + f,
            open(os.path.join(cose, f), "rb").read())
    put("fuzz_challenge", "key-not-pem",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


# --- fuzz_tpm_signature: scheme names and the other TPMT_SIGNATURE kinds --
def tpm_signature_seeds():
    t = "fuzz_tpm_signature"
    for name in (b"rsapss-sha384", b"ECDSA-SHA512", b"rsassa", b"hmac-sha256",
                 b"rsassa-md5", b"ecdsa-"):
        put(t, "scheme-" + name.decode().lower(), name + b"\0")
    sha256 = b"\x00\x0b"
    ecc = sha256 + b"\x00\x20" + bytes(range(32)) + b"\x00\x20" + bytes(32)
    put(t, "hmac.sig", b"\x00\x05" + sha256 + bytes(32))
    put(t, "null.sig", b"\x00\x10")
    put(t, "ecdaa.sig", b"\x00\x1a" + ecc)
    put(t, "sm2.sig", b"\x00\x1b" + ecc)
    put(t, "ecschnorr.sig", b"\x00\x1c" + ecc)
    put(t, "ecdsa-sha1.sig", b"\x00\x18\x00\x04" + ecc[2:])
    put(t, "ecdsa-r-empty.sig", b"\x00\x18" + sha256 + b"\x00\x00" +
        b"\x00\x20" + bytes(32))
    put(t, "rsassa-sha384-long.sig",
        b"\x00\x14\x00\x0c\x02\x00" + bytes(512))
    put(t, "rsapss-sha256.sig", b"\x00\x16" + sha256 + b"\x01\x00" +
        bytes(256))
    der = open(os.path.join(CORPUS, t, "ecdsa-der.raw"), "rb").read()
    put(t, "ecdsa-der-trailing.raw", der + b"\0")


# --- fuzz_ear: claims sets, each one field away from a valid one ---------
EAR_PROFILE = "tag:ietf.org,2026:rats/ear#03"


def ear_claims(**over):
    appraisal = {1000: 2, 1001: {0: 2, 4: 2}, 1003: ["dossier/checks"]}
    c = {6: 1700000000, 10: bytes(range(32)), 265: EAR_PROFILE,
         266: {"tpm": appraisal, "boot": {1000: 0}, "runtime": {1000: 32}},
         1000: 32, 1004: {0: "dossier", 1: "dossier 0.1.0"},
         "dossier.device": "ab" * 32, "dossier.challenge": bytes(16)}
    for k, v in over.items():
        key = {"iat": 6, "nonce": 10, "profile": 265, "submods": 266,
               "status": 1000, "vid": 1004, "device": "dossier.device",
               "challenge": "dossier.challenge"}.get(k, k)
        if v is DROP:
            c.pop(key, None)
        else:
            c[key] = v
    return c


DROP = object()


def ear_seeds():
    t = "fuzz_ear"
    good = {1000: 2, 1001: {0: 2}, 1003: ["p"]}
    cases = {
        "claims-full.cbor": ear_claims(),
        "claims-extension.cbor": ear_claims(**{"x-ext": {"x": [1, 2]}}),
        "claims-int-extension.cbor": dict(ear_claims(), **{"77": 0}),
        "claims-no-iat.cbor": ear_claims(iat=DROP),
        "claims-no-profile.cbor": ear_claims(profile=DROP),
        "claims-no-submods.cbor": ear_claims(submods=DROP),
        "claims-no-status.cbor": ear_claims(status=DROP),
        "claims-no-verifier-id.cbor": ear_claims(vid=DROP),
        "claims-iat-text.cbor": ear_claims(iat="now"),
        "claims-nonce-short.cbor": ear_claims(nonce=bytes(4)),
        "claims-nonce-text.cbor": ear_claims(nonce="AAAA"),
        "claims-profile-other.cbor": ear_claims(profile="tag:other"),
        "claims-profile-int.cbor": ear_claims(profile=3),
        "claims-status-not-tier.cbor": ear_claims(status=5),
        "claims-status-text.cbor": ear_claims(status="affirming"),
        "claims-vid-array.cbor": ear_claims(vid=["dossier"]),
        "claims-vid-missing-build.cbor": ear_claims(vid={0: "dossier"}),
        "claims-device-short.cbor": ear_claims(device="ab"),
        "claims-device-upper.cbor": ear_claims(device="AB" * 32),
        "claims-challenge-text.cbor": ear_claims(challenge="x"),
        "claims-submods-empty.cbor": ear_claims(submods={}),
        "claims-submods-nine.cbor":
            ear_claims(submods={"s%d" % i: good for i in range(9)}),
        "claims-submod-int-name.cbor": ear_claims(submods={1: good}),
        "claims-submod-no-status.cbor":
            ear_claims(submods={"tpm": {1001: {0: 2}}}),
        "claims-submod-status-bad.cbor":
            ear_claims(submods={"tpm": {1000: 7}}),
        "claims-submod-extension.cbor":
            ear_claims(submods={"tpm": {1000: 2, 9: "x", "t": 1}}),
        "claims-tv-empty.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1001: {}}}),
        "claims-tv-nine.cbor": ear_claims(
            submods={"tpm": {1000: 2, 1001: {i: 2 for i in range(9)}}}),
        "claims-tv-claim-8.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1001: {8: 2}}}),
        "claims-tv-value-200.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1001: {0: 200}}}),
        "claims-tv-value-text.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1001: {0: "x"}}}),
        "claims-tv-not-map.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1001: [2]}}),
        "claims-policy-empty.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1003: []}}),
        "claims-policy-17.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1003: ["p"] * 17}}),
        "claims-policy-int.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1003: [1]}}),
        "claims-policy-long.cbor":
            ear_claims(submods={"tpm": {1000: 2, 1003: ["p" * 81]}}),
        "claims-not-map.cbor": [1, 2],
    }
    cases["claims-int-extension.cbor"].pop("77")
    cases["claims-int-extension.cbor"][77] = {1: 2}
    for name, c in cases.items():
        put(t, name, cbor(c))
    # the CWT frame: tagged COSE_Sign1 with the EAR content type
    kid = bytes(32)

    def cwt(prot, payload):
        return cbor(Tag(18, [cbor(prot), {}, payload, bytes(64)]))

    claims = cbor(ear_claims())
    put(t, "cwt-unsigned.cwt",
        cwt({1: -7, 3: "application/eat+cwt", 4: kid}, claims))
    put(t, "cwt-wrong-ctype.cwt",
        cwt({1: -7, 3: "application/cbor", 4: kid}, claims))
    put(t, "cwt-no-ctype.cwt", cwt({1: -7, 4: kid}, claims))
    put(t, "cwt-es384.cwt",
        cwt({1: -35, 3: "application/eat+cwt", 4: kid}, claims))
    put(t, "cwt-bad-claims.cwt",
        cwt({1: -7, 3: "application/eat+cwt", 4: kid}, b"\xa0"))
    put(t, "cwt-detached.cwt",
        cbor(Tag(18, [cbor({1: -7, 3: "application/eat+cwt", 4: kid}), {},
                      None, bytes(64)])))
    put(t, "b64url-bad.jwt", b"a.b!.c")
    put(t, "b64url-one-char.jwt", b"eyJ.e.c")
    put(t, "jwt-newline.jwt", open(os.path.join(CORPUS, t, "jwt1.jwt"),
                                   "rb").read().rstrip(b"\n") + b"\n")


# --- fuzz_pcr_policy: rule texts, each then a NUL and a real PCR file ---
def pcr_policy_seeds():
    t = "fuzz_pcr_policy"
    pcrs = open(os.path.join(CORPUS, t, "only-lines"), "rb").read()
    pcrs = pcrs[pcrs.index(b"\0"):]
    for name, rule in (("pcr-not-number", b"pcrs:only=x"),
                       ("pcr-range-not-number", b"pcrs:only=1-x"),
                       ("pcr-three-digits", b"pcrs:only=123"),
                       ("pcr-24", b"pcrs:only=24"),
                       ("list-bad-char", b"pcrs:only=1;2"),
                       ("only-twice", b"pcrs:only=1:only=2"),
                       ("ignore-twice", b"pcrs:ignore=1:ignore=2"),
                       ("unknown-option", b"pcrs:nope=1"),
                       ("text-after", b"pcrsx"),
                       ("nothing-left", b"pcrs:ignore=0-23"),
                       ("many-ranges", b"pcrs:only=0,2,4-6,8,10-12,16,23")):
        put(t, name, rule + pcrs)


# --- fuzz_challenge: challenge archives built around a real seed ---------
def challenge_set_seeds():
    import io
    import tarfile
    t = "fuzz_challenge"
    with tarfile.open(os.path.join(CORPUS, t, "set.tar")) as tf:
        m = tf.getmembers()[0]
        name, data = m.name, tf.extractfile(m).read()

    def tar(*entries):
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) \
                as tf:
            for kind, n, d in entries:
                ti = tarfile.TarInfo(n)
                ti.mtime = 1700000000
                if kind == "file":
                    ti.size = len(d)
                    tf.addfile(ti, io.BytesIO(d))
                else:
                    ti.type = {"dir": tarfile.DIRTYPE,
                               "sym": tarfile.SYMTYPE,
                               "hard": tarfile.LNKTYPE}[kind]
                    ti.linkname = d.decode() if d else ""
                    tf.addfile(ti)
        return b.getvalue()

    other = ("0" * 64) + ".dchal"
    put(t, "set-dir-entry.tar", tar(("dir", "d", b"")))
    put(t, "set-symlink.tar", tar(("sym", name, name.encode())))
    put(t, "set-hardlink.tar", tar(("file", name, data),
                                   ("hard", other, name.encode())))
    put(t, "set-twice.tar", tar(("file", name, data), ("file", name, data)))
    put(t, "set-wrong-name.tar", tar(("file", other, data)))
    put(t, "set-bad-name.tar", tar(("file", "x.dchal", data)))
    put(t, "set-too-big-entry.tar", tar(("file", name, bytes(70000))))
    put(t, "set-empty.tar", tar())


# --- fuzz_pubkey: DER SubjectPublicKeyInfo followed by a byte -------------
def pubkey_seeds():
    import base64
    pem = open(os.path.join(ROOT, "testdata", "cose", "ecdsa-sig-02.pub.pem"),
               "rb").read().decode()
    der = base64.b64decode("".join(l for l in pem.splitlines()
                                   if not l.startswith("-----")))
    put("fuzz_pubkey", "spki-der-trailing.der", der + b"\0")
    put("fuzz_pubkey", "spki-der.der", der)


# --- fuzz_refset: sum lists (byte 0: 0 sha256 only, 2 SHA-1 allowed) ----
def refset_sum_seeds():
    t = "fuzz_refset"
    d = "ab" * 32
    lines = {
        "sums-crlf": ("%s  /usr/bin/a\r\n%s  b\r\n" % (d, d)).encode(),
        "sums-dot-slash": ("%s  ./usr/lib/x.so\n%s *./bin/sh\n" % (d, d)).encode(),
        "sums-escaped": ("\\%s  /a\\nb\\\\c\\rd\n\\%s  /bad\\q\n"
                         % (d, d)).encode(),
        "sums-escape-at-end": ("\\%s  /x\\\n" % d).encode(),
        "sums-empty-path": ("%s  \n" % d).encode(),
        "sums-line-too-long": ("%s  /%s\n" % (d, "p" * 5000)).encode(),
        "sums-relative-too-long": ("%s  %s\n" % (d, "p" * 4096)).encode(),
        "sums-duplicates": ("%s  /same\n%s  /same\n%s  /other\n"
                            % (d, d, "cd" * 32)).encode(),
    }
    for name, body in lines.items():
        put(t, name, b"\0" + body)
    put(t, "sums-sha1-mixed", b"\x02" + ("%s  /s1\n%s  /s256\n"
                                          % ("ef" * 20, d)).encode())


# --- fuzz_ima_sig: key files (u16 LE length, the file, then no log) -----
def ima_sig_seeds():
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography import x509
    t = "fuzz_ima_sig"
    sig = os.path.join(ROOT, "testdata", "ima", "sig")
    rsa_crt = open(os.path.join(sig, "rsa.crt"), "rb").read()
    pub = x509.load_pem_x509_certificate(rsa_crt).public_key()
    pkcs1 = pub.public_bytes(ser.Encoding.PEM, ser.PublicFormat.PKCS1)
    # a fixed Ed25519 key: a type IMA signatures do not use
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    ed_pem = ed.public_key().public_bytes(ser.Encoding.PEM,
                                          ser.PublicFormat.SubjectPublicKeyInfo)
    files = {
        "keys-rsa-public-key-block": pkcs1,
        "keys-ed25519": ed_pem,
        "keys-unknown-block": b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
        "keys-bad-cert-block": b"-----BEGIN CERTIFICATE-----\nMIIB\n"
                               b"-----END CERTIFICATE-----\n",
        "keys-same-twice": rsa_crt + rsa_crt,
        "keys-clash": open(os.path.join(sig, "clash.crt"), "rb").read(),
        "keys-other": open(os.path.join(sig, "other.crt"), "rb").read(),
        "keys-garbage": b"not a key\n",
    }
    for name, f in files.items():
        put(t, name, struct.pack("<H", len(f)) + f)


# --- fuzz_bundle: raw tars (byte 0 odd: the harness compresses them) -----
def bundle_seeds():
    import hashlib
    import io
    import tarfile
    t = "fuzz_bundle"
    body = b"member data\n"
    manifest = ("a.bin %d %s\n" % (len(body),
                                    hashlib.sha256(body).hexdigest())).encode()

    def tar(*entries, fmt=tarfile.USTAR_FORMAT, tail=b""):
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode="w", format=fmt) as tf:
            for kind, n, d in entries:
                ti = tarfile.TarInfo(n)
                ti.mtime = 1700000000
                if kind == "file":
                    ti.size = len(d)
                    tf.addfile(ti, io.BytesIO(d))
                else:
                    ti.type = {"dir": tarfile.DIRTYPE,
                               "hard": tarfile.LNKTYPE,
                               "fifo": tarfile.FIFOTYPE,
                               "chr": tarfile.CHRTYPE}[kind]
                    ti.linkname = d.decode()
                    tf.addfile(ti)
        return b"\x01" + b.getvalue() + tail

    m = ("file", "MANIFEST", manifest)
    put(t, "dir-member.tar", tar(m, ("dir", "a.bin", b"")))
    put(t, "hardlink-member.tar", tar(m, ("hard", "a.bin", "MANIFEST".encode())))
    put(t, "fifo-member.tar", tar(m, ("fifo", "a.bin", b"")))
    put(t, "chrdev-member.tar", tar(m, ("chr", "a.bin", b"")))
    put(t, "truncated-member.tar", tar(m, ("file", "a.bin", body))[:-1100])
    line = manifest.decode()
    put(t, "manifest-lists-twice.tar",
        tar(("file", "MANIFEST", (line * 2).encode()), ("file", "a.bin", body)))
    put(t, "manifest-member-too-big.tar",
        tar(("file", "MANIFEST", line.replace(" %d " % len(body),
                                              " 99999999999 ").encode())))
    put(t, "manifest-many-big.tar",
        tar(("file", "MANIFEST", "".join(
            "m%d.bin 999999999 %s\n" % (i, "00" * 32)
            for i in range(40)).encode())))
    put(t, "manifest-empty.tar", tar(("file", "MANIFEST", b"")))
    put(t, "archive-empty.tar", tar())
    # more zeros after the end than BUNDLE_TRAILER_MAX: a real zstd frame
    # (the zstd command, with the content size in the frame header, as
    # bundles have it), so the seed stays small
    import subprocess
    z = subprocess.run(["zstd", "-q", "-19", "-c", "-"], check=True,
                       capture_output=True,
                       input=tar(m, ("file", "a.bin", body),
                                 tail=bytes((1 << 20) + 1024))[1:]).stdout
    put(t, "zeros-after-end.bundle", b"\0" + z)
    put(t, "trailing-garbage.tar",
        tar(m, ("file", "a.bin", body), tail=b"\x01" + bytes(511)))
    # a zstd skippable frame in front of a real bundle
    valid = open(os.path.join(CORPUS, t, "valid.bundle"), "rb").read()
    skip = struct.pack("<II", 0x184D2A50, 4) + b"skip"
    put(t, "skippable-frame.bundle", valid[:1] + skip + valid[1:])
    put(t, "skippable-frame-after.bundle", valid + skip)


def main():
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    cose_seeds()
    escape_seeds()
    tree_seeds()
    ekcert_chain_seeds()
    ekcert_seeds()
    tpm_signature_seeds()
    ear_seeds()
    pcr_policy_seeds()
    challenge_set_seeds()
    pubkey_seeds()
    refset_sum_seeds()
    ima_sig_seeds()
    bundle_seeds()
    eventlog_rule_seeds()
    challenge_key_seeds()


main()
