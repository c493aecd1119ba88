/* wall.outputs: connectors to monitor cells or rectangles, the default
 * assignment, mode strings, and every mistake at its line and column. */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "layout.h"
#include "outputs.h"

#define SCENES "scenes:\n  s:\n    tiles: []\n"

static struct wall_layout *parse(const char *text)
{
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(layout);
	return layout;
}

static void expect_error(const char *text, const char *where, const char *phrase)
{
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_null(layout);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	char *prefix = g_strdup_printf("test.yaml:%s: ", where);
	g_assert_true(g_str_has_prefix(error->message, prefix));
	g_assert_nonnull(strstr(error->message, phrase));
	g_free(prefix);
	g_error_free(error);
}

static void assert_rect(const struct wall_rect *r, int x, int y, int w, int h)
{
	g_assert_cmpint(r->x, ==, x);
	g_assert_cmpint(r->y, ==, y);
	g_assert_cmpint(r->width, ==, w);
	g_assert_cmpint(r->height, ==, h);
}

static void test_modes(void)
{
	struct wall_mode_request mode;
	g_assert_true(wall_parse_mode("1920x1080", &mode));
	g_assert_cmpint(mode.width_px, ==, 1920);
	g_assert_cmpint(mode.height_px, ==, 1080);
	g_assert_cmpfloat(mode.refresh_hz, ==, 0.0);
	g_assert_true(wall_parse_mode("1024x768@60", &mode));
	g_assert_cmpint(mode.width_px, ==, 1024);
	g_assert_cmpfloat(mode.refresh_hz, ==, 60.0);
	g_assert_true(wall_parse_mode("3840x2160@59.94", &mode));
	g_assert_cmpfloat_with_epsilon(mode.refresh_hz, 59.94, 1e-9);
	static const char *const bad[] = {
	        "",
	        "1920",
	        "1920x",
	        "x1080",
	        "0x1080",
	        "1920x0",
	        "-1x5",
	        "1920x1080@",
	        "1920x1080@0",
	        "1920x1080@abc",
	        "1920x1080@60Hz",
	        "99999x1080",
	        "1920 x 1080",
	        "1920x1080@nan",
	        "1920x1080@-60",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		g_assert_false(wall_parse_mode(bad[i], &mode));
	}
}

/* The shapes the issue shows: a cell, a cell with a mode, a rectangle. */
static void test_mapping(void)
{
	struct wall_layout *layout =
	        parse("wall:\n"
	              "  monitors: {cols: 2, rows: 1, size: 1024x768, bezel: 40}\n"
	              "  outputs:\n"
	              "    Virtual-1: [0, 0]\n"
	              "    Virtual-2: {cell: [1, 0], mode: 1024x768@60}\n"
	              "    HDMI-A-3: {rect: [0, 0, 1920, 768]}\n" SCENES);
	g_assert_cmpint(layout->canvas_width_px, ==, 2088);
	g_assert_cmpint(layout->outputs->len, ==, 3);
	struct wall_output_plan plan;
	g_assert_true(wall_layout_output_plan(layout, "Virtual-1", 5, &plan));
	assert_rect(&plan.rect, 0, 0, 1024, 768);
	g_assert_cmpint(plan.mode.width_px, ==, 0);
	g_assert_true(wall_layout_output_plan(layout, "Virtual-2", 0, &plan));
	/* The bezel is skipped: the second monitor starts 40 px after the first ends. */
	assert_rect(&plan.rect, 1064, 0, 1024, 768);
	g_assert_cmpint(plan.mode.width_px, ==, 1024);
	g_assert_cmpint(plan.mode.height_px, ==, 768);
	g_assert_cmpfloat(plan.mode.refresh_hz, ==, 60.0);
	g_assert_true(wall_layout_output_plan(layout, "HDMI-A-3", 1, &plan));
	assert_rect(&plan.rect, 0, 0, 1920, 768);
	/* A connector the layout does not name stays dark. */
	g_assert_false(wall_layout_output_plan(layout, "DP-1", 0, &plan));
	const struct wall_layout_output *second = layout->outputs->pdata[1];
	g_assert_cmpstr(second->connector, ==, "Virtual-2");
	g_assert_cmpint(second->mark.line, ==, 5);
	g_assert_cmpint(second->mark.column, ==, 5);
	wall_layout_destroy(layout);
}

/* No outputs: connected connectors take the cells in order, row by row. */
static void test_default_assignment(void)
{
	struct wall_layout *layout =
	        parse("wall:\n"
	              "  monitors: {cols: 2, rows: 2, size: 800x600, bezel: 10}\n" SCENES);
	g_assert_cmpint(layout->outputs->len, ==, 0);
	struct wall_output_plan plan;
	g_assert_true(wall_layout_output_plan(layout, "DP-1", 0, &plan));
	assert_rect(&plan.rect, 0, 0, 800, 600);
	g_assert_cmpint(plan.mode.width_px, ==, 800);
	g_assert_true(wall_layout_output_plan(layout, "DP-2", 1, &plan));
	assert_rect(&plan.rect, 810, 0, 800, 600);
	g_assert_true(wall_layout_output_plan(layout, "HDMI-A-1", 2, &plan));
	assert_rect(&plan.rect, 0, 610, 800, 600);
	g_assert_true(wall_layout_output_plan(layout, "HDMI-A-2", 3, &plan));
	assert_rect(&plan.rect, 810, 610, 800, 600);
	/* More monitors than cells: the extra ones stay dark. */
	g_assert_false(wall_layout_output_plan(layout, "HDMI-A-3", 4, &plan));
	wall_layout_destroy(layout);

	/* A plain canvas is one monitor at its preferred mode. */
	layout = parse("wall:\n  canvas: 1280x720\n" SCENES);
	g_assert_true(wall_layout_output_plan(layout, "Virtual-1", 0, &plan));
	assert_rect(&plan.rect, 0, 0, 1280, 720);
	g_assert_cmpint(plan.mode.width_px, ==, 0);
	g_assert_false(wall_layout_output_plan(layout, "Virtual-2", 1, &plan));
	wall_layout_destroy(layout);
}

static void test_describe(void)
{
	struct wall_rect rect = {1064, 0, 1024, 768};
	char *text = wall_rect_describe(&rect);
	g_assert_cmpstr(text, ==, "[1064,0 1024x768]");
	g_free(text);
}

static void test_errors(void)
{
	const char *head = "wall:\n"
	                   "  monitors: {cols: 2, rows: 1, size: 1024x768, bezel: 40}\n"
	                   "  outputs:\n";
	struct {
		const char *outputs;
		const char *where;
		const char *phrase;
	} cases[] = {
	        {"    Virtual-1: [2, 0]\n", "4:16", "outside the 2x1 monitors"},
	        {"    Virtual-1: [0]\n", "4:16",
	         "expected a monitor cell [column, row], got a list"},
	        {"    Virtual-1: left\n", "4:16", "expected a monitor cell [column, row], {cell"},
	        {"    Virtual-1: {cell: [0, 0], mode: 1024x768@}\n", "4:37",
	         "expected a mode like 1920x1080 or 1920x1080@60, got \"1024x768@\""},
	        {"    Virtual-1: {cell: [0, 0], rect: [0, 0, 10, 10]}\n", "4:31",
	         "sets both cell and rect"},
	        {"    Virtual-1: {mode: 1024x768}\n", "4:16", "needs cell"},
	        {"    Virtual-1: {cell: [0, 0], scale: 2}\n", "4:31", "unknown key"},
	        {"    Virtual-1: {rect: [2000, 0, 100, 100]}\n", "4:23",
	         "rect lies outside the 2088x768 canvas"},
	        {"    Virtual-1: {rect: [0, 0, 0, 100]}\n", "4:23", "no area"},
	        {"    Virtual-1: [-1, 0]\n", "4:17", ""},
	        {"    [a]: [0, 0]\n", "4:5", ""},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strconcat(head, cases[i].outputs, SCENES, NULL);
		expect_error(text, cases[i].where, cases[i].phrase);
		g_free(text);
	}
	expect_error("wall:\n  canvas: 100x100\n  outputs: [Virtual-1]\n" SCENES, "3:12",
	             "a mapping of connector names");
	expect_error("wall:\n  canvas: 100x100\n  outputs:\n    Virtual-1: [1, 0]\n" SCENES, "4:16",
	             "canvas: is one monitor");
}

/* wall --list-outputs where there are no cards, or a file that is not one:
 * it says so, names the connectors the layout wants, and fails. */
static void test_list_without_cards(void)
{
	char *dir = g_dir_make_tmp("wall-dri-XXXXXX", NULL);
	g_assert_nonnull(dir);
	g_setenv("WALL_KMS_DRI_DIR", dir, TRUE);
	struct wall_layout *layout = parse("wall:\n"
	                                   "  monitors: {cols: 2, rows: 1, size: 640x480}\n"
	                                   "  outputs:\n"
	                                   "    Virtual-1: [0, 0]\n"
	                                   "    HDMI-A-2: [1, 0]\n" SCENES);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	g_assert_cmpint(wall_kms_list_outputs(layout, out), ==, 3);
	fclose(out);
	g_test_message("%s", text);
	g_assert_nonnull(strstr(text, "no display cards"));
	g_assert_nonnull(
	        strstr(text, "test.yaml:4:5: the layout names Virtual-1, which no card has"));
	g_assert_nonnull(
	        strstr(text, "test.yaml:5:5: the layout names HDMI-A-2, which no card has"));
	g_free(text);
	g_assert_false(wall_kms_available());

	char *fake = g_build_filename(dir, "card0", NULL);
	g_assert_true(g_file_set_contents(fake, "not a card", -1, NULL));
	out = open_memstream(&text, &size);
	g_assert_cmpint(wall_kms_list_outputs(NULL, out), ==, 0);
	fclose(out);
	g_test_message("%s", text);
	g_assert_nonnull(strstr(text, "card0: not a display card"));
	g_assert_false(wall_kms_available());
	g_free(text);

	g_unlink(fake);
	g_rmdir(dir);
	g_free(fake);
	g_free(dir);
	g_unsetenv("WALL_KMS_DRI_DIR");
	wall_layout_destroy(layout);
}

/* Devices for libinput: opened directly where no kms seat holds them. */
static void test_open_device_without_seat(void)
{
	struct wall_backend_options options = {.canvas_width_px = 64, .canvas_height_px = 64};
	struct wall_backend *headless = wall_headless_backend_create(&options);
	int fd = wall_kms_backend_open_device(headless, "/dev/null", O_RDWR | O_NONBLOCK);
	g_assert_cmpint(fd, >=, 0);
	g_assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	g_assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	wall_kms_backend_close_device(headless, fd);
	g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
	g_assert_cmpint(wall_kms_backend_open_device(NULL, "/nonexistent/event0", O_RDWR), ==, -1);
	wall_backend_destroy(headless);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/outputs/modes", test_modes);
	g_test_add_func("/outputs/mapping", test_mapping);
	g_test_add_func("/outputs/default-assignment", test_default_assignment);
	g_test_add_func("/outputs/describe", test_describe);
	g_test_add_func("/outputs/errors", test_errors);
	g_test_add_func("/outputs/list-without-cards", test_list_without_cards);
	g_test_add_func("/outputs/open-device-without-seat", test_open_device_without_seat);
	return g_test_run();
}
