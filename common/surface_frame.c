#include "surface_frame.h"

#include <glib.h>

static void release_surface(void *data)
{
	cairo_surface_destroy(data);
}

struct wall_frame wall_surface_frame(cairo_surface_t *surface)
{
	return (struct wall_frame){
	        .format = WALL_PIXEL_FORMAT_BGRA,
	        .width_px = (uint32_t)cairo_image_surface_get_width(surface),
	        .height_px = (uint32_t)cairo_image_surface_get_height(surface),
	        .planes = {cairo_image_surface_get_data(surface)},
	        .strides = {(uint32_t)cairo_image_surface_get_stride(surface)},
	        .capture_time_us = g_get_monotonic_time(),
	        .release = release_surface,
	        .release_data = surface,
	};
}
