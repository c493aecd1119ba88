/*
 * A small MAVLink v1/v2 decoder for the messages a drone tile shows:
 * framing, checksums (CRC-16/MCRF4XX seeded with each message's
 * CRC_EXTRA), and the fields of HEARTBEAT, SYS_STATUS, GPS_RAW_INT,
 * ATTITUDE, GLOBAL_POSITION_INT, MISSION_CURRENT, MISSION_COUNT,
 * MISSION_ITEM_INT, BATTERY_STATUS, HOME_POSITION and MOUNT_ORIENTATION.
 * Debian ships no MAVLink library, so this follows the public spec
 * (mavlink.io, "Serialization" and common.xml).
 */
#ifndef DRONE_MAVLINK_H
#define DRONE_MAVLINK_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"

#define MAVLINK_MAX_PAYLOAD 255

enum {
	MAVLINK_MSG_HEARTBEAT = 0,
	MAVLINK_MSG_SYS_STATUS = 1,
	MAVLINK_MSG_GPS_RAW_INT = 24,
	MAVLINK_MSG_ATTITUDE = 30,
	MAVLINK_MSG_GLOBAL_POSITION_INT = 33,
	MAVLINK_MSG_MISSION_CURRENT = 42,
	MAVLINK_MSG_MISSION_COUNT = 44,
	MAVLINK_MSG_MISSION_ITEM_INT = 73,
	MAVLINK_MSG_BATTERY_STATUS = 147,
	MAVLINK_MSG_HOME_POSITION = 242,
	MAVLINK_MSG_MOUNT_ORIENTATION = 265,
};

/** One checked message; payload zero-filled to its full length. */
struct mavlink_message {
	unsigned version;
	uint8_t sequence;
	uint8_t system_id;
	uint8_t component_id;
	uint32_t id;
	uint8_t length;
	uint8_t payload[MAVLINK_MAX_PAYLOAD];
};

/** What a parser has seen, for status and tests. */
struct mavlink_counts {
	uint64_t messages;
	uint64_t bad_checksum;
	uint64_t unknown;
	uint64_t truncated;
	uint64_t too_short;
	uint64_t skipped_bytes;
	/* With a signing key: frames unsigned, badly signed, or replayed. */
	uint64_t unsigned_refused;
	uint64_t bad_signature;
	uint64_t replayed;
};

typedef void (*mavlink_message_fn)(void *user, const struct mavlink_message *message);

#define MAVLINK_SIGNING_KEY_BYTES 32

struct mavlink_parser {
	uint8_t buffer[280];
	size_t used;
	struct mavlink_counts counts;
	/* Set by mavlink_parser_set_key(): only frames signed with key pass. */
	bool signing;
	uint8_t key[MAVLINK_SIGNING_KEY_BYTES];
	/* The newest timestamp per system, component and link, against replays. */
	GHashTable *timestamps;
};

/**
 * From now on take only MAVLink 2 frames signed with key (SHA-256, as the
 * MAVLink 2 message signing spec says), each newer than the last of its
 * link; MAVLink 1, unsigned, badly signed and replayed frames are dropped
 * and counted. Free with mavlink_parser_clear().
 */
void mavlink_parser_set_key(struct mavlink_parser *parser,
			    const uint8_t key[MAVLINK_SIGNING_KEY_BYTES]);
/** Free what the parser holds (the key and its timestamps). */
void mavlink_parser_clear(struct mavlink_parser *parser);
/**
 * A key from a key file's text: 64 hex digits are the key itself; any
 * other text is a passphrase, hashed with SHA-256 into the key (as
 * MAVProxy's "signing setup PASSPHRASE" does). False for empty text.
 */
bool mavlink_key_from_text(const char *text, size_t length,
			   uint8_t key[MAVLINK_SIGNING_KEY_BYTES]);

/**
 * Feed bytes; every complete, checked message of a known kind is handed
 * to fn. With datagram set, bytes is one UDP datagram: a frame cut off at
 * its end is counted as truncated and dropped; otherwise it waits for
 * more bytes (a serial or TCP stream).
 */
void mavlink_parser_feed(struct mavlink_parser *parser, const uint8_t *bytes, size_t size,
			 bool datagram, mavlink_message_fn fn, void *user);

/** CRC-16/MCRF4XX (MAVLink's X.25) of bytes, continuing from crc. */
uint16_t mavlink_crc(uint16_t crc, const uint8_t *bytes, size_t size);

/** The CRC_EXTRA of a message id; false for a message this decoder does not know. */
bool mavlink_crc_extra(uint32_t id, uint8_t *extra);

/** The route a mission upload or broadcast spelled out, seq by seq. */
struct mavlink_mission {
	/* struct geo_point, indexed by seq; a NaN latitude marks "no position". */
	struct geo_point items[256];
	uint16_t count;
	uint16_t highest_seq;
	bool any;
};

/**
 * Apply a message to a reading. Returns true when it changed something;
 * *route_changed is set when the mission changed the route.
 */
bool mavlink_apply(const struct mavlink_message *message, struct telemetry *telemetry,
		   struct mavlink_mission *mission, bool *route_changed);

/** The mission's points in order, and the index in it of seq (or -1). */
unsigned mavlink_mission_route(const struct mavlink_mission *mission, struct geo_point *points,
			       unsigned max);
int mavlink_mission_index(const struct mavlink_mission *mission, unsigned seq);

/**
 * Build a frame (version 1 or 2) into out, which holds at least 280
 * bytes; v2 payloads lose their trailing zeros as the spec says. Returns
 * the frame's length, or 0 for an unknown id. For the simulator.
 */
size_t mavlink_pack(unsigned version, uint8_t sequence, uint8_t system_id, uint8_t component_id,
		    uint32_t id, const uint8_t *payload, uint8_t length, uint8_t *out);
/**
 * The same, MAVLink 2 and signed with key on link_id at timestamp (10 µs
 * units since 2015-01-01): 13 bytes longer.
 */
size_t mavlink_pack_signed(const uint8_t key[MAVLINK_SIGNING_KEY_BYTES], uint8_t link_id,
			   uint64_t timestamp, uint8_t sequence, uint8_t system_id,
			   uint8_t component_id, uint32_t id, const uint8_t *payload,
			   uint8_t length, uint8_t *out);

#endif
