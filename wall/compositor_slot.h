/*
 * A source slot: one running source and the picture it shows now. The
 * compositor keeps one per source shown, preloaded or warm, however many
 * tiles show it: its picture is taken and uploaded once per frame.
 */
#ifndef WALL_COMPOSITOR_SLOT_H
#define WALL_COMPOSITOR_SLOT_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "render/renderer.h"
#include "source.h"

struct wall_plugin_registry;

struct source_slot {
	struct wall_source *source;
	const struct wall_layout_source *config;
	/* The picture on screen, and a newer one not yet uploaded. */
	struct wall_frame_ref *current;
	struct wall_frame_ref *pending;
	struct wall_texture texture;
	/* A new picture arrived this frame. */
	bool fresh;
	struct wall_source_health health;
	uint64_t health_generation;
	/* Set while collecting: some tile, tour or warm list still wants it. */
	bool wanted;
	/* A tile shows it; false for a warm source, which decodes key frames only. */
	bool shown;
	/* When the last new picture arrived (monotonic), and fps over the last window. */
	int64_t last_frame_us;
	int64_t fps_window_us;
	uint32_t fps_window_frames;
	double fps;
	/*
	 * The source's own overlay (push_overlay: a HUD, a map), drawn over
	 * its picture or slate: the one uploaded, and a newer one (NULL when
	 * removed) while overlay_waiting. It changes on its own clock.
	 */
	struct wall_frame_ref *overlay_current;
	struct wall_frame_ref *overlay_pending;
	struct wall_texture overlay_texture;
	bool overlay_waiting;
	bool overlay_fresh;
};

/** Start config's source. registry must outlive the slot. */
struct source_slot *compositor_slot_create(const struct wall_layout_source *config,
                                           struct wall_plugin_registry *registry);
/** Stop the source and free its textures. */
void compositor_slot_destroy(struct source_slot *slot, struct wall_renderer *renderer);

/** Take the newest picture, overlay and health at now_us; note what changed. */
void compositor_slot_take(struct source_slot *slot, int64_t now_us);
/** The newest picture, uploaded or not; NULL before the first. */
const struct wall_frame_ref *compositor_slot_picture(const struct source_slot *slot);
/** Upload the pending picture, once however many tiles show it; slot->current is it after. */
void compositor_slot_upload(struct source_slot *slot, struct wall_renderer *renderer);
/** Draw the source's own overlay over rect, uploading a new one first. */
void compositor_slot_draw_overlay(struct source_slot *slot, const struct wall_rect *rect,
                                  struct wall_renderer *renderer);

/**
 * Add state, reason, fps, age_ms and status (the plugin's own pairs) to
 * builder, which is inside an object.
 */
void compositor_slot_describe(struct source_slot *slot, JsonBuilder *builder, int64_t now_us);

#endif
