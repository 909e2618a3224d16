// Parses an iCalendar file with ical.js (Thunderbird's parser) and prints what
// a client sees as JSON: calendar properties, time zones and, per event, its
// times as ical.js resolves them through the file's own VTIMEZONE.
// Usage: node icaljs_parse.mjs FILE   (exit 1 with the error when ical.js refuses it)
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2], "utf8");
let cal;
try {
  cal = new ICAL.Component(ICAL.parse(text));
} catch (e) {
  console.error("ical.js refused the file: " + e.message);
  process.exit(1);
}
const zones = cal.getAllSubcomponents("vtimezone");
for (const z of zones) ICAL.TimezoneService.register(z);

function when(t) {
  return {
    tzid: t.timezone || null,
    zone: t.zone ? t.zone.tzid : null,
    floating: !t.zone || t.zone === ICAL.Timezone.localTimezone,
    utc: t.zone === ICAL.Timezone.utcTimezone,
    epoch: t.toUnixTime(),
    wall: t.toString(),
  };
}

function value(comp, name) {
  const p = comp.getFirstProperty(name);
  return p ? String(p.getFirstValue()) : null;
}

const out = {
  method: value(cal, "method"),
  version: value(cal, "version"),
  prodid: value(cal, "prodid"),
  name: value(cal, "name"),
  x_wr_calname: value(cal, "x-wr-calname"),
  refresh_interval: value(cal, "refresh-interval"),
  refresh_interval_type: cal.getFirstProperty("refresh-interval")?.type ?? null,
  x_published_ttl: value(cal, "x-published-ttl"),
  timezones: zones.map((z) => z.getFirstPropertyValue("tzid")),
  events: cal.getAllSubcomponents("vevent").map((ve) => {
    const ev = new ICAL.Event(ve);
    return {
      uid: ev.uid,
      sequence: ev.sequence,
      status: value(ve, "status"),
      summary: ev.summary,
      location: ev.location,
      description: ev.description,
      url: value(ve, "url"),
      dtstamp: when(ve.getFirstPropertyValue("dtstamp")),
      last_modified: ve.getFirstProperty("last-modified")
        ? when(ve.getFirstPropertyValue("last-modified"))
        : null,
      start: when(ev.startDate),
      end: when(ev.endDate),
      organizer: value(ve, "organizer"),
      attendees: ve.getAllProperties("attendee").map((p) => String(p.getFirstValue())),
    };
  }),
};
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
