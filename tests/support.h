/* Shared test helpers: paths, and comparing a picture with its reference. */
#ifndef WALL_TEST_SUPPORT_H
#define WALL_TEST_SUPPORT_H

#include <cairo.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <wall/plugin.h>

#include "layout.h"

/** WALL_SOURCE_ROOT/relative. g_free the result. */
char *wall_test_source_path(const char *relative);
/** WALL_BUILD_ROOT/relative. g_free the result. */
char *wall_test_build_path(const char *relative);

/**
 * Compare a Cairo ARGB32 picture with tests/reference/NAME.png. A pixel
 * matches when every channel is within tolerance of the range of the
 * reference pixels within two pixels (renderers may place or smooth a
 * sharp edge differently; in flat areas this is the plain difference);
 * the test passes when at
 * most max_bad_fraction of pixels miss. On failure writes NAME-actual.png
 * and NAME-diff.png into the current folder (the test log's folder) and
 * says where. With WALL_UPDATE_REFERENCE=1 in the environment it writes
 * the reference instead and passes.
 */
bool wall_test_compare_reference(cairo_surface_t *actual, const char *name, int tolerance,
				 double max_bad_fraction);

/**
 * A golden-image check: the wall binary draws the layout (a path in the
 * source tree) headless with renderer for frames frames, and the last one
 * must match tests/reference/REFERENCE.png within 10 per channel on all
 * but 0.1 % of pixels (see wall_test_compare_reference()). One reference
 * serves both renderers: it is written from soft only.
 */
void wall_test_golden(const char *layout, const char *reference, const char *renderer,
		      const char *frames);

/** The 0xAARRGGBB (unpremultiplied) value at x, y of an ARGB32 surface. */
uint32_t wall_test_pixel(cairo_surface_t *surface, int x, int y);

/** True when every channel of a and b differs by at most tolerance. */
bool wall_test_color_near(uint32_t a, uint32_t b, int tolerance);

/**
 * Run the wall binary of this build with args (NULL-terminated, without
 * argv[0]) and wait for it. Returns its exit status (-1 when it died of a
 * signal or could not start); stdout and stderr come back in out and err
 * when not NULL (g_free them). Its stderr is also echoed to the test log.
 */
int wall_test_run_wall(const char *const *args, char **out, char **err);

/**
 * A loopback port of this type (G_SOCKET_TYPE_STREAM or _DATAGRAM) that
 * nobody listened on a moment ago, for a server a test starts.
 */
int wall_test_free_port(int socket_type);

/**
 * Start argv (NULL-terminated) with flags; the child is killed when the
 * test dies, so a crashed test leaves no server behind. Fails the test
 * when it cannot start.
 */
GSubprocess *wall_test_spawn(const char *const *argv, GSubprocessFlags flags);

/** A child setup function: the child is killed when the test dies. */
void wall_test_die_with_parent(gpointer user);

struct wall_plugin_registry;

/**
 * A registry over the build tree's plugins with plugin loaded up front, so
 * that no test times its loading. Exits the test program, saying why, when
 * it does not load. Destroy it with wall_plugin_registry_destroy().
 */
struct wall_plugin_registry *wall_test_registry_with(const char *plugin);
struct wall_source;
struct wall_layout_source;

/**
 * A layout source made by hand, as the loader would make it: options as
 * name, value pairs ended by NULL. Free it with wall_test_config_free().
 */
struct wall_layout_source *wall_test_config(const char *name, const char *plugin,
					    ...) G_GNUC_NULL_TERMINATED;
/** Accepts NULL. */
void wall_test_config_free(struct wall_layout_source *config);

/**
 * A running source of plugin, through the real host, with options given
 * as name, value pairs ended by NULL. Fails the test when it is not made.
 */
struct wall_source *wall_test_source(struct wall_plugin_registry *registry, const char *plugin,
				     const char *name, ...) G_GNUC_NULL_TERMINATED;

/**
 * The source's health state; its reason goes to *reason (g_free it) when
 * reason is not NULL.
 */
enum wall_source_state wall_test_state(struct wall_source *source, char **reason);

/** The source's status pairs, copied into a new table (unref it). */
GHashTable *wall_test_status(struct wall_source *source);

/**
 * A Mosquitto broker on a free loopback port (stored in *port), started
 * for the test and ready to take connections. NULL, after marking the
 * test skipped, when mosquitto is not installed. Stop it with
 * wall_test_stop().
 */
GSubprocess *wall_test_broker_start(int *port);
/** The same on port, to bring a stopped broker back where its clients look for it. */
GSubprocess *wall_test_broker_start_on(int port);

/** A line-based connection to a wall's control socket. */
struct wall_test_client {
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
};

/**
 * Connect to the Unix socket at socket_path; false when nobody listens
 * (yet). A wall that stops answering fails the test instead of hanging it.
 */
bool wall_test_client_open(struct wall_test_client *client, const char *socket_path);
/** Connect over TCP to 127.0.0.1:port; fails the test when it cannot. */
void wall_test_client_open_tcp(struct wall_test_client *client, uint16_t port);
void wall_test_client_close(struct wall_test_client *client);
/** Write bytes as they are; fails the test when it cannot. */
void wall_test_client_send(struct wall_test_client *client, const void *data, size_t length);
/** The next line without its newline, or NULL when the wall closed the connection. g_free it. */
char *wall_test_client_read(struct wall_test_client *client);
/** The next reply, which must be OK: its JSON object (json_object_unref it). */
JsonObject *wall_test_client_read_ok(struct wall_test_client *client);
/** Send line, then wall_test_client_read_ok(). */
JsonObject *wall_test_client_ask_ok(struct wall_test_client *client, const char *line);

/** Append one KLV item to items: tag, length, then value big-endian in size bytes. */
void wall_test_klv_item(GByteArray *items, uint8_t tag, uint64_t value, unsigned size);
/**
 * A whole MISB ST 0601 packet around items: the universal key, the length,
 * the items and the checksum (a 16-bit sum of big-endian words), off by
 * one when corrupt. g_byte_array_unref it.
 */
GByteArray *wall_test_klv_packet(const GByteArray *items, bool corrupt);

/** Kill a process wall_test_spawn() started, wait for it, free it. Accepts NULL. */
void wall_test_stop(GSubprocess *process);

/** A path in a fresh temporary folder removed, with all in it, at exit. g_free it. */
char *wall_test_temp_path(const char *name);

/** ASan options that walk allocation stacks fully (asan_full_unwind.c says why). */
#define WALL_TEST_FULL_UNWIND "fast_unwind_on_malloc=0"

/**
 * Processes the test starts walk stacks fully too: adds
 * WALL_TEST_FULL_UNWIND to ASAN_OPTIONS. In asan_full_unwind.c, which
 * the tests that run GStreamer link.
 */
void wall_test_full_unwind_children(void);

/**
 * Assert that the layout text, parsed as "test.yaml" with lookup for the
 * plugins' options (NULL: options go unchecked), is refused with an error
 * that starts "test.yaml:WHERE: " (WHERE is "LINE:COL") and holds phrase.
 */
void wall_test_expect_layout_error(wall_plugin_options_fn lookup, const char *text,
                                   const char *where, const char *phrase);

#endif
