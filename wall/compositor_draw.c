/* Drawing one frame: what each tile shows, damage, and the picture. */
#include "compositor_private.h"

#include "label.h"
#include "log.h"
#include "stats.h"

void compositor_overlay_set(struct overlay *overlay, cairo_surface_t *surface)
{
	/* The old surface may still back the texture; it is re-uploaded
	 * before the next draw, so nothing reads the freed pixels. */
	if (overlay->surface != NULL) {
		cairo_surface_destroy(overlay->surface);
	}
	overlay->surface = surface;
	overlay->needs_upload = surface != NULL;
}

void compositor_overlay_finish(struct overlay *overlay, struct wall_renderer *renderer)
{
	renderer->impl->texture_finish(renderer, &overlay->texture);
	compositor_overlay_set(overlay, NULL);
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

cairo_surface_t *compositor_render_label(const struct wall_layout_tile *config, const char *text)
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

/* Decide what the tile shows now; true when its look changed. */
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

/* Grow damage until every tile touching a damaged tile is redrawn whole:
 * a redrawn tile paints over everything under it, and whatever sits above
 * it must be painted again. */
void compositor_close_damage(struct wall_compositor *compositor)
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
	slot_upload(slot, renderer);
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
		overlay_draw(text, renderer, rect->x + (rect->width - width) / 2,
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

static void draw_border(const struct wall_layout_tile *config, struct wall_renderer *renderer)
{
	fill_frame(renderer, &config->rect, config->border_px, config->border_argb);
}

static void draw_alarm_border(const struct tile *tile, struct wall_renderer *renderer)
{
	const struct wall_rect *r = &tile->config->rect;
	fill_frame(renderer, r, MAX(4, MIN(r->width, r->height) / 40), ALARM_ARGB);
}

void compositor_draw_tile(struct tile *tile, struct wall_renderer *renderer)
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

/* Lay the old picture over the new scene, as far as the transition has come. */
void compositor_draw_transition(struct wall_compositor *compositor, int64_t now_us)
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
