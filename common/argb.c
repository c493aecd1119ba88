#include "argb.h"

void wall_argb_set_source(cairo_t *cr, uint32_t argb)
{
	cairo_set_source_rgba(cr, ((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0,
	                      (argb & 0xff) / 255.0, (argb >> 24) / 255.0);
}

uint32_t wall_argb_premultiply(uint32_t argb)
{
	uint32_t a = argb >> 24;
	uint32_t r = (((argb >> 16) & 0xff) * a + 127) / 255;
	uint32_t g = (((argb >> 8) & 0xff) * a + 127) / 255;
	uint32_t b = ((argb & 0xff) * a + 127) / 255;
	return a << 24 | r << 16 | g << 8 | b;
}
