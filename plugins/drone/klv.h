/*
 * MISB ST 0601 (UAS Datalink Local Set) as it arrives in meta/x-klv
 * buffers: the 16-byte key, a BER length, then tag-length-value items
 * ending with the packet's checksum (tag 1). Only the items a drone tile
 * shows are read; the rest are skipped by their lengths.
 */
#ifndef DRONE_KLV_H
#define DRONE_KLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"

/** What one packet said; a has_* flag per item. */
struct klv_reading {
	bool has_time;
	/* Tag 2: microseconds since the epoch. */
	uint64_t time_us;
	bool has_heading;
	double heading_deg;
	bool has_pitch;
	double pitch_deg;
	bool has_roll;
	double roll_deg;
	bool has_position;
	double lat_deg;
	double lon_deg;
	bool has_altitude;
	double altitude_m;
	bool has_sensor_azimuth;
	double sensor_azimuth_deg;
};

/** The ST 0601 checksum: a 16-bit sum of the bytes as big-endian words. */
uint16_t klv_checksum(const uint8_t *bytes, size_t size);

/**
 * Parse the first ST 0601 packet in data. Returns the bytes it used (so a
 * caller can go on to the next packet), or 0 with *why set to a static
 * text when it is not a whole, checked packet.
 */
size_t klv_parse(const uint8_t *data, size_t size, struct klv_reading *reading,
		 const char **why);

/** Copy what the reading has into telemetry; true when it had anything. */
bool klv_apply(const struct klv_reading *reading, struct telemetry *telemetry);

#endif
