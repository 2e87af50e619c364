/* Tiny wrappers over C11 atomics, so the rest of the core reads plainly. */
#ifndef BITSDO_CORE_ATOMIC_H
#define BITSDO_CORE_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t bitsdo_atomic_u64;
typedef _Atomic uint32_t bitsdo_atomic_u32;

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

#endif
