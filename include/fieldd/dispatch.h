/*
 * dispatch.h — proposing who goes when (SPEC §3). Plain C on plain structs:
 * no HTTP, no SQL. Times are time_t (UTC seconds); working hours are in the
 * process's local time zone, which main() sets from FIELDD_TZ before any
 * thread starts.
 */
#ifndef FIELDD_DISPATCH_H
#define FIELDD_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A busy interval [start, end). */
struct dsp_busy {
	time_t start, end;
};

/* Someone who can be sent: an engineer or a lead. */
struct dsp_person {
	int64_t id;
	int64_t team_id;    /* 0 = no team */
	int64_t team_lead;  /* the lead of their team, 0 = none */
	bool is_lead;	    /* role lead */
	unsigned skills;    /* bit i = domain_device_kinds[i] */
	int work_start_min; /* minutes after local midnight, e.g. 540 = 09:00 */
	int work_end_min;   /* e.g. 1080 = 18:00 */
	unsigned work_days; /* bit d for ISO weekday d (1 = Monday .. 7 = Sunday) */
	int load;	    /* active visits in the planning horizon */
	const struct dsp_busy *busy;
	int nbusy;
};

/* Defaults when a user has no working hours of their own. */
#define DSP_DEFAULT_START_MIN (9 * 60)
#define DSP_DEFAULT_END_MIN   (18 * 60)
#define DSP_DEFAULT_DAYS      0x3eu /* Monday to Friday */
/* Sets p's working hours from what the user has on record: start_min/end_min < 0 and
 * days 0 mean none, and take the defaults above. */
void dsp_working_hours(struct dsp_person *p, int start_min, int end_min, unsigned days);

struct dsp_request {
	time_t now;
	time_t due_at;
	int kind;		  /* index into domain_device_kinds */
	int64_t last_engineer_id; /* who last worked on the device, 0 = none */
	bool requires_lead;	  /* R7/R8 */
	int duration_min;	  /* visit length, e.g. 60 */
	int grid_min;		  /* windows start on this grid, e.g. 30 */
	int lead_time_min;	  /* earliest start = now + this, rounded up to the grid */
	int horizon_days;	  /* how far to look when nothing fits before due_at */
	const struct dsp_person *people;
	int npeople;
};

struct dsp_proposal {
	bool found;
	int64_t engineer_id; /* never 0 when found */
	int64_t lead_id;     /* 0 unless requires_lead */
	time_t start, end;
	bool meets_due; /* end <= due_at */
};

/*
 * Picks the engineer (skills fit the kind, working then, free), preferring
 * the one who last worked on the device, then the least loaded, then the
 * lowest id; among those that have a window ending by due_at the first in
 * that order wins, at its earliest window; with requires_lead the
 * engineer's team lead must be working and free in the same window. When
 * nobody fits before due_at, the earliest window of anyone within the
 * horizon is proposed with meets_due = false. found = false when none.
 */
void dsp_propose(const struct dsp_request *rq, struct dsp_proposal *out);
/*
 * The proposal's request for a ticket (due_at, kind, requires_lead): a
 * VISIT_DEFAULT_MIN visit on the VISIT_GRID_MIN grid, at least 30 minutes from
 * now, looking 14 days ahead when nothing fits before due_at; or, with a fixed
 * window (start, end; 0 for none), exactly that window. [*from, *to) is the
 * busy time the proposal needs to know.
 */
void dsp_request_for(time_t now, time_t due_at, const char *kind, bool requires_lead, time_t start,
		     time_t end, struct dsp_request *rq, time_t *from, time_t *to);
/* The proposal for a booking that names its engineer (only_engineer, 0: anyone): only
 * they and the leads are looked at, the named engineer goes whatever their listed
 * skills, and a lead named as the engineer goes as the engineer. people is changed. */
void dsp_propose_named(struct dsp_request *rq, int64_t only_engineer, struct dsp_person *people,
		       int n, struct dsp_proposal *out);

/* Bit mask of a device kind name; 0 for an unknown kind. */
unsigned dsp_kind_bit(const char *kind);
/* Index of a device kind in domain_device_kinds; -1 for an unknown kind or NULL. */
int dsp_kind_index(const char *kind);

#endif
