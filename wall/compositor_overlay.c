#include "compositor_overlay.h"

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

void compositor_overlay_draw(struct overlay *overlay, struct wall_renderer *renderer, int32_t x,
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
