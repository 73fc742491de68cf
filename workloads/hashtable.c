/*
 * hashtable: a dictionary of short strings under churn, a heap of another
 * shape than the trees'. A chained hash table of 2^16 buckets (one large
 * array of pointers, written through the barrier) maps keys, strings of 5
 * to 24 bytes (most under 16: tiny objects), to counters. Each operation
 * takes a key at random from a fixed set: a present key gets a fresh copy
 * of its string and its counter bumped, an absent one a new entry; one in
 * four operations removes a key instead. The live set stays near the key
 * set's size while every operation allocates. 2^n operations (n: the
 * benchmark's depth). Written once against manager.h.
 */
#include <string.h>

#include "manager.h"

#define BUCKETS (1u << 16)
#define KEYS 150000u /* distinct keys: about half are present at a time */

typedef struct entry {
    struct entry *next;
    char *key;
    long count;
} entry;
static const gcm_type entry_type = GCM_TYPE("hashtable entry", entry, 2, 0x3);

static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Key k as text, into buf (at least 25 bytes); returns its length with the NUL. */
static size_t key_text(uint32_t k, char *buf)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
    size_t len = 0;
    buf[len++] = 'k';
    for (uint32_t v = k; v; v >>= 5)
        buf[len++] = digits[v & 31];
    size_t pad = (k * 2654435761u >> 28) % 12; /* 0..11 more bytes: 5 to 24 in all */
    for (size_t i = 0; i < pad; i++)
        buf[len++] = (char)('A' + (k + i) % 26);
    buf[len++] = 0;
    return len;
}

static uint32_t hash_text(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static char *copy_key(const char *text, size_t len)
{
    char *s = gcm_alloc_noscan(len);
    memcpy(s, text, len);
    return s;
}

long hashtable(int depth)
{
    GCM_ROOTS(roots, 2); /* the table; a new key while its entry is allocated */
    entry **table = gcm_alloc_pointers(BUCKETS);
    roots[0] = table;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    long ops = 1L << (depth < 10 ? 10 : depth > 30 ? 30 : depth), present = 0;
    char text[32];
    for (long op = 0; op < ops; op++) {
        uint64_t r = next_random(&seed);
        uint32_t k = (uint32_t)(r % KEYS);
        size_t len = key_text(k, text);
        uint32_t b = hash_text(text) & (BUCKETS - 1);
        entry **link = &table[b], *e;
        while ((e = *link) && strcmp(e->key, text) != 0)
            link = &e->next;
        if ((r >> 40) % 4 == 0) { /* remove */
            if (e) {
                gcm_write(link, e->next);
                present--;
                if (GCM_FREES_EXPLICITLY) {
                    free(e->key);
                    free(e);
                }
            }
            continue;
        }
        char *key = copy_key(text, len);
        if (e) { /* a fresh copy of its key: the old one is garbage */
            char *old = e->key;
            gcm_write(&e->key, key);
            e->count++;
            if (GCM_FREES_EXPLICITLY)
                free(old);
        } else {
            /* The entry's allocation may run a whole collection (a
             * stop-the-world collector does): the key, in no object yet,
             * is kept by a root until the entry holds it. */
            roots[1] = key;
            e = gcm_alloc(&entry_type);
            gcm_write(&e->key, key);
            roots[1] = NULL;
            e->count = 1;
            gcm_write(&e->next, table[b]);
            gcm_write(&table[b], e);
            present++;
        }
    }
    /* the check: entries, and the sum of their counters and key lengths */
    long check = present;
    for (uint32_t b = 0; b < BUCKETS; b++)
        for (entry *e = table[b]; e; e = e->next)
            check += e->count + (long)strlen(e->key);
    if (GCM_FREES_EXPLICITLY) {
        for (uint32_t b = 0; b < BUCKETS; b++)
            for (entry *e = table[b], *next; e; e = next) {
                next = e->next;
                free(e->key);
                free(e);
            }
        free(table);
    }
    GCM_END_ROOTS(roots);
    return check;
}
