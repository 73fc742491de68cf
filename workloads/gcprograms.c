/* gcb_run: one benchmark on one memory manager, timed (gcprograms.h). */
#include "gcprograms.h"

#include <string.h>

#include "manager.h"
#include "measure.h"

int gcb_run(const char *program, const char *manager, int depth, const struct tri_gc_config *config,
            gcb_result *r)
{
    int bt = strcmp(program, "binarytrees") == 0;
    if (!bt && strcmp(program, "gcbench") != 0)
        return -1;
    memset(r, 0, sizeof *r);
    if (gcm_start(manager, config) != 0)
        return -1;
    double t0 = wl_now();
    r->check = bt ? binarytrees(depth) : gcbench();
    r->seconds = wl_now() - t0;
    r->peak_rss_kib = wl_peak_rss_kib();
    gcm_finish(r);
    return 0;
}
