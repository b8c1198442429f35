#!/usr/bin/env bash
# compose.sh — issue 6: the commands that make objects (notify, dossier,
# request, opinion, note, translate) across two real nodes. Each command
# publishes through its node (exit 0, "published ID", delivered to the
# other member), and what it made arrives at the other node and is listed
# there (TAXII, and `hotline list`); bad arguments are refused naming
# them, with exit 2 and nothing published; --print works without a node
# and its output is valid STIX (`hotline validate`); --help for each.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must name the source root}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

demo="$HL_SRC/examples/demo"

for c in notify dossier request opinion note translate; do
    expect_rc 0 "$HL_BIN" "$c" --help && grep -q "^usage: hotline $c" "$tmp/out" ||
        fail "$c --help: $(head -2 "$tmp/out")"
done

fed_init us
fed_init ru
fed_link us ru
fed_channel us us-ru ru
fed_channel ru us-ru us
fed_serve us
fed_serve ru

# The id a publishing command printed ("published ID").
published() { sed -n 's/^published //p' "$tmp/out"; }

# publish NODE CMD ARGS...: runs hotline CMD ARGS at NODE, which must
# exit 0, print "published ID" and "delivered to <other>"; sets $id.
publish() {
    local at=$1 other
    shift
    [ "$at" = us ] && other=ru || other=us
    id=
    expect_rc 0 "$HL_BIN" "$@" --data "$tmp/$at" --channel us-ru --timeout 30 || return 1
    id=$(published)
    [ -n "$id" ] || fail "$*: no 'published ID': $(cat "$tmp/out")"
    grep -Eq "^delivered to $other \(receipt #[0-9]+\)$" "$tmp/out" ||
        fail "$*: not delivered to $other: $(cat "$tmp/out")"
}

# held NODE: every object of us-ru at NODE, one JSON per line, in $tmp/held.NODE.
held() { fed_tool objects "$tmp/$1" us-ru >"$tmp/held.$1"; }
# obj NODE ID EXPR: EXPR (Python, the object as o) over object ID at NODE.
obj() {
    python3 -c 'import json,sys
objs = [json.loads(l) for l in open(sys.argv[1])]
o = [x for x in objs if x["id"] == sys.argv[2]][-1]
print(eval(sys.argv[3]))' "$tmp/held.$1" "$2" "$3"
}

# listed NODE KIND ID: `hotline list --kind KIND` at NODE names ID.
listed() {
    expect_rc 0 "$HL_BIN" list --data "$tmp/$1" --channel us-ru --kind "$2" --json &&
        grep -q "$3" "$tmp/out" || fail "$1's list --kind $2 lacks $3"
}

# ---- notify, from flags ---------------------------------------------------------------
publish us notify --name "Ransomware attack on Meridian Fuel Pipeline Company" \
    --description "CinderLock encrypted billing systems." --first-seen 2026-05-07T05:12:00Z \
    --organization "Meridian Fuel Pipeline Company" --sector energy --sector utilities \
    --impact "Pipeline halted six days." --severity critical --type ransomware \
    --indicator "[ipv4-addr:value = '198.51.100.23']" \
    --indicator "[domain-name:value = 'update.cinderlock.example']" \
    --malware CinderLock --actor "Frost Harbor"
notice=$id
case $notice in report--*) ;; *) fail "notify published '$notice', not a report" ;; esac
held ru
[ "$(obj ru "$notice" "o['report_types']")" = "['incident']" ] || fail "notification's report_types"
[ "$(obj ru "$notice" "len(o['object_refs'])")" = 13 ] ||
    fail "notification refers to $(obj ru "$notice" "len(o['object_refs'])") objects, want 13"
incident=$(obj ru "$notice" "[r for r in o['object_refs'] if r.startswith('incident--')][0]")
[ "$(obj ru "$incident" "o['extensions']['extension-definition--ef765651-680c-498d-9894-99799f2fa126']['criticality']")" = 100 ] ||
    fail "the incident's Incident Core criticality at ru"
for ref in $(obj ru "$notice" "' '.join(o['object_refs'])"); do
    grep -q "\"id\": \"$ref\"" "$tmp/held.ru" || fail "$ref of the notification is not at ru"
done
listed ru notification "$notice"

# ---- notify, from a file, with a flag overriding it ---------------------------------------
publish us notify --file "$demo/meat-producer.notify" --severity medium --tlp amber
meat=$id
held ru
[ "$(obj ru "$meat" "o['object_marking_refs']")" = "['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421']" ] ||
    fail "--tlp amber: the report at ru is not marked TLP:AMBER"
meat_incident=$(obj ru "$meat" "[r for r in o['object_refs'] if r.startswith('incident--')][0]")
[ "$(obj ru "$meat_incident" "o['name']")" = "Ransomware attack on Redfield Meats" ] ||
    fail "the meat producer's incident name at ru"
[ "$(obj ru "$meat_incident" "o['extensions']['extension-definition--ef765651-680c-498d-9894-99799f2fa126']['criticality']")" = 50 ] ||
    fail "--severity medium did not override the file's high"

# ---- refused arguments: exit 2, the argument named, nothing published ------------------
before=$(fed_own_size us us-ru)
expect_rc 2 "$HL_BIN" notify --data "$tmp/us" --channel us-ru --name X --severity apocalyptic &&
    grep -q "severity" "$tmp/err" || fail "bad severity: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" notify --data "$tmp/us" --channel us-ru --name X --indicator "[ipv4-addr:value = " &&
    grep -q "pattern" "$tmp/err" || fail "bad pattern: $(cat "$tmp/err")"
echo '{"name": "X", "victim": "Y"}' >"$tmp/bad.notify"
expect_rc 2 "$HL_BIN" notify --data "$tmp/us" --channel us-ru --file "$tmp/bad.notify" &&
    grep -q "victim" "$tmp/err" || fail "unknown notify field: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" notify --data "$tmp/us" --channel us-ru --name X --tlp orange &&
    grep -q "tlp" "$tmp/err" || fail "bad TLP: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" notify --data "$tmp/us" --channel nowhere --name X &&
    grep -q "no channel 'nowhere'" "$tmp/err" || fail "unknown channel: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" request --data "$tmp/us" --channel us-ru --kind arrest --about "$incident" --due 24h &&
    grep -q "request_kind" "$tmp/err" || fail "bad request kind: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" request --data "$tmp/us" --channel us-ru --kind detain --about "$incident" --due soon ||
    true
expect_rc 2 "$HL_BIN" opinion "$notice" --agree --disagree --data "$tmp/us" --channel us-ru || true
expect_rc 2 "$HL_BIN" translate "$incident" --lang russian --field name --text x --data "$tmp/ru" --channel us-ru &&
    grep -q "lang" "$tmp/err" || fail "bad language tag: $(cat "$tmp/err")"
expect_rc 2 "$HL_BIN" translate "incident--00000000-0000-4000-8000-000000000000" --lang ru --field name \
    --text x --data "$tmp/ru" --channel us-ru && grep -q "holds no object" "$tmp/err" ||
    fail "translating what the channel lacks: $(cat "$tmp/err")"
[ "$(fed_own_size us us-ru)" = "$before" ] || fail "a refused command published something"

# ---- dossier, CSV and JSON ---------------------------------------------------------------
publish us dossier "$demo/suspects.csv" --name "Dossier: suspected members of Frost Harbor"
dossier=$id
held ru
[ "$(obj ru "$dossier" "o['name']")" = "Dossier: suspected members of Frost Harbor" ] || fail "dossier name"
[ "$(obj ru "$dossier" "sum(r.startswith('identity--') for r in o['object_refs'])")" = 3 ] ||
    fail "the CSV dossier's three persons at ru"
cat >"$tmp/group.json" <<JSON
{"name": "Frost Harbor, the group",
 "group": {"name": "Frost Harbor", "aliases": ["FH-Group", "ColdQuay"]},
 "persons": [{"name": "Alexei Testov", "handles": ["quillfeather"], "country": "RU",
              "incidents": ["$incident"]}]}
JSON
publish us dossier "$tmp/group.json"
group=$id
held ru
attribution=$(python3 -c 'import json,sys
objs = {o["id"]: o for o in map(json.loads, open(sys.argv[1]))}
r = [objs[x] for x in objs[sys.argv[2]]["object_refs"] if x.startswith("relationship--")
     and objs[x]["relationship_type"] == "attributed-to" and objs[x]["source_ref"] == sys.argv[3]]
print(r[0]["id"])' "$tmp/held.ru" "$group" "$incident")
[ -n "$attribution" ] || fail "no incident attributed-to threat-actor in the JSON dossier"
listed ru dossier "$dossier"
listed ru dossier "$group"

# ---- request ----------------------------------------------------------------------------------
publish us request --kind detain --about "$dossier" --about "$incident" --due 72h --priority high \
    --text "Detain the persons named in the dossier."
request=$id
grep -q "warning" "$tmp/err" && fail "request about held objects warned: $(cat "$tmp/err")"
held ru
[ "$(obj ru "$request" "o['type'], o['request_kind'], o['priority'], len(o['object_refs'])")" = \
    "('hotline-request', 'detain', 'high', 2)" ] || fail "the request at ru: $(grep "$request" "$tmp/held.ru")"
listed ru request "$request"

# ---- opinion and notes, from the other side ------------------------------------------------
publish ru opinion "$attribution" "$group" --strongly-disagree \
    --text "We strongly disagree that we are involved in this attack."
opinion=$id
held us
[ "$(obj us "$opinion" "o['opinion'], o['object_refs'][0]")" = "('strongly-disagree', '$attribution')" ] ||
    fail "the opinion at us"
publish ru note "$dossier" --abstract "Proposal: terms of reference" \
    --text "Each side acknowledges a request within 72 hours."
proposal=$id
publish us note "$proposal" --abstract "Counter-proposal" --text "48 hours, and evidence kept 180 days."
held ru
[ "$(obj ru "$id" "o['object_refs'], o['abstract']")" = "(['$proposal'], 'Counter-proposal')" ] ||
    fail "the counter-proposal at ru"
listed us opinion "$opinion"
listed us note "$proposal"
listed ru note "$id"

# ---- translation ---------------------------------------------------------------------------
publish ru translate "$incident" --lang ru --field description \
    --text "CinderLock зашифровал системы биллинга."
translation=$id
held us
[ "$(obj us "$translation" "o['object_ref'] == '$incident' and o['contents']['ru']['description']")" = \
    "CinderLock зашифровал системы биллинга." ] || fail "the translation at us"
[ "$(obj us "$translation" "o['object_modified']")" = "$(obj us "$incident" "o['modified']")" ] ||
    fail "the translation names another version"
listed us translation "$translation"
expect_rc 0 "$HL_BIN" show "$incident" --data "$tmp/us" --channel us-ru &&
    grep -q "CinderLock encrypted.*CinderLock зашифровал" "$tmp/out" ||
    fail "show $incident lacks the translation: $(head -c 600 "$tmp/out")"

# A note about what the channel does not hold is published, with a warning.
publish us note "$notice" "report--4bd61ea4-3a99-4efe-b09e-14b9331a2acf" --text "See also our earlier report."
grep -q "warning: channel us-ru holds no report--4bd61ea4-3a99-4efe-b09e-14b9331a2acf" "$tmp/err" ||
    fail "no warning about an object the channel lacks: $(cat "$tmp/err")"

# ---- --json and --print ----------------------------------------------------------------------
expect_rc 0 "$HL_BIN" note "$notice" --text "Received." --data "$tmp/ru" --channel us-ru --json --no-wait &&
    [ "$(json_get "$tmp/out" "d['id'].split('--')[0], d['status']['success_count']")" = "('note', 1)" ] ||
    fail "note --json: $(cat "$tmp/out")"
fed_stop us
expect_rc 0 "$HL_BIN" notify --file "$demo/supply-chain.notify" --data "$tmp/us" --channel us-ru --print &&
    cp "$tmp/out" "$tmp/printed.json"
expect_rc 0 "$HL_BIN" validate "$tmp/printed.json" || fail "--print's envelope is not valid STIX"
[ "$(json_get "$tmp/printed.json" "d['objects'][-1]['type']")" = report ] || fail "--print: no report last"
expect_rc 2 "$HL_BIN" note "$notice" --text x --data "$tmp/us" --channel us-ru --timeout 2 ||
    fail "publishing with the node stopped"
# Every input under examples/demo makes valid STIX (docs/compose.md's examples).
for f in "$demo"/*.notify; do
    expect_rc 0 "$HL_BIN" notify --file "$f" --data "$tmp/us" --channel us-ru --print &&
        cp "$tmp/out" "$tmp/example.json" && expect_rc 0 "$HL_BIN" validate "$tmp/example.json" ||
        fail "$f does not make valid STIX"
done
for f in "$demo"/suspects.csv "$demo"/frost-harbor.dossier; do
    expect_rc 0 "$HL_BIN" dossier "$f" --data "$tmp/us" --channel us-ru --print &&
        cp "$tmp/out" "$tmp/example.json" && expect_rc 0 "$HL_BIN" validate "$tmp/example.json" ||
        fail "$f does not make valid STIX"
done
[ "$(json_get "$tmp/example.json" "sum(o['type'] == 'threat-actor' for o in d['objects'])")" = 4 ] ||
    fail "frost-harbor.dossier: the group and three persons are not four threat-actors"

finish compose "notify, dossier, request, opinion, note, translate published, delivered and listed across two nodes"
