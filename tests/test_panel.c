/*
 * The panel plugin through the host, in this process: a data update
 * through each way in (a file change, an HTTP server on loopback, a
 * pushed document, a wall metric), checked on the frames it pushes;
 * stale data, bad JSON, HTTP 500 and a timeout, each shown while the last
 * good values stay; and the cost of a panel: one redraw, one push, per
 * change, and a ticker that pushes frames only while it scrolls.
 *
 * What a panel shows is read two ways: its status (value, error, stale),
 * and the colours of the picture it pushed.
 */
#include <dlfcn.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "datastore.h"
#include "metrics.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

/* The theme's defaults, as the plugin declares them. */
#define GOOD_ARGB 0xff2ecc71u
#define WARN_ARGB 0xfff5a623u
#define BAD_ARGB 0xffff4d4fu

#define WIDTH_PX 320
#define HEIGHT_PX 180
/* Generous: the sanitized build on a busy machine is slow. */
#define WAIT_US (15 * G_USEC_PER_SEC)

static struct wall_plugin_registry *registry;

/* A shown panel of WIDTH_PX x HEIGHT_PX; options as name, value pairs. */
static struct wall_source *start_panel(struct wall_layout_source *config)
{
	struct wall_source *source = wall_source_create(config, registry);
	wall_test_config_free(config);
	struct wall_source_health health;
	wall_source_get_health(source, &health);
	if (health.state == WALL_SOURCE_STATE_ERROR) {
		g_error("panel failed to start: %s", health.reason);
	}
	g_free(health.reason);
	wall_source_set_view_size(source, WIDTH_PX, HEIGHT_PX);
	wall_source_set_visible(source, true);
	return source;
}

static void add_status(void *user, const char *key, const char *value)
{
	g_hash_table_replace(user, g_strdup(key), g_strdup(value));
}

/* The panel's status value for key, or NULL (g_free). */
static char *status_of(struct wall_source *source, const char *key)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	wall_source_status(source, add_status, table);
	char *value = g_strdup(g_hash_table_lookup(table, key));
	g_hash_table_destroy(table);
	return value;
}

/* Turn this thread's main loop (the HTTP server) for a moment. */
static void spin(void)
{
	while (g_main_context_iteration(NULL, FALSE)) {
	}
	g_usleep(10000);
}

/* Wait until status key contains want (or, with want NULL, is absent). */
static void wait_status(struct wall_source *source, const char *key, const char *want)
{
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	char *value = NULL;
	while (g_get_monotonic_time() < deadline) {
		g_free(value);
		value = status_of(source, key);
		if (want == NULL ? value == NULL : value != NULL && strstr(value, want) != NULL) {
			g_free(value);
			return;
		}
		spin();
	}
	g_error("status %s is \"%s\", waited for \"%s\"", key, value != NULL ? value : "(none)",
		want != NULL ? want : "(none)");
}

/* Status key contains want now. */
static void assert_status(struct wall_source *source, const char *key, const char *want)
{
	char *value = status_of(source, key);
	g_assert_nonnull(value);
	if (strstr(value, want) == NULL) {
		g_error("status %s is \"%s\", expected \"%s\"", key, value, want);
	}
	g_free(value);
}

static int redraws_of(struct wall_source *source)
{
	char *text = status_of(source, "redraws");
	int redraws = text != NULL ? atoi(text) : -1;
	g_free(text);
	return redraws;
}

/*
 * The newest picture the panel pushed, once its redraws have settled into
 * the mailbox, as a surface of its own (destroy it).
 */
static cairo_surface_t *screen_of(struct wall_source *source)
{
	static struct wall_frame_ref *kept;
	/* A picture already taken stays on screen until a newer one comes. */
	int64_t deadline = g_get_monotonic_time() + WAIT_US;
	uint64_t pushed = 0;
	while (g_get_monotonic_time() < deadline) {
		wall_source_get_counts(source, &pushed, NULL);
		if ((int)pushed == redraws_of(source)) {
			break;
		}
		spin();
	}
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	if (ref != NULL) {
		wall_frame_ref_unref(kept);
		kept = ref;
	}
	g_assert_nonnull(kept);
	const struct wall_frame *frame = &kept->frame;
	g_assert_cmpint(frame->format, ==, WALL_PIXEL_FORMAT_BGRA);
	g_assert_cmpuint(frame->width_px, ==, WIDTH_PX);
	g_assert_cmpuint(frame->height_px, ==, HEIGHT_PX);
	cairo_surface_t *copy =
		cairo_image_surface_create(CAIRO_FORMAT_ARGB32, WIDTH_PX, HEIGHT_PX);
	for (uint32_t y = 0; y < HEIGHT_PX; y++) {
		memcpy(cairo_image_surface_get_data(copy) +
			       y * cairo_image_surface_get_stride(copy),
		       frame->planes[0] + y * frame->strides[0], WIDTH_PX * 4);
	}
	cairo_surface_mark_dirty(copy);
	return copy;
}

/* How many pixels of the picture are near argb. */
static int count_color(cairo_surface_t *surface, uint32_t argb)
{
	int count = 0;
	for (int y = 0; y < HEIGHT_PX; y++) {
		for (int x = 0; x < WIDTH_PX; x++) {
			count += wall_test_color_near(wall_test_pixel(surface, x, y), argb, 12);
		}
	}
	return count;
}

/* The marker bar along the top of the panel is in argb. */
static void assert_top_bar(cairo_surface_t *surface, uint32_t argb)
{
	g_assert_true(wall_test_color_near(wall_test_pixel(surface, WIDTH_PX / 2, 1), argb, 4));
}

static void write_file(const char *path, const char *text)
{
	/* Written in place, as report scripts do, and watched for by the panel. */
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* ---- A file change, bad JSON, a missing field, stale data ---- */

static void test_file(void)
{
	char *path = wall_test_temp_path("rate.json");
	write_file(path, "{\"rate\": 91.5}");
	char *data = g_strconcat("file:", path, NULL);
	struct wall_source *source = start_panel(wall_test_config(
		"rate", "panel", "chart", "gauge", "data", data, "path", "$.rate", "title",
		"视频在线率", NULL));
	wait_status(source, "value", "91.5");
	cairo_surface_t *before = screen_of(source);
	/* 91.5 is between the thresholds: an amber ring, no green. */
	g_assert_cmpint(count_color(before, WARN_ARGB), >, 500);
	g_assert_cmpint(count_color(before, GOOD_ARGB), <, 20);

	write_file(path, "{\"rate\": 99.2}");
	wait_status(source, "value", "99.2");
	cairo_surface_t *after = screen_of(source);
	g_assert_cmpint(count_color(after, GOOD_ARGB), >, 500);
	assert_status(source, "stale", "false");
	g_assert_null(status_of(source, "error"));

	/* Bad JSON: an error, and the last good ring stays. */
	write_file(path, "{\"rate\": 9");
	wait_status(source, "error", "bad JSON");
	assert_status(source, "value", "99.2");
	cairo_surface_t *bad = screen_of(source);
	g_assert_cmpint(count_color(bad, GOOD_ARGB), >, 500);
	assert_top_bar(bad, BAD_ARGB);

	/* A missing field: the same. */
	write_file(path, "{\"other\": 1}");
	wait_status(source, "error", "missing field");
	assert_status(source, "value", "99.2");

	/* Good data again clears the error. */
	write_file(path, "{\"rate\": 99.5}");
	wait_status(source, "value", "99.5");
	wait_status(source, "error", NULL);

	cairo_surface_destroy(bad);
	cairo_surface_destroy(after);
	cairo_surface_destroy(before);
	wall_source_destroy(source);
	g_free(data);
	g_free(path);
}

static void test_stale(void)
{
	char *path = wall_test_temp_path("stale.json");
	write_file(path, "{\"online\": 1284}");
	char *data = g_strconcat("file:", path, NULL);
	struct wall_source *source = start_panel(wall_test_config(
		"online", "panel", "chart", "number", "data", data, "path", "online",
		"stale_after", "600ms", NULL));
	wait_status(source, "value", "1284");
	wait_status(source, "stale", "true");
	assert_status(source, "value", "1284");
	cairo_surface_t *stale = screen_of(source);
	assert_top_bar(stale, WARN_ARGB);
	/* A fresh file is fresh data. */
	write_file(path, "{\"online\": 1290}");
	wait_status(source, "value", "1290");
	assert_status(source, "stale", "false");
	cairo_surface_destroy(stale);
	wall_source_destroy(source);
	g_free(data);
	g_free(path);
}

/* ---- HTTP: updates, 500, a timeout ---- */

struct server_state {
	unsigned status;
	char *body;
	/* Messages held unanswered, to make the panel time out. */
	GPtrArray *held;
};

static void serve(SoupServer *server, SoupServerMessage *message, const char *path,
		  GHashTable *query, void *user)
{
	struct server_state *state = user;
	if (state->status == 0) {
		soup_server_message_pause(message);
		g_ptr_array_add(state->held, g_object_ref(message));
		return;
	}
	soup_server_message_set_status(message, state->status, NULL);
	soup_server_message_set_response(message, "application/json", SOUP_MEMORY_COPY,
					 state->body, strlen(state->body));
}

static void set_reply(struct server_state *state, unsigned status, const char *body)
{
	state->status = status;
	g_free(state->body);
	state->body = g_strdup(body);
}

/* Listen on a free loopback port; the server's base URL (g_free it). */
static char *listen_local(SoupServer *server)
{
	GError *error = NULL;
	g_assert_true(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error(error);
	GSList *uris = soup_server_get_uris(server);
	char *base = g_uri_to_string(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return base;
}

static void test_http(void)
{
	struct server_state state = {.held = g_ptr_array_new()};
	set_reply(&state, 200, "{\"data\": {\"online\": 412}}");
	SoupServer *server = soup_server_new(NULL, NULL);
	soup_server_add_handler(server, "/figures", serve, &state, NULL);
	char *base = listen_local(server);
	char *url = g_strconcat(base, "figures", NULL);

	struct wall_source *source = start_panel(wall_test_config(
		"online", "panel", "chart", "number", "data", url, "path", "data.online",
		"interval", "100ms", "timeout", "400ms", "unit", "路", NULL));
	wait_status(source, "value", "412");
	set_reply(&state, 200, "{\"data\": {\"online\": 425}}");
	wait_status(source, "value", "425");
	/* Green for a rise: the change since the last value. */
	cairo_surface_t *rise = screen_of(source);
	g_assert_cmpint(count_color(rise, GOOD_ARGB), >, 50);

	set_reply(&state, 500, "oops");
	wait_status(source, "error", "HTTP 500");
	assert_status(source, "value", "425");
	cairo_surface_t *failed = screen_of(source);
	assert_top_bar(failed, BAD_ARGB);

	set_reply(&state, 200, "{\"data\": {\"online\": 430}}");
	wait_status(source, "value", "430");
	wait_status(source, "error", NULL);

	set_reply(&state, 0, NULL);
	wait_status(source, "error", "timed out");
	assert_status(source, "value", "430");

	set_reply(&state, 200, "{\"data\": {\"online\": 431}}");
	wait_status(source, "value", "431");
	wait_status(source, "error", NULL);

	wall_source_destroy(source);
	for (guint i = 0; i < state.held->len; i++) {
		SoupServerMessage *held = state.held->pdata[i];
		soup_server_message_set_status(held, 503, NULL);
		soup_server_message_unpause(held);
		g_object_unref(held);
	}
	spin();
	g_ptr_array_free(state.held, TRUE);
	soup_server_disconnect(server);
	g_object_unref(server);
	cairo_surface_destroy(failed);
	cairo_surface_destroy(rise);
	g_free(state.body);
	g_free(url);
	g_free(base);
}

/* ---- HTTP: a body too large, or without end ---- */

static const char endless_piece[8192] = "[";

/* Another piece as soon as one is written: the body never ends. */
static void write_more(SoupServerMessage *message, void *user)
{
	soup_message_body_append(soup_server_message_get_response_body(message),
				 SOUP_MEMORY_STATIC, endless_piece, sizeof(endless_piece));
}

static void serve_endless(SoupServer *server, SoupServerMessage *message, const char *path,
			  GHashTable *query, void *user)
{
	soup_server_message_set_status(message, 200, NULL);
	soup_message_headers_set_encoding(soup_server_message_get_response_headers(message),
					  SOUP_ENCODING_CHUNKED);
	/* The server keeps nothing it wrote, so only the panel could grow. */
	soup_message_body_set_accumulate(soup_server_message_get_response_body(message), FALSE);
	write_more(message, NULL);
	g_signal_connect(message, "wrote-chunk", G_CALLBACK(write_more), NULL);
}

static long rss_kib(void)
{
	char *status = NULL;
	g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	const char *line = strstr(status, "VmRSS:");
	g_assert_nonnull(line);
	long kib = strtol(line + strlen("VmRSS:"), NULL, 10);
	g_free(status);
	return kib;
}

static void test_http_too_large(void)
{
	struct server_state state = {.held = g_ptr_array_new()};
	/* 2 MiB with a Content-Length: refused from its headers. */
	char *big = g_strnfill(2 * 1024 * 1024, ' ');
	big[0] = '[';
	set_reply(&state, 200, big);
	g_free(big);
	SoupServer *server = soup_server_new(NULL, NULL);
	soup_server_add_handler(server, "/big", serve, &state, NULL);
	soup_server_add_handler(server, "/endless", serve_endless, NULL, NULL);
	char *base = listen_local(server);

	char *url = g_strconcat(base, "big", NULL);
	struct wall_source *source = start_panel(wall_test_config(
		"big", "panel", "chart", "number", "data", url, "interval", "100ms", NULL));
	wait_status(source, "error", "larger than 1024 KiB");
	wall_source_destroy(source);
	g_free(url);

	/*
	 * An endless body, and a deadline long enough that only the limit
	 * can end the read: the tile says why and the memory stays put.
	 */
	long before_kib = rss_kib();
	url = g_strconcat(base, "endless", NULL);
	source = start_panel(wall_test_config("endless", "panel", "chart", "number", "data", url,
					 "interval", "100ms", "timeout", "60s", NULL));
	wait_status(source, "error", "larger than 1024 KiB");
	/* Polled again and again, it never holds more than the limit. */
	for (int i = 0; i < 30; i++) {
		spin();
	}
	wait_status(source, "error", "larger than 1024 KiB");
	g_assert_cmpint(rss_kib() - before_kib, <, 64 * 1024);
	wall_source_destroy(source);
	spin();

	soup_server_disconnect(server);
	g_object_unref(server);
	g_ptr_array_free(state.held, TRUE);
	g_free(state.body);
	g_free(url);
	g_free(base);
}

/* ---- A pushed document ---- */

static void test_push(void)
{
	wall_data_set("ranking", "{\"districts\": [{\"name\": \"茂南区\", \"value\": 96.4}, "
				 "{\"name\": \"高新区\", \"value\": 71.0}]}");
	struct wall_source *source = start_panel(wall_test_config(
		"ranking", "panel", "chart", "bars", "data", "push:ranking", "path",
		"$.districts", "interval", "50ms", "leaders", "1", "laggards", "1", NULL));
	wait_status(source, "value", "高新区");
	cairo_surface_t *two = screen_of(source);
	g_assert_cmpint(count_color(two, BAD_ARGB), >, 100);

	wall_data_set("ranking", "{\"districts\": [{\"name\": \"茂南区\", \"value\": 96.4}, "
				 "{\"name\": \"电白区\", \"value\": 88.2}, "
				 "{\"name\": \"高新区\", \"value\": 93.0}]}");
	wait_status(source, "value", "电白区");
	/* The last place is now 电白区, still red; the leader green. */
	cairo_surface_t *three = screen_of(source);
	g_assert_cmpint(count_color(three, GOOD_ARGB), >, 100);
	g_assert_cmpint(count_color(three, BAD_ARGB), >, 100);

	/* Rows without their numbers: an error, and the ranking stays. */
	wall_data_set("ranking", "{\"districts\": [{\"name\": \"茂南区\"}]}");
	wait_status(source, "error", "no number");
	wait_status(source, "value", "电白区");

	cairo_surface_destroy(three);
	cairo_surface_destroy(two);
	wall_source_destroy(source);
	wall_data_clear();
}

/* ---- A wall metric, published by another plugin ---- */

static void test_metric(void)
{
	/* testvalid hands out the host table it was given, to publish with. */
	g_assert_nonnull(wall_plugin_registry_get(registry, "testvalid", NULL));
	char *so = g_build_filename(WALL_TEST_PLUGIN_DIR, "testvalid.so", NULL);
	void *handle = dlopen(so, RTLD_NOW | RTLD_NOLOAD);
	g_assert_nonnull(handle);
	g_free(so);
	struct wall_layout_source *feed_config = wall_test_config("health", "testvalid", NULL);
	struct wall_source *feed = wall_source_create(feed_config, registry);
	wall_test_config_free(feed_config);
	const struct wall_host *host = *(const struct wall_host **)dlsym(handle, "testvalid_host");
	struct wall_source *feed_source = *(struct wall_source **)dlsym(handle, "testvalid_source");

	struct wall_source *source = start_panel(wall_test_config(
		"rate", "panel", "chart", "gauge", "data", "wall:health.online_rate", "interval",
		"50ms", NULL));
	/* Nothing published yet: the panel waits, and says so. */
	wait_status(source, "waiting", "true");

	host->publish_metric(feed_source, "online_rate", 85.0);
	wait_status(source, "value", "85");
	cairo_surface_t *low = screen_of(source);
	g_assert_cmpint(count_color(low, BAD_ARGB), >, 300);
	host->publish_metric(feed_source, "online_rate", 99.0);
	wait_status(source, "value", "99");
	cairo_surface_t *high = screen_of(source);
	g_assert_cmpint(count_color(high, GOOD_ARGB), >, 300);

	cairo_surface_destroy(high);
	cairo_surface_destroy(low);
	wall_source_destroy(source);
	wall_source_destroy(feed);
	dlclose(handle);
	wall_metrics_clear();
}

/* ---- Cost ---- */

/* Pushed frames never outrun redraws: every frame is a redraw. */
static void assert_pushes_are_redraws(struct wall_source *source)
{
	uint64_t pushed = 0;
	wall_source_get_counts(source, &pushed, NULL);
	g_assert_cmpint((int)pushed, ==, redraws_of(source));
}

static void test_one_redraw_per_update(void)
{
	wall_data_set("kpi", "{\"v\": 0}");
	struct wall_source *source = start_panel(wall_test_config(
		"kpi", "panel", "chart", "number", "data", "push:kpi", "path", "v", "interval",
		"50ms", NULL));
	wait_status(source, "value", "0");
	/* Settle: the first picture may take two redraws (size, then data). */
	g_usleep(300000);
	int start = redraws_of(source);
	const int updates = 5;
	for (int i = 1; i <= updates; i++) {
		char *json = g_strdup_printf("{\"v\": %d}", i);
		char *want = g_strdup_printf("%d", i);
		wall_data_set("kpi", json);
		wait_status(source, "value", want);
		/* The same value pushed again is no change: no redraw. */
		wall_data_set("kpi", json);
		g_usleep(150000);
		g_free(want);
		g_free(json);
	}
	int redraws = redraws_of(source) - start;
	/* One each; one more at most, when "as of" crossed a minute meanwhile. */
	g_assert_cmpint(redraws, >=, updates);
	g_assert_cmpint(redraws, <=, updates + 1);
	/* With nothing new, nothing is drawn. */
	int idle = redraws_of(source);
	g_usleep(600000);
	g_assert_cmpint(redraws_of(source), <=, idle + 1);
	assert_pushes_are_redraws(source);
	wall_source_destroy(source);
	wall_data_clear();
}

static void test_ticker_pushes_only_while_scrolling(void)
{
	struct wall_source *still = start_panel(wall_test_config(
		"still", "panel", "chart", "ticker", "text", "短讯", NULL));
	struct wall_source *moving = start_panel(wall_test_config(
		"moving", "panel", "chart", "ticker", "fps", "50", "text",
		"电白区水东街道 3 路摄像机离线，已派单处理；高州市云潭镇机库无人机按计划巡航；"
		"化州市河西街道视频巡查完成",
		NULL));
	wait_status(moving, "scrolling", "true");
	wait_status(still, "scrolling", "false");
	int still_before = redraws_of(still);
	int moving_before = redraws_of(moving);
	g_usleep(1000000);
	int still_after = redraws_of(still);
	int moving_after = redraws_of(moving);
	g_assert_cmpint(still_after, ==, still_before);
	/* About 50 in that second; a loaded machine may drop some. */
	g_assert_cmpint(moving_after - moving_before, >=, 10);
	g_assert_cmpint(moving_after - moving_before, <=, 55);

	/* Hidden, it stops. */
	wall_source_set_visible(moving, false);
	wait_status(moving, "scrolling", "false");
	int hidden = redraws_of(moving);
	g_usleep(300000);
	g_assert_cmpint(redraws_of(moving), ==, hidden);
	wall_source_set_visible(moving, true);
	wait_status(moving, "scrolling", "true");

	wall_source_destroy(moving);
	wall_source_destroy(still);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	char *panels = wall_test_build_path("plugins");
	const char *dirs[] = {panels, WALL_TEST_PLUGIN_DIR, NULL};
	registry = wall_plugin_registry_create(dirs);
	g_test_add_func("/panel/file", test_file);
	g_test_add_func("/panel/stale", test_stale);
	g_test_add_func("/panel/http", test_http);
	g_test_add_func("/panel/http-too-large", test_http_too_large);
	g_test_add_func("/panel/push", test_push);
	g_test_add_func("/panel/metric", test_metric);
	g_test_add_func("/panel/one-redraw-per-update", test_one_redraw_per_update);
	g_test_add_func("/panel/ticker-pushes-only-while-scrolling",
			test_ticker_pushes_only_while_scrolling);
	int status = g_test_run();
	wall_plugin_registry_destroy(registry);
	g_free(panels);
	return status;
}
