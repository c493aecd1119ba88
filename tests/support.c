#include "support.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "layout_loader.h"
#include "layout.h"
#include "plugin_registry.h"
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

void wall_test_die_with_parent(gpointer user)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *wall_test_spawn(const char *const *argv, GSubprocessFlags flags)
{
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_child_setup(launcher, wall_test_die_with_parent, NULL, NULL);
	GError *error = NULL;
	GSubprocess *process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	g_object_unref(launcher);
	return process;
}

static struct wall_layout_source *config_new(const char *name, const char *plugin, va_list args)
{
	struct wall_layout_source *config = g_new0(struct wall_layout_source, 1);
	config->name = g_strdup(name);
	config->plugin = g_strdup(plugin);
	config->options = g_ptr_array_new_with_free_func(layout_option_free);
	const char *option_name;
	while ((option_name = va_arg(args, const char *)) != NULL) {
		struct wall_layout_option *option = g_new0(struct wall_layout_option, 1);
		option->name = g_strdup(option_name);
		option->value = g_strdup(va_arg(args, const char *));
		g_ptr_array_add(config->options, option);
	}
	return config;
}

struct wall_layout_source *wall_test_config(const char *name, const char *plugin, ...)
{
	va_list args;
	va_start(args, plugin);
	struct wall_layout_source *config = config_new(name, plugin, args);
	va_end(args);
	return config;
}

void wall_test_config_free(struct wall_layout_source *config)
{
	if (config == NULL) {
		return;
	}
	g_ptr_array_free(config->options, TRUE);
	g_free(config->name);
	g_free(config->plugin);
	g_free(config->plugin_error);
	g_free(config);
}

struct wall_plugin_registry *wall_test_registry_with(const char *plugin)
{
	char *plugins = wall_test_build_path("plugins");
	const char *dirs[] = {plugins, NULL};
	struct wall_plugin_registry *registry = wall_plugin_registry_create(dirs);
	g_free(plugins);
	const char *why = NULL;
	if (wall_plugin_registry_get(registry, plugin, &why) == NULL) {
		g_printerr("%s plugin: %s\n", plugin, why);
		exit(1);
	}
	return registry;
}

struct wall_source *wall_test_source(struct wall_plugin_registry *registry, const char *plugin,
				     const char *name, ...)
{
	va_list args;
	va_start(args, name);
	struct wall_layout_source *config = config_new(name, plugin, args);
	va_end(args);
	/* The source deep-copies its config. */
	struct wall_source *source = wall_source_create(config, registry);
	wall_test_config_free(config);
	g_assert_nonnull(source);
	return source;
}

GSubprocess *wall_test_broker_start(int *port)
{
	*port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	return wall_test_broker_start_on(*port);
}

GSubprocess *wall_test_broker_start_on(int port)
{
	char *path = g_find_program_in_path("mosquitto");
	if (path == NULL) {
		const char *sbin = "/usr/sbin/mosquitto";
		path = g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup(sbin) : NULL;
	}
	if (path == NULL) {
		g_test_skip("mosquitto is not installed");
		return NULL;
	}
	char *port_text = g_strdup_printf("%d", port);
	const char *argv[] = {path, "-p", port_text, NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_free(port_text);
	g_free(path);
	/* Ready once it accepts a connection. */
	GSocketClient *client = g_socket_client_new();
	bool up = false;
	for (int i = 0; i < 250 && !up; i++) {
		GSocketConnection *connection =
			g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, NULL);
		if (connection != NULL) {
			up = true;
			g_object_unref(connection);
		} else {
			g_usleep(20000);
		}
	}
	g_object_unref(client);
	g_assert_true(up);
	return process;
}

static void client_attach(struct wall_test_client *client)
{
	/* A wall that stops answering fails the test instead of hanging it. */
	g_socket_set_timeout(g_socket_connection_get_socket(client->conn), 30);
	client->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(client->conn)));
	client->out = g_io_stream_get_output_stream(G_IO_STREAM(client->conn));
}

bool wall_test_client_open(struct wall_test_client *client, const char *socket_path)
{
	GSocketClient *sc = g_socket_client_new();
	GSocketAddress *address = g_unix_socket_address_new(socket_path);
	client->conn = g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(address), NULL, NULL);
	g_object_unref(address);
	g_object_unref(sc);
	if (client->conn == NULL) {
		return false;
	}
	client_attach(client);
	return true;
}

void wall_test_client_open_tcp(struct wall_test_client *client, uint16_t port)
{
	GSocketClient *sc = g_socket_client_new();
	client->conn = g_socket_client_connect_to_host(sc, "127.0.0.1", port, NULL, NULL);
	g_object_unref(sc);
	g_assert_nonnull(client->conn);
	client_attach(client);
}

void wall_test_client_close(struct wall_test_client *client)
{
	g_clear_object(&client->in);
	g_clear_object(&client->conn);
}

void wall_test_client_send(struct wall_test_client *client, const void *data, size_t length)
{
	g_assert_true(g_output_stream_write_all(client->out, data, length, NULL, NULL, NULL));
}

char *wall_test_client_read(struct wall_test_client *client)
{
	gsize length;
	return g_data_input_stream_read_line(client->in, &length, NULL, NULL);
}

JsonObject *wall_test_client_ask_ok(struct wall_test_client *client, const char *line)
{
	char *text = g_strconcat(line, "\n", NULL);
	wall_test_client_send(client, text, strlen(text));
	g_free(text);
	return wall_test_client_read_ok(client);
}

JsonObject *wall_test_client_read_ok(struct wall_test_client *client)
{
	char *reply = wall_test_client_read(client);
	g_assert_nonnull(reply);
	if (!g_str_has_prefix(reply, "OK ")) {
		g_printerr("unexpected reply: %s\n", reply);
	}
	g_assert_true(g_str_has_prefix(reply, "OK "));
	JsonNode *node = json_from_string(reply + 3, NULL);
	g_assert_nonnull(node);
	JsonObject *object = json_object_ref(json_node_get_object(node));
	json_node_unref(node);
	g_free(reply);
	return object;
}

void wall_test_klv_item(GByteArray *items, uint8_t tag, uint64_t value, unsigned size)
{
	uint8_t bytes[10] = {tag, (uint8_t)size};
	for (unsigned i = 0; i < size; i++) {
		bytes[2 + i] = (value >> (8 * (size - 1 - i))) & 0xff;
	}
	g_byte_array_append(items, bytes, size + 2);
}

GByteArray *wall_test_klv_packet(const GByteArray *items, bool corrupt)
{
	static const uint8_t key[16] = {0x06, 0x0e, 0x2b, 0x34, 0x02, 0x0b, 0x01, 0x01,
					0x0e, 0x01, 0x03, 0x01, 0x01, 0x00, 0x00, 0x00};
	GByteArray *packet = g_byte_array_new();
	g_byte_array_append(packet, key, 16);
	uint8_t length = (uint8_t)(items->len + 4);
	g_byte_array_append(packet, &length, 1);
	g_byte_array_append(packet, items->data, items->len);
	const uint8_t checksum_head[2] = {1, 2};
	g_byte_array_append(packet, checksum_head, 2);
	uint16_t sum = 0;
	for (guint i = 0; i < packet->len; i++) {
		sum = (uint16_t)(sum + (i % 2 == 0 ? packet->data[i] << 8 : packet->data[i]));
	}
	if (corrupt) {
		sum++;
	}
	uint8_t tail[2] = {sum >> 8, sum & 0xff};
	g_byte_array_append(packet, tail, 2);
	return packet;
}

enum wall_source_state wall_test_state(struct wall_source *source, char **reason)
{
	struct wall_source_health health;
	wall_source_get_health(source, &health);
	if (reason != NULL) {
		*reason = health.reason;
	} else {
		g_free(health.reason);
	}
	return health.state;
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

/* Removes path and, when it is a folder, everything in it. */
static void remove_tree(const char *path)
{
	GDir *dir = g_file_test(path, G_FILE_TEST_IS_SYMLINK) ? NULL : g_dir_open(path, 0, NULL);
	if (dir != NULL) {
		const char *name;
		while ((name = g_dir_read_name(dir)) != NULL) {
			char *child = g_build_filename(path, name, NULL);
			remove_tree(child);
			g_free(child);
		}
		g_dir_close(dir);
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

static void remove_temp_dir(void)
{
	remove_tree(temp_dir);
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

void wall_test_expect_layout_error(wall_plugin_options_fn lookup, const char *text,
                                   const char *where, const char *phrase)
{
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("test.yaml", text, strlen(text), lookup, NULL, &error);
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
