#include "compositor.h"

#include <glib.h>

#include "label.h"
#include "log.h"
#include "slate.h"
#include "source.h"
#include "stats.h"

#define LETTERBOX_ARGB 0xff000000u
#define DIM_ARGB 0x99000000u
#define LABEL_BOX_ARGB 0xb0101418u

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
	bool visible;
};

/* A Cairo-drawn picture the wall lays over tiles: label, slate, badge. */
struct overlay {
	cairo_surface_t *surface;
	struct wall_texture texture;
	bool needs_upload;
};

struct tile {
	const struct wall_layout_tile *config;
	struct source_slot *slot;
	struct wall_slate slate;
	char *slate_key;
	struct overlay label;
	struct overlay slate_text;
	struct overlay badge;
	bool damaged;
	uint64_t *shown_counter;
};

struct wall_compositor {
	struct wall_renderer *renderer;
	struct wall_plugin_registry *registry;
	struct wall_stats *stats;
	const struct wall_layout *layout;
	const struct wall_layout_scene *scene;
	/* Source name -> struct source_slot *. */
	GHashTable *slots;
	/* struct tile *, in drawing order (z). */
	GPtrArray *tiles;
	bool full_damage;
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
	g_free(slot->health.reason);
	g_free(slot);
}

/* Take the newest picture and health; note what changed. */
static void slot_poll(struct source_slot *slot)
{
	struct wall_frame_ref *ref = wall_source_take_frame(slot->source);
	slot->fresh = ref != NULL;
	if (ref != NULL) {
		wall_frame_ref_unref(slot->pending);
		slot->pending = ref;
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

static void tile_destroy(struct tile *tile, struct wall_renderer *renderer)
{
	overlay_finish(&tile->label, renderer);
	overlay_finish(&tile->slate_text, renderer);
	overlay_finish(&tile->badge, renderer);
	wall_slate_clear(&tile->slate);
	g_free(tile->slate_key);
	g_free(tile);
}

static cairo_surface_t *render_label(const struct wall_layout_tile *config)
{
	double size_px = wall_label_size_px(config->rect.height);
	struct wall_text_style style = {
		.size_px = size_px,
		.text_argb = 0xffffffffu,
		.box_argb = LABEL_BOX_ARGB,
		.padding_px = (int)(size_px * 0.3),
		.max_width_px = config->rect.width - 2 * config->border_px,
	};
	return wall_text_render(config->label, &style);
}

static struct tile *tile_create(struct wall_compositor *compositor,
				const struct wall_layout_tile *config, struct source_slot *slot)
{
	struct tile *tile = g_new0(struct tile, 1);
	tile->config = config;
	tile->slot = slot;
	if (config->label != NULL && config->label[0] != '\0') {
		overlay_set(&tile->label, render_label(config));
	}
	if (compositor->stats != NULL) {
		tile->shown_counter = wall_stats_tile_counter(compositor->stats,
							      compositor->scene->name, config->id,
							      config->source->name);
	}
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

void wall_compositor_destroy(struct wall_compositor *compositor)
{
	if (compositor == NULL) {
		return;
	}
	destroy_tiles(compositor);
	g_ptr_array_free(compositor->tiles, TRUE);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		slot_destroy(value, compositor->renderer);
	}
	g_hash_table_destroy(compositor->slots);
	g_free(compositor);
}

/* Each source learns the largest tile it is shown in, to pick a stream. */
static void tell_view_sizes(struct wall_compositor *compositor)
{
	GHashTable *largest = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		const struct wall_layout_tile *best = g_hash_table_lookup(largest, tile->slot);
		const struct wall_rect *rect = &tile->config->rect;
		if (best == NULL ||
		    (int64_t)rect->width * rect->height > (int64_t)best->rect.width * best->rect.height) {
			g_hash_table_insert(largest, tile->slot, (void *)tile->config);
		}
	}
	GHashTableIter iter;
	void *key;
	void *value;
	g_hash_table_iter_init(&iter, largest);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		struct source_slot *slot = key;
		const struct wall_layout_tile *config = value;
		wall_source_set_view_size(slot->source, (uint32_t)config->rect.width,
					  (uint32_t)config->rect.height);
	}
	g_hash_table_destroy(largest);
}

void wall_compositor_set_scene(struct wall_compositor *compositor,
			       const struct wall_layout *layout,
			       const struct wall_layout_scene *scene)
{
	destroy_tiles(compositor);
	compositor->layout = layout;
	compositor->scene = scene;

	GHashTable *old_slots = compositor->slots;
	compositor->slots = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < scene->tiles->len; i++) {
		const struct wall_layout_tile *config = scene->tiles->pdata[i];
		const char *name = config->source->name;
		struct source_slot *slot = g_hash_table_lookup(compositor->slots, name);
		if (slot == NULL) {
			slot = g_hash_table_lookup(old_slots, name);
			if (slot != NULL && slot->config == config->source) {
				g_hash_table_remove(old_slots, name);
			} else {
				slot = slot_create(config->source, compositor->registry);
			}
			g_hash_table_insert(compositor->slots, (char *)slot->config->name, slot);
		}
		g_ptr_array_add(compositor->tiles, tile_create(compositor, config, slot));
	}

	/* Sources the new scene does not use stop. */
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, old_slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		slot_destroy(value, compositor->renderer);
	}
	g_hash_table_destroy(old_slots);

	tell_view_sizes(compositor);
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		struct source_slot *slot = value;
		if (!slot->visible) {
			wall_source_set_visible(slot->source, true);
			slot->visible = true;
		}
	}
	compositor->full_damage = true;
}

const struct wall_layout_scene *wall_compositor_get_scene(const struct wall_compositor *compositor)
{
	return compositor->scene;
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
}

bool wall_compositor_render(struct wall_compositor *compositor, int64_t now_us)
{
	struct wall_renderer *renderer = compositor->renderer;
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, compositor->slots);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		slot_poll(value);
	}

	bool any = compositor->full_damage;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		bool look_changed = tile_update_look(tile, now_us);
		tile->damaged = compositor->full_damage || look_changed ||
				(tile->slate.show_frame && tile->slot->fresh);
		any = any || tile->damaged;
	}
	if (!any) {
		return false;
	}
	close_damage(compositor);

	renderer->impl->begin(renderer);
	if (compositor->full_damage) {
		struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
		renderer->impl->fill(renderer, &canvas, compositor->layout->background_argb);
	}
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->damaged) {
			draw_tile(tile, renderer);
		}
	}
	renderer->impl->end(renderer);
	compositor->full_damage = false;
	return true;
}
