#include "compositor_tile.h"

#include <string.h>

#include "json_write.h"
#include "label.h"

#define LETTERBOX_ARGB 0xff000000u
#define DIM_ARGB 0x99000000u
#define LABEL_BOX_ARGB 0xb0101418u
#define ALARM_ARGB 0xffe02020u

struct tile *compositor_tile_create(const struct wall_layout_tile *config)
{
	struct tile *tile = g_new0(struct tile, 1);
	tile->config = config;
	compositor_tour_init(&tile->tour, config);
	tile->reported_state = WALL_SOURCE_STATE_INVALID;
	return tile;
}

void compositor_tile_destroy(struct tile *tile, struct wall_renderer *renderer)
{
	compositor_overlay_finish(&tile->label, renderer);
	compositor_overlay_finish(&tile->slate_text, renderer);
	compositor_overlay_finish(&tile->badge, renderer);
	wall_slate_clear(&tile->slate);
	g_free(tile->slate_key);
	g_free(tile);
}

struct tile *compositor_tile_find(GPtrArray *tiles, const char *id)
{
	for (guint i = 0; i < tiles->len; i++) {
		struct tile *tile = tiles->pdata[i];
		if (strcmp(tile->config->id, id) == 0) {
			return tile;
		}
	}
	return NULL;
}

const struct wall_layout_source *compositor_tile_want(const struct tile *tile)
{
	if (tile->alarm_source != NULL) {
		return tile->alarm_source;
	}
	if (tile->pinned != NULL) {
		return tile->pinned;
	}
	if (tile->config->tour != NULL) {
		return compositor_tour_stop(tile->config, tile->tour.index);
	}
	return tile->config->source;
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

void compositor_tile_show(struct tile *tile, const struct wall_layout_source *source,
                          struct source_slot *slot, uint64_t *shown_counter)
{
	if (slot == tile->slot) {
		return;
	}
	tile->slot = slot;
	tile->shown = source;
	tile->dirty = true;
	g_clear_pointer(&tile->slate_key, g_free);
	const char *label = tile_label(tile);
	compositor_overlay_set(&tile->label, label != NULL && label[0] != '\0'
	                                             ? render_label(tile->config, label)
	                                             : NULL);
	tile->shown_counter = shown_counter;
}

bool compositor_tile_update_look(struct tile *tile, int64_t now_us)
{
	struct source_slot *slot = tile->slot;
	struct wall_slate slate;
	wall_slate_describe(&slot->health, compositor_slot_picture(slot) != NULL, now_us, &slate);
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
	compositor_overlay_set(&tile->slate_text,
	                       slate.title != NULL
	                               ? wall_slate_render_text(&slate, rect->width, rect->height)
	                               : NULL);
	compositor_overlay_set(&tile->badge, slate.badge != NULL
	                                             ? wall_slate_render_badge(&slate, rect->height)
	                                             : NULL);
	return true;
}

/* A redrawn tile paints over everything under it, and whatever sits above
 * it must be painted again. */
void compositor_tiles_close_damage(GPtrArray *tiles)
{
	bool grew = true;
	while (grew) {
		grew = false;
		for (guint i = 0; i < tiles->len; i++) {
			struct tile *tile = tiles->pdata[i];
			if (tile->damaged) {
				continue;
			}
			for (guint j = 0; j < tiles->len; j++) {
				struct tile *other = tiles->pdata[j];
				if (other->damaged && wall_rect_intersects(&tile->config->rect,
				                                           &other->config->rect)) {
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
	compositor_slot_upload(slot, renderer);
	const struct wall_frame *frame = &slot->current->frame;
	struct wall_crop crop;
	struct wall_rect dest;
	enum wall_fit fit =
	        frame->flags & WALL_FRAME_ANY_ASPECT ? WALL_FIT_STRETCH : tile->config->fit;
	wall_fit_picture(fit, frame->width_px, frame->height_px, rect, &crop, &dest);
	bool has_alpha =
	        frame->format == WALL_PIXEL_FORMAT_BGRA || frame->format == WALL_PIXEL_FORMAT_RGBA;
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
		compositor_overlay_draw(text, renderer, rect->x + (rect->width - width) / 2,
		                        rect->y + (rect->height - height) / 2);
	}
}

/* A frame b pixels wide just inside r. */
static void fill_frame(struct wall_renderer *renderer, const struct wall_rect *r, int b,
                       uint32_t argb)
{
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
		renderer->impl->fill(renderer, &edges[i], argb);
	}
}

void compositor_tile_draw(struct tile *tile, struct wall_renderer *renderer)
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
	compositor_slot_draw_overlay(tile->slot, rect, renderer);
	if (tile->badge.surface != NULL) {
		int width = cairo_image_surface_get_width(tile->badge.surface);
		compositor_overlay_draw(&tile->badge, renderer,
		                        rect->x + rect->width - width - inset, rect->y + inset);
	}
	if (tile->label.surface != NULL) {
		int height = cairo_image_surface_get_height(tile->label.surface);
		compositor_overlay_draw(&tile->label, renderer, rect->x + inset,
		                        rect->y + rect->height - height - inset);
	}
	fill_frame(renderer, rect, tile->config->border_px, tile->config->border_argb);
	if (tile->alarm_source != NULL && tile->alarm_lit) {
		fill_frame(renderer, rect, MAX(4, MIN(rect->width, rect->height) / 40), ALARM_ARGB);
	}
}

void compositor_tile_describe(struct tile *tile, JsonBuilder *builder, int64_t now_us)
{
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "id", tile->config->id);
	wall_json_set_string(builder, "source", tile->shown->name);
	compositor_slot_describe(tile->slot, builder, now_us);
	wall_json_set_string(builder, "pinned", tile->pinned != NULL ? tile->pinned->name : NULL);
	json_builder_set_member_name(builder, "alarm");
	json_builder_add_boolean_value(builder, tile->alarm_source != NULL);
	if (tile->config->tour != NULL) {
		compositor_tour_describe(&tile->tour, tile->config, builder);
	}
	json_builder_end_object(builder);
}
