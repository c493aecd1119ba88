/* Small helpers for writing JSON objects with json-glib's builder, shared by the compositor and
 * control. */
#ifndef WALL_JSON_WRITE_H
#define WALL_JSON_WRITE_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/** A string member, or null when value is NULL. */
void wall_json_set_string(JsonBuilder *builder, const char *name, const char *value);
void wall_json_set_int(JsonBuilder *builder, const char *name, int64_t value);
void wall_json_set_bool(JsonBuilder *builder, const char *name, bool value);
/** The builder's document as compact text; takes and frees builder. g_free the result. */
char *wall_json_finish(JsonBuilder *builder);

#endif
