/* The layout loader: every mistake a user can make points at its line and
 * column, and good layouts come out resolved to canvas pixels. */
#include <glib.h>
#include <string.h>

#include "layout.h"
#include "support.h"

static const struct wall_option pattern_options[] = {
	{.name = "width", .type = WALL_OPTION_INT, .default_value = "1280", .min = 16, .max = 7680},
	{.name = "height", .type = WALL_OPTION_INT, .default_value = "720", .min = 16, .max = 4320},
	{.name = "fps", .type = WALL_OPTION_DOUBLE, .default_value = "25", .min = 1, .max = 240},
	{.name = "motion", .type = WALL_OPTION_BOOL, .default_value = "true"},
	{0},
};

static const struct wall_option color_options[] = {
	{.name = "color", .type = WALL_OPTION_COLOR, .default_value = "#202830"},
	{0},
};

static const struct wall_option image_options[] = {
	{.name = "path", .type = WALL_OPTION_PATH, .flags = WALL_OPTION_REQUIRED},
	{0},
};

/* A plugin with one option of every other type. */
static const struct wall_option kitchen_options[] = {
	{.name = "mode", .type = WALL_OPTION_ENUM, .choices = "tcp|udp|auto"},
	{.name = "dwell", .type = WALL_OPTION_DURATION, .min = 1, .max = 60},
	{.name = "data", .type = WALL_OPTION_JSON},
	{.name = "title", .type = WALL_OPTION_STRING},
	{.name = "scale", .type = WALL_OPTION_DOUBLE},
	{0},
};

static const struct wall_option *lookup(const char *plugin, const char **why, void *user)
{
	static const struct {
		const char *name;
		const struct wall_option *options;
	} plugins[] = {
		{"pattern", pattern_options},
		{"color", color_options},
		{"image", image_options},
		{"kitchen", kitchen_options},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(plugins); i++) {
		if (strcmp(plugin, plugins[i].name) == 0) {
			return plugins[i].options;
		}
	}
	*why = strcmp(plugin, "broken") == 0 ? "broken.so: built for plugin ABI 99, this wall speaks 1"
					     : "no such plugin";
	return NULL;
}

static struct wall_layout *parse(const char *text)
{
	GError *error = NULL;
	struct wall_layout *layout =
		wall_layout_parse("/srv/walls/test.yaml", text, strlen(text), lookup, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(layout);
	return layout;
}

/* The error must start with "test.yaml:WHERE: " and contain phrase. */
/* The layout text is refused at WHERE ("LINE:COL") with phrase in the message. */
static void expect_error(const char *text, const char *where, const char *phrase)
{
	wall_test_expect_layout_error(lookup, text, where, phrase);
}

static const struct wall_layout_tile *tile(const struct wall_layout *layout, const char *scene,
					   guint index)
{
	const struct wall_layout_scene *s = wall_layout_find_scene(layout, scene);
	g_assert_nonnull(s);
	g_assert_cmpuint(index, <, s->tiles->len);
	return g_ptr_array_index(s->tiles, index);
}

static void assert_rect(const struct wall_layout_tile *t, int x, int y, int w, int h)
{
	g_assert_cmpint(t->rect.x, ==, x);
	g_assert_cmpint(t->rect.y, ==, y);
	g_assert_cmpint(t->rect.width, ==, w);
	g_assert_cmpint(t->rect.height, ==, h);
}

/* Lines 1-9 of most error cases; a tile list follows on line 10. */
#define HEAD                                                                                       \
	"wall:\n"                                                                                  \
	"  canvas: 1920x1080\n"                                                                    \
	"sources:\n"                                                                               \
	"  cam:\n"                                                                                 \
	"    plugin: pattern\n"                                                                    \
	"scenes:\n"                                                                                \
	"  main:\n"                                                                                \
	"    grid: 4x4\n"                                                                          \
	"    tiles:\n"
#define TILE "      - {id: t1, source: cam, cell: [0, 0]}\n"

/* ---- Mistakes ---- */

static void test_syntax_error(void)
{
	expect_error("wall:\n"
		     "  canvas: [1920x1080\n"
		     "scenes: {}\n",
		     "3:7", "while parsing a flow sequence started at line 2, column 11");
}

static void test_duplicate_key(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  canvas: 1280x720\n",
		     "3:3", "duplicate key \"canvas\" (first at line 2, column 3)");
}

static void test_alias_refused(void)
{
	expect_error(HEAD "      - &a {id: t1, source: cam, cell: [0, 0]}\n"
			  "      - *a\n",
		     "10:9", "anchors (&a) are not supported");
	expect_error("wall: *w\n", "1:7", "aliases (*w) are not supported");
}

static void test_unknown_top_key(void)
{
	expect_error(HEAD TILE "extras: 1\n", "11:1",
		     "unknown key \"extras\" in the layout; expected one of: wall, sources");
}

static void test_unknown_tile_key(void)
{
	expect_error(HEAD "      - {id: t1, source: cam, cell: [0, 0], colour: red}\n", "10:45",
		     "unknown key \"colour\" in tile \"t1\"");
}

static void test_wrong_type(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "sources:\n"
		     "  cam:\n"
		     "    plugin: {name: pattern}\n"
		     "scenes: {main: {tiles: []}}\n",
		     "5:13", "expected a plugin name, like camera, got a mapping");
}

static void test_bad_canvas(void)
{
	expect_error("wall:\n"
		     "  canvas: 19x\n",
		     "2:11", "expected a size like 1920x1080, got \"19x\"");
}

static void test_missing_canvas(void)
{
	expect_error("wall:\n"
		     "  background: \"#000000\"\n"
		     "scenes: {main: {tiles: []}}\n",
		     "2:3", "missing key \"canvas\" (or \"monitors\")");
}

static void test_missing_plugin(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "sources:\n"
		     "  cam:\n"
		     "    label: 茂南区鳌头镇 01\n"
		     "scenes: {main: {tiles: []}}\n",
		     "5:5", "missing key \"plugin\" in source \"cam\"");
}

static void test_missing_source(void)
{
	expect_error(HEAD "      - {id: t1, source: cam-9, cell: [0, 0]}\n", "10:26",
		     "no source named \"cam-9\"");
}

static void test_duplicate_tile_id(void)
{
	expect_error(HEAD TILE "      - {id: t1, source: cam, cell: [1, 0]}\n", "11:14",
		     "duplicate tile id \"t1\" (first at line 10, column 14)");
}

static void test_cell_outside_grid(void)
{
	expect_error(HEAD "      - {id: t1, source: cam, cell: [4, 0]}\n", "10:37",
		     "cell [4, 0] is outside the 4x4 grid");
}

static void test_span_outside_grid(void)
{
	expect_error(HEAD "      - {id: t1, source: cam, cell: [3, 3], span: [2, 1]}\n", "10:51",
		     "span [2, 1] from cell [3, 3] does not fit in the 4x4 grid");
}

static void test_cell_needs_grid(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {cam: {plugin: pattern}}\n"
		     "scenes:\n"
		     "  main:\n"
		     "    tiles:\n"
		     "      - {id: t1, source: cam, cell: [0, 0]}\n",
		     "6:37", "a cell needs a grid");
}

static void test_rect_outside_canvas(void)
{
	expect_error(HEAD "      - {id: t1, source: cam, rect: [1000, 0, 1000, 500]}\n", "10:37",
		     "rect lies outside the 1920x1080 canvas");
	expect_error(HEAD "      - {id: t1, source: cam, rect: [0.5, 0, 0.6, 1]}\n", "10:37",
		     "rect lies outside the 1920x1080 canvas");
	expect_error(HEAD "      - {id: t1, source: cam, rect: [0.5, 0, 2.5, 1]}\n", "10:46",
		     "expected a fraction from 0 to 1");
	expect_error(HEAD "      - {id: t1, source: cam, rect: [0, 0, 100000000000, 1]}\n", "10:37",
		     "rect lies outside the 1920x1080 canvas");
	expect_error(HEAD "      - {id: t1, source: cam, rect: [0, 0, 0, 10]}\n", "10:37",
		     "rect has no area");
}

static void test_cell_and_rect(void)
{
	expect_error(HEAD "      - {id: t1, source: cam, cell: [0, 0], rect: [0, 0, 10, 10]}\n",
		     "10:45", "tile \"t1\" sets both cell and rect");
	expect_error(HEAD "      - {id: t1, source: cam}\n", "10:9",
		     "tile \"t1\" needs a place");
}

static void test_bad_color(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  background: \"#10141\"\n",
		     "3:15", "expected a colour like \"#3a4a5a\"");
	/* Unquoted, YAML reads the colour as a comment: say so. */
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  background: #101418\n",
		     "3:14", "got nothing; write it in quotes");
	expect_error(HEAD "      - {id: t1, source: cam, cell: [0, 0], border: {width: 2, color: red}}\n",
		     "10:71", "expected a colour");
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources:\n"
		     "  standby: {plugin: color, color: red}\n",
		     "3:35", "expected a colour like \"#3a4a5a\" or \"#3a4a5aff\", got \"red\"");
}

static void test_unknown_option(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources:\n"
		     "  cam:\n"
		     "    plugin: pattern\n"
		     "    colour: red\n",
		     "5:5",
		     "unknown option \"colour\" for plugin \"pattern\"; expected one of: width, "
		     "height, fps, motion, label");
}

static void test_option_out_of_range(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources:\n"
		     "  cam:\n"
		     "    plugin: pattern\n"
		     "    width: 8\n",
		     "5:12", "expected an integer from 16 to 7680, got \"8\"");
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {cam: {plugin: pattern, fps: 300}}\n",
		     "2:39", "expected a number from 1 to 240, got \"300\"");
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {k: {plugin: kitchen, dwell: 90s}}\n",
		     "2:39", "expected a duration from 1s to 60s");
	/* Columns count characters, as editors do, not UTF-8 bytes. */
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {cam: {plugin: pattern, label: 茂南区, width: 99999}}\n",
		     "2:53", "expected an integer from 16 to 7680, got \"99999\"");
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {cam: {plugin: pattern, motion: maybe}}\n",
		     "2:42", "expected true or false, got \"maybe\"");
}

static void test_bad_enum(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources: {k: {plugin: kitchen, mode: http}}\n",
		     "2:38", "expected one of tcp, udp, auto, got \"http\"");
}

static void test_missing_required_option(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "sources:\n"
		     "  logo: {plugin: image}\n",
		     "3:3", "source \"logo\" needs option \"path\" (plugin \"image\")");
}

static void test_preset_missing_scene(void)
{
	expect_error(HEAD TILE "presets:\n"
			       "  1: main\n"
			       "  2: overview\n",
		     "13:6", "no scene named \"overview\"; scenes: main");
	expect_error(HEAD TILE "presets: {100: main}\n", "11:11",
		     "expected an integer from 0 to 99, got \"100\"");
	expect_error(HEAD TILE "presets: {1: main, 01: main}\n", "11:20", "preset 1 is set twice");
}

static void test_start_missing_scene(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  start: overview\n"
		     "scenes: {main: {tiles: []}}\n",
		     "3:10", "no scene named \"overview\"; scenes: main");
}

static void test_no_scenes(void)
{
	expect_error("wall: {canvas: 1920x1080}\n"
		     "scenes: {}\n",
		     "2:9", "expected at least one scene");
	expect_error("wall: {canvas: 1920x1080}\n", "1:1", "missing key \"scenes\" in the layout");
	expect_error("", "1:1", "the layout is empty");
	expect_error("- a\n", "1:1", "expected a layout: a mapping with wall, sources and scenes, got a list");
}

/* ---- Good layouts ---- */

static void test_grid_geometry(void)
{
	struct wall_layout *layout = parse("wall: {canvas: 1920x1080}\n"
					   "sources: {cam: {plugin: pattern}}\n"
					   "scenes:\n"
					   "  main:\n"
					   "    grid: 4x4\n"
					   "    gap: 8\n"
					   "    tiles:\n"
					   "      - {id: a, source: cam, cell: [0, 0]}\n"
					   "      - {id: big, source: cam, cell: [1, 1], span: [2, 2]}\n"
					   "      - {id: last, source: cam, cell: [3, 3]}\n"
					   "  thirds:\n"
					   "    grid: 3x1\n"
					   "    gap: 10\n"
					   "    tiles:\n"
					   "      - {id: l, source: cam, cell: [0, 0]}\n"
					   "      - {id: m, source: cam, cell: [1, 0]}\n"
					   "      - {id: r, source: cam, cell: [2, 0]}\n");
	/* (1920 + 8) / 4 = 482 per column, 1088 / 4 = 272 per row, less the gap. */
	assert_rect(tile(layout, "main", 0), 0, 0, 474, 264);
	assert_rect(tile(layout, "main", 1), 482, 272, 956, 536);
	assert_rect(tile(layout, "main", 2), 1446, 816, 474, 264);
	/* (1920 + 10) / 3 does not divide: edges 0, 643, 1287, 1930, so the
	 * middle cell takes the spare pixel and the last ends on the edge. */
	assert_rect(tile(layout, "thirds", 0), 0, 0, 633, 1080);
	assert_rect(tile(layout, "thirds", 1), 643, 0, 634, 1080);
	assert_rect(tile(layout, "thirds", 2), 1287, 0, 633, 1080);
	wall_layout_destroy(layout);
}

static void test_rects(void)
{
	struct wall_layout *layout =
		parse("wall: {canvas: 1920x1080}\n"
		      "sources: {cam: {plugin: pattern}}\n"
		      "scenes:\n"
		      "  main:\n"
		      "    tiles:\n"
		      "      - {id: px, source: cam, rect: [10, 20, 300, 200]}\n"
		      "      - {id: half, source: cam, rect: [0.5, 0.25, 0.5, 0.5]}\n"
		      "      - {id: all, source: cam, rect: [0, 0, 1.0, 1.0]}\n"
		      "      - {id: third, source: cam, rect: [0.333333, 0, 0.333334, 1]}\n");
	assert_rect(tile(layout, "main", 0), 10, 20, 300, 200);
	assert_rect(tile(layout, "main", 1), 960, 270, 960, 540);
	assert_rect(tile(layout, "main", 2), 0, 0, 1920, 1080);
	assert_rect(tile(layout, "main", 3), 640, 0, 640, 1080);
	wall_layout_destroy(layout);
}

static void test_z_order(void)
{
	struct wall_layout *layout = parse("wall: {canvas: 100x100}\n"
					   "sources: {cam: {plugin: pattern}}\n"
					   "scenes:\n"
					   "  main:\n"
					   "    tiles:\n"
					   "      - {id: a, source: cam, rect: [0, 0, 10, 10], z: 1}\n"
					   "      - {id: b, source: cam, rect: [0, 0, 10, 10]}\n"
					   "      - {id: c, source: cam, rect: [0, 0, 10, 10], z: 1}\n"
					   "      - {id: d, source: cam, rect: [0, 0, 10, 10], z: -1}\n"
					   "      - {id: e, source: cam, rect: [0, 0, 10, 10], z: 0}\n");
	const char *order[] = {"d", "b", "e", "a", "c"};
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		g_assert_cmpstr(tile(layout, "main", i)->id, ==, order[i]);
	}
	g_assert_cmpint(tile(layout, "main", 4)->mark.line, ==, 8);
	wall_layout_destroy(layout);
}

static void test_labels(void)
{
	struct wall_layout *layout =
		parse("wall: {canvas: 100x100}\n"
		      "sources:\n"
		      "  cam: {plugin: pattern, label: 茂南区鳌头镇 01}\n"
		      "  bare: {plugin: pattern}\n"
		      "scenes:\n"
		      "  main:\n"
		      "    tiles:\n"
		      "      - {id: inherit, source: cam, rect: [0, 0, 10, 10]}\n"
		      "      - {id: own, source: cam, rect: [0, 0, 10, 10], label: 自定义}\n"
		      "      - {id: hidden, source: cam, rect: [0, 0, 10, 10], label: false}\n"
		      "      - {id: empty, source: cam, rect: [0, 0, 10, 10], label: \"\"}\n"
		      "      - {id: quoted, source: cam, rect: [0, 0, 10, 10], label: \"false\"}\n"
		      "      - {id: none, source: bare, rect: [0, 0, 10, 10]}\n");
	g_assert_cmpstr(tile(layout, "main", 0)->label, ==, "茂南区鳌头镇 01");
	g_assert_cmpstr(tile(layout, "main", 1)->label, ==, "自定义");
	g_assert_null(tile(layout, "main", 2)->label);
	g_assert_null(tile(layout, "main", 3)->label);
	g_assert_cmpstr(tile(layout, "main", 4)->label, ==, "false");
	g_assert_null(tile(layout, "main", 5)->label);
	wall_layout_destroy(layout);
}

static void test_defaults(void)
{
	struct wall_layout *layout = parse("wall: {canvas: 640x480}\n"
					   "sources: {cam: {plugin: pattern}}\n"
					   "scenes:\n"
					   "  first: {tiles: [{id: a, source: cam, rect: [0, 0, 1, 1]}]}\n"
					   "  second:\n"
					   "    tiles:\n"
					   "      - id: b\n"
					   "        source: cam\n"
					   "        rect: [0, 0, 1, 1]\n"
					   "        fit: fill\n"
					   "        border: {width: 2, color: \"#ff000080\"}\n"
					   "presets: {9: second, 2: first, 0: first}\n");
	g_assert_cmpint(layout->canvas_width_px, ==, 640);
	g_assert_cmpint(layout->canvas_height_px, ==, 480);
	g_assert_cmphex(layout->background_argb, ==, 0xff000000);
	g_assert_cmpstr(layout->start_scene->name, ==, "first");

	const struct wall_layout_tile *a = tile(layout, "first", 0);
	g_assert_cmpint(a->fit, ==, WALL_FIT_CONTAIN);
	g_assert_cmpint(a->border_px, ==, 0);
	g_assert_cmphex(a->border_argb, ==, 0xff3a4a5a);
	g_assert_cmpint(a->z, ==, 0);
	const struct wall_layout_tile *b = tile(layout, "second", 0);
	g_assert_cmpint(b->fit, ==, WALL_FIT_COVER);
	g_assert_cmpint(b->border_px, ==, 2);
	g_assert_cmphex(b->border_argb, ==, 0x80ff0000);
	g_assert_cmpint(b->mark.line, ==, 7);
	g_assert_cmpint(b->mark.column, ==, 9);

	g_assert_cmpuint(layout->presets->len, ==, 3);
	g_assert_cmpint(g_array_index(layout->presets, struct wall_layout_preset, 0).number, ==, 0);
	g_assert_cmpint(g_array_index(layout->presets, struct wall_layout_preset, 2).number, ==, 9);
	g_assert_true(wall_layout_find_preset(layout, 9) == wall_layout_find_scene(layout, "second"));
	g_assert_null(wall_layout_find_preset(layout, 5));
	wall_layout_destroy(layout);
}

static void test_monitors(void)
{
	struct wall_layout *layout =
		parse("wall:\n"
		      "  monitors: {cols: 2, rows: 2, size: 1920x1080, bezel: 12}\n"
		      "  background: \"#101418\"\n"
		      "  start: b\n"
		      "scenes: {a: {tiles: []}, b: {tiles: []}}\n");
	g_assert_cmpint(layout->canvas_width_px, ==, 2 * 1920 + 12);
	g_assert_cmpint(layout->canvas_height_px, ==, 2 * 1080 + 12);
	g_assert_cmphex(layout->background_argb, ==, 0xff101418);
	g_assert_cmpstr(layout->start_scene->name, ==, "b");
	wall_layout_destroy(layout);

	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  monitors: {cols: 2, rows: 2, size: 1920x1080}\n",
		     "3:3", "set canvas or monitors, not both");
}

static void test_options(void)
{
	struct wall_layout *layout =
		parse("wall: {canvas: 100x100}\n"
		      "sources:\n"
		      "  logo: {plugin: image, path: images/logo.png}\n"
		      "  abs: {plugin: image, path: /opt/wall/a.png}\n"
		      "  up: {plugin: image, path: ../shared/b.png}\n"
		      "  k:\n"
		      "    plugin: kitchen\n"
		      "    mode: udp\n"
		      "    dwell: 1500ms\n"
		      "    title: 视频在线率\n"
		      "    scale: -2.5\n"
		      "    data: {a: 1, b: [true, \"2\", 3.5, off], c: null, d: \"x\"}\n"
		      "  j: {plugin: kitchen, data: 42}\n"
		      "scenes: {main: {tiles: []}}\n");
	const struct wall_layout_source *logo = wall_layout_find_source(layout, "logo");
	const struct wall_layout_option *path = wall_layout_source_option(logo, "path");
	g_assert_cmpstr(path->value, ==, "/srv/walls/images/logo.png");
	g_assert_true(path->spec == &image_options[0]);
	g_assert_cmpint(path->mark.line, ==, 3);
	g_assert_cmpint(path->mark.column, ==, 25);
	g_assert_cmpstr(wall_layout_source_option(wall_layout_find_source(layout, "abs"), "path")->value,
			==, "/opt/wall/a.png");
	g_assert_cmpstr(wall_layout_source_option(wall_layout_find_source(layout, "up"), "path")->value,
			==, "/srv/shared/b.png");

	const struct wall_layout_source *k = wall_layout_find_source(layout, "k");
	g_assert_cmpuint(k->options->len, ==, 5);
	g_assert_cmpstr(wall_layout_source_option(k, "mode")->value, ==, "udp");
	g_assert_cmpstr(wall_layout_source_option(k, "dwell")->value, ==, "1500ms");
	g_assert_cmpstr(wall_layout_source_option(k, "title")->value, ==, "视频在线率");
	g_assert_cmpstr(wall_layout_source_option(k, "data")->value, ==,
			"{\"a\":1,\"b\":[true,\"2\",3.5,\"off\"],\"c\":null,\"d\":\"x\"}");
	g_assert_null(k->plugin_error);
	const struct wall_layout_source *j = wall_layout_find_source(layout, "j");
	g_assert_cmpstr(wall_layout_source_option(j, "data")->value, ==, "42");
	wall_layout_destroy(layout);
}

static void test_plugin_error_kept(void)
{
	const char *text = "wall: {canvas: 100x100}\n"
			   "sources:\n"
			   "  future:\n"
			   "    plugin: broken\n"
			   "    anything: [1, 2]\n"
			   "    label: 未来\n"
			   "scenes: {main: {tiles: [{id: a, source: future, rect: [0, 0, 1, 1]}]}}\n";
	struct wall_layout *layout = parse(text);
	const struct wall_layout_source *future = wall_layout_find_source(layout, "future");
	g_assert_cmpstr(future->plugin_error, ==,
			"broken.so: built for plugin ABI 99, this wall speaks 1");
	g_assert_cmpstr(future->plugin, ==, "broken");
	g_assert_cmpint(future->plugin_mark.line, ==, 4);
	g_assert_cmpint(future->plugin_mark.column, ==, 13);
	g_assert_cmpint(future->mark.line, ==, 3);
	g_assert_cmpstr(future->label, ==, "未来");
	const struct wall_layout_option *anything = wall_layout_source_option(future, "anything");
	g_assert_null(anything->spec);
	g_assert_cmpstr(anything->value, ==, "[1,2]");
	wall_layout_destroy(layout);

	/* With no lookup at all, options are kept as written. */
	GError *error = NULL;
	layout = wall_layout_parse("x.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_no_error(error);
	future = wall_layout_find_source(layout, "future");
	g_assert_null(future->plugin_error);
	g_assert_null(wall_layout_source_option(future, "anything")->spec);
	wall_layout_destroy(layout);
}

/* Tour dwells in the layout take the same durations as the socket's FOR. */
static void test_dwell_durations(void)
{
	static const struct {
		const char *text;
		int64_t ms;
	} cases[] = {{"1.5s", 1500}, {"1h", 3600000}, {"90", 90000}, {"2500ms", 2500}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strdup_printf(
			"wall: {canvas: 100x100}\n"
			"sources: {a: {plugin: image, path: a.png}, b: {plugin: image, path: b.png}}\n"
			"scenes:\n"
			"  main: {tiles: [{id: t, tour: [a, b], dwell: %s, rect: [0, 0, 10, 10]}]}\n",
			cases[i].text);
		struct wall_layout *layout = parse(text);
		const struct wall_layout_scene *scene = wall_layout_find_scene(layout, "main");
		g_assert_cmpint(wall_layout_find_tile(scene, "t")->dwell_ms, ==, cases[i].ms);
		wall_layout_destroy(layout);
		g_free(text);
	}
}

/* ---- Files ---- */

static const struct wall_layout *check_file(const char *relative, struct wall_layout **out,
					    wall_plugin_options_fn fn)
{
	char *path = wall_test_source_path(relative);
	GError *error = NULL;
	*out = wall_layout_load(path, fn, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(*out);
	g_free(path);
	return *out;
}

static void test_example_files(void)
{
	struct wall_layout *layout;
	/* Without plugins, as wall --check would read them before loading any. */
	check_file("layouts/demo.yaml", &layout, NULL);
	g_assert_cmpint(layout->canvas_width_px, ==, 1920);
	g_assert_cmpstr(layout->start_scene->name, ==, "overview");
	g_assert_nonnull(wall_layout_find_preset(layout, 2));
	wall_layout_destroy(layout);

	/* And against the option tables the built-in plugins declare. */
	check_file("layouts/demo.yaml", &layout, lookup);
	const struct wall_layout_source *emblem = wall_layout_find_source(layout, "emblem");
	const char *png = wall_layout_source_option(emblem, "path")->value;
	g_assert_true(g_path_is_absolute(png));
	g_assert_true(g_file_test(png, G_FILE_TEST_IS_REGULAR));
	wall_layout_destroy(layout);

	check_file("layouts/maoming.yaml", &layout, NULL);
	g_assert_cmpint(layout->canvas_width_px, ==, 3840);
	g_assert_cmpint(layout->canvas_height_px, ==, 2160);
	wall_layout_destroy(layout);
	check_file("layouts/maoming.yaml", &layout, lookup);
	/* The spanning drone tile: 2x2 cells of a 4x4 grid with an 8 px gap. */
	const struct wall_layout_scene *overview = wall_layout_find_scene(layout, "overview");
	for (guint i = 0; i < overview->tiles->len; i++) {
		const struct wall_layout_tile *t = g_ptr_array_index(overview->tiles, i);
		if (strcmp(t->id, "drone") == 0) {
			assert_rect(t, 962, 542, 1916, 1076);
		}
	}
	wall_layout_destroy(layout);
}

static void test_broken_files(void)
{
	static const struct {
		const char *file;
		const char *where;
		const char *phrase;
	} cases[] = {
		{"tests/layouts/bad-indent.yaml", ":4:3: ", "mapping"},
		{"tests/layouts/bad-span.yaml", ":14:53: ", "does not fit in the 4x4 grid"},
		{"tests/layouts/missing-path.yaml", ":6:3: ", "needs option \"path\""},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = wall_test_source_path(cases[i].file);
		char *prefix = g_strconcat(path, cases[i].where, NULL);
		GError *error = NULL;
		g_assert_null(wall_layout_load(path, lookup, NULL, &error));
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_true(g_str_has_prefix(error->message, prefix));
		g_assert_nonnull(strstr(error->message, cases[i].phrase));
		g_error_free(error);
		g_free(prefix);
		g_free(path);
	}

	GError *error = NULL;
	g_assert_null(wall_layout_load("/nonexistent/wall.yaml", NULL, NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_error_free(error);
}

static void test_bad_warm(void)
{
	expect_error("wall:\n"
		     "  canvas: 1920x1080\n"
		     "  warm: lots\n",
		     "3:9", "expected an integer from 0 to 256, got \"lots\"");
	expect_error("wall: {canvas: 1920x1080, warm: -1}\n", "1:33",
		     "expected an integer from 0 to 256, got \"-1\"");
}

/* Names of the sources of the warm tiles, joined by spaces. */
static char *warm_names(const struct wall_layout *layout, const char *scene)
{
	GPtrArray *tiles = wall_layout_warm_tiles(
		layout, scene != NULL ? wall_layout_find_scene(layout, scene) : NULL);
	GString *names = g_string_new(NULL);
	for (guint i = 0; i < tiles->len; i++) {
		const struct wall_layout_tile *tile = tiles->pdata[i];
		g_string_append_printf(names, "%s%s", i > 0 ? " " : "", tile->source->name);
	}
	g_ptr_array_free(tiles, TRUE);
	return g_string_free(names, FALSE);
}

static void expect_warm(const struct wall_layout *layout, const char *scene, const char *want)
{
	char *names = warm_names(layout, scene);
	g_assert_cmpstr(names, ==, want);
	g_free(names);
}

/*
 * Other presets' sources, nearest preset first (the one above on a tie),
 * big tiles first, none twice, none the scene on screen shows, none whose
 * plugin is missing, a tour by its first stop, and no more than the limit.
 */
static void test_warm_order(void)
{
	static const char *const text =
		"wall: {canvas: 1000x1000, warm: %d}\n"
		"sources:\n"
		"  a: {plugin: pattern}\n"
		"  b: {plugin: pattern}\n"
		"  c: {plugin: pattern}\n"
		"  d: {plugin: pattern}\n"
		"  e: {plugin: pattern}\n"
		"  f: {plugin: pattern}\n"
		"  gone: {plugin: broken}\n"
		"scenes:\n"
		"  one: {tiles: [{id: t, source: a, rect: [0, 0, 10, 10]}]}\n"
		"  two:\n"
		"    tiles:\n"
		"      - {id: s, source: b, rect: [0, 0, 10, 10]}\n"
		"      - {id: l, source: c, rect: [0, 0, 500, 500]}\n"
		"      - {id: g, source: gone, rect: [0, 0, 900, 900]}\n"
		"  three: {tiles: [{id: t, source: a, rect: [0, 0, 10, 10]},\n"
		"                  {id: u, tour: [d, e], rect: [0, 0, 10, 10]}]}\n"
		"  four: {tiles: [{id: t, source: f, rect: [0, 0, 10, 10]}]}\n"
		"  loose: {tiles: [{id: t, source: b, rect: [0, 0, 10, 10]}]}\n"
		"presets: {1: one, 2: two, 3: three, 4: four}\n";
	char *all = g_strdup_printf(text, 10);
	struct wall_layout *layout = parse(all);
	g_assert_cmpint(layout->warm_max, ==, 10);
	/* From 1: two, three, four. */
	expect_warm(layout, "one", "c b d f");
	/* From 3: four and two tie, four wins; then one. */
	expect_warm(layout, "three", "f c b");
	/* From 2: three and one tie; a is in both. */
	expect_warm(layout, "two", "a d f");
	/* A scene no preset shows counts from preset 0. */
	expect_warm(layout, "loose", "a c d f");
	expect_warm(layout, NULL, "a c b d f");
	wall_layout_destroy(layout);
	g_free(all);

	char *two = g_strdup_printf(text, 2);
	layout = parse(two);
	expect_warm(layout, "one", "c b");
	wall_layout_destroy(layout);
	g_free(two);

	layout = parse("wall: {canvas: 100x100}\n"
		       "sources: {a: {plugin: pattern}, b: {plugin: pattern}}\n"
		       "scenes:\n"
		       "  one: {tiles: [{id: t, source: a, rect: [0, 0, 10, 10]}]}\n"
		       "  two: {tiles: [{id: t, source: b, rect: [0, 0, 10, 10]}]}\n"
		       "presets: {1: one, 2: two}\n");
	g_assert_cmpint(layout->warm_max, ==, 0);
	expect_warm(layout, "one", "");
	wall_layout_destroy(layout);
}


#define INSPECTION_TAIL                                                                            \
	"sources:\n"                                                                               \
	"  cam:\n"                                                                                 \
	"    plugin: pattern\n"                                                                    \
	"scenes:\n"                                                                                \
	"  main:\n"                                                                                \
	"    grid: 1x1\n"                                                                          \
	"    tiles:\n"                                                                             \
	"      - {id: t1, source: cam, cell: [0, 0]}\n"

/* wall.inspection: the scheduler's settings, their defaults, and their mistakes at FILE:LINE:COL. */
static void test_inspection(void)
{
	struct wall_layout *layout = parse("wall:\n  canvas: 1920x1080\n" INSPECTION_TAIL);
	g_assert_false(layout->inspection.enabled);
	wall_layout_destroy(layout);

	layout = parse("wall:\n"
	               "  canvas: 1920x1080\n"
	               "  inspection:\n"
	               "    every: 15m\n"
	               "    concurrency: 3\n"
	               "    alarm_offline: 5m\n"
	               "    keep: 30d\n"
	               "    thresholds: {dark_mean: 25, frozen_pictures: 8, min_width: 640, min_fps: 12.5}\n"
	               INSPECTION_TAIL);
	const struct wall_inspection_config *config = &layout->inspection;
	g_assert_true(config->enabled);
	g_assert_cmpint(config->every_ms, ==, 15 * 60 * 1000);
	g_assert_cmpint(config->concurrency, ==, 3);
	g_assert_cmpint(config->visit_ms, ==, 4000);
	g_assert_cmpint(config->alarm_offline_ms, ==, 5 * 60 * 1000);
	g_assert_cmpint(config->keep_ms, ==, 30LL * 24 * 3600 * 1000);
	g_assert_cmpfloat(config->thresholds.dark_mean, ==, 25);
	g_assert_cmpint(config->thresholds.frozen_pictures, ==, 8);
	g_assert_cmpint(config->thresholds.min_width_px, ==, 640);
	g_assert_cmpfloat(config->thresholds.min_fps, ==, 12.5);
	/* What is not set keeps the published defaults. */
	g_assert_cmpfloat(config->thresholds.bright_mean, ==, 220);
	wall_layout_destroy(layout);

	expect_error("wall:\n  canvas: 1920x1080\n  inspection: {every: soon}\n" INSPECTION_TAIL,
	             "3:23", "a duration like 30s, 10m, 1h or 90d");
	expect_error("wall:\n  canvas: 1920x1080\n  inspection: {every: 2s}\n" INSPECTION_TAIL,
	             "3:23", "too short");
	expect_error("wall:\n  canvas: 1920x1080\n  inspection: {concurrency: 0}\n" INSPECTION_TAIL,
	             "3:29", "an integer from 1 to 64");
	expect_error("wall:\n  canvas: 1920x1080\n  inspection: {evrey: 10m}\n" INSPECTION_TAIL,
	             "3:16", "evrey");
	expect_error("wall:\n  canvas: 1920x1080\n  inspection:\n    thresholds: {dark_mean: 300}\n"
	             INSPECTION_TAIL,
	             "4:29", "expected 0 to 255");
	expect_error("wall:\n  canvas: 1920x1080\n  inspection:\n    thresholds: {darkness: 3}\n"
	             INSPECTION_TAIL,
	             "4:18", "darkness");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	g_test_add_func("/layout/error/syntax", test_syntax_error);
	g_test_add_func("/layout/error/duplicate-key", test_duplicate_key);
	g_test_add_func("/layout/error/alias", test_alias_refused);
	g_test_add_func("/layout/error/unknown-top-key", test_unknown_top_key);
	g_test_add_func("/layout/error/unknown-tile-key", test_unknown_tile_key);
	g_test_add_func("/layout/error/wrong-type", test_wrong_type);
	g_test_add_func("/layout/error/bad-canvas", test_bad_canvas);
	g_test_add_func("/layout/error/missing-canvas", test_missing_canvas);
	g_test_add_func("/layout/error/missing-plugin", test_missing_plugin);
	g_test_add_func("/layout/error/missing-source", test_missing_source);
	g_test_add_func("/layout/error/duplicate-tile-id", test_duplicate_tile_id);
	g_test_add_func("/layout/error/cell-outside-grid", test_cell_outside_grid);
	g_test_add_func("/layout/error/span-outside-grid", test_span_outside_grid);
	g_test_add_func("/layout/error/cell-needs-grid", test_cell_needs_grid);
	g_test_add_func("/layout/error/rect-outside-canvas", test_rect_outside_canvas);
	g_test_add_func("/layout/error/cell-and-rect", test_cell_and_rect);
	g_test_add_func("/layout/error/bad-color", test_bad_color);
	g_test_add_func("/layout/error/unknown-option", test_unknown_option);
	g_test_add_func("/layout/error/option-out-of-range", test_option_out_of_range);
	g_test_add_func("/layout/error/bad-enum", test_bad_enum);
	g_test_add_func("/layout/error/missing-required-option", test_missing_required_option);
	g_test_add_func("/layout/error/preset-missing-scene", test_preset_missing_scene);
	g_test_add_func("/layout/error/start-missing-scene", test_start_missing_scene);
	g_test_add_func("/layout/error/no-scenes", test_no_scenes);
	g_test_add_func("/layout/error/bad-warm", test_bad_warm);
	g_test_add_func("/layout/warm-order", test_warm_order);
	g_test_add_func("/layout/grid-geometry", test_grid_geometry);
	g_test_add_func("/layout/rects", test_rects);
	g_test_add_func("/layout/z-order", test_z_order);
	g_test_add_func("/layout/labels", test_labels);
	g_test_add_func("/layout/defaults", test_defaults);
	g_test_add_func("/layout/monitors", test_monitors);
	g_test_add_func("/layout/options", test_options);
	g_test_add_func("/layout/plugin-error-kept", test_plugin_error_kept);
	g_test_add_func("/layout/dwell-durations", test_dwell_durations);
	g_test_add_func("/layout/example-files", test_example_files);
	g_test_add_func("/layout/broken-files", test_broken_files);
	g_test_add_func("/layout/inspection", test_inspection);
	return g_test_run();
}
