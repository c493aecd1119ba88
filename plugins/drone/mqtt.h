/*
 * Telemetry over MQTT (libmosquitto): subscribe to a topic on a broker
 * and read each message as DJI Cloud API OSD JSON into the store.
 * libmosquitto runs its own network thread and reconnects by itself.
 */
#ifndef DRONE_MQTT_H
#define DRONE_MQTT_H

#include <stdbool.h>

#include "telemetry.h"

/* A message larger than this is refused unread and counted as too large. */
#define MQTT_MAX_PAYLOAD_BYTES (256 * 1024)

struct mqtt_input;

/**
 * url: mqtt://[user[:password]@]host[:port]/topic, where the topic may
 * hold MQTT wildcards ("thing/product/+/osd"). Returns NULL with *error
 * set (g_free it) when the address is not of that shape.
 */
struct mqtt_input *mqtt_input_start(const char *url, struct telemetry_store *store,
				    char **error);
/** Disconnect and stop the network thread. Accepts NULL. */
void mqtt_input_stop(struct mqtt_input *input);
/** Connected to the broker now. */
bool mqtt_input_connected(struct mqtt_input *input);
/** Messages read, messages refused (not OSD JSON, or too large), and those too large. */
void mqtt_input_counts(struct mqtt_input *input, uint64_t *messages, uint64_t *rejected,
		       uint64_t *too_large);

#endif
