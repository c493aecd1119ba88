/*
 * Source instances and the host services they offer plugins: the
 * newest-wins mailbox, frame references, frame checks, config reading and
 * health, driven through the testvalid plugin's copy of the host table.
 */
#include <dlfcn.h>
#include <glib.h>
#include <string.h>

#include "metrics.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

struct fixture {
	struct wall_plugin_registry *registry;
	/* What testvalid exports about its last instance. */
	const struct wall_host *const *host;
	struct wall_source *const *plugin_source;
	const int *shows;
	const int *hides;
	const int *destroys;
	const uint32_t *view_width_px;
	const int *view_sizes;
	void *handle;
};

static void *symbol(struct fixture *fixture, const char *name)
{
	void *address = dlsym(fixture->handle, name);
	g_assert_nonnull(address);
	return address;
}

static void fixture_set_up(struct fixture *fixture, const void *data)
{
	const char *dirs[] = {WALL_TEST_PLUGIN_DIR, NULL};
	fixture->registry = wall_plugin_registry_create(dirs);
	g_assert_nonnull(wall_plugin_registry_get(fixture->registry, "testvalid", NULL));

	/* The registry has it open; this only finds it again. */
	char *path = g_build_filename(WALL_TEST_PLUGIN_DIR, "testvalid.so", NULL);
	fixture->handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	g_assert_nonnull(fixture->handle);
	g_free(path);
	fixture->host = symbol(fixture, "testvalid_host");
	fixture->plugin_source = symbol(fixture, "testvalid_source");
	fixture->shows = symbol(fixture, "testvalid_shows");
	fixture->hides = symbol(fixture, "testvalid_hides");
	fixture->destroys = symbol(fixture, "testvalid_destroys");
	fixture->view_width_px = symbol(fixture, "testvalid_view_width_px");
	fixture->view_sizes = symbol(fixture, "testvalid_view_sizes");
}

static void fixture_tear_down(struct fixture *fixture, const void *data)
{
	dlclose(fixture->handle);
	wall_plugin_registry_destroy(fixture->registry);
}

static struct wall_source *create_source(struct fixture *fixture, const char *plugin)
{
	struct wall_layout_source *config = wall_test_config("cam-01", plugin, NULL);
	struct wall_source *source = wall_source_create(config, fixture->registry);
	/* The source keeps its own copy. */
	wall_test_config_free(config);
	g_assert_nonnull(source);
	return source;
}

/* A frame whose release is counted. */
struct tracked {
	uint8_t pixels[4 * 4 * 4];
	gint releases;
};

static void count_release(void *data)
{
	struct tracked *tracked = data;
	g_atomic_int_inc(&tracked->releases);
}

static struct wall_frame bgra_frame(struct tracked *tracked)
{
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_BGRA,
		.width_px = 4,
		.height_px = 4,
		.planes = {tracked->pixels},
		.strides = {16},
		.release = count_release,
		.release_data = tracked,
	};
	return frame;
}

static void test_mailbox(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	const struct wall_host *host = *fixture->host;
	g_assert_true(*fixture->plugin_source == source);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_CONNECTING);
	g_assert_null(wall_source_take_frame(source));

	struct tracked frames[3] = {0};
	for (int i = 0; i < 3; i++) {
		struct wall_frame frame = bgra_frame(&frames[i]);
		g_assert_true(host->push_frame(source, &frame));
	}
	/* The first frame proves the source is connected. */
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);

	/* Only the newest survives; the two it replaced were released once. */
	g_assert_cmpint(frames[0].releases, ==, 1);
	g_assert_cmpint(frames[1].releases, ==, 1);
	g_assert_cmpint(frames[2].releases, ==, 0);
	uint64_t pushed = 0;
	uint64_t dropped = 0;
	wall_source_get_counts(source, &pushed, &dropped);
	g_assert_cmpuint(pushed, ==, 3);
	g_assert_cmpuint(dropped, ==, 2);

	struct wall_frame_ref *ref = wall_source_take_frame(source);
	g_assert_nonnull(ref);
	g_assert_cmpuint(ref->seq, ==, 3);
	g_assert_true(ref->frame.release_data == &frames[2]);
	g_assert_null(wall_source_take_frame(source));
	g_assert_cmpint(frames[2].releases, ==, 0);
	wall_frame_ref_unref(ref);
	g_assert_cmpint(frames[2].releases, ==, 1);

	/* A frame taken is not dropped; sequence numbers keep rising. */
	struct tracked fourth = {0};
	struct wall_frame frame = bgra_frame(&fourth);
	g_assert_true(host->push_frame(source, &frame));
	wall_source_get_counts(source, &pushed, &dropped);
	g_assert_cmpuint(dropped, ==, 2);

	/* Destroying the source releases the frame nobody took. */
	wall_source_destroy(source);
	g_assert_cmpint(fourth.releases, ==, 1);
	for (int i = 0; i < 3; i++) {
		g_assert_cmpint(frames[i].releases, ==, 1);
	}
}

static void test_refcount(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	struct tracked tracked = {0};
	struct wall_frame frame = bgra_frame(&tracked);
	g_assert_true((*fixture->host)->push_frame(source, &frame));

	struct wall_frame_ref *ref = wall_source_take_frame(source);
	/* Two tiles show the same frame. */
	struct wall_frame_ref *second = wall_frame_ref_ref(ref);
	g_assert_true(second == ref);
	wall_frame_ref_unref(ref);
	g_assert_cmpint(tracked.releases, ==, 0);
	/* The source may go first; the frame does not depend on it. */
	wall_source_destroy(source);
	g_assert_cmpint(tracked.releases, ==, 0);
	wall_frame_ref_unref(second);
	g_assert_cmpint(tracked.releases, ==, 1);
	wall_frame_ref_unref(NULL);
}

static void test_malformed(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	const struct wall_host *host = *fixture->host;
	static uint8_t pixels[64 * 64 * 2];

	struct wall_frame bad[7];
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		bad[i] = (struct wall_frame){
			.format = WALL_PIXEL_FORMAT_I420,
			.width_px = 16,
			.height_px = 16,
			.planes = {pixels, pixels + 256, pixels + 320},
			.strides = {16, 8, 8},
		};
	}
	bad[0].format = WALL_PIXEL_FORMAT_INVALID;
	bad[1].format = (enum wall_pixel_format)77;
	bad[2].width_px = 0;
	bad[3].planes[2] = NULL;
	bad[4].strides[1] = 7;
	bad[5].format = WALL_PIXEL_FORMAT_BGRA;
	bad[5].strides[0] = 63;
	bad[6].format = WALL_PIXEL_FORMAT_NV12;
	bad[6].strides[1] = 15;

	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct tracked tracked = {0};
		bad[i].release = count_release;
		bad[i].release_data = &tracked;
		g_assert_false(host->push_frame(source, &bad[i]));
		g_assert_cmpint(tracked.releases, ==, 1);
	}
	/* Refused frames never count, nor make the source live. */
	uint64_t pushed = 1;
	wall_source_get_counts(source, &pushed, NULL);
	g_assert_cmpuint(pushed, ==, 0);
	g_assert_null(wall_source_take_frame(source));
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_CONNECTING);

	/* A frame without release is refused without crashing. */
	bad[0].release = NULL;
	g_assert_false(host->push_frame(source, &bad[0]));

	/* The same planes as a well-formed frame are fine, NV12 and odd sizes too. */
	struct wall_frame good = bad[4];
	good.strides[1] = 8;
	good.release = NULL;
	g_assert_true(host->push_frame(source, &good));
	good.format = WALL_PIXEL_FORMAT_NV12;
	good.width_px = 15;
	good.strides[1] = 16;
	good.planes[2] = NULL;
	g_assert_true(host->push_frame(source, &good));
	wall_source_destroy(source);
}

static void test_config(struct fixture *fixture, const void *data)
{
	struct wall_layout_source *config =
		wall_test_config("panel-7", "testvalid", "title", "world", "count", "7", "enabled", "no",
			    "tint", "#ff0000", "delay", "2s", "ratio", "not a number", NULL);
	struct wall_source *source = wall_source_create(config, fixture->registry);
	wall_test_config_free(config);
	const struct wall_host *host = *fixture->host;
	g_assert_cmpuint(host->struct_size, ==, sizeof(struct wall_host));

	g_assert_cmpstr(host->source_name(source), ==, "panel-7");
	g_assert_cmpstr(wall_source_get_name(source), ==, "panel-7");
	g_assert_cmpstr(wall_source_get_config(source)->plugin, ==, "testvalid");

	/* Set in the layout. */
	g_assert_cmpstr(host->config_string(source, "title"), ==, "world");
	g_assert_cmpint(host->config_int(source, "count", -1), ==, 7);
	g_assert_cmpfloat(host->config_double(source, "count", -1), ==, 7.0);
	g_assert_cmpint(host->config_int(source, "enabled", -1), ==, 0);
	g_assert_cmphex(host->config_color(source, "tint", 0), ==, 0xffff0000u);
	g_assert_cmpint(host->config_duration_ms(source, "delay", -1), ==, 2000);
	/* A value that does not parse gives the caller's fallback. */
	g_assert_cmpfloat(host->config_double(source, "ratio", -1.5), ==, -1.5);

	/* Defaults from the plugin's option table. */
	g_assert_cmpstr(host->config_string(source, "mode"), ==, "b");
	g_assert_cmpuint(wall_source_get_config(source)->options->len, ==, 6);
	wall_source_destroy(source);

	source = create_source(fixture, "testvalid");
	g_assert_cmpstr(host->config_string(source, "title"), ==, "hello");
	g_assert_cmpint(host->config_int(source, "count", -1), ==, 3);
	g_assert_cmpfloat(host->config_double(source, "ratio", -1), ==, 0.5);
	g_assert_cmpint(host->config_int(source, "enabled", -1), ==, 1);
	g_assert_cmphex(host->config_color(source, "tint", 0), ==, 0xff102030u);
	g_assert_cmpint(host->config_duration_ms(source, "delay", -1), ==, 250);

	/* Neither set nor defaulted. */
	g_assert_null(host->config_string(source, "file"));
	g_assert_null(host->config_string(source, "nosuch"));
	g_assert_cmpint(host->config_int(source, "nosuch", 42), ==, 42);
	g_assert_cmpfloat(host->config_double(source, "nosuch", 2.5), ==, 2.5);
	g_assert_cmpint(host->config_duration_ms(source, "nosuch", 9), ==, 9);
	g_assert_cmphex(host->config_color(source, "nosuch", 0x12345678u), ==, 0x12345678u);
	wall_source_destroy(source);
}

static void test_state(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	const struct wall_host *host = *fixture->host;

	struct wall_source_health before;
	wall_source_get_health(source, &before);
	g_assert_cmpint(before.state, ==, WALL_SOURCE_STATE_CONNECTING);
	g_assert_null(before.reason);
	g_assert_cmpint(before.since_real_us, >, 0);

	g_usleep(2000);
	host->set_state(source, WALL_SOURCE_STATE_OFFLINE, "connection refused");
	struct wall_source_health offline;
	wall_source_get_health(source, &offline);
	g_assert_cmpint(offline.state, ==, WALL_SOURCE_STATE_OFFLINE);
	g_assert_cmpstr(offline.reason, ==, "connection refused");
	g_assert_cmpuint(offline.generation, >, before.generation);
	g_assert_cmpint(offline.since_us, >, before.since_us);
	g_assert_cmpint(offline.since_real_us, >, before.since_real_us);
	g_assert_cmpuint(wall_source_health_generation(source), ==, offline.generation);

	/* Saying the same again changes nothing. */
	host->set_state(source, WALL_SOURCE_STATE_OFFLINE, "connection refused");
	g_assert_cmpuint(wall_source_health_generation(source), ==, offline.generation);

	/* A new reason is news, but the state's clock keeps running. */
	host->set_state(source, WALL_SOURCE_STATE_OFFLINE, "host unreachable");
	struct wall_source_health reason;
	wall_source_get_health(source, &reason);
	g_assert_cmpuint(reason.generation, >, offline.generation);
	g_assert_cmpint(reason.since_us, ==, offline.since_us);
	g_assert_cmpstr(reason.reason, ==, "host unreachable");

	/* Nonsense states are ignored. */
	host->set_state(source, (enum wall_source_state)99, "what");
	host->set_state(source, WALL_SOURCE_STATE_INVALID, NULL);
	g_assert_cmpuint(wall_source_health_generation(source), ==, reason.generation);

	/* Reconnecting, then a frame: live again, by itself. */
	host->set_state(source, WALL_SOURCE_STATE_CONNECTING, NULL);
	struct tracked tracked = {0};
	struct wall_frame frame = bgra_frame(&tracked);
	host->push_frame(source, &frame);
	char *why = NULL;
	g_assert_cmpint(wall_test_state(source, &why), ==, WALL_SOURCE_STATE_LIVE);
	g_assert_null(why);

	/* A frame does not lift a state the plugin chose itself. */
	host->set_state(source, WALL_SOURCE_STATE_STALLED, "no data for 5 s");
	frame = bgra_frame(&tracked);
	host->push_frame(source, &frame);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_STALLED);

	g_free(before.reason);
	g_free(offline.reason);
	g_free(reason.reason);
	wall_source_destroy(source);
	g_assert_cmpint(tracked.releases, ==, 2);
}

static void test_create_fails(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testfail");
	char *reason = NULL;
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_cmpstr(reason, ==, "the test device is unplugged (42)");
	g_free(reason);
	/* Nothing to show or hide, and no crash trying. */
	wall_source_set_visible(source, true);
	wall_source_destroy(source);

	source = create_source(fixture, "testfuture");
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_nonnull(strstr(reason, "built for plugin ABI 99"));
	g_free(reason);
	wall_source_destroy(source);

	source = create_source(fixture, "nosuch");
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_true(g_str_has_prefix(reason, "no plugin \"nosuch\" in "));
	g_free(reason);
	wall_source_destroy(source);

	/* The layout already knew: the registry is not asked. */
	struct wall_layout_source *config = wall_test_config("cam-02", "testvalid", NULL);
	config->plugin_error = g_strdup("plugins/camera.so: missing required callback destroy");
	source = wall_source_create(config, fixture->registry);
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_cmpstr(reason, ==, config->plugin_error);
	g_assert_null(*fixture->plugin_source);
	g_free(reason);
	wall_source_destroy(source);
	wall_test_config_free(config);
}

static void add_pair(void *user, const char *key, const char *value)
{
	g_hash_table_insert(user, g_strdup(key), g_strdup(value));
}

static void test_visible_and_status(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	int shows = *fixture->shows;
	int hides = *fixture->hides;
	int destroys = *fixture->destroys;

	/* The first word always goes through: a source started hidden (warm)
	 * must hear it; after that, changes only. */
	wall_source_set_visible(source, false);
	g_assert_cmpint(*fixture->hides, ==, hides + 1);
	wall_source_set_visible(source, false);
	g_assert_cmpint(*fixture->hides, ==, hides + 1);
	wall_source_set_visible(source, true);
	wall_source_set_visible(source, true);
	g_assert_cmpint(*fixture->shows, ==, shows + 1);
	wall_source_set_visible(source, false);
	g_assert_cmpint(*fixture->hides, ==, hides + 2);

	/* The view size goes to the plugin only when it changes. */
	int view_sizes = *fixture->view_sizes;
	wall_source_set_view_size(source, 960, 540);
	wall_source_set_view_size(source, 960, 540);
	g_assert_cmpint(*fixture->view_sizes, ==, view_sizes + 1);
	g_assert_cmpuint(*fixture->view_width_px, ==, 960);
	wall_source_set_view_size(source, 1920, 1080);
	g_assert_cmpint(*fixture->view_sizes, ==, view_sizes + 2);
	g_assert_cmpuint(*fixture->view_width_px, ==, 1920);

	GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	wall_source_status(source, add_pair, pairs);
	g_assert_cmpstr(g_hash_table_lookup(pairs, "test"), ==, "fine");
	g_assert_cmpstr(g_hash_table_lookup(pairs, "state"), ==, "connecting");
	g_assert_cmpstr(g_hash_table_lookup(pairs, "frames_pushed"), ==, "0");
	g_assert_cmpstr(g_hash_table_lookup(pairs, "frames_dropped"), ==, "0");
	g_hash_table_destroy(pairs);

	/* Metrics are published under the source's name. */
	(*fixture->host)->publish_metric(source, "fps", 24.5);
	double value = 0;
	g_assert_true(wall_metrics_get("cam-01.fps", &value));
	g_assert_cmpfloat(value, ==, 24.5);
	(*fixture->host)->emit_event(source, "alarm", "{\"zone\": 3}");

	wall_source_destroy(source);
	g_assert_cmpint(*fixture->destroys, ==, destroys + 1);

	/* An old plugin offers none of this; the host must not look. */
	source = create_source(fixture, "testold");
	wall_source_set_view_size(source, 640, 360);
	wall_source_set_visible(source, true);
	wall_source_set_visible(source, false);
	pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	wall_source_status(source, add_pair, pairs);
	g_assert_cmpstr(g_hash_table_lookup(pairs, "state"), ==, "connecting");
	g_hash_table_destroy(pairs);
	wall_source_destroy(source);
}

#define PUSH_THREADS 4
#define PUSHES_PER_THREAD 2000

struct pusher {
	const struct wall_host *host;
	struct wall_source *source;
	struct tracked tracked;
};

static void *push_many(void *data)
{
	struct pusher *pusher = data;
	for (int i = 0; i < PUSHES_PER_THREAD; i++) {
		struct wall_frame frame = bgra_frame(&pusher->tracked);
		g_assert_true(pusher->host->push_frame(pusher->source, &frame));
	}
	return NULL;
}

static void test_threads(struct fixture *fixture, const void *data)
{
	struct wall_source *source = create_source(fixture, "testvalid");
	struct pusher pushers[PUSH_THREADS] = {0};
	GThread *threads[PUSH_THREADS];
	for (int i = 0; i < PUSH_THREADS; i++) {
		pushers[i].host = *fixture->host;
		pushers[i].source = source;
		threads[i] = g_thread_new("pusher", push_many, &pushers[i]);
	}

	/* The render thread takes frames while they come in. */
	uint64_t taken = 0;
	uint64_t last_seq = 0;
	uint64_t pushed = 0;
	while (pushed < PUSH_THREADS * PUSHES_PER_THREAD) {
		struct wall_frame_ref *ref = wall_source_take_frame(source);
		if (ref != NULL) {
			g_assert_cmpuint(ref->seq, >, last_seq);
			last_seq = ref->seq;
			taken++;
			wall_frame_ref_unref(ref);
		}
		wall_source_get_counts(source, &pushed, NULL);
	}
	for (int i = 0; i < PUSH_THREADS; i++) {
		g_thread_join(threads[i]);
	}
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	if (ref != NULL) {
		taken++;
		wall_frame_ref_unref(ref);
	}

	uint64_t dropped = 0;
	wall_source_get_counts(source, &pushed, &dropped);
	g_assert_cmpuint(pushed, ==, PUSH_THREADS * PUSHES_PER_THREAD);
	g_assert_cmpuint(taken + dropped, ==, pushed);
	int releases = 0;
	for (int i = 0; i < PUSH_THREADS; i++) {
		releases += pushers[i].tracked.releases;
	}
	g_assert_cmpint(releases, ==, PUSH_THREADS * PUSHES_PER_THREAD);
	wall_source_destroy(source);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("/source/mailbox", test_mailbox);
	ADD("/source/refcount", test_refcount);
	ADD("/source/malformed", test_malformed);
	ADD("/source/config", test_config);
	ADD("/source/state", test_state);
	ADD("/source/create-fails", test_create_fails);
	ADD("/source/visible-and-status", test_visible_and_status);
	ADD("/source/threads", test_threads);
#undef ADD
	return g_test_run();
}
