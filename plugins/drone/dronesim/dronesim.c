/*
 * wall-dronesim: a hangar drone flying its planned patrol over 高州市云潭镇,
 * for the demo wall and for the drone plugin's end-to-end tests.
 *
 * It takes off from its hangar, flies the route's waypoints in order at a
 * patrol speed and height, returns home when the route is done (or early
 * when the battery runs low), lands and sits in the hangar. With --loop it
 * charges and flies again; without, it exits a few seconds after landing.
 *
 * What it says, and how:
 *   --mqtt mqtt://host[:port]/topic   DJI Cloud API OSD JSON (aircraft),
 *                                     about once a second (--rate)
 *   --mavlink host:port               MAVLink v2 over UDP: HEARTBEAT,
 *                                     GLOBAL_POSITION_INT, ATTITUDE,
 *                                     SYS_STATUS, BATTERY_STATUS,
 *                                     GPS_RAW_INT, MOUNT_ORIENTATION,
 *                                     MISSION_CURRENT,
 *                                     HOME_POSITION, and the mission as
 *                                     MISSION_COUNT + MISSION_ITEM_INT
 *
 * --speed N runs the flight N times faster than life; the messages keep
 * their real rates, so a receiver sees what it would see in the field, only
 * further apart. Each change of phase is printed as one line on stdout
 * ("phase takeoff", "phase mission", "phase return", "phase landing",
 * "phase landed"), after "READY" once its outputs are open.
 */
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <mosquitto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mavlink.h"

#define EARTH_M_PER_DEG 111320.0
/* The simulation's step, in wall time; large steps are cut into 1 s ones. */
#define STEP_MS 100
#define MAX_SUBSTEP_S 1.0
#define CRUISE_MPS 12.0
#define CRUISE_HEIGHT_M 120.0
#define CLIMB_MPS 5.0
#define DESCENT_MPS 3.0
#define TURN_DEG_PER_S 45.0
/* The hangar's ground above sea level; the basin floor near the town. */
#define GROUND_ALTITUDE_M 48.0
#define LOW_BATTERY_PERCENT 25.0
#define MISSION_REPEAT_MS 5000
#define POSITION_PERIOD_MS 200

/*
 * The patrol: the hangar at the town seat, then a loop over the basin's
 * villages and the reservoir to the north, about 7 km round.
 */
static const struct geo_point home = {21.9148, 110.9862};
static const struct geo_point route[] = {
	{21.9215, 110.9835}, {21.9262, 110.9918}, {21.9240, 111.0012}, {21.9170, 111.0058},
	{21.9085, 111.0021}, {21.9042, 110.9930}, {21.9068, 110.9832}, {21.9132, 110.9788},
};

enum phase {
	PHASE_INVALID = 0,
	PHASE_PARKED,
	PHASE_TAKEOFF,
	PHASE_MISSION,
	PHASE_RETURN,
	PHASE_LANDING,
	PHASE_LANDED,
};

static const char *const phase_words[] = {
	"-", "parked", "takeoff", "mission", "return", "landing", "landed",
};

/* DJI Cloud API mode_code for each phase. */
static const int phase_mode_codes[] = {0, 0, 4, 5, 9, 10, 0};
/* PX4's AUTO sub-modes, as MAVLink's custom_mode carries them. */
static const unsigned phase_px4_sub_modes[] = {0, 0, 2, 4, 5, 6, 0};

struct sim {
	/* Options. */
	double speed;
	double rate_hz;
	bool loop;
	char *mqtt_url;
	char *mavlink_target;

	/* The aircraft. */
	enum phase phase;
	double phase_s;
	struct geo_point position;
	double height_m;
	double heading_deg;
	double ground_speed_mps;
	double vertical_speed_mps;
	double pitch_deg;
	double roll_deg;
	double battery_percent;
	/* Index into route[] flown to. */
	unsigned waypoint;
	double flight_s;

	/* Outputs. */
	struct mosquitto *mqtt;
	char *mqtt_topic;
	GSocket *socket;
	GSocketAddress *mavlink_address;
	uint8_t mavlink_sequence;
	int64_t start_us;
	int64_t last_osd_us;
	int64_t last_slow_us;
	int64_t last_position_us;
	int64_t last_mission_us;
	int64_t last_step_us;
	int64_t last_reconnect_us;
	unsigned osd_sent;
	GMainLoop *loop_main;
	int exit_status;
};

static double radians(double degrees)
{
	return degrees * G_PI / 180.0;
}

static double wrap_180(double degrees)
{
	degrees = fmod(degrees + 180.0, 360.0);
	return (degrees < 0 ? degrees + 360.0 : degrees) - 180.0;
}

/* North and east metres from a to b, on a plane: fine over a few km. */
static void offset_m(struct geo_point a, struct geo_point b, double *north, double *east)
{
	*north = (b.lat_deg - a.lat_deg) * EARTH_M_PER_DEG;
	*east = (b.lon_deg - a.lon_deg) * EARTH_M_PER_DEG * cos(radians(a.lat_deg));
}

static void set_phase(struct sim *sim, enum phase phase)
{
	sim->phase = phase;
	sim->phase_s = 0;
	printf("phase %s\n", phase_words[phase]);
	fflush(stdout);
}

/* Turn toward bearing at a drone's rate and fly forward at speed. */
static bool fly_toward(struct sim *sim, struct geo_point target, double dt)
{
	double north;
	double east;
	offset_m(sim->position, target, &north, &east);
	double distance = hypot(north, east);
	double bearing = fmod(atan2(east, north) * 180.0 / G_PI + 360.0, 360.0);
	double turn = wrap_180(bearing - sim->heading_deg);
	double max_turn = TURN_DEG_PER_S * dt;
	turn = CLAMP(turn, -max_turn, max_turn);
	sim->heading_deg = fmod(sim->heading_deg + turn + 360.0, 360.0);
	/* A banked turn, and the nose down a little at speed. */
	sim->roll_deg = CLAMP(turn / MAX(dt, 0.01) * 0.4, -20.0, 20.0);
	sim->pitch_deg = -8.0;

	double step = CRUISE_MPS * dt;
	if (distance <= step || distance < 3.0) {
		sim->position = target;
		sim->ground_speed_mps = CRUISE_MPS;
		return true;
	}
	/* Fly along the heading, but never wide of the target in a long step. */
	double along = radians(fabs(turn) < 30.0 ? bearing : sim->heading_deg);
	double dn = cos(along) * step;
	double de = sin(along) * step;
	sim->position.lat_deg += dn / EARTH_M_PER_DEG;
	sim->position.lon_deg += de / (EARTH_M_PER_DEG * cos(radians(sim->position.lat_deg)));
	sim->ground_speed_mps = CRUISE_MPS;
	return false;
}

static void hover(struct sim *sim)
{
	sim->ground_speed_mps = 0;
	sim->pitch_deg = 0;
	sim->roll_deg = 0;
}

static void substep(struct sim *sim, double dt)
{
	sim->phase_s += dt;
	bool flying = sim->phase >= PHASE_TAKEOFF && sim->phase <= PHASE_LANDING;
	if (flying) {
		sim->flight_s += dt;
		/* About 20 minutes from full: a patrol leaves a good margin. */
		sim->battery_percent = MAX(0.0, sim->battery_percent - dt * 0.075);
	}
	sim->vertical_speed_mps = 0;
	switch (sim->phase) {
	case PHASE_PARKED:
		hover(sim);
		/* Charging while it waits. */
		sim->battery_percent = MIN(98.0, sim->battery_percent + dt * 0.5);
		if (sim->phase_s >= 5.0) {
			sim->waypoint = 0;
			set_phase(sim, PHASE_TAKEOFF);
		}
		break;
	case PHASE_TAKEOFF:
		hover(sim);
		sim->vertical_speed_mps = CLIMB_MPS;
		sim->height_m = MIN(CRUISE_HEIGHT_M, sim->height_m + CLIMB_MPS * dt);
		if (sim->height_m >= CRUISE_HEIGHT_M) {
			set_phase(sim, PHASE_MISSION);
		}
		break;
	case PHASE_MISSION:
		if (fly_toward(sim, route[sim->waypoint], dt)) {
			sim->waypoint++;
			if (sim->waypoint == G_N_ELEMENTS(route)) {
				sim->waypoint = G_N_ELEMENTS(route) - 1;
				set_phase(sim, PHASE_RETURN);
			}
		}
		if (sim->phase == PHASE_MISSION && sim->battery_percent < LOW_BATTERY_PERCENT) {
			set_phase(sim, PHASE_RETURN);
		}
		break;
	case PHASE_RETURN:
		if (fly_toward(sim, home, dt)) {
			hover(sim);
			set_phase(sim, PHASE_LANDING);
		}
		break;
	case PHASE_LANDING: {
		hover(sim);
		/* Slow for the last metres, as a real landing does. */
		double rate = sim->height_m > 10.0 ? DESCENT_MPS : 0.8;
		sim->vertical_speed_mps = -rate;
		sim->height_m = MAX(0.0, sim->height_m - rate * dt);
		if (sim->height_m <= 0) {
			sim->vertical_speed_mps = 0;
			set_phase(sim, PHASE_LANDED);
		}
		break;
	}
	case PHASE_LANDED:
		hover(sim);
		if (sim->phase_s >= 5.0) {
			if (sim->loop) {
				set_phase(sim, PHASE_PARKED);
			} else {
				g_main_loop_quit(sim->loop_main);
			}
		}
		break;
	default:
		break;
	}
}

/* Satellites drift a little, as they rise and set. */
static int satellites(const struct sim *sim)
{
	return 18 + (int)lround(3.0 * sin(sim->flight_s / 90.0));
}

/* The camera sweeps slowly either side of the nose, as a patrol's does. */
static double gimbal_heading(const struct sim *sim)
{
	return fmod(sim->heading_deg + 25.0 * sin(sim->flight_s / 20.0) + 360.0, 360.0);
}

/* MQTT: DJI Cloud API OSD. */

static void on_connect(struct mosquitto *mosq, void *user, int rc)
{
	if (rc != 0) {
		fprintf(stderr, "wall-dronesim: the broker refused us: %s\n",
			mosquitto_connack_string(rc));
	}
}

static bool mqtt_open(struct sim *sim)
{
	/* mqtt://host[:port]/topic */
	const char *url = sim->mqtt_url;
	if (!g_str_has_prefix(url, "mqtt://")) {
		fprintf(stderr, "wall-dronesim: --mqtt takes mqtt://host[:port]/topic\n");
		return false;
	}
	const char *rest = url + strlen("mqtt://");
	const char *slash = strchr(rest, '/');
	char *hostport = slash != NULL ? g_strndup(rest, (gsize)(slash - rest)) : g_strdup(rest);
	sim->mqtt_topic = g_strdup(slash != NULL && slash[1] != '\0'
					   ? slash + 1
					   : "thing/product/DEMO-SN/osd");
	char *colon = strrchr(hostport, ':');
	int port = 1883;
	if (colon != NULL) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	bool ok = false;
	if (port <= 0 || port > 65535 || *hostport == '\0') {
		fprintf(stderr, "wall-dronesim: --mqtt needs a host and a port: %s\n", url);
		goto out;
	}
	sim->mqtt = mosquitto_new(NULL, true, sim);
	mosquitto_connect_callback_set(sim->mqtt, on_connect);
	/*
	 * The main loop drives the client (mqtt_service) and retries the
	 * connection itself: a broker that is not up yet, or restarts, is
	 * found again within a second.
	 */
	int rc = mosquitto_connect(sim->mqtt, hostport, port, 30);
	if (rc == MOSQ_ERR_INVAL) {
		fprintf(stderr, "wall-dronesim: --mqtt has a bad address: %s\n", url);
		goto out;
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "wall-dronesim: no broker at %s yet (%s); trying again each second\n",
			url, mosquitto_strerror(rc));
	}
	ok = true;
out:
	g_free(hostport);
	return ok;
}

/* One turn of the MQTT client's work, on the main loop; reconnects when it is down. */
static void mqtt_service(struct sim *sim, int64_t now_us)
{
	int rc = mosquitto_loop(sim->mqtt, 0, 1);
	if (rc == MOSQ_ERR_SUCCESS) {
		return;
	}
	if (now_us - sim->last_reconnect_us >= G_USEC_PER_SEC) {
		sim->last_reconnect_us = now_us;
		mosquitto_reconnect(sim->mqtt);
	}
}

static void publish_osd(struct sim *sim)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tid");
	char *tid = g_uuid_string_random();
	json_builder_add_string_value(b, tid);
	g_free(tid);
	json_builder_set_member_name(b, "bid");
	char *bid = g_uuid_string_random();
	json_builder_add_string_value(b, bid);
	g_free(bid);
	json_builder_set_member_name(b, "timestamp");
	json_builder_add_int_value(b, g_get_real_time() / 1000);
	json_builder_set_member_name(b, "data");
	json_builder_begin_object(b);
#define MEMBER_DOUBLE(name, value)                                                                 \
	do {                                                                                       \
		json_builder_set_member_name(b, name);                                             \
		json_builder_add_double_value(b, value);                                           \
	} while (0)
#define MEMBER_INT(name, value)                                                                    \
	do {                                                                                       \
		json_builder_set_member_name(b, name);                                             \
		json_builder_add_int_value(b, value);                                              \
	} while (0)
	MEMBER_INT("mode_code", phase_mode_codes[sim->phase]);
	MEMBER_DOUBLE("latitude", round(sim->position.lat_deg * 1e7) / 1e7);
	MEMBER_DOUBLE("longitude", round(sim->position.lon_deg * 1e7) / 1e7);
	/* DJI: "height" above the ellipsoid, "elevation" above take-off. */
	MEMBER_DOUBLE("height", round((GROUND_ALTITUDE_M + sim->height_m) * 10) / 10);
	MEMBER_DOUBLE("elevation", round(sim->height_m * 10) / 10);
	MEMBER_DOUBLE("attitude_head", round(wrap_180(sim->heading_deg) * 10) / 10);
	MEMBER_DOUBLE("attitude_pitch", round(sim->pitch_deg * 10) / 10);
	MEMBER_DOUBLE("attitude_roll", round(sim->roll_deg * 10) / 10);
	MEMBER_DOUBLE("horizontal_speed", round(sim->ground_speed_mps * 10) / 10);
	MEMBER_DOUBLE("vertical_speed", round(sim->vertical_speed_mps * 10) / 10);
	MEMBER_DOUBLE("home_latitude", home.lat_deg);
	MEMBER_DOUBLE("home_longitude", home.lon_deg);
	MEMBER_INT("waypoint_index", (int)sim->waypoint);
	MEMBER_INT("total_flight_time", (int64_t)sim->flight_s);
	/* The camera's gimbal, keyed by its payload index as DJI's OSD does. */
	json_builder_set_member_name(b, "39-0-7");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "payload_index");
	json_builder_add_string_value(b, "39-0-7");
	MEMBER_DOUBLE("gimbal_yaw", round(wrap_180(gimbal_heading(sim)) * 10) / 10);
	MEMBER_DOUBLE("gimbal_pitch", -30.0);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "battery");
	json_builder_begin_object(b);
	MEMBER_INT("capacity_percent", (int64_t)floor(sim->battery_percent));
	MEMBER_INT("remain_flight_time", (int64_t)(sim->battery_percent / 0.075));
	MEMBER_INT("return_home_power", (int64_t)LOW_BATTERY_PERCENT);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "position_state");
	json_builder_begin_object(b);
	MEMBER_INT("gps_number", satellites(sim));
	MEMBER_INT("rtk_number", satellites(sim) + 4);
	MEMBER_INT("is_fixed", 2);
	MEMBER_INT("quality", 5);
	json_builder_end_object(b);
	/* The hangar's own state rides along: working while its drone is out. */
	json_builder_set_member_name(b, "dock");
	json_builder_begin_object(b);
	MEMBER_INT("mode_code", sim->phase == PHASE_PARKED || sim->phase == PHASE_LANDED ? 0 : 4);
	MEMBER_DOUBLE("latitude", home.lat_deg);
	MEMBER_DOUBLE("longitude", home.lon_deg);
	json_builder_end_object(b);
#undef MEMBER_DOUBLE
#undef MEMBER_INT
	json_builder_end_object(b);
	json_builder_end_object(b);

	JsonNode *root = json_builder_get_root(b);
	char *json = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(b);
	/* QoS 0, as the OSD topic is: a lost reading is replaced in a second. */
	mosquitto_publish(sim->mqtt, NULL, sim->mqtt_topic, (int)strlen(json), json, 0, false);
	g_free(json);
	sim->osd_sent++;
}

/* MAVLink over UDP. */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void putf(uint8_t *p, float f)
{
	uint32_t bits;
	memcpy(&bits, &f, sizeof(bits));
	put32(p, bits);
}

static int32_t e7(double degrees)
{
	return (int32_t)lround(degrees * 1e7);
}

#define SYSTEM_ID 1
#define COMPONENT_ID 1

static void send_message(struct sim *sim, uint32_t id, const uint8_t *payload, uint8_t length)
{
	uint8_t frame[280];
	size_t size = mavlink_pack(2, sim->mavlink_sequence++, SYSTEM_ID, COMPONENT_ID, id, payload,
				   length, frame);
	if (size == 0) {
		return;
	}
	GError *error = NULL;
	/* Nobody listening is normal for UDP telemetry: say nothing. */
	if (g_socket_send_to(sim->socket, sim->mavlink_address, (const char *)frame, size, NULL,
			     &error) < 0) {
		g_error_free(error);
	}
}

static bool mavlink_open(struct sim *sim)
{
	const char *target = sim->mavlink_target;
	const char *colon = strrchr(target, ':');
	int port = colon != NULL ? atoi(colon + 1) : 0;
	if (colon == NULL || port <= 0 || port > 65535) {
		fprintf(stderr, "wall-dronesim: --mavlink takes HOST:PORT, e.g. 127.0.0.1:14550\n");
		return false;
	}
	char *host = g_strndup(target, (gsize)(colon - target));
	GInetAddress *inet = g_inet_address_new_from_string(*host != '\0' ? host : "127.0.0.1");
	g_free(host);
	if (inet == NULL) {
		fprintf(stderr, "wall-dronesim: --mavlink needs an IP address: %s\n", target);
		return false;
	}
	GError *error = NULL;
	sim->mavlink_address = g_inet_socket_address_new(inet, (guint16)port);
	sim->socket = g_socket_new(g_inet_address_get_family(inet), G_SOCKET_TYPE_DATAGRAM,
				   G_SOCKET_PROTOCOL_UDP, &error);
	g_object_unref(inet);
	if (sim->socket == NULL) {
		fprintf(stderr, "wall-dronesim: no UDP socket: %s\n", error->message);
		g_error_free(error);
		return false;
	}
	g_socket_set_blocking(sim->socket, FALSE);
	return true;
}

static uint32_t boot_ms(const struct sim *sim, int64_t now_us)
{
	return (uint32_t)((now_us - sim->start_us) / 1000);
}

static void send_heartbeat(struct sim *sim)
{
	uint8_t p[9] = {0};
	bool armed = sim->phase >= PHASE_TAKEOFF && sim->phase <= PHASE_LANDING;
	/* PX4: main mode 4 (AUTO) in bits 16-23, its sub-mode in bits 24-31. */
	put32(p, armed ? (4u << 16) | (phase_px4_sub_modes[sim->phase] << 24) : 0);
	p[4] = 2;  /* MAV_TYPE_QUADROTOR */
	p[5] = 12; /* MAV_AUTOPILOT_PX4 */
	/* CUSTOM_MODE_ENABLED, AUTO_ENABLED, and SAFETY_ARMED while flying. */
	p[6] = 0x01 | 0x04 | (armed ? 0x80 : 0);
	p[7] = armed ? 4 : 3; /* MAV_STATE_ACTIVE or STANDBY */
	p[8] = 3;
	send_message(sim, MAVLINK_MSG_HEARTBEAT, p, sizeof(p));
}

static void send_battery(struct sim *sim)
{
	int8_t remaining = (int8_t)floor(sim->battery_percent);
	/* Six cells, from 25.2 V full to 21 V empty. */
	uint16_t millivolts = (uint16_t)(21000 + 42 * sim->battery_percent);
	uint8_t sys[31] = {0};
	put16(sys + 14, millivolts);
	put16(sys + 16, (uint16_t)(int16_t)(sim->phase == PHASE_PARKED ? 0 : 2400));
	sys[30] = (uint8_t)remaining;
	send_message(sim, MAVLINK_MSG_SYS_STATUS, sys, sizeof(sys));

	uint8_t battery[36] = {0};
	put16(battery + 8, 3100); /* 31.00 °C */
	for (unsigned i = 0; i < 10; i++) {
		put16(battery + 10 + i * 2, i < 6 ? millivolts / 6 : UINT16_MAX);
	}
	put16(battery + 30, (uint16_t)(int16_t)2400);
	battery[34] = 3; /* MAV_BATTERY_TYPE_LIPO */
	battery[35] = (uint8_t)remaining;
	send_message(sim, MAVLINK_MSG_BATTERY_STATUS, battery, sizeof(battery));
}

static void send_gps(struct sim *sim)
{
	uint8_t p[30] = {0};
	uint64_t usec = (uint64_t)g_get_real_time();
	put32(p, (uint32_t)usec);
	put32(p + 4, (uint32_t)(usec >> 32));
	put32(p + 8, (uint32_t)e7(sim->position.lat_deg));
	put32(p + 12, (uint32_t)e7(sim->position.lon_deg));
	put32(p + 16, (uint32_t)(int32_t)lround((GROUND_ALTITUDE_M + sim->height_m) * 1000));
	put16(p + 20, 70);
	put16(p + 22, 110);
	put16(p + 24, (uint16_t)lround(sim->ground_speed_mps * 100));
	put16(p + 26, (uint16_t)lround(sim->heading_deg * 100));
	p[28] = 6; /* RTK fixed */
	p[29] = (uint8_t)satellites(sim);
	send_message(sim, MAVLINK_MSG_GPS_RAW_INT, p, sizeof(p));
}

static void send_position(struct sim *sim, int64_t now_us)
{
	uint8_t p[28] = {0};
	put32(p, boot_ms(sim, now_us));
	put32(p + 4, (uint32_t)e7(sim->position.lat_deg));
	put32(p + 8, (uint32_t)e7(sim->position.lon_deg));
	put32(p + 12, (uint32_t)(int32_t)lround((GROUND_ALTITUDE_M + sim->height_m) * 1000));
	put32(p + 16, (uint32_t)(int32_t)lround(sim->height_m * 1000));
	double heading = radians(sim->heading_deg);
	put16(p + 20, (uint16_t)(int16_t)lround(cos(heading) * sim->ground_speed_mps * 100));
	put16(p + 22, (uint16_t)(int16_t)lround(sin(heading) * sim->ground_speed_mps * 100));
	/* NED: down is positive. */
	put16(p + 24, (uint16_t)(int16_t)lround(-sim->vertical_speed_mps * 100));
	put16(p + 26, (uint16_t)lround(sim->heading_deg * 100) % 36000);
	send_message(sim, MAVLINK_MSG_GLOBAL_POSITION_INT, p, sizeof(p));

	uint8_t a[28] = {0};
	put32(a, boot_ms(sim, now_us));
	putf(a + 4, (float)radians(sim->roll_deg));
	putf(a + 8, (float)radians(sim->pitch_deg));
	putf(a + 12, (float)radians(wrap_180(sim->heading_deg)));
	send_message(sim, MAVLINK_MSG_ATTITUDE, a, sizeof(a));

	uint8_t m[20] = {0};
	put32(m, boot_ms(sim, now_us));
	putf(m + 8, -30.0f);
	putf(m + 12, (float)wrap_180(gimbal_heading(sim) - sim->heading_deg));
	putf(m + 16, (float)gimbal_heading(sim));
	send_message(sim, MAVLINK_MSG_MOUNT_ORIENTATION, m, sizeof(m));
}

/*
 * The mission as an autopilot lays it out: seq 0 home, 1 take-off (no
 * place), 2.. the waypoints, then return-to-launch (no place).
 */
#define MISSION_FIRST_WAYPOINT_SEQ 2
#define MISSION_COUNT (MISSION_FIRST_WAYPOINT_SEQ + G_N_ELEMENTS(route) + 1)

static void send_mission_item(struct sim *sim, uint16_t seq, uint16_t command,
			      const struct geo_point *where, float z)
{
	uint8_t p[37] = {0};
	if (where != NULL) {
		put32(p + 16, (uint32_t)e7(where->lat_deg));
		put32(p + 20, (uint32_t)e7(where->lon_deg));
	}
	putf(p + 24, z);
	put16(p + 28, seq);
	put16(p + 30, command);
	p[34] = 6; /* MAV_FRAME_GLOBAL_RELATIVE_ALT_INT */
	p[36] = 1; /* autocontinue */
	send_message(sim, MAVLINK_MSG_MISSION_ITEM_INT, p, sizeof(p));
}

static void send_mission(struct sim *sim)
{
	uint8_t count[4] = {0};
	put16(count, MISSION_COUNT);
	send_message(sim, MAVLINK_MSG_MISSION_COUNT, count, sizeof(count));
	send_mission_item(sim, 0, 16, &home, 0);
	send_mission_item(sim, 1, 22, NULL, CRUISE_HEIGHT_M); /* MAV_CMD_NAV_TAKEOFF */
	for (unsigned i = 0; i < G_N_ELEMENTS(route); i++) {
		send_mission_item(sim, (uint16_t)(MISSION_FIRST_WAYPOINT_SEQ + i), 16, &route[i],
				  CRUISE_HEIGHT_M);
	}
	send_mission_item(sim, MISSION_COUNT - 1, 20, NULL, 0); /* MAV_CMD_NAV_RETURN_TO_LAUNCH */

	uint8_t h[52] = {0};
	put32(h, (uint32_t)e7(home.lat_deg));
	put32(h + 4, (uint32_t)e7(home.lon_deg));
	put32(h + 8, (uint32_t)(int32_t)lround(GROUND_ALTITUDE_M * 1000));
	putf(h + 24, 1.0f); /* an identity quaternion */
	send_message(sim, MAVLINK_MSG_HOME_POSITION, h, sizeof(h));
}

static void send_mission_current(struct sim *sim)
{
	uint16_t seq = 0;
	switch (sim->phase) {
	case PHASE_TAKEOFF:
		seq = 1;
		break;
	case PHASE_MISSION:
		seq = (uint16_t)(MISSION_FIRST_WAYPOINT_SEQ + sim->waypoint);
		break;
	case PHASE_RETURN:
	case PHASE_LANDING:
		seq = MISSION_COUNT - 1;
		break;
	default:
		break;
	}
	uint8_t p[2];
	put16(p, seq);
	send_message(sim, MAVLINK_MSG_MISSION_CURRENT, p, sizeof(p));
}

/* The clock. */

static gboolean on_step(gpointer user)
{
	struct sim *sim = user;
	int64_t now = g_get_monotonic_time();
	double dt = (double)(now - sim->last_step_us) / G_USEC_PER_SEC * sim->speed;
	sim->last_step_us = now;
	while (dt > 0 && g_main_loop_is_running(sim->loop_main)) {
		double step = MIN(dt, MAX_SUBSTEP_S);
		substep(sim, step);
		dt -= step;
	}

	if (sim->mqtt != NULL) {
		mqtt_service(sim, now);
		if (now - sim->last_osd_us >= (int64_t)(1e6 / sim->rate_hz)) {
			sim->last_osd_us = now;
			publish_osd(sim);
			/* Out now, not at the next step. */
			mosquitto_loop(sim->mqtt, 0, 1);
		}
	}
	if (sim->socket != NULL) {
		if (now - sim->last_position_us >= POSITION_PERIOD_MS * 1000) {
			sim->last_position_us = now;
			send_position(sim, now);
		}
		if (now - sim->last_slow_us >= G_USEC_PER_SEC) {
			sim->last_slow_us = now;
			send_heartbeat(sim);
			send_battery(sim);
			send_gps(sim);
			send_mission_current(sim);
		}
		/* Repeated: a wall that starts later still learns the route. */
		if (now - sim->last_mission_us >= MISSION_REPEAT_MS * 1000) {
			sim->last_mission_us = now;
			send_mission(sim);
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user)
{
	struct sim *sim = user;
	g_main_loop_quit(sim->loop_main);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	struct sim sim = {
		.speed = 1.0,
		.rate_hz = 1.0,
		.phase = PHASE_PARKED,
		.position = home,
		.heading_deg = 0,
		.battery_percent = 98.0,
	};
	GOptionEntry entries[] = {
		{"mqtt", 0, 0, G_OPTION_ARG_STRING, &sim.mqtt_url,
		 "publish DJI Cloud API OSD JSON to this broker and topic", "mqtt://HOST[:PORT]/TOPIC"},
		{"mavlink", 0, 0, G_OPTION_ARG_STRING, &sim.mavlink_target,
		 "send MAVLink v2 over UDP to this address", "HOST:PORT"},
		{"speed", 0, 0, G_OPTION_ARG_DOUBLE, &sim.speed,
		 "fly this many times faster than life (default 1)", "N"},
		{"rate", 0, 0, G_OPTION_ARG_DOUBLE, &sim.rate_hz,
		 "OSD messages a second over MQTT (default 1)", "HZ"},
		{"loop", 0, 0, G_OPTION_ARG_NONE, &sim.loop,
		 "fly the patrol again after each landing, until stopped", NULL},
		{NULL},
	};
	GOptionContext *context =
		g_option_context_new("- a hangar drone's patrol over 高州市云潭镇, as telemetry");
	g_option_context_add_main_entries(context, entries, NULL);
	GError *error = NULL;
	bool parsed = g_option_context_parse(context, &argc, &argv, &error);
	g_option_context_free(context);
	if (!parsed) {
		fprintf(stderr, "wall-dronesim: %s\n", error->message);
		g_error_free(error);
		return 2;
	}
	if (sim.mqtt_url == NULL && sim.mavlink_target == NULL) {
		fprintf(stderr, "wall-dronesim: say where to send telemetry: --mqtt URL and/or "
				"--mavlink HOST:PORT\n");
		return 2;
	}
	if (!(sim.speed > 0 && sim.speed <= 1000) || !(sim.rate_hz > 0 && sim.rate_hz <= 50)) {
		fprintf(stderr, "wall-dronesim: --speed must be in (0, 1000] and --rate in "
				"(0, 50]\n");
		return 2;
	}

	int status = 1;
	mosquitto_lib_init();
	sim.loop_main = g_main_loop_new(NULL, FALSE);
	if (sim.mqtt_url != NULL && !mqtt_open(&sim)) {
		goto out;
	}
	if (sim.mavlink_target != NULL && !mavlink_open(&sim)) {
		goto out;
	}
	sim.start_us = g_get_monotonic_time();
	sim.last_step_us = sim.start_us;
	/* The mission goes out at once, the rest on the first step. */
	sim.last_mission_us = sim.start_us;
	if (sim.socket != NULL) {
		send_mission(&sim);
	}
	printf("READY\n");
	set_phase(&sim, PHASE_PARKED);
	g_timeout_add(STEP_MS, on_step, &sim);
	g_unix_signal_add(SIGINT, on_signal, &sim);
	g_unix_signal_add(SIGTERM, on_signal, &sim);
	g_main_loop_run(sim.loop_main);
	status = 0;

out:
	if (sim.mqtt != NULL) {
		mosquitto_disconnect(sim.mqtt);
		mosquitto_destroy(sim.mqtt);
	}
	mosquitto_lib_cleanup();
	g_clear_object(&sim.socket);
	g_clear_object(&sim.mavlink_address);
	g_main_loop_unref(sim.loop_main);
	g_free(sim.mqtt_topic);
	g_free(sim.mqtt_url);
	g_free(sim.mavlink_target);
	return status;
}
