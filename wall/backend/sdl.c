/*
 * The sdl backend: a window, or fullscreen on one display, through SDL2.
 * GL draws the gl renderer's canvas into the window with a blit; soft
 * copies the soft renderer's canvas into the window surface.
 */
#include <GLES3/gl3.h>
#include <SDL.h>
#include <glib.h>
#include <libyuv.h>

#include "backend.h"
#include "log.h"
#include "sdl_keys.h"

struct sdl_backend {
	struct wall_backend base;
	enum wall_render_kind kind;
	SDL_Window *window;
	SDL_GLContext context;
	/* Linux key codes pressed since the last take_key, oldest first. */
	GArray *keys;
};

static const struct wall_backend_impl sdl_impl;

static struct sdl_backend *sdl_backend(struct wall_backend *backend)
{
	return (struct sdl_backend *)backend;
}

/* Drivers that open no real display: nothing anyone can watch. */
static bool driver_is_virtual(const char *driver)
{
	return driver == NULL || g_strcmp0(driver, "offscreen") == 0 ||
	       g_strcmp0(driver, "dummy") == 0;
}

bool wall_sdl_display_available(void)
{
	if (g_getenv("DISPLAY") == NULL && g_getenv("WAYLAND_DISPLAY") == NULL) {
		return false;
	}
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		return false;
	}
	bool available = !driver_is_virtual(SDL_GetCurrentVideoDriver());
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	return available;
}

static double display_refresh_hz(struct sdl_backend *sb)
{
	SDL_DisplayMode mode;
	int display = SDL_GetWindowDisplayIndex(sb->window);
	if (display >= 0 && SDL_GetCurrentDisplayMode(display, &mode) == 0 &&
	    mode.refresh_rate > 0) {
		return mode.refresh_rate;
	}
	/* Drivers that cannot tell (offscreen, some X servers) are nearly always at 60. */
	return 60.0;
}

static bool init_gl_context(struct sdl_backend *sb)
{
	sb->context = SDL_GL_CreateContext(sb->window);
	if (sb->context == NULL) {
		wall_error("sdl: cannot create a GL ES 3 context: %s", SDL_GetError());
		return false;
	}
	if (SDL_GL_MakeCurrent(sb->window, sb->context) != 0) {
		wall_error("sdl: cannot make the GL context current: %s", SDL_GetError());
		SDL_GL_DeleteContext(sb->context);
		sb->context = NULL;
		return false;
	}
	/*
	 * Swap at the vertical blank, so the render loop is paced by the
	 * display and a tile never tears. The offscreen driver swaps a
	 * pbuffer, which has no vertical blank to wait for.
	 */
	bool swap_waits = SDL_GL_SetSwapInterval(1) == 0;
	sb->base.has_vsync = swap_waits && !driver_is_virtual(SDL_GetCurrentVideoDriver());
	if (!swap_waits) {
		wall_warning("sdl: no vsync, frames are paced by the clock: %s", SDL_GetError());
	}
	sb->base.gl_renderer_name = (const char *)glGetString(GL_RENDERER);
	return true;
}

static bool sdl_init(struct wall_backend *backend, enum wall_render_kind kind)
{
	struct sdl_backend *sb = sdl_backend(backend);
	const struct wall_backend_options *options = &backend->options;
	if (kind != WALL_RENDER_GL && kind != WALL_RENDER_SOFT) {
		wall_error("sdl: unknown renderer kind %d", (int)kind);
		return false;
	}
	if (options->display_index < 0 || options->display_index >= SDL_GetNumVideoDisplays()) {
		wall_error("sdl: there is no display %d (%d found)", options->display_index,
			   SDL_GetNumVideoDisplays());
		return false;
	}
	sb->kind = kind;

	Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI;
	if (options->fullscreen) {
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	}
	if (kind == WALL_RENDER_GL) {
		flags |= SDL_WINDOW_OPENGL;
		SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
		SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
		SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
		SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
		/* The canvas is drawn off screen: the window needs no depth buffer. */
		SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
		/* An alpha channel would let a compositor show the desktop through the wall. */
		SDL_GL_SetAttribute(SDL_GL_ALPHA_SIZE, 0);
	}
	int position = SDL_WINDOWPOS_CENTERED_DISPLAY(options->display_index);
	sb->window = SDL_CreateWindow("wall", position, position, options->canvas_width_px,
				      options->canvas_height_px, flags);
	if (sb->window == NULL) {
		wall_error("sdl: cannot open a %dx%d window: %s", options->canvas_width_px,
			   options->canvas_height_px, SDL_GetError());
		goto err_window;
	}
	if (options->fullscreen) {
		/* Nobody works the wall with a mouse; a pointer left on it is just a blemish. */
		SDL_ShowCursor(SDL_DISABLE);
	}
	if (kind == WALL_RENDER_GL && !init_gl_context(sb)) {
		goto err_context;
	}
	if (kind == WALL_RENDER_SOFT) {
		/* A window surface is copied into, never waited on. */
		sb->base.has_vsync = false;
	}
	sb->base.refresh_hz = display_refresh_hz(sb);
	return true;

err_context:
	SDL_DestroyWindow(sb->window);
	sb->window = NULL;
err_window:
	return false;
}

static bool present_gl(struct sdl_backend *sb, struct wall_renderer *renderer)
{
	int width = 0;
	int height = 0;
	SDL_GL_GetDrawableSize(sb->window, &width, &height);
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	wall_gl_renderer_blit(renderer, width, height);
	SDL_GL_SwapWindow(sb->window);
	return true;
}

static bool present_soft(struct sdl_backend *sb, struct wall_renderer *renderer)
{
	/* Asked every frame: SDL makes a new surface when the window was resized. */
	SDL_Surface *surface = SDL_GetWindowSurface(sb->window);
	if (surface == NULL) {
		wall_error("sdl: no window surface: %s", SDL_GetError());
		return false;
	}
	uint8_t *canvas = NULL;
	int canvas_stride = 0;
	wall_soft_renderer_canvas(renderer, &canvas, &canvas_stride);
	int canvas_w = renderer->width_px;
	int canvas_h = renderer->height_px;

	Uint32 format = surface->format->format;
	if (format != SDL_PIXELFORMAT_ARGB8888 && format != SDL_PIXELFORMAT_RGB888) {
		/* Rare (16-bit displays): let SDL convert, slower but right. */
		SDL_Surface *source = SDL_CreateRGBSurfaceWithFormatFrom(
			canvas, canvas_w, canvas_h, 32, canvas_stride, SDL_PIXELFORMAT_ARGB8888);
		bool ok = source != NULL && SDL_BlitScaled(source, NULL, surface, NULL) == 0;
		SDL_FreeSurface(source);
		if (!ok) {
			wall_error("sdl: cannot copy the canvas to the window: %s", SDL_GetError());
			return false;
		}
		return SDL_UpdateWindowSurface(sb->window) == 0;
	}

	if (SDL_MUSTLOCK(surface) && SDL_LockSurface(surface) != 0) {
		wall_error("sdl: cannot lock the window surface: %s", SDL_GetError());
		return false;
	}
	/* Both are B, G, R, A bytes in memory (X ignored): libyuv's ARGB. */
	if (surface->w == canvas_w && surface->h == canvas_h) {
		ARGBCopy(canvas, canvas_stride, surface->pixels, surface->pitch, canvas_w,
			 canvas_h);
	} else {
		ARGBScale(canvas, canvas_stride, canvas_w, canvas_h, surface->pixels,
			  surface->pitch, surface->w, surface->h, kFilterBilinear);
	}
	if (SDL_MUSTLOCK(surface)) {
		SDL_UnlockSurface(surface);
	}
	if (SDL_UpdateWindowSurface(sb->window) != 0) {
		wall_error("sdl: cannot update the window: %s", SDL_GetError());
		return false;
	}
	return true;
}

static bool sdl_present(struct wall_backend *backend, struct wall_renderer *renderer)
{
	struct sdl_backend *sb = sdl_backend(backend);
	if (sb->kind == WALL_RENDER_GL && wall_renderer_is_gl(renderer)) {
		return present_gl(sb, renderer);
	}
	if (sb->kind == WALL_RENDER_SOFT && wall_renderer_is_soft(renderer)) {
		return present_soft(sb, renderer);
	}
	wall_error("sdl: cannot present a %s renderer on a window made for the other kind",
		   renderer != NULL ? renderer->impl->name : "missing");
	return false;
}

static bool sdl_dispatch(struct wall_backend *backend)
{
	struct sdl_backend *sb = sdl_backend(backend);
	SDL_Event event;
	bool running = true;
	while (SDL_PollEvent(&event)) {
		switch (event.type) {
		case SDL_QUIT:
			running = false;
			break;
		case SDL_WINDOWEVENT:
			if (event.window.event == SDL_WINDOWEVENT_CLOSE) {
				running = false;
			}
			break;
		case SDL_KEYDOWN: {
			/* By position, so the keys: map holds on any keyboard layout. */
			int code = wall_sdl_linux_key(event.key.keysym.scancode);
			if (code != 0 && event.key.repeat == 0) {
				g_array_append_val(sb->keys, code);
			}
			break;
		}
		default:
			break;
		}
	}
	return running;
}

static bool sdl_take_key(struct wall_backend *backend, struct wall_key *key)
{
	struct sdl_backend *sb = sdl_backend(backend);
	if (sb->keys->len == 0) {
		return false;
	}
	key->code = g_array_index(sb->keys, int, 0);
	g_array_remove_index(sb->keys, 0);
	g_strlcpy(key->peer, "keyboard", sizeof(key->peer));
	return true;
}

static void sdl_destroy(struct wall_backend *backend)
{
	struct sdl_backend *sb = sdl_backend(backend);
	if (sb->context != NULL) {
		SDL_GL_MakeCurrent(sb->window, NULL);
		SDL_GL_DeleteContext(sb->context);
	}
	if (sb->window != NULL) {
		SDL_DestroyWindow(sb->window);
	}
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	g_array_unref(sb->keys);
	g_free(sb);
}

static const struct wall_backend_impl sdl_impl = {
	.name = "sdl",
	.init = sdl_init,
	.present = sdl_present,
	.dispatch = sdl_dispatch,
	.destroy = sdl_destroy,
	.take_key = sdl_take_key,
};

struct wall_backend *wall_sdl_backend_create(const struct wall_backend_options *options)
{
	/* A wall nobody touches must not shrink away when a pop-up takes focus. */
	SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		wall_error("sdl: no display to open a window on: %s", SDL_GetError());
		return NULL;
	}
	struct sdl_backend *sb = g_new0(struct sdl_backend, 1);
	sb->base.impl = &sdl_impl;
	sb->base.options = *options;
	sb->base.refresh_hz = 60.0;
	sb->keys = g_array_new(FALSE, FALSE, sizeof(int));
	return &sb->base;
}
