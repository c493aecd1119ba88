/*
 * libFuzzer target for the layout loader (YAML to a resolved layout): any
 * bytes must load or fail with a "FILE:LINE:COL: " message, never crash,
 * leak, overflow or take long (nesting is bounded).
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"
#include "wall_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two plugins with options of every type, so option checks run too. */
static const struct wall_option camera_options[] = {
	{.name = "url", .type = WALL_OPTION_STRING, .flags = WALL_OPTION_REQUIRED},
	{.name = "transport", .type = WALL_OPTION_ENUM, .choices = "tcp|udp|auto"},
	{.name = "stall_ms", .type = WALL_OPTION_INT, .min = 200, .max = 600000},
	{.name = "fps", .type = WALL_OPTION_DOUBLE, .min = 1, .max = 240},
	{.name = "keyframes_only", .type = WALL_OPTION_BOOL},
	{.name = "password", .type = WALL_OPTION_STRING, .flags = WALL_OPTION_SECRET},
	{0},
};

static const struct wall_option panel_options[] = {
	{.name = "color", .type = WALL_OPTION_COLOR, .default_value = "#202830"},
	{.name = "interval", .type = WALL_OPTION_DURATION, .min = 0.1, .max = 3600},
	{.name = "path", .type = WALL_OPTION_PATH},
	{.name = "data", .type = WALL_OPTION_JSON},
	{0},
};

static const struct wall_option *lookup(const char *plugin, const char **why, void *user)
{
	if (strcmp(plugin, "camera") == 0) {
		return camera_options;
	}
	if (strcmp(plugin, "panel") == 0) {
		return panel_options;
	}
	*why = "no such plugin";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy the exact size of the input, so ASan sees any overread. */
	char *text = g_malloc(size > 0 ? size : 1);
	memcpy(text, data, size);
	GError *error = NULL;
	struct wall_layout *layout =
		wall_layout_parse("/fuzz/wall.yaml", text, size, lookup, NULL, &error);
	if (layout != NULL) {
		g_assert_null(error);
		g_assert_cmpint(layout->canvas_width_px, >=, 1);
		g_assert_cmpint(layout->canvas_height_px, >=, 1);
		g_assert_cmpint(layout->canvas_width_px, <=, WALL_MAX_CANVAS_PX);
		g_assert_cmpint(layout->canvas_height_px, <=, WALL_MAX_CANVAS_PX);
		wall_layout_destroy(layout);
	} else {
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error->message, "/fuzz/wall.yaml:"));
		g_error_free(error);
	}
	g_free(text);
	return 0;
}
