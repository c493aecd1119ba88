/*
 * The plugins the wall ships, loaded from the build tree the way the wall
 * finds them, checked for what they push: format, size and pixels.
 */
#include <cairo.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

struct fixture {
	struct wall_plugin_registry *registry;
};

static void fixture_set_up(struct fixture *fixture, const void *data)
{
	char **dirs = wall_paths_plugin_dirs(NULL);
	fixture->registry = wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
}

static void fixture_tear_down(struct fixture *fixture, const void *data)
{
	wall_plugin_registry_destroy(fixture->registry);
}

/* The state once it is no longer CONNECTING (pictures are read on a thread). */
static enum wall_source_state settled_state_of(struct wall_source *source, char **reason)
{
	int64_t deadline_us = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (wall_test_state(source, NULL) == WALL_SOURCE_STATE_CONNECTING &&
	       g_get_monotonic_time() < deadline_us) {
		g_usleep(1000);
	}
	return wall_test_state(source, reason);
}

static const uint8_t *bgra_pixel(const struct wall_frame *frame, uint32_t x, uint32_t y)
{
	return frame->planes[0] + (size_t)y * frame->strides[0] + x * 4;
}

static uint8_t plane_value(const struct wall_frame *frame, unsigned plane, uint32_t x, uint32_t y)
{
	return frame->planes[plane][(size_t)y * frame->strides[plane] + x];
}

static void assert_bgra(const struct wall_frame *frame, uint32_t x, uint32_t y, uint8_t b,
			uint8_t g, uint8_t r, uint8_t a)
{
	const uint8_t *p = bgra_pixel(frame, x, y);
	if (p[0] != b || p[1] != g || p[2] != r || p[3] != a) {
		g_error("pixel %u,%u is BGRA %u,%u,%u,%u, expected %u,%u,%u,%u", x, y, p[0], p[1],
			p[2], p[3], b, g, r, a);
	}
}

static void test_paths(struct fixture *fixture, const void *data)
{
	char **dirs = wall_paths_plugin_dirs("/extra/one:/extra/two");
	g_assert_cmpstr(dirs[0], ==, "/extra/one");
	g_assert_cmpstr(dirs[1], ==, "/extra/two");
	/* From $WALL_PLUGIN_PATH, then found again beside the binary: listed once. */
	char *build = g_build_filename(WALL_BUILD_ROOT, "plugins", NULL);
	g_assert_cmpstr(dirs[2], ==, build);
	g_assert_nonnull(dirs[3]);
	g_strfreev(dirs);

	/* Without the environment the build tree is still found beside the binary. */
	char *saved = g_strdup(g_getenv("WALL_PLUGIN_PATH"));
	g_unsetenv("WALL_PLUGIN_PATH");
	dirs = wall_paths_plugin_dirs(NULL);
	g_assert_cmpstr(dirs[0], ==, build);
	g_strfreev(dirs);
	g_setenv("WALL_PLUGIN_PATH", saved, TRUE);
	g_free(saved);
	g_free(build);

	g_setenv("WALL_SHADER_PATH", "/somewhere/shaders", TRUE);
	char *shaders = wall_paths_shader_dir();
	g_assert_cmpstr(shaders, ==, "/somewhere/shaders");
	g_free(shaders);
	g_unsetenv("WALL_SHADER_PATH");
	shaders = wall_paths_shader_dir();
	g_assert_true(g_str_has_suffix(shaders, "shaders"));
	g_free(shaders);
}

static void test_color(struct fixture *fixture, const void *data)
{
	struct wall_source *source = wall_test_source(fixture->registry, "color", "test-source",
	                                              "color", "#ff8000", NULL);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	g_assert_nonnull(ref);
	g_assert_cmpint(ref->frame.format, ==, WALL_PIXEL_FORMAT_BGRA);
	g_assert_cmpuint(ref->frame.width_px, ==, 16);
	g_assert_cmpuint(ref->frame.height_px, ==, 16);
	g_assert_cmpuint(ref->frame.flags & WALL_FRAME_ANY_ASPECT, !=, 0);
	assert_bgra(&ref->frame, 0, 0, 0x00, 0x80, 0xff, 0xff);
	assert_bgra(&ref->frame, 15, 15, 0x00, 0x80, 0xff, 0xff);

	/* A tile that starts showing it gets a frame of its own. */
	g_assert_null(wall_source_take_frame(source));
	wall_source_set_visible(source, true);
	struct wall_frame_ref *again = wall_source_take_frame(source);
	g_assert_nonnull(again);
	g_assert_cmpuint(again->seq, >, ref->seq);
	wall_frame_ref_unref(again);
	wall_source_destroy(source);
	/* Frames outlive their source. */
	assert_bgra(&ref->frame, 8, 8, 0x00, 0x80, 0xff, 0xff);
	wall_frame_ref_unref(ref);

	/* The default, and a translucent colour, premultiplied. */
	source = wall_test_source(fixture->registry, "color", "test-source", NULL);
	ref = wall_source_take_frame(source);
	assert_bgra(&ref->frame, 3, 3, 0x30, 0x28, 0x20, 0xff);
	wall_frame_ref_unref(ref);
	wall_source_destroy(source);
	source = wall_test_source(fixture->registry, "color", "test-source", "color", "#ffffff80",
	                          NULL);
	ref = wall_source_take_frame(source);
	assert_bgra(&ref->frame, 3, 3, 0x80, 0x80, 0x80, 0x80);
	wall_frame_ref_unref(ref);
	wall_source_destroy(source);
}

/* Bars left to right: white, yellow, cyan, green, magenta, red, blue (75%). */
static void assert_bars(const struct wall_frame *frame, const uint8_t expected[7])
{
	for (uint32_t bar = 0; bar < 7; bar++) {
		uint32_t x = (bar * 2 + 1) * frame->width_px / 14;
		uint8_t y = plane_value(frame, 0, x, 4);
		if (y != expected[bar]) {
			g_error("bar %u at x %u has Y %u, expected %u", bar, x, y, expected[bar]);
		}
	}
	/* Chroma: blue is strong in U, red in V. */
	uint32_t blue_x = 13 * frame->width_px / 14 / 2;
	uint32_t red_x = 11 * frame->width_px / 14 / 2;
	g_assert_cmpuint(plane_value(frame, 1, blue_x, 2), >, 200);
	g_assert_cmpuint(plane_value(frame, 2, red_x, 2), >, 200);
}

/*
 * The pattern draws on its own thread: a picture comes soon after create(),
 * or after a tile starts showing it, not at once.
 */
static struct wall_frame_ref *wait_frame(struct wall_source *source)
{
	int64_t deadline_us = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	struct wall_frame_ref *ref;
	while ((ref = wall_source_take_frame(source)) == NULL &&
	       g_get_monotonic_time() < deadline_us) {
		g_usleep(2000);
	}
	g_assert_nonnull(ref);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);
	return ref;
}

static void test_pattern_still(struct fixture *fixture, const void *data)
{
	struct wall_source *source =
	        wall_test_source(fixture->registry, "pattern", "test-source", "width", "320",
	                         "height", "180", "motion", "false", NULL);
	struct wall_frame_ref *first = wait_frame(source);
	const struct wall_frame *frame = &first->frame;
	g_assert_cmpint(frame->format, ==, WALL_PIXEL_FORMAT_I420);
	g_assert_cmpuint(frame->width_px, ==, 320);
	g_assert_cmpuint(frame->height_px, ==, 180);
	g_assert_cmpint(frame->matrix, ==, WALL_YUV_MATRIX_BT601);
	g_assert_cmpint(frame->range, ==, WALL_YUV_RANGE_LIMITED);
	static const uint8_t bt601[7] = {180, 162, 131, 112, 84, 65, 35};
	assert_bars(frame, bt601);

	/* The band below: black, the block at its start, the digit 0 at the right. */
	g_assert_cmpuint(plane_value(frame, 0, 100, 125), ==, 16);
	g_assert_cmpuint(plane_value(frame, 0, 5, 150), ==, 235);
	g_assert_cmpuint(plane_value(frame, 0, 40, 150), ==, 16);
	g_assert_cmpuint(plane_value(frame, 0, 306, 143), ==, 235);
	g_assert_cmpuint(plane_value(frame, 0, 304, 143), ==, 16);
	g_assert_cmpuint(plane_value(frame, 1, 10, 80), ==, 128);
	g_assert_cmpuint(plane_value(frame, 2, 10, 80), ==, 128);

	/* Still means still: the frame for a new viewer is the same picture. */
	wall_source_set_visible(source, true);
	struct wall_frame_ref *second = wait_frame(source);
	g_assert_cmpuint(second->seq, >, first->seq);
	size_t size = 320 * 180 + 2 * 160 * 90;
	g_assert_true(second->frame.planes[0] != frame->planes[0]);
	g_assert_cmpmem(second->frame.planes[0], size, frame->planes[0], size);
	g_usleep(50000);
	g_assert_null(wall_source_take_frame(source));

	wall_source_destroy(source);
	/* The pool outlives the instance until its buffers come back. */
	wall_frame_ref_unref(second);
	wall_frame_ref_unref(first);

	source = wall_test_source(fixture->registry, "pattern", "test-source", "motion", "off",
	                          NULL);
	first = wait_frame(source);
	g_assert_cmpuint(first->frame.width_px, ==, 1280);
	g_assert_cmpuint(first->frame.height_px, ==, 720);
	g_assert_cmpint(first->frame.matrix, ==, WALL_YUV_MATRIX_BT709);
	static const uint8_t bt709[7] = {180, 168, 145, 133, 63, 51, 28};
	assert_bars(&first->frame, bt709);
	wall_frame_ref_unref(first);
	wall_source_destroy(source);
}

static void add_pair(void *user, const char *key, const char *value)
{
	g_hash_table_insert(user, g_strdup(key), g_strdup(value));
}

static void test_pattern_motion(struct fixture *fixture, const void *data)
{
	struct wall_source *source =
	        wall_test_source(fixture->registry, "pattern", "test-source", "width", "64",
	                         "height", "48", "fps", "200", NULL);
	/* One picture at once, then nothing until a tile shows it. */
	struct wall_frame_ref *ref = wait_frame(source);
	wall_frame_ref_unref(ref);
	g_usleep(50000);
	g_assert_null(wall_source_take_frame(source));

	wall_source_set_visible(source, true);
	uint64_t last_seq = 0;
	unsigned frames = 0;
	int64_t end_us = g_get_monotonic_time() + 400000;
	while (g_get_monotonic_time() < end_us) {
		ref = wall_source_take_frame(source);
		if (ref != NULL) {
			g_assert_cmpuint(ref->seq, >, last_seq);
			g_assert_cmpint(ref->frame.format, ==, WALL_PIXEL_FORMAT_I420);
			g_assert_cmpuint(ref->frame.width_px, ==, 64);
			last_seq = ref->seq;
			frames++;
			wall_frame_ref_unref(ref);
		}
		g_usleep(5000);
	}
	g_assert_cmpuint(frames, >=, 10);

	/* The block moves: two frames a few steps apart differ. */
	struct wall_frame_ref *a = NULL;
	while ((a = wall_source_take_frame(source)) == NULL) {
		g_usleep(1000);
	}
	g_usleep(30000);
	struct wall_frame_ref *b = NULL;
	while ((b = wall_source_take_frame(source)) == NULL) {
		g_usleep(1000);
	}
	g_assert_cmpint(memcmp(a->frame.planes[0], b->frame.planes[0], 64 * 48), !=, 0);
	wall_frame_ref_unref(a);

	wall_source_set_visible(source, false);
	g_usleep(50000);
	wall_frame_ref_unref(wall_source_take_frame(source));
	g_usleep(100000);
	g_assert_null(wall_source_take_frame(source));

	GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	wall_source_status(source, add_pair, pairs);
	g_assert_cmpstr(g_hash_table_lookup(pairs, "fps"), ==, "200");
	g_assert_cmpstr(g_hash_table_lookup(pairs, "state"), ==, "live");
	g_assert_cmpint(g_ascii_strtoll(g_hash_table_lookup(pairs, "frames"), NULL, 10), >=, 10);
	g_hash_table_destroy(pairs);

	/* Shown again, so the thread is mid-wait when destroy comes: it must stop at once. */
	wall_source_set_visible(source, true);
	int64_t start_us = g_get_monotonic_time();
	wall_source_destroy(source);
	g_assert_cmpint(g_get_monotonic_time() - start_us, <, 200000);
	/* A frame kept past destroy is still readable, then returned. */
	g_assert_cmpuint(b->frame.planes[0][0], ==, 180);
	wall_frame_ref_unref(b);
}

/* Write a 3x2 picture: opaque red, green, blue; half white, black, clear. */
static char *write_png(const char *dir)
{
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 3, 2);
	cairo_surface_flush(surface);
	uint8_t *data = cairo_image_surface_get_data(surface);
	int stride = cairo_image_surface_get_stride(surface);
	uint32_t *row0 = (uint32_t *)data;
	uint32_t *row1 = (uint32_t *)(data + stride);
	row0[0] = 0xffff0000u;
	row0[1] = 0xff00ff00u;
	row0[2] = 0xff0000ffu;
	row1[0] = 0x80808080u;
	row1[1] = 0xff000000u;
	row1[2] = 0x00000000u;
	cairo_surface_mark_dirty(surface);
	char *path = g_build_filename(dir, "picture.png", NULL);
	g_assert_cmpint(cairo_surface_write_to_png(surface, path), ==, CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(surface);
	return path;
}

static void test_image(struct fixture *fixture, const void *data)
{
	char *dir = g_dir_make_tmp("wall-image-XXXXXX", NULL);
	char *path = write_png(dir);
	struct wall_source *source = wall_test_source(fixture->registry, "image", "test-source", "path", path, NULL);
	g_assert_cmpint(settled_state_of(source, NULL), ==, WALL_SOURCE_STATE_LIVE);
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	g_assert_nonnull(ref);
	const struct wall_frame *frame = &ref->frame;
	g_assert_cmpint(frame->format, ==, WALL_PIXEL_FORMAT_BGRA);
	g_assert_cmpuint(frame->width_px, ==, 3);
	g_assert_cmpuint(frame->height_px, ==, 2);
	assert_bgra(frame, 0, 0, 0x00, 0x00, 0xff, 0xff);
	assert_bgra(frame, 1, 0, 0x00, 0xff, 0x00, 0xff);
	assert_bgra(frame, 2, 0, 0xff, 0x00, 0x00, 0xff);
	assert_bgra(frame, 0, 1, 0x80, 0x80, 0x80, 0x80);
	assert_bgra(frame, 1, 1, 0x00, 0x00, 0x00, 0xff);
	assert_bgra(frame, 2, 1, 0x00, 0x00, 0x00, 0x00);

	wall_source_set_visible(source, true);
	struct wall_frame_ref *again = wall_source_take_frame(source);
	g_assert_nonnull(again);
	wall_frame_ref_unref(again);
	wall_source_destroy(source);
	/* The surface lives on with the frame. */
	assert_bgra(frame, 2, 0, 0xff, 0x00, 0x00, 0xff);
	wall_frame_ref_unref(ref);

	/* Not a PNG: an error slate that says so. */
	char *text_path = g_build_filename(dir, "notes.png", NULL);
	g_assert_true(g_file_set_contents(text_path, "hello", -1, NULL));
	source = wall_test_source(fixture->registry, "image", "test-source", "path", text_path,
	                          NULL);
	char *reason = NULL;
	g_assert_cmpint(settled_state_of(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	char *expected = g_strdup_printf("cannot read %s: not a readable PNG image", text_path);
	g_assert_cmpstr(reason, ==, expected);
	g_free(expected);
	g_free(reason);
	wall_source_destroy(source);

	g_unlink(text_path);
	g_unlink(path);
	g_rmdir(dir);
	g_free(text_path);
	g_free(path);
	g_free(dir);
}

static void test_image_missing(struct fixture *fixture, const void *data)
{
	struct wall_source *source = wall_test_source(fixture->registry, "image", "test-source",
	                                              "path", "/nonexistent/map.png", NULL);
	char *reason = NULL;
	g_assert_cmpint(settled_state_of(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_true(g_str_has_prefix(reason, "cannot read /nonexistent/map.png: "));
	g_assert_cmpuint(strlen(reason), >, strlen("cannot read /nonexistent/map.png: "));
	g_assert_null(wall_source_take_frame(source));
	g_free(reason);
	wall_source_destroy(source);

	/* No path at all. */
	source = wall_test_source(fixture->registry, "image", "test-source", NULL);
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_cmpstr(reason, ==, "no image path set");
	g_free(reason);
	wall_source_destroy(source);
}

/* Opens the FIFO for writing after a while, unless told to stop first. */
struct late_writer {
	char *path;
	gint opened;
	gint stop;
};

static void *write_late(void *data)
{
	struct late_writer *writer = data;
	for (int i = 0; i < 500 && !g_atomic_int_get(&writer->stop); i++) {
		g_usleep(10000);
	}
	/* O_NONBLOCK: with no reader left this fails rather than waits. */
	int fd = g_open(writer->path, O_WRONLY | O_NONBLOCK, 0);
	g_atomic_int_set(&writer->opened, 1);
	if (fd >= 0) {
		close(fd);
	}
	return NULL;
}

/*
 * A FIFO as the picture froze every tile for 17 s: create() opened it on
 * the render thread. Now nothing waits on it, and the tile says why.
 */
static void test_image_fifo(struct fixture *fixture, const void *data)
{
	char *dir = g_dir_make_tmp("wall-image-XXXXXX", NULL);
	struct late_writer writer = {.path = g_build_filename(dir, "pipe.png", NULL)};
	g_assert_cmpint(mkfifo(writer.path, 0600), ==, 0);
	GThread *thread = g_thread_new("late-writer", write_late, &writer);
	struct wall_source *source = wall_test_source(fixture->registry, "image", "test-source", "path", writer.path, NULL);
	/* create() came back before anyone opened the other end. */
	g_assert_false(g_atomic_int_get(&writer.opened));
	char *reason = NULL;
	g_assert_cmpint(settled_state_of(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	char *expected = g_strdup_printf("cannot read %s: not a regular file", writer.path);
	g_assert_cmpstr(reason, ==, expected);
	g_free(expected);
	g_free(reason);
	wall_source_destroy(source);
	g_atomic_int_set(&writer.stop, 1);
	g_thread_join(thread);
	g_unlink(writer.path);
	g_rmdir(dir);
	g_free(writer.path);
	g_free(dir);
}

/* A picture wider than any canvas is refused from its header, undecoded. */
static void test_image_too_large(struct fixture *fixture, const void *data)
{
	char *dir = g_dir_make_tmp("wall-image-XXXXXX", NULL);
	char *path = g_build_filename(dir, "huge.png", NULL);
	/* 20000 x 1 pixels: small on disk, past the limit in width. */
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 20000, 1);
	g_assert_cmpint(cairo_surface_write_to_png(surface, path), ==, CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(surface);
	struct wall_source *source = wall_test_source(fixture->registry, "image", "test-source", "path", path, NULL);
	char *reason = NULL;
	g_assert_cmpint(settled_state_of(source, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_nonnull(strstr(reason, "larger than 16384 pixels on a side"));
	g_free(reason);
	wall_source_destroy(source);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_from_layout(struct fixture *fixture, const void *data)
{
	/* The path the wall takes: options checked against the plugin's table, then sources. */
	static const char text[] = "wall:\n"
				   "  canvas: 320x180\n"
				   "sources:\n"
				   "  standby:\n"
				   "    plugin: color\n"
				   "    color: \"#0000ff\"\n"
				   "  bars:\n"
				   "    plugin: pattern\n"
				   "    width: 64\n"
				   "    height: 32\n"
				   "    motion: no\n"
				   "  gone:\n"
				   "    plugin: nosuch\n"
				   "scenes:\n"
				   "  main:\n"
				   "    grid: 3x1\n"
				   "    tiles:\n"
				   "      - {id: a, source: standby, cell: [0, 0]}\n"
				   "      - {id: b, source: bars, cell: [1, 0]}\n"
				   "      - {id: c, source: gone, cell: [2, 0]}\n";
	GError *error = NULL;
	struct wall_layout *layout =
		wall_layout_parse("memory.yaml", text, strlen(text), wall_plugin_registry_options,
				  fixture->registry, &error);
	g_assert_no_error(error);
	g_assert_nonnull(layout);

	struct wall_source *standby =
		wall_source_create(wall_layout_find_source(layout, "standby"), fixture->registry);
	struct wall_source *bars =
		wall_source_create(wall_layout_find_source(layout, "bars"), fixture->registry);
	struct wall_source *gone =
		wall_source_create(wall_layout_find_source(layout, "gone"), fixture->registry);
	/* Sources keep their own copy of what they were made from. */
	wall_layout_destroy(layout);

	struct wall_frame_ref *ref = wall_source_take_frame(standby);
	assert_bgra(&ref->frame, 0, 0, 0xff, 0x00, 0x00, 0xff);
	wall_frame_ref_unref(ref);
	ref = wait_frame(bars);
	g_assert_cmpuint(ref->frame.width_px, ==, 64);
	g_assert_cmpuint(ref->frame.height_px, ==, 32);
	wall_frame_ref_unref(ref);
	char *reason = NULL;
	g_assert_cmpint(wall_test_state(gone, &reason), ==, WALL_SOURCE_STATE_ERROR);
	g_assert_true(g_str_has_prefix(reason, "no plugin \"nosuch\" in "));
	g_free(reason);

	wall_source_destroy(gone);
	wall_source_destroy(bars);
	wall_source_destroy(standby);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("/plugins/paths", test_paths);
	ADD("/plugins/color", test_color);
	ADD("/plugins/pattern-still", test_pattern_still);
	ADD("/plugins/pattern-motion", test_pattern_motion);
	ADD("/plugins/image", test_image);
	ADD("/plugins/image-missing", test_image_missing);
	ADD("/plugins/image-fifo", test_image_fifo);
	ADD("/plugins/image-too-large", test_image_too_large);
	ADD("/plugins/from-layout", test_from_layout);
#undef ADD
	return g_test_run();
}
