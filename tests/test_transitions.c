/*
 * Scene transitions, alarm borders and the wall's own keys, in process
 * with explicit times, so a fade half way is exactly half way. Both
 * renderers must draw the same picture: every check runs on soft and gl.
 */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <glib/gstdio.h>
#include <string.h>

#include "backend/backend.h"
#include "compositor.h"
#include "control/control.h"
#include "control/protocol.h"
#include "control/state.h"
#include "layout.h"
#include "paths.h"
#include "plugin_registry.h"
#include "support.h"

#define RED 0xffc03030u
#define BLUE 0xff3050c0u
#define GREEN 0xff30c050u
#define GREY 0xff808080u
#define ALARM 0xffe02020u
/* gl blends in floats, soft in 8-bit steps: a mix may differ by a few. */
#define TOLERANCE 4

struct fixture {
	struct wall_plugin_registry *registry;
	struct wall_layout *layout;
	struct wall_backend *backend;
	struct wall_renderer *renderer;
	struct wall_compositor *compositor;
};

static void fixture_open(struct fixture *f, const char *renderer)
{
	char **dirs = wall_paths_plugin_dirs(NULL);
	f->registry = wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
	char *path = wall_test_source_path("tests/layouts/control.yaml");
	GError *error = NULL;
	f->layout = wall_layout_load(path, wall_plugin_registry_options, f->registry, &error);
	g_assert_no_error(error);
	g_free(path);
	struct wall_backend_options options = {
		.canvas_width_px = f->layout->canvas_width_px,
		.canvas_height_px = f->layout->canvas_height_px,
		.fps = 30,
	};
	f->backend = wall_headless_backend_create(&options);
	if (strcmp(renderer, "gl") == 0) {
		g_assert_true(f->backend->impl->init(f->backend, WALL_RENDER_GL));
		char *shaders = wall_paths_shader_dir();
		f->renderer = wall_gl_renderer_create(options.canvas_width_px,
						      options.canvas_height_px, shaders);
		g_free(shaders);
	} else {
		g_assert_true(f->backend->impl->init(f->backend, WALL_RENDER_SOFT));
		f->renderer = wall_soft_renderer_create(options.canvas_width_px,
							options.canvas_height_px);
	}
	g_assert_nonnull(f->renderer);
	f->compositor = wall_compositor_create(f->renderer, f->registry, NULL);
}

static void fixture_close(struct fixture *f)
{
	wall_compositor_destroy(f->compositor);
	wall_renderer_destroy(f->renderer);
	wall_backend_destroy(f->backend);
	wall_layout_destroy(f->layout);
	wall_plugin_registry_destroy(f->registry);
}

static uint32_t pixel_at(struct fixture *f, int x, int y)
{
	cairo_surface_t *canvas = f->renderer->impl->read_canvas(f->renderer);
	uint32_t value = wall_test_pixel(canvas, x, y);
	cairo_surface_destroy(canvas);
	return value;
}

static void assert_pixel(struct fixture *f, int x, int y, uint32_t want)
{
	uint32_t got = pixel_at(f, x, y);
	if (!wall_test_color_near(got, want, TOLERANCE)) {
		g_error("%s: pixel %d,%d is %08x, want %08x", f->renderer->impl->name, x, y, got,
			want);
	}
}

/* Render at now_us until the sources' first pictures are on the canvas. */
static void settle(struct fixture *f, int64_t now_us, int x, int y, uint32_t want)
{
	for (int i = 0; i < 200; i++) {
		wall_compositor_render(f->compositor, now_us);
		if (wall_test_color_near(pixel_at(f, x, y), want, TOLERANCE)) {
			return;
		}
		g_usleep(10000);
	}
	assert_pixel(f, x, y, want);
}

static uint32_t mix(uint32_t a, uint32_t b, double t)
{
	uint32_t out = 0xff000000u;
	for (int shift = 0; shift < 24; shift += 8) {
		double ca = (a >> shift) & 0xff;
		double cb = (b >> shift) & 0xff;
		out |= (uint32_t)(ca * (1.0 - t) + cb * t + 0.5) << shift;
	}
	return out;
}

static void test_transitions(const void *data)
{
	struct fixture f = {0};
	fixture_open(&f, data);
	const struct wall_layout_scene *main_scene = wall_layout_find_scene(f.layout, "main");
	const struct wall_layout_scene *other = wall_layout_find_scene(f.layout, "other");
	int64_t t = 1000000;
	wall_compositor_show_scene(f.compositor, f.layout, main_scene, WALL_TRANSITION_CUT, 0, t);
	settle(&f, t, 80, 60, RED);
	settle(&f, t, 240, 60, BLUE);

	/* A fade of one second, a quarter of the way: three quarters old. */
	wall_compositor_show_scene(f.compositor, f.layout, other, WALL_TRANSITION_FADE, 1000, t);
	g_assert_true(wall_compositor_in_transition(f.compositor));
	settle(&f, t + 250000, 240, 60, mix(BLUE, GREEN, 0.25));
	assert_pixel(&f, 80, 60, mix(RED, GREEN, 0.25));
	wall_compositor_render(f.compositor, t + 500000);
	assert_pixel(&f, 80, 60, mix(RED, GREEN, 0.5));
	/* Done: the new scene alone. */
	wall_compositor_render(f.compositor, t + 1000000);
	g_assert_false(wall_compositor_in_transition(f.compositor));
	assert_pixel(&f, 80, 60, GREEN);
	assert_pixel(&f, 240, 60, GREEN);

	/* A wipe sweeps in from the left: a quarter way, x < 80 is new. */
	t += 2000000;
	wall_compositor_show_scene(f.compositor, f.layout, main_scene, WALL_TRANSITION_WIPE, 1000,
				   t);
	settle(&f, t + 250000, 40, 90, RED);
	assert_pixel(&f, 120, 90, GREEN);
	assert_pixel(&f, 240, 90, GREEN);

	/* Cut short by a fade: it starts from the half-wiped picture. */
	wall_compositor_render(f.compositor, t + 500000);
	wall_compositor_show_scene(f.compositor, f.layout, other, WALL_TRANSITION_FADE, 1000,
				   t + 500000);
	wall_compositor_render(f.compositor, t + 1000000);
	assert_pixel(&f, 40, 90, mix(RED, GREEN, 0.5));
	assert_pixel(&f, 240, 90, GREEN);
	/* And a cut ends everything at once. */
	wall_compositor_show_scene(f.compositor, f.layout, main_scene, WALL_TRANSITION_CUT, 0,
				   t + 1100000);
	g_assert_false(wall_compositor_in_transition(f.compositor));
	settle(&f, t + 1100000, 40, 90, RED);
	assert_pixel(&f, 240, 90, BLUE);

	/* An alarm: green on t2 with a red border, lit, then dark, then gone. */
	t += 3000000;
	struct wall_alarm alarm = {
		.source = wall_layout_find_source(f.layout, "green"),
		.tile_id = "t2",
		.duration_ms = 2000,
	};
	g_assert_cmpint(wall_compositor_alarm(f.compositor, &alarm, t), ==, 0);
	settle(&f, t, 240, 90, GREEN);
	assert_pixel(&f, 161, 90, ALARM);
	assert_pixel(&f, 318, 90, ALARM);
	wall_compositor_render(f.compositor, t + 600000);
	assert_pixel(&f, 161, 90, GREEN);
	wall_compositor_render(f.compositor, t + 2100000);
	settle(&f, t + 2100000, 240, 90, BLUE);
	GPtrArray *events = wall_compositor_take_events(f.compositor);
	bool ended = false;
	for (guint i = 0; i < events->len; i++) {
		ended = ended || strstr(events->pdata[i], "\"state\":\"end\"") != NULL;
	}
	g_assert_true(ended);
	g_ptr_array_unref(events);
	fixture_close(&f);
}

static void add_audit_row(void *user, const struct wall_audit_entry *entry)
{
	g_string_append_printf(user, "%s|%s|%s|%" G_GUINT64_FORMAT "\n", entry->peer,
			       entry->command, entry->result, entry->frame);
}

/* What the frame loop does with a key of the wall's own keypad. */
static void press(struct wall_control *control, int code, int64_t now_us)
{
	char *command = wall_layout_key_command(wall_control_layout(control), code);
	g_assert_nonnull(command);
	g_assert_true(wall_control_submit_key(control, command, "input:Test Keypad", now_us));
	g_free(command);
}

static void test_keys(void)
{
	struct fixture f = {0};
	fixture_open(&f, "soft");
	char *socket_path = wall_test_temp_path("keys.sock");
	char *state_path = wall_test_temp_path("keys.sqlite");
	struct wall_control_options options = {
		.socket_path = socket_path,
		.state_path = state_path,
		.registry = f.registry,
	};
	GError *error = NULL;
	struct wall_control *control = wall_control_create(&options, f.layout, &error);
	g_assert_no_error(error);
	/* The control owns the layout now. */
	f.layout = NULL;
	const struct wall_layout *layout = wall_control_layout(control);
	wall_control_start(control, f.compositor, layout->start_scene, false);
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "main");

	int64_t now = g_get_monotonic_time();
	wall_control_begin_frame(control, 1, now);
	press(control, KEY_2, now);
	wall_compositor_render(f.compositor, now);
	wall_control_end_frame(control);
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "other");
	/* A preset nobody defined changes nothing. */
	press(control, KEY_KP9, now);
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "other");
	press(control, KEY_0, now);
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "main");
	/* A key no binding or digit names runs nothing. */
	g_assert_null(wall_layout_key_command(wall_control_layout(control), KEY_Q));
	wall_control_end_frame(control);

	/* A key binding makes the same request a socket line does, with its device as the peer. */
	wall_control_begin_frame(control, 2, now);
	g_assert_true(wall_control_submit_key(control, "preset 2", "input:test-remote", now));
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "other");
	g_assert_false(wall_control_submit_key(control, "PRESET", "input:test-remote", now));
	/* RELOAD is loaded and checked on the control thread, then swapped in at a frame. */
	uintptr_t before = (uintptr_t)wall_control_layout(control);
	g_assert_true(wall_control_submit_key(control, "RELOAD", "input:test-remote", now));
	wall_control_end_frame(control);
	for (int i = 0; i < 1000 && (uintptr_t)wall_control_layout(control) == before; i++) {
		g_usleep(10 * 1000);
		wall_control_begin_frame(control, 3, now);
		wall_control_end_frame(control);
	}
	g_assert_true((uintptr_t)wall_control_layout(control) != before);
	g_assert_cmpstr(wall_compositor_get_scene(f.compositor)->name, ==, "other");
	char *layout_key = g_canonicalize_filename(wall_control_layout(control)->path, NULL);

	/* The compositor points into the control's layout: it goes first. */
	wall_compositor_destroy(f.compositor);
	f.compositor = NULL;
	wall_control_destroy(control);

	/* Every key is audited with its peer, what it asked and how it went. */
	struct wall_state *state = wall_state_open(state_path, layout_key, &error);
	g_assert_no_error(error);
	GString *rows = g_string_new(NULL);
	wall_state_foreach_audit(state, 100, add_audit_row, rows);
	wall_state_close(state);
	g_free(layout_key);
	const char *want[] = {
		"input:Test Keypad|PRESET 2 TRANSITION cut|OK|1\n",
		"input:Test Keypad|PRESET 9 TRANSITION cut|ERR not-found no preset 9; try LIST "
		"PRESETS|1\n",
		"input:Test Keypad|SCENE main TRANSITION cut|OK|1\n",
		"input:test-remote|preset 2|OK|2\n",
		"input:test-remote|RELOAD|OK|3\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		if (strstr(rows->str, want[i]) == NULL) {
			g_error("no audit row %s in:\n%s", want[i], rows->str);
		}
	}
	g_string_free(rows, TRUE);
	fixture_close(&f);
	g_unlink(socket_path);
	g_free(socket_path);
	g_free(state_path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/transitions/soft", "soft", test_transitions);
	g_test_add_data_func("/transitions/gl", "gl", test_transitions);
	g_test_add_func("/transitions/keys", test_keys);
	return g_test_run();
}
