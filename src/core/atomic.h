/* Tiny wrappers over C11 atomics, so the rest of the core reads plainly.
 *
 * The 64-bit loads and stores must be single 8-byte accesses on 32-bit x86
 * too: a plain uint64_t read there is two 32-bit reads, and a reader could
 * see the high half of one value with the low half of another. GCC's C11
 * atomics do it right on i686 (fild/fistp, or SSE, of an 8-byte-aligned
 * location) as long as the type is lock-free and 8-byte aligned; GCC before
 * 11.1 aligned _Atomic 64-bit struct fields to 4 bytes on i386, which the
 * check below refuses. tests/core/test_progress.c checks it under stress. */
#ifndef BITSDO_CORE_ATOMIC_H
#define BITSDO_CORE_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t bitsdo_atomic_u64;
typedef _Atomic uint32_t bitsdo_atomic_u32;

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && sizeof(uint64_t) == sizeof(unsigned long long),
               "64-bit atomics must be lock-free (one 8-byte access)");
#if defined(__i386__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 11
#error "GCC before 11.1 aligns _Atomic 64-bit struct fields to 4 bytes on i386: torn counters"
#endif

static inline uint64_t bitsdo__load64(const bitsdo_atomic_u64 *p)
{
    return atomic_load_explicit((bitsdo_atomic_u64 *)p, memory_order_relaxed);
}
static inline void bitsdo__store64(bitsdo_atomic_u64 *p, uint64_t v)
{
    atomic_store_explicit(p, v, memory_order_relaxed);
}
static inline uint32_t bitsdo__load32(const bitsdo_atomic_u32 *p)
{
    return atomic_load_explicit((bitsdo_atomic_u32 *)p, memory_order_relaxed);
}
static inline void bitsdo__store32(bitsdo_atomic_u32 *p, uint32_t v)
{
    atomic_store_explicit(p, v, memory_order_relaxed);
}
static inline void bitsdo__fetch_add64(bitsdo_atomic_u64 *p, uint64_t v)
{
    atomic_fetch_add_explicit(p, v, memory_order_relaxed);
}
static inline void bitsdo__fetch_add32(bitsdo_atomic_u32 *p, uint32_t v)
{
    atomic_fetch_add_explicit(p, v, memory_order_relaxed);
}

#endif
