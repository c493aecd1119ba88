/*
 * The layout loader's shared parts, private to wall/layout*.c: the state
 * of one load, and the checks that turn a YAML node into a value or into
 * a "FILE:LINE:COL: expected …" error.
 */
#ifndef WALL_LAYOUT_LOADER_H
#define WALL_LAYOUT_LOADER_H

#include "layout.h"
#include "wall_limits.h"
#include "yaml_tree.h"

/* What the renderers draw (wall_limits.h); pixel sums never overflow int32. */
#define MAX_CANVAS_PX WALL_MAX_CANVAS_PX
#define MAX_PRESET 99
#define MAX_WARM 256
/* Pictures are held at most this long (source.c holds 32 frames). */
#define MAX_CAPTURE_DELAY_MS 1000
#define DEFAULT_BORDER_ARGB 0xff3a4a5au

/* One load in progress: where messages point and what they need. */
struct loader {
	const char *path;
	char *dir;
	GError **error;
	wall_plugin_options_fn lookup;
	void *user;
	struct wall_layout *layout;
};

/* Per-scene grid, needed to place tiles given by cell. */
struct grid {
	const struct wall_yaml_node *node;
	int64_t cols;
	int64_t rows;
	int64_t gap;
};

typedef struct wall_yaml_node node_t;

/* Every check below returns false after setting ld->error at the node. */
bool loader_fail(struct loader *ld, const node_t *at, const char *format, ...) G_GNUC_PRINTF(3, 4);
bool loader_fail_got(struct loader *ld, const node_t *at, const char *expected);
bool loader_is_scalar(const node_t *node);
bool loader_want_text(struct loader *ld, const node_t *node, const char *expected);
bool loader_want_kind(struct loader *ld, const node_t *node, enum wall_yaml_kind kind,
                      const char *expected);
bool loader_check_keys(struct loader *ld, const node_t *map, const char *const *allowed,
                       const char *where);
bool loader_require(struct loader *ld, const node_t *map, const char *key, const char *where,
                    const node_t **value);
bool loader_number_text(const char *text);
bool loader_parse_double(const char *text, double *value);
bool loader_want_int(struct loader *ld, const node_t *node, int64_t min, int64_t max,
                     int64_t *value);
bool loader_want_size(struct loader *ld, const node_t *node, const char *expected, int64_t *w,
                      int64_t *h);
bool loader_want_color(struct loader *ld, const node_t *node, uint32_t *argb);
bool loader_want_int_list(struct loader *ld, const node_t *node, guint count, int64_t min,
                          const char *expected, int64_t *values);
struct wall_mark loader_mark_of(const node_t *node);

/* Plugin options of one source, checked against the plugin's table. */
bool layout_parse_options(struct loader *ld, struct wall_layout_source *source, const node_t *map,
                          const node_t *name);
void layout_option_free(void *data);

/* One tile of a scene, placed on the canvas. */
bool layout_parse_tile(struct loader *ld, const struct grid *grid, const node_t *map,
                       GHashTable *ids, struct wall_layout_scene *scene);
void layout_tile_free(void *data);

/* wall.inspection (layout_inspection.c). */
bool layout_parse_inspection(struct loader *ld, const node_t *map);

/* wall.outputs (layout_outputs.c). */
bool layout_parse_outputs(struct loader *ld, const node_t *map);
GPtrArray *layout_outputs_new(void);

/* nodes: (layout_nodes.c). */
bool layout_parse_nodes(struct loader *ld, const node_t *map);
GPtrArray *layout_nodes_new(void);

/* A label: text, or false / "" for none (*text NULL). */
bool layout_want_label(struct loader *ld, const node_t *node, char **text);

/* layout_keys.c: the keys: map. */
void wall_layout_keys_init(struct wall_layout *layout);
bool layout_parse_keys(struct loader *ld, const node_t *map);

#endif
