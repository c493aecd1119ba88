#include "thumbnail.h"

#include <cairo.h>
#include <libyuv.h>

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

GBytes *wall_thumbnail_png(const struct wall_frame *frame, int width_px)
{
	if (frame->format != WALL_PIXEL_FORMAT_I420 || frame->width_px < 2 ||
	    frame->height_px < 2 || width_px < 2) {
		return NULL;
	}
	int w = width_px & ~1;
	int h = (int)((int64_t)frame->height_px * w / frame->width_px) & ~1;
	if (h < 2) {
		h = 2;
	}
	/* Scale the planes as they are, then convert the few pixels left. */
	int cw = w / 2, ch = h / 2;
	uint8_t *small = g_malloc((size_t)(w * h + 2 * cw * ch));
	uint8_t *u = small + w * h, *v = u + cw * ch;
	I420Scale(frame->planes[0], (int)frame->strides[0], frame->planes[1],
	          (int)frame->strides[1], frame->planes[2], (int)frame->strides[2],
	          (int)frame->width_px, (int)frame->height_px, small, w, u, cw, v, cw, w, h,
	          kFilterBox);
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_surface_flush(surface);
	const struct YuvConstants *matrix =
	        frame->matrix == WALL_YUV_MATRIX_BT709 ? &kYuvH709Constants : &kYuvI601Constants;
	I420ToARGBMatrix(small, w, u, cw, v, cw, cairo_image_surface_get_data(surface),
	                 cairo_image_surface_get_stride(surface), matrix, w, h);
	cairo_surface_mark_dirty(surface);
	g_free(small);
	GByteArray *png = g_byte_array_new();
	cairo_status_t status = cairo_surface_write_to_png_stream(surface, append_png, png);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_byte_array_unref(png);
		return NULL;
	}
	return g_byte_array_free_to_bytes(png);
}
