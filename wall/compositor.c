#include "compositor.h"

#include <glib.h>
#include <string.h>

#include "control/protocol.h"
#include "label.h"
#include "log.h"
#include "slate.h"
#include "source.h"
#include "stats.h"

#define LETTERBOX_ARGB 0xff000000u
#define DIM_ARGB 0x99000000u
#define LABEL_BOX_ARGB 0xb0101418u
#define ALARM_ARGB 0xffe02020u
/* The alarm border flashes at 1 Hz: on half a second, off half a second. */
#define ALARM_FLASH_US 500000
#define DEFAULT_ALARM_US (30 * G_USEC_PER_SEC)
/* How long tile fps is averaged over. */
#define FPS_WINDOW_US G_USEC_PER_SEC

/* One running source and the picture it shows now. */
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

/* A Cairo-drawn picture the wall lays over tiles: label, slate, badge. */
struct overlay {
	cairo_surface_t *surface;
	struct wall_texture texture;
	bool needs_upload;
};

struct tile {
	const struct wall_layout_tile *config;
	/* The source shown now (see the top of compositor.h), and its slot. */
	const struct wall_layout_source *shown;
	struct source_slot *slot;
	const struct wall_layout_source *pinned;
	/* Tour tiles: the stop shown, and when to move on. */
	guint tour_index;
	bool tour_running;
	bool tour_paused;
	int64_t tour_deadline_us;
	int64_t tour_left_us;
	/* An alarm sits on this tile; its border is lit in this phase. */
	struct alarm_entry *alarm;
	bool alarm_lit;
	/* Redraw whatever the look says: its source changed. */
	bool dirty;
	/* What the last tile event said, to send one only on change. */
	const struct wall_layout_source *reported_source;
	enum wall_source_state reported_state;
	struct wall_slate slate;
	char *slate_key;
	struct overlay label;
	struct overlay slate_text;
	struct overlay badge;
	bool damaged;
	uint64_t *shown_counter;
};

/* A scene change in progress: the old picture over or beside the new one. */
struct transition {
	enum wall_transition_kind kind;
	int64_t start_us;
	int64_t duration_us;
	/* The canvas as it was when the change came. */
	struct wall_texture snapshot;
	bool active;
};

struct alarm_entry {
	const struct wall_layout_source *source;
	char *tile_id;
	int64_t duration_us;
	int priority;
	uint64_t seq;
	/* While shown: when it ends, and the tile it sits on. */
	int64_t start_us;
	int64_t end_us;
	struct tile *tile;
};

struct wall_compositor {
	struct wall_renderer *renderer;
	struct wall_plugin_registry *registry;
	struct wall_stats *stats;
	const struct wall_layout *layout;
	const struct wall_layout_scene *scene;
	/* Source name -> struct source_slot *: shown, preloaded or warm. */
	GHashTable *slots;
	/* struct tile *, in drawing order (z). */
	GPtrArray *tiles;
	bool full_damage;
	struct transition transition;
	/* The alarm shown, or NULL, and the ones waiting (struct alarm_entry *). */
	struct alarm_entry *alarm;
	GPtrArray *alarm_queue;
	uint64_t alarm_seq;
	/*
	 * Tiles of other presets whose sources run hidden, so a recall shows
	 * them at once (const struct wall_layout_tile *, into layout); from
	 * wall_layout_warm_tiles() on every scene change.
	 */
	GPtrArray *warm;
	/* JSON texts for wall_compositor_take_events(). */
	GPtrArray *events;
};

static void overlay_set(struct overlay *overlay, cairo_surface_t *surface)
{
	/* The old surface may still back the texture; it is re-uploaded
	 * before the next draw, so nothing reads the freed pixels. */
	if (overlay->surface != NULL) {
		cairo_surface_destroy(overlay->surface);
	}
	overlay->surface = surface;
	overlay->needs_upload = surface != NULL;
}

static void overlay_finish(struct overlay *overlay, struct wall_renderer *renderer)
{
	renderer->impl->texture_finish(renderer, &overlay->texture);
	overlay_set(overlay, NULL);
}

static void overlay_draw(struct overlay *overlay, struct wall_renderer *renderer, int32_t x,
			 int32_t y)
{
	if (overlay->surface == NULL) {
		return;
	}
	int width = cairo_image_surface_get_width(overlay->surface);
	int height = cairo_image_surface_get_height(overlay->surface);
	if (overlay->needs_upload) {
		struct wall_frame frame = {
			.format = WALL_PIXEL_FORMAT_BGRA,
			.width_px = (uint32_t)width,
			.height_px = (uint32_t)height,
			.planes = {cairo_image_surface_get_data(overlay->surface)},
			.strides = {(uint32_t)cairo_image_surface_get_stride(overlay->surface)},
		};
		renderer->impl->upload(renderer, &overlay->texture, &frame);
		overlay->needs_upload = false;
	}
	struct wall_crop crop = {0, 0, width, height};
	struct wall_rect dest = {x, y, width, height};
	renderer->impl->draw(renderer, &overlay->texture, &crop, &dest, 1.0f);
}

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

static const struct wall_frame_ref *slot_picture(const struct source_slot *slot)
{
	return slot->pending != NULL ? slot->pending : slot->current;
}

/* Upload the pending picture once, however many tiles show it. */
static void slot_upload(struct source_slot *slot, struct wall_renderer *renderer)
{
	if (slot->pending == NULL) {
		return;
	}
	if (!renderer->impl->upload(renderer, &slot->texture, &slot->pending->frame)) {
		wall_log(WALL_LOG_WARNING, "%s: cannot draw frames of format %d",
			 wall_source_get_name(slot->source), slot->pending->frame.format);
	}
	/* The soft renderer reads the planes at draw time: the old picture
	 * goes only now that the texture points at the new one. */
	wall_frame_ref_unref(slot->current);
	slot->current = slot->pending;
	slot->pending = NULL;
}

/* Draw the source's overlay over the whole tile, uploading it once. */
static void draw_source_overlay(struct source_slot *slot, const struct wall_rect *rect,
				struct wall_renderer *renderer)
{
	if (slot->overlay_waiting) {
		slot->overlay_waiting = false;
		if (slot->overlay_pending != NULL) {
			renderer->impl->upload(renderer, &slot->overlay_texture,
					       &slot->overlay_pending->frame);
		} else {
			renderer->impl->texture_finish(renderer, &slot->overlay_texture);
		}
		/* As for pictures: soft reads the planes at draw time. */
		wall_frame_ref_unref(slot->overlay_current);
		slot->overlay_current = g_steal_pointer(&slot->overlay_pending);
	}
	if (slot->overlay_current == NULL) {
		return;
	}
	const struct wall_frame *frame = &slot->overlay_current->frame;
	struct wall_crop crop = {0, 0, frame->width_px, frame->height_px};
	renderer->impl->draw(renderer, &slot->overlay_texture, &crop, rect, 1.0f);
}

static void tile_destroy(struct tile *tile, struct wall_renderer *renderer)
{
	overlay_finish(&tile->label, renderer);
	overlay_finish(&tile->slate_text, renderer);
	overlay_finish(&tile->badge, renderer);
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

static cairo_surface_t *render_label(const struct wall_layout_tile *config, const char *text)
{
	double size_px = wall_label_size_px(config->rect.height);
	struct wall_text_style style = {
		.size_px = size_px,
		.text_argb = 0xffffffffu,
		.box_argb = LABEL_BOX_ARGB,
		.padding_px = (int)(size_px * 0.3),
		.max_width_px = config->rect.width - 2 * config->border_px,
	};
	return wall_text_render(text, &style);
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

static void alarm_free(struct alarm_entry *alarm)
{
	if (alarm != NULL) {
		g_free(alarm->tile_id);
		g_free(alarm);
	}
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
	alarm_free(compositor->alarm);
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		alarm_free(compositor->alarm_queue->pdata[i]);
	}
	g_ptr_array_free(compositor->alarm_queue, TRUE);
	g_ptr_array_free(compositor->events, TRUE);
	g_ptr_array_free(compositor->warm, TRUE);
	g_free(compositor);
}

static void add_event(struct wall_compositor *compositor, JsonBuilder *builder)
{
	json_builder_end_object(builder);
	JsonNode *root = json_builder_get_root(builder);
	g_ptr_array_add(compositor->events, json_to_string(root, FALSE));
	json_node_unref(root);
	g_object_unref(builder);
}

static JsonBuilder *event_begin(const char *name)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, name);
	return builder;
}

static void add_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL) {
		json_builder_add_string_value(builder, value);
	} else {
		json_builder_add_null_value(builder);
	}
}

static const char *state_word(enum wall_source_state state)
{
	switch (state) {
	case WALL_SOURCE_STATE_CONNECTING:
		return "connecting";
	case WALL_SOURCE_STATE_LIVE:
		return "live";
	case WALL_SOURCE_STATE_STALLED:
		return "stalled";
	case WALL_SOURCE_STATE_OFFLINE:
		return "offline";
	case WALL_SOURCE_STATE_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

static const struct wall_layout_source *tour_stop(const struct tile *tile, guint index)
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
		return tour_stop(tile, tile->tour_index);
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
		struct tile *tile = compositor->tiles->pdata[i];
		const struct wall_layout_source *want = tile_want(tile);
		struct source_slot *slot = want_slot(compositor, want);
		if (slot != tile->slot) {
			tile->slot = slot;
			tile->shown = want;
			tile->dirty = true;
			g_clear_pointer(&tile->slate_key, g_free);
			const char *label = tile_label(tile);
			overlay_set(&tile->label, label != NULL && label[0] != '\0'
							  ? render_label(tile->config, label)
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
			struct source_slot *next =
				want_slot(compositor, tour_stop(tile, tile->tour_index + 1));
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

static struct tile *find_tile(struct wall_compositor *compositor, const char *id)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (strcmp(tile->config->id, id) == 0) {
			return tile;
		}
	}
	return NULL;
}

/* An alarm goes on its own tile if the scene has it, else on the largest. */
static struct tile *alarm_tile(struct wall_compositor *compositor, const char *id)
{
	struct tile *tile = id != NULL ? find_tile(compositor, id) : NULL;
	if (tile != NULL) {
		return tile;
	}
	int64_t best = -1;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *t = compositor->tiles->pdata[i];
		int64_t area = (int64_t)t->config->rect.width * t->config->rect.height;
		if (area > best) {
			best = area;
			tile = t;
		}
	}
	return tile;
}

static void alarm_event(struct wall_compositor *compositor, const struct alarm_entry *alarm,
			const char *state)
{
	JsonBuilder *builder = event_begin("alarm");
	add_string(builder, "state", state);
	add_string(builder, "source", alarm->source->name);
	add_string(builder, "tile", alarm->tile != NULL ? alarm->tile->config->id : alarm->tile_id);
	add_event(compositor, builder);
}

/* Put the shown alarm on a tile of the scene on screen. */
static void alarm_place(struct wall_compositor *compositor)
{
	struct alarm_entry *alarm = compositor->alarm;
	if (alarm == NULL || compositor->tiles->len == 0) {
		return;
	}
	alarm->tile = alarm_tile(compositor, alarm->tile_id);
	alarm->tile->alarm = alarm;
	alarm->tile->dirty = true;
}

static void alarm_unplace(struct wall_compositor *compositor)
{
	struct alarm_entry *alarm = compositor->alarm;
	if (alarm != NULL && alarm->tile != NULL) {
		alarm->tile->alarm = NULL;
		alarm->tile->dirty = true;
		alarm->tile = NULL;
	}
}

/* Show the first queued alarm, if any, from now_us. */
static void alarm_next(struct wall_compositor *compositor, int64_t now_us)
{
	if (compositor->alarm_queue->len == 0) {
		return;
	}
	struct alarm_entry *alarm = g_ptr_array_steal_index(compositor->alarm_queue, 0);
	compositor->alarm = alarm;
	alarm->start_us = now_us;
	alarm->end_us = now_us + alarm->duration_us;
	alarm_place(compositor);
	alarm_event(compositor, alarm, "start");
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
	alarm_unplace(compositor);
	destroy_tiles(compositor);
	compositor->layout = layout;
	compositor->scene = scene;
	g_ptr_array_free(compositor->warm, TRUE);
	compositor->warm = wall_layout_warm_tiles(layout, scene);
	build_tiles(compositor);
	start_tours(compositor, now_us);
	alarm_place(compositor);
	sync_slots(compositor);
	compositor->full_damage = true;
}

void wall_compositor_set_scene(struct wall_compositor *compositor,
			       const struct wall_layout *layout,
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
		alarm_event(compositor, compositor->alarm, "end");
	}
	alarm_unplace(compositor);
	g_clear_pointer(&compositor->alarm, alarm_free);
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		alarm_free(compositor->alarm_queue->pdata[i]);
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

bool wall_compositor_pin(struct wall_compositor *compositor, const char *tile_id,
			 const struct wall_layout_source *source)
{
	struct tile *tile = find_tile(compositor, tile_id);
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

enum wall_tour_result wall_compositor_tour(struct wall_compositor *compositor,
					   const char *tile_id, int action, int64_t now_us)
{
	struct tile *tile = find_tile(compositor, tile_id);
	if (tile == NULL) {
		return WALL_TOUR_RESULT_NO_TILE;
	}
	if (tile->config->tour == NULL) {
		return WALL_TOUR_RESULT_NOT_A_TOUR;
	}
	int64_t dwell_us = tile->config->dwell_ms * 1000;
	switch ((enum wall_tour_action)action) {
	case WALL_TOUR_START:
		tile->tour_running = true;
		tile->tour_paused = false;
		tile->tour_deadline_us = now_us + dwell_us;
		break;
	case WALL_TOUR_STOP:
		tile->tour_running = false;
		tile->tour_paused = false;
		tile->tour_index = 0;
		break;
	case WALL_TOUR_PAUSE:
		if (tile->tour_running && !tile->tour_paused) {
			tile->tour_paused = true;
			tile->tour_left_us = MAX(tile->tour_deadline_us - now_us, 0);
		}
		break;
	case WALL_TOUR_RESUME:
		if (tile->tour_running && tile->tour_paused) {
			tile->tour_paused = false;
			tile->tour_deadline_us = now_us + tile->tour_left_us;
		}
		break;
	case WALL_TOUR_NEXT:
		tile->tour_index = (tile->tour_index + 1) % tile->config->tour->len;
		tile->tour_deadline_us = now_us + dwell_us;
		tile->tour_left_us = dwell_us;
		break;
	default:
		return WALL_TOUR_RESULT_INVALID;
	}
	sync_slots(compositor);
	return WALL_TOUR_RESULT_OK;
}

int wall_compositor_alarm(struct wall_compositor *compositor, const struct wall_alarm *alarm,
			  int64_t now_us)
{
	struct alarm_entry *entry = g_new0(struct alarm_entry, 1);
	entry->source = alarm->source;
	entry->tile_id = g_strdup(alarm->tile_id);
	entry->duration_us = alarm->duration_ms > 0 ? alarm->duration_ms * 1000 : DEFAULT_ALARM_US;
	entry->priority = alarm->priority;
	entry->seq = ++compositor->alarm_seq;
	/* By priority, then first come first served. */
	guint at = 0;
	while (at < compositor->alarm_queue->len &&
	       ((struct alarm_entry *)compositor->alarm_queue->pdata[at])->priority >=
		       entry->priority) {
		at++;
	}
	g_ptr_array_insert(compositor->alarm_queue, (gint)at, entry);
	if (compositor->alarm == NULL) {
		alarm_next(compositor, now_us);
		sync_slots(compositor);
		return 0;
	}
	alarm_event(compositor, entry, "queued");
	return (int)at + 1;
}

int wall_compositor_alarm_clear(struct wall_compositor *compositor)
{
	int count = (int)compositor->alarm_queue->len;
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		alarm_free(compositor->alarm_queue->pdata[i]);
	}
	g_ptr_array_set_size(compositor->alarm_queue, 0);
	if (compositor->alarm != NULL) {
		count++;
		alarm_event(compositor, compositor->alarm, "end");
		alarm_unplace(compositor);
		g_clear_pointer(&compositor->alarm, alarm_free);
		sync_slots(compositor);
	}
	return count;
}

static void add_status_pair(void *user, const char *key, const char *value)
{
	add_string(user, key, value);
}

/* What the slot's source is doing: state, pictures and the plugin's own figures. */
static void describe_slot(struct source_slot *slot, JsonBuilder *builder, int64_t now_us)
{
	add_string(builder, "state", state_word(slot->health.state));
	add_string(builder, "reason", slot->health.reason);
	json_builder_set_member_name(builder, "fps");
	json_builder_add_double_value(builder, (double)(int64_t)(slot->fps * 10.0 + 0.5) / 10.0);
	json_builder_set_member_name(builder, "age_ms");
	if (slot->last_frame_us != 0) {
		json_builder_add_int_value(builder, (now_us - slot->last_frame_us) / 1000);
	} else {
		json_builder_add_null_value(builder);
	}
	json_builder_set_member_name(builder, "status");
	json_builder_begin_object(builder);
	wall_source_status(slot->source, add_status_pair, builder);
	json_builder_end_object(builder);
}

void wall_compositor_describe(struct wall_compositor *compositor, JsonBuilder *builder,
			      int64_t now_us)
{
	json_builder_set_member_name(builder, "tiles");
	json_builder_begin_array(builder);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		struct source_slot *slot = tile->slot;
		json_builder_begin_object(builder);
		add_string(builder, "id", tile->config->id);
		add_string(builder, "source", tile->shown->name);
		describe_slot(slot, builder, now_us);
		add_string(builder, "pinned", tile->pinned != NULL ? tile->pinned->name : NULL);
		json_builder_set_member_name(builder, "alarm");
		json_builder_add_boolean_value(builder, tile->alarm != NULL);
		if (tile->config->tour != NULL) {
			json_builder_set_member_name(builder, "tour");
			json_builder_begin_object(builder);
			json_builder_set_member_name(builder, "index");
			json_builder_add_int_value(builder, tile->tour_index);
			json_builder_set_member_name(builder, "length");
			json_builder_add_int_value(builder, tile->config->tour->len);
			json_builder_set_member_name(builder, "running");
			json_builder_add_boolean_value(builder, tile->tour_running);
			json_builder_set_member_name(builder, "paused");
			json_builder_add_boolean_value(builder, tile->tour_paused);
			json_builder_set_member_name(builder, "dwell_ms");
			json_builder_add_int_value(builder, tile->config->dwell_ms);
			add_string(builder, "next", tour_stop(tile, tile->tour_index + 1)->name);
			json_builder_end_object(builder);
		}
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);

	/* Warm sources no tile shows now: each with the preset tile it waits for. */
	json_builder_set_member_name(builder, "warm");
	json_builder_begin_array(builder);
	for (guint i = 0; i < compositor->warm->len; i++) {
		const struct wall_layout_tile *config = compositor->warm->pdata[i];
		struct source_slot *slot = g_hash_table_lookup(compositor->slots, config->source->name);
		bool shown = false;
		for (guint j = 0; j < compositor->tiles->len && !shown; j++) {
			shown = ((struct tile *)compositor->tiles->pdata[j])->slot == slot;
		}
		if (slot == NULL || shown) {
			continue;
		}
		json_builder_begin_object(builder);
		add_string(builder, "source", config->source->name);
		describe_slot(slot, builder, now_us);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

GPtrArray *wall_compositor_take_events(struct wall_compositor *compositor)
{
	GPtrArray *events = compositor->events;
	compositor->events = g_ptr_array_new_with_free_func(g_free);
	return events;
}

bool wall_compositor_in_transition(const struct wall_compositor *compositor)
{
	return compositor->transition.active;
}

/* Decide what the tile shows now; true when its look changed. */
static bool tile_update_look(struct tile *tile, int64_t now_us)
{
	struct source_slot *slot = tile->slot;
	struct wall_slate slate;
	wall_slate_describe(&slot->health, slot_picture(slot) != NULL, now_us, &slate);
	const struct wall_rect *rect = &tile->config->rect;
	char *key = wall_slate_key(&slate, rect->width, rect->height);
	if (g_strcmp0(key, tile->slate_key) == 0) {
		g_free(key);
		wall_slate_clear(&slate);
		return false;
	}
	g_free(tile->slate_key);
	tile->slate_key = key;
	wall_slate_clear(&tile->slate);
	tile->slate = slate;
	overlay_set(&tile->slate_text, slate.title != NULL
					       ? wall_slate_render_text(&slate, rect->width,
									rect->height)
					       : NULL);
	overlay_set(&tile->badge,
		    slate.badge != NULL ? wall_slate_render_badge(&slate, rect->height) : NULL);
	return true;
}

/* Grow damage until every tile touching a damaged tile is redrawn whole:
 * a redrawn tile paints over everything under it, and whatever sits above
 * it must be painted again. */
static void close_damage(struct wall_compositor *compositor)
{
	bool grew = true;
	while (grew) {
		grew = false;
		for (guint i = 0; i < compositor->tiles->len; i++) {
			struct tile *tile = compositor->tiles->pdata[i];
			if (tile->damaged) {
				continue;
			}
			for (guint j = 0; j < compositor->tiles->len; j++) {
				struct tile *other = compositor->tiles->pdata[j];
				if (other->damaged &&
				    wall_rect_intersects(&tile->config->rect, &other->config->rect)) {
					tile->damaged = true;
					grew = true;
					break;
				}
			}
		}
	}
}

static void fill_bars(struct wall_renderer *renderer, const struct wall_rect *tile,
		      const struct wall_rect *dest)
{
	struct wall_rect bars[4] = {
		{tile->x, tile->y, tile->width, dest->y - tile->y},
		{tile->x, dest->y + dest->height, tile->width,
		 tile->y + tile->height - dest->y - dest->height},
		{tile->x, dest->y, dest->x - tile->x, dest->height},
		{dest->x + dest->width, dest->y, tile->x + tile->width - dest->x - dest->width,
		 dest->height},
	};
	for (int i = 0; i < 4; i++) {
		if (!wall_rect_empty(&bars[i])) {
			renderer->impl->fill(renderer, &bars[i], LETTERBOX_ARGB);
		}
	}
}

static void draw_picture(struct tile *tile, struct wall_renderer *renderer)
{
	struct source_slot *slot = tile->slot;
	const struct wall_rect *rect = &tile->config->rect;
	slot_upload(slot, renderer);
	const struct wall_frame *frame = &slot->current->frame;
	struct wall_crop crop;
	struct wall_rect dest;
	enum wall_fit fit = frame->flags & WALL_FRAME_ANY_ASPECT ? WALL_FIT_STRETCH
								 : tile->config->fit;
	wall_fit_picture(fit, frame->width_px, frame->height_px, rect, &crop, &dest);
	bool has_alpha = frame->format == WALL_PIXEL_FORMAT_BGRA ||
			 frame->format == WALL_PIXEL_FORMAT_RGBA;
	/* Only bars are filled: painting the tile first would write every
	 * pixel twice, which the soft renderer pays for in full. */
	if (has_alpha) {
		renderer->impl->fill(renderer, rect, LETTERBOX_ARGB);
	} else {
		fill_bars(renderer, rect, &dest);
	}
	renderer->impl->draw(renderer, &slot->texture, &crop, &dest, 1.0f);
	if (tile->slate.dim) {
		renderer->impl->fill(renderer, rect, DIM_ARGB);
	}
}

static void draw_slate(struct tile *tile, struct wall_renderer *renderer)
{
	const struct wall_rect *rect = &tile->config->rect;
	renderer->impl->fill(renderer, rect, WALL_SLATE_BACKGROUND_ARGB);
	/* A thin bar in the state's colour along the top, seen from afar. */
	struct wall_rect bar = {rect->x, rect->y, rect->width, MAX(2, rect->height / 90)};
	renderer->impl->fill(renderer, &bar, tile->slate.accent_argb);
	struct overlay *text = &tile->slate_text;
	if (text->surface != NULL) {
		int width = cairo_image_surface_get_width(text->surface);
		int height = cairo_image_surface_get_height(text->surface);
		overlay_draw(text, renderer, rect->x + (rect->width - width) / 2,
			     rect->y + (rect->height - height) / 2);
	}
}

static void draw_border(const struct wall_layout_tile *config, struct wall_renderer *renderer)
{
	int b = config->border_px;
	const struct wall_rect *r = &config->rect;
	if (b <= 0) {
		return;
	}
	struct wall_rect edges[4] = {
		{r->x, r->y, r->width, b},
		{r->x, r->y + r->height - b, r->width, b},
		{r->x, r->y + b, b, r->height - 2 * b},
		{r->x + r->width - b, r->y + b, b, r->height - 2 * b},
	};
	for (int i = 0; i < 4; i++) {
		renderer->impl->fill(renderer, &edges[i], config->border_argb);
	}
}

static void draw_alarm_border(const struct tile *tile, struct wall_renderer *renderer)
{
	const struct wall_rect *r = &tile->config->rect;
	int b = MAX(4, MIN(r->width, r->height) / 40);
	struct wall_rect edges[4] = {
		{r->x, r->y, r->width, b},
		{r->x, r->y + r->height - b, r->width, b},
		{r->x, r->y + b, b, r->height - 2 * b},
		{r->x + r->width - b, r->y + b, b, r->height - 2 * b},
	};
	for (int i = 0; i < 4; i++) {
		renderer->impl->fill(renderer, &edges[i], ALARM_ARGB);
	}
}

static void draw_tile(struct tile *tile, struct wall_renderer *renderer)
{
	const struct wall_rect *rect = &tile->config->rect;
	int inset = tile->config->border_px;
	if (tile->slate.show_frame) {
		draw_picture(tile, renderer);
		if (tile->slot->fresh && tile->shown_counter != NULL) {
			(*tile->shown_counter)++;
		}
	} else {
		draw_slate(tile, renderer);
	}
	draw_source_overlay(tile->slot, rect, renderer);
	if (tile->badge.surface != NULL) {
		int width = cairo_image_surface_get_width(tile->badge.surface);
		overlay_draw(&tile->badge, renderer, rect->x + rect->width - width - inset,
			     rect->y + inset);
	}
	if (tile->label.surface != NULL) {
		int height = cairo_image_surface_get_height(tile->label.surface);
		overlay_draw(&tile->label, renderer, rect->x + inset,
			     rect->y + rect->height - height - inset);
	}
	draw_border(tile->config, renderer);
	if (tile->alarm != NULL && tile->alarm_lit) {
		draw_alarm_border(tile, renderer);
	}
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
		alarm_event(compositor, alarm, "end");
		alarm_unplace(compositor);
		g_clear_pointer(&compositor->alarm, alarm_free);
		alarm_next(compositor, now_us);
		changed = true;
	}
	if (changed) {
		sync_slots(compositor);
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
	JsonBuilder *builder = event_begin("tile");
	add_string(builder, "tile", tile->config->id);
	add_string(builder, "source", tile->shown->name);
	add_string(builder, "state", state_word(state));
	add_event(compositor, builder);
}

/* Lay the old picture over the new scene, as far as the transition has come. */
static void draw_transition(struct wall_compositor *compositor, int64_t now_us)
{
	struct transition *transition = &compositor->transition;
	struct wall_renderer *renderer = compositor->renderer;
	double t = (double)(now_us - transition->start_us) / (double)transition->duration_us;
	t = CLAMP(t, 0.0, 1.0);
	int32_t width = renderer->width_px;
	int32_t height = renderer->height_px;
	if (transition->kind == WALL_TRANSITION_FADE) {
		struct wall_crop crop = {0, 0, width, height};
		struct wall_rect dest = {0, 0, width, height};
		renderer->impl->draw(renderer, &transition->snapshot, &crop, &dest,
				     (float)(1.0 - t));
	} else {
		/* The new scene sweeps in from the left: the old one keeps the right. */
		int32_t edge = (int32_t)(t * width + 0.5);
		struct wall_crop crop = {edge, 0, width - edge, height};
		struct wall_rect dest = {edge, 0, width - edge, height};
		if (edge < width) {
			renderer->impl->draw(renderer, &transition->snapshot, &crop, &dest, 1.0f);
		}
	}
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
	if (transition && now_us - compositor->transition.start_us >=
				  compositor->transition.duration_us) {
		/* Done: one last full frame draws the new scene alone. */
		transition_end(compositor);
		transition = false;
	}
	/* The old picture covers the canvas: everything under it redraws. */
	bool full = compositor->full_damage || transition;
	bool any = full;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		bool look_changed = tile_update_look(tile, now_us);
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
	close_damage(compositor);

	renderer->impl->begin(renderer);
	if (full) {
		struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
		renderer->impl->fill(renderer, &canvas, compositor->layout->background_argb);
	}
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->damaged) {
			draw_tile(tile, renderer);
		}
		if (tile->damaged && tile->slate.show_frame && tile->slot->fresh &&
		    compositor->stats != NULL) {
			wall_stats_add_capture(compositor->stats,
					       tile->slot->current->frame.capture_time_us);
		}
	}
	if (transition) {
		draw_transition(compositor, now_us);
	}
	renderer->impl->end(renderer);
	compositor->full_damage = false;
	return true;
}
