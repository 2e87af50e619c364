/* Chained hash index by 16-byte id (idmap.h). */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_BUCKETS 64u

/* FNV-1a over the 16 bytes: GUIDs are mostly random, but an id a caller
 * chose (or a sequence) must not all land in one bucket either. */
static size_t hash_id(const uint8_t *id)
{
    uint64_t h = 0xcbf29ce484222325ull;
    unsigned i;

    for (i = 0; i < BITSDO_IDMAP_ID_SIZE; i++) {
        h ^= id[i];
        h *= 0x100000001b3ull;
    }
    return (size_t)(h ^ (h >> 32));
}

bitsdo_idmap_node *bitsdo_idmap_find(const bitsdo_idmap *map, const uint8_t *id)
{
    bitsdo_idmap_node *n;

    if (!map->bucket_count)
        return NULL;
    for (n = map->buckets[hash_id(id) & (map->bucket_count - 1)]; n; n = n->next)
        if (!memcmp(n->id, id, BITSDO_IDMAP_ID_SIZE))
            return n;
    return NULL;
}

/* Doubles the buckets; on failure the map stays as it was. */
static void grow(bitsdo_idmap *map)
{
    size_t count = map->bucket_count * 2, i;
    bitsdo_idmap_node **buckets;

    if (count < map->bucket_count || count > SIZE_MAX / sizeof(*buckets) ||
        !(buckets = calloc(count, sizeof(*buckets))))
        return;
    for (i = 0; i < map->bucket_count; i++) {
        bitsdo_idmap_node *n = map->buckets[i], *next;
        for (; n; n = next) {
            size_t b = hash_id(n->id) & (count - 1);
            next = n->next;
            n->next = buckets[b];
            buckets[b] = n;
        }
    }
    free(map->buckets);
    map->buckets = buckets;
    map->bucket_count = count;
}

bitsdo_hr bitsdo_idmap_insert(bitsdo_idmap *map, bitsdo_idmap_node *node)
{
    size_t b;

    if (!map->bucket_count) {
        if (!(map->buckets = calloc(FIRST_BUCKETS, sizeof(*map->buckets))))
            return BITSDO_E_OUTOFMEMORY;
        map->bucket_count = FIRST_BUCKETS;
    }
    if (bitsdo_idmap_find(map, node->id))
        return BITSDO_E_INVALIDARG;
    if (map->count >= map->bucket_count)
        grow(map);
    b = hash_id(node->id) & (map->bucket_count - 1);
    node->next = map->buckets[b];
    map->buckets[b] = node;
    map->count++;
    return BITSDO_S_OK;
}

int bitsdo_idmap_remove(bitsdo_idmap *map, bitsdo_idmap_node *node)
{
    bitsdo_idmap_node **link;

    if (!map->bucket_count)
        return 0;
    for (link = &map->buckets[hash_id(node->id) & (map->bucket_count - 1)]; *link; link = &(*link)->next) {
        if (*link == node) {
            *link = node->next;
            node->next = NULL;
            map->count--;
            return 1;
        }
    }
    return 0;
}

void bitsdo_idmap_clear(bitsdo_idmap *map)
{
    free(map->buckets);
    map->buckets = NULL;
    map->bucket_count = 0;
    map->count = 0;
}
