/*
 * Limits shared by the parts of the wall that must agree on them: what
 * `wall --check` accepts is what the renderers draw.
 */
#ifndef WALL_WALL_LIMITS_H
#define WALL_WALL_LIMITS_H

/*
 * The widest and tallest canvas, in pixels. Both renderers take it (soft:
 * a 1 GiB canvas at most; gl: GPUs of the last decade have 16384-pixel
 * textures), and it holds a wall of 8x15 full-HD monitors. The gl
 * renderer still checks the GPU's own maximum when it starts.
 */
#define WALL_MAX_CANVAS_PX 16384

#endif
