/* Scenes, sources and the frame: which tiles show what, which sources run, and one frame drawn. */
#include "compositor_private.h"

#include "compositor_events.h"
#include "stats.h"

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
	compositor->events = g_ptr_array_new_with_free_func(g_free);
	compositor->shown = g_array_new(FALSE, FALSE, sizeof(struct wall_shown));
	compositor_alarms_init(&compositor->alarms, compositor->events, compositor->tiles);
	compositor->warm = g_ptr_array_new();
	compositor->full_damage = true;
	return compositor;
}

static void destroy_tiles(struct wall_compositor *compositor)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		compositor_tile_destroy(compositor->tiles->pdata[i], compositor->renderer);
	}
	g_ptr_array_set_size(compositor->tiles, 0);
}

static void end_transition(struct wall_compositor *compositor)
{
	compositor_transition_end(&compositor->transition, compositor->renderer);
	compositor->full_damage = true;
}

void wall_compositor_destroy(struct wall_compositor *compositor)
{
	if (compositor == NULL) {
		return;
	}
	end_transition(compositor);
	destroy_tiles(compositor);
	g_ptr_array_free(compositor->tiles, TRUE);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		compositor_slot_destroy(value, compositor->renderer);
	}
	g_hash_table_destroy(compositor->slots);
	compositor_alarms_finish(&compositor->alarms);
	if (compositor->offline_alarms != NULL) {
		g_hash_table_destroy(compositor->offline_alarms);
	}
	g_ptr_array_free(compositor->events, TRUE);
	g_ptr_array_free(compositor->warm, TRUE);
	wall_shown_free(compositor->shown);
	g_free(compositor);
}

static struct source_slot *want_slot(struct wall_compositor *compositor,
                                     const struct wall_layout_source *config)
{
	struct source_slot *slot = g_hash_table_lookup(compositor->slots, config->name);
	if (slot != NULL && slot->config != config) {
		/* Same name, other definition (a reload changed it): start anew. */
		g_hash_table_remove(compositor->slots, config->name);
		compositor_slot_destroy(slot, compositor->renderer);
		slot = NULL;
	}
	if (slot == NULL) {
		slot = compositor_slot_create(config, compositor->registry);
		g_hash_table_insert(compositor->slots, (char *)config->name, slot);
	}
	/* Again on every sync: a reload may change it. */
	wall_source_set_hold(slot->source, compositor->layout->capture_delay_ms * 1000);
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

/* Give the tile the slot of the source it should show; note it shown and its size. */
static void sync_tile(struct wall_compositor *compositor, struct tile *tile, GHashTable *shown,
                      GHashTable *largest)
{
	/* A tile outside this node's viewport opens nothing: it shows a slate no one sees. */
	bool offscreen = tile->config->offscreen && compositor->layout->offscreen_source != NULL;
	const struct wall_layout_source *want =
	        offscreen ? compositor->layout->offscreen_source : compositor_tile_want(tile);
	struct source_slot *slot = want_slot(compositor, want);
	if (slot != tile->slot) {
		uint64_t *counter = compositor->stats == NULL
		                            ? NULL
		                            : wall_stats_tile_counter(compositor->stats,
		                                                      compositor->scene->name,
		                                                      tile->config->id, want->name);
		compositor_tile_show(tile, want, slot, counter);
	}
	g_hash_table_add(shown, slot);
	tell_view_size(largest, slot, tile->config);
	/*
	 * Preload the tour's next stop so the change shows no slate. It
	 * counts as shown: hidden, a stream decodes key frames only, and
	 * the tour would show a still until the next key frame.
	 */
	if (!offscreen && tile->config->tour != NULL && tile->tour.running && tile->pinned == NULL) {
		struct source_slot *next = want_slot(
		        compositor, compositor_tour_stop(tile->config, tile->tour.index + 1));
		g_hash_table_add(shown, next);
		tell_view_size(largest, next, tile->config);
	}
}

/*
 * Give every tile the slot of the source it should show, keep the slots
 * that tours will show next and the warm ones, and stop every other.
 * Call after anything that changes what a tile shows.
 */
static void sync_slots(struct wall_compositor *compositor)
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
		sync_tile(compositor, compositor->tiles->pdata[i], shown, largest);
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
			compositor_slot_destroy(slot, compositor->renderer);
			continue;
		}
		/* The source passes on changes only, and always the first. */
		slot->shown = g_hash_table_contains(shown, slot);
		wall_source_set_visible(slot->source, slot->shown);
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

static void switch_scene(struct wall_compositor *compositor, const struct wall_layout *layout,
                         const struct wall_layout_scene *scene, int64_t now_us)
{
	compositor_alarms_unplace(&compositor->alarms);
	destroy_tiles(compositor);
	compositor->layout = layout;
	compositor->scene = scene;
	g_ptr_array_free(compositor->warm, TRUE);
	compositor->warm = wall_layout_warm_tiles(layout, scene);
	for (guint i = 0; i < scene->tiles->len; i++) {
		struct tile *tile = compositor_tile_create(scene->tiles->pdata[i]);
		compositor_tour_start_clock(&tile->tour, tile->config, now_us);
		g_ptr_array_add(compositor->tiles, tile);
	}
	compositor_alarms_place(&compositor->alarms);
	sync_slots(compositor);
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
	if (compositor->transition.active) {
		/* Cut the running one short where it stands: the canvas holds
		 * its last mixed picture, which the new snapshot takes over. */
		end_transition(compositor);
	}
	if (compositor->scene != NULL) {
		compositor_transition_start(&compositor->transition, compositor->renderer,
		                            transition, duration_ms, now_us);
	}
	switch_scene(compositor, layout, scene, now_us);
}

/* Same plugin, same options, same process: the running instance can stay. */
static bool same_source(const struct wall_layout_source *a, const struct wall_layout_source *b)
{
	if (g_strcmp0(a->plugin, b->plugin) != 0 || a->options->len != b->options->len ||
	    a->isolate != b->isolate || a->memory_mb != b->memory_mb) {
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
			compositor_slot_destroy(slot, compositor->renderer);
		}
	}
	g_hash_table_destroy(old_slots);
	/* Queued alarms name sources of the old layout. */
	compositor_alarms_clear(&compositor->alarms);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		/* Their slots may be gone already: forget them before destroy. */
		((struct tile *)compositor->tiles->pdata[i])->slot = NULL;
	}
	if (compositor->transition.active) {
		end_transition(compositor);
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

bool wall_compositor_pin(struct wall_compositor *compositor, const char *tile_id,
                         const struct wall_layout_source *source)
{
	struct tile *tile = compositor_tile_find(compositor->tiles, tile_id);
	if (tile == NULL) {
		return false;
	}
	tile->pinned = source;
	sync_slots(compositor);
	return true;
}

void wall_compositor_foreach_pin(struct wall_compositor *compositor, wall_compositor_pin_fn fn,
                                 void *user)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->pinned != NULL) {
			fn(user, tile->config->id, tile->pinned->name);
		}
	}
}

enum wall_tour_result wall_compositor_tour(struct wall_compositor *compositor, const char *tile_id,
                                           enum wall_tour_action action, int64_t now_us)
{
	struct tile *tile = compositor_tile_find(compositor->tiles, tile_id);
	if (tile == NULL) {
		return WALL_TOUR_RESULT_NO_TILE;
	}
	if (tile->config->tour == NULL) {
		return WALL_TOUR_RESULT_NOT_A_TOUR;
	}
	if (!compositor_tour_act(&tile->tour, tile->config, action, now_us)) {
		return WALL_TOUR_RESULT_INVALID;
	}
	sync_slots(compositor);
	return WALL_TOUR_RESULT_OK;
}

int wall_compositor_alarm(struct wall_compositor *compositor, const struct wall_alarm *alarm,
                          int64_t now_us)
{
	int place = compositor_alarms_push(&compositor->alarms, alarm, now_us);
	if (place == 0) {
		sync_slots(compositor);
	}
	return place;
}

int wall_compositor_alarm_clear(struct wall_compositor *compositor)
{
	bool shown = compositor->alarms.shown != NULL;
	int count = compositor_alarms_clear(&compositor->alarms);
	if (shown) {
		sync_slots(compositor);
	}
	return count;
}

bool wall_compositor_alarm_end(struct wall_compositor *compositor, const char *source,
                               int64_t now_us)
{
	bool ended = compositor_alarms_end_source(&compositor->alarms, source, now_us);
	if (ended) {
		sync_slots(compositor);
	}
	return ended;
}

void wall_shown_free(GArray *shown)
{
	for (guint i = 0; i < shown->len; i++) {
		g_free(g_array_index(shown, struct wall_shown, i).tile_id);
	}
	g_array_free(shown, TRUE);
}

GArray *wall_compositor_take_shown(struct wall_compositor *compositor)
{
	GArray *shown = compositor->shown;
	compositor->shown = g_array_new(FALSE, FALSE, sizeof(struct wall_shown));
	return shown;
}

GPtrArray *wall_compositor_take_events(struct wall_compositor *compositor)
{
	/* The array itself stays: the alarms hold it. */
	gsize count = 0;
	gpointer *texts = g_ptr_array_steal(compositor->events, &count);
	GPtrArray *events = g_ptr_array_new_full((guint)count, g_free);
	for (gsize i = 0; i < count; i++) {
		g_ptr_array_add(events, texts[i]);
	}
	g_free(texts);
	/* Then what the plugins emitted, shown or warm. */
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		struct source_slot *slot = value;
		if (slot->source != NULL) {
			wall_source_take_events(slot->source, events);
		}
	}
	return events;
}

cairo_surface_t *wall_compositor_read_canvas(struct wall_compositor *compositor)
{
	return compositor->renderer->impl->read_canvas(compositor->renderer);
}

const char *wall_compositor_renderer_name(const struct wall_compositor *compositor)
{
	return compositor->renderer->impl->name;
}

/* Move tours on and end alarms whose time is up. */
static void advance_clock(struct wall_compositor *compositor, int64_t now_us)
{
	bool changed = false;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		changed |= compositor_tour_advance(&tile->tour, tile->config, now_us);
	}
	changed |= compositor_alarms_expire(&compositor->alarms, now_us);
	if (changed) {
		sync_slots(compositor);
	}
	compositor_alarms_flash(&compositor->alarms, now_us);
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
	wall_json_set_string(builder, "tile", tile->config->id);
	wall_json_set_string(builder, "source", tile->shown->name);
	wall_json_set_string(builder, "state", wall_source_state_name(state));
	wall_json_set_string(builder, "reason", tile->slot->health.reason);
	compositor_json_since(builder, tile->slot->health.since_real_us);
	compositor_event_end(compositor->events, builder);
}

bool wall_compositor_render(struct wall_compositor *compositor, int64_t now_us)
{
	struct wall_renderer *renderer = compositor->renderer;
	advance_clock(compositor, now_us);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		compositor_slot_take(value, now_us);
	}

	bool transition = compositor->transition.active;
	if (transition && compositor_transition_done(&compositor->transition, now_us)) {
		/* Done: one last full frame draws the new scene alone. */
		end_transition(compositor);
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
	compositor_tiles_close_damage(compositor->tiles);

	renderer->impl->begin(renderer);
	if (full) {
		struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
		renderer->impl->fill(renderer, &canvas, compositor->layout->background_argb);
	}
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->damaged) {
			compositor_tile_draw(tile, renderer);
		}
		if (tile->damaged && tile->slate.show_frame && tile->slot->fresh &&
		    compositor->stats != NULL) {
			wall_stats_add_capture(compositor->stats,
			                       tile->slot->current->frame.capture_time_us);
		}
		/* Bounded: a node that is not clustered never takes them. */
		if (tile->damaged && tile->slate.show_frame && tile->slot->fresh &&
		    tile->config->spans_nodes && compositor->shown->len < 256) {
			struct wall_shown shown = {
			        .tile_id = g_strdup(tile->config->id),
			        .capture_time_us = tile->slot->current->frame.capture_time_us,
			};
			g_array_append_val(compositor->shown, shown);
		}
	}
	if (transition) {
		compositor_transition_draw(&compositor->transition, renderer, now_us);
	}
	renderer->impl->end(renderer);
	compositor->full_damage = false;
	return true;
}
