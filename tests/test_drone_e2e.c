/*
 * The drone plugin fed end to end by real senders over real transports:
 * - the simulator (wall-dronesim) through a Mosquitto broker started here
 *   on a free loopback port: the position follows the patrol route and
 *   the mode turns to return-to-home at its end;
 * - the simulator as MAVLink over UDP: the route arrives from the mission,
 *   and the waypoints advance along it; and the same as the fallback
 *   beside an MQTT input whose broker is not there;
 * - an MPEG-TS file with H.264 video and a meta/x-klv track muxed by
 *   GStreamer, played through the stream path: the HUD's position comes
 *   from the KLV.
 */
#include <gio/gio.h>
#include <glib.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

#include "plugin_registry.h"
#include "source.h"
#include "support.h"
#include "telemetry.h"

#ifdef __SANITIZE_ADDRESS__
#define SLOW 4
#else
#define SLOW 1
#endif

/* Options as name, value pairs, then NULL. */
#define drone_source(name, ...) wall_test_source(registry, "drone", name, __VA_ARGS__)

static struct wall_plugin_registry *registry;

/* The hangar and the patrol, as wall-dronesim flies them. */
static const struct geo_point home = {21.9148, 110.9862};
static const struct geo_point route[] = {
	{21.9215, 110.9835}, {21.9262, 110.9918}, {21.9240, 111.0012}, {21.9170, 111.0058},
	{21.9085, 111.0021}, {21.9042, 110.9930}, {21.9068, 110.9832}, {21.9132, 110.9788},
};
/* How far off its legs the drone may be seen: it turns at a drone's rate. */
#define ON_ROUTE_M 80.0

/* Frames and overlays are taken as the render thread would, so none pile up. */
static void take(struct wall_source *source)
{
	wall_frame_ref_unref(wall_source_take_frame(source));
	struct wall_frame_ref *overlay = NULL;
	if (wall_source_take_overlay(source, &overlay)) {
		wall_frame_ref_unref(overlay);
	}
}

/* Metres from p to the segment a-b, on a plane: fine over a few km. */
static double segment_distance_m(struct geo_point p, struct geo_point a, struct geo_point b)
{
	double k = cos(p.lat_deg * G_PI / 180.0);
	double ax = (a.lon_deg - p.lon_deg) * k, ay = a.lat_deg - p.lat_deg;
	double bx = (b.lon_deg - p.lon_deg) * k, by = b.lat_deg - p.lat_deg;
	double dx = bx - ax, dy = by - ay;
	double length2 = dx * dx + dy * dy;
	double t = length2 > 0 ? CLAMP(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
	return hypot(ax + t * dx, ay + t * dy) * 111320.0;
}

/* How far p is from the flight plan: home, the route in order, home. */
static double off_plan_m(struct geo_point p)
{
	double best = segment_distance_m(p, home, route[0]);
	for (unsigned i = 0; i + 1 < G_N_ELEMENTS(route); i++) {
		best = MIN(best, segment_distance_m(p, route[i], route[i + 1]));
	}
	return MIN(best, segment_distance_m(p, route[G_N_ELEMENTS(route) - 1], home));
}

/* What a flight looked like through the plugin's status. */
struct flight {
	unsigned readings;
	unsigned moved;
	double worst_off_plan_m;
	double farthest_from_home_m;
	int highest_waypoint;
	bool saw_mission_mode;
	bool saw_return_mode;
	bool saw_landing_mode;
	unsigned route_points;
	char *from;
	struct geo_point last;
};

static void watch(struct wall_source *source, struct flight *flight)
{
	GHashTable *status = wall_test_status(source);
	const char *position = g_hash_table_lookup(status, "position");
	const char *mode = g_hash_table_lookup(status, "mode");
	const char *waypoint = g_hash_table_lookup(status, "waypoint");
	const char *route_points = g_hash_table_lookup(status, "route_points");
	const char *from = g_hash_table_lookup(status, "telemetry_from");
	if (position != NULL) {
		struct geo_point p;
		char *end = NULL;
		p.lat_deg = g_ascii_strtod(position, &end);
		g_assert_true(*end == ',');
		p.lon_deg = g_ascii_strtod(end + 1, NULL);
		if (flight->readings == 0 || p.lat_deg != flight->last.lat_deg ||
		    p.lon_deg != flight->last.lon_deg) {
			flight->moved += flight->readings > 0;
			flight->readings++;
			flight->last = p;
			flight->worst_off_plan_m = MAX(flight->worst_off_plan_m, off_plan_m(p));
			flight->farthest_from_home_m =
				MAX(flight->farthest_from_home_m, geo_distance_m(p, home));
		}
	}
	if (mode != NULL) {
		flight->saw_mission_mode |= strcmp(mode, "航线飞行") == 0;
		flight->saw_return_mode |= strcmp(mode, "自动返航") == 0;
		flight->saw_landing_mode |= strcmp(mode, "自动降落") == 0;
	}
	if (waypoint != NULL) {
		flight->highest_waypoint = MAX(flight->highest_waypoint, atoi(waypoint));
	}
	if (route_points != NULL) {
		flight->route_points = (unsigned)atoi(route_points);
	}
	if (from != NULL && flight->from == NULL) {
		flight->from = g_strdup(from);
	}
	g_hash_table_unref(status);
}

/* Watches until the drone is seen landing, or timeout_ms passes. */
static void fly(struct wall_source *source, struct flight *flight, int64_t timeout_ms)
{
	int64_t end = g_get_monotonic_time() + timeout_ms * SLOW * 1000;
	while (g_get_monotonic_time() < end && !flight->saw_landing_mode) {
		take(source);
		watch(source, flight);
		g_usleep(20000);
	}
	g_test_message("%u positions, %u moves, %.0f m off the plan at worst, %.0f m from home "
		       "at most, waypoint %d reached, route of %u points, from %s",
		       flight->readings, flight->moved, flight->worst_off_plan_m,
		       flight->farthest_from_home_m, flight->highest_waypoint,
		       flight->route_points, flight->from);
}

static GSubprocess *simulator(const char *option, const char *value)
{
	char *path = wall_test_build_path("plugins/drone/dronesim/wall-dronesim");
	/* 60 times life: the 7 km patrol takes about 11 s. */
	const char *argv[] = {path, option, value, "--speed", "60", "--rate", "10", NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_free(path);
	return process;
}

static void check_flight(struct flight *flight, const char *from)
{
	g_assert_cmpstr(flight->from, ==, from);
	g_assert_cmpuint(flight->moved, >=, 20);
	g_assert_cmpfloat(flight->worst_off_plan_m, <, ON_ROUTE_M);
	/* It went round: the far side of the loop is over a kilometre out. */
	g_assert_cmpfloat(flight->farthest_from_home_m, >, 1000.0);
	g_assert_cmpint(flight->highest_waypoint, >=, (int)G_N_ELEMENTS(route) - 2);
	g_assert_true(flight->saw_mission_mode);
	g_assert_true(flight->saw_return_mode);
	g_free(flight->from);
}

/* MQTT. */

static void test_simulator_mqtt(void)
{
	int port = 0;
	GSubprocess *broker = wall_test_broker_start(&port);
	if (broker == NULL) {
		return;
	}
	/* The OSD carries no route: the layout gives it, as the hangar planned it. */
	GString *route_json = g_string_new("[");
	for (unsigned i = 0; i < G_N_ELEMENTS(route); i++) {
		g_string_append_printf(route_json, "%s[%.4f, %.4f]", i > 0 ? ", " : "",
				       route[i].lat_deg, route[i].lon_deg);
	}
	g_string_append(route_json, "]");
	char *url = g_strdup_printf("mqtt://127.0.0.1:%d/thing/product/+/osd", port);
	struct wall_source *source = drone_source("sim-mqtt", "telemetry", url, "route",
						  route_json->str, NULL);
	char *publish = g_strdup_printf("mqtt://127.0.0.1:%d/thing/product/SIM-SN/osd", port);
	GSubprocess *sim = simulator("--mqtt", publish);

	struct flight flight = {.highest_waypoint = -1};
	fly(source, &flight, 40000);
	check_flight(&flight, "MQTT");
	g_assert_cmpuint(flight.route_points, ==, G_N_ELEMENTS(route));

	wall_test_stop(sim);
	wall_source_destroy(source);
	g_free(publish);
	g_free(url);
	g_string_free(route_json, TRUE);
	wall_test_stop(broker);
}

/* MAVLink: the route comes from the mission. */

static void test_simulator_mavlink(void)
{
	int port = wall_test_free_port(G_SOCKET_TYPE_DATAGRAM);
	char *listen = g_strdup_printf("udp://127.0.0.1:%d", port);
	struct wall_source *source = drone_source("sim-mavlink", "telemetry", listen, NULL);
	/* The plugin binds on its own thread; the first mission must not beat it. */
	g_usleep(200000);
	char *target = g_strdup_printf("127.0.0.1:%d", port);
	GSubprocess *sim = simulator("--mavlink", target);

	struct flight flight = {.highest_waypoint = -1};
	fly(source, &flight, 40000);
	check_flight(&flight, "MAVLink");
	/* Home, take-off and return-to-launch items carry no place on the route. */
	g_assert_cmpuint(flight.route_points, ==, G_N_ELEMENTS(route));
	GHashTable *status = wall_test_status(source);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "mavlink_bad_checksum")), ==, 0);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "mavlink_unknown")), ==, 0);
	g_hash_table_unref(status);

	wall_test_stop(sim);
	wall_source_destroy(source);
	g_free(target);
	g_free(listen);
}

/*
 * The demo's fallback: MQTT named but no broker there, MAVLink listened
 * for beside it, and the simulator speaking MAVLink only.
 */
static void test_mavlink_beside_mqtt(void)
{
	int broker_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	int port = wall_test_free_port(G_SOCKET_TYPE_DATAGRAM);
	char *mqtt = g_strdup_printf("mqtt://127.0.0.1:%d/thing/product/+/osd", broker_port);
	char *listen = g_strdup_printf("udp://127.0.0.1:%d", port);
	struct wall_source *source =
		drone_source("fallback", "telemetry", mqtt, "mavlink", listen, NULL);
	g_usleep(200000);
	char *target = g_strdup_printf("127.0.0.1:%d", port);
	GSubprocess *sim = simulator("--mavlink", target);

	struct flight flight = {.highest_waypoint = -1};
	int64_t end = g_get_monotonic_time() + 10000 * SLOW * 1000;
	while (g_get_monotonic_time() < end &&
	       (flight.moved < 5 || flight.route_points != G_N_ELEMENTS(route))) {
		take(source);
		watch(source, &flight);
		g_usleep(20000);
	}
	g_assert_cmpstr(flight.from, ==, "MAVLink");
	g_assert_cmpuint(flight.moved, >=, 5);
	g_assert_cmpuint(flight.route_points, ==, G_N_ELEMENTS(route));
	GHashTable *status = wall_test_status(source);
	g_assert_cmpstr(g_hash_table_lookup(status, "telemetry_input"), ==, "mqtt+mavlink");
	g_assert_cmpstr(g_hash_table_lookup(status, "mqtt"), ==, "disconnected");
	g_hash_table_unref(status);

	wall_test_stop(sim);
	wall_source_destroy(source);
	g_free(flight.from);
	g_free(target);
	g_free(listen);
	g_free(mqtt);
}

/* KLV in MPEG-TS. */

/* An ST 0601 packet from the public spec's encodings, checksum included. */
static GBytes *klv_packet(struct geo_point where, double heading_deg)
{
	GByteArray *items = g_byte_array_new();
	wall_test_klv_item(items, 2, (uint64_t)g_get_real_time(), 8);
	wall_test_klv_item(items, 5, (uint64_t)lround(heading_deg / 360.0 * 65535.0), 2);
	wall_test_klv_item(items, 13, (uint32_t)(int32_t)llround(where.lat_deg / 180.0 * 4294967294.0),
			   4);
	wall_test_klv_item(items, 14, (uint32_t)(int32_t)llround(where.lon_deg / 360.0 * 4294967294.0),
			   4);
	wall_test_klv_item(items, 15, (uint64_t)lround((168.0 + 900.0) / 19900.0 * 65535.0), 2);
	GByteArray *packet = wall_test_klv_packet(items, false);
	g_byte_array_free(items, TRUE);
	return g_byte_array_free_to_bytes(packet);
}

#define KLV_FRAMES 100
#define KLV_FPS 25

/* H.264 and KLV muxed by GStreamer's mpegtsmux, as an encoder in the air would. */
static bool write_klv_ts(const char *path, struct geo_point where)
{
	char *description = g_strdup_printf(
		"appsrc name=klv format=time caps=meta/x-klv,parsed=true ! mux. "
		"videotestsrc num-buffers=%d pattern=ball ! "
		"video/x-raw,width=320,height=180,framerate=%d/1 ! "
		"x264enc tune=zerolatency key-int-max=%d ! h264parse ! "
		"mpegtsmux name=mux ! filesink location=\"%s\"",
		KLV_FRAMES, KLV_FPS, KLV_FPS, path);
	GError *error = NULL;
	GstElement *pipeline = gst_parse_launch(description, &error);
	g_free(description);
	if (pipeline == NULL) {
		g_test_message("no TS muxing here: %s", error->message);
		g_error_free(error);
		return false;
	}
	GstElement *appsrc = gst_bin_get_by_name(GST_BIN(pipeline), "klv");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	for (unsigned i = 0; i < KLV_FRAMES; i++) {
		GstBuffer *buffer = gst_buffer_new_wrapped_bytes(klv_packet(where, 87.0));
		GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(i, GST_SECOND, KLV_FPS);
		GST_BUFFER_DURATION(buffer) = GST_SECOND / KLV_FPS;
		g_assert_cmpint(gst_app_src_push_buffer(GST_APP_SRC(appsrc), buffer), ==,
				GST_FLOW_OK);
	}
	gst_app_src_end_of_stream(GST_APP_SRC(appsrc));
	GstBus *bus = gst_element_get_bus(pipeline);
	GstMessage *message = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
							 GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	bool ok = message != NULL && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS;
	if (message != NULL) {
		gst_message_unref(message);
	}
	gst_object_unref(bus);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(appsrc);
	gst_object_unref(pipeline);
	return ok;
}

static void test_klv_in_ts(void)
{
	/* Over the reservoir, north of the town. */
	const struct geo_point where = {21.9262, 110.9918};
	char *path = wall_test_temp_path("klv.ts");
	if (!write_klv_ts(path, where)) {
		g_test_skip("GStreamer cannot mux H.264 and KLV into MPEG-TS here");
		g_free(path);
		return;
	}
	char *uri = g_filename_to_uri(path, NULL, NULL);
	struct wall_source *source = drone_source("klv", "video", uri, NULL);

	struct flight flight = {.highest_waypoint = -1};
	int64_t end = g_get_monotonic_time() + 15000 * SLOW * 1000;
	unsigned klv_packets = 0;
	while (g_get_monotonic_time() < end && (flight.readings == 0 || klv_packets < 10)) {
		take(source);
		watch(source, &flight);
		GHashTable *status = wall_test_status(source);
		const char *count = g_hash_table_lookup(status, "klv_packets");
		klv_packets = count != NULL ? (unsigned)atoi(count) : 0;
		g_hash_table_unref(status);
		g_usleep(20000);
	}
	g_test_message("%u KLV packets read from %s", klv_packets, uri);
	g_assert_cmpuint(klv_packets, >=, 10);
	g_assert_cmpstr(flight.from, ==, "KLV");
	/* ST 0601's 32-bit latitude and longitude: well under a metre. */
	g_assert_cmpfloat(geo_distance_m(flight.last, where), <, 0.5);
	GHashTable *status = wall_test_status(source);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "klv_rejected")), ==, 0);
	g_hash_table_unref(status);

	wall_source_destroy(source);
	g_free(flight.from);
	g_free(uri);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(NULL, NULL);
	char *plugins = wall_test_build_path("plugins");
	const char *dirs[] = {plugins, NULL};
	registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	if (wall_plugin_registry_get(registry, "drone", &why) == NULL) {
		g_printerr("drone plugin: %s\n", why);
		return 1;
	}
	g_test_add_func("/drone-e2e/simulator-mqtt", test_simulator_mqtt);
	g_test_add_func("/drone-e2e/simulator-mavlink", test_simulator_mavlink);
	g_test_add_func("/drone-e2e/mavlink-beside-mqtt", test_mavlink_beside_mqtt);
	g_test_add_func("/drone-e2e/klv-in-mpeg-ts", test_klv_in_ts);
	int result = g_test_run();
	wall_plugin_registry_destroy(registry);
	g_free(plugins);
	return result;
}
