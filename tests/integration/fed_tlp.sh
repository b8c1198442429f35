#!/usr/bin/env bash
# fed_tlp.sh — issue 5, acceptance 5: TLP 2.0 onward sharing. An object
# that came in from a peer on channel ab under TLP:AMBER (or RED) is
# refused when the receiving node is asked to publish it into another
# channel (bc), with an error naming the channel and the TLP, and never
# reaches that channel's other member; TLP:GREEN passes; the same object
# into its own channel is fine.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

AMBER=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb

fed_init a
fed_init b
fed_init c
fed_link a b
fed_link b c
fed_channel a ab b
fed_channel b ab a
fed_channel b bc c
fed_channel c bc b
for n in a b c; do fed_serve "$n"; done

for t in AMBER RED GREEN; do
    fed_tool notes 1 "$(fed_party a)" "${!t}" >"$tmp/$t.json"
    expect_rc 0 "$HL_BIN" send --channel ab "$tmp/$t.json" --data "$tmp/a" --timeout 20 || true
done
# b received them from a; b's analyst now shares them with c.
for t in AMBER RED; do
    if expect_rc 1 "$HL_BIN" send --channel bc "$tmp/$t.json" --data "$tmp/b" --timeout 5; then
        grep -q "^refused note--.*ab.*TLP:$t" "$tmp/out" ||
            fail "the refusal of the $t note does not name channel ab and TLP:$t: $(cat "$tmp/out")"
    fi
done
expect_rc 0 "$HL_BIN" send --channel bc "$tmp/GREEN.json" --data "$tmp/b" --timeout 20 || true
expect_rc 0 "$HL_BIN" send --channel ab "$tmp/AMBER.json" --data "$tmp/b" --timeout 20 || true
sleep 2
fed_tool objects "$tmp/c" bc >"$tmp/c.objects"
grep -q "$(json_get "$tmp/GREEN.json" "d['objects'][0]['id']")" "$tmp/c.objects" || fail "c lacks the green note"
for t in AMBER RED; do
    grep -q "$(json_get "$tmp/$t.json" "d['objects'][0]['id']")" "$tmp/c.objects" && fail "the $t note reached c"
    fed_tool objects "$tmp/b" bc | grep -q "$(json_get "$tmp/$t.json" "d['objects'][0]['id']")" &&
        fail "the $t note was stored in bc at b"
done
for n in a b c; do fed_stop "$n"; done
finish fed_tlp "TLP:AMBER and RED objects from a peer refused into another channel, naming channel and TLP; green shared"
