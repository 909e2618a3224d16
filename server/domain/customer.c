/* The customer's side: what the tracking page may show, when a survey is open. */
#include "fieldd/arena.h"
#include "fieldd/domain.h"

#include <string.h>

/* Octets of the UTF-8 character starting with c (1 for a stray byte). */
static size_t u8len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

const char *domain_first_name(struct arena *a, const char *name)
{
	if (!name)
		return NULL;
	while (*name == ' ')
		name++;
	const char *sp = strchr(name, ' ');
	if (sp)
		return arena_strndup(a, name, (size_t)(sp - name));
	size_t n = strlen(name);
	size_t first = n ? u8len((unsigned char)name[0]) : 0;
	/* Hangul syllables (U+AC00..U+D7A3) are 3 octets starting 0xEA..0xED */
	unsigned char c0 = (unsigned char)name[0];
	if (first == 3 && c0 >= 0xEA && c0 <= 0xED && n > first)
		return arena_strdup(a, name + first);
	return arena_strdup(a, name);
}

bool domain_survey_open(enum ticket_status ticket_status)
{
	return ticket_status == TS_RESOLVED || ticket_status == TS_CLOSED;
}

bool domain_survey_rating_ok(long long rating)
{
	return rating >= 1 && rating <= 5;
}
