/*
 * /api/report on the --http server (http.h): the figures of `wall report`
 * (inspection/report.h) as JSON.
 *
 *   ?day=YYYY-MM-DD          by hour, and over the day
 *   ?from=DAY&to=DAY         by day, and over the span (to= defaults to from=)
 *   (no query)               today, by hour
 *   &by=hour or &by=day      hours too, or days only, whatever the span
 *
 * A malformed query is answered at once, 400 with {"error": "..."}. Else
 * the message is paused and the report read from the state file on a
 * thread of its own (a long span takes a while, and the control thread
 * must not wait for it), then answered on the control thread.
 */
#ifndef WALL_CONTROL_HTTP_REPORT_H
#define WALL_CONTROL_HTTP_REPORT_H

#include <libsoup/soup.h>

#include "inspection/camera_health.h"

/** Answer msg, now or later. Control thread; cameras must outlive the call only. */
void wall_http_report(SoupServerMessage *msg, GHashTable *query,
                      struct wall_camera_health *cameras);

#endif
