/*
 * Metadata pools: span records and thread caches are fixed-size records that
 * come and go far more often than address space should. A pool carves them
 * from chunks taken from the OS (256 KiB at first, 32 KiB on wasm, each
 * chunk twice the last up to a cap) and keeps freed records on a list for
 * reuse; it never returns chunks, so a record's address stays valid for the
 * life of the process (the span map may still point at a recycled span).
 * Pools do no locking: each is owned by one module and used under its lock.
 *
 * The free list is the one place tricolor keeps a pointer inside memory
 * nobody uses, so it is kept honest (TRI_HARDEN): a link is stored encoded
 * with the process's secret and its own address, and a decoded link must be
 * a record of the pool (inside a chunk, on a record boundary) or the pool
 * reports the corruption rather than hand out whatever it points at. The
 * check reads only the pool's own table of chunks, never the pointer.
 */
#include "internal.h"

#if defined(__wasm__)
#define TRI_POOL_CHUNK ((size_t)32 << 10) /* wasm memory is committed as it grows */
#define TRI_POOL_CHUNK_MAX ((size_t)4 << 20)
#else
#define TRI_POOL_CHUNK ((size_t)256 << 10)
#define TRI_POOL_CHUNK_MAX ((size_t)64 << 20)
#endif

_Atomic uint64_t tri_metadata_bytes;
uintptr_t tri_link_keys[2];

static size_t stride(const tri_pool *pool)
{
    return (pool->item_size + 63) & ~(size_t)63;
}

bool tri_pool_owns(const tri_pool *pool, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    for (unsigned i = pool->nchunks; i-- > 0;) { /* the newest chunks hold the most */
        const tri_pool_chunk *c = &pool->chunks[i];
        uintptr_t end = i + 1 == pool->nchunks ? (uintptr_t)pool->bump : c->end;
        if (a >= c->base && a < end)
            return (a - c->base) % stride(pool) == 0;
    }
    return false;
}

void *tri_pool_alloc(tri_pool *pool)
{
    void *item = pool->free;
    if (item) {
        void *next = tri_link_decode(item, *(uintptr_t *)item);
#if TRI_HARDEN
        if (next && !tri_pool_owns(pool, next))
            tri_fatal_corrupt("free list of ", pool->name, item, (uintptr_t)next);
#endif
        pool->free = next;
        memset(item, 0, pool->item_size);
        return item;
    }
    size_t size = stride(pool);
    if (pool->bump == NULL || (size_t)(pool->end - pool->bump) < size) {
        if (pool->nchunks == TRI_POOL_MAX_CHUNKS)
            return NULL;
        size_t chunk = TRI_POOL_CHUNK << (pool->nchunks < 16 ? pool->nchunks : 16);
        if (chunk > TRI_POOL_CHUNK_MAX)
            chunk = TRI_POOL_CHUNK_MAX;
        if (chunk < size)
            chunk = size;
        char *p = tri_prim_alloc_zeroed(chunk);
        if (!p)
            return NULL;
        atomic_fetch_add_explicit(&tri_metadata_bytes, chunk, memory_order_relaxed);
        if (pool->nchunks)
            pool->chunks[pool->nchunks - 1].end = (uintptr_t)pool->bump; /* what was carved of it */
        pool->chunks[pool->nchunks++] = (tri_pool_chunk){(uintptr_t)p, (uintptr_t)p + chunk};
        pool->bump = p;
        pool->end = p + chunk;
    }
    item = pool->bump;
    pool->bump += size;
    return item;
}

void tri_pool_free(tri_pool *pool, void *item)
{
#if TRI_HARDEN
    if (!tri_pool_owns(pool, item))
        tri_fatal_corrupt("free list of ", pool->name, &pool->free, (uintptr_t)item);
#endif
    *(uintptr_t *)item = tri_link_encode(item, pool->free);
    pool->free = item;
}

/* The secret of encoded links: from the OS's random source, else (no
 * getrandom) from the clock and the addresses ASLR chose. Set once at
 * start-up, before any list exists; a forked child keeps its parent's. */
static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void tri_link_keys_init(void)
{
    uint64_t r[2] = {0, 0};
    if (!tri_prim_random(r, sizeof r)) {
        uint64_t x = tri_prim_clock_ns() ^ (uint64_t)(uintptr_t)&r ^ (uint64_t)(uintptr_t)tri_link_keys;
        r[0] = mix(&x);
        r[1] = mix(&x);
    }
    tri_link_keys[0] = (uintptr_t)r[0];
    tri_link_keys[1] = (uintptr_t)r[1];
}
