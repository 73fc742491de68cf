/*
 * mklayout: prints the C-JavaScript layout of wasm/layout.h as an ES module,
 * the JavaScript side's only copy of it (build/emscripten/tricolor-layout.mjs,
 * imported by wasm/tricolor.mjs and by the visualiser).
 *
 * It takes the enums' names from the library itself (tri_gc_phase_name,
 * tri_gc_barrier_name, tri_gc_event_name) and from layout.h, and refuses to
 * print when layout.h no longer matches tricolor.h: a name list with a
 * missing, extra or misplaced enumerator, or a page size the size-class
 * table contradicts.
 *
 * Usage: mklayout > tricolor-layout.mjs (linked with the native libtricolor.a)
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

static int failed;

static void fail(const char *what)
{
    fprintf(stderr, "mklayout: %s\n", what);
    failed = 1;
}

/* --- names -------------------------------------------------------------------------------- */

typedef struct name_list {
    const char *js;       /* the array's name; its index takes the singular */
    const char *js_index;
    const char *names[32];
    unsigned count;
} name_list;

static void add_name(name_list *l, const char *name, int value, const char *enumerator)
{
    if (!name || !*name || !strcmp(name, "?") || strpbrk(name, "'\\\n")) {
        char why[160];
        snprintf(why, sizeof why, "no name for %s %d", enumerator, value);
        fail(why);
        name = "?";
    }
    if (value != (int)l->count) {
        char why[160];
        snprintf(why, sizeof why, "%s is %d but comes at %u in layout.h's list of %s", enumerator, value, l->count,
                 l->js);
        fail(why);
    }
    if (l->count < sizeof l->names / sizeof l->names[0])
        l->names[l->count++] = name;
}

static void expect_count(const name_list *l, unsigned count)
{
    if (l->count != count) {
        char why[160];
        snprintf(why, sizeof why, "layout.h names %u %s, tricolor.h has %u", l->count, l->js, count);
        fail(why);
    }
}

/* "mark setup" -> MARK_SETUP, "span-take" -> SPAN_TAKE: the names as the
 * index's keys, read as C's enumerators are. */
static void print_key(const char *name)
{
    for (const char *p = name; *p; p++)
        putchar(*p == ' ' || *p == '-' ? '_' : toupper((unsigned char)*p));
}

static void print_names(const name_list *l, const char *comment)
{
    printf("\n// %s\nexport const %s = Object.freeze([", comment, l->js);
    for (unsigned i = 0; i < l->count; i++)
        printf("%s'%s'", i ? ", " : "", l->names[i]);
    printf("]);\nexport const %s = Object.freeze({", l->js_index);
    for (unsigned i = 0; i < l->count; i++) {
        printf("%s", i ? ", " : " ");
        print_key(l->names[i]);
        printf(": %u", i);
    }
    printf(" });\n");
}

/* --- records ------------------------------------------------------------------------------ */

static void print_fields(const char *js, const char *comment, const char *const *fields, unsigned count)
{
    printf("\n// %s\nexport const %s = Object.freeze([", comment, js);
    for (unsigned i = 0; i < count; i++)
        printf("%s'%s'", i ? ", " : "", fields[i]);
    printf("]);\n");
}

/* A record of 32-bit words: each field's word offset, and `words`. */
static void print_record(const char *js, const char *comment, const char *const *fields, const int *at, unsigned count,
                         int words)
{
    printf("\n// %s\nexport const %s = Object.freeze({", comment, js);
    for (unsigned i = 0; i < count; i++)
        printf(" %s: %d,", fields[i], at[i]);
    printf(" words: %d });\n", words);
}

#define NAME_OF(js, c) #js,
#define COUNT_OF(list) (sizeof(list) / sizeof(list[0]))

#define RECORD(js_name, comment, record, LIST)                                                               \
    do {                                                                                                     \
        static const char *const fields[] = {LIST(NAME_OF)};                                                 \
        static const int at[] = {LIST(RECORD_AT_##record)};                                                  \
        print_record(js_name, comment, fields, at, COUNT_OF(fields), TRI_JS_##record##_WORDS);              \
    } while (0)
#define RECORD_AT_SPAN(js, c) TRI_JS_SPAN_##js,
#define RECORD_AT_PAGE_RUN(js, c) TRI_JS_PAGE_RUN_##js,
#define RECORD_AT_OBJECT(js, c) TRI_JS_OBJECT_##js,
#define RECORD_AT_POINTER(js, c) TRI_JS_POINTER_##js,
#define RECORD_AT_EVENT_RING(js, c) TRI_JS_EVENT_RING_##js,
#define RECORD_AT_VERIFY(js, c) TRI_JS_VERIFY_##js,
#define RECORD_AT_VIOLATION(js, c) TRI_JS_VIOLATION_##js,
#define EVENT_NAME_OF(js, c, words) #js,
#define EVENT_AT(js, c, words) TRI_JS_EVENT_##js,

/* The page size agrees with the size-class table: each class packs as
 * many objects as whole ones fit in its span. */
static void check_page_size(void)
{
    for (unsigned c = 1; c < TRI_NUM_SIZE_CLASSES; c++) {
        uint32_t size, pages, objects;
        if (!tri_size_class_info(c, &size, &pages, &objects) || objects != pages * TRI_JS_PAGE_SIZE / size) {
            fail("TRI_JS_PAGE_SIZE disagrees with the size-class table");
            return;
        }
    }
}

int main(void)
{
    name_list phases = {"PHASES", "PHASE", {0}, 0}, barriers = {"BARRIERS", "BARRIER", {0}, 0};
    name_list events = {"EVENTS", "EVENT_KIND", {0}, 0}, colors = {"COLORS", "COLOR", {0}, 0};
    name_list levels = {"LEVELS", "LEVEL", {0}, 0}, page_states = {"PAGE_STATES", "PAGE_STATE", {0}, 0};
    for (int p = 0; p < TRI_NUM_PHASES; p++)
        add_name(&phases, tri_gc_phase_name((enum tri_gc_phase)p), p, "a phase");
    for (int b = 0; b < TRI_NUM_BARRIERS; b++)
        add_name(&barriers, tri_gc_barrier_name((enum tri_gc_barrier)b), b, "a barrier");
    for (int e = 0; e < TRI_NUM_EVENT_KINDS; e++)
        add_name(&events, tri_gc_event_name((enum tri_gc_event_kind)e), e, "an event kind");
#define ADD_COLOR(enumerator, name) add_name(&colors, name, enumerator, #enumerator);
#define ADD_LEVEL(enumerator, name) add_name(&levels, name, enumerator, #enumerator);
#define ADD_PAGE_STATE(enumerator, name) add_name(&page_states, name, enumerator, #enumerator);
    TRI_JS_COLORS(ADD_COLOR)
    TRI_JS_LEVELS(ADD_LEVEL)
    TRI_JS_PAGE_STATES(ADD_PAGE_STATE)
    expect_count(&colors, TRI_JS_NUM_COLORS);
    expect_count(&levels, TRI_NUM_LEVELS);
    expect_count(&page_states, TRI_NUM_PAGE_STATES);
    check_page_size();
    if (failed)
        return 1;

    printf("// The C-JavaScript layout of tricolor's WebAssembly module: what the\n"
           "// module's records hold and where, and the names of the runtime's enums.\n"
           "// Generated by wasm/mklayout.c from core/include/tricolor.h and\n"
           "// wasm/layout.h: do not edit.\n\n");
    printf("export const PAGE_SIZE = %d;\n", TRI_JS_PAGE_SIZE);
    printf("export const SIZE_CLASSES = %d; // class 0 stands for large objects\n", TRI_NUM_SIZE_CLASSES);
    printf("// The heap head's barrier_on: which stores the write barrier's slow path sees.\n"
           "export const BARRIER_ON = Object.freeze({ ALL: %d, OVERWRITES: %d });\n",
           TRI_GC_BARRIER_ALL, TRI_GC_BARRIER_OVERWRITES);

    print_names(&phases, "The collector's phases (enum tri_gc_phase).");
    print_names(&barriers, "Write barrier modes (enum tri_gc_barrier).");
    print_names(&events, "Event kinds (enum tri_gc_event_kind).");
    print_names(&colors, "Object colours (enum tri_gc_color).");
    print_names(&levels, "Where an allocation was served (enum tri_level).");
    print_names(&page_states, "Page states (enum tri_page_state).");

    static const char *const stats[] = {TRI_JS_STATS(NAME_OF)};
    static const char *const class_stats[] = {TRI_JS_CLASS_STATS(NAME_OF)};
    static const char *const gc_stats[] = {TRI_JS_GC_STATS(NAME_OF)};
    print_fields("STATS", "tri_js_stats: doubles in this order, then CLASS_STATS for each size class from 1.", stats,
                 COUNT_OF(stats));
    print_fields("CLASS_STATS", "A size class's doubles in tri_js_stats.", class_stats, COUNT_OF(class_stats));
    print_fields("GC_STATS", "tri_js_gc_stats: doubles in this order.", gc_stats, COUNT_OF(gc_stats));

    printf("\n// Records of 32-bit words: each field's word, and the words of a record.\n");
    RECORD("SPAN", "tri_js_spans: a collected heap's spans.", SPAN, TRI_JS_SPAN);
    RECORD("PAGE_RUN", "tri_js_pages: runs of pages in one state.", PAGE_RUN, TRI_JS_PAGE_RUN);
    RECORD("OBJECT", "tri_js_objects: a collected heap's objects; colour indexes COLORS.", OBJECT, TRI_JS_OBJECT);
    RECORD("POINTER", "tri_js_pointers and tri_js_roots: pointer slots.", POINTER, TRI_JS_POINTER);
    RECORD("EVENT_RING", "tri_js_events: the event ring's address, capacity and events written.", EVENT_RING,
           TRI_JS_EVENT_RING);
    RECORD("VERIFY", "tri_js_verify: the verifier's counts, then VIOLATIONS records of VIOLATION.", VERIFY,
           TRI_JS_VERIFY);
    RECORD("VIOLATION", "A black-to-white edge the verifier found.", VIOLATION, TRI_JS_VIOLATION);
    printf("export const VIOLATIONS = %d;\n", TRI_JS_VIOLATIONS);
    {
        static const char *const fields[] = {TRI_JS_EVENT(EVENT_NAME_OF)};
        static const int at[] = {TRI_JS_EVENT(EVENT_AT)};
        print_record("EVENT", "An event of the ring (tri_gc_event); 64-bit fields take two words, low first.", fields,
                     at, COUNT_OF(fields), TRI_JS_EVENT_WORDS);
    }

    printf("\n// What tricolor.mjs compares with the module's own (tri_js_layout) at load.\n"
           "export const SHAPE = Object.freeze({");
    const char *separator = " ";
#define PRINT_SHAPE(js, value) printf("%s%s: %d", separator, #js, (int)(value)), separator = ", ";
    TRI_JS_SHAPE(PRINT_SHAPE)
    printf(" });\n");
    return ferror(stdout) ? 1 : 0;
}
