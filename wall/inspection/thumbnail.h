/*
 * A small PNG of an I420 picture, kept with a failed inspection result so
 * the report can show what the camera showed. Made on the inspection's
 * thread, never the render thread.
 */
#ifndef WALL_INSPECTION_THUMBNAIL_H
#define WALL_INSPECTION_THUMBNAIL_H

#include <glib.h>

#include "wall/plugin.h"

/** The width of a thumbnail; the height keeps the picture's shape. */
#define WALL_THUMBNAIL_WIDTH_PX 160

/** frame scaled to width_px wide, as PNG bytes; NULL when it is not I420 or too small. */
GBytes *wall_thumbnail_png(const struct wall_frame *frame, int width_px);

#endif
