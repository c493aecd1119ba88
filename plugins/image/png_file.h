/*
 * Reading a PNG file into a Cairo ARGB32 surface, for the plugins that
 * show pictures (image, and the drone's map). It reads and decodes on the
 * caller's thread, which is therefore never the render thread.
 */
#ifndef PNG_FILE_H
#define PNG_FILE_H

#include <cairo.h>

/*
 * The widest or tallest picture read: a bigger one is refused from its
 * header, before anything is decoded (the canvas is no larger).
 */
#define PNG_FILE_MAX_SIDE_PX 16384

/**
 * Read path as a premultiplied ARGB32 surface. Only a regular file is
 * read: a FIFO, a device or a folder is refused without waiting on it.
 * Returns NULL and sets *reason (static text) in words a user can act on.
 */
cairo_surface_t *png_file_load(const char *path, const char **reason);

#endif
