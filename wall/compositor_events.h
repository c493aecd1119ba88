/*
 * The compositor's events as JSON: one object per event, kept
 * as text until wall_compositor_take_events() hands them on.
 */
#ifndef WALL_COMPOSITOR_EVENTS_H
#define WALL_COMPOSITOR_EVENTS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "json_write.h"

/** A new event object, {"event": name, ...}, open for more members. */
JsonBuilder *compositor_event_begin(const char *name);
/** Close the event begun with compositor_event_begin() and add its text to events. */
void compositor_event_end(GPtrArray *events, JsonBuilder *builder);
/** Member "since": real_us (wall clock) as ISO 8601 local time, or null when unknown. */
void compositor_json_since(JsonBuilder *builder, int64_t real_us);

#endif
