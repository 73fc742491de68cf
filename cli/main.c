/*
 * tricolor: the command line.
 *
 *   tricolor sizeclasses            the size-class table, in Go's columns
 *   tricolor stats [WORKLOAD]       run a workload briefly, print the stats
 *   tricolor bench WORKLOAD [-t N] [-s X]
 *                                   time a workload on tricolor
 *   tricolor bench gcbench|binarytrees [-d DEPTH] [--stw] [--barrier MODE] [--gogc N|off]
 *                                   a garbage-collector benchmark
 *   tricolor trace gcbench|binarytrees [-d DEPTH] [--barrier MODE] --out FILE
 *                                   record the collector's events to a trace
 *   tricolor trace-info FILE        check a trace and summarize it
 *   tricolor bench list             the workloads
 *   tricolor demo                   the table, a short workload, the stats
 *   tricolor --version              the version ("version" works too)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/trace.h"
#include "../workloads/alloc.h"
#include "../workloads/gcprograms.h"
#include "../workloads/measure.h"
#include "tricolor.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tricolor COMMAND [ARGS]\n"
            "  sizeclasses                      print the size-class table\n"
            "  stats [WORKLOAD] [-t N] [-s X]   run a workload briefly (default churn), print allocator stats\n"
            "  bench WORKLOAD [-t N] [-s X]     time a workload (N threads, scale X; 'bench list' lists them)\n"
            "  bench gcbench|binarytrees [-d DEPTH] [--stw] [--barrier MODE] [--gogc N|off]\n"
            "                                   a garbage-collector benchmark on tricolor's collector\n"
            "  trace gcbench|binarytrees [-d DEPTH] [--barrier MODE] --out FILE\n"
            "                                   record the collector's events (docs/trace-format.md)\n"
            "  trace-info FILE                  check a trace and summarize it\n"
            "  demo                             size classes, a short workload and its stats\n"
            "  --version                        print the version\n");
}

static void print_sizeclasses(void)
{
    printf("// class  bytes/obj  bytes/span  objects  tail waste  max waste\n");
    uint32_t prev = 0, size, pages, objects;
    for (unsigned c = 1; tri_size_class_info(c, &size, &pages, &objects); c++) {
        uint32_t span = pages * 8192, tail = span - objects * size;
        double max_waste = (double)((size - prev - 1) * objects + tail) / span;
        printf("// %5u  %9u  %10u  %7u  %10u  %8.2f%%\n", c, size, span, objects, tail, 100 * max_waste);
        prev = size;
    }
}

static int parse_params(int argc, char **argv, int first, const wl_workload *w, wl_params *p)
{
    p->threads = w->default_threads;
    for (int i = first; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf(stderr, "tricolor: -t wants a thread count from 1 to 1024, not '%s'\n", argv[i]);
                return 0;
            }
            p->threads = (int)n;
        } else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            double x = strtod(argv[++i], &end);
            if (*end || !(x > 0 && x <= 1000)) {
                fprintf(stderr, "tricolor: -s wants a scale above 0 and at most 1000, not '%s'\n", argv[i]);
                return 0;
            }
            p->scale = x;
        } else {
            fprintf(stderr, "tricolor: unexpected argument '%s'\n", argv[i]);
            return 0;
        }
    }
    return 1;
}

static const wl_workload *find_workload(const char *name)
{
    const wl_workload *w = wl_find(name);
    if (!w) {
        fprintf(stderr, "tricolor: no workload '%s'; try: tricolor bench list\n", name);
    } else if (!w->run) {
        fprintf(stderr, "tricolor: workload '%s' needs threads, which this build does not have\n", name);
        w = NULL;
    }
    return w;
}

static void print_pauses(const char *what, const gcb_pauses *p)
{
    printf("  %-5s %8llu, p50 %8.1f us, p99 %8.1f us, max %8.1f us\n", what, (unsigned long long)p->count,
           p->p50_ns / 1e3, p->p99_ns / 1e3, p->max_ns / 1e3);
}

static int gc_bench(const char *name, int argc, char **argv, int first, int tracing)
{
    int depth = strcmp(name, "binarytrees") == 0 ? (tracing ? 10 : 21) : 0, stw = 0;
    const char *out = NULL;
    tri_gc_config c = {0};
    if (tracing)
        c.gogc = 25; /* a small heap goal, so that a short trace holds several cycles */
    for (int i = first; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "-d") == 0 && i + 1 < argc && depth) {
            long d = strtol(argv[++i], &end, 10);
            if (*end || d < 6 || d > 24) {
                fprintf(stderr, "tricolor: -d wants a depth from 6 to 24, not '%s'\n", argv[i]);
                return 2;
            }
            depth = (int)d;
        } else if (tracing && strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--stw") == 0) {
            stw = 1;
        } else if (strcmp(argv[i], "--barrier") == 0 && i + 1 < argc) {
            int found = 0;
            i++;
            for (int b = 0; b < TRI_NUM_BARRIERS; b++)
                if (strcmp(argv[i], tri_gc_barrier_name((enum tri_gc_barrier)b)) == 0) {
                    c.barrier = (enum tri_gc_barrier)b;
                    found = 1;
                }
            if (!found || c.barrier == TRI_BARRIER_NONE) {
                fprintf(stderr, "tricolor: --barrier wants hybrid, dijkstra or yuasa, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--gogc") == 0 && i + 1 < argc) {
            i++;
            long g = strtol(argv[i], &end, 10);
            if (strcmp(argv[i], "off") == 0)
                c.gogc = -1;
            else if (*end || g < 1 || g > 100000) {
                fprintf(stderr, "tricolor: --gogc wants a percentage or 'off', not '%s'\n", argv[i]);
                return 2;
            } else
                c.gogc = (int)g;
        } else {
            fprintf(stderr, "tricolor: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    trace_writer w;
    if (tracing) {
        if (!out) {
            fprintf(stderr, "tricolor: trace wants --out FILE\n");
            return 2;
        }
        if (trace_open(&w, out, name, c.barrier) != 0) {
            fprintf(stderr, "tricolor: cannot write %s: %s\n", out, strerror(errno));
            return 1;
        }
        c.events = 1 << 16;
        c.event_sink = trace_events;
        c.event_sink_arg = &w;
    }
    gcb_result r;
    if (gcb_run(name, stw ? "tricolor-stw" : "tricolor", depth, &c, &r) != 0) {
        fprintf(stderr, "tricolor: %s failed to start\n", name);
        return 1;
    }
    if (tracing) {
        if (trace_close(&w) != 0) {
            fprintf(stderr, "tricolor: writing %s failed: %s\n", out, strerror(errno));
            return 1;
        }
        printf("%s: %llu events\n", out, (unsigned long long)w.count);
    }
    printf("%s%s%.0d: %.3f s, %llu cycles, peak RSS %.1f MiB, %.0f%% of the time in the collector, check %ld\n", name,
           depth ? " depth " : "", depth, r.seconds, (unsigned long long)r.cycles, r.peak_rss_kib / 1024.0,
           100 * r.gc_share, r.check);
    print_pauses("stops", &r.stops);
    print_pauses("steps", &r.steps);
    return 0;
}

static int trace_info(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tricolor: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 20, size = 0;
    uint8_t *data = malloc(cap);
    for (size_t n; data && (n = fread(data + size, 1, cap - size, f)) > 0;) {
        size += n;
        if (size == cap) {
            uint8_t *bigger = realloc(data, cap *= 2);
            if (!bigger) {
                free(data);
                data = NULL;
            }
            data = bigger;
        }
    }
    fclose(f);
    if (!data) {
        fprintf(stderr, "tricolor: %s: out of memory\n", path);
        return 1;
    }
    trace_summary s;
    char err[256];
    int rc = trace_read(data, size, &s, NULL, err, sizeof err);
    free(data);
    if (rc != 0) {
        fprintf(stderr, "tricolor: %s: %s\n", path, err);
        return 1;
    }
    printf("%s: tricolor trace version %u of '%s', %s addresses, barrier %s\n", path, s.version, s.workload,
           s.flags & 1 ? "32-bit" : "64-bit", tri_gc_barrier_name((enum tri_gc_barrier)s.barrier));
    printf("%llu events in %llu bytes (%.1f bytes an event) over %.3f s\n", (unsigned long long)s.events,
           (unsigned long long)s.bytes, s.events ? (double)s.bytes / (double)s.events : 0.0, s.duration_ns / 1e9);
    for (int k = 0; k < TRACE_KINDS; k++)
        if (s.by_kind[k])
            printf("  %-12s %llu\n", tri_gc_event_name((enum tri_gc_event_kind)k), (unsigned long long)s.by_kind[k]);
    return 0;
}

static int run(const wl_workload *w, const wl_params *p, int quiet)
{
    wl_result r = {0};
    double t0 = wl_now();
    w->run(p, &r);
    double t = wl_now() - t0;
    if (!quiet)
        printf("%s: %d thread%s, scale %g: %.3f s, %.1f M allocations/s, checksum %llu%s\n", w->name,
               p->threads, p->threads == 1 ? "" : "s", p->scale, t, (double)r.ops / t / 1e6,
               (unsigned long long)r.checksum, r.errors ? ", CONTENT ERRORS" : "");
    return r.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "sizeclasses") == 0 && argc == 2) {
        print_sizeclasses();
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("tricolor %s\n", TRI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "bench") == 0 && argc >= 3) {
        if (strcmp(argv[2], "list") == 0) {
            for (int i = 0; i < wl_count; i++)
                printf("%-11s %s\n", wl_workloads[i].name, wl_workloads[i].about);
            printf("%-11s %s\n", "gcbench", "Boehm, Ellis and Kovac's GCBench on the collector");
            printf("%-11s %s\n", "binarytrees", "the Benchmarks Game's binary-trees (depth 21) on the collector");
            return 0;
        }
        if (strcmp(argv[2], "gcbench") == 0 || strcmp(argv[2], "binarytrees") == 0)
            return gc_bench(argv[2], argc, argv, 3, 0);
        const wl_workload *w = find_workload(argv[2]);
        wl_params p = {1, 1.0};
        if (!w || !parse_params(argc, argv, 3, w, &p))
            return 2;
        return run(w, &p, 0);
    }
    if (strcmp(cmd, "trace") == 0 && argc >= 3) {
        if (strcmp(argv[2], "gcbench") != 0 && strcmp(argv[2], "binarytrees") != 0) {
            fprintf(stderr, "tricolor: trace records gcbench or binarytrees, not '%s'\n", argv[2]);
            return 2;
        }
        return gc_bench(argv[2], argc, argv, 3, 1);
    }
    if (strcmp(cmd, "trace-info") == 0 && argc == 3)
        return trace_info(argv[2]);
    if (strcmp(cmd, "stats") == 0) {
        int named = argc >= 3 && argv[2][0] != '-';
        const wl_workload *w = find_workload(named ? argv[2] : "churn");
        wl_params p = {1, 0.05};
        if (!w || !parse_params(argc, argv, named ? 3 : 2, w, &p))
            return 2;
        int rc = run(w, &p, 0);
        fflush(stdout);
        tri_print_stats(1);
        return rc;
    }
    if (strcmp(cmd, "demo") == 0 && argc == 2) {
        printf("== size classes ==\n");
        print_sizeclasses();
        printf("\n== workloads ==\n");
        int rc = 0;
        const char *names[] = {"churn", "realloc", "prodcons"};
        for (int i = 0; i < 3; i++) {
            const wl_workload *w = wl_find(names[i]);
            if (!w->run)
                continue;
            wl_params p = {w->default_threads, 0.05};
            rc |= run(w, &p, 0);
        }
        printf("\n== garbage collector: GCBench, incremental, hybrid barrier ==\n");
        fflush(stdout);
        char *gc_args[] = {"tricolor", "bench", "gcbench"};
        rc |= gc_bench("gcbench", 3, gc_args, 3, 0);
        printf("\n== allocator stats ==\n");
        fflush(stdout);
        tri_print_stats(1);
        size_t released = tri_release_idle_memory();
        printf("\ntri_release_idle_memory() gave %.2f MiB back to the OS\n", released / 1048576.0);
        return rc;
    }
    usage(stderr);
    return 2;
}
