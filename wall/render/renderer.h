/*
 * Renderers: the two ways to compose the canvas, behind one vtable.
 *
 * - gl: GL ES 3.0 with the shaders in shaders/. Draws into a canvas
 *   framebuffer object that lives across frames, so only damaged tiles are
 *   redrawn; the backend then shows it.
 * - soft: libyuv converts and scales into a Cairo ARGB32 canvas in memory.
 *
 * The compositor decides what to redraw (damage) and in what order; a
 * renderer only draws what it is told, on the render thread. Colours are
 * 0xAARRGGBB, not premultiplied. Both renderers must draw the same
 * picture within a small tolerance.
 */
#ifndef WALL_RENDERER_H
#define WALL_RENDERER_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "rect.h"
#include "wall/plugin.h"

enum wall_render_kind {
	WALL_RENDER_INVALID = 0,
	WALL_RENDER_GL,
	WALL_RENDER_SOFT,
};

/**
 * A picture the renderer can draw: a video frame, a label or a slate.
 * Owned by the caller (zero it before first use); the renderer keeps its
 * own data in priv. Call texture_finish() before freeing it.
 */
struct wall_texture {
	void *priv;
	uint32_t width_px;
	uint32_t height_px;
	enum wall_pixel_format format;
};

struct wall_renderer;

struct wall_renderer_impl {
	const char *name;

	/** Free the renderer. The caller finished every texture first. */
	void (*destroy)(struct wall_renderer *renderer);

	/** Start a frame. */
	bool (*begin)(struct wall_renderer *renderer);

	/** Fill rect with a colour; a translucent colour blends over the canvas. */
	void (*fill)(struct wall_renderer *renderer, const struct wall_rect *rect, uint32_t argb);

	/**
	 * Make tex show frame. gl uploads at once and no longer needs the
	 * frame; soft keeps pointing at the planes, so the caller keeps the
	 * frame alive until the next upload() or texture_finish() of tex.
	 * Returns false when the format is not supported.
	 */
	bool (*upload)(struct wall_renderer *renderer, struct wall_texture *tex,
		       const struct wall_frame *frame);

	/**
	 * Draw crop (in texture pixels) of tex, scaled into dest with bilinear
	 * filtering, at opacity alpha (0..1). BGRA and RGBA textures blend by
	 * their own alpha; YUV ones are opaque.
	 */
	void (*draw)(struct wall_renderer *renderer, struct wall_texture *tex,
		     const struct wall_crop *crop, const struct wall_rect *dest, float alpha);

	/** Release what tex holds. Accepts a texture never uploaded. */
	void (*texture_finish)(struct wall_renderer *renderer, struct wall_texture *tex);

	/** End the frame: the canvas is complete. */
	bool (*end)(struct wall_renderer *renderer);

	/** Copy the whole canvas into a new Cairo ARGB32 image surface (screenshots). */
	cairo_surface_t *(*read_canvas)(struct wall_renderer *renderer);

	/**
	 * Make tex a copy of the canvas as it stands, to draw later with
	 * draw() (scene transitions fade or wipe it over the new scene). The
	 * copy stays on the renderer's side (a GPU texture on gl), owned by
	 * tex until texture_finish(). Call outside begin()/end(). Returns
	 * false when it cannot. May be NULL: transitions then cut.
	 */
	bool (*snapshot)(struct wall_renderer *renderer, struct wall_texture *tex);
};

struct wall_renderer {
	const struct wall_renderer_impl *impl;
	int32_t width_px;
	int32_t height_px;
};

/** The soft renderer; its canvas lives in memory. */
struct wall_renderer *wall_soft_renderer_create(int32_t width_px, int32_t height_px);
/** The canvas pixels (Cairo ARGB32, premultiplied) of a soft renderer. */
void wall_soft_renderer_canvas(struct wall_renderer *renderer, uint8_t **data, int *stride);
bool wall_renderer_is_soft(const struct wall_renderer *renderer);

/** Memory the soft renderer draws rect of the canvas into, 1:1, as XRGB8888. */
struct wall_soft_target {
	uint8_t *data;
	int stride_bytes;
	/** In canvas pixels; may reach past the canvas, where nothing is drawn. */
	struct wall_rect rect;
};

/**
 * From now on, draw each target's part of the canvas straight into it
 * (an output's scanout buffer) instead of into the canvas in memory;
 * count 0 goes back to the canvas. Call between frames; the memory must
 * stay valid until the next call. Clears the damage. Screenshots and
 * snapshots then read the targets, black between them.
 */
void wall_soft_renderer_set_targets(struct wall_renderer *renderer,
				    const struct wall_soft_target *targets, size_t count);
/**
 * The canvas rectangles drawn since wall_soft_renderer_set_targets() was
 * last called (clipped to the canvas; they may overlap). Owned by the
 * renderer.
 */
const struct wall_rect *wall_soft_renderer_damage(struct wall_renderer *renderer, size_t *count);

/**
 * The gl renderer. A GL ES 3 context must be current on this thread, and
 * stay current for the renderer's life. shader_dir holds the .vert/.frag
 * files. Returns NULL, having logged why, when shaders fail to build.
 */
struct wall_renderer *wall_gl_renderer_create(int32_t width_px, int32_t height_px,
					      const char *shader_dir);
/**
 * Copy the canvas into the framebuffer bound now (the window's), scaled
 * to width_px x height_px.
 */
void wall_gl_renderer_blit(struct wall_renderer *renderer, int32_t width_px, int32_t height_px);
/**
 * Copy crop of the canvas 1:1 to the top left of the framebuffer bound
 * now, which is width_px x height_px; the rest of it turns black. One
 * output of a wall: never scaled, so bezels stay right.
 */
void wall_gl_renderer_blit_crop(struct wall_renderer *renderer, const struct wall_rect *crop,
				int32_t width_px, int32_t height_px);
/**
 * Read crop of the canvas 1:1 into memory as XRGB8888, rows from the top,
 * stride_bytes apart: for an output on a card the GL context cannot draw
 * to. Memory under the part of crop outside the canvas is left alone.
 * Returns false when GL reported an error.
 */
bool wall_gl_renderer_read_crop(struct wall_renderer *renderer, const struct wall_rect *crop,
				uint8_t *data, int stride_bytes);
bool wall_renderer_is_gl(const struct wall_renderer *renderer);

static inline void wall_renderer_destroy(struct wall_renderer *renderer)
{
	if (renderer != NULL) {
		renderer->impl->destroy(renderer);
	}
}

#endif
