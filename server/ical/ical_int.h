/* Inside server/ical/ only: libical types and helpers shared by its files. */
#ifndef FIELDD_ICAL_INT_H
#define FIELDD_ICAL_INT_H

#include "fieldd/ical.h"

#include <libical/ical.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/*
 * A VTIMEZONE named tzid for the process's zone, covering the years from
 * first's to last's (see tz.c). New component, owned by the caller.
 */
icalcomponent *ical_vtimezone_new(const char *tzid, time_t first, time_t last);

/* Counts a feed built (cache.c keeps the counters). */
void ical_count_build(void);

#endif
