#!/usr/bin/python3
"""Parses an iCalendar file with python3-icalendar (Debian's, hence /usr/bin/python3) and
prints what it understood as JSON: calendar properties, time zones and, per event, its times
as timezone-aware values (a floating time shows "floating": true).

Usage: /usr/bin/python3 pyical_parse.py FILE   (exit 1 when icalendar refuses the file)
"""
import datetime as dt
import json
import sys

import icalendar


def when(v):
    if v is None:
        return None
    d = v.dt if hasattr(v, "dt") else v
    if not isinstance(d, dt.datetime):
        return {"date": d.isoformat(), "floating": True}
    floating = d.tzinfo is None
    return {
        "iso": d.isoformat(),
        "tz": None if floating else str(getattr(d.tzinfo, "zone", None) or d.tzinfo),
        "floating": floating,
        "epoch": None if floating else int(d.timestamp()),
    }


def text(v):
    return None if v is None else str(v)


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    try:
        cal = icalendar.Calendar.from_ical(raw)
    except ValueError as e:
        sys.stderr.write("python-icalendar refused the file: %s\n" % e)
        return 1
    errors = []
    for c in cal.walk():
        errors += [str(e) for e in getattr(c, "errors", [])]
    out = {
        "method": text(cal.get("METHOD")),
        "name": text(cal.get("NAME")),
        "x_wr_calname": text(cal.get("X-WR-CALNAME")),
        "refresh_interval": text(cal.get("REFRESH-INTERVAL").to_ical().decode())
        if cal.get("REFRESH-INTERVAL") is not None else None,
        "x_published_ttl": text(cal.get("X-PUBLISHED-TTL")),
        "timezones": [text(z.get("TZID")) for z in cal.walk("VTIMEZONE")],
        "errors": errors,
        "events": [],
    }
    for ev in cal.walk("VEVENT"):
        out["events"].append({
            "uid": text(ev.get("UID")),
            "sequence": int(ev.get("SEQUENCE")) if ev.get("SEQUENCE") is not None else None,
            "status": text(ev.get("STATUS")),
            "summary": text(ev.get("SUMMARY")),
            "location": text(ev.get("LOCATION")),
            "description": text(ev.get("DESCRIPTION")),
            "url": text(ev.get("URL")),
            "dtstamp": when(ev.get("DTSTAMP")),
            "last_modified": when(ev.get("LAST-MODIFIED")),
            "start": when(ev.get("DTSTART")),
            "end": when(ev.get("DTEND")),
            "start_tzid": ev.get("DTSTART").params.get("TZID") if ev.get("DTSTART") else None,
            "organizer": text(ev.get("ORGANIZER")),
            "attendees": [text(a) for a in (ev.get("ATTENDEE") if isinstance(ev.get("ATTENDEE"), list)
                                            else [ev.get("ATTENDEE")] if ev.get("ATTENDEE") else [])],
        })
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
