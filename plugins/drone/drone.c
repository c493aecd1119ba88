/*
 * drone: a hangar drone's flight as one tile. The video comes through
 * the stream path the camera plugin uses (plugins/stream: same state
 * machine, reconnects and slates, decoded frames pushed without a copy);
 * the telemetry comes separately, over MQTT (DJI Cloud API OSD JSON),
 * MAVLink over UDP, or KLV inside the video stream; a MAVLink listener
 * can run beside an MQTT input, as its fallback.
 *
 * The HUD and the mini-map are one transparent BGRA overlay pushed with
 * the host's push_overlay(), which the compositor draws over the tile's
 * picture, or over its slate while the video is down. Video frames and
 * overlays travel separately, so neither waits for the other: stale
 * telemetry never holds a frame back and a frozen stream never stops the
 * HUD from saying how old the telemetry is.
 *
 * Threads: the stream has its own; this plugin runs one more ("drone
 * <name>") with its own main context for the UDP socket and the overlay
 * timer. libmosquitto runs its network thread. All of them write the
 * telemetry store under its lock; the overlay timer reads it.
 */
#include <cairo.h>
#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <wall/plugin.h>

#include "hud.h"
#include "klv.h"
#include "mavlink.h"
#include "mqtt.h"
#include "osd.h"
#include "stream.h"
#include "surface_frame.h"
#include "telemetry.h"
#include "worker.h"

/* How often the overlay thread looks for something to redraw. */
#define OVERLAY_TICK_MS 200
/* The overlay's size before the host says how big the tile is. */
#define DEFAULT_VIEW_WIDTH 640
#define DEFAULT_VIEW_HEIGHT 360

enum input_kind {
	INPUT_KIND_INVALID = 0,
	INPUT_KIND_NONE,
	INPUT_KIND_MQTT,
	INPUT_KIND_MAVLINK,
	INPUT_KIND_FILE,
};

struct drone {
	const struct wall_host *host;
	struct wall_source *source;
	struct telemetry_store *store;
	struct stream *stream;

	/* Options. */
	enum input_kind input;
	char *telemetry_url;
	/* A MAVLink listener beside the main input, or NULL. */
	char *mavlink_url;
	int64_t interval_ms;
	/* A fixed "now" for screenshots and tests, µs since the epoch; 0 for none. */
	int64_t clock_us;
	bool layout_route;
	struct map_background background;
	bool has_background;

	struct wall_worker *worker;

	/* The drone's thread only. */
	struct mqtt_input *mqtt;
	GSocket *socket;
	GSource *socket_source;
	GSource *tick;
	struct mavlink_parser parser;
	struct mavlink_mission mission;
	uint64_t drawn_generation;
	int64_t drawn_second;
	uint32_t drawn_width_px;
	uint32_t drawn_height_px;
	bool drawn_stale;
	bool drawn_once;

	/* Guards what other threads touch: the view size and the counts. */
	GMutex lock;
	uint32_t view_width_px;
	uint32_t view_height_px;
	uint64_t klv_packets;
	uint64_t klv_rejected;
	uint64_t overlays;
	struct mavlink_counts mavlink_counts;
	bool stale;
};

static const struct wall_option options[] = {
	{
		.name = "video",
		.type = WALL_OPTION_STRING,
		.help = "the drone's video stream (rtsp://, rtmp://, http(s)://, srt://, file://); "
			"none for a telemetry-only tile",
	},
	STREAM_OPTIONS,
	{
		.name = "telemetry",
		.type = WALL_OPTION_STRING,
		.help = "mqtt://host[:port]/topic (DJI Cloud API OSD JSON), udp://[host]:port "
			"(MAVLink), or file:osd.json (one recorded OSD message)",
	},
	{
		.name = "mavlink",
		.type = WALL_OPTION_STRING,
		.help = "udp://[host]:port: also listen for MAVLink here, beside telemetry; "
			"whichever input speaks updates the HUD (a fallback when the broker is down)",
	},
	{
		.name = "telemetry_interval",
		.type = WALL_OPTION_DURATION,
		.default_value = "1s",
		.min = 0.05,
		.max = 600,
		.help = "how often telemetry is expected; three missed make the HUD stale",
	},
	{
		.name = "klv",
		.type = WALL_OPTION_BOOL,
		.default_value = "true",
		.help = "read MISB ST 0601 KLV metadata carried in the video stream",
	},
	{
		.name = "route",
		.type = WALL_OPTION_JSON,
		.help = "the planned route: a list of [latitude, longitude] points; without it "
			"the MAVLink mission is shown",
	},
	{
		.name = "map_image",
		.type = WALL_OPTION_PATH,
		.help = "a PNG drawn under the mini-map",
	},
	{
		.name = "map_bounds",
		.type = WALL_OPTION_JSON,
		.help = "the map image's corners: [[north-west lat, lon], [south-east lat, lon]]",
	},
	{
		.name = "clock",
		.type = WALL_OPTION_STRING,
		.help = "a fixed time for the HUD's ages (ISO 8601), for screenshots and tests",
	},
	{0},
};

static int64_t now_real_us(const struct drone *drone)
{
	return drone->clock_us != 0 ? drone->clock_us : g_get_real_time();
}

/* The overlay, on the drone's thread. */

static void draw_overlay(struct drone *drone, uint32_t width, uint32_t height)
{
	struct telemetry_view view;
	telemetry_store_view(drone->store, &view);
	cairo_surface_t *surface =
		cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, (int)height);
	cairo_t *cr = cairo_create(surface);
	struct hud_params params = {
		.now_real_us = now_real_us(drone),
		.interval_ms = drone->interval_ms,
		.background = drone->has_background ? &drone->background : NULL,
		.recorded = drone->input == INPUT_KIND_FILE,
	};
	hud_draw(cr, (int)width, (int)height, &view, &params);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	telemetry_view_clear(&view);

	struct wall_frame frame = wall_surface_frame(surface);
	drone->host->push_overlay(drone->source, &frame);
	g_mutex_lock(&drone->lock);
	drone->overlays++;
	g_mutex_unlock(&drone->lock);
}

static gboolean on_tick(gpointer user)
{
	struct drone *drone = user;
	g_mutex_lock(&drone->lock);
	uint32_t width = drone->view_width_px;
	uint32_t height = drone->view_height_px;
	g_mutex_unlock(&drone->lock);

	uint64_t generation = telemetry_store_generation(drone->store);
	int64_t now = now_real_us(drone);
	struct telemetry_view view;
	telemetry_store_view(drone->store, &view);
	bool stale = telemetry_is_stale(&view.now, drone->interval_ms, now);
	bool never = view.now.updated_real_us == 0;
	telemetry_view_clear(&view);
	/* Ages are shown to the second, or to a tenth below ten seconds. */
	int64_t second = now / (stale || never ? G_USEC_PER_SEC : G_USEC_PER_SEC / 10);
	if (drone->drawn_once && generation == drone->drawn_generation &&
	    width == drone->drawn_width_px && height == drone->drawn_height_px &&
	    stale == drone->drawn_stale && (second == drone->drawn_second || stale || never)) {
		return G_SOURCE_CONTINUE;
	}
	if (stale != drone->drawn_stale || !drone->drawn_once) {
		g_mutex_lock(&drone->lock);
		drone->stale = stale;
		g_mutex_unlock(&drone->lock);
		drone->host->publish_metric(drone->source, "telemetry_live", stale ? 0.0 : 1.0);
		if (drone->drawn_once && stale) {
			drone->host->log(drone->source, WALL_LOG_INFO, "telemetry is stale");
		}
	}
	drone->drawn_once = true;
	drone->drawn_generation = generation;
	drone->drawn_width_px = width;
	drone->drawn_height_px = height;
	drone->drawn_stale = stale;
	drone->drawn_second = second;
	draw_overlay(drone, width, height);
	return G_SOURCE_CONTINUE;
}

/* MAVLink over UDP, on the drone's thread. */

static void on_mavlink(void *user, const struct mavlink_message *message)
{
	struct drone *drone = user;
	bool route_changed = false;
	struct telemetry *telemetry = telemetry_store_begin(drone->store);
	mavlink_apply(message, telemetry, &drone->mission, &route_changed);
	telemetry_store_commit(drone->store, "MAVLink", g_get_real_time());
	if (route_changed && !drone->layout_route) {
		struct geo_point points[G_N_ELEMENTS(drone->mission.items)];
		unsigned count = mavlink_mission_route(&drone->mission, points, G_N_ELEMENTS(points));
		telemetry_store_set_route(drone->store, points, count);
	}
}

static gboolean on_datagram(GSocket *socket, GIOCondition condition, gpointer user)
{
	struct drone *drone = user;
	uint8_t buffer[2048];
	for (;;) {
		GError *error = NULL;
		gssize size = g_socket_receive(socket, (char *)buffer, sizeof(buffer), NULL, &error);
		if (size < 0) {
			g_error_free(error);
			break;
		}
		mavlink_parser_feed(&drone->parser, buffer, (size_t)size, true, on_mavlink, drone);
	}
	g_mutex_lock(&drone->lock);
	drone->mavlink_counts = drone->parser.counts;
	g_mutex_unlock(&drone->lock);
	return G_SOURCE_CONTINUE;
}

static bool start_mavlink(struct drone *drone, const char *url)
{
	/* udp://:14550 or udp://0.0.0.0:14550: where to listen. */
	const char *address = url + strlen("udp://");
	const char *colon = strrchr(address, ':');
	int port = colon != NULL ? atoi(colon + 1) : 0;
	if (port <= 0 || port > 65535) {
		drone->host->log(drone->source, WALL_LOG_ERROR,
				 "MAVLink telemetry needs a port: udp://:14550");
		return false;
	}
	char *host = g_strndup(address, (gsize)(colon - address));
	GInetAddress *inet = *host != '\0' ? g_inet_address_new_from_string(host)
					   : g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	g_free(host);
	if (inet == NULL) {
		drone->host->log(drone->source, WALL_LOG_ERROR,
				 "MAVLink telemetry: listen on an IP address, not a name");
		return false;
	}
	GError *error = NULL;
	GSocketAddress *bind_address = g_inet_socket_address_new(inet, (guint16)port);
	drone->socket = g_socket_new(g_inet_address_get_family(inet), G_SOCKET_TYPE_DATAGRAM,
				     G_SOCKET_PROTOCOL_UDP, &error);
	bool ok = drone->socket != NULL &&
		  g_socket_bind(drone->socket, bind_address, TRUE, &error);
	g_object_unref(bind_address);
	g_object_unref(inet);
	if (!ok) {
		drone->host->log(drone->source, WALL_LOG_ERROR,
				 "cannot listen for MAVLink on UDP port %d: %s", port,
				 error->message);
		g_error_free(error);
		g_clear_object(&drone->socket);
		return false;
	}
	g_socket_set_blocking(drone->socket, FALSE);
	drone->socket_source = g_socket_create_source(drone->socket, G_IO_IN, NULL);
	g_source_set_callback(drone->socket_source, G_SOURCE_FUNC(on_datagram), drone, NULL);
	g_source_attach(drone->socket_source, wall_worker_context(drone->worker));
	return true;
}

/* A recorded OSD message read once: a fixed picture for tests and demos. */
static void read_file(struct drone *drone, const char *path)
{
	char *text = NULL;
	gsize length = 0;
	GError *error = NULL;
	if (!g_file_get_contents(path, &text, &length, &error)) {
		drone->host->log(drone->source, WALL_LOG_WARNING, "telemetry file: %s",
				 error->message);
		g_error_free(error);
		return;
	}
	const char *why = NULL;
	if (!osd_apply(drone->store, text, (gssize)length, "file", true, &why)) {
		drone->host->log(drone->source, WALL_LOG_WARNING, "telemetry file %s: %s", path,
				 why);
	}
	g_free(text);
}

/* KLV, on a streaming thread. */

static void on_klv(void *user, const uint8_t *data, size_t size)
{
	struct drone *drone = user;
	uint64_t good = 0;
	uint64_t bad = 0;
	while (size > 0) {
		struct klv_reading reading;
		const char *why = NULL;
		size_t used = klv_parse(data, size, &reading, &why);
		if (used == 0) {
			bad++;
			break;
		}
		good++;
		struct telemetry *telemetry = telemetry_store_begin(drone->store);
		klv_apply(&reading, telemetry);
		telemetry_store_commit(drone->store, "KLV", g_get_real_time());
		data += used;
		size -= used;
	}
	g_mutex_lock(&drone->lock);
	drone->klv_packets += good;
	drone->klv_rejected += bad;
	g_mutex_unlock(&drone->lock);
}

/* The drone's thread. */

static void start(void *user)
{
	struct drone *drone = user;
	const char *url = drone->telemetry_url;
	switch (drone->input) {
	case INPUT_KIND_MQTT: {
		char *error = NULL;
		drone->mqtt = mqtt_input_start(url, drone->store, &error);
		if (drone->mqtt == NULL) {
			drone->host->log(drone->source, WALL_LOG_WARNING, "%s", error);
			g_free(error);
		}
		break;
	}
	case INPUT_KIND_MAVLINK:
		start_mavlink(drone, url);
		break;
	case INPUT_KIND_FILE:
		read_file(drone, url);
		break;
	default:
		break;
	}
	if (drone->mavlink_url != NULL) {
		start_mavlink(drone, drone->mavlink_url);
	}
	on_tick(drone);
	drone->tick = g_timeout_source_new(OVERLAY_TICK_MS);
	g_source_set_callback(drone->tick, on_tick, drone, NULL);
	g_source_attach(drone->tick, wall_worker_context(drone->worker));
}

static void stop(void *user)
{
	struct drone *drone = user;
	if (drone->tick != NULL) {
		g_source_destroy(drone->tick);
		g_source_unref(drone->tick);
	}
	if (drone->socket_source != NULL) {
		g_source_destroy(drone->socket_source);
		g_source_unref(drone->socket_source);
	}
	g_clear_object(&drone->socket);
	mqtt_input_stop(drone->mqtt);
	drone->mqtt = NULL;
}

/* Options. */

static bool read_point_pair(const char *json, struct geo_point *a, struct geo_point *b)
{
	char *error = NULL;
	GArray *points = telemetry_parse_route(json, &error);
	g_free(error);
	bool ok = points != NULL && points->len == 2;
	if (ok) {
		*a = g_array_index(points, struct geo_point, 0);
		*b = g_array_index(points, struct geo_point, 1);
	}
	if (points != NULL) {
		g_array_free(points, TRUE);
	}
	return ok;
}

static bool read_options(struct drone *drone)
{
	const struct wall_host *host = drone->host;
	struct wall_source *source = drone->source;
	const char *telemetry = host->config_string(source, "telemetry");
	if (telemetry == NULL || *telemetry == '\0') {
		drone->input = INPUT_KIND_NONE;
	} else if (g_str_has_prefix(telemetry, "mqtt://")) {
		drone->input = INPUT_KIND_MQTT;
		drone->telemetry_url = g_strdup(telemetry);
	} else if (g_str_has_prefix(telemetry, "udp://")) {
		drone->input = INPUT_KIND_MAVLINK;
		drone->telemetry_url = g_strdup(telemetry);
	} else if (g_str_has_prefix(telemetry, "file:")) {
		drone->input = INPUT_KIND_FILE;
		const char *path = telemetry + strlen("file:");
		const char *dir = WALL_HOST_HAS(host, layout_dir) ? host->layout_dir(source) : NULL;
		drone->telemetry_url = g_path_is_absolute(path) || dir == NULL
					       ? g_strdup(path)
					       : g_build_filename(dir, path, NULL);
	} else {
		host->log(source, WALL_LOG_ERROR,
			  "telemetry must be mqtt://host/topic, udp://:port or file:path");
		return false;
	}
	const char *mavlink = host->config_string(source, "mavlink");
	if (mavlink != NULL && *mavlink != '\0') {
		if (!g_str_has_prefix(mavlink, "udp://")) {
			host->log(source, WALL_LOG_ERROR, "mavlink must be udp://[host]:port");
			return false;
		}
		/* One socket per port: the same address twice would split the datagrams. */
		if (drone->input == INPUT_KIND_MAVLINK) {
			host->log(source, WALL_LOG_ERROR,
				  "telemetry is MAVLink already: give mavlink only beside "
				  "mqtt:// or file: telemetry");
			return false;
		}
		drone->mavlink_url = g_strdup(mavlink);
	}
	drone->interval_ms = host->config_duration_ms(source, "telemetry_interval", 1000);

	const char *route = host->config_string(source, "route");
	if (route != NULL && *route != '\0') {
		char *error = NULL;
		GArray *points = telemetry_parse_route(route, &error);
		if (points == NULL) {
			host->log(source, WALL_LOG_ERROR, "%s", error);
			g_free(error);
			return false;
		}
		telemetry_store_set_route(drone->store, (struct geo_point *)points->data,
					  points->len);
		g_array_free(points, TRUE);
		drone->layout_route = true;
	}

	const char *image = host->config_string(source, "map_image");
	const char *bounds = host->config_string(source, "map_bounds");
	if (image != NULL && *image != '\0') {
		if (bounds == NULL || !read_point_pair(bounds, &drone->background.north_west,
						       &drone->background.south_east)) {
			host->log(source, WALL_LOG_ERROR,
				  "map_image needs map_bounds: [[north-west lat, lon], "
				  "[south-east lat, lon]]");
			return false;
		}
		drone->background.image = cairo_image_surface_create_from_png(image);
		if (cairo_surface_status(drone->background.image) != CAIRO_STATUS_SUCCESS) {
			host->log(source, WALL_LOG_ERROR, "cannot read the map image %s", image);
			return false;
		}
		drone->has_background = true;
	}

	const char *clock = host->config_string(source, "clock");
	if (clock != NULL && *clock != '\0') {
		GDateTime *time = g_date_time_new_from_iso8601(clock, NULL);
		if (time == NULL) {
			host->log(source, WALL_LOG_ERROR,
				  "clock must be an ISO 8601 time with its zone: %s", clock);
			return false;
		}
		drone->clock_us = g_date_time_to_unix(time) * G_USEC_PER_SEC +
				  g_date_time_get_microsecond(time);
		g_date_time_unref(time);
	}
	return true;
}

/* Plugin callbacks. */

static void drone_free(struct drone *drone)
{
	/* The thread first: it reads everything below. */
	wall_worker_stop(drone->worker);
	g_free(drone->telemetry_url);
	g_free(drone->mavlink_url);
	if (drone->background.image != NULL) {
		cairo_surface_destroy(drone->background.image);
	}
	telemetry_store_free(drone->store);
	g_mutex_clear(&drone->lock);
	g_free(drone);
}

/* A telemetry-only tile still needs a picture under its overlay. */
static const uint32_t plain_pixels[4] = {0xff0c1218, 0xff0c1218, 0xff0c1218, 0xff0c1218};

static void *drone_create(const struct wall_host *host, struct wall_source *source)
{
	if (!WALL_HOST_HAS(host, push_overlay)) {
		host->log(source, WALL_LOG_ERROR, "this wall is too old for drone tiles (no overlays)");
		return NULL;
	}
	struct drone *drone = g_new0(struct drone, 1);
	drone->host = host;
	drone->source = source;
	g_mutex_init(&drone->lock);
	drone->store = telemetry_store_new();
	drone->view_width_px = DEFAULT_VIEW_WIDTH;
	drone->view_height_px = DEFAULT_VIEW_HEIGHT;
	if (!read_options(drone)) {
		goto fail;
	}

	const char *video = host->config_string(source, "video");
	if (video != NULL && *video != '\0') {
		struct stream_params params = {
			.url_option = "video",
			.status_prefix = "video",
			.klv = host->config_int(source, "klv", 1) ? on_klv : NULL,
			.user = drone,
		};
		drone->stream = stream_create(host, source, &params);
		if (drone->stream == NULL) {
			goto fail;
		}
	} else {
		struct wall_frame frame = {
			.format = WALL_PIXEL_FORMAT_BGRA,
			.width_px = 2,
			.height_px = 2,
			.planes = {(const uint8_t *)plain_pixels},
			.strides = {8},
			.flags = WALL_FRAME_ANY_ASPECT,
		};
		host->push_frame(source, &frame);
		host->set_state(source, WALL_SOURCE_STATE_LIVE, NULL);
	}

	drone->worker = wall_worker_new();
	char *name = g_strdup_printf("drone %s", host->source_name(source));
	wall_worker_start(drone->worker, name, start, stop, drone);
	g_free(name);
	return drone;

fail:
	drone_free(drone);
	return NULL;
}

static void drone_destroy(void *instance)
{
	struct drone *drone = instance;
	if (drone == NULL) {
		return;
	}
	/* The stream first: its KLV callback writes the store. */
	stream_destroy(drone->stream);
	drone_free(drone);
}

static void drone_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	struct drone *drone = instance;
	if (width_px > 0 && height_px > 0) {
		g_mutex_lock(&drone->lock);
		drone->view_width_px = MIN(width_px, 4096u);
		drone->view_height_px = MIN(height_px, 4096u);
		g_mutex_unlock(&drone->lock);
	}
	if (drone->stream != NULL) {
		stream_set_view_size(drone->stream, width_px, height_px);
	}
}

static void add_count(wall_status_fn add, void *user, const char *key, uint64_t value)
{
	char text[32];
	g_snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT, value);
	add(user, key, text);
}

static void drone_status(void *instance, wall_status_fn add, void *user)
{
	struct drone *drone = instance;
	static const char *const input_words[] = {"-", "none", "mqtt", "mavlink", "file"};
	struct telemetry_view view;
	telemetry_store_view(drone->store, &view);
	int64_t updated = view.now.updated_real_us;
	g_mutex_lock(&drone->lock);
	bool stale = drone->stale;
	uint64_t klv = drone->klv_packets;
	uint64_t klv_rejected = drone->klv_rejected;
	uint64_t overlays = drone->overlays;
	struct mavlink_counts counts = drone->mavlink_counts;
	g_mutex_unlock(&drone->lock);

	if (drone->mavlink_url != NULL) {
		char both[32];
		g_snprintf(both, sizeof(both), "%s+mavlink", input_words[drone->input]);
		add(user, "telemetry_input", both);
	} else {
		add(user, "telemetry_input", input_words[drone->input]);
	}
	add(user, "telemetry", updated == 0 ? "waiting" : stale ? "stale" : "live");
	if (updated != 0) {
		add_count(add, user, "telemetry_age_ms",
			  (uint64_t)MAX(0, now_real_us(drone) - updated) / 1000);
		/* What the HUD shows, for operators' status queries and for tests. */
		add(user, "telemetry_from", view.now.input);
		if (view.now.mode[0] != '\0') {
			add(user, "mode", view.now.mode);
		}
	}
	if (view.now.has_position) {
		char position[64];
		char lat[G_ASCII_DTOSTR_BUF_SIZE];
		char lon[G_ASCII_DTOSTR_BUF_SIZE];
		g_snprintf(position, sizeof(position), "%s,%s",
			   g_ascii_formatd(lat, sizeof(lat), "%.7f", view.now.position.lat_deg),
			   g_ascii_formatd(lon, sizeof(lon), "%.7f", view.now.position.lon_deg));
		add(user, "position", position);
	}
	if (view.now.waypoint >= 0) {
		add_count(add, user, "waypoint", (uint64_t)view.now.waypoint);
	}
	add_count(add, user, "route_points", view.route != NULL ? view.route->len : 0);
	telemetry_view_clear(&view);
	add_count(add, user, "overlays", overlays);
	if (drone->input == INPUT_KIND_MQTT && drone->mqtt != NULL) {
		uint64_t messages;
		uint64_t rejected;
		mqtt_input_counts(drone->mqtt, &messages, &rejected);
		add(user, "mqtt", mqtt_input_connected(drone->mqtt) ? "connected" : "disconnected");
		add_count(add, user, "mqtt_messages", messages);
		add_count(add, user, "mqtt_rejected", rejected);
	}
	if (drone->input == INPUT_KIND_MAVLINK || drone->mavlink_url != NULL) {
		add_count(add, user, "mavlink_messages", counts.messages);
		add_count(add, user, "mavlink_bad_checksum", counts.bad_checksum);
		add_count(add, user, "mavlink_unknown", counts.unknown);
		add_count(add, user, "mavlink_truncated", counts.truncated);
	}
	if (drone->stream != NULL) {
		add_count(add, user, "klv_packets", klv);
		add_count(add, user, "klv_rejected", klv_rejected);
		stream_status(drone->stream, add, user);
	}
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "drone",
	.description = "a drone's video with a telemetry HUD and a patrol-route map",
	.options = options,
	.create = drone_create,
	.destroy = drone_destroy,
	.status = drone_status,
	.set_view_size = drone_set_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
