/*
 * jobs.h — work outside requests (server/jobs/), each on its own thread with
 * its own database connection, safe to run in every fieldd process.
 *
 * The delivery workers (delivery.c): FIELDD_DELIVERY_WORKERS threads (default
 * 2; 0 turns delivery off in this process), each LISTENing on fieldd_outbox,
 * claiming due notifications (FOR UPDATE SKIP LOCKED, under a lease) and
 * sending them through server/notify. See docs/architecture.md "Delivery".
 */
#ifndef FIELDD_JOBS_H
#define FIELDD_JOBS_H

/* Reads the delivery settings and starts the workers; -1 with a logged reason. */
int jobs_start(void);
struct abuf;
/* Delivery counters of this process for /metrics (Prometheus text), appended to b. */
void jobs_metrics_render(struct abuf *b);

/* Wakes the workers, lets each finish the notice in hand, and joins them. */
void jobs_stop(void);

#endif
