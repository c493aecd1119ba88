/*
 * The sdl backend: a window, or fullscreen on one display, through SDL2.
 * GL draws the gl renderer's canvas into the window with a blit; soft
 * copies the soft renderer's canvas into the window surface.
 *
 * With --fullscreen and a layout that maps outputs (wall.outputs, by
 * SDL's display names), or several displays for a wall of monitors, it
 * opens one borderless fullscreen window per mapped display instead, each
 * showing its crop of the canvas 1:1, as the kms backend does.
 */
#include <GLES3/gl3.h>
#include <SDL.h>
#include <glib.h>
#include <libyuv.h>

#include <string.h>

#include "backend.h"
#include "log.h"
#include "outputs.h"
#include "sdl_keys.h"

/** A window on one display, showing crop of the canvas. */
struct sdl_output {
	SDL_Window *window;
	struct wall_rect crop;
	/** The SDL display it fills. */
	int display;
};

struct sdl_backend {
	struct wall_backend base;
	enum wall_render_kind kind;
	SDL_Window *window;
	SDL_GLContext context;
	/* Linux key codes pressed since the last take_key, oldest first. */
	GArray *keys;
	/** struct sdl_output, one per mapped display; NULL for one window. */
	GArray *outputs;
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

/* One window per display: asked for, and something to spread over. */
static bool wants_outputs(const struct wall_backend_options *options)
{
	const struct wall_layout *layout = options->layout;
	if (!options->fullscreen || layout == NULL) {
		return false;
	}
	return layout->outputs->len > 0 ||
	       (SDL_GetNumVideoDisplays() > 1 && layout->monitor_cols * layout->monitor_rows > 1);
}

static bool open_outputs(struct sdl_backend *sb, Uint32 flags)
{
	const struct wall_layout *layout = sb->base.options.layout;
	sb->outputs = g_array_new(FALSE, TRUE, sizeof(struct sdl_output));
	int displays = SDL_GetNumVideoDisplays();
	for (int i = 0; i < displays; i++) {
		const char *name = SDL_GetDisplayName(i);
		struct wall_output_plan plan;
		SDL_Rect bounds;
		if (!wall_layout_output_plan(layout, name, (size_t)i, &plan)) {
			wall_info("sdl: display %d (%s) is not mapped; left alone", i, name);
			continue;
		}
		if (SDL_GetDisplayBounds(i, &bounds) != 0) {
			continue;
		}
		struct sdl_output output = {
			.window = SDL_CreateWindow("wall", bounds.x, bounds.y, bounds.w, bounds.h,
						   flags | SDL_WINDOW_BORDERLESS),
			.crop = plan.rect,
			.display = i,
		};
		if (output.window == NULL) {
			wall_error("sdl: cannot open a window on display %d: %s", i, SDL_GetError());
			return false;
		}
		output.crop.width = MIN(output.crop.width, bounds.w);
		output.crop.height = MIN(output.crop.height, bounds.h);
		g_array_append_val(sb->outputs, output);
		char *shows = wall_rect_describe(&output.crop);
		wall_info("sdl: display %d (%s) %dx%d showing %s", i, name, bounds.w, bounds.h,
			  shows);
		g_free(shows);
	}
	if (sb->outputs->len == 0) {
		wall_error("sdl: the layout maps none of the %d displays; their names are "
			   "what SDL calls them (display 0 is \"%s\")",
			   displays, SDL_GetDisplayName(0));
		return false;
	}
	sb->window = g_array_index(sb->outputs, struct sdl_output, 0).window;
	return true;
}

static struct sdl_output *find_output(struct sdl_backend *sb, int display)
{
	for (guint i = 0; i < sb->outputs->len; i++) {
		struct sdl_output *output = &g_array_index(sb->outputs, struct sdl_output, i);
		if (output->display == display) {
			return output;
		}
	}
	return NULL;
}

/*
 * A reload's mapping: each window shows its display's new part (nothing,
 * black, when the layout no longer maps it). Windows open at start only:
 * a display mapped for the first time waits for a restart.
 */
static bool sdl_relayout(struct wall_backend *backend, const struct wall_layout *layout)
{
	struct sdl_backend *sb = sdl_backend(backend);
	if (sb->outputs == NULL) {
		return true;
	}
	for (int i = 0; i < SDL_GetNumVideoDisplays(); i++) {
		const char *name = SDL_GetDisplayName(i);
		struct sdl_output *output = find_output(sb, i);
		struct wall_output_plan plan;
		bool mapped = wall_layout_output_plan(layout, name, (size_t)i, &plan);
		if (output == NULL) {
			if (mapped) {
				wall_warning("sdl: display %d (%s) is mapped now; its window opens "
					     "when the wall restarts",
					     i, name);
			}
			continue;
		}
		struct wall_rect crop = {0};
		if (mapped) {
			int width = 0;
			int height = 0;
			SDL_GetWindowSize(output->window, &width, &height);
			crop = plan.rect;
			crop.width = MIN(crop.width, width);
			crop.height = MIN(crop.height, height);
		}
		if (memcmp(&crop, &output->crop, sizeof(crop)) == 0) {
			continue;
		}
		output->crop = crop;
		char *shows = wall_rect_describe(&crop);
		wall_info("sdl: display %d (%s) remapped to %s", i, name,
			  mapped ? shows : "nothing; black");
		g_free(shows);
	}
	return true;
}

/* Only the first window's swap waits for the blank: one wait a frame. */
static void outputs_swap_intervals(struct sdl_backend *sb)
{
	for (guint i = 1; i < sb->outputs->len; i++) {
		SDL_GL_MakeCurrent(g_array_index(sb->outputs, struct sdl_output, i).window,
				   sb->context);
		SDL_GL_SetSwapInterval(0);
	}
	SDL_GL_MakeCurrent(sb->window, sb->context);
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
	if (wants_outputs(options)) {
		if (!open_outputs(sb, flags)) {
			goto err_window;
		}
	} else {
		sb->window = SDL_CreateWindow("wall", position, position, options->canvas_width_px,
					      options->canvas_height_px, flags);
	}
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
	if (kind == WALL_RENDER_GL && sb->outputs != NULL) {
		outputs_swap_intervals(sb);
	}
	if (kind == WALL_RENDER_SOFT) {
		/* A window surface is copied into, never waited on. */
		sb->base.has_vsync = false;
	}
	sb->base.refresh_hz = display_refresh_hz(sb);
	return true;

err_context:
	if (sb->outputs == NULL) {
		SDL_DestroyWindow(sb->window);
	}
	sb->window = NULL;
err_window:
	return false;
}

/* The first window last: its swap is the one that waits. */
static bool present_outputs_gl(struct sdl_backend *sb, struct wall_renderer *renderer)
{
	for (guint i = sb->outputs->len; i-- > 0;) {
		const struct sdl_output *output = &g_array_index(sb->outputs, struct sdl_output, i);
		int width = 0;
		int height = 0;
		SDL_GL_MakeCurrent(output->window, sb->context);
		SDL_GL_GetDrawableSize(output->window, &width, &height);
		glBindFramebuffer(GL_FRAMEBUFFER, 0);
		glViewport(0, 0, width, height);
		wall_gl_renderer_blit_crop(renderer, &output->crop, width, height);
		SDL_GL_SwapWindow(output->window);
	}
	return true;
}

static bool present_outputs_soft(struct sdl_backend *sb, struct wall_renderer *renderer)
{
	uint8_t *canvas = NULL;
	int canvas_stride = 0;
	wall_soft_renderer_canvas(renderer, &canvas, &canvas_stride);
	SDL_Surface *source = SDL_CreateRGBSurfaceWithFormatFrom(
		canvas, renderer->width_px, renderer->height_px, 32, canvas_stride,
		SDL_PIXELFORMAT_ARGB8888);
	if (source == NULL) {
		wall_error("sdl: cannot wrap the canvas: %s", SDL_GetError());
		return false;
	}
	bool ok = true;
	struct wall_rect whole = {0, 0, renderer->width_px, renderer->height_px};
	for (guint i = 0; i < sb->outputs->len && ok; i++) {
		const struct sdl_output *output = &g_array_index(sb->outputs, struct sdl_output, i);
		SDL_Surface *surface = SDL_GetWindowSurface(output->window);
		struct wall_rect part = wall_rect_intersection(&output->crop, &whole);
		SDL_Rect from = {part.x, part.y, part.width, part.height};
		SDL_Rect to = {part.x - output->crop.x, part.y - output->crop.y, part.width,
			       part.height};
		/* 1:1, so SDL copies rows (converting only on odd window formats). */
		ok = surface != NULL && SDL_FillRect(surface, NULL, 0) == 0 &&
		     (wall_rect_empty(&part) || SDL_BlitSurface(source, &from, surface, &to) == 0) &&
		     SDL_UpdateWindowSurface(output->window) == 0;
	}
	if (!ok) {
		wall_error("sdl: cannot show the canvas on a display: %s", SDL_GetError());
	}
	SDL_FreeSurface(source);
	return ok;
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
		return sb->outputs != NULL ? present_outputs_gl(sb, renderer)
					   : present_gl(sb, renderer);
	}
	if (sb->kind == WALL_RENDER_SOFT && wall_renderer_is_soft(renderer)) {
		return sb->outputs != NULL ? present_outputs_soft(sb, renderer)
					   : present_soft(sb, renderer);
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
	if (sb->outputs != NULL) {
		for (guint i = 0; i < sb->outputs->len; i++) {
			SDL_DestroyWindow(g_array_index(sb->outputs, struct sdl_output, i).window);
		}
		g_array_unref(sb->outputs);
	} else if (sb->window != NULL) {
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
	.relayout = sdl_relayout,
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
