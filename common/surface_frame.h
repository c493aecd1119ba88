/* A picture drawn with Cairo, handed to the wall as a frame without a copy. */
#ifndef WALL_SURFACE_FRAME_H
#define WALL_SURFACE_FRAME_H

#include <cairo.h>
#include <wall/plugin.h>

/**
 * A premultiplied BGRA frame of surface, an ARGB32 image surface already
 * flushed, captured now. Pushing it hands the surface to the host, which
 * destroys it on release; the caller must not touch it afterwards.
 */
struct wall_frame wall_surface_frame(cairo_surface_t *surface);

#endif
