/*
 * Backends: where the canvas goes. Built into the binary, behind a small
 * vtable as in wlroots: the impl pointer is also the type tag.
 *
 * - sdl: a window or fullscreen on a display, through SDL2.
 * - headless: off screen, for tests, screenshots and previews.
 *
 * Everything here runs on the render thread.
 */
#ifndef WALL_BACKEND_H
#define WALL_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "render/renderer.h"

struct wall_backend_options {
	int32_t canvas_width_px;
	int32_t canvas_height_px;
	bool fullscreen;
	int display_index;
	/** Presentation rate when the backend has no vsync (headless). */
	double fps;
	/**
	 * What each output shows (wall.outputs and wall.monitors), read
	 * during init(), and replaced before relayout(). NULL: the first
	 * output shows the whole canvas.
	 */
	const struct wall_layout *layout;
};

struct wall_backend;
struct wall_layout;

/** A key pressed on one of the wall's own input devices. */
struct wall_key {
	/** Linux key code (KEY_PAGEDOWN of linux/input-event-codes.h), on every backend. */
	int code;
	/** Who pressed it, for the audit log: "input:<device name>", "keyboard". */
	char peer[96];
};

struct wall_backend_impl {
	const char *name;
	/**
	 * Get ready for a renderer of this kind: for GL, create a GL ES 3
	 * context and make it current. Returns false, having logged why, when
	 * the kind cannot be served (no GL).
	 */
	bool (*init)(struct wall_backend *backend, enum wall_render_kind kind);
	/**
	 * Show what renderer drew. Blocks until the next vertical blank where
	 * the backend has one.
	 */
	bool (*present)(struct wall_backend *backend, struct wall_renderer *renderer);
	/** Handle window events. Returns false when the user closed the wall. */
	bool (*dispatch)(struct wall_backend *backend);
	/** Free everything. */
	void (*destroy)(struct wall_backend *backend);
	/**
	 * The next key pressed since the last call, oldest first: fills key
	 * and returns true, or returns false when none is waiting. Never
	 * blocks. May be NULL: the backend has no keyboard.
	 */
	bool (*take_key)(struct wall_backend *backend, struct wall_key *key);
	/**
	 * A reload replaced the layout (same canvas size): show each output's
	 * part of its mapping (wall.outputs, wall.monitors), lighting anew
	 * the outputs whose part or mode changed. Called between frames, before
	 * the frame that draws the new layout; layout stays valid until the
	 * next call or destroy(). May be NULL: outputs keep their parts.
	 */
	bool (*relayout)(struct wall_backend *backend, const struct wall_layout *layout);
};

struct wall_backend {
	const struct wall_backend_impl *impl;
	struct wall_backend_options options;
	/** The GL_RENDERER string once init(GL) succeeded, else NULL. */
	const char *gl_renderer_name;
	/** True when present() waits for vertical blank. */
	bool has_vsync;
	/** Refresh rate of the output, Hz. */
	double refresh_hz;
};

struct wall_backend *wall_headless_backend_create(const struct wall_backend_options *options);
/** Returns NULL, having logged why, when no display is available. */
struct wall_backend *wall_sdl_backend_create(const struct wall_backend_options *options);
/** True when an SDL video driver other than offscreen/dummy can open. */
bool wall_sdl_display_available(void);
/**
 * The kms backend: every card in /dev/dri, each mapped output its crop of
 * the canvas. Returns NULL, having logged why, when no card can be opened.
 */
struct wall_backend *wall_kms_backend_create(const struct wall_backend_options *options);
/** True when some card has a connected connector (what --backend auto asks). */
bool wall_kms_available(void);
/**
 * Hand the soft renderer the outputs' scanout buffers to draw into. Call
 * once the renderer exists; does nothing for other backends or renderers.
 */
void wall_kms_backend_attach(struct wall_backend *backend, struct wall_renderer *renderer);
/**
 * Open a device (a keyboard's /dev/input/event*) through the kms
 * backend's seat, so a user without root may read it, and have it taken
 * away with the display on a VT switch; without a seat, or on another
 * backend, the file itself is opened. Returns an fd (O_RDWR, close-on-
 * exec) or -1 with errno set. Close it with wall_kms_backend_close_device().
 * For libinput's open_restricted.
 */
int wall_kms_backend_open_device(struct wall_backend *backend, const char *path, int flags);
void wall_kms_backend_close_device(struct wall_backend *backend, int fd);
/**
 * Print the cards, connectors, modes and, with a layout, what each would
 * show (wall --list-outputs). Returns an exit status.
 */
int wall_kms_list_outputs(const struct wall_layout *layout, FILE *out);

static inline void wall_backend_destroy(struct wall_backend *backend)
{
	if (backend != NULL) {
		backend->impl->destroy(backend);
	}
}

#endif
