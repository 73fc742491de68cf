/*
 * Intrusive doubly linked lists: a record joins a list through a member
 * declared TRI_LINK(its type), and a list is a TRI_LIST(its type) holding
 * the first and the last record. Records are linked, never copied or
 * allocated; every operation is O(1). The one helper for spans on central
 * and page-heap lists, the page heap's release queue, the collector's span
 * sets and the registry of thread caches.
 */
#ifndef TRI_LIST_H
#define TRI_LIST_H

#include <stddef.h>

#define TRI_LINK(T) struct { T *next, *prev; }
#define TRI_LIST(T) struct { T *first, *last; }

#define tri_list_empty(list) ((list)->first == NULL)

/* Adds x in front of the list (a stack: the next first() is x). */
#define tri_list_push_front(list, x, link)                                                                 \
    do {                                                                                                   \
        __typeof__(list) l_ = (list);                                                                      \
        __typeof__(x) x_ = (x);                                                                            \
        x_->link.prev = NULL;                                                                              \
        x_->link.next = l_->first;                                                                         \
        if (l_->first)                                                                                     \
            l_->first->link.prev = x_;                                                                     \
        else                                                                                               \
            l_->last = x_;                                                                                 \
        l_->first = x_;                                                                                    \
    } while (0)

/* Adds x at the back of the list (a queue: first() is the oldest). */
#define tri_list_push_back(list, x, link)                                                                  \
    do {                                                                                                   \
        __typeof__(list) l_ = (list);                                                                      \
        __typeof__(x) x_ = (x);                                                                            \
        x_->link.next = NULL;                                                                              \
        x_->link.prev = l_->last;                                                                          \
        if (l_->last)                                                                                      \
            l_->last->link.next = x_;                                                                      \
        else                                                                                               \
            l_->first = x_;                                                                                \
        l_->last = x_;                                                                                     \
    } while (0)

/* Removes x, which must be on the list. */
#define tri_list_unlink(list, x, link)                                                                     \
    do {                                                                                                   \
        __typeof__(list) l_ = (list);                                                                      \
        __typeof__(x) x_ = (x);                                                                            \
        if (x_->link.prev)                                                                                 \
            x_->link.prev->link.next = x_->link.next;                                                      \
        else                                                                                               \
            l_->first = x_->link.next;                                                                     \
        if (x_->link.next)                                                                                 \
            x_->link.next->link.prev = x_->link.prev;                                                      \
        else                                                                                               \
            l_->last = x_->link.prev;                                                                      \
        x_->link.next = x_->link.prev = NULL;                                                              \
    } while (0)

#define tri_list_for_each(list, x, link) for (__typeof__((list)->first) x = (list)->first; x; x = x->link.next)

#endif
