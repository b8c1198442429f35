// check.mjs — checks STIX 2.1 documents against the OASIS STIX 2.1 JSON
// Schemas (draft 2020-12), with ajv. A second opinion on everything hotline
// emits and on every example we ship: the schemas were written by the
// OASIS CTI TC, not by us, so agreeing with them is evidence, not echo.
//
//   node check.mjs FILE|DIR...
//
// Each argument is a STIX object, a bundle, or a TAXII 2.1 envelope
// ({"objects": [...], "more": .., "next": ..}); a directory is searched
// recursively for *.json. Every object is validated on its own against the
// schema of its type (a bundle's shell against bundle.json without its
// objects): the OASIS bundle schema knows only some types in its oneOf and
// lets the rest through as "custom", so validating a bundle whole would
// check incident, note, opinion, location and grouping objects not at all.
// Objects of a type no OASIS schema describes (custom objects, hotline's
// own extension SDOs) are reported as skipped, never as valid.
//
// Schemas: every *.json under $HL_SHARED/stix2/schemas (default: the
// shared/data folder next to the repository), added to one Ajv instance so
// their relative $refs resolve through their $id URLs.
//
// Output: one line per violation, "FILE: objects[I]: /instance/path:
// message", then "N objects valid against the OASIS schemas" (plus the
// skipped count). Exit status: 0 all valid, 1 any violation, 2 usage or
// unreadable input (the same codes as the hotline CLI).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { domainToASCII, fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.HL_SHARED || join(here, "..", "..", "..", "shared", "data");
const schemaRoot = join(shared, "stix2", "schemas");

// Schema files whose basename is the STIX type they describe.
const TYPED_DIRS = new Set(["sdos", "sros", "observables"]);
const TYPED_COMMON = new Set(["marking-definition", "language-content", "extension-definition"]);

function jsonFiles(dir) {
    const out = [];
    for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
        else if (name.endsWith(".json")) out.push(p);
    }
    return out;
}

function loadSchemas(ajv) {
    const byType = new Map();
    let bundleId = null;
    for (const file of jsonFiles(schemaRoot)) {
        const schema = JSON.parse(readFileSync(file, "utf8"));
        ajv.addSchema(schema);
        const type = basename(file, ".json");
        const group = basename(dirname(file));
        if (TYPED_DIRS.has(group) || (group === "common" && TYPED_COMMON.has(type)))
            byType.set(type, schema.$id);
        if (group === "common" && type === "bundle") bundleId = schema.$id;
    }
    if (!bundleId || byType.size === 0) throw new Error(`no STIX schemas under ${schemaRoot}`);
    return { byType, bundleId };
}

// JSON Schema 2020-12 §7.3.3 "idn-hostname" (RFC 5890), which ajv-formats
// lacks: the name must map to an ASCII (A-label) form through IDNA, and that
// form must be an RFC 1123 host name.
function isIdnHostname(s) {
    const ascii = domainToASCII(s);
    if (ascii === "" || ascii.length > 253) return false;
    const labels = ascii.replace(/\.$/, "").split(".");
    return labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

// Splits a document into [label, object] pairs plus problems of its shell.
function objectsOf(doc, ajv, bundleId) {
    const problems = [];
    if (!isPlainObject(doc)) return { items: [], problems: ["document is not a JSON object"] };
    if (doc.type === "bundle") {
        const { objects, ...shell } = doc;
        const validate = ajv.getSchema(bundleId);
        if (!validate(shell))
            for (const e of validate.errors) problems.push(`${e.instancePath || "/"}: ${e.message}`);
        if (!Array.isArray(objects)) {
            problems.push("/objects: must be an array of STIX objects");
            return { items: [], problems };
        }
        return { items: objects.map((o, i) => [`objects[${i}]`, o]), problems };
    }
    if (doc.type === undefined && "objects" in doc) {
        // TAXII 2.1 §3.7 envelope: objects, and optionally more and next.
        if ("more" in doc && typeof doc.more !== "boolean") problems.push("/more: must be boolean");
        if ("next" in doc && typeof doc.next !== "string") problems.push("/next: must be string");
        if (!Array.isArray(doc.objects)) {
            problems.push("/objects: must be an array of STIX objects");
            return { items: [], problems };
        }
        return { items: doc.objects.map((o, i) => [`objects[${i}]`, o]), problems };
    }
    return { items: [["object", doc]], problems };
}

function main(args) {
    if (args.length === 0) {
        console.error("usage: node check.mjs FILE|DIR...");
        return 2;
    }
    // strict: false — the OASIS schemas use annotation keywords ajv's strict
    // mode does not know. unicodeRegExp: false — their patterns use escapes
    // such as "\\-" that ECMA-262 allows only without the "u" flag.
    const ajv = new Ajv2020({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    ajv.addFormat("idn-hostname", isIdnHostname);
    let byType, bundleId;
    try {
        ({ byType, bundleId } = loadSchemas(ajv));
    } catch (e) {
        console.error(`check.mjs: cannot load schemas: ${e.message}`);
        return 2;
    }

    let files = [];
    for (const a of args) {
        try {
            files.push(...(statSync(a).isDirectory() ? jsonFiles(a) : [a]));
        } catch (e) {
            console.error(`check.mjs: ${a}: ${e.message}`);
            return 2;
        }
    }

    let valid = 0, skipped = 0, failures = 0;
    for (const file of files) {
        const name = file;
        let doc;
        try {
            doc = JSON.parse(readFileSync(file, "utf8"));
        } catch (e) {
            console.error(`${name}: not JSON: ${e.message}`);
            return 2;
        }
        const { items, problems } = objectsOf(doc, ajv, bundleId);
        for (const p of problems) {
            console.log(`${name}: ${p}`);
            failures++;
        }
        for (const [label, obj] of items) {
            const type = isPlainObject(obj) ? obj.type : undefined;
            const id = byType.get(type);
            if (!id) {
                console.log(`${name}: ${label}: skipped: no OASIS schema for type ${JSON.stringify(type)}`);
                skipped++;
                continue;
            }
            const validate = ajv.getSchema(id);
            if (validate(obj)) {
                valid++;
                continue;
            }
            failures++;
            for (const e of validate.errors)
                console.log(`${name}: ${label}: ${e.instancePath || "/"}: ${e.message}` +
                    (e.params && e.params.pattern ? ` ${e.params.pattern}` : ""));
        }
    }
    const tail = skipped ? ` (${skipped} skipped: no schema for their type)` : "";
    if (failures) {
        console.log(`${failures} problem(s); ${valid} objects valid against the OASIS schemas${tail}`);
        return 1;
    }
    console.log(`${valid} objects valid against the OASIS schemas${tail}`);
    return 0;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    console.error(`check.mjs: ${e.message}`);
    process.exitCode = 2;
}
