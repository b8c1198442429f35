#!/usr/bin/env python3
"""fed_tool.py -- what the federation tests (fed*.sh) read from a running
node over its TAXII API (the node's cli.token, its own tls.crt as the only
trusted certificate), and the envelopes they craft.

  fed_tool.py objects DIR CHANNEL       every object of the collection, in
                                        arrival order, one JSON per line
  fed_tool.py check DIR CHANNEL N...    each party's log held in order and
                                        exactly once: prints "PARTY SIZE"
  fed_tool.py notes COUNT PARTY [TLP]   a bundle of COUNT new notes
  fed_tool.py post DIR USER-TOKEN CHANNEL FILE   POST FILE (an envelope) as
                                        that token; prints status and body
  fed_tool.py delete DIR CHANNEL ID     TAXII DELETE of the object (every
                                        version) as the node's cli; prints
                                        the status
"""
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid

NS = uuid.UUID("b403c8e5-2431-409e-8f0f-2090ced0a658")
MEDIA = "application/taxii+json;version=2.1"


def node(dir_):
    conf = {}
    for line in open(f"{dir_}/hotline.conf"):
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            conf[k.strip()] = v.strip()
    token = open(f"{dir_}/cli.token").read().strip()
    ctx = ssl.create_default_context(cafile=f"{dir_}/tls.crt")
    return "https://" + conf["listen"], token, ctx


def call(dir_, path, token=None, body=None, timeout=30, method=None):
    url, cli_token, ctx = node(dir_)
    req = urllib.request.Request(url + path, data=body,
                                 method=method or ("POST" if body else "GET"))
    req.add_header("Accept", MEDIA)
    req.add_header("Authorization", "Bearer " + (token or cli_token))
    if body:
        req.add_header("Content-Type", MEDIA)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def objects(dir_, channel):
    coll = uuid.uuid5(NS, channel)
    out, after = [], None
    while True:
        q = f"/api/collections/{coll}/objects/?match%5Bversion%5D=all&limit=1000"
        if after:
            q += "&next=" + after
        status, body, _ = call(dir_, q)
        if status != 200:
            raise SystemExit(f"GET objects: {status} {body[:200]!r}")
        d = json.loads(body)
        out += d.get("objects", [])
        if not d.get("more"):
            return out
        after = d["next"]


def check(dir_, channel, want):
    """Every party's entries appear in seq order 0..n-1, once each; every
    STIX id (with its version) once; prints PARTY SIZE per log."""
    seen, logs, bad = set(), {}, 0
    for o in objects(dir_, channel):
        key = (o["id"], o.get("modified", o.get("created")))
        if key in seen:
            print(f"twice: {key}", file=sys.stderr)
            bad += 1
        seen.add(key)
        p, s = o.get("hotline_party"), o.get("hotline_seq")
        n = logs.setdefault(p, 0)
        if s != n:
            print(f"{p}: seq {s} arrived where {n} was due", file=sys.stderr)
            bad += 1
        logs[p] = n + 1
    for p, n in sorted(logs.items()):
        print(p, n)
    for w in want:
        party, size = w.split("=")
        if logs.get(party, 0) != int(size):
            print(f"{party}: {logs.get(party, 0)} entries, want {size}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


def notes(count, party, tlp=None):
    objs = []
    for i in range(count):
        o = {"type": "note", "spec_version": "2.1", "id": f"note--{uuid.uuid4()}",
             "created": "2026-11-18T10:00:00.000Z", "modified": "2026-11-18T10:00:00.000Z",
             "content": f"note {i} of {count}", "object_refs": [party]}
        if tlp:
            o["object_marking_refs"] = [tlp]
        objs.append(o)
    print(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}))


def main():
    cmd = sys.argv[1]
    if cmd == "objects":
        for o in objects(sys.argv[2], sys.argv[3]):
            print(json.dumps(o, sort_keys=True))
    elif cmd == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    elif cmd == "notes":
        notes(int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif cmd == "delivery":  # DIR CHANNEL OBJECT WAIT_MS: status, time taken, answer
        coll = uuid.uuid5(NS, sys.argv[3])
        t = time.monotonic()
        status, body, _ = call(sys.argv[2], f"/api/hotline/collections/{coll}/delivery/"
                               f"?object={sys.argv[4]}&wait={sys.argv[5]}", timeout=90)
        print(json.dumps({"status": status, "ms": int((time.monotonic() - t) * 1000),
                          "answer": json.loads(body)}))
    elif cmd == "post":
        coll = uuid.uuid5(NS, sys.argv[4])
        status, body, _ = call(sys.argv[2], f"/api/collections/{coll}/objects/", sys.argv[3],
                               open(sys.argv[5], "rb").read())
        print(status)
        print(body.decode())
    elif cmd == "delete":
        coll = uuid.uuid5(NS, sys.argv[3])
        status, _, _ = call(sys.argv[2], f"/api/collections/{coll}/objects/{sys.argv[4]}/",
                            method="DELETE")
        print(status)
    else:
        raise SystemExit(f"fed_tool.py: unknown command {cmd}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # a reader (grep -q) that has seen enough
        os._exit(0)
