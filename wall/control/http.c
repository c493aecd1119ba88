#include "http.h"

#include <libsoup/soup.h>
#include <string.h>

#include "http_report.h"
#include "json_write.h"
#include "log.h"
#include "metrics.h"
#include "stats.h"
#include "web.h"

struct wall_http {
	SoupServer *server;
	char *token;
	struct wall_camera_health *cameras;
	/* The web remote's pages and WebSocket; NULL for none. */
	struct wall_web *web;
};

static bool parse_address(const char *address, GInetAddress **inet, guint16 *port, GError **error)
{
	const char *colon = strrchr(address, ':');
	char *end = NULL;
	guint64 number = colon != NULL ? g_ascii_strtoull(colon + 1, &end, 10) : 0;
	if (colon == NULL || end == colon + 1 || *end != '\0' || number > 65535) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "--http %s: expected HOST:PORT, like 127.0.0.1:9100", address);
		return false;
	}
	char *host = g_strndup(address, (gsize)(colon - address));
	if (host[0] == '[' && g_str_has_suffix(host, "]")) {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	*inet = strcmp(host, "localhost") == 0 ? g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)
	                                       : g_inet_address_new_from_string(host);
	g_free(host);
	if (*inet == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "--http %s: the host must be an IP address or localhost", address);
		return false;
	}
	*port = (guint16)number;
	return true;
}

/* Constant time, so the token cannot be guessed byte by byte from timing. */
static bool authorized(struct wall_http *http, SoupServerMessage *msg)
{
	if (http->token == NULL) {
		return true;
	}
	const char *header = soup_message_headers_get_one(
	        soup_server_message_get_request_headers(msg), "Authorization");
	char *expected = g_strconcat("Bearer ", http->token, NULL);
	size_t length = strlen(expected);
	bool ok = header != NULL && strlen(header) == length;
	unsigned char diff = 0;
	for (size_t i = 0; ok && i < length; i++) {
		diff |= (unsigned char)(header[i] ^ expected[i]);
	}
	g_free(expected);
	return ok && diff == 0;
}

static void append_label(GString *text, const char *name, const char *value, bool first)
{
	g_string_append_printf(text, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value != NULL ? value : ""; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"') {
			g_string_append_c(text, '\\');
			g_string_append_c(text, *p);
		} else if (*p == '\n') {
			g_string_append(text, "\\n");
		} else {
			g_string_append_c(text, *p);
		}
	}
	g_string_append_c(text, '"');
}

struct scrape {
	GString *online;
	GString *known;
	GString *since;
	GString *fps;
	GString *bitrate;
	GString *reconnects;
	GString *problem;
	/* District names seen, for wall_online_rate. */
	GPtrArray *districts;
	/* District ("" for the whole wall) -> struct coverage *. */
	GHashTable *coverage;
};

/* Cameras of a group, and those 优质: online with a checked picture that passed. */
struct coverage {
	int cameras;
	int good;
};

static void count_coverage(GHashTable *table, const char *district, bool good)
{
	struct coverage *group = g_hash_table_lookup(table, district);
	if (group == NULL) {
		group = g_new0(struct coverage, 1);
		g_hash_table_insert(table, g_strdup(district), group);
	}
	group->cameras++;
	group->good += good ? 1 : 0;
}

static void scrape_camera(void *user, const struct wall_camera_seen *camera)
{
	struct scrape *scrape = user;
	g_string_append(scrape->online, "wall_camera_online{");
	append_label(scrape->online, "source", camera->source, true);
	append_label(scrape->online, "district", camera->district, false);
	append_label(scrape->online, "town", camera->town, false);
	g_string_append_printf(scrape->online, "} %d\n", camera->state == WALL_CAMERA_ONLINE);
	g_string_append(scrape->known, "wall_camera_known{");
	append_label(scrape->known, "source", camera->source, true);
	g_string_append_printf(scrape->known, "} %d\n", camera->state != WALL_CAMERA_UNKNOWN);
	g_string_append(scrape->since, "wall_camera_since_seconds{");
	append_label(scrape->since, "source", camera->source, true);
	g_string_append_printf(scrape->since, "} %.3f\n", camera->since_us / 1e6);
	if (camera->fps >= 0) {
		g_string_append(scrape->fps, "wall_camera_fps{");
		append_label(scrape->fps, "source", camera->source, true);
		g_string_append_printf(scrape->fps, "} %.1f\n", camera->fps);
	}
	if (camera->bitrate_kbps >= 0) {
		g_string_append(scrape->bitrate, "wall_camera_bitrate_kbps{");
		append_label(scrape->bitrate, "source", camera->source, true);
		g_string_append_printf(scrape->bitrate, "} %.0f\n", camera->bitrate_kbps);
	}
	if (camera->reconnects >= 0) {
		g_string_append(scrape->reconnects, "wall_camera_reconnects{");
		append_label(scrape->reconnects, "source", camera->source, true);
		g_string_append_printf(scrape->reconnects, "} %.0f\n", camera->reconnects);
	}
	for (int check = 0; check < WALL_CHECK_COUNT && camera->problems >= 0; check++) {
		g_string_append(scrape->problem, "wall_camera_problem{");
		append_label(scrape->problem, "source", camera->source, true);
		append_label(scrape->problem, "check", wall_quality_check_name(check), false);
		g_string_append_printf(scrape->problem, "} %d\n", (camera->problems >> check) & 1);
	}
	bool good = camera->state == WALL_CAMERA_ONLINE && camera->problems == 0;
	count_coverage(scrape->coverage, "", good);
	if (camera->district != NULL) {
		count_coverage(scrape->coverage, camera->district, good);
	}
	if (camera->district != NULL) {
		bool seen = false;
		for (guint i = 0; i < scrape->districts->len && !seen; i++) {
			seen = strcmp(scrape->districts->pdata[i], camera->district) == 0;
		}
		if (!seen) {
			g_ptr_array_add(scrape->districts, g_strdup(camera->district));
		}
	}
}

static void append_family(GString *text, const char *name, const char *help, GString *samples)
{
	g_string_append_printf(text, "# HELP %s %s\n# TYPE %s gauge\n%s", name, help, name,
	                       samples->str);
}

static void append_rate(GString *text, const char *metric, const char *district)
{
	double percent;
	if (wall_metrics_get(metric, &percent)) {
		g_string_append(text, "wall_online_rate{");
		append_label(text, "district", district, true);
		g_string_append_printf(text, "} %.4f\n", percent / 100.0);
	}
}

static void append_frames(GString *text)
{
	double value;
	if (wall_metrics_get("wall.frames", &value)) {
		g_string_append_printf(text,
		                       "# HELP wall_frames_total Frames presented.\n"
		                       "# TYPE wall_frames_total counter\nwall_frames_total %.0f\n",
		                       value);
	}
	if (wall_metrics_get("wall.late_frames", &value)) {
		g_string_append_printf(text,
		                       "# HELP wall_late_frames_total Frames that missed their "
		                       "deadline.\n# TYPE wall_late_frames_total counter\n"
		                       "wall_late_frames_total %.0f\n",
		                       value);
	}
	double reads, read_ms;
	if (wall_metrics_get("web.miniatures", &reads) &&
	    wall_metrics_get("web.miniature_read_ms", &read_ms)) {
		g_string_append_printf(
		        text,
		        "# HELP wall_miniature_reads_total Canvases copied on the "
		        "render thread for the web remote's miniature.\n"
		        "# TYPE wall_miniature_reads_total counter\n"
		        "wall_miniature_reads_total %.0f\n"
		        "# HELP wall_miniature_read_seconds_total Render-thread time "
		        "those copies took.\n"
		        "# TYPE wall_miniature_read_seconds_total counter\n"
		        "wall_miniature_read_seconds_total %.6f\n",
		        reads, read_ms / 1000.0);
	}
	double encode_ms;
	if (wall_metrics_get("web.miniature_encode_ms", &encode_ms)) {
		g_string_append_printf(
		        text,
		        "# HELP wall_miniature_encode_seconds_total Time scaling and "
		        "encoding them took, off the render thread.\n"
		        "# TYPE wall_miniature_encode_seconds_total counter\n"
		        "wall_miniature_encode_seconds_total %.6f\n",
		        encode_ms / 1000.0);
	}
	double p50, p99;
	if (wall_metrics_get("wall.render_ms_p50", &p50) &&
	    wall_metrics_get("wall.render_ms_p99", &p99)) {
		g_string_append_printf(text,
		                       "# HELP wall_render_seconds Time to render a frame.\n"
		                       "# TYPE wall_render_seconds gauge\n"
		                       "wall_render_seconds{quantile=\"0.5\"} %.6f\n"
		                       "wall_render_seconds{quantile=\"0.99\"} %.6f\n",
		                       p50 / 1000.0, p99 / 1000.0);
	}
}

static char *metrics_text(struct wall_http *http)
{
	struct scrape scrape = {
	        .online = g_string_new(NULL),
	        .known = g_string_new(NULL),
	        .since = g_string_new(NULL),
	        .fps = g_string_new(NULL),
	        .bitrate = g_string_new(NULL),
	        .reconnects = g_string_new(NULL),
	        .problem = g_string_new(NULL),
	        .districts = g_ptr_array_new_with_free_func(g_free),
	        .coverage = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	};
	wall_camera_health_foreach(http->cameras, scrape_camera, &scrape);
	GString *text = g_string_new(NULL);
	append_family(text, "wall_camera_online",
	              "1 while the camera shows live pictures, else 0 (offline or unknown).",
	              scrape.online);
	append_family(text, "wall_camera_known", "0 while the wall cannot know the state.",
	              scrape.known);
	append_family(text, "wall_camera_since_seconds", "Unix time the camera's state began.",
	              scrape.since);
	append_family(
	        text, "wall_camera_fps",
	        "Pictures a second, cameras running now (else over the last inspection visit).",
	        scrape.fps);
	append_family(text, "wall_camera_bitrate_kbps",
	              "Received kilobits a second, running now or over the last inspection visit.",
	              scrape.bitrate);
	append_family(text, "wall_camera_reconnects",
	              "Reconnects of the camera's stream since it started.", scrape.reconnects);
	GString *rates = g_string_new(NULL);
	append_rate(rates, "inspection.online_rate.day", "all");
	for (guint i = 0; i < scrape.districts->len; i++) {
		const char *district = scrape.districts->pdata[i];
		char *name = g_strdup_printf("inspection.district.%s.online_rate.day", district);
		append_rate(rates, name, district);
		g_free(name);
	}
	append_family(text, "wall_online_rate",
	              "Online time over known time today, 0..1; district=\"all\" is the wall.",
	              rates);
	append_family(text, "wall_camera_problem",
	              "1 when the camera's last inspection visit (or checked picture) failed the "
	              "check, else 0.",
	              scrape.problem);
	GString *coverage = g_string_new(NULL);
	GHashTableIter iter;
	void *key, *value;
	g_hash_table_iter_init(&iter, scrape.coverage);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const struct coverage *group = value;
		g_string_append(coverage, "wall_quality_coverage{");
		append_label(coverage, "district", ((char *)key)[0] != '\0' ? key : "all", true);
		g_string_append_printf(coverage, "} %.4f\n", (double)group->good / group->cameras);
	}
	append_family(text, "wall_quality_coverage",
	              "Share of cameras online whose last visit passed every check (优质), 0..1.",
	              coverage);
	g_string_free(coverage, TRUE);
	g_hash_table_unref(scrape.coverage);
	g_string_free(scrape.problem, TRUE);
	append_frames(text);
	g_string_free(rates, TRUE);
	g_string_free(scrape.online, TRUE);
	g_string_free(scrape.known, TRUE);
	g_string_free(scrape.since, TRUE);
	g_string_free(scrape.fps, TRUE);
	g_string_free(scrape.bitrate, TRUE);
	g_string_free(scrape.reconnects, TRUE);
	g_ptr_array_unref(scrape.districts);
	return g_string_free(text, FALSE);
}

static void json_camera(void *user, const struct wall_camera_seen *camera)
{
	JsonBuilder *builder = user;
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "source", camera->source);
	wall_json_set_string(builder, "district", camera->district);
	wall_json_set_string(builder, "town", camera->town);
	wall_json_set_string(builder, "state", wall_camera_state_name(camera->state));
	wall_json_set_string(builder, "reason", camera->reason);
	json_builder_set_member_name(builder, "since_us");
	json_builder_add_int_value(builder, camera->since_us);
	char *name = g_strdup_printf("inspection.camera.%s.online_rate.day", camera->source);
	double percent;
	json_builder_set_member_name(builder, "online_rate_today");
	if (wall_metrics_get(name, &percent)) {
		json_builder_add_double_value(builder, percent / 100.0);
	} else {
		json_builder_add_null_value(builder);
	}
	g_free(name);
	json_builder_end_object(builder);
}

char *wall_http_cameras_json(struct wall_camera_health *cameras)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "cameras");
	json_builder_begin_array(builder);
	wall_camera_health_foreach(cameras, json_camera, builder);
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

static void on_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer data)
{
	(void)server;
	struct wall_http *http = data;
	const char *method = soup_server_message_get_method(msg);
	/* The remote's pages log in with their own users and a session cookie. */
	if (http->web != NULL && wall_web_handle(http->web, msg, path)) {
		return;
	}
	if (!authorized(http, msg)) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
		                             "WWW-Authenticate", "Bearer");
		soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	char *body = NULL;
	const char *type = NULL;
	if (strcmp(path, "/metrics") == 0) {
		body = metrics_text(http);
		type = "text/plain; version=0.0.4; charset=utf-8";
	} else if (strcmp(path, "/api/cameras") == 0) {
		body = wall_http_cameras_json(http->cameras);
		type = "application/json";
	} else if (strcmp(path, "/api/report") == 0) {
		/* Answered later, from a thread of its own. */
		wall_http_report(msg, query, http->cameras);
		return;
	} else {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_TAKE, body, strlen(body));
}

struct wall_http *wall_http_start(const char *address, const char *token,
                                  struct wall_camera_health *cameras, struct wall_web *web,
                                  GError **error)
{
	GInetAddress *inet = NULL;
	guint16 port = 0;
	if (!parse_address(address, &inet, &port, error)) {
		return NULL;
	}
	if (!g_inet_address_get_is_loopback(inet) && token == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
		            "--http %s reaches beyond this machine: give --token-file FILE so "
		            "clients must send Authorization: Bearer <token>",
		            address);
		g_object_unref(inet);
		return NULL;
	}
	struct wall_http *http = g_new0(struct wall_http, 1);
	http->token = g_strdup(token);
	http->cameras = cameras;
	http->web = web;
	http->server = soup_server_new("server-header", "wall", NULL);
	soup_server_add_handler(http->server, NULL, on_request, http, NULL);
	if (web != NULL) {
		wall_web_attach(web, http->server);
	}
	GSocketAddress *socket_address = g_inet_socket_address_new(inet, port);
	bool ok = soup_server_listen(http->server, socket_address, 0, error);
	g_object_unref(socket_address);
	g_object_unref(inet);
	if (!ok) {
		g_prefix_error(error, "--http %s: ", address);
		wall_http_stop(http);
		return NULL;
	}
	wall_info("http: serving /metrics, /api/cameras, /api/report%s on %s%s",
	          web != NULL ? " and the web remote" : "", address,
	          token != NULL ? " (Bearer token required)" : "");
	return http;
}

void wall_http_stop(struct wall_http *http)
{
	if (http == NULL) {
		return;
	}
	soup_server_disconnect(http->server);
	g_object_unref(http->server);
	g_free(http->token);
	g_free(http);
}

void wall_http_publish_stats(const struct wall_stats *stats)
{
	wall_metrics_set("wall.frames", (double)wall_stats_frames(stats));
	wall_metrics_set("wall.late_frames", (double)wall_stats_late(stats));
	wall_metrics_set("wall.render_ms_p50", wall_stats_render_ms(stats, 0.5));
	wall_metrics_set("wall.render_ms_p99", wall_stats_render_ms(stats, 0.99));
}
