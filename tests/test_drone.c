/*
 * The drone plugin through the core's source API, against real inputs
 * started by the test:
 * - MQTT: a Mosquitto broker on a free loopback port; OSD JSON published
 *   with libmosquitto reaches the HUD, and silence turns it stale.
 * - Video offline while MAVLink telemetry is live: the source is OFFLINE
 *   (the host shows its slate) and the overlay keeps updating over it.
 * - Video live while telemetry is silent: frames keep flowing while the
 *   HUD says the telemetry is stale.
 */
#include <gio/gio.h>
#include <glib.h>
#include <mosquitto.h>
#include <string.h>

#include "mavlink.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

#ifdef __SANITIZE_ADDRESS__
#define SLOW 4
#else
#define SLOW 1
#endif

static struct wall_plugin_registry *registry;

/* Options as name, value pairs, then NULL. */
#define drone_source(name, ...) wall_test_source(registry, "drone", name, __VA_ARGS__)

/* One status value, copied. */
static char *status_value(struct wall_source *source, const char *key)
{
	GHashTable *values = wall_test_status(source);
	char *value = g_strdup(g_hash_table_lookup(values, key));
	g_hash_table_unref(values);
	return value;
}

/* What the render thread would take over some time. */
struct taken {
	unsigned frames;
	unsigned overlays;
};

static void take(struct wall_source *source, struct taken *taken)
{
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	if (ref != NULL) {
		taken->frames++;
		wall_frame_ref_unref(ref);
	}
	struct wall_frame_ref *overlay = NULL;
	if (wall_source_take_overlay(source, &overlay)) {
		g_assert_nonnull(overlay);
		g_assert_cmpint(overlay->frame.format, ==, WALL_PIXEL_FORMAT_BGRA);
		taken->overlays++;
	}
	wall_frame_ref_unref(overlay);
}

/* Waits up to timeout_ms for status key to read want, taking frames. */
static bool wait_status(struct wall_source *source, const char *key, const char *want,
			int64_t timeout_ms, struct taken *taken, void (*each)(void *), void *user)
{
	int64_t end = g_get_monotonic_time() + timeout_ms * SLOW * 1000;
	while (g_get_monotonic_time() < end) {
		if (each != NULL) {
			each(user);
		}
		take(source, taken);
		char *value = status_value(source, key);
		bool done = g_strcmp0(value, want) == 0;
		g_free(value);
		if (done) {
			return true;
		}
		g_usleep(20000);
	}
	return false;
}

/* MQTT. */

struct publisher {
	struct mosquitto *client;
	const char *topic;
	unsigned sent;
};

static void publish_osd(void *user)
{
	struct publisher *publisher = user;
	char *json = g_strdup_printf(
		"{\"timestamp\": %" G_GINT64_FORMAT ", \"data\": {\"latitude\": 21.7551, "
		"\"longitude\": %.6f, \"height\": 152.3, \"elevation\": 120.5, "
		"\"attitude_head\": 87, \"horizontal_speed\": 8.2, \"vertical_speed\": 0.5, "
		"\"battery\": {\"capacity_percent\": 76}, \"mode_code\": 5}}",
		g_get_real_time() / 1000, 110.9312 + publisher->sent * 1e-4);
	mosquitto_publish(publisher->client, NULL, publisher->topic, (int)strlen(json), json, 0,
			  false);
	g_free(json);
	publisher->sent++;
}

static void test_mqtt(void)
{
	int port = 0;
	GSubprocess *broker = wall_test_broker_start(&port);
	if (broker == NULL) {
		return;
	}
	char *url = g_strdup_printf("mqtt://127.0.0.1:%d/thing/product/+/osd", port);
	struct wall_source *source =
		drone_source("mqtt", "telemetry", url, "telemetry_interval", "200ms", NULL);
	struct taken taken = {0};

	mosquitto_lib_init();
	struct publisher publisher = {
		.client = mosquitto_new(NULL, true, NULL),
		.topic = "thing/product/DOCK-YUNTAN-01/osd",
	};
	g_assert_cmpint(mosquitto_connect(publisher.client, "127.0.0.1", port, 10), ==,
			MOSQ_ERR_SUCCESS);
	g_assert_cmpint(mosquitto_loop_start(publisher.client), ==, MOSQ_ERR_SUCCESS);

	/* Published until the plugin has subscribed and read some. */
	int64_t start = g_get_monotonic_time();
	g_assert_true(wait_status(source, "telemetry", "live", 10000, &taken, publish_osd,
				  &publisher));
	g_test_message("MQTT telemetry live after %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - start) / 1000);
	char *messages = status_value(source, "mqtt_messages");
	g_assert_cmpint(atoi(messages), >, 0);
	g_free(messages);
	char *input = status_value(source, "telemetry_input");
	g_assert_cmpstr(input, ==, "mqtt");
	g_free(input);
	unsigned overlays_live = taken.overlays;
	g_assert_cmpuint(overlays_live, >, 0);

	/* Silence: three intervals of 200 ms later the HUD is stale. */
	start = g_get_monotonic_time();
	g_assert_true(wait_status(source, "telemetry", "stale", 3000, &taken, NULL, NULL));
	int64_t stale_ms = (g_get_monotonic_time() - start) / 1000;
	g_test_message("stale after %" G_GINT64_FORMAT " ms of silence", stale_ms);
	g_assert_cmpint(stale_ms, >=, 400);
	/* The stale HUD was drawn and pushed. */
	g_assert_cmpuint(taken.overlays, >, overlays_live);
	/* And it comes back. */
	g_assert_true(wait_status(source, "telemetry", "live", 5000, &taken, publish_osd,
				  &publisher));

	mosquitto_disconnect(publisher.client);
	mosquitto_loop_stop(publisher.client, false);
	mosquitto_destroy(publisher.client);
	mosquitto_lib_cleanup();
	wall_source_destroy(source);
	g_free(url);
	wall_test_stop(broker);
}

/* MAVLink sender. */

struct sender {
	GSocket *socket;
	GSocketAddress *to;
	uint8_t sequence;
};

static void send_position(void *user)
{
	struct sender *sender = user;
	uint8_t payload[28] = {0};
	int32_t lat = 217551000;
	int32_t lon = 1109312000 + sender->sequence * 100;
	memcpy(payload + 4, &lat, 4);
	memcpy(payload + 8, &lon, 4);
	uint8_t out[280];
	size_t size = mavlink_pack(2, sender->sequence++, 1, 1, MAVLINK_MSG_GLOBAL_POSITION_INT,
				   payload, sizeof(payload), out);
	g_socket_send_to(sender->socket, sender->to, (const char *)out, size, NULL, NULL);
}

static void test_video_offline_telemetry_live(void)
{
	int udp_port = wall_test_free_port(G_SOCKET_TYPE_DATAGRAM);
	int video_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *telemetry = g_strdup_printf("udp://127.0.0.1:%d", udp_port);
	char *video = g_strdup_printf("rtsp://127.0.0.1:%d/nothing", video_port);
	struct wall_source *source = drone_source("offline", "video", video, "telemetry",
						  telemetry, "telemetry_interval", "200ms", NULL);
	struct sender sender = {
		.socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
				       G_SOCKET_PROTOCOL_UDP, NULL),
	};
	GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	sender.to = g_inet_socket_address_new(loopback, (guint16)udp_port);
	g_object_unref(loopback);

	struct taken taken = {0};
	/* Nobody serves the video: the stream path says offline. */
	g_assert_true(wait_status(source, "video_state", "offline", 15000, &taken, send_position,
				  &sender));
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_OFFLINE);
	g_assert_true(wait_status(source, "telemetry", "live", 5000, &taken, send_position,
				  &sender));
	/* While offline, the overlay keeps following the telemetry. */
	unsigned before = taken.overlays;
	for (int i = 0; i < 50; i++) {
		send_position(&sender);
		take(source, &taken);
		g_usleep(40000);
	}
	g_test_message("%u overlays in 2 s over the offline slate", taken.overlays - before);
	g_assert_cmpuint(taken.overlays - before, >=, 3);
	g_assert_cmpuint(taken.frames, ==, 0);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_OFFLINE);
	char *messages = status_value(source, "mavlink_messages");
	g_assert_cmpint(atoi(messages), >=, 50);
	g_free(messages);

	wall_source_destroy(source);
	g_object_unref(sender.to);
	g_object_unref(sender.socket);
	g_free(video);
	g_free(telemetry);
}

static void test_video_live_telemetry_stale(void)
{
	char *path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		g_free(path);
		return;
	}
	const char *argv[] = {path, "--port=0", "--cameras=1", "--main=320x180", NULL};
	GSubprocess *server = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
						  G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GDataInputStream *replies =
		g_data_input_stream_new(g_subprocess_get_stdout_pipe(server));
	char *line = g_data_input_stream_read_line_utf8(replies, NULL, NULL, NULL);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "READY port="));
	char *video = g_strdup_printf("rtsp://127.0.0.1:%d/cam01", atoi(line + 11));
	g_free(line);

	int udp_port = wall_test_free_port(G_SOCKET_TYPE_DATAGRAM);
	char *telemetry = g_strdup_printf("udp://127.0.0.1:%d", udp_port);
	struct wall_source *source = drone_source("silent", "video", video, "telemetry",
						  telemetry, "telemetry_interval", "200ms", NULL);
	struct taken taken = {0};
	g_assert_true(wait_status(source, "video_state", "live", 10000, &taken, NULL, NULL));
	/* No telemetry ever: the HUD waits, the video plays on. */
	unsigned frames_before = taken.frames;
	int64_t end = g_get_monotonic_time() + 1500 * 1000;
	while (g_get_monotonic_time() < end) {
		take(source, &taken);
		g_usleep(10000);
	}
	char *state = status_value(source, "telemetry");
	g_assert_cmpstr(state, ==, "waiting");
	g_free(state);
	g_test_message("%u frames in 1.5 s with no telemetry", taken.frames - frames_before);
	g_assert_cmpuint(taken.frames - frames_before, >, 10 / SLOW);
	g_assert_cmpuint(taken.overlays, >, 0);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);

	wall_source_destroy(source);
	g_free(telemetry);
	g_free(video);
	g_object_unref(replies);
	wall_test_stop(server);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	char *plugins = wall_test_build_path("plugins");
	const char *dirs[] = {plugins, NULL};
	registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	if (wall_plugin_registry_get(registry, "drone", &why) == NULL) {
		g_printerr("drone plugin: %s\n", why);
		return 1;
	}
	g_test_add_func("/drone/mqtt", test_mqtt);
	g_test_add_func("/drone/video-offline-telemetry-live", test_video_offline_telemetry_live);
	g_test_add_func("/drone/video-live-telemetry-stale", test_video_live_telemetry_stale);
	int result = g_test_run();
	wall_plugin_registry_destroy(registry);
	g_free(plugins);
	return result;
}
