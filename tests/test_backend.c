/*
 * Backends: headless with both renderers, the sdl backend on SDL's
 * offscreen driver, and a real X window when Xvfb is installed.
 */
#include <GLES3/gl3.h>
#include <SDL.h>
#include <glib.h>
#include <linux/input-event-codes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

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

/* True once pid has exited; reaps it. */
static bool exited(GPid pid)
{
	return waitpid(pid, NULL, WNOHANG) == pid;
}

/*
 * Start Xvfb on the first free display from :97; false when none starts.
 * Spawned without GLib's child watch, which would start a thread and make
 * the setenv() calls that follow unsafe.
 */
static bool start_xvfb(GPid *pid, char **display)
{
	for (int number = 97; number <= 120; number++) {
		char *socket = g_strdup_printf("/tmp/.X11-unix/X%d", number);
		char *lock = g_strdup_printf("/tmp/.X%d-lock", number);
		bool taken = g_file_test(socket, G_FILE_TEST_EXISTS) ||
			     g_file_test(lock, G_FILE_TEST_EXISTS);
		g_free(lock);
		if (taken) {
			g_free(socket);
			continue;
		}
		char *name = g_strdup_printf(":%d", number);
		char *argv[] = {"Xvfb", name, "-screen", "0", "320x240x24", "-nolisten", "tcp",
				NULL};
		GError *error = NULL;
		if (!g_spawn_async(NULL, argv, NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
					   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
				   NULL, NULL, pid, &error)) {
			g_test_message("cannot start Xvfb: %s", error->message);
			g_error_free(error);
			g_free(name);
			g_free(socket);
			return false;
		}
		/* Ready once its socket exists; gone at once when it lost a race for the number. */
		for (int i = 0; i < 200; i++) {
			if (g_file_test(socket, G_FILE_TEST_EXISTS)) {
				g_free(socket);
				*display = name;
				return true;
			}
			if (exited(*pid)) {
				break;
			}
			g_usleep(25 * 1000);
		}
		if (!exited(*pid)) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
		}
		g_free(name);
		g_free(socket);
	}
	return false;
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
	if (!start_xvfb(&xvfb, &display)) {
		g_test_skip("no free display for Xvfb in :97..:120");
		return;
	}
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
