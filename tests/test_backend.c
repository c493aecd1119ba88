/*
 * Backends: headless with both renderers, the sdl backend on SDL's
 * offscreen driver, and a real X window when Xvfb is installed.
 */
#include <GLES3/gl3.h>
#include <SDL.h>
#include <glib.h>
#include <linux/input-event-codes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/backend.h"
#include "render/renderer.h"
#include "support.h"

#define CANVAS_W 64
#define CANVAS_H 48

#define RED 0xffff0000u
#define BLUE 0xff0000ffu

static const char *shader_dir(void)
{
	const char *dir = g_getenv("WALL_SHADER_PATH");
	return dir != NULL ? dir : WALL_BUILD_ROOT "/shaders";
}

static struct wall_backend_options canvas_options(void)
{
	return (struct wall_backend_options){
	        .canvas_width_px = CANVAS_W,
	        .canvas_height_px = CANVAS_H,
	        .fps = 25,
	};
}

/* The top half red, the bottom half blue. */
static void draw_halves(struct wall_renderer *r)
{
	struct wall_rect top = {0, 0, r->width_px, r->height_px / 2};
	struct wall_rect bottom = {0, r->height_px / 2, r->width_px, r->height_px / 2};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &top, RED);
	r->impl->fill(r, &bottom, BLUE);
	g_assert_true(r->impl->end(r));
}

static void assert_halves_canvas(struct wall_renderer *r)
{
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	g_assert_cmphex(wall_test_pixel(canvas, 0, 0), ==, RED);
	g_assert_cmphex(wall_test_pixel(canvas, CANVAS_W - 1, CANVAS_H - 1), ==, BLUE);
	cairo_surface_destroy(canvas);
}

/* GL's window pixel x, y (row 0 at the bottom) as 0xAARRGGBB. */
static uint32_t window_pixel(int x, int y)
{
	uint8_t p[4] = {0};
	glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, p);
	return 0xff000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/*
 * Blit into the window's framebuffer and read it back before any swap: the
 * picture must be upright there, at full and at half size.
 */
static void assert_blit_upright(struct wall_renderer *r)
{
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	wall_gl_renderer_blit(r, CANVAS_W, CANVAS_H);
	g_assert_cmphex(window_pixel(0, CANVAS_H - 1), ==, RED);
	g_assert_cmphex(window_pixel(CANVAS_W - 1, 0), ==, BLUE);

	wall_gl_renderer_blit(r, CANVAS_W / 2, CANVAS_H / 2);
	g_assert_cmphex(window_pixel(0, CANVAS_H / 2 - 1), ==, RED);
	g_assert_cmphex(window_pixel(CANVAS_W / 2 - 1, 0), ==, BLUE);
	g_assert_cmpint(glGetError(), ==, GL_NO_ERROR);
}

static void test_headless_gl(void)
{
	struct wall_backend_options options = canvas_options();
	struct wall_backend *backend = wall_headless_backend_create(&options);
	g_assert_nonnull(backend);
	g_assert_true(backend->impl->init(backend, WALL_RENDER_GL));
	g_assert_nonnull(backend->gl_renderer_name);
	g_test_message("headless GL_RENDERER: %s", backend->gl_renderer_name);
	g_assert_false(backend->has_vsync);
	g_assert_cmpfloat(backend->refresh_hz, ==, 25.0);

	struct wall_renderer *r = wall_gl_renderer_create(CANVAS_W, CANVAS_H, shader_dir());
	g_assert_nonnull(r);
	for (int frame = 0; frame < 3; frame++) {
		draw_halves(r);
		g_assert_true(backend->impl->present(backend, r));
		g_assert_true(backend->impl->dispatch(backend));
	}
	assert_halves_canvas(r);
	g_assert_null(backend->impl->take_key);

	wall_renderer_destroy(r);
	wall_backend_destroy(backend);
	wall_backend_destroy(NULL);

	/* A second context after the first is gone. */
	backend = wall_headless_backend_create(&options);
	g_assert_true(backend->impl->init(backend, WALL_RENDER_GL));
	wall_backend_destroy(backend);
}

static void test_headless_soft(void)
{
	struct wall_backend_options options = canvas_options();
	struct wall_backend *backend = wall_headless_backend_create(&options);
	g_assert_true(backend->impl->init(backend, WALL_RENDER_SOFT));
	g_assert_null(backend->gl_renderer_name);
	g_assert_false(backend->has_vsync);

	struct wall_renderer *r = wall_soft_renderer_create(CANVAS_W, CANVAS_H);
	g_assert_nonnull(r);
	draw_halves(r);
	g_assert_true(backend->impl->present(backend, r));
	g_assert_true(backend->impl->dispatch(backend));
	assert_halves_canvas(r);
	wall_renderer_destroy(r);
	wall_backend_destroy(backend);
}

/* Open the sdl backend on whatever driver the environment picks, and show frames. */
static void run_sdl_gl(bool fullscreen)
{
	struct wall_backend_options options = canvas_options();
	options.fullscreen = fullscreen;
	struct wall_backend *backend = wall_sdl_backend_create(&options);
	g_assert_nonnull(backend);
	g_assert_true(backend->impl->init(backend, WALL_RENDER_GL));
	g_assert_nonnull(backend->gl_renderer_name);
	g_test_message("sdl (%s) GL_RENDERER: %s", SDL_GetCurrentVideoDriver(),
	               backend->gl_renderer_name);
	g_assert_cmpfloat(backend->refresh_hz, >, 0.0);

	struct wall_renderer *r = wall_gl_renderer_create(CANVAS_W, CANVAS_H, shader_dir());
	g_assert_nonnull(r);
	draw_halves(r);
	assert_halves_canvas(r);
	if (!fullscreen) {
		assert_blit_upright(r);
	}
	for (int frame = 0; frame < 3; frame++) {
		draw_halves(r);
		g_assert_true(backend->impl->present(backend, r));
		g_assert_true(backend->impl->dispatch(backend));
	}

	/* Keys wait for take_key(), oldest first, as Linux key codes by
	 * position; keys no wall binds (Caps Lock) and repeats are dropped. */
	g_assert_nonnull(backend->impl->take_key);
	struct wall_key taken;
	g_assert_false(backend->impl->take_key(backend, &taken));
	SDL_Event key = {.type = SDL_KEYDOWN};
	key.key.keysym.scancode = SDL_SCANCODE_3;
	SDL_PushEvent(&key);
	key.key.keysym.scancode = SDL_SCANCODE_CAPSLOCK;
	SDL_PushEvent(&key);
	key.key.keysym.scancode = SDL_SCANCODE_PAGEDOWN;
	SDL_PushEvent(&key);
	key.key.repeat = 1;
	SDL_PushEvent(&key);
	g_assert_true(backend->impl->dispatch(backend));
	g_assert_true(backend->impl->take_key(backend, &taken));
	g_assert_cmpint(taken.code, ==, KEY_3);
	g_assert_cmpstr(taken.peer, ==, "keyboard");
	g_assert_true(backend->impl->take_key(backend, &taken));
	g_assert_cmpint(taken.code, ==, KEY_PAGEDOWN);
	g_assert_false(backend->impl->take_key(backend, &taken));

	SDL_Event quit = {.type = SDL_QUIT};
	SDL_PushEvent(&quit);
	g_assert_false(backend->impl->dispatch(backend));

	wall_renderer_destroy(r);
	wall_backend_destroy(backend);
}

static void run_sdl_soft(void)
{
	struct wall_backend_options options = canvas_options();
	struct wall_backend *backend = wall_sdl_backend_create(&options);
	g_assert_nonnull(backend);
	g_assert_true(backend->impl->init(backend, WALL_RENDER_SOFT));
	g_assert_false(backend->has_vsync);
	g_assert_cmpfloat(backend->refresh_hz, >, 0.0);
	struct wall_renderer *r = wall_soft_renderer_create(CANVAS_W, CANVAS_H);
	g_assert_nonnull(r);
	for (int frame = 0; frame < 3; frame++) {
		draw_halves(r);
		g_assert_true(backend->impl->present(backend, r));
		g_assert_true(backend->impl->dispatch(backend));
	}
	wall_renderer_destroy(r);
	wall_backend_destroy(backend);
}

static void test_sdl_offscreen_gl(void)
{
	g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
	/* Offscreen is no display anyone can see. */
	g_assert_false(wall_sdl_display_available());
	run_sdl_gl(false);
}

static void test_sdl_offscreen_soft(void)
{
	g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
	run_sdl_soft();
}

/*
 * Start Xvfb on a display it picks itself; false when it does not start.
 *
 * -displayfd has Xvfb choose a free display and write its number once it
 * accepts clients, so no other X server on the machine can race us for
 * the number. -noreset keeps it from resetting when the last client
 * leaves: each run_sdl_*() closes its window, and an X server that is
 * still resetting refuses the next one ("x11 not available").
 *
 * Spawned without GLib's child watch, which would start a thread and make
 * the setenv() calls that follow unsafe; killed with the test, so a failed
 * assertion leaves no X server behind.
 */
static bool start_xvfb(GPid *pid, char **display)
{
	char *argv[] = {"Xvfb", "-displayfd", "1",         "-noreset", "-screen",
	                "0",    "320x240x24", "-nolisten", "tcp",      NULL};
	int out_fd = -1;
	GError *error = NULL;
	if (!g_spawn_async_with_pipes(
	            NULL, argv, NULL,
	            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
	            wall_test_die_with_parent, NULL, pid, NULL, &out_fd, NULL, &error)) {
		g_test_message("cannot start Xvfb: %s", error->message);
		g_error_free(error);
		return false;
	}
	/* A busy machine can take seconds to start an X server. */
	GString *number = g_string_new(NULL);
	struct pollfd readable = {.fd = out_fd, .events = POLLIN};
	int64_t deadline_us = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	bool complete = false;
	while (!complete && g_get_monotonic_time() < deadline_us) {
		if (poll(&readable, 1, 100) <= 0) {
			continue;
		}
		char c;
		if (read(out_fd, &c, 1) != 1) {
			break;
		}
		if (c == '\n') {
			complete = number->len > 0;
			break;
		}
		g_string_append_c(number, c);
	}
	close(out_fd);
	if (!complete) {
		g_test_message("Xvfb did not say which display it took");
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		g_string_free(number, TRUE);
		return false;
	}
	*display = g_strdup_printf(":%s", number->str);
	g_string_free(number, TRUE);
	return true;
}

static void test_sdl_x11(void)
{
	char *xvfb_path = g_find_program_in_path("Xvfb");
	if (xvfb_path == NULL) {
		g_test_skip("Xvfb is not installed");
		return;
	}
	g_free(xvfb_path);
	char *display = NULL;
	GPid xvfb = 0;
	/* Installed but not starting is a fault of this machine, not a skip. */
	g_assert_true(start_xvfb(&xvfb, &display));
	char *old_display = g_strdup(g_getenv("DISPLAY"));
	char *old_driver = g_strdup(g_getenv("SDL_VIDEODRIVER"));
	g_setenv("DISPLAY", display, TRUE);
	g_setenv("SDL_VIDEODRIVER", "x11", TRUE);

	g_assert_true(wall_sdl_display_available());
	run_sdl_gl(false);
	run_sdl_gl(true);
	run_sdl_soft();

	/* A display that does not exist is refused, not crashed on. */
	struct wall_backend_options options = canvas_options();
	options.display_index = 5;
	struct wall_backend *backend = wall_sdl_backend_create(&options);
	g_assert_nonnull(backend);
	g_assert_false(backend->impl->init(backend, WALL_RENDER_GL));
	wall_backend_destroy(backend);

	if (old_display != NULL) {
		g_setenv("DISPLAY", old_display, TRUE);
	} else {
		g_unsetenv("DISPLAY");
	}
	if (old_driver != NULL) {
		g_setenv("SDL_VIDEODRIVER", old_driver, TRUE);
	} else {
		g_unsetenv("SDL_VIDEODRIVER");
	}
	g_free(old_driver);
	g_free(old_display);
	kill(xvfb, SIGTERM);
	waitpid(xvfb, NULL, 0);
	g_free(display);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/backend/headless-gl", test_headless_gl);
	g_test_add_func("/backend/headless-soft", test_headless_soft);
	g_test_add_func("/backend/sdl-offscreen-gl", test_sdl_offscreen_gl);
	g_test_add_func("/backend/sdl-offscreen-soft", test_sdl_offscreen_soft);
	g_test_add_func("/backend/sdl-x11", test_sdl_x11);
	return g_test_run();
}
