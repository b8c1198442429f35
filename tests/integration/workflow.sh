#!/bin/bash
# workflow.sh — the cooperation workflow across two real nodes (us, ru) on
# 127.0.0.1, with a clock the test moves (`--now`) instead of sleeps:
#   - channel policy (set, show, refused durations);
#   - a notification: ack refused to its publisher, listed open, overdue
#     only after the policy's time, escalated once (the hook runs once with
#     ITEM-ID KIND, not again at a later check), acknowledged by the other
#     member, then no longer overdue; a second ack refused;
#   - requests: every state and every refused transition of hotline
#     respond (with the message naming the state and the allowed next),
#     the requester refused, declined / needs-information without text
#     refused; a request past due escalated once; a received invalid
#     response (bad transition, from the requester) kept and flagged;
#   - hotline serve's own deadline timer (deadline_interval_s) escalating
#     with the real clock, its hook failing and counted;
#   - a malformed request or response refused by the node, naming why;
#   - list filters (kind, status, overdue, from, since), show (thread:
#     state, allowed next, delivery, acknowledgments, opinions, notes),
#     translations side by side with the original;
#   - the metrics endpoint (administrators only);
#   - identical scorecards on both nodes once they hold the same logs.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

H="$HL_BIN"
ts() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# ---- two nodes, one channel -------------------------------------------------------------
fed_init us
fed_init ru
fed_link us ru
fed_channel us us-ru ru
fed_channel ru us-ru us
US=$(fed_party us)
RU=$(fed_party ru)

# us: the test's clock only (its timer runs once, at start); ru: a timer
# every second with a hook that records and fails.
cat >"$tmp/hook-us" <<EOF
#!/bin/sh
echo "\$1 \$2" >>"$tmp/hook-us.calls"
echo "paging the duty officer about \$1"
EOF
cat >"$tmp/hook-ru" <<EOF
#!/bin/sh
echo "\$1 \$2" >>"$tmp/hook-ru.calls"
exit 3
EOF
chmod +x "$tmp/hook-us" "$tmp/hook-ru"
sed -i "s|^deadline_interval_s = .*|deadline_interval_s = 86400|; s|^escalation_hook =.*|escalation_hook = $tmp/hook-us|" "$tmp/us/hotline.conf"
sed -i "s|^deadline_interval_s = .*|deadline_interval_s = 1|; s|^escalation_hook =.*|escalation_hook = $tmp/hook-ru|" "$tmp/ru/hotline.conf"
grep -q "^escalation_hook = $tmp/hook-us$" "$tmp/us/hotline.conf" || fail "hotline.conf has no escalation_hook"

# ---- channel policy ----------------------------------------------------------------------
expect_rc 0 "$H" channel policy us-ru --data "$tmp/us" &&
    grep -q "within 1d 00h (the default)" "$tmp/out" || fail "default policy: $(cat "$tmp/out")"
for bad in 0h 4 4x -1h 400d ""; do
    expect_rc 2 "$H" channel policy us-ru --ack-within "$bad" --data "$tmp/us" || true
done
expect_rc 2 "$H" channel policy nowhere --ack-within 4h --data "$tmp/us" || true
for n in us ru; do
    expect_rc 0 "$H" channel policy us-ru --ack-within 4h --data "$tmp/$n" || true
done
expect_rc 0 "$H" channel policy us-ru --data "$tmp/us" --json &&
    [ "$(jq_ "d['ack_within_s']" <"$tmp/out")" = 14400 ] || fail "policy 4h: $(cat "$tmp/out")"

fed_serve us
fed_serve ru

# ---- a notification ------------------------------------------------------------------------
expect_rc 0 "$H" send --channel us-ru "$HL_SRC/examples/incident-pipeline.json" --data "$tmp/us" \
    --timeout 30 || true
REP=report--a7a4c87d-4a5d-497d-bb29-f8d83ae66e1b
INC=incident--02e2de12-1211-43f6-8dbd-88de3f7dd7ca
expect_rc 0 "$H" list --data "$tmp/ru" --kind notification --json &&
    [ "$(jq_ "[(i['id'], i['status'], i['from']) for i in d]" <"$tmp/out")" = "[('$REP', 'open', '$US')]" ] ||
    fail "ru lists the notification open: $(cat "$tmp/out")"
expect_rc 1 "$H" ack "$REP" --data "$tmp/us" &&
    grep -q "a response must come from another party" "$tmp/err" || fail "us acks its own: $(cat "$tmp/err")"

# Overdue only past the policy: 4 h after the seal.
expect_rc 0 "$H" list --data "$tmp/us" --overdue --now +3h --json && [ "$(jq_ "len(d)" <"$tmp/out")" = 0 ] ||
    fail "overdue after 3h: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --overdue --now +5h --json &&
    [ "$(jq_ "[i['id'] for i in d]" <"$tmp/out")" = "['$REP']" ] || fail "overdue after 5h: $(cat "$tmp/out")"
expect_rc 0 "$H" deadlines --data "$tmp/us" --now +3h --json &&
    [ "$(jq_ "len(d['escalated'])" <"$tmp/out")" = 0 ] || fail "escalated at 3h: $(cat "$tmp/out")"
[ ! -e "$tmp/hook-us.calls" ] || fail "hook ran before anything was overdue"
expect_rc 0 "$H" deadlines --data "$tmp/us" --now +5h
grep -q "^escalated ack-overdue $REP member ru (due .*) hook: ok$" "$tmp/out" ||
    fail "escalation at 5h: $(cat "$tmp/out")"
grep -q "paging the duty officer about $REP" "$tmp/err" || fail "hook output: $(cat "$tmp/err")"
[ "$(cat "$tmp/hook-us.calls")" = "$REP ack-overdue" ] || fail "hook calls: $(cat "$tmp/hook-us.calls")"
expect_rc 0 "$H" deadlines --data "$tmp/us" --now +6h --json &&
    [ "$(jq_ "(len(d['escalated']), d['overdue']['ack'])" <"$tmp/out")" = "(0, 1)" ] ||
    fail "second check: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/hook-us.calls")" = 1 ] || fail "hook ran again: $(cat "$tmp/hook-us.calls")"

expect_rc 0 "$H" ack "$REP" --data "$tmp/ru" --text "received; our CERT is looking" --timeout 30 || true
grep -q "^published hotline-response--" "$tmp/out" || fail "ack output: $(cat "$tmp/out")"
ACK=$(sed -n 's/^published //p' "$tmp/out")
expect_rc 1 "$H" ack "$REP" --data "$tmp/ru" &&
    grep -q "answered notification $REP already at .* ($ACK)" "$tmp/err" || fail "second ack: $(cat "$tmp/err")"
expect_rc 0 "$H" list --data "$tmp/us" --overdue --now +7h --json && [ "$(jq_ "len(d)" <"$tmp/out")" = 0 ] ||
    fail "acknowledged, still overdue: $(cat "$tmp/out")"
expect_rc 0 "$H" show "$REP" --data "$tmp/us" --json
[ "$(jq_ "[(a['name'], a['acknowledged'], a['response']) for a in d['acknowledgments']]" <"$tmp/out")" = "[('ru', True, '$ACK')]" ] ||
    fail "show acknowledgments: $(cat "$tmp/out")"
[ "$(jq_ "[(x['name'], x['delivered']) for x in d['delivery']]" <"$tmp/out")" = "[('ru', True)]" ] ||
    fail "show delivery: $(cat "$tmp/out")"
[ "$(jq_ "d['item']['status']" <"$tmp/out")" = acknowledged ] || fail "show status: $(cat "$tmp/out")"
expect_rc 0 "$H" show "$REP" --data "$tmp/us"
grep -q "^  ru: acknowledged .*($ACK, .* after sealing)$" "$tmp/out" || fail "show text: $(cat "$tmp/out")"
grep -q "^  ru: delivered .*(receipt #[0-9]*, .* after sealing)$" "$tmp/out" || fail "show text: $(cat "$tmp/out")"

# ---- requests and every transition ----------------------------------------------------------
request() { # NODE KIND DUE TEXT -> the request id
    "$H" request --data "$tmp/$1" --channel us-ru --kind "$2" --about "$INC" --due "$3" \
        --priority high --text "$4" --timeout 30 >"$tmp/req.out" 2>&1 || fail "request $2: $(cat "$tmp/req.out")"
    sed -n 's/^published //p' "$tmp/req.out"
}
respond() { # WANT-RC NODE ID STATUS [args...]
    local want=$1 node=$2 id=$3 status=$4
    shift 4
    expect_rc "$want" "$H" respond "$id" --status "$status" --data "$tmp/$node" --timeout 30 "$@"
}
REQ1=$(request ru detain "$(ts '+2 days')" "Detain the persons named in the dossier")
REQ3=$(request ru investigate "$(ts '-1 hour')" "Investigate the CinderLock relays")
[ -n "$REQ1" ] && [ -n "$REQ3" ] || fail "requests not published"
fed_wait 30 "$H" show "$REQ3" --data "$tmp/us"

respond 1 ru "$REQ1" acknowledged && grep -q "must come from another party" "$tmp/err" ||
    fail "requester answers: $(cat "$tmp/err")"
respond 1 us "$REQ1" completed &&
    grep -q "request $REQ1 is open: it cannot become completed (allowed: acknowledged, in-progress, needs-information or declined)" "$tmp/err" ||
    fail "open -> completed: $(cat "$tmp/err")"
respond 0 us "$REQ1" acknowledged || true
respond 1 us "$REQ1" acknowledged && grep -q "is acknowledged: it cannot become acknowledged" "$tmp/err" ||
    fail "acknowledged twice: $(cat "$tmp/err")"
respond 0 us "$REQ1" in-progress --text "warrants requested" || true
respond 1 us "$REQ1" in-progress && grep -q "is in-progress: it cannot become in-progress (allowed: needs-information, completed or declined)" "$tmp/err" ||
    fail "in-progress twice: $(cat "$tmp/err")"
respond 1 us "$REQ1" needs-information && grep -q "description.*what is needed" "$tmp/err" ||
    fail "needs-information without text: $(cat "$tmp/err")"
respond 0 us "$REQ1" needs-information --text "current addresses of the persons" || true
respond 1 us "$REQ1" acknowledged && grep -q "is needs-information: it cannot become acknowledged (allowed: in-progress, completed or declined)" "$tmp/err" ||
    fail "needs-information -> acknowledged: $(cat "$tmp/err")"
respond 0 us "$REQ1" in-progress --text "addresses received" || true
respond 0 us "$REQ1" completed --text "two persons detained" --persons-detained 2 --action "arrest warrants executed" || true
for s in acknowledged in-progress needs-information completed declined; do
    respond 1 us "$REQ1" "$s" --text x && grep -q "is completed: it cannot become $s (allowed: none: the request is completed)" "$tmp/err" ||
        fail "completed -> $s: $(cat "$tmp/err")"
done
respond 2 us "$REQ1" maybe || true
respond 1 us "$REQ3" in-progress --persons-detained -1 && grep -q "persons-detained takes an integer >= 0" "$tmp/err" ||
    fail "negative count: $(cat "$tmp/err")"

REQ2=$(request us preserve-evidence "$(ts '+1 day')" "Preserve the logs of the relay hosts")
fed_wait 30 "$H" show "$REQ2" --data "$tmp/ru"
respond 1 ru "$REQ2" declined && grep -q "description.*the reason" "$tmp/err" || fail "declined without reason: $(cat "$tmp/err")"
respond 0 ru "$REQ2" declined --text "the hosts are outside our jurisdiction" || true
respond 1 ru "$REQ2" in-progress && grep -q "is declined: it cannot become in-progress" "$tmp/err" ||
    fail "declined -> in-progress: $(cat "$tmp/err")"

expect_rc 0 "$H" show "$REQ1" --data "$tmp/ru" --json
[ "$(jq_ "(d['state'], d['allowed_next'], [r['status'] for r in d['responses']])" <"$tmp/out")" = \
    "('completed', 'none: the request is completed', ['acknowledged', 'in-progress', 'needs-information', 'in-progress', 'completed'])" ] ||
    fail "show REQ1 at ru: $(cat "$tmp/out")"
[ "$(jq_ "[r['flag'] for r in d['responses'] if 'flag' in r]" <"$tmp/out")" = "[]" ] || fail "REQ1 flags: $(cat "$tmp/out")"

# A request past due escalates once: REQ3 at us with the test's clock.
expect_rc 0 "$H" deadlines --data "$tmp/us" --now +8h --json &&
    [ "$(jq_ "[(e['item'], e['kind'], e['hook']) for e in d['escalated']]" <"$tmp/out")" = "[('$REQ3', 'request-overdue', 'ok')]" ] ||
    fail "REQ3 escalation: $(cat "$tmp/out")"
expect_rc 0 "$H" deadlines --data "$tmp/us" --now +9h --json && [ "$(jq_ "len(d['escalated'])" <"$tmp/out")" = 0 ] ||
    fail "REQ3 escalated twice: $(cat "$tmp/out")"
[ "$(sort "$tmp/hook-us.calls" | tr '\n' ';')" = "$(printf '%s\n' "$REQ3 request-overdue" "$REP ack-overdue" | sort | tr '\n' ';')" ] ||
    fail "us hook calls: $(cat "$tmp/hook-us.calls")"

# ---- serve's own timer (ru: every second, real clock; its hook fails) ------------------------
REQ4=$(request us provide-information "$(ts '-1 minute')" "Which hosting providers did you contact?")
ru_escalated() { [ "$(sort -u "$tmp/hook-ru.calls" 2>/dev/null | wc -l)" = 2 ]; }
fed_wait 30 ru_escalated
[ "$(sort "$tmp/hook-ru.calls" | tr '\n' ';')" = "$(printf '%s\n' "$REQ3 request-overdue" "$REQ4 request-overdue" | sort | tr '\n' ';')" ] ||
    fail "ru hook calls: $(cat "$tmp/hook-ru.calls" 2>/dev/null)"
grep -q "escalation: request-overdue $REQ4 in us-ru" "$tmp/ru.log" || fail "ru log: escalation line"
grep -q "escalation hook failed for request-overdue $REQ4: .* exited with status 3" "$tmp/ru.log" ||
    fail "ru log: hook failure: $(grep escalation "$tmp/ru.log")"
expect_rc 0 "$H" deadlines --data "$tmp/ru" --json && [ "$(jq_ "len(d['escalated'])" <"$tmp/out")" = 0 ] ||
    fail "ru re-escalates: $(cat "$tmp/out")"

# ---- received invalid responses are kept and flagged -----------------------------------------
python3 - "$REQ1" "$REQ3" "$US" "$RU" "$tmp" <<'EOF'
import datetime, json, sys, uuid
req1, req3, us, ru, tmp = sys.argv[1:]
# Now: after the responses above (a fixed time here passed them by on the
# day it named, and the late acknowledgment then sorted before them).
now = datetime.datetime.now(datetime.timezone.utc)
stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
def resp(ref, status, by, text):
    return {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": [{
        "type": "hotline-response", "spec_version": "2.1",
        "id": "hotline-response--" + str(uuid.uuid4()),
        "created": stamp, "modified": stamp,
        "created_by_ref": by,
        "extensions": {"extension-definition--148e5b80-9aac-4340-945a-6ffc49ef92c0":
                       {"extension_type": "new-sdo"}},
        "request_ref": ref, "status": status, "description": text}]}
json.dump(resp(req1, "acknowledged", us, "acknowledged again, by a client that skipped the check"),
          open(tmp + "/bad.json", "w"))
json.dump(resp(req3, "acknowledged", ru, "the requester answers itself"),
          open(tmp + "/bad-ru.json", "w"))
EOF
expect_rc 0 "$H" send --channel us-ru "$tmp/bad.json" --data "$tmp/us" --timeout 30 || true
expect_rc 0 "$H" send --channel us-ru "$tmp/bad-ru.json" --data "$tmp/ru" --timeout 30 || true
for n in us ru; do
    expect_rc 0 "$H" list --data "$tmp/$n" --kind response --json
    [ "$(jq_ "sorted(i['flag'] for i in d if 'flag' in i)" <"$tmp/out")" = \
        "['a response must come from a party other than the requester', 'the request is completed: acknowledged is not allowed (allowed: none: the request is completed)']" ] ||
        fail "flags at $n: $(cat "$tmp/out")"
    expect_rc 0 "$H" list --data "$tmp/$n" --kind response
    grep -q "^    refused: the request is completed: acknowledged is not allowed" "$tmp/out" || fail "refused line at $n"
    expect_rc 0 "$H" show "$REQ1" --data "$tmp/$n" --json
    [ "$(jq_ "d['state']" <"$tmp/out")" = completed ] || fail "a flagged response changed the state at $n"
done

# The node refuses a malformed request or response from its own user
# (the workflow's rules on top of the STIX core), naming the property.
python3 - "$REQ1" "$US" "$tmp" <<'EOF'
import json, sys, uuid
req1, us, tmp = sys.argv[1:]
ext = lambda e: {e: {"extension_type": "new-sdo"}}
common = {"spec_version": "2.1", "created": "2026-11-29T12:00:00.000Z",
          "modified": "2026-11-29T12:00:00.000Z", "created_by_ref": us}
req = dict(common, type="hotline-request", id="hotline-request--" + str(uuid.uuid4()),
           extensions=ext("extension-definition--ba08c217-04fd-4879-8bad-1a5dbce3624e"),
           request_kind="arrest", object_refs=[req1], due="2026-12-01T00:00:00Z",
           priority="urgent")
resp = dict(common, type="hotline-response", id="hotline-response--" + str(uuid.uuid4()),
            extensions=ext("extension-definition--148e5b80-9aac-4340-945a-6ffc49ef92c0"),
            request_ref=req1, status="declined")
json.dump({"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": [req, resp]},
          open(tmp + "/malformed.json", "w"))
EOF
expect_rc 1 "$H" send --channel us-ru "$tmp/malformed.json" --data "$tmp/us" --no-wait || true
grep -q "^stored 0 of 2 objects$" "$tmp/out" || fail "malformed stored: $(cat "$tmp/out")"
grep -q "^refused hotline-request--.*request_kind: must be one of: investigate, detain" "$tmp/out" ||
    fail "malformed request: $(cat "$tmp/out")"
grep -q "^refused hotline-request--.*priority: must be one of: low, medium, high, critical" "$tmp/out" ||
    fail "malformed request priority: $(cat "$tmp/out")"
grep -q "^refused hotline-response--.*description: 'description' is required when a request is declined" "$tmp/out" ||
    fail "malformed response: $(cat "$tmp/out")"

# Opinions and notes join the thread of what they are about.
"$H" opinion "$INC" --strongly-disagree --text "we are not involved" --data "$tmp/ru" --channel us-ru \
    --timeout 30 >"$tmp/op.out" 2>&1 || fail "opinion: $(cat "$tmp/op.out")"
OP=$(sed -n 's/^published //p' "$tmp/op.out")
"$H" note "$REQ1" --text "proposal: acknowledge within 4 hours" --data "$tmp/us" --channel us-ru \
    --timeout 30 >"$tmp/note.out" 2>&1 || fail "note: $(cat "$tmp/note.out")"
NOTE=$(sed -n 's/^published //p' "$tmp/note.out")
expect_rc 0 "$H" show "$INC" --data "$tmp/us" --json &&
    [ "$(jq_ "[o['id'] for o in d['opinions']]" <"$tmp/out")" = "['$OP']" ] || fail "show opinions: $(cat "$tmp/out")"
expect_rc 0 "$H" show "$REQ1" --data "$tmp/ru" --json &&
    [ "$(jq_ "[o['id'] for o in d['notes']]" <"$tmp/out")" = "['$NOTE']" ] || fail "show notes: $(cat "$tmp/out")"
expect_rc 0 "$H" show "$REQ1" --data "$tmp/ru"
grep -q "^notes:$" "$tmp/out" && grep -q "note .*$NOTE  proposal: acknowledge within 4 hours" "$tmp/out" ||
    fail "show notes text: $(cat "$tmp/out")"

# ---- list filters ----------------------------------------------------------------------------
expect_rc 0 "$H" list --data "$tmp/us" --kind request --json &&
    [ "$(jq_ "sorted((i['id'], i['status']) for i in d)" <"$tmp/out")" = \
        "$(python3 -c "print(sorted([('$REQ1','completed'),('$REQ2','declined'),('$REQ3','open'),('$REQ4','open')]))")" ] ||
    fail "list requests: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --kind request --status completed --json &&
    [ "$(jq_ "[i['id'] for i in d]" <"$tmp/out")" = "['$REQ1']" ] || fail "--status: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --kind request --from ru --json &&
    [ "$(jq_ "sorted(i['id'] for i in d)" <"$tmp/out")" = "$(python3 -c "print(sorted(['$REQ1','$REQ3']))")" ] ||
    fail "--from ru: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --kind request --from "$US" --json &&
    [ "$(jq_ "sorted(i['id'] for i in d)" <"$tmp/out")" = "$(python3 -c "print(sorted(['$REQ2','$REQ4']))")" ] ||
    fail "--from US id: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --since +1h --json && [ "$(jq_ "len(d)" <"$tmp/out")" = 0 ] ||
    fail "--since future: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --since -1h --kind notification --json && [ "$(jq_ "len(d)" <"$tmp/out")" = 1 ] ||
    fail "--since past: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --overdue --json &&
    [ "$(jq_ "sorted(i['id'] for i in d)" <"$tmp/out")" = "$(python3 -c "print(sorted(['$REQ3','$REQ4']))")" ] ||
    fail "--overdue now: $(cat "$tmp/out")"
# What this node escalated shows beside the items (REQ4 was not escalated
# at us: its check ran with the test's clock before REQ4 existed).
expect_rc 0 "$H" list --data "$tmp/us" --overdue --json && cp "$tmp/out" "$tmp/list.json" &&
    [ "$(jq_ "sorted((i['id'], [(e['kind'], e['member'], e['hook']) for e in i.get('escalations', [])]) for i in d)" <"$tmp/out")" = \
        "$(python3 -c "print(sorted([('$REQ3', [('request-overdue', '', 'ok')]), ('$REQ4', [])]))")" ] ||
    fail "escalations in list: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --overdue
grep -q "open OVERDUE (escalated) *$REQ3" "$tmp/out" || fail "escalated in list text: $(cat "$tmp/out")"
# Under an item still waiting, what for: its due time, how far it is from
# --now, and its priority.
due3=$(jq_ "[i['due'] for i in d if i['id'] == '$REQ3'][0]" <"$tmp/list.json")
grep -A1 "OVERDUE (escalated) *$REQ3" "$tmp/out" | grep -Eq "^    due $due3 \([0-9dhm]+ ago\), priority [a-z]+$" ||
    fail "due line in list text: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --kind request --now "$due3"
grep -A1 "$REQ3" "$tmp/out" | grep -q "^    due $due3 (in 0m), priority " || fail "due line at its time: $(cat "$tmp/out")"
expect_rc 0 "$H" show "$REP" --data "$tmp/us"
grep -q "^  escalated ack-overdue .* member $RU (hook: ok)$" "$tmp/out" || fail "escalation in show: $(cat "$tmp/out")"
expect_rc 0 "$H" list --data "$tmp/us" --kind response --status declined --json &&
    [ "$(jq_ "[(i['answers'], i['from']) for i in d]" <"$tmp/out")" = "[('$REQ2', '$RU')]" ] ||
    fail "declined responses: $(cat "$tmp/out")"
expect_rc 2 "$H" list --data "$tmp/us" --kind ledger || true
expect_rc 2 "$H" list --data "$tmp/us" --since yesterday || true
expect_rc 2 "$H" list --data "$tmp/us" --from nobody || true

# ---- translations side by side -----------------------------------------------------------
expect_rc 0 "$H" send --channel us-ru "$HL_SRC/examples/language-content-ru.json" --data "$tmp/ru" --timeout 30 || true
for n in us ru; do
    expect_rc 0 "$H" show "$INC" --data "$tmp/$n" --json
    [ "$(jq_ "sorted((t['lang'], t['field'], t['original'][:22], t['translation'][:22]) for t in d['translations'])" <"$tmp/out")" = \
        "[('ru', 'description', 'On 2026-05-07 the bill', '7 мая 2026 года систем'), ('ru', 'name', 'Ransomware attack on M', 'Атака программы-вымога')]" ] ||
        fail "translations at $n: $(cat "$tmp/out")"
    expect_rc 0 "$H" show "$INC" --data "$tmp/$n"
    grep -q "^    original (en) *| ru$" "$tmp/out" || fail "side by side header at $n: $(cat "$tmp/out")"
    grep -q "^    Ransomware attack on Meridian Fuel *| Атака программы-вымогателя на$" "$tmp/out" ||
        fail "side by side at $n: $(cat "$tmp/out")"
    expect_rc 0 "$H" show "$REP" --data "$tmp/$n" --json
    [ "$(jq_ "len(d['translations'])" <"$tmp/out")" = 2 ] || fail "report shows its incident's translations at $n"
    [ "$(jq_ "sorted(r['id'] for r in d['requests'])" <"$tmp/out")" = \
        "$(python3 -c "print(sorted(['$REQ1','$REQ2','$REQ3','$REQ4']))")" ] || fail "report thread requests at $n"
done

# ---- metrics --------------------------------------------------------------------------------
metrics() { # NODE TOKEN
    local port
    port=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/$1/hotline.conf")
    curl -sk -o "$tmp/metrics" -w '%{http_code}' -H "Authorization: Bearer $2" \
        "https://127.0.0.1:$port/api/hotline/metrics"
}
"$H" channel create solo --data "$tmp/us" >/dev/null 2>&1 || fail "channel create solo"
[ "$(metrics us "$(cat "$tmp/us/cli.token")")" = 200 ] || fail "metrics at us: $(cat "$tmp/metrics")"
# The text format: each family's samples together, after its HELP and TYPE
# (two channels here, so a walk that printed channel by channel would mix them).
python3 - "$tmp/metrics" <<'PY' || fail "metrics families not grouped: $(cat "$tmp/metrics")"
import sys
seen, current, typed = set(), None, set()
for line in open(sys.argv[1]):
    if line.startswith("# TYPE "):
        typed.add(line.split()[2])
        continue
    if line.startswith("#"):
        continue
    name = line.split("{")[0].split(" ")[0]
    if name != current:
        assert name not in seen and name in typed, name
        seen.add(name)
        current = name
assert {"hotline_objects", "hotline_peer_failures"} <= seen
PY
grep -qx 'hotline_objects{channel="solo"} 0' "$tmp/metrics" || fail "metrics of solo"
grep -qx 'hotline_peer_failures{channel="us-ru",peer="ru"} 0' "$tmp/metrics" || fail "metrics peer failures"
grep -Eq '^hotline_peer_last_contact_timestamp_seconds\{channel="us-ru",peer="ru"\} 1[0-9]{9}$' \
    "$tmp/metrics" || fail "metrics peer last contact"
grep -q 'peer="us"' "$tmp/metrics" && fail "metrics name this node as a peer"
# The certificate's expiry, as tls.crt says it.
expiry=$(date -u -d "$(openssl x509 -enddate -noout -in "$tmp/us/tls.crt" | cut -d= -f2)" +%s)
grep -qx "hotline_tls_certificate_expiry_timestamp_seconds $expiry" "$tmp/metrics" ||
    fail "metrics: certificate expiry, want $expiry: $(grep tls_ "$tmp/metrics")"
grep -qx 'hotline_escalations_total{kind="ack-overdue"} 1' "$tmp/metrics" || fail "metrics ack: $(cat "$tmp/metrics")"
grep -qx 'hotline_escalations_total{kind="request-overdue"} 1' "$tmp/metrics" || fail "metrics due"
grep -qx 'hotline_escalation_hook_failures_total 0' "$tmp/metrics" || fail "metrics hook failures at us"
grep -qx 'hotline_overdue_items{channel="us-ru",kind="request-overdue"} 2' "$tmp/metrics" || fail "metrics overdue"
grep -qx 'hotline_overdue_items{channel="us-ru",kind="ack-overdue"} 0' "$tmp/metrics" || fail "metrics overdue ack"
grep -q '^hotline_receipts{channel="us-ru"} [1-9]' "$tmp/metrics" || fail "metrics receipts"
grep -q '^hotline_objects{channel="us-ru"} [1-9]' "$tmp/metrics" || fail "metrics objects"
[ "$(metrics ru "$(cat "$tmp/ru/cli.token")")" = 200 ] || fail "metrics at ru"
grep -qx 'hotline_escalation_hook_failures_total 2' "$tmp/metrics" || fail "metrics hook failures at ru: $(cat "$tmp/metrics")"
[ "$(metrics us "$(cat "$tmp/token.us.ru")")" = 403 ] || fail "metrics for a peer's account"
"$H" user add clerk --data "$tmp/us" >"$tmp/clerk.out" 2>&1 || fail "user add clerk"
[ "$(metrics us "$(fed_token_of "$tmp/clerk.out")")" = 403 ] || fail "metrics for a user who is not admin"

# ---- identical scorecards -------------------------------------------------------------------
fed_wait 60 fed_converged us-ru us ru || true
expect_rc 0 "$H" scorecard --channel us-ru --data "$tmp/us" --json && cp "$tmp/out" "$tmp/sc.us"
expect_rc 0 "$H" scorecard --channel us-ru --data "$tmp/ru" --json && cp "$tmp/out" "$tmp/sc.ru"
cmp -s "$tmp/sc.us" "$tmp/sc.ru" || fail "scorecards differ: $(cat "$tmp/sc.us") vs $(cat "$tmp/sc.ru")"
expect_rc 0 "$H" scorecard --channel us-ru --data "$tmp/us" && cp "$tmp/out" "$tmp/sct.us"
expect_rc 0 "$H" scorecard --channel us-ru --data "$tmp/ru" && cp "$tmp/out" "$tmp/sct.ru"
cmp -s "$tmp/sct.us" "$tmp/sct.ru" || fail "text scorecards differ"
party() { jq_ "[p for p in d['parties'] if p['name'] == '$1'][0]$2" <"$tmp/sc.us"; }
[ "$(party ru "['notifications_received']")" = 1 ] || fail "ru received: $(cat "$tmp/sc.us")"
[ "$(party ru "['acknowledgment']['n']")" = 1 ] || fail "ru acknowledgments"
[ "$(party ru "['delivery']['n']")" = 1 ] || fail "ru deliveries"
[ "$(party us "['notifications_sent']")" = 1 ] || fail "us sent"
[ "$(party us "['requests_received']")" = "{'total': 2, 'completed': 1, 'declined': 0, 'open': 0, 'overdue': 1, 'late': 0}" ] ||
    fail "us requests received: $(party us "['requests_received']")"
[ "$(party ru "['requests_received']")" = "{'total': 2, 'completed': 0, 'declined': 1, 'open': 0, 'overdue': 1, 'late': 0}" ] ||
    fail "ru requests received: $(party ru "['requests_received']")"
[ "$(party us "['first_response']['n']")" = 1 ] || fail "us first responses"
expect_rc 0 "$H" scorecard --channel us-ru --data "$tmp/us" --since +1h --json &&
    [ "$(jq_ "[p['notifications_sent'] + p['requests_sent'] for p in d['parties']]" <"$tmp/out")" = "[0, 0]" ] ||
    fail "--since future: $(cat "$tmp/out")"
grep -q "^  acknowledgment     n 1, median " "$tmp/sct.us" || fail "text scorecard: $(cat "$tmp/sct.us")"

# ---- list --follow: what arrives, as it arrives ---------------------------------------------
expect_rc 2 "$H" list --data "$tmp/ru" --follow --overdue || true
"$H" list --data "$tmp/ru" --kind request --since -1s --follow >"$tmp/follow.txt" 2>&1 &
follower=$!
# --since chooses the first listing only: what arrives later is shown even
# when it was sealed before (here: before +1h), as a member's backlog is.
"$H" list --data "$tmp/ru" --kind request --since +1h --follow --json >"$tmp/follow.json" 2>&1 &
follower_json=$!
# Both have listed what was there once they sleep between looks (Linux:
# clock_nanosleep is system call 230 on x86-64, nanosleep 35).
napping() { case "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" in 230 | 35) ;; *) return 1 ;; esac; }
fed_wait 20 napping "$follower" || true
fed_wait 20 napping "$follower_json" || true
expect_rc 0 "$H" request --data "$tmp/us" --channel us-ru --kind preserve-evidence --about "$REP" \
    --due 6h --priority high --text "Keep the proxy logs" --timeout 20 || true
REQ5=$(sed -n 's/^published //p' "$tmp/out")
followed() { grep -q "$REQ5" "$tmp/follow.txt" && grep -q "$REQ5" "$tmp/follow.json"; }
fed_wait 15 followed || fail "list --follow did not show $REQ5: $(cat "$tmp/follow.txt" "$tmp/follow.json")"
kill -INT "$follower" "$follower_json"
rc=0; wait "$follower" || rc=$?
[ "$rc" = 0 ] || fail "list --follow exited $rc on SIGINT"
rc=0; wait "$follower_json" || rc=$?
[ "$rc" = 0 ] || fail "list --follow --json exited $rc on SIGINT"
grep -A1 "request .* $REQ5  preserve-evidence: Keep the proxy logs$" "$tmp/follow.txt" |
    grep -Eq "^    due .* \(in 5h5[0-9]m\), priority high$" || fail "list --follow text: $(cat "$tmp/follow.txt")"
[ "$(grep -c " request  " "$tmp/follow.txt")" = 1 ] && [ "$(grep -c "$REQ5" "$tmp/follow.txt")" = 1 ] ||
    fail "list --follow showed more than $REQ5, once: $(cat "$tmp/follow.txt")"
python3 - "$tmp/follow.json" "$REQ5" <<'PY' || fail "list --follow --json: $(cat "$tmp/follow.json")"
import json, sys
items = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [i["id"] for i in items] == [sys.argv[2]], items  # nothing listed before it
PY

# ---- verify still holds on both ------------------------------------------------------------
for n in us ru; do
    expect_rc 0 "$H" verify --data "$tmp/$n" || true
done
fed_stop us
fed_stop ru
finish workflow "notifications, requests, every transition, deadlines and hooks, views, metrics, scorecards"
