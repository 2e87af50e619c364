/* An index of objects by their 16-byte id (a GUID): the engine's job list
 * uses it so that finding a job, and refusing a duplicate id at creation,
 * cost the same with 10 jobs or 100,000.
 *
 * Intrusive and unlocked: each indexed object embeds a bitsdo_idmap_node
 * whose `id` points at the object's own 16 bytes, which must not change
 * while indexed. The caller serialises every call (the engine holds its
 * list lock). Chained buckets, a power of two of them, doubled when there
 * are more entries than buckets; a failed doubling only makes chains
 * longer, never loses an entry. */
#ifndef BITSDO_CORE_IDMAP_H
#define BITSDO_CORE_IDMAP_H

#include "types.h"

#define BITSDO_IDMAP_ID_SIZE 16u

typedef struct bitsdo_idmap_node {
    struct bitsdo_idmap_node *next; /* in its bucket */
    const uint8_t *id;              /* BITSDO_IDMAP_ID_SIZE bytes */
} bitsdo_idmap_node;

typedef struct bitsdo_idmap {
    bitsdo_idmap_node **buckets; /* NULL until the first insert */
    size_t bucket_count;         /* a power of two, or 0 */
    size_t count;                /* entries */
} bitsdo_idmap;

#define BITSDO_IDMAP_INIT \
    {                     \
        NULL, 0, 0        \
    }

/* The node with this id, or NULL. */
bitsdo_idmap_node *bitsdo_idmap_find(const bitsdo_idmap *map, const uint8_t *id);

/* Adds node (node->id set by the caller). BITSDO_E_INVALIDARG if an entry
 * with the same id is there already (nothing changes), BITSDO_E_OUTOFMEMORY
 * if the first buckets cannot be allocated. */
bitsdo_hr bitsdo_idmap_insert(bitsdo_idmap *map, bitsdo_idmap_node *node);

/* Removes node if it is indexed; returns 1 if it was, 0 if not. */
int bitsdo_idmap_remove(bitsdo_idmap *map, bitsdo_idmap_node *node);

/* Frees the buckets (not the nodes) and empties the map. */
void bitsdo_idmap_clear(bitsdo_idmap *map);

#endif
