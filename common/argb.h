/* Colours as the wall writes them: 0xAARRGGBB, alpha not premultiplied. */
#ifndef WALL_ARGB_H
#define WALL_ARGB_H

#include <cairo.h>
#include <stdint.h>

/** Set cr's source to argb. */
void wall_argb_set_source(cairo_t *cr, uint32_t argb);

/** argb with red, green and blue multiplied by alpha, rounded: a BGRA pixel's value. */
uint32_t wall_argb_premultiply(uint32_t argb);

#endif
