/*
 * The compositor: runs the sources of the scene on screen and composes
 * the canvas once per frame, on the render thread.
 *
 * Each frame it takes every source's newest picture, decides what each
 * tile shows (picture, dimmed picture, or a slate saying why not), and
 * redraws only the tiles whose picture or overlay changed, plus the tiles
 * above them (damage tracking). A wall of still tiles costs nearly nothing.
 */
#ifndef WALL_COMPOSITOR_H
#define WALL_COMPOSITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "render/renderer.h"

struct wall_plugin_registry;
struct wall_stats;
struct wall_compositor;

/** renderer, registry and stats must outlive the compositor; stats may be NULL. */
struct wall_compositor *wall_compositor_create(struct wall_renderer *renderer,
					       struct wall_plugin_registry *registry,
					       struct wall_stats *stats);
/** Destroys every source and texture. Accepts NULL. */
void wall_compositor_destroy(struct wall_compositor *compositor);

/**
 * Show scene, from layout (which must outlive its use here). Sources the
 * new scene shares with the old one keep running untouched; the others
 * stop. The next render redraws the whole canvas.
 */
void wall_compositor_set_scene(struct wall_compositor *compositor,
			       const struct wall_layout *layout,
			       const struct wall_layout_scene *scene);

const struct wall_layout_scene *wall_compositor_get_scene(const struct wall_compositor *compositor);

/**
 * Compose one frame at time now_us (monotonic). Returns true when the
 * canvas changed, false when nothing needed drawing.
 */
bool wall_compositor_render(struct wall_compositor *compositor, int64_t now_us);

#endif
