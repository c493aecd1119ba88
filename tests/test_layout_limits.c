/*
 * The layout loader's limits (README, "Limits"): nesting depth and canvas
 * size, each refused at its FILE:LINE:COL with the limit named.
 */
#include <glib.h>
#include <string.h>

#include "layout.h"
#include "support.h"
#include "wall_limits.h"
#include "yaml_tree.h"

/* The message of the error parsing text gives (g_free it). */
static char *error_of(const char *text)
{
	GError *error = NULL;
	struct wall_layout *layout =
		wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_null(layout);
	g_assert_nonnull(error);
	char *message = g_strdup(error->message);
	g_error_free(error);
	g_test_message("%s", message);
	return message;
}

static void test_deep_flow_nesting(void)
{
	/* 100,000 deep took 33 s in libyaml: refused at the 64th level. */
	GString *text = g_string_new("wall: ");
	for (int i = 0; i < 100000; i++) {
		g_string_append_c(text, '[');
	}
	int64_t start_us = g_get_monotonic_time();
	char *message = error_of(text->str);
	int64_t took_ms = (g_get_monotonic_time() - start_us) / 1000;
	g_test_message("refused after %" G_GINT64_FORMAT " ms", took_ms);
	/* The root mapping is level 1, so the 64th '[' is one too many. */
	g_assert_cmpstr(message, ==, "test.yaml:1:70: nested deeper than 64 lists and mappings");
	g_free(message);
	g_string_free(text, TRUE);
}

static void test_deep_block_nesting(void)
{
	GString *text = g_string_new("");
	for (int depth = 0; depth < WALL_YAML_MAX_DEPTH + 5; depth++) {
		for (int i = 0; i < depth; i++) {
			g_string_append(text, " ");
		}
		g_string_append(text, "k:\n");
	}
	char *message = error_of(text->str);
	g_assert_true(g_str_has_prefix(message, "test.yaml:65:65: nested deeper than 64"));
	g_free(message);
	g_string_free(text, TRUE);

	/* As deep as allowed still parses. */
	text = g_string_new("");
	for (int depth = 0; depth < WALL_YAML_MAX_DEPTH; depth++) {
		g_string_append(text, "[");
	}
	GError *error = NULL;
	struct wall_yaml_node *root = wall_yaml_parse("ok.yaml", text->str, text->len, &error);
	/* Unclosed, so a syntax error, but not the depth limit. */
	g_assert_null(root);
	g_assert_null(strstr(error->message, "nested deeper"));
	g_error_free(error);
	g_string_free(text, TRUE);
}

static void test_canvas_too_large(void)
{
	char *message = error_of("wall:\n  canvas: 65536x65536\n");
	g_assert_cmpstr(message, ==,
			"test.yaml:2:11: 65536x65536 is larger than the renderers draw; the "
			"most is 16384x16384");
	g_free(message);
	message = error_of("wall:\n  monitors: {cols: 9, rows: 1, size: 1920x1080}\n");
	g_assert_true(g_str_has_prefix(message, "test.yaml:2:13: the monitors make a 17280x1080 "
						"canvas; the most is 16384x16384"));
	g_free(message);
}

/* --check said "ok" to a canvas the renderers then refused. */
static void test_check_refuses_canvas(void)
{
	char *path = wall_test_temp_path("huge-canvas.yaml");
	g_assert_true(g_file_set_contents(path,
					  "wall:\n  canvas: 65536x65536\nsources:\n"
					  "  c: {plugin: color}\nscenes:\n  s:\n    tiles:\n"
					  "      - {id: t, source: c, rect: [0, 0, 1, 1]}\n",
					  -1, NULL));
	const char *args[] = {"--check", path, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "huge-canvas.yaml:2:11: 65536x65536 is larger than the "
				     "renderers draw; the most is 16384x16384"));
	g_free(err);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/layout-limits/deep-flow", test_deep_flow_nesting);
	g_test_add_func("/layout-limits/deep-block", test_deep_block_nesting);
	g_test_add_func("/layout-limits/canvas", test_canvas_too_large);
	g_test_add_func("/layout-limits/check-refuses-canvas", test_check_refuses_canvas);
	return g_test_run();
}
