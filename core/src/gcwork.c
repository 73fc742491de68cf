/*
 * The grey list: work buffers of grey objects, held by markers and pooled
 * between them (Go's mgcwork.go: gcWork, work.full, work.empty).
 *
 * Owns: each marker's current buffer and reserve (tri_gc_marker), and the
 * heap's pool: mark.full (buffers with grey objects, waiting for any
 * marker), mark.spare (empty buffers kept for reuse), mark.nfull,
 * mark.busy and mark.overflow, all behind mark.lock.
 *
 * A marker pushes to and pops from its own buffer without a lock. A full
 * buffer goes to the pool and an empty one takes its place; an empty
 * buffer takes one from the pool. A marker that has grey objects others
 * could scan hands its partial buffer over (tri_gc_marker_flush): the
 * mutator does at the end of every step, so that background workers mark
 * what its barrier and its assists found.
 *
 * Work buffers are objects of malloc's, linked through their first word.
 * The link is encoded (harden.h), and a decoded link must be the start of
 * an object of the buffers' size class (checked in the page map, without
 * touching it) or it is reported.
 *
 * Invariants kept:
 *   - A marker's current buffer is on no list; the pool's full list holds
 *     only buffers with 1 to TRI_WORKBUF_OBJECTS objects, and a buffer
 *     whose count says otherwise is memory corruption, reported.
 *   - A marker's reserve is never on a list: it stands in as the current
 *     buffer when no other can be had, and gives its contents to a real
 *     buffer as soon as one can be had.
 *   - An object that cannot be pushed at all stays grey in its span's grey
 *     bits, and mark.overflow is set until marking has found it again.
 *   - busy counts the workers that hold grey objects: a worker counts itself
 *     in, under the lock, when it takes a buffer from the pool, and out,
 *     under the same lock, only when its buffer and the pool are both empty.
 *     So nfull == 0 && busy == 0 under the lock means no worker has grey
 *     work (gcworker.c's termination rests on it).
 */
#include "gc.h"

static void workbuf_link(tri_gc_workbuf *b, tri_gc_workbuf *next)
{
    b->next = tri_link_encode(&b->next, next);
}

static tri_gc_workbuf *workbuf_next(const tri_gc_workbuf *b)
{
    tri_gc_workbuf *next = tri_link_decode(&b->next, b->next);
#if TRI_HARDEN
    if (next && tri_small_class_of((uintptr_t)next) != tri_size_class(sizeof *next))
        tri_fatal_corrupt("list of ", "the collector's work buffers", &b->next, (uintptr_t)next);
#endif
    return next;
}

void tri_gc_marker_init(tri_gc_marker *m, tri_gc_heap *h)
{
    memset(m, 0, sizeof *m);
    m->heap = h;
}

/* --- the pool (under mark.lock) --------------------------------------------------------- */

/* Counts of the pool change under its lock; markers also glance at them
 * without it (whether to share, whether to wait), so the writes are
 * relaxed atomic stores. Returns the new count. */
static unsigned pool_count(unsigned *count, int by)
{
    unsigned n = *count + (unsigned)by;
    __atomic_store_n(count, n, __ATOMIC_RELAXED);
    return n;
}

static void pool_put_full(tri_gc_heap *h, tri_gc_workbuf *b)
{
    workbuf_link(b, h->mark.full);
    h->mark.full = b;
    pool_count(&h->mark.nfull, 1);
}

static tri_gc_workbuf *pool_take_full(tri_gc_heap *h)
{
    tri_gc_workbuf *full = h->mark.full;
    if (!full)
        return NULL;
    h->mark.full = workbuf_next(full);
    pool_count(&h->mark.nfull, -1);
    if (full->n == 0 || full->n > TRI_WORKBUF_OBJECTS)
        tri_fatal_pointer("mark", full, "a work buffer's count was overwritten: memory corrupted");
    return full;
}

static void pool_put_spare(tri_gc_heap *h, tri_gc_workbuf *b)
{
    workbuf_link(b, h->mark.spare);
    h->mark.spare = b;
}

static tri_gc_workbuf *pool_take_spare(tri_gc_heap *h)
{
    tri_gc_workbuf *b = h->mark.spare;
    if (b)
        h->mark.spare = workbuf_next(b);
    return b;
}

/* --- a marker's buffer ------------------------------------------------------------------- */

/* A full current buffer goes to the pool; a spare or new one takes its
 * place. Out of memory, the marker's own reserve buffer does, while it is
 * free: marking a list or a narrow tree then goes on at full speed with no
 * memory at all. When the reserve is full and a buffer can be had again,
 * its contents move into that one. */
void tri_gc_grey_push_slow(tri_gc_marker *m, uintptr_t obj)
{
    tri_gc_heap *h = m->heap;
    tri_gc_workbuf *b = m->work;
    tri_lock_acquire(&h->mark.lock);
    tri_gc_workbuf *fresh = pool_take_spare(h);
    tri_lock_release(&h->mark.lock);
    if (!fresh)
        fresh = tri_malloc(sizeof *fresh);
    if (!fresh && b != &m->reserve) {
        fresh = &m->reserve;
    } else if (!fresh) {
        /* Out of memory: leave the object grey in its span's grey bits;
         * marking finds it again by scanning for grey bits. */
        tri_gcspan *g = tri_gc_span_for(m, obj);
        uint32_t idx = tri_gc_index_in(g, obj);
        __atomic_fetch_or(&g->grey[idx / 64], tri_bit_mask(idx), __ATOMIC_RELAXED);
        atomic_store_explicit(&h->mark.overflow, 1, memory_order_relaxed);
        return;
    } else if (b == &m->reserve) {
        memcpy(fresh->obj, b->obj, b->n * sizeof b->obj[0]);
        fresh->n = b->n;
        b = fresh;
        fresh = &m->reserve;
    }
    fresh->n = 0;
    TRI_RACE_WINDOW();
    if (b && b->n) {
        tri_lock_acquire(&h->mark.lock);
        pool_put_full(h, b);
        tri_lock_release(&h->mark.lock);
        tri_gc_workers_wake(h); /* work for a parked worker */
    } else if (b && b != &m->reserve) {
        tri_lock_acquire(&h->mark.lock);
        pool_put_spare(h, b);
        tri_lock_release(&h->mark.lock);
    }
    m->work = b = fresh;
    b->obj[b->n++] = obj;
}

/* The current buffer is empty: a buffer from the pool takes its place. */
uintptr_t tri_gc_grey_pop_slow(tri_gc_marker *m)
{
    tri_gc_heap *h = m->heap;
    tri_gc_workbuf *b = m->work;
    tri_lock_acquire(&h->mark.lock);
    tri_gc_workbuf *full = pool_take_full(h);
    if (full && b && b != &m->reserve)
        pool_put_spare(h, b);
    tri_lock_release(&h->mark.lock);
    if (!full)
        return 0;
    m->work = full;
    return full->obj[--full->n];
}

void tri_gc_marker_flush(tri_gc_marker *m)
{
    tri_gc_heap *h = m->heap;
    tri_gc_workbuf *b = m->work;
    if (b && b->n && h->mark.concurrent) { /* alone, the mutator keeps its buffer */
        tri_gc_workbuf *copy = b;
        if (b == &m->reserve) { /* the reserve stays: its objects move to a real buffer if one can be had */
            tri_lock_acquire(&h->mark.lock);
            copy = pool_take_spare(h);
            tri_lock_release(&h->mark.lock);
            if (!copy)
                copy = tri_malloc(sizeof *copy);
            if (copy) {
                memcpy(copy->obj, b->obj, b->n * sizeof b->obj[0]);
                copy->n = b->n;
                b->n = 0;
            }
        } else {
            m->work = NULL;
        }
        if (copy) {
            tri_lock_acquire(&h->mark.lock);
            pool_put_full(h, copy);
            tri_lock_release(&h->mark.lock);
            tri_gc_workers_wake(h);
        }
    }
    tri_gc_marker_publish(m);
}

void tri_gc_marker_share(tri_gc_marker *m)
{
    tri_gc_heap *h = m->heap;
    tri_gc_workbuf *b = m->work;
    /* Racy looks first: sharing is for when the pool has run dry and a
     * marker waits for work (a parked worker, or the mutator waiting in a
     * stop or an assist); two markers both busy would only trade halves
     * through the lock. */
    if (!b || b->n < 4 || __atomic_load_n(&h->mark.nfull, __ATOMIC_RELAXED) ||
        (atomic_load_explicit(&h->workers.idle, memory_order_relaxed) == 0 &&
         atomic_load_explicit(&h->mark.waiting, memory_order_relaxed) == 0))
        return;
    tri_lock_acquire(&h->mark.lock);
    tri_gc_workbuf *half = pool_take_spare(h);
    tri_lock_release(&h->mark.lock);
    if (!half && !(half = tri_malloc(sizeof *half)))
        return;
    size_t keep = b->n / 2;
    half->n = b->n - keep;
    memcpy(half->obj, b->obj + keep, half->n * sizeof b->obj[0]); /* the newest: the most to explore */
    b->n = keep;
    tri_lock_acquire(&h->mark.lock);
    pool_put_full(h, half);
    tri_lock_release(&h->mark.lock);
    tri_gc_workers_wake(h);
}

void tri_gc_marker_publish(tri_gc_marker *m)
{
    tri_gc_heap *h = m->heap;
    /* Relaxed adds: the counters are read by the pacer, which tolerates
     * lag, and at mark termination, after every worker has parked under
     * the pool's lock (which orders these before the reads). */
    if (m->marked)
        atomic_fetch_add_explicit(&h->mark.marked, m->marked, memory_order_relaxed);
    if (m->scanned) {
        atomic_fetch_add_explicit(&h->mark.scan_done, m->scanned, memory_order_relaxed);
        if (m != &h->mark.self) /* a worker's work: credit the mutator's assists may draw on */
            atomic_fetch_add_explicit(&h->mark.credit, (int64_t)m->scanned, memory_order_relaxed);
    }
    m->marked = m->scanned = 0;
}

tri_gc_workbuf *tri_gc_pool_take_work(tri_gc_heap *h, bool busy, bool *last_out)
{
    TRI_RACE_WINDOW();
    tri_lock_acquire(&h->mark.lock);
    tri_gc_workbuf *b = atomic_load_explicit(&h->workers.hold, memory_order_relaxed) ? NULL : pool_take_full(h);
    if (b && !busy)
        pool_count(&h->mark.busy, 1);
    else if (!b && busy)
        *last_out = pool_count(&h->mark.busy, -1) == 0 && h->mark.nfull == 0;
    tri_lock_release(&h->mark.lock);
    return b;
}

bool tri_gc_grey_lists_empty(tri_gc_heap *h)
{
    tri_gc_workbuf *b = h->mark.self.work;
    if (b && b->n)
        return false;
    tri_lock_acquire(&h->mark.lock);
    bool empty = h->mark.nfull == 0 && h->mark.busy == 0;
    tri_lock_release(&h->mark.lock);
    return empty;
}

static void free_list(tri_gc_workbuf *b)
{
    while (b) {
        tri_gc_workbuf *next = workbuf_next(b);
        tri_free(b);
        b = next;
    }
}

void tri_gc_marker_release(tri_gc_marker *m)
{
    if (m->work != &m->reserve)
        tri_free(m->work); /* the current buffer is on no list */
    m->work = NULL;
}

void tri_gc_work_free_all(tri_gc_heap *h)
{
    tri_gc_marker_release(&h->mark.self);
    free_list(h->mark.full);
    free_list(h->mark.spare);
    h->mark.full = h->mark.spare = NULL;
    __atomic_store_n(&h->mark.nfull, 0, __ATOMIC_RELAXED);
}
