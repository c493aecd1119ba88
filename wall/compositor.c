/* Scenes, sources and tours: which tiles show what, and which sources run. */
#include "compositor_private.h"

#include <string.h>

#include "label.h"
#include "log.h"
#include "stats.h"

static struct source_slot *slot_create(const struct wall_layout_source *config,
                                       struct wall_plugin_registry *registry)
{
	struct source_slot *slot = g_new0(struct source_slot, 1);
	slot->config = config;
	slot->source = wall_source_create(config, registry);
	slot->health_generation = wall_source_health_generation(slot->source);
	wall_source_get_health(slot->source, &slot->health);
	return slot;
}

static void slot_destroy(struct source_slot *slot, struct wall_renderer *renderer)
{
	wall_source_destroy(slot->source);
	renderer->impl->texture_finish(renderer, &slot->texture);
	wall_frame_ref_unref(slot->current);
	wall_frame_ref_unref(slot->pending);
	renderer->impl->texture_finish(renderer, &slot->overlay_texture);
	wall_frame_ref_unref(slot->overlay_current);
	wall_frame_ref_unref(slot->overlay_pending);
	g_free(slot->health.reason);
	g_free(slot);
}

/* Take the newest picture and health; note what changed. */
static void slot_poll(struct source_slot *slot, int64_t now_us)
{
	struct wall_frame_ref *ref = wall_source_take_frame(slot->source);
	slot->fresh = ref != NULL;
	if (ref != NULL) {
		wall_frame_ref_unref(slot->pending);
		slot->pending = ref;
		slot->last_frame_us = now_us;
		slot->fps_window_frames++;
	}
	if (slot->fps_window_us == 0) {
		slot->fps_window_us = now_us;
	} else if (now_us - slot->fps_window_us >= FPS_WINDOW_US) {
		slot->fps = slot->fps_window_frames * (double)G_USEC_PER_SEC /
		            (double)(now_us - slot->fps_window_us);
		slot->fps_window_us = now_us;
		slot->fps_window_frames = 0;
	}
	struct wall_frame_ref *overlay = NULL;
	slot->overlay_fresh = wall_source_take_overlay(slot->source, &overlay);
	if (slot->overlay_fresh) {
		wall_frame_ref_unref(slot->overlay_pending);
		slot->overlay_pending = overlay;
		slot->overlay_waiting = true;
	}
	uint64_t generation = wall_source_health_generation(slot->source);
	if (generation != slot->health_generation) {
		g_free(slot->health.reason);
		wall_source_get_health(slot->source, &slot->health);
		slot->health_generation = slot->health.generation;
	}
}

const struct wall_frame_ref *compositor_slot_picture(const struct source_slot *slot)
{
	return slot->pending != NULL ? slot->pending : slot->current;
}

static void tile_destroy(struct tile *tile, struct wall_renderer *renderer)
{
	compositor_overlay_finish(&tile->label, renderer);
	compositor_overlay_finish(&tile->slate_text, renderer);
	compositor_overlay_finish(&tile->badge, renderer);
	wall_slate_clear(&tile->slate);
	g_free(tile->slate_key);
	g_free(tile);
}

/* The tile's own label, else the label of the source it shows. */
static const char *tile_label(const struct tile *tile)
{
	if (tile->config->label_own != NULL || tile->shown == tile->config->source) {
		return tile->config->label;
	}
	return tile->shown->label;
}

static struct tile *tile_create(const struct wall_layout_tile *config)
{
	struct tile *tile = g_new0(struct tile, 1);
	tile->config = config;
	tile->tour_running = config->tour != NULL && config->tour->len > 1;
	tile->reported_state = WALL_SOURCE_STATE_INVALID;
	return tile;
}

struct wall_compositor *wall_compositor_create(struct wall_renderer *renderer,
                                               struct wall_plugin_registry *registry,
                                               struct wall_stats *stats)
{
	struct wall_compositor *compositor = g_new0(struct wall_compositor, 1);
	compositor->renderer = renderer;
	compositor->registry = registry;
	compositor->stats = stats;
	compositor->slots = g_hash_table_new(g_str_hash, g_str_equal);
	compositor->tiles = g_ptr_array_new();
	compositor->alarm_queue = g_ptr_array_new();
	compositor->events = g_ptr_array_new_with_free_func(g_free);
	compositor->warm = g_ptr_array_new();
	compositor->full_damage = true;
	return compositor;
}

static void destroy_tiles(struct wall_compositor *compositor)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		tile_destroy(compositor->tiles->pdata[i], compositor->renderer);
	}
	g_ptr_array_set_size(compositor->tiles, 0);
}

static void transition_end(struct wall_compositor *compositor)
{
	struct transition *transition = &compositor->transition;
	compositor->renderer->impl->texture_finish(compositor->renderer, &transition->snapshot);
	transition->active = false;
	compositor->full_damage = true;
}

void wall_compositor_destroy(struct wall_compositor *compositor)
{
	if (compositor == NULL) {
		return;
	}
	transition_end(compositor);
	destroy_tiles(compositor);
	g_ptr_array_free(compositor->tiles, TRUE);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		slot_destroy(value, compositor->renderer);
	}
	g_hash_table_destroy(compositor->slots);
	compositor_alarm_free(compositor->alarm);
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		compositor_alarm_free(compositor->alarm_queue->pdata[i]);
	}
	g_ptr_array_free(compositor->alarm_queue, TRUE);
	g_ptr_array_free(compositor->events, TRUE);
	g_ptr_array_free(compositor->warm, TRUE);
	g_free(compositor);
}

const struct wall_layout_source *compositor_tour_stop(const struct tile *tile, guint index)
{
	return tile->config->tour->pdata[index % tile->config->tour->len];
}

/* What the tile should show now; see the top of compositor.h. */
static const struct wall_layout_source *tile_want(const struct tile *tile)
{
	if (tile->alarm != NULL) {
		return tile->alarm->source;
	}
	if (tile->pinned != NULL) {
		return tile->pinned;
	}
	if (tile->config->tour != NULL) {
		return compositor_tour_stop(tile, tile->tour_index);
	}
	return tile->config->source;
}

static struct source_slot *want_slot(struct wall_compositor *compositor,
                                     const struct wall_layout_source *config)
{
	struct source_slot *slot = g_hash_table_lookup(compositor->slots, config->name);
	if (slot != NULL && slot->config != config) {
		/* Same name, other definition (a reload changed it): start anew. */
		g_hash_table_remove(compositor->slots, config->name);
		slot_destroy(slot, compositor->renderer);
		slot = NULL;
	}
	if (slot == NULL) {
		slot = slot_create(config, compositor->registry);
		g_hash_table_insert(compositor->slots, (char *)config->name, slot);
	}
	slot->wanted = true;
	return slot;
}

/* Each source learns the largest tile it is shown in (or will be), to pick a stream. */
static void tell_view_size(GHashTable *largest, struct source_slot *slot,
                           const struct wall_layout_tile *config)
{
	const struct wall_layout_tile *best = g_hash_table_lookup(largest, slot);
	const struct wall_rect *rect = &config->rect;
	if (best == NULL ||
	    (int64_t)rect->width * rect->height > (int64_t)best->rect.width * best->rect.height) {
		g_hash_table_insert(largest, slot, (void *)config);
	}
}

/*
 * Give every tile the slot of the source it should show, keep the slots
 * that tours will show next and the warm ones, and stop every other.
 * Call after anything that changes what a tile shows.
 */
void compositor_sync_slots(struct wall_compositor *compositor)
{
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		((struct source_slot *)value)->wanted = false;
	}
	GHashTable *largest = g_hash_table_new(NULL, NULL);
	GHashTable *shown = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		const struct wall_layout_source *want = tile_want(tile);
		struct source_slot *slot = want_slot(compositor, want);
		if (slot != tile->slot) {
			tile->slot = slot;
			tile->shown = want;
			tile->dirty = true;
			g_clear_pointer(&tile->slate_key, g_free);
			const char *label = tile_label(tile);
			compositor_overlay_set(
			        &tile->label, label != NULL && label[0] != '\0'
			                              ? compositor_render_label(tile->config, label)
			                              : NULL);
			tile->shown_counter =
			        compositor->stats == NULL
			                ? NULL
			                : wall_stats_tile_counter(compositor->stats,
			                                          compositor->scene->name,
			                                          tile->config->id, want->name);
		}
		g_hash_table_add(shown, slot);
		tell_view_size(largest, slot, tile->config);
		/*
		 * Preload the tour's next stop so the change shows no slate. It
		 * counts as shown: hidden, a stream decodes key frames only, and
		 * the tour would show a still until the next key frame.
		 */
		if (tile->config->tour != NULL && tile->tour_running && tile->pinned == NULL) {
			struct source_slot *next = want_slot(
			        compositor, compositor_tour_stop(tile, tile->tour_index + 1));
			g_hash_table_add(shown, next);
			tell_view_size(largest, next, tile->config);
		}
	}
	/*
	 * Warm sources run hidden, and learn the size of the tile their preset
	 * shows them in, so a recall finds the right stream (main or sub)
	 * already running.
	 */
	for (guint i = 0; i < compositor->warm->len; i++) {
		const struct wall_layout_tile *config = compositor->warm->pdata[i];
		struct source_slot *slot = want_slot(compositor, config->source);
		if (!g_hash_table_contains(shown, slot)) {
			tell_view_size(largest, slot, config);
		}
	}

	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		struct source_slot *slot = value;
		if (!slot->wanted) {
			g_hash_table_iter_remove(&iter);
			slot_destroy(slot, compositor->renderer);
			continue;
		}
		/* The source passes on changes only, and always the first. */
		wall_source_set_visible(slot->source, g_hash_table_contains(shown, slot));
	}
	g_hash_table_iter_init(&iter, largest);
	void *key;
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		struct source_slot *slot = key;
		const struct wall_layout_tile *config = value;
		wall_source_set_view_size(slot->source, (uint32_t)config->rect.width,
		                          (uint32_t)config->rect.height);
	}
	g_hash_table_destroy(largest);
	g_hash_table_destroy(shown);
}

static void build_tiles(struct wall_compositor *compositor)
{
	for (guint i = 0; i < compositor->scene->tiles->len; i++) {
		g_ptr_array_add(compositor->tiles, tile_create(compositor->scene->tiles->pdata[i]));
	}
}

static void start_tours(struct wall_compositor *compositor, int64_t now_us)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->tour_running) {
			tile->tour_deadline_us = now_us + tile->config->dwell_ms * 1000;
		}
	}
}

static void switch_scene(struct wall_compositor *compositor, const struct wall_layout *layout,
                         const struct wall_layout_scene *scene, int64_t now_us)
{
	compositor_alarm_unplace(compositor);
	destroy_tiles(compositor);
	compositor->layout = layout;
	compositor->scene = scene;
	g_ptr_array_free(compositor->warm, TRUE);
	compositor->warm = wall_layout_warm_tiles(layout, scene);
	build_tiles(compositor);
	start_tours(compositor, now_us);
	compositor_alarm_place(compositor);
	compositor_sync_slots(compositor);
	compositor->full_damage = true;
}

void wall_compositor_set_scene(struct wall_compositor *compositor, const struct wall_layout *layout,
                               const struct wall_layout_scene *scene)
{
	wall_compositor_show_scene(compositor, layout, scene, WALL_TRANSITION_CUT, 0,
	                           g_get_monotonic_time());
}

void wall_compositor_show_scene(struct wall_compositor *compositor,
                                const struct wall_layout *layout,
                                const struct wall_layout_scene *scene,
                                enum wall_transition_kind transition, int64_t duration_ms,
                                int64_t now_us)
{
	struct wall_renderer *renderer = compositor->renderer;
	bool animate = (transition == WALL_TRANSITION_FADE || transition == WALL_TRANSITION_WIPE) &&
	               duration_ms > 0 && compositor->scene != NULL &&
	               renderer->impl->snapshot != NULL;
	if (compositor->transition.active) {
		/* Cut the running one short where it stands: the canvas holds
		 * its last mixed picture, which the new snapshot takes over. */
		transition_end(compositor);
	}
	if (animate && renderer->impl->snapshot(renderer, &compositor->transition.snapshot)) {
		compositor->transition.kind = transition;
		compositor->transition.start_us = now_us;
		compositor->transition.duration_us = duration_ms * 1000;
		compositor->transition.active = true;
	}
	switch_scene(compositor, layout, scene, now_us);
}

/* Same plugin, same options: the running instance can stay. */
static bool same_source(const struct wall_layout_source *a, const struct wall_layout_source *b)
{
	if (g_strcmp0(a->plugin, b->plugin) != 0 || a->options->len != b->options->len) {
		return false;
	}
	for (guint i = 0; i < a->options->len; i++) {
		const struct wall_layout_option *x = a->options->pdata[i];
		const struct wall_layout_option *y = b->options->pdata[i];
		if (g_strcmp0(x->name, y->name) != 0 || g_strcmp0(x->value, y->value) != 0) {
			return false;
		}
	}
	return g_strcmp0(a->plugin_error, b->plugin_error) == 0;
}

void wall_compositor_set_layout(struct wall_compositor *compositor,
                                const struct wall_layout *layout,
                                const struct wall_layout_scene *scene)
{
	/* Slots point at the old layout's sources: move the ones that did
	 * not change over to the new definitions, drop the others. */
	GHashTable *old_slots = compositor->slots;
	compositor->slots = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, old_slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		struct source_slot *slot = value;
		const struct wall_layout_source *config =
		        wall_layout_find_source(layout, slot->config->name);
		if (config != NULL && same_source(slot->config, config)) {
			slot->config = config;
			g_hash_table_insert(compositor->slots, (char *)config->name, slot);
		} else {
			slot_destroy(slot, compositor->renderer);
		}
	}
	g_hash_table_destroy(old_slots);
	/* Queued alarms name sources of the old layout. */
	if (compositor->alarm != NULL) {
		compositor_alarm_event(compositor, compositor->alarm, "end");
	}
	compositor_alarm_unplace(compositor);
	g_clear_pointer(&compositor->alarm, compositor_alarm_free);
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		compositor_alarm_free(compositor->alarm_queue->pdata[i]);
	}
	g_ptr_array_set_size(compositor->alarm_queue, 0);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		/* Their slots may be gone already: forget them before destroy. */
		((struct tile *)compositor->tiles->pdata[i])->slot = NULL;
	}
	if (compositor->transition.active) {
		transition_end(compositor);
	}
	switch_scene(compositor, layout, scene, g_get_monotonic_time());
}

const struct wall_layout_scene *wall_compositor_get_scene(const struct wall_compositor *compositor)
{
	return compositor->scene;
}

bool wall_compositor_in_transition(const struct wall_compositor *compositor)
{
	return compositor->transition.active;
}

/* Move tours on and end alarms whose time is up. */
static void advance_clock(struct wall_compositor *compositor, int64_t now_us)
{
	bool changed = false;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->tour_running && !tile->tour_paused && now_us >= tile->tour_deadline_us) {
			tile->tour_index = (tile->tour_index + 1) % tile->config->tour->len;
			int64_t dwell_us = tile->config->dwell_ms * 1000;
			tile->tour_deadline_us += dwell_us;
			/* After a long stall, do not race through the stops. */
			if (tile->tour_deadline_us <= now_us) {
				tile->tour_deadline_us = now_us + dwell_us;
			}
			changed = true;
		}
	}
	struct alarm_entry *alarm = compositor->alarm;
	if (alarm != NULL && now_us >= alarm->end_us) {
		compositor_alarm_event(compositor, alarm, "end");
		compositor_alarm_unplace(compositor);
		g_clear_pointer(&compositor->alarm, compositor_alarm_free);
		compositor_alarm_next(compositor, now_us);
		changed = true;
	}
	if (changed) {
		compositor_sync_slots(compositor);
	}
	alarm = compositor->alarm;
	if (alarm != NULL && alarm->tile != NULL) {
		bool lit = (now_us - alarm->start_us) / ALARM_FLASH_US % 2 == 0;
		if (lit != alarm->tile->alarm_lit) {
			alarm->tile->alarm_lit = lit;
			alarm->tile->dirty = true;
		}
	}
}

/* A tile event when what a tile shows or its state changed. */
static void report_tile(struct wall_compositor *compositor, struct tile *tile)
{
	enum wall_source_state state = tile->slot->health.state;
	if (tile->reported_source == tile->shown && tile->reported_state == state) {
		return;
	}
	tile->reported_source = tile->shown;
	tile->reported_state = state;
	JsonBuilder *builder = compositor_event_begin("tile");
	compositor_add_string(builder, "tile", tile->config->id);
	compositor_add_string(builder, "source", tile->shown->name);
	compositor_add_string(builder, "state", wall_source_state_name(state));
	compositor_add_event(compositor, builder);
}

bool wall_compositor_render(struct wall_compositor *compositor, int64_t now_us)
{
	struct wall_renderer *renderer = compositor->renderer;
	advance_clock(compositor, now_us);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		slot_poll(value, now_us);
	}

	bool transition = compositor->transition.active;
	if (transition &&
	    now_us - compositor->transition.start_us >= compositor->transition.duration_us) {
		/* Done: one last full frame draws the new scene alone. */
		transition_end(compositor);
		transition = false;
	}
	/* The old picture covers the canvas: everything under it redraws. */
	bool full = compositor->full_damage || transition;
	bool any = full;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		bool look_changed = compositor_tile_update_look(tile, now_us);
		tile->damaged = full || look_changed || tile->dirty ||
		                (tile->slate.show_frame && tile->slot->fresh) ||
		                tile->slot->overlay_fresh;
		tile->dirty = false;
		any = any || tile->damaged;
		report_tile(compositor, tile);
	}
	if (!any) {
		return false;
	}
	compositor_close_damage(compositor);

	renderer->impl->begin(renderer);
	if (full) {
		struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
		renderer->impl->fill(renderer, &canvas, compositor->layout->background_argb);
	}
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->damaged) {
			compositor_draw_tile(tile, renderer);
		}
		if (tile->damaged && tile->slate.show_frame && tile->slot->fresh &&
		    compositor->stats != NULL) {
			wall_stats_add_capture(compositor->stats,
			                       tile->slot->current->frame.capture_time_us);
		}
	}
	if (transition) {
		compositor_draw_transition(compositor, now_us);
	}
	renderer->impl->end(renderer);
	compositor->full_damage = false;
	return true;
}
