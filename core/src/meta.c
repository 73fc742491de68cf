/*
 * Metadata pools: span records and thread caches are fixed-size records that
 * come and go far more often than address space should. A pool carves them
 * from 256 KiB chunks (32 KiB on wasm) taken from the OS and keeps freed records on a list for
 * reuse; it never returns chunks, so a record's address stays valid for the
 * life of the process (the span map may still point at a recycled span).
 * Pools do no locking: each is owned by one module and used under its lock.
 */
#include "internal.h"

#if defined(__wasm__)
#define TRI_POOL_CHUNK ((size_t)32 << 10) /* wasm memory is committed as it grows */
#else
#define TRI_POOL_CHUNK ((size_t)256 << 10)
#endif

_Atomic uint64_t tri_metadata_bytes;

void *tri_pool_alloc(tri_pool *pool)
{
    void *item = pool->free;
    if (item) {
        pool->free = *(void **)item;
        memset(item, 0, pool->item_size);
        return item;
    }
    size_t size = (pool->item_size + 63) & ~(size_t)63;
    if (pool->bump == NULL || (size_t)(pool->end - pool->bump) < size) {
        size_t chunk = size > TRI_POOL_CHUNK ? size : TRI_POOL_CHUNK;
        char *p = tri_os_alloc_zeroed(chunk);
        if (!p)
            return NULL;
        atomic_fetch_add_explicit(&tri_metadata_bytes, chunk, memory_order_relaxed);
        pool->bump = p;
        pool->end = p + chunk;
    }
    item = pool->bump;
    pool->bump += size;
    return item;
}

void tri_pool_free(tri_pool *pool, void *item)
{
    *(void **)item = pool->free;
    pool->free = item;
}
