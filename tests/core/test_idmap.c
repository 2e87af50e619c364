/* Tests for idmap.c: find, duplicate refusal, removal from the middle of a
 * chain, growth keeping every entry, and ids that differ in one byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idmap.h"

typedef struct item {
    uint8_t id[16];
    bitsdo_idmap_node node;
} item;

static void make(item *it, uint32_t n)
{
    memset(it, 0, sizeof(*it));
    /* Sequential ids, differing only in their first bytes: the hash must
     * still spread them. */
    memcpy(it->id, &n, sizeof(n));
    it->node.id = it->id;
}

static void test_empty(void **state)
{
    bitsdo_idmap map = BITSDO_IDMAP_INIT;
    item a;

    (void)state;
    make(&a, 1);
    assert_null(bitsdo_idmap_find(&map, a.id));
    assert_int_equal(0, bitsdo_idmap_remove(&map, &a.node));
    bitsdo_idmap_clear(&map);
}

static void test_insert_find_duplicate(void **state)
{
    bitsdo_idmap map = BITSDO_IDMAP_INIT;
    item a, b, dup;

    (void)state;
    make(&a, 1);
    make(&b, 2);
    make(&dup, 1);
    assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &a.node));
    assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &b.node));
    assert_int_equal(BITSDO_E_INVALIDARG, bitsdo_idmap_insert(&map, &dup.node));
    assert_int_equal(2, map.count);
    assert_ptr_equal(&a.node, bitsdo_idmap_find(&map, dup.id));
    assert_ptr_equal(&b.node, bitsdo_idmap_find(&map, b.id));
    assert_int_equal(0, bitsdo_idmap_remove(&map, &dup.node)); /* not indexed */
    assert_int_equal(1, bitsdo_idmap_remove(&map, &a.node));
    assert_int_equal(0, bitsdo_idmap_remove(&map, &a.node));
    assert_null(bitsdo_idmap_find(&map, a.id));
    assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &dup.node));
    assert_ptr_equal(&dup.node, bitsdo_idmap_find(&map, a.id));
    bitsdo_idmap_clear(&map);
    assert_int_equal(0, map.count);
    assert_null(bitsdo_idmap_find(&map, b.id));
}

/* 100,000 entries through many doublings; every other one removed; the
 * rest all found, the removed none, and no bucket chain is long. */
static void test_many(void **state)
{
    enum {
        N = 100000
    };
    bitsdo_idmap map = BITSDO_IDMAP_INIT;
    item *items = calloc(N, sizeof(*items));
    size_t i, longest = 0;
    uint32_t n;

    (void)state;
    assert_non_null(items);
    for (n = 0; n < N; n++) {
        make(&items[n], n * 7919u);
        assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &items[n].node));
    }
    assert_int_equal(N, map.count);
    assert_true(map.bucket_count >= N);
    for (i = 0; i < map.bucket_count; i++) {
        size_t len = 0;
        bitsdo_idmap_node *e;
        for (e = map.buckets[i]; e; e = e->next)
            len++;
        if (len > longest)
            longest = len;
    }
    assert_true(longest <= 16);
    for (n = 0; n < N; n += 2)
        assert_int_equal(1, bitsdo_idmap_remove(&map, &items[n].node));
    assert_int_equal(N / 2, map.count);
    for (n = 0; n < N; n++) {
        if (n % 2)
            assert_ptr_equal(&items[n].node, bitsdo_idmap_find(&map, items[n].id));
        else
            assert_null(bitsdo_idmap_find(&map, items[n].id));
    }
    bitsdo_idmap_clear(&map);
    free(items);
}

/* Ids that differ only in the last byte are different keys. */
static void test_last_byte(void **state)
{
    bitsdo_idmap map = BITSDO_IDMAP_INIT;
    item a, b;

    (void)state;
    make(&a, 5);
    make(&b, 5);
    b.id[15] = 1;
    assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &a.node));
    assert_int_equal(BITSDO_S_OK, bitsdo_idmap_insert(&map, &b.node));
    assert_ptr_equal(&b.node, bitsdo_idmap_find(&map, b.id));
    assert_ptr_equal(&a.node, bitsdo_idmap_find(&map, a.id));
    bitsdo_idmap_clear(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_insert_find_duplicate),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_last_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
