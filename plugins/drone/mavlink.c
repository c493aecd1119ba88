#include "mavlink.h"

#include <math.h>
#include <string.h>

#define STX_V1 0xfe
#define STX_V2 0xfd
#define HEADER_V1 6
#define HEADER_V2 10
#define SIGNATURE_LENGTH 13
#define INCOMPAT_SIGNED 0x01

/*
 * Per message: its CRC_EXTRA (from common.xml, through the spec's
 * generator) and its length in MAVLink 1, without v2 extension fields.
 */
static const struct {
	uint32_t id;
	uint8_t crc_extra;
	uint8_t min_length;
	uint8_t max_length;
} known[] = {
	{MAVLINK_MSG_HEARTBEAT, 50, 9, 9},
	{MAVLINK_MSG_SYS_STATUS, 124, 31, 43},
	{MAVLINK_MSG_GPS_RAW_INT, 24, 30, 52},
	{MAVLINK_MSG_ATTITUDE, 39, 28, 28},
	{MAVLINK_MSG_GLOBAL_POSITION_INT, 104, 28, 28},
	{MAVLINK_MSG_MISSION_CURRENT, 28, 2, 18},
	{MAVLINK_MSG_MISSION_COUNT, 221, 4, 9},
	{MAVLINK_MSG_MISSION_ITEM_INT, 38, 37, 38},
	{MAVLINK_MSG_BATTERY_STATUS, 154, 36, 54},
	{MAVLINK_MSG_HOME_POSITION, 104, 52, 60},
	{MAVLINK_MSG_MOUNT_ORIENTATION, 26, 16, 20},
};

static int find_known(uint32_t id)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(known); i++) {
		if (known[i].id == id) {
			return (int)i;
		}
	}
	return -1;
}

bool mavlink_crc_extra(uint32_t id, uint8_t *extra)
{
	int i = find_known(id);
	if (i < 0) {
		return false;
	}
	*extra = known[i].crc_extra;
	return true;
}

uint16_t mavlink_crc(uint16_t crc, const uint8_t *bytes, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		uint8_t tmp = bytes[i] ^ (uint8_t)(crc & 0xff);
		tmp ^= (uint8_t)(tmp << 4);
		crc = (uint16_t)((crc >> 8) ^ ((uint16_t)tmp << 8) ^ ((uint16_t)tmp << 3) ^
				 (tmp >> 4));
	}
	return crc;
}

/* The whole frame's length once its header is in, or 0 while it is not. */
static size_t frame_length(const uint8_t *frame, size_t have)
{
	if (frame[0] == STX_V1) {
		return have >= 2 ? HEADER_V1 + frame[1] + 2u : 0;
	}
	if (have < 3) {
		return 0;
	}
	size_t length = HEADER_V2 + frame[1] + 2u;
	if (frame[2] & INCOMPAT_SIGNED) {
		length += SIGNATURE_LENGTH;
	}
	return length;
}

enum verdict {
	VERDICT_GOOD,
	/* Framed, but of an id whose CRC_EXTRA is unknown: skipped whole. */
	VERDICT_UNKNOWN,
	/* A bad checksum or a short payload: the start byte may have been data. */
	VERDICT_BAD,
	/* Whole and sound, but not signed with the key: skipped whole. */
	VERDICT_REFUSED,
};

/* The signature's 6 bytes: SHA-256 of key, frame up to its timestamp, cut to 48 bits. */
static void signature_of(const uint8_t key[MAVLINK_SIGNING_KEY_BYTES], const uint8_t *frame,
			 size_t signed_length, uint8_t out[6])
{
	GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sha, key, MAVLINK_SIGNING_KEY_BYTES);
	g_checksum_update(sha, frame, (gssize)signed_length);
	uint8_t digest[32];
	gsize digest_length = sizeof(digest);
	g_checksum_get_digest(sha, digest, &digest_length);
	g_checksum_free(sha);
	memcpy(out, digest, 6);
}

/*
 * With a key set, only a signed MAVLink 2 frame whose signature matches
 * and whose timestamp is newer than the last of its link is taken.
 */
static bool signature_holds(struct mavlink_parser *parser, const uint8_t *frame,
			    size_t unsigned_length)
{
	if (frame[0] != STX_V2 || (frame[2] & INCOMPAT_SIGNED) == 0) {
		parser->counts.unsigned_refused++;
		return false;
	}
	const uint8_t *signature = frame + unsigned_length;
	uint8_t expected[6];
	signature_of(parser->key, frame, unsigned_length + 7, expected);
	if (memcmp(expected, signature + 7, sizeof(expected)) != 0) {
		parser->counts.bad_signature++;
		return false;
	}
	uint64_t timestamp = 0;
	for (int i = 5; i >= 0; i--) {
		timestamp = timestamp << 8 | signature[1 + i];
	}
	/* One stream per system, component and link, as the spec keeps them. */
	int stream = frame[5] << 16 | frame[6] << 8 | signature[0];
	uint64_t *last = g_hash_table_lookup(parser->timestamps, &stream);
	if (last != NULL && timestamp <= *last) {
		parser->counts.replayed++;
		return false;
	}
	if (last == NULL) {
		last = g_new(uint64_t, 1);
		g_hash_table_insert(parser->timestamps, g_memdup2(&stream, sizeof(stream)), last);
	}
	*last = timestamp;
	return true;
}

/* Check one whole frame and decode it into message, counting failures. */
static enum verdict check_frame(struct mavlink_parser *parser, const uint8_t *frame,
				struct mavlink_message *message)
{
	bool v2 = frame[0] == STX_V2;
	size_t header = v2 ? HEADER_V2 : HEADER_V1;
	uint8_t length = frame[1];
	memset(message, 0, sizeof(*message));
	message->version = v2 ? 2 : 1;
	message->length = length;
	if (v2) {
		message->sequence = frame[4];
		message->system_id = frame[5];
		message->component_id = frame[6];
		message->id = frame[7] | (uint32_t)frame[8] << 8 | (uint32_t)frame[9] << 16;
	} else {
		message->sequence = frame[2];
		message->system_id = frame[3];
		message->component_id = frame[4];
		message->id = frame[5];
	}
	int index = find_known(message->id);
	if (index < 0) {
		parser->counts.unknown++;
		return VERDICT_UNKNOWN;
	}
	uint16_t crc = mavlink_crc(0xffff, frame + 1, header - 1 + length);
	crc = mavlink_crc(crc, &known[index].crc_extra, 1);
	uint16_t sent = frame[header + length] | (uint16_t)(frame[header + length + 1] << 8);
	if (crc != sent) {
		parser->counts.bad_checksum++;
		return VERDICT_BAD;
	}
	/* v2 drops trailing zero bytes; v1 must send the whole payload. */
	if (!v2 && length < known[index].min_length) {
		parser->counts.too_short++;
		return VERDICT_BAD;
	}
	if (parser->signing && !signature_holds(parser, frame, header + length + 2u)) {
		return VERDICT_REFUSED;
	}
	memcpy(message->payload, frame + header, length);
	parser->counts.messages++;
	return VERDICT_GOOD;
}

void mavlink_parser_feed(struct mavlink_parser *parser, const uint8_t *bytes, size_t size,
			 bool datagram, mavlink_message_fn fn, void *user)
{
	/* What was left of the last call, then the new bytes. */
	size_t total = parser->used + size;
	uint8_t *all = g_malloc(total > 0 ? total : 1);
	memcpy(all, parser->buffer, parser->used);
	memcpy(all + parser->used, bytes, size);

	size_t at = 0;
	/* A datagram held a start byte whose frame ran past its end. */
	bool cut = false;
	while (at < total) {
		if (all[at] != STX_V1 && all[at] != STX_V2) {
			parser->counts.skipped_bytes++;
			at++;
			continue;
		}
		size_t need = frame_length(all + at, total - at);
		if (need == 0 || total - at < need) {
			if (!datagram) {
				break;
			}
			/*
			 * No more bytes will come: the start byte was either data or
			 * a cut frame. Frames after it are still read.
			 */
			cut = true;
			at++;
			continue;
		}
		struct mavlink_message message;
		switch (check_frame(parser, all + at, &message)) {
		case VERDICT_GOOD:
			fn(user, &message);
			at += need;
			cut = false;
			break;
		case VERDICT_UNKNOWN:
		case VERDICT_REFUSED:
			at += need;
			cut = false;
			break;
		case VERDICT_BAD:
			at++;
			break;
		}
	}
	/* An unfinished frame is shorter than the largest frame, so it fits. */
	size_t left = total - at;
	if (datagram) {
		if (cut) {
			parser->counts.truncated++;
		}
		left = 0;
	}
	memcpy(parser->buffer, all + at, left);
	parser->used = left;
	g_free(all);
}

/* Little-endian readers of a zero-filled payload. */

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int16_t i16(const uint8_t *p)
{
	return (int16_t)u16(p);
}

static uint32_t u32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t i32(const uint8_t *p)
{
	return (int32_t)u32(p);
}

static float f32(const uint8_t *p)
{
	uint32_t bits = u32(p);
	float value;
	memcpy(&value, &bits, sizeof(value));
	return value;
}

static double wrap_degrees(double degrees)
{
	degrees = fmod(degrees, 360.0);
	return degrees < 0 ? degrees + 360.0 : degrees;
}

#define AUTOPILOT_ARDUPILOT 3
#define AUTOPILOT_PX4 12
#define MODE_FLAG_ARMED 0x80
#define MODE_FLAG_CUSTOM 0x01

static void set_mode(struct telemetry *telemetry, const char *word, enum mode_class class)
{
	g_strlcpy(telemetry->mode, word, sizeof(telemetry->mode));
	telemetry->mode_class = class;
}

/* Flight modes in the words the wall shows, for ArduCopter and PX4. */
static void apply_heartbeat(const uint8_t *p, struct telemetry *telemetry)
{
	uint32_t custom = u32(p);
	uint8_t autopilot = p[5];
	uint8_t base = p[6];
	if (!(base & MODE_FLAG_ARMED)) {
		set_mode(telemetry, "待机", MODE_CLASS_IDLE);
		return;
	}
	if (!(base & MODE_FLAG_CUSTOM)) {
		set_mode(telemetry, "飞行中", MODE_CLASS_NORMAL);
		return;
	}
	if (autopilot == AUTOPILOT_PX4) {
		unsigned main_mode = (custom >> 16) & 0xff;
		unsigned sub_mode = (custom >> 24) & 0xff;
		if (main_mode == 4) {
			switch (sub_mode) {
			case 2:
				set_mode(telemetry, "自动起飞", MODE_CLASS_NORMAL);
				return;
			case 3:
				set_mode(telemetry, "悬停", MODE_CLASS_NORMAL);
				return;
			case 4:
				set_mode(telemetry, "航线飞行", MODE_CLASS_NORMAL);
				return;
			case 5:
				set_mode(telemetry, "自动返航", MODE_CLASS_RETURN);
				return;
			case 6:
				set_mode(telemetry, "自动降落", MODE_CLASS_LANDING);
				return;
			default:
				break;
			}
		}
		set_mode(telemetry, main_mode == 6 ? "指令飞行" : "手动飞行", MODE_CLASS_NORMAL);
		return;
	}
	/* ArduCopter's numbering; other ArduPilot vehicles mostly agree. */
	switch (custom) {
	case 3:
		set_mode(telemetry, "航线飞行", MODE_CLASS_NORMAL);
		break;
	case 4:
		set_mode(telemetry, "指令飞行", MODE_CLASS_NORMAL);
		break;
	case 5:
	case 17:
		set_mode(telemetry, "悬停", MODE_CLASS_NORMAL);
		break;
	case 6:
	case 21:
		set_mode(telemetry, "自动返航", MODE_CLASS_RETURN);
		break;
	case 9:
		set_mode(telemetry, "自动降落", MODE_CLASS_LANDING);
		break;
	default:
		set_mode(telemetry, "手动飞行", MODE_CLASS_NORMAL);
		break;
	}
}

bool mavlink_apply(const struct mavlink_message *message, struct telemetry *telemetry,
		   struct mavlink_mission *mission, bool *route_changed)
{
	const uint8_t *p = message->payload;
	*route_changed = false;
	switch (message->id) {
	case MAVLINK_MSG_HEARTBEAT:
		apply_heartbeat(p, telemetry);
		return true;
	case MAVLINK_MSG_SYS_STATUS: {
		int8_t remaining = (int8_t)p[30];
		if (remaining < 0) {
			return false;
		}
		telemetry->has_battery = true;
		telemetry->battery_percent = remaining;
		return true;
	}
	case MAVLINK_MSG_GPS_RAW_INT: {
		uint8_t fix = p[28];
		uint8_t satellites = p[29];
		telemetry->satellites = satellites == 255 ? -1 : satellites;
		/* 5: RTK float, 6: RTK fixed. */
		telemetry->rtk = fix >= 5;
		return true;
	}
	case MAVLINK_MSG_ATTITUDE:
		telemetry->has_attitude = true;
		telemetry->roll_deg = f32(p + 4) * 180.0 / G_PI;
		telemetry->pitch_deg = f32(p + 8) * 180.0 / G_PI;
		telemetry->heading_deg = wrap_degrees(f32(p + 12) * 180.0 / G_PI);
		return true;
	case MAVLINK_MSG_GLOBAL_POSITION_INT: {
		int32_t lat = i32(p + 4);
		int32_t lon = i32(p + 8);
		if (lat == 0 && lon == 0) {
			/* No fix yet. */
			return false;
		}
		telemetry->has_position = true;
		telemetry->position.lat_deg = lat / 1e7;
		telemetry->position.lon_deg = lon / 1e7;
		telemetry->has_altitude = true;
		telemetry->altitude_m = i32(p + 12) / 1000.0;
		telemetry->has_height = true;
		telemetry->height_m = i32(p + 16) / 1000.0;
		double vx = i16(p + 20) / 100.0;
		double vy = i16(p + 22) / 100.0;
		telemetry->has_speed = true;
		telemetry->ground_speed_mps = sqrt(vx * vx + vy * vy);
		/* NED: positive vz is down. */
		telemetry->vertical_speed_mps = -i16(p + 24) / 100.0;
		uint16_t heading = u16(p + 26);
		if (heading != UINT16_MAX) {
			telemetry->has_attitude = true;
			telemetry->heading_deg = heading / 100.0;
		}
		return true;
	}
	case MAVLINK_MSG_MISSION_CURRENT:
		telemetry->waypoint = mavlink_mission_index(mission, u16(p));
		return true;
	case MAVLINK_MSG_MISSION_COUNT:
		if (mission->count != u16(p)) {
			/* A new mission: the old points go. */
			memset(mission, 0, sizeof(*mission));
			mission->count = u16(p);
		}
		return false;
	case MAVLINK_MSG_MISSION_ITEM_INT: {
		uint16_t seq = u16(p + 28);
		if (seq >= G_N_ELEMENTS(mission->items)) {
			return false;
		}
		if (!mission->any) {
			for (unsigned i = 0; i < G_N_ELEMENTS(mission->items); i++) {
				mission->items[i].lat_deg = NAN;
			}
			mission->any = true;
		}
		int32_t x = i32(p + 16);
		int32_t y = i32(p + 20);
		struct geo_point point = {NAN, NAN};
		/* Commands without a place (return, speed change) carry 0, 0. */
		if (x != 0 || y != 0) {
			point.lat_deg = x / 1e7;
			point.lon_deg = y / 1e7;
		}
		struct geo_point *slot = &mission->items[seq];
		bool same = (isnan(slot->lat_deg) && isnan(point.lat_deg)) ||
			    (slot->lat_deg == point.lat_deg && slot->lon_deg == point.lon_deg);
		*slot = point;
		mission->highest_seq = MAX(mission->highest_seq, seq);
		*route_changed = !same;
		return false;
	}
	case MAVLINK_MSG_BATTERY_STATUS: {
		int8_t remaining = (int8_t)p[35];
		if (remaining < 0) {
			return false;
		}
		telemetry->has_battery = true;
		telemetry->battery_percent = remaining;
		return true;
	}
	case MAVLINK_MSG_HOME_POSITION:
		telemetry->has_home = true;
		telemetry->home.lat_deg = i32(p) / 1e7;
		telemetry->home.lon_deg = i32(p + 4) / 1e7;
		return true;
	case MAVLINK_MSG_MOUNT_ORIENTATION: {
		/* yaw_absolute (an extension) when sent, else relative to the nose. */
		float absolute = f32(p + 16);
		telemetry->has_gimbal = true;
		telemetry->gimbal_heading_deg =
			message->length > 16 && !isnan(absolute)
				? wrap_degrees(absolute)
				: wrap_degrees(telemetry->heading_deg + f32(p + 12));
		return true;
	}
	default:
		return false;
	}
}

unsigned mavlink_mission_route(const struct mavlink_mission *mission, struct geo_point *points,
			       unsigned max)
{
	unsigned n = 0;
	if (!mission->any) {
		return 0;
	}
	/* ArduPilot sends home as item 0; a route starts at the first waypoint. */
	for (unsigned seq = 1; seq <= mission->highest_seq && n < max; seq++) {
		if (!isnan(mission->items[seq].lat_deg)) {
			points[n++] = mission->items[seq];
		}
	}
	return n;
}

int mavlink_mission_index(const struct mavlink_mission *mission, unsigned seq)
{
	if (!mission->any || seq == 0 || seq > mission->highest_seq ||
	    isnan(mission->items[seq].lat_deg)) {
		return -1;
	}
	int index = 0;
	for (unsigned i = 1; i < seq; i++) {
		if (!isnan(mission->items[i].lat_deg)) {
			index++;
		}
	}
	return index;
}

static size_t pack(unsigned version, bool sign, uint8_t sequence, uint8_t system_id,
		   uint8_t component_id, uint32_t id, const uint8_t *payload, uint8_t length,
		   uint8_t *out)
{
	uint8_t extra;
	if (!mavlink_crc_extra(id, &extra)) {
		return 0;
	}
	size_t header;
	if (version == 2) {
		while (length > 1 && payload[length - 1] == 0) {
			length--;
		}
		out[0] = STX_V2;
		out[1] = length;
		out[2] = sign ? INCOMPAT_SIGNED : 0;
		out[3] = 0;
		out[4] = sequence;
		out[5] = system_id;
		out[6] = component_id;
		out[7] = id & 0xff;
		out[8] = (id >> 8) & 0xff;
		out[9] = (id >> 16) & 0xff;
		header = HEADER_V2;
	} else {
		out[0] = STX_V1;
		out[1] = length;
		out[2] = sequence;
		out[3] = system_id;
		out[4] = component_id;
		out[5] = (uint8_t)id;
		header = HEADER_V1;
	}
	memcpy(out + header, payload, length);
	uint16_t crc = mavlink_crc(0xffff, out + 1, header - 1 + length);
	crc = mavlink_crc(crc, &extra, 1);
	out[header + length] = crc & 0xff;
	out[header + length + 1] = crc >> 8;
	return header + length + 2;
}

size_t mavlink_pack(unsigned version, uint8_t sequence, uint8_t system_id, uint8_t component_id,
		    uint32_t id, const uint8_t *payload, uint8_t length, uint8_t *out)
{
	return pack(version, false, sequence, system_id, component_id, id, payload, length, out);
}

size_t mavlink_pack_signed(const uint8_t key[MAVLINK_SIGNING_KEY_BYTES], uint8_t link_id,
			   uint64_t timestamp, uint8_t sequence, uint8_t system_id,
			   uint8_t component_id, uint32_t id, const uint8_t *payload,
			   uint8_t length, uint8_t *out)
{
	size_t size = pack(2, true, sequence, system_id, component_id, id, payload, length, out);
	if (size == 0) {
		return 0;
	}
	out[size] = link_id;
	for (int i = 0; i < 6; i++) {
		out[size + 1 + i] = (uint8_t)(timestamp >> (8 * i));
	}
	signature_of(key, out, size + 7, out + size + 7);
	return size + SIGNATURE_LENGTH;
}

void mavlink_parser_set_key(struct mavlink_parser *parser,
			    const uint8_t key[MAVLINK_SIGNING_KEY_BYTES])
{
	parser->signing = true;
	memcpy(parser->key, key, MAVLINK_SIGNING_KEY_BYTES);
	if (parser->timestamps == NULL) {
		parser->timestamps = g_hash_table_new_full(g_int_hash, g_int_equal, g_free, g_free);
	}
}

void mavlink_parser_clear(struct mavlink_parser *parser)
{
	if (parser->timestamps != NULL) {
		g_hash_table_destroy(parser->timestamps);
		parser->timestamps = NULL;
	}
	memset(parser->key, 0, sizeof(parser->key));
}

bool mavlink_key_from_text(const char *text, size_t length,
			   uint8_t key[MAVLINK_SIGNING_KEY_BYTES])
{
	char *trimmed = g_strstrip(g_strndup(text, length));
	size_t size = strlen(trimmed);
	bool ok = size > 0;
	if (size == 2 * MAVLINK_SIGNING_KEY_BYTES) {
		bool hex = true;
		for (size_t i = 0; i < size; i++) {
			hex = hex && g_ascii_isxdigit(trimmed[i]);
		}
		for (size_t i = 0; hex && i < MAVLINK_SIGNING_KEY_BYTES; i++) {
			key[i] = (uint8_t)(g_ascii_xdigit_value(trimmed[2 * i]) << 4 |
					   g_ascii_xdigit_value(trimmed[2 * i + 1]));
		}
		if (hex) {
			g_free(trimmed);
			return true;
		}
	}
	if (ok) {
		/* A passphrase, made a key as MAVProxy's "signing setup" does. */
		GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(sha, (const guchar *)trimmed, (gssize)size);
		gsize digest_length = MAVLINK_SIGNING_KEY_BYTES;
		g_checksum_get_digest(sha, key, &digest_length);
		g_checksum_free(sha);
	}
	g_free(trimmed);
	return ok;
}
