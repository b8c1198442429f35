#!/usr/bin/env node
// verify.mjs — an independent verifier of hotline evidence files.
//
// Written from docs/protocol.md alone (not from the C code), in another
// language, with Node's standard library only: node:crypto for SHA-256 and
// Ed25519, JSON.parse / JSON.stringify for the rest. It applies every
// verifier rule of docs/protocol.md ("Verifier rules", V1 to V16) and names
// the rule and the line of each failure. If this program and `hotline
// verify --file` ever disagree on a file, one of them (or the document) is
// wrong.
//
//   node verify.mjs [--verbose] [--first] FILE
//
// Output: one line per failure, "FILE:LINE: Vn: message", on stdout; with
// --verbose a summary line on success too. --first stops at the first
// failure. The file is read whole (so it must fit Node's buffers, 2 GiB).
// Exit codes: 0 every rule holds; 1 some rule failed; 2 usage error or
// unreadable file.

import { createHash, createPublicKey, verify as ed25519Verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// ---- limits and constants (docs/protocol.md) -------------------------------

const MAX_SAFE = 2 ** 53 - 1; // I-JSON integers, RFC 7493 §2.2
const MAX_DEPTH = 64; // nesting of arrays and objects
const MAX_SIGNATURES = 16; // top-level signatures checked on one object
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex'); // RFC 8410 §4
const SEAL_EXT = 'extension-definition--baae12af-2d48-454a-8ee9-0344aa2e53f9';
const HEAD_TYPE = 'hotline-tree-head';
const RECEIPT_TYPE = 'hotline-receipt';
// The new-sdo extension definitions of the two statement types (V12).
const STATEMENT_EXT = {
    [HEAD_TYPE]: 'extension-definition--0c3f5b8e-3d0a-4f4b-9c62-6a2f1f0b7d41',
    [RECEIPT_TYPE]: 'extension-definition--5f8e2c1a-7b94-4e0d-a3c6-2d9b8e4f1a37',
};
// An identity id, STIX 2.1 §2.9: an RFC 4122 UUID, version 1 to 5 (V3, V12).
const IDENTITY_RE = /^identity--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
const CHANNEL_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
// hotline_party: 46 characters, hex digits of either case in 8-4-4-4-12
// groups (the seal checks the shape only; V8).
const SEAL_PARTY_RE = /^identity--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MAX_LINE = 8388608; // bytes of one line, LF excluded (V1)
const MAX_PARTIES = 1000; // V3
const MAX_LOGS = 10000; // V4

// A rule failed. Thrown inside one line's checks; caught per line.
class RuleError extends Error {
    constructor(rule, message) {
        super(message);
        this.rule = rule;
    }
}
const fail = (rule, message) => {
    throw new RuleError(rule, message);
};
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha256 = (...parts) => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return h.digest();
};

// ---- RFC 8785 canonical form ----------------------------------------------

// RFC 8785 §3.2.2.2: for well-formed strings (checked by strictCheck) the
// escaping of ECMAScript's JSON.stringify is exactly the canonical one.
// §3.2.2.3: numbers as ECMAScript's Number::toString, which JSON.stringify
// uses (and it prints -0 as 0). §3.2.3: members sorted by the UTF-16 code
// units of their names, which is how Array.prototype.sort compares strings.
function canon(v) {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number') {
        return JSON.stringify(v); // finite: parseStrict checked
    }
    if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
    const keys = Object.keys(v).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}

// The strict-JSON rules of docs/protocol.md §3 that JSON.parse does not
// enforce by itself: well-formed UTF-16 (no lone surrogate), no U+0000,
// integers within ±(2^53 − 1) and no number of magnitude in [2^53, 1e21)
// (all doubles there are integers), finite numbers, depth.
function strictCheck(v, depth, rule) {
    if (typeof v === 'string') {
        if (!v.isWellFormed()) fail(rule, 'a string holds a lone surrogate');
        if (v.includes('\u0000')) fail(rule, 'a string holds U+0000');
        return;
    }
    if (typeof v === 'number') {
        if (!Number.isFinite(v)) fail(rule, 'a number does not fit a double');
        if (Number.isInteger(v) && Math.abs(v) > MAX_SAFE && Math.abs(v) < 1e21)
            fail(rule, `number ${v} is beyond ±(2^53 - 1) (RFC 7493 §2.2)`);
        return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= MAX_DEPTH) fail(rule, `nested deeper than ${MAX_DEPTH}`);
    for (const [k, x] of Object.entries(v)) {
        if (!Array.isArray(v)) strictCheck(k, depth + 1, rule);
        strictCheck(x, depth + 1, rule);
    }
}

// The first member name that occurs twice in one object of text (which
// JSON.parse has accepted, so it is valid JSON), or null. RFC 7493 §2.3.
function duplicateName(text) {
    const stack = []; // a Set of names per open object, null per array
    let atName = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"') {
            let j = i + 1;
            while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
            const names = stack[stack.length - 1];
            if (names && atName) {
                const name = JSON.parse(text.slice(i, j + 1));
                if (names.has(name)) return name;
                names.add(name);
                atName = false;
            }
            i = j;
        } else if (c === '{' || c === '[') {
            stack.push(c === '{' ? new Set() : null);
            atName = c === '{';
        } else if (c === '}' || c === ']') {
            stack.pop();
        } else if (c === ',') {
            atName = stack[stack.length - 1] instanceof Set;
        }
    }
    return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Parses one line (bytes, without its LF) strictly as a JSON object
// (docs/protocol.md §3); a failure is reported under rule.
function parseStrict(bytes, what, rule) {
    let text, v;
    try {
        text = utf8.decode(bytes);
    } catch {
        fail(rule, `${what} is not valid UTF-8`);
    }
    try {
        v = JSON.parse(text); // refuses a byte-order mark too
    } catch (e) {
        fail(rule, `${what} is not JSON: ${e.message}`);
    }
    if (!isObject(v)) fail(rule, `${what} is not a JSON object`);
    const dup = duplicateName(text);
    if (dup !== null) fail(rule, `${what} has the member name ${JSON.stringify(dup)} twice`);
    strictCheck(v, 0, rule);
    return v;
}

// ---- base64, keys, X.590 signatures ----------------------------------------

// Strict base64 (RFC 4648 §4, or §5 when url) without padding: the
// alphabet only, and re-encoding must give the same text.
function b64decode(s, url) {
    const re = url ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+/]*$/;
    if (typeof s !== 'string' || !re.test(s)) return null;
    const b = Buffer.from(s, url ? 'base64url' : 'base64');
    const again = url ? b.toString('base64url') : b.toString('base64').replace(/=+$/, '');
    return again === s ? b : null;
}

// An X.590 public_key: 59 characters, base64 of the 44-byte DER SPKI.
// Returns the 32 key bytes, or null.
function spkiDecode(s) {
    if (typeof s !== 'string' || s.length !== 59) return null;
    const der = b64decode(s, false);
    if (!der || der.length !== 44 || !der.subarray(0, 12).equals(SPKI_PREFIX)) return null;
    return der.subarray(12);
}

const keyCache = new Map();
function publicKeyObject(spki) {
    let k = keyCache.get(spki);
    if (!k) {
        k = createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' });
        keyCache.set(spki, k);
    }
    return k;
}

// X.590 §8.1 for entry i of obj.signatures: the object with that entry
// alone, its value removed, in RFC 8785 form, SHA-256, lowercase hex; the
// Ed25519 signature (value, base64url) is over those 64 ASCII characters.
function verifySignature(obj, i) {
    const e = obj.signatures[i];
    const at = `signatures[${i}]`;
    if (!isObject(e)) fail('V9', `${at} is not an object`);
    if (e.algorithm !== 'Ed25519') fail('V9', `${at}.algorithm is not "Ed25519"`);
    if (e.hash_algorithm !== 'sha-256') fail('V9', `${at}.hash_algorithm is not "sha-256"`);
    if (!spkiDecode(e.public_key)) fail('V9', `${at}.public_key is not an Ed25519 SPKI in canonical unpadded base64`);
    const sig = typeof e.value === 'string' && e.value.length === 86 ? b64decode(e.value, true) : null;
    if (!sig || sig.length !== 64) fail('V9', `${at}.value is not 86 characters of canonical base64url`);
    const bare = { ...e };
    delete bare.value;
    const digest = sha256(canon({ ...obj, signatures: [bare] })).toString('hex');
    if (!ed25519Verify(null, Buffer.from(digest, 'ascii'), publicKeyObject(e.public_key), sig))
        fail('V9', `${at}: the Ed25519 signature does not verify`);
    return e.public_key;
}

// ---- Merkle trees, RFC 9162 §2.1.1 ------------------------------------------

const leafHash = (bytes) => sha256(Buffer.of(0), bytes);
const nodeHash = (l, r) => sha256(Buffer.of(1), l, r);

// MTH of the first n leaf hashes, folded from the frontier: the roots of
// the maximal complete subtrees, left to right, one per set bit of n.
class Frontier {
    constructor() {
        this.size = 0;
        this.stack = []; // [{ width, hash }]
    }
    push(leaf) {
        let h = leaf;
        let width = 1;
        while (this.stack.length && this.stack[this.stack.length - 1].width === width) {
            h = nodeHash(this.stack.pop().hash, h);
            width *= 2;
        }
        this.stack.push({ width, hash: h });
        this.size++;
    }
    root() {
        if (this.stack.length === 0) return sha256(Buffer.alloc(0)); // MTH({}) = SHA-256()
        let r = this.stack[this.stack.length - 1].hash;
        for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i].hash, r);
        return r;
    }
}

// ---- reading the file -------------------------------------------------------

// V1: the lines of buf, split at LF, each at most MAX_LINE bytes, no NUL.
// Reports what is wrong and returns the lines before it: the file broke
// off there (audit.broken), and the lines before it are still checked.
function splitLines(audit, buf) {
    const lines = [];
    let start = 0;
    while (start < buf.length) {
        const nl = buf.indexOf(0x0a, start);
        const line = buf.subarray(start, nl < 0 ? buf.length : nl);
        const n = lines.length + 1;
        let broken = null;
        if (nl < 0) broken = 'the last line does not end with LF (file cut?)';
        else if (line.length > MAX_LINE) broken = `the line is longer than ${MAX_LINE} bytes`;
        else if (line.includes(0)) broken = 'the line holds a NUL byte';
        if (broken) {
            audit.report(n, 'V1', broken);
            audit.broken = true;
            return lines;
        }
        lines.push(line);
        start = nl + 1;
    }
    if (lines.length === 0) audit.report(1, 'V1', 'the file is empty');
    return lines;
}

// V2–V4: the header. Returns { keys: Map(party id → public_key), logs }.
function readHeader(bytes) {
    const h = parseStrict(bytes, 'the header', 'V2');
    if (canon(h) !== utf8.decode(bytes)) fail('V2', 'the header is not in its RFC 8785 form');
    if (h.hotline_evidence !== 1) fail('V2', 'hotline_evidence is not 1: not a hotline evidence file of version 1');
    if (!Array.isArray(h.parties) || h.parties.length > MAX_PARTIES)
        fail('V3', `parties is not an array of at most ${MAX_PARTIES}`);
    const keys = new Map();
    h.parties.forEach((p, i) => {
        if (!isObject(p) || typeof p.id !== 'string' || !IDENTITY_RE.test(p.id))
            fail('V3', `parties[${i}].id is not an identity id`);
        if (!spkiDecode(p.public_key))
            fail('V3', `parties[${i}].public_key is not an Ed25519 public key in canonical unpadded base64`);
        if (!keys.has(p.id)) keys.set(p.id, p.public_key);
    });
    if (!Array.isArray(h.logs) || h.logs.length > MAX_LOGS) fail('V4', `logs is not an array of at most ${MAX_LOGS}`);
    const logs = h.logs.map((l, i) => {
        if (!isObject(l)) fail('V4', `logs[${i}] is not an object`);
        if (typeof l.party !== 'string' || !keys.has(l.party)) fail('V4', `logs[${i}].party is not the id of one of the parties`);
        if (typeof l.channel !== 'string' || !CHANNEL_RE.test(l.channel)) fail('V4', `logs[${i}].channel is not a channel name`);
        if (!Number.isSafeInteger(l.size) || l.size < 0) fail('V4', `logs[${i}].size is not an integer >= 0`);
        return { party: l.party, channel: l.channel, size: l.size, key: `${l.party} ${l.channel}` };
    });
    return { keys, logs };
}

// ---- the audit --------------------------------------------------------------

class Audit {
    constructor(file, opts) {
        this.file = file;
        this.opts = opts;
        this.failures = 0;
        this.stopped = false;
        this.broken = false; // V1 failed: the lines after the break are not read
        this.logs = 0;
        this.entries = 0;
        this.heads = 0;
        this.receipts = 0;
        this.leaves = new Map(); // log key → [leaf hash]
        this.claims = []; // receipts: { logKey, size, root, line }
    }
    report(line, rule, message) {
        this.failures++;
        console.log(`${this.file}:${line}: ${rule}: ${message}`);
        if (this.opts.first) this.stopped = true;
    }
}

// V8: the seal's properties are well-formed and its extension declared.
function checkSealProps(obj) {
    if (typeof obj.hotline_party !== 'string' || !SEAL_PARTY_RE.test(obj.hotline_party))
        fail('V8', 'hotline_party is missing or not an identity id');
    if (typeof obj.hotline_channel !== 'string' || !CHANNEL_RE.test(obj.hotline_channel))
        fail('V8', 'hotline_channel is missing or not a channel name');
    if (!Number.isSafeInteger(obj.hotline_seq) || obj.hotline_seq < 0)
        fail('V8', 'hotline_seq is missing or not an integer from 0 to 2^53 - 1');
    const decl = isObject(obj.extensions) ? obj.extensions[SEAL_EXT] : undefined;
    if (!isObject(decl) || decl.extension_type !== 'toplevel-property-extension')
        fail('V8', `extensions does not declare ${SEAL_EXT} as toplevel-property-extension`);
}

// V9: 1 to 16 top-level signatures, every one valid. Returns the signers.
function checkSignatures(obj) {
    if (!Array.isArray(obj.signatures) || obj.signatures.length === 0) fail('V9', 'no top-level signatures');
    if (obj.signatures.length > MAX_SIGNATURES) fail('V9', `more than ${MAX_SIGNATURES} signatures`);
    return obj.signatures.map((_, i) => verifySignature(obj, i));
}

// V12: a tree head or receipt is well-formed.
function readStatement(obj) {
    for (const k of ['created_by_ref', 'log_party'])
        if (typeof obj[k] !== 'string' || !IDENTITY_RE.test(obj[k])) fail('V12', `${k} is not an identity id`);
    const ch = obj.log_channel;
    if (typeof ch !== 'string' || ch.length === 0 || Buffer.byteLength(ch) > 128)
        fail('V12', 'log_channel is not a string of 1 to 128 bytes');
    if (!Number.isSafeInteger(obj.tree_size) || obj.tree_size < 0) fail('V12', 'tree_size is not an integer from 0 to 2^53 - 1');
    if (typeof obj.root_hash !== 'string' || !HEX64_RE.test(obj.root_hash)) fail('V12', 'root_hash is not 64 lowercase hex digits');
    const ext = STATEMENT_EXT[obj.type];
    const decl = isObject(obj.extensions) ? obj.extensions[ext] : undefined;
    if (!isObject(decl) || decl.extension_type !== 'new-sdo') fail('V12', `extensions does not declare ${ext} as new-sdo`);
    if (obj.type === RECEIPT_TYPE && obj.log_party === obj.created_by_ref) fail('V12', 'a receipt of its own log: nobody cosigns their own log');
    return { kind: obj.type === HEAD_TYPE ? 'head' : 'receipt', logParty: obj.log_party, size: obj.tree_size, root: obj.root_hash };
}

// V6–V14 for entry seq of log, on line `line`. Throws the first failure
// of V6–V9 and V12; V10, V11, V13 and V14 go to the report directly.
// Returns true if the entry is a tree head (passing V6–V9 and V12), which
// V16 asks of a log's last entry.
function checkEntry(audit, bytes, log, seq, line, partyKey, frontier) {
    const obj = parseStrict(bytes, `entry ${seq}`, 'V6');
    if (canon(obj) !== utf8.decode(bytes))
        fail('V7', `entry ${seq} is not in its RFC 8785 form (member order, whitespace, escapes or number spelling)`);
    checkSealProps(obj);
    const signers = checkSignatures(obj);
    const st = obj.type === HEAD_TYPE || obj.type === RECEIPT_TYPE ? readStatement(obj) : null;
    if (obj.hotline_party !== log.party || obj.hotline_channel !== log.channel)
        audit.report(line, 'V10', `sealed for the log of ${obj.hotline_party} in ${obj.hotline_channel}, not this one (${log.party} in ${log.channel})`);
    else if (obj.hotline_seq !== seq) audit.report(line, 'V10', `sealed as entry ${obj.hotline_seq}, found as entry ${seq}`);
    else if (signers[0] !== partyKey) audit.report(line, 'V11', `signatures[0] is not by the key the header gives ${log.party}`);
    if (!st) return false;
    if (obj.created_by_ref !== log.party || obj.log_channel !== log.channel)
        audit.report(line, 'V13', `a statement in this log must be ${log.party}'s own about channel ${log.channel}`);
    if (st.kind === 'receipt') {
        audit.claims.push({ logKey: `${st.logParty} ${obj.log_channel}`, by: obj.created_by_ref, size: st.size, root: st.root, line });
        return false;
    }
    if (st.logParty !== log.party || st.size !== seq) {
        audit.report(line, 'V14', `tree head states size ${st.size} of ${st.logParty}'s log; as entry ${seq} it must state size ${seq} of its own`);
        return true;
    }
    audit.heads++;
    const root = frontier.root().toString('hex');
    if (root !== st.root) audit.report(line, 'V14', `tree head of size ${st.size} states root ${st.root}, the entries give ${root}`);
    return true;
}

// V15, once every log is read: each receipt against the log it cosigns,
// when the file holds that log. The file holds its logs whole, so a
// receipt of more entries than the log has here means entries were cut
// from its end; a receipt of a log the file does not hold is not checked.
function checkReceipts(audit) {
    const byLog = new Map();
    for (const c of audit.claims) {
        if (!byLog.has(c.logKey)) byLog.set(c.logKey, []);
        byLog.get(c.logKey).push(c);
    }
    for (const [logKey, claims] of byLog) {
        const leaves = audit.leaves.get(logKey);
        if (!leaves) continue;
        claims.sort((a, b) => a.size - b.size);
        const f = new Frontier();
        for (const c of claims) {
            if (c.size > leaves.length) {
                audit.report(c.line, 'V15', `receipt by ${c.by} cosigns ${c.size} entries of the log of ${logKey.replace(' ', ' in ')}, the file holds ${leaves.length}: entries are missing at its end`);
                continue;
            }
            while (f.size < c.size) f.push(leaves[f.size]);
            audit.receipts++;
            const root = f.root().toString('hex');
            if (root !== c.root)
                audit.report(c.line, 'V15', `receipt states root ${c.root} for size ${c.size} of the log of ${logKey.replace(' ', ' in ')}, the entries give ${root}`);
        }
    }
}

// V5–V14 and V16 for one log, from line index ln; returns the next line
// index, or -1 if the file ended (or broke off, V1) before the log did.
// Either way the entries read so far are a log whose end V16 checks.
function auditLog(audit, lines, ln, log, partyKey) {
    const leaves = [];
    const f = new Frontier();
    const line0 = ln; // the line of entry 0, less one
    let lastIsHead = false;
    audit.logs++;
    for (let seq = 0; seq < log.size && !audit.stopped; seq++, ln++) {
        if (ln >= lines.length) {
            if (!audit.broken)
                audit.report(lines.length + 1, 'V5', `the file ends at line ${lines.length}: the log of ${log.party} in ${log.channel} should hold ${log.size} entries, it has ${seq}`);
            ln = -1;
            break;
        }
        try {
            lastIsHead = checkEntry(audit, lines[ln], log, seq, ln + 1, partyKey, f);
        } catch (err) {
            if (!(err instanceof RuleError)) throw err;
            audit.report(ln + 1, err.rule, err.message);
            lastIsHead = false;
        }
        const leaf = leafHash(lines[ln]); // a failed entry is still a leaf
        leaves.push(leaf);
        f.push(leaf);
        audit.entries++;
    }
    if (!audit.leaves.has(log.key)) audit.leaves.set(log.key, leaves); // a log listed twice: the first
    // V16: every batch ends with a tree head, so a log held whole does too.
    if (!audit.stopped && leaves.length > 0 && !lastIsHead)
        audit.report(line0 + leaves.length, 'V16', `the log of ${log.party} in ${log.channel} does not end with a tree head: it was cut after entry ${leaves.length - 1}, or its last batch is incomplete`);
    return ln;
}

function auditFile(file, opts) {
    let buf;
    try {
        buf = readFileSync(file);
    } catch (e) {
        console.error(`verify.mjs: ${file}: ${e.message}`);
        return 2;
    }
    const audit = new Audit(file, opts);
    const lines = splitLines(audit, buf);
    if (lines.length === 0 || audit.stopped) return finish(audit);
    let header;
    try {
        header = readHeader(lines[0]);
    } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        audit.report(1, e.rule, e.message);
        return finish(audit);
    }
    let ln = 1;
    for (const log of header.logs) {
        if (audit.stopped || ln < 0) break;
        ln = auditLog(audit, lines, ln, log, header.keys.get(log.party));
    }
    if (!audit.stopped && ln >= 0 && ln < lines.length) audit.report(ln + 1, 'V5', 'a line after the last entry of the header\'s logs');
    if (!audit.stopped) checkReceipts(audit);
    return finish(audit);
}

function finish(audit) {
    if (audit.failures === 0 && audit.opts.verbose)
        console.log(`${audit.file}: ok: ${audit.logs} log(s), ${audit.entries} entries, ${audit.heads} tree head(s), ${audit.receipts} receipt(s)`);
    return audit.failures ? 1 : 0;
}

function main(argv) {
    const opts = { verbose: false, first: false };
    const files = [];
    for (const a of argv) {
        if (a === '--verbose' || a === '-v') opts.verbose = true;
        else if (a === '--first') opts.first = true;
        else if (a === '--help' || a === '-h') {
            console.log('usage: node verify.mjs [--verbose] [--first] FILE\n\nVerifies a hotline evidence file against docs/protocol.md\'s rules V1-V16.\nExit codes: 0 all rules hold; 1 a rule failed; 2 usage or unreadable file.');
            return 0;
        } else if (a.startsWith('-') && a !== '-') {
            console.error(`verify.mjs: unknown option ${a}`);
            return 2;
        } else files.push(a);
    }
    if (files.length !== 1) {
        console.error('usage: node verify.mjs [--verbose] [--first] FILE');
        return 2;
    }
    return auditFile(files[0], opts);
}

// The pieces other tests check on their own (the RFC 8785 vectors).
export { canon, parseStrict, leafHash, Frontier, auditFile };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
    process.exitCode = main(process.argv.slice(2));
