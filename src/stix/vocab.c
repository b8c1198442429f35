/*
 * vocab.c — the vocabularies of STIX 2.1 §10, each once, NULL-terminated.
 *
 * An "-ov" list is an open vocabulary (SP_OPENVOCAB rows: other values are
 * allowed), an "-enum" list a closed one (SP_ENUM rows: other values are
 * errors). Values are copied from the specification's tables in its order.
 */
#include "stix_int.h"

/* §10.1 attack-motivation-ov */
const char *const stix_vocab_attack_motivation[] = {
    "accidental", "coercion", "dominance", "ideology", "notoriety", "organizational-gain",
    "personal-gain", "personal-satisfaction", "revenge", "unpredictable", NULL};

/* §10.2 attack-resource-level-ov */
const char *const stix_vocab_attack_resource_level[] = {
    "individual", "club", "contest", "team", "organization", "government", NULL};

/* §10.4 grouping-context-ov */
const char *const stix_vocab_grouping_context[] = {"suspicious-activity", "malware-analysis",
                                                    "unspecified", NULL};

/* §10.6 identity-class-ov */
const char *const stix_vocab_identity_class[] = {"individual", "group",   "system", "organization",
                                                  "class",      "unknown", NULL};

/* §10.7 implementation-language-ov */
const char *const stix_vocab_implementation_language[] = {
    "applescript", "bash",   "c",      "c++",   "c#",         "go",           "java",
    "javascript",  "lua",    "objective-c", "perl", "php",    "powershell",   "python",
    "ruby",        "scala",  "swift",  "typescript", "visual-basic", "x86-32", "x86-64",
    NULL};

/* §10.8 indicator-type-ov */
const char *const stix_vocab_indicator_type[] = {
    "anomalous-activity", "anonymization", "benign", "compromised", "malicious-activity",
    "attribution",        "unknown",       NULL};

/* §10.9 industry-sector-ov */
const char *const stix_vocab_industry_sector[] = {
    "agriculture", "aerospace", "automotive", "chemical", "commercial", "communications",
    "construction", "defense", "education", "energy", "entertainment", "financial-services",
    "government", "government-emergency-services", "government-local", "government-national",
    "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
    "infrastructure", "infrastructure-dams", "infrastructure-nuclear", "infrastructure-water",
    "insurance", "manufacturing", "mining", "non-profit", "pharmaceuticals", "retail",
    "technology", "telecommunications", "transportation", "utilities", NULL};

/* §10.10 infrastructure-type-ov */
const char *const stix_vocab_infrastructure_type[] = {
    "amplification", "anonymization", "botnet", "command-and-control", "control-system",
    "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
    "reconnaissance", "routers-switches", "staging", "workstation", "unknown", NULL};

/* §10.11 malware-result-ov (malware-analysis "result") */
const char *const stix_vocab_malware_result[] = {"malicious", "suspicious", "benign", "unknown",
                                                  NULL};

/* §10.12 malware-capabilities-ov */
const char *const stix_vocab_malware_capabilities[] = {
    "accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation",
    "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
    "captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection",
    "commits-fraud", "communicates-with-c2", "compromises-data-availability",
    "compromises-data-integrity", "compromises-system-availability", "controls-local-machine",
    "degrades-security-software", "degrades-system-updates", "determines-c2-server",
    "emails-spam", "escalates-privileges", "evades-av", "exfiltrates-data", "fingerprints-host",
    "hides-artifacts", "hides-executing-code", "infects-files", "infects-remote-machines",
    "installs-other-components", "persists-after-system-reboot", "prevents-artifact-access",
    "prevents-artifact-deletion", "probes-network-environment", "self-modifies",
    "steals-authentication-credentials", "violates-system-operational-integrity", NULL};

/* §10.13 malware-type-ov */
const char *const stix_vocab_malware_type[] = {
    "adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper", "exploit-kit",
    "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
    "rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown",
    "virus", "webshell", "wiper", "worm", NULL};

/* §10.15 opinion-enum */
const char *const stix_vocab_opinion[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                           "strongly-agree", NULL};

/* §10.16 pattern-type-ov */
const char *const stix_vocab_pattern_type[] = {"stix", "pcre", "sigma", "snort", "suricata",
                                                "yara", NULL};

/* §10.17 processor-architecture-ov */
const char *const stix_vocab_processor_architecture[] = {
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64", NULL};

/* §10.18 region-ov */
const char *const stix_vocab_region[] = {
    "africa", "eastern-africa", "middle-africa", "northern-africa", "southern-africa",
    "western-africa", "americas", "latin-america-caribbean", "south-america", "caribbean",
    "central-america", "northern-america", "asia", "central-asia", "eastern-asia",
    "southern-asia", "south-eastern-asia", "western-asia", "europe", "eastern-europe",
    "northern-europe", "southern-europe", "western-europe", "oceania", "antarctica",
    "australia-new-zealand", "melanesia", "micronesia", "polynesia", NULL};

/* §10.19 report-type-ov */
const char *const stix_vocab_report_type[] = {
    "attack-pattern", "campaign", "identity", "indicator", "intrusion-set", "malware",
    "observed-data", "threat-actor", "threat-report", "tool", "vulnerability", NULL};

/* §10.20 threat-actor-type-ov */
const char *const stix_vocab_threat_actor_type[] = {
    "activist", "competitor", "crime-syndicate", "criminal", "hacker", "insider-accidental",
    "insider-disgruntled", "nation-state", "sensationalist", "spy", "terrorist", "unknown",
    NULL};

/* §10.21 threat-actor-role-ov */
const char *const stix_vocab_threat_actor_role[] = {
    "agent", "director", "independent", "infrastructure-architect", "infrastructure-operator",
    "malware-author", "sponsor", NULL};

/* §10.22 threat-actor-sophistication-ov */
const char *const stix_vocab_threat_actor_sophistication[] = {
    "none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic", NULL};

/* §10.23 tool-type-ov */
const char *const stix_vocab_tool_type[] = {
    "denial-of-service", "exploitation", "information-gathering", "network-capture",
    "credential-exploitation", "remote-access", "vulnerability-scanning", "unknown", NULL};

/* §10.5 extension-type-enum (§7.3) */
const char *const stix_vocab_extension_type[] = {
    "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension", NULL};

/* §7.2.1 marking definition types with a definition object: statement, tlp */
const char *const stix_vocab_marking_type[] = {"statement", "tlp", NULL};
