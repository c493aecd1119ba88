/*
 * The drone plugin's decoders against byte sequences built here from the
 * public specs, with checksums computed here independently:
 * - MAVLink v1 and v2 (mavlink.io "Serialization"): good frames, bad
 *   checksums, truncated frames, short payloads, unknown messages, and
 *   the mission route.
 * - MISB ST 0601 KLV: a packet with its checksum, a bad one, a cut one.
 * - DJI Cloud API OSD JSON, and when telemetry counts as stale.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "klv.h"
#include "mavlink.h"
#include "osd.h"
#include "support.h"
#include "telemetry.h"

/* CRC-16/MCRF4XX bit by bit: reflected polynomial 0x8408, seed 0xffff. */
static uint16_t crc_mcrf4xx(uint16_t crc, const uint8_t *bytes, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		crc ^= bytes[i];
		for (int bit = 0; bit < 8; bit++) {
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
		}
	}
	return crc;
}

/* CRC_EXTRA values from common.xml, as the spec's generator prints them. */
static uint8_t extra_for(uint32_t id)
{
	switch (id) {
	case 0:
		return 50;
	case 1:
		return 124;
	case 24:
		return 24;
	case 30:
		return 39;
	case 33:
		return 104;
	case 42:
		return 28;
	case 73:
		return 38;
	case 147:
		return 154;
	case 242:
		return 104;
	default:
		return 0;
	}
}

/* Appends one frame to out; corrupt flips the checksum. */
static void frame(GByteArray *out, unsigned version, uint32_t id, const uint8_t *payload,
		  uint8_t length, bool corrupt)
{
	uint8_t header[10];
	size_t header_length;
	if (version == 2) {
		/* v2 senders drop trailing zeros; receivers fill them back. */
		while (length > 1 && payload[length - 1] == 0) {
			length--;
		}
		uint8_t v2[10] = {0xfd, length, 0, 0, 7, 1, 1, id & 0xff, (id >> 8) & 0xff,
				  (id >> 16) & 0xff};
		memcpy(header, v2, sizeof(v2));
		header_length = 10;
	} else {
		uint8_t v1[6] = {0xfe, length, 7, 1, 1, (uint8_t)id};
		memcpy(header, v1, sizeof(v1));
		header_length = 6;
	}
	uint16_t crc = crc_mcrf4xx(0xffff, header + 1, header_length - 1);
	crc = crc_mcrf4xx(crc, payload, length);
	uint8_t extra = extra_for(id);
	crc = crc_mcrf4xx(crc, &extra, 1);
	if (corrupt) {
		crc ^= 0x5a5a;
	}
	uint8_t tail[2] = {crc & 0xff, crc >> 8};
	g_byte_array_append(out, header, (guint)header_length);
	g_byte_array_append(out, payload, length);
	g_byte_array_append(out, tail, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void putf(uint8_t *p, float f)
{
	uint32_t bits;
	memcpy(&bits, &f, 4);
	put32(p, bits);
}

/* GLOBAL_POSITION_INT over 云潭镇: 120 m up, heading 87°. */
static void global_position(uint8_t payload[28])
{
	memset(payload, 0, 28);
	put32(payload + 0, 123456);
	put32(payload + 4, (uint32_t)(int32_t)217551000);
	put32(payload + 8, (uint32_t)(int32_t)1109312000);
	put32(payload + 12, 152300);
	put32(payload + 16, 120500);
	put16(payload + 20, (uint16_t)(int16_t)600);
	put16(payload + 22, (uint16_t)(int16_t)800);
	put16(payload + 24, (uint16_t)(int16_t)-50);
	put16(payload + 26, 8700);
}

struct collected {
	struct telemetry telemetry;
	struct mavlink_mission mission;
	unsigned messages;
	bool route_changed;
};

static void collect(void *user, const struct mavlink_message *message)
{
	struct collected *c = user;
	bool changed = false;
	mavlink_apply(message, &c->telemetry, &c->mission, &changed);
	c->route_changed = c->route_changed || changed;
	c->messages++;
}

static void test_crc_check_value(void)
{
	/* The catalogue's check value for CRC-16/MCRF4XX. */
	const uint8_t check[] = "123456789";
	g_assert_cmphex(crc_mcrf4xx(0xffff, check, 9), ==, 0x6f91);
	g_assert_cmphex(mavlink_crc(0xffff, check, 9), ==, 0x6f91);
}

static void test_good_frames(void)
{
	uint8_t position[28];
	global_position(position);
	/* ATTITUDE with a zero tail, which v2 truncates. */
	uint8_t attitude[28] = {0};
	putf(attitude + 4, (float)(2.0 * G_PI / 180.0));
	putf(attitude + 8, (float)(-5.0 * G_PI / 180.0));
	putf(attitude + 12, (float)(-90.0 * G_PI / 180.0));
	uint8_t status[31] = {0};
	status[30] = 64;

	GByteArray *bytes = g_byte_array_new();
	frame(bytes, 1, 33, position, 28, false);
	frame(bytes, 2, 30, attitude, 28, false);
	frame(bytes, 2, 1, status, 31, false);
	struct mavlink_parser parser = {0};
	struct collected c = {.telemetry = {.satellites = -1, .waypoint = -1}};
	mavlink_parser_feed(&parser, bytes->data, bytes->len, true, collect, &c);
	g_assert_cmpuint(c.messages, ==, 3);
	g_assert_cmpuint(parser.counts.bad_checksum, ==, 0);
	g_assert_true(c.telemetry.has_position);
	g_assert_cmpfloat_with_epsilon(c.telemetry.position.lat_deg, 21.7551, 1e-7);
	g_assert_cmpfloat_with_epsilon(c.telemetry.position.lon_deg, 110.9312, 1e-7);
	g_assert_cmpfloat_with_epsilon(c.telemetry.height_m, 120.5, 1e-9);
	g_assert_cmpfloat_with_epsilon(c.telemetry.altitude_m, 152.3, 1e-9);
	g_assert_cmpfloat_with_epsilon(c.telemetry.ground_speed_mps, 10.0, 1e-9);
	g_assert_cmpfloat_with_epsilon(c.telemetry.vertical_speed_mps, 0.5, 1e-9);
	/* ATTITUDE came after and says yaw -90°: 270°. */
	g_assert_cmpfloat_with_epsilon(c.telemetry.heading_deg, 270.0, 1e-3);
	g_assert_cmpfloat_with_epsilon(c.telemetry.pitch_deg, -5.0, 1e-3);
	g_assert_cmpfloat_with_epsilon(c.telemetry.battery_percent, 64, 1e-9);

	/* The same bytes split anywhere in a stream give the same messages. */
	for (guint split = 1; split < bytes->len; split += 7) {
		struct mavlink_parser stream = {0};
		struct collected again = {0};
		mavlink_parser_feed(&stream, bytes->data, split, false, collect, &again);
		mavlink_parser_feed(&stream, bytes->data + split, bytes->len - split, false, collect,
				    &again);
		g_assert_cmpuint(again.messages, ==, 3);
	}
	g_byte_array_free(bytes, TRUE);
}

static void test_bad_frames(void)
{
	uint8_t position[28];
	global_position(position);
	uint8_t heartbeat[9] = {3, 0, 0, 0, 2, 3, 0x81, 4, 3};
	uint8_t unknown[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	GByteArray *bytes = g_byte_array_new();
	/* Noise, a bad checksum, an unknown message, a short v1 payload ... */
	const uint8_t noise[] = {0x00, 0x55, 0xfe};
	g_byte_array_append(bytes, noise, sizeof(noise));
	frame(bytes, 1, 33, position, 28, true);
	frame(bytes, 2, 9999, unknown, 12, false);
	frame(bytes, 1, 0, heartbeat, 5, false);
	/* ... and good ones between them, which must all come through. */
	frame(bytes, 2, 0, heartbeat, 9, false);
	frame(bytes, 1, 33, position, 28, false);
	struct mavlink_parser parser = {0};
	struct collected c = {0};
	mavlink_parser_feed(&parser, bytes->data, bytes->len, true, collect, &c);
	g_assert_cmpuint(c.messages, ==, 2);
	g_assert_cmpuint(parser.counts.bad_checksum, >=, 1);
	g_assert_cmpuint(parser.counts.unknown, ==, 1);
	g_assert_cmpuint(parser.counts.too_short, ==, 1);
	g_assert_cmpuint(parser.counts.truncated, ==, 0);
	/* Armed, custom mode 3 on ArduPilot: AUTO. */
	g_assert_cmpstr(c.telemetry.mode, ==, "航线飞行");
	g_assert_true(c.telemetry.has_position);

	/* A datagram that ends inside a frame: counted, dropped, nothing applied. */
	GByteArray *cut = g_byte_array_new();
	frame(cut, 2, 33, position, 28, false);
	struct mavlink_parser cut_parser = {0};
	struct collected none = {0};
	mavlink_parser_feed(&cut_parser, cut->data, cut->len - 5, true, collect, &none);
	g_assert_cmpuint(none.messages, ==, 0);
	g_assert_cmpuint(cut_parser.counts.truncated, ==, 1);
	/* The next datagram starts clean. */
	mavlink_parser_feed(&cut_parser, cut->data, cut->len, true, collect, &none);
	g_assert_cmpuint(none.messages, ==, 1);
	g_byte_array_free(cut, TRUE);
	g_byte_array_free(bytes, TRUE);
}

static void test_mission(void)
{
	static const double points[][2] = {
		{21.7468, 110.9203}, {21.7530, 110.9190}, {21.7575, 110.9285}, {21.7540, 110.9360},
	};
	GByteArray *bytes = g_byte_array_new();
	/* seq 0 is home; seq 3 is a speed change with no place. */
	for (unsigned seq = 0; seq < 6; seq++) {
		uint8_t item[37] = {0};
		if (seq != 3) {
			unsigned p = seq < 3 ? seq : seq - 1;
			put32(item + 16, (uint32_t)(int32_t)lround(points[p % 4][0] * 1e7));
			put32(item + 20, (uint32_t)(int32_t)lround(points[p % 4][1] * 1e7));
		}
		put16(item + 28, (uint16_t)seq);
		put16(item + 30, seq == 3 ? 178 : 16);
		frame(bytes, 2, 73, item, 37, false);
	}
	uint8_t current[2];
	put16(current, 4);
	frame(bytes, 1, 42, current, 2, false);
	struct mavlink_parser parser = {0};
	struct collected c = {.telemetry = {.waypoint = -1}};
	mavlink_parser_feed(&parser, bytes->data, bytes->len, true, collect, &c);
	g_assert_true(c.route_changed);
	struct geo_point route[16];
	unsigned count = mavlink_mission_route(&c.mission, route, 16);
	/* Items 1, 2, 4, 5. */
	g_assert_cmpuint(count, ==, 4);
	g_assert_cmpfloat_with_epsilon(route[0].lat_deg, 21.7530, 1e-7);
	g_assert_cmpfloat_with_epsilon(route[1].lon_deg, 110.9285, 1e-7);
	g_assert_cmpfloat_with_epsilon(route[2].lon_deg, 110.9360, 1e-7);
	/* seq 4 is the third point of the route. */
	g_assert_cmpint(c.telemetry.waypoint, ==, 2);
	g_byte_array_free(bytes, TRUE);
}

/* KLV. */

/* A whole ST 0601 packet, its checksum off by one when corrupt. */
static GByteArray *klv_packet(bool corrupt)
{
	GByteArray *items = g_byte_array_new();
	wall_test_klv_item(items, 2, 1714528800000000ull, 8);
	/* Heading 87°, pitch -2°, roll 1.5°. */
	wall_test_klv_item(items, 5, (uint64_t)lround(87.0 / 360.0 * 65535.0), 2);
	wall_test_klv_item(items, 6, (uint16_t)(int16_t)lround(-2.0 / 40.0 * 65534.0), 2);
	wall_test_klv_item(items, 7, (uint16_t)(int16_t)lround(1.5 / 100.0 * 65534.0), 2);
	wall_test_klv_item(items, 13, (uint32_t)(int32_t)llround(21.7551 / 180.0 * 4294967294.0), 4);
	wall_test_klv_item(items, 14, (uint32_t)(int32_t)llround(110.9312 / 360.0 * 4294967294.0), 4);
	wall_test_klv_item(items, 15, (uint64_t)lround((152.3 + 900.0) / 19900.0 * 65535.0), 2);
	GByteArray *packet = wall_test_klv_packet(items, corrupt);
	g_byte_array_free(items, TRUE);
	return packet;
}

static void test_klv(void)
{
	GByteArray *packet = klv_packet(false);
	struct klv_reading reading;
	const char *why = NULL;
	g_assert_cmpuint(klv_parse(packet->data, packet->len, &reading, &why), ==, packet->len);
	g_assert_true(reading.has_position);
	g_assert_cmpfloat_with_epsilon(reading.lat_deg, 21.7551, 1e-6);
	g_assert_cmpfloat_with_epsilon(reading.lon_deg, 110.9312, 1e-6);
	g_assert_cmpfloat_with_epsilon(reading.altitude_m, 152.3, 0.2);
	g_assert_cmpfloat_with_epsilon(reading.heading_deg, 87.0, 0.01);
	g_assert_cmpfloat_with_epsilon(reading.pitch_deg, -2.0, 0.01);
	g_assert_cmpfloat_with_epsilon(reading.roll_deg, 1.5, 0.01);
	g_assert_cmpuint(reading.time_us, ==, 1714528800000000ull);
	struct telemetry telemetry = {0};
	g_assert_true(klv_apply(&reading, &telemetry));
	g_assert_cmpfloat_with_epsilon(telemetry.heading_deg, 87.0, 0.01);

	g_assert_cmpuint(klv_parse(packet->data, packet->len - 3, &reading, &why), ==, 0);
	g_assert_cmpstr(why, ==, "packet cut short");
	GByteArray *bad = klv_packet(true);
	g_assert_cmpuint(klv_parse(bad->data, bad->len, &reading, &why), ==, 0);
	g_assert_cmpstr(why, ==, "bad checksum");
	g_byte_array_free(bad, TRUE);
	g_byte_array_free(packet, TRUE);
}

/* OSD JSON and staleness. */

static void test_osd(void)
{
	struct telemetry_store *store = telemetry_store_new();
	const char *json =
		"{\"timestamp\": 1714528800000, \"data\": {\"latitude\": 21.7551, "
		"\"longitude\": 110.9312, \"height\": 152.3, \"elevation\": 120.5, "
		"\"attitude_head\": -93.0, \"horizontal_speed\": 8.2, \"vertical_speed\": 0.5, "
		"\"battery\": {\"capacity_percent\": 76}, \"mode_code\": 9, "
		"\"position_state\": {\"gps_number\": 18, \"rtk_number\": 26, \"is_fixed\": 2}}}";
	const char *why = NULL;
	g_assert_true(osd_apply(store, json, -1, "MQTT", true, &why));
	g_assert_false(osd_apply(store, "[1, 2", -1, "MQTT", true, &why));
	const char *dock = "{\"data\": {\"mode_code\": 4, \"cover_state\": 1, "
			   "\"latitude\": 21.7468, \"longitude\": 110.9203}}";
	g_assert_true(osd_apply(store, dock, -1, "MQTT", true, &why));
	struct telemetry_view view;
	telemetry_store_view(store, &view);
	const struct telemetry *t = &view.now;
	g_assert_cmpfloat_with_epsilon(t->position.lat_deg, 21.7551, 1e-9);
	g_assert_cmpfloat_with_epsilon(t->height_m, 120.5, 1e-9);
	g_assert_cmpfloat_with_epsilon(t->altitude_m, 152.3, 1e-9);
	g_assert_cmpfloat_with_epsilon(t->heading_deg, 267.0, 1e-9);
	g_assert_cmpfloat_with_epsilon(t->battery_percent, 76, 1e-9);
	g_assert_cmpstr(t->mode, ==, "自动返航");
	g_assert_cmpint(t->mode_class, ==, MODE_CLASS_RETURN);
	g_assert_cmpint(t->satellites, ==, 26);
	g_assert_true(t->rtk);
	g_assert_cmpstr(t->hangar, ==, "作业中");
	g_assert_true(t->has_home);
	g_assert_cmpuint(view.track->len, ==, 1);
	telemetry_view_clear(&view);
	telemetry_store_free(store);
}

static void test_stale(void)
{
	struct telemetry t = {0};
	/* Never updated: stale from the start. */
	g_assert_true(telemetry_is_stale(&t, 1000, 1000000));
	t.updated_real_us = 10000000;
	/* Three intervals of 1 s may pass; a little more may not. */
	g_assert_false(telemetry_is_stale(&t, 1000, 10000000 + 2900000));
	g_assert_false(telemetry_is_stale(&t, 1000, 10000000 + 3000000));
	g_assert_true(telemetry_is_stale(&t, 1000, 10000000 + 3100000));
	/* At 0.5 Hz the same silence is fine. */
	g_assert_false(telemetry_is_stale(&t, 2000, 10000000 + 3100000));
}

static void test_route_option(void)
{
	char *error = NULL;
	GArray *route = telemetry_parse_route("[[21.7468, 110.9203], [\"21.75\", \"110.92\"]]",
					      &error);
	g_assert_nonnull(route);
	g_assert_cmpuint(route->len, ==, 2);
	g_assert_cmpfloat_with_epsilon(g_array_index(route, struct geo_point, 1).lat_deg, 21.75,
				       1e-9);
	g_array_free(route, TRUE);
	g_assert_null(telemetry_parse_route("[[91, 0]]", &error));
	g_assert_nonnull(strstr(error, "point 1"));
	g_free(error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/drone/mavlink/crc", test_crc_check_value);
	g_test_add_func("/drone/mavlink/good", test_good_frames);
	g_test_add_func("/drone/mavlink/bad", test_bad_frames);
	g_test_add_func("/drone/mavlink/mission", test_mission);
	g_test_add_func("/drone/klv", test_klv);
	g_test_add_func("/drone/osd", test_osd);
	g_test_add_func("/drone/stale", test_stale);
	g_test_add_func("/drone/route-option", test_route_option);
	return g_test_run();
}
