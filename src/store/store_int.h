/*
 * store_int.h — private to src/store/: the operation table every backend
 * fills, and the backends' constructors. Never included outside src/store/.
 *
 * store.c checks every argument (NULL pointers, string lengths, counts,
 * ranges) before it calls an operation, so a backend may assume:
 *   - every string is non-NULL and at most STORE_TEXT_MAX bytes;
 *   - counts and limits are within the bounds store.h states;
 *   - out-pointers are non-NULL.
 * A backend still checks everything it reads back from its storage.
 *
 * struct store is the common head of each backend's own struct (which
 * embeds it first), so a backend casts `struct store *` to its own type.
 */
#ifndef HL_STORE_INT_H
#define HL_STORE_INT_H

#include "store.h"

struct store_ops {
    void (*close)(struct store *s);
    int (*begin)(struct store *s, bool synced, struct hl_error *err);
    int (*begin_read)(struct store *s, struct hl_error *err);
    int (*commit)(struct store *s, struct hl_error *err);
    int (*rollback)(struct store *s, struct hl_error *err);
    int (*checkpoint)(struct store *s, int64_t *left, struct hl_error *err);
    int (*backup)(struct store *s, const char *path, struct hl_error *err);
    int (*checkpoint_restart)(struct store *s, unsigned wait_us, bool *restarted,
                              struct hl_error *err);
    int (*check)(struct store *s, struct hl_error *err);

    int (*meta_set)(struct store *s, const char *key, const char *value, struct hl_error *err);
    int (*meta_get)(struct store *s, const char *key, char *out, struct hl_error *err);

    int (*party_put)(struct store *s, const struct store_party *p, struct hl_error *err);
    int (*party_get)(struct store *s, const char *id, struct store_party *out,
                     struct hl_error *err);
    int (*party_list)(struct store *s, store_party_fn fn, void *ctx, struct hl_error *err);

    int (*channel_create)(struct store *s, const struct store_channel *c, struct hl_error *err);
    int (*channel_get)(struct store *s, const char *name, struct store_channel *out,
                       struct hl_error *err);
    int (*channel_list)(struct store *s, store_channel_fn fn, void *ctx, struct hl_error *err);
    int (*channel_member_add)(struct store *s, const char *channel, const char *party_id,
                              struct hl_error *err);
    int (*channel_member_list)(struct store *s, const char *channel, store_party_fn fn, void *ctx,
                               struct hl_error *err);

    int (*object_add)(struct store *s, const struct store_object *o, int64_t *row_out,
                      struct hl_error *err);
    int (*object_get)(struct store *s, int64_t row, store_object_fn fn, void *ctx,
                      struct hl_error *err);
    int (*object_versions)(struct store *s, const char *channel, const char *stix_id,
                           store_object_fn fn, void *ctx, struct hl_error *err);
    int (*object_held)(struct store *s, const char *channel, const char *stix_id,
                       int64_t modified_us, bool *found, struct hl_error *err);
    int (*object_list)(struct store *s, const struct store_query *q, store_object_fn fn, void *ctx,
                       struct store_page *page, struct hl_error *err);

    int (*log_size)(struct store *s, const char *party_id, const char *channel, int64_t *size_out,
                    struct hl_error *err);
    int (*log_append)(struct store *s, const char *party_id, const char *channel,
                      const struct store_log_entry *entries, size_t n, struct hl_error *err);
    int (*log_entry_get)(struct store *s, const char *party_id, const char *channel, int64_t seq,
                         struct store_log_entry *out, struct hl_error *err);
    int (*log_scan)(struct store *s, const char *party_id, const char *channel, int64_t from_seq,
                    store_log_fn fn, void *ctx, struct hl_error *err);
    int (*tile_put)(struct store *s, const char *party_id, const char *channel, unsigned level,
                    int64_t index, const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err);
    int (*tile_get)(struct store *s, const char *party_id, const char *channel, unsigned level,
                    int64_t index, uint8_t out[STORE_HASH_BYTES], struct hl_error *err);

    int (*tree_head_add)(struct store *s, const char *party_id, const char *channel,
                         const struct store_tree_head *h, struct hl_error *err);
    int (*tree_head_latest)(struct store *s, const char *party_id, const char *channel,
                            struct store_tree_head *out, struct hl_error *err);
    int (*tree_head_covering)(struct store *s, const char *party_id, const char *channel,
                              int64_t seq, struct store_tree_head *out, struct hl_error *err);
    int (*tree_head_list)(struct store *s, const char *party_id, const char *channel,
                          store_tree_head_fn fn, void *ctx, struct hl_error *err);
    int (*receipt_add)(struct store *s, const char *party_id, const char *channel,
                       const struct store_receipt *r, struct hl_error *err);
    int (*receipt_refute)(struct store *s, const char *party_id, const char *channel,
                          const char *witness_id, int64_t size, struct hl_error *err);
    int (*receipt_latest)(struct store *s, const char *party_id, const char *channel,
                          const char *witness_id, struct store_receipt *out, struct hl_error *err);
    int (*receipt_list)(struct store *s, const char *party_id, const char *channel,
                        store_receipt_fn fn, void *ctx, struct hl_error *err);

    int (*status_put)(struct store *s, const char *id, const char *channel, int64_t created_us,
                      const uint8_t *body, size_t body_len, struct hl_error *err);
    int (*status_get)(struct store *s, const char *id, struct buf *out, struct hl_error *err);
    int (*status_prune)(struct store *s, int64_t before_us, size_t max, size_t *removed,
                        struct hl_error *err);
    int (*repl_set)(struct store *s, const char *peer_id, const char *channel,
                    const struct store_repl *r, struct hl_error *err);
    int (*repl_get)(struct store *s, const char *peer_id, const char *channel,
                    struct store_repl *out, struct hl_error *err);

    int (*user_add)(struct store *s, const struct store_user *u, struct hl_error *err);
    int (*user_get)(struct store *s, const char *name, struct store_user *out,
                    struct hl_error *err);
    int (*user_find_token)(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
                           struct store_user *out, struct hl_error *err);
    int (*user_token_set)(struct store *s, const char *name, const uint8_t hash[STORE_HASH_BYTES],
                          struct hl_error *err);
    int (*user_remove)(struct store *s, const char *name, struct hl_error *err);
    int (*user_list)(struct store *s, store_user_fn fn, void *ctx, struct hl_error *err);
    int (*user_right_set)(struct store *s, const char *name, const char *channel, unsigned rights,
                          struct hl_error *err);
    int (*user_rights)(struct store *s, const char *name, const char *channel, unsigned *rights,
                       struct hl_error *err);
    int (*user_right_list)(struct store *s, const char *name, store_user_right_fn fn, void *ctx,
                           struct hl_error *err);

    int (*object_delete)(struct store *s, int64_t row, int64_t deleted_us, struct hl_error *err);
    int (*last_added)(struct store *s, const char *channel, int64_t *out, struct hl_error *err);

    /* federation (schema step 4); store_fed.c checks the arguments */
    int (*peer_put)(struct store *s, const struct store_peer *p, struct hl_error *err);
    int (*peer_get)(struct store *s, const char *party_id, const char *name, struct store_peer *out,
                    struct hl_error *err); /* by one of the two */
    int (*peer_list)(struct store *s, store_peer_fn fn, void *ctx, struct hl_error *err);
    int (*peer_remove)(struct store *s, const char *name, struct hl_error *err);
    int (*pending_add)(struct store *s, const char *channel, const char *name,
                       struct hl_error *err);
    int (*pending_list)(struct store *s, const char *channel, store_pending_fn fn, void *ctx,
                        struct hl_error *err);
    int (*pending_remove)(struct store *s, const char *channel, const char *name,
                          struct hl_error *err);
    int (*channel_active)(struct store *s, const char *channel, bool *active, struct hl_error *err);
    int (*member_retire)(struct store *s, const char *channel, const char *party_id, int64_t at_us,
                         struct hl_error *err);
    int (*member_retired)(struct store *s, const char *channel, const char *party_id,
                          int64_t *at_us, struct hl_error *err);
    int (*alarm_add)(struct store *s, const struct store_alarm *a, bool *added,
                     struct hl_error *err);
    int (*alarm_list)(struct store *s, const char *channel, store_alarm_fn fn, void *ctx,
                      struct hl_error *err);
    int (*repl_state_put)(struct store *s, const char *peer_id, const char *channel,
                          const struct store_repl_state *st, struct hl_error *err);
    int (*repl_state_get)(struct store *s, const char *peer_id, const char *channel,
                          struct store_repl_state *out, struct hl_error *err);
    int (*tlp_hold)(struct store *s, const char *stix_id, const char *channel, const char *tlp,
                    struct hl_error *err);
    int (*tlp_find)(struct store *s, const char *stix_id, store_tlp_fn fn, void *ctx,
                    struct hl_error *err);

    /* workflow (schema step 5); store_wf.c checks the arguments */
    int (*policy_set)(struct store *s, const char *channel, int64_t ack_within_s,
                      struct hl_error *err);
    int (*policy_get)(struct store *s, const char *channel, int64_t *out, struct hl_error *err);
    int (*escalation_add)(struct store *s, const struct store_escalation *e, bool *added,
                          struct hl_error *err);
    int (*escalation_hook_set)(struct store *s, const char *item_id, const char *kind,
                               const char *member, int hook, struct hl_error *err);
    int (*escalation_list)(struct store *s, const char *channel, store_escalation_fn fn,
                           void *ctx, struct hl_error *err);
};

struct store {
    const struct store_ops *ops;
};

/* Opens the SQLite database at path (sqlite.c). Same contract as
 * store_open; *out is freed with ops->close. */
HL_MUST_CHECK int store_sqlite_open(const char *path, const struct store_options *opt,
                                    struct store **out, struct hl_error *err);

#endif
