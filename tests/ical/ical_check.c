/*
 * ical_check FILE... — libical's own verdict on iCalendar files: each must
 * parse without errors and pass icalrestriction_check(), the iTIP (RFC 5546)
 * rules for its METHOD (PUBLISH: no ATTENDEE; REQUEST: ORGANIZER and at
 * least one ATTENDEE; CANCEL: ...). Prints libical's X-LIC-ERROR lines and
 * exits 1 when any file fails. Used by tests/ical/ on what fieldd serves.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int report(icalcomponent *c, const char *path)
{
	int n = 0;
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		fprintf(stderr, "%s: %s: %s\n", path,
			icalcomponent_kind_to_string(icalcomponent_isa(c)),
			icalproperty_get_xlicerror(p));
		n++;
	}
	for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
	     k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		n += report(k, path);
	return n;
}

int main(int argc, char **argv)
{
	int bad = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: ical_check FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char *text = slurp(argv[i]);
		if (!text) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			bad++;
			continue;
		}
		icalcomponent *cal = icalparser_parse_string(text);
		free(text);
		if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
			fprintf(stderr, "%s: not one VCALENDAR\n", argv[i]);
			bad++;
			if (cal)
				icalcomponent_free(cal);
			continue;
		}
		if (!icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY)) {
			fprintf(stderr, "%s: no METHOD, nothing for iTIP to check\n", argv[i]);
			bad++;
		}
		int ok = icalrestriction_check(cal);
		int errors = report(cal, argv[i]);
		if (!ok || errors) {
			bad++;
		} else {
			icalproperty *m =
			    icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
			printf("%s: METHOD:%s passes libical's iTIP restrictions\n", argv[i],
			       icalproperty_method_to_string(icalproperty_get_method(m)));
		}
		icalcomponent_free(cal);
	}
	return bad ? 1 : 0;
}
