#include "support.h"

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "layout.h"
#include "source.h"

char *wall_test_source_path(const char *relative)
{
	return g_build_filename(WALL_SOURCE_ROOT, relative, NULL);
}

char *wall_test_build_path(const char *relative)
{
	return g_build_filename(WALL_BUILD_ROOT, relative, NULL);
}

uint32_t wall_test_pixel(cairo_surface_t *surface, int x, int y)
{
	cairo_surface_flush(surface);
	const uint8_t *row = cairo_image_surface_get_data(surface) +
			     (size_t)y * cairo_image_surface_get_stride(surface);
	uint32_t p = ((const uint32_t *)row)[x];
	uint32_t a = p >> 24;
	if (a == 0 || a == 255) {
		return p;
	}
	uint32_t r = ((p >> 16) & 0xff) * 255 / a;
	uint32_t g = ((p >> 8) & 0xff) * 255 / a;
	uint32_t b = (p & 0xff) * 255 / a;
	return a << 24 | r << 16 | g << 8 | b;
}

static int channel_delta(uint32_t a, uint32_t b, int shift)
{
	return abs((int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff));
}

bool wall_test_color_near(uint32_t a, uint32_t b, int tolerance)
{
	for (int shift = 0; shift < 32; shift += 8) {
		if (channel_delta(a, b, shift) > tolerance) {
			return false;
		}
	}
	return true;
}

static bool write_png(cairo_surface_t *surface, const char *path)
{
	cairo_status_t status = cairo_surface_write_to_png(surface, path);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_printerr("cannot write %s: %s\n", path, cairo_status_to_string(status));
		return false;
	}
	return true;
}

/* Two pixels: a box filter and a bilinear one spread an edge over up to
 * two pixels when they shrink a picture. */
#define EDGE_RADIUS 2

/* How far pixel lies outside the range, channel by channel, of the
 * reference pixels within EDGE_RADIUS of x, y. Renderers may place a sharp edge
 * half a pixel apart, or smooth it with another filter (chroma upsampling
 * differs between a shader and libyuv); either way a pixel on an edge
 * lies between its neighbours. Inside a flat area the range is one
 * colour, so this is the plain difference there. */
static int neighbourhood_delta(uint32_t pixel, cairo_surface_t *expected, int x, int y)
{
	int width = cairo_image_surface_get_width(expected);
	int height = cairo_image_surface_get_height(expected);
	int low[4] = {255, 255, 255, 255};
	int high[4] = {0, 0, 0, 0};
	for (int dy = -EDGE_RADIUS; dy <= EDGE_RADIUS; dy++) {
		for (int dx = -EDGE_RADIUS; dx <= EDGE_RADIUS; dx++) {
			int nx = x + dx;
			int ny = y + dy;
			if (nx < 0 || ny < 0 || nx >= width || ny >= height) {
				continue;
			}
			uint32_t e = wall_test_pixel(expected, nx, ny);
			for (int c = 0; c < 4; c++) {
				int v = (int)(e >> (8 * c) & 0xff);
				low[c] = v < low[c] ? v : low[c];
				high[c] = v > high[c] ? v : high[c];
			}
		}
	}
	int worst = 0;
	for (int c = 0; c < 4; c++) {
		int v = (int)(pixel >> (8 * c) & 0xff);
		int d = v < low[c] ? low[c] - v : v > high[c] ? v - high[c] : 0;
		worst = d > worst ? d : worst;
	}
	return worst;
}

bool wall_test_compare_reference(cairo_surface_t *actual, const char *name, int tolerance,
				 double max_bad_fraction)
{
	char *file = g_strdup_printf("tests/reference/%s.png", name);
	char *path = wall_test_source_path(file);
	g_free(file);
	bool ok = false;

	if (g_strcmp0(g_getenv("WALL_UPDATE_REFERENCE"), "1") == 0) {
		ok = write_png(actual, path);
		g_print("wrote reference %s\n", path);
		g_free(path);
		return ok;
	}

	cairo_surface_t *expected = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(expected) != CAIRO_STATUS_SUCCESS) {
		g_printerr("%s: cannot read reference: %s\n", path,
			   cairo_status_to_string(cairo_surface_status(expected)));
		goto out_expected;
	}
	int width = cairo_image_surface_get_width(actual);
	int height = cairo_image_surface_get_height(actual);
	if (cairo_image_surface_get_width(expected) != width ||
	    cairo_image_surface_get_height(expected) != height) {
		g_printerr("%s: size %dx%d, reference is %dx%d\n", name, width, height,
			   cairo_image_surface_get_width(expected),
			   cairo_image_surface_get_height(expected));
		goto out_expected;
	}

	cairo_surface_t *diff = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
	uint8_t *diff_data = cairo_image_surface_get_data(diff);
	int diff_stride = cairo_image_surface_get_stride(diff);
	long bad = 0;
	int worst = 0;
	for (int y = 0; y < height; y++) {
		uint32_t *diff_row = (uint32_t *)(diff_data + (size_t)y * diff_stride);
		for (int x = 0; x < width; x++) {
			uint32_t a = wall_test_pixel(actual, x, y);
			int delta = neighbourhood_delta(a, expected, x, y);
			worst = delta > worst ? delta : worst;
			if (delta > tolerance) {
				bad++;
				diff_row[x] = 0xffff0000u;
			} else {
				/* Matching pixels stay visible, faintly, for orientation. */
				uint32_t grey = (wall_test_pixel(expected, x, y) >> 8 & 0xff) / 4;
				diff_row[x] = 0xff000000u | grey << 16 | grey << 8 | grey;
			}
		}
	}
	cairo_surface_mark_dirty(diff);
	double fraction = (double)bad / ((double)width * height);
	ok = fraction <= max_bad_fraction;
	if (!ok) {
		char *actual_path = g_strdup_printf("%s-actual.png", name);
		char *diff_path = g_strdup_printf("%s-diff.png", name);
		write_png(actual, actual_path);
		write_png(diff, diff_path);
		char *cwd = g_get_current_dir();
		g_printerr("%s: %ld pixels (%.3f%%) differ by more than %d (worst %d); "
			   "wrote %s/%s and %s/%s\n",
			   name, bad, fraction * 100, tolerance, worst, cwd, actual_path, cwd,
			   diff_path);
		g_free(cwd);
		g_free(actual_path);
		g_free(diff_path);
	}
	cairo_surface_destroy(diff);
out_expected:
	cairo_surface_destroy(expected);
	g_free(path);
	return ok;
}

void wall_test_golden(const char *layout, const char *reference, const char *renderer,
		      const char *frames)
{
	char *layout_path = wall_test_source_path(layout);
	char *name = g_strdup_printf("%s-%s", reference, renderer);
	char *shot = wall_test_temp_path(name);
	const char *args[] = {"--backend", "headless", "--renderer", renderer, "--fps", "10",
			      "--frames", frames, "--plugin-path", WALL_TEST_PLUGIN_DIR,
			      "--screenshot", shot, layout_path, NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	if (g_strcmp0(renderer, "soft") != 0 &&
	    g_strcmp0(g_getenv("WALL_UPDATE_REFERENCE"), "1") == 0) {
		g_test_skip("updating references from soft only");
	} else {
		g_assert_true(wall_test_compare_reference(picture, reference, 10, 0.001));
	}
	cairo_surface_destroy(picture);
	g_free(shot);
	g_free(name);
	g_free(layout_path);
}

/* True when the wall will make a GL context: --renderer gl, or auto. */
static bool uses_gl(const char *const *args)
{
	for (; *args != NULL; args++) {
		if (g_strcmp0(*args, "--renderer") == 0) {
			return args[1] != NULL && g_strcmp0(args[1], "soft") != 0;
		}
		if (g_strcmp0(*args, "--check") == 0 || g_strcmp0(*args, "--version") == 0 ||
		    g_strcmp0(*args, "--help") == 0) {
			return false;
		}
	}
	return true;
}

/* Mesa's llvmpipe leaves allocations made from its JIT-compiled code at
 * exit; LeakSanitizer cannot name that code, so no suppression matches
 * it. Runs that make a GL context skip the leak check; every soft run
 * keeps it, and so does every run of the wall's own code paths. */
static char **environment_for(const char *const *args)
{
	char **env = g_get_environ();
	if (uses_gl(args)) {
		const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");
		char *options = g_strdup_printf("%s%sdetect_leaks=0", asan != NULL ? asan : "",
						asan != NULL ? ":" : "");
		env = g_environ_setenv(env, "ASAN_OPTIONS", options, TRUE);
		g_free(options);
	}
	return env;
}

int wall_test_run_wall(const char *const *args, char **out, char **err)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, wall_test_build_path("wall/wall"));
	char **env = environment_for(args);
	for (; *args != NULL; args++) {
		g_ptr_array_add(argv, g_strdup(*args));
	}
	g_ptr_array_add(argv, NULL);
	char *captured_out = NULL;
	char *captured_err = NULL;
	int wait_status = 0;
	GError *error = NULL;
	int status = -1;
	if (!g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
			  &captured_out, &captured_err, &wait_status, &error)) {
		g_printerr("cannot run the wall: %s\n", error->message);
		g_error_free(error);
	} else {
		g_printerr("%s", captured_err);
		if (WIFEXITED(wait_status)) {
			status = WEXITSTATUS(wait_status);
		}
	}
	g_ptr_array_free(argv, TRUE);
	g_strfreev(env);
	if (out != NULL) {
		*out = captured_out;
	} else {
		g_free(captured_out);
	}
	if (err != NULL) {
		*err = captured_err;
	} else {
		g_free(captured_err);
	}
	return status;
}

int wall_test_free_port(int socket_type)
{
	GSocketType type = (GSocketType)socket_type;
	GSocket *socket = g_socket_new(G_SOCKET_FAMILY_IPV4, type,
				       type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP
								    : G_SOCKET_PROTOCOL_UDP,
				       NULL);
	GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	GSocketAddress *address = g_inet_socket_address_new(loopback, 0);
	g_assert_true(g_socket_bind(socket, address, FALSE, NULL));
	GSocketAddress *bound = g_socket_get_local_address(socket, NULL);
	int port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_object_unref(bound);
	g_object_unref(address);
	g_object_unref(loopback);
	g_object_unref(socket);
	return port;
}

static void die_with_parent(gpointer user)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *wall_test_spawn(const char *const *argv, GSubprocessFlags flags)
{
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
	GError *error = NULL;
	GSubprocess *process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	g_object_unref(launcher);
	return process;
}

struct wall_source *wall_test_source(struct wall_plugin_registry *registry, const char *plugin,
				     const char *name, ...)
{
	struct wall_layout_source config = {
		.name = (char *)name,
		.plugin = (char *)plugin,
		.options = g_ptr_array_new_with_free_func(g_free),
	};
	va_list args;
	va_start(args, name);
	const char *option_name;
	while ((option_name = va_arg(args, const char *)) != NULL) {
		struct wall_layout_option *option = g_new0(struct wall_layout_option, 1);
		option->name = (char *)option_name;
		option->value = (char *)va_arg(args, const char *);
		g_ptr_array_add(config.options, option);
	}
	va_end(args);
	/* The source deep-copies its config. */
	struct wall_source *source = wall_source_create(&config, registry);
	g_ptr_array_free(config.options, TRUE);
	g_assert_nonnull(source);
	return source;
}

static void add_status(void *user, const char *key, const char *value)
{
	g_hash_table_replace(user, g_strdup(key), g_strdup(value));
}

GHashTable *wall_test_status(struct wall_source *source)
{
	GHashTable *values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	wall_source_status(source, add_status, values);
	return values;
}

void wall_test_stop(GSubprocess *process)
{
	if (process == NULL) {
		return;
	}
	g_subprocess_force_exit(process);
	g_subprocess_wait(process, NULL, NULL);
	g_object_unref(process);
}

static char *temp_dir;

static void remove_temp_dir(void)
{
	GDir *dir = g_dir_open(temp_dir, 0, NULL);
	if (dir != NULL) {
		const char *name;
		while ((name = g_dir_read_name(dir)) != NULL) {
			char *path = g_build_filename(temp_dir, name, NULL);
			g_unlink(path);
			g_free(path);
		}
		g_dir_close(dir);
	}
	g_rmdir(temp_dir);
	g_free(temp_dir);
}

char *wall_test_temp_path(const char *name)
{
	if (temp_dir == NULL) {
		temp_dir = g_dir_make_tmp("wall-test-XXXXXX", NULL);
		g_assert_nonnull(temp_dir);
		atexit(remove_temp_dir);
	}
	return g_build_filename(temp_dir, name, NULL);
}

void wall_test_expect_layout_error(const char *text, const char *where, const char *phrase)
{
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_null(layout);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	char *prefix = g_strdup_printf("test.yaml:%s: ", where);
	if (!g_str_has_prefix(error->message, prefix) || strstr(error->message, phrase) == NULL) {
		/* Fails, and shows what came and what was wanted. */
		char *want = g_strdup_printf("%s... %s ...", prefix, phrase);
		g_assert_cmpstr(error->message, ==, want);
		g_free(want);
	}
	g_free(prefix);
	g_error_free(error);
}
