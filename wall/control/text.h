/* Text the control plane sends or keeps, cut to a size without cutting a character. */
#ifndef WALL_CONTROL_TEXT_H
#define WALL_CONTROL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/**
 * A copy of text as valid UTF-8 (invalid bytes become U+FFFD) of at most
 * max_bytes: a longer one is cut at a character boundary and ends in
 * "…" (within max_bytes). *cut (may be NULL) says whether it was cut.
 * g_free the result.
 */
char *wall_text_cut(const char *text, size_t max_bytes, bool *cut);

#endif
