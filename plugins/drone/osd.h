/*
 * DJI Cloud API OSD messages (thing/product/{sn}/osd) read into the
 * telemetry store: the aircraft's and, on the same or another topic, its
 * hangar's (dock's).
 */
#ifndef DRONE_OSD_H
#define DRONE_OSD_H

#include <stdbool.h>
#include <sys/types.h>

#include "telemetry.h"

/**
 * Apply one message: the envelope {"timestamp": ms, "data": {...}} or
 * the bare data object. With use_timestamp the reading counts as updated
 * at the envelope's timestamp (a recorded message); otherwise now.
 * Returns false with *why (static text) when it is not an OSD message.
 */
bool osd_apply(struct telemetry_store *store, const char *json, gssize length, const char *input,
	       bool use_timestamp, const char **why);

#endif
