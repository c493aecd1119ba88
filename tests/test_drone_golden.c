/*
 * Golden images of drone tiles: the HUD and the mini-map at two tile
 * sizes (one 960x540 tile; four 480x270 ones showing fresh, stale,
 * return-to-home and missing telemetry), drawn by the wall binary with
 * both renderers against one reference each. The layouts read recorded
 * OSD messages and fix the HUD's clock; TZ is fixed here, so times of
 * day read the same on every machine.
 *
 * Tolerance as the other golden tests: 10 per channel against the
 * reference pixel or its neighbours, on all but 0.1 % of pixels.
 */
#include <glib.h>

#include "support.h"

#define TOLERANCE 10
#define MAX_BAD_FRACTION 0.001

struct golden_run {
	const char *size;
	const char *renderer;
};

static void test_golden(const void *data)
{
	const struct golden_run *run = data;
	char *relative = g_strdup_printf("tests/layouts/golden-drone-%s.yaml", run->size);
	char *layout = wall_test_source_path(relative);
	char *reference = g_strdup_printf("golden-drone-%s", run->size);
	char *name = g_strdup_printf("%s-%s", reference, run->renderer);
	char *shot = wall_test_temp_path(name);
	const char *args[] = {"--backend", "headless", "--renderer", run->renderer, "--fps", "10",
			      "--frames", "20", "--screenshot", shot, layout, NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	/* The reference is written from soft; gl is checked against it. */
	if (g_strcmp0(run->renderer, "soft") != 0 &&
	    g_strcmp0(g_getenv("WALL_UPDATE_REFERENCE"), "1") == 0) {
		g_test_skip("updating references from soft only");
	} else {
		g_assert_true(wall_test_compare_reference(picture, reference, TOLERANCE,
							  MAX_BAD_FRACTION));
	}
	cairo_surface_destroy(picture);
	g_free(shot);
	g_free(name);
	g_free(reference);
	g_free(layout);
	g_free(relative);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* China Standard Time, spelled so that it needs no zone database. */
	g_setenv("TZ", "CST-8", TRUE);
	static const char *const sizes[] = {"large", "small"};
	static const char *const renderers[] = {"soft", "gl"};
	static struct golden_run runs[G_N_ELEMENTS(sizes) * G_N_ELEMENTS(renderers)];
	int n = 0;
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		for (size_t r = 0; r < G_N_ELEMENTS(renderers); r++, n++) {
			runs[n] = (struct golden_run){sizes[s], renderers[r]};
			char *path = g_strdup_printf("/drone-golden/%s/%s", sizes[s], renderers[r]);
			g_test_add_data_func(path, &runs[n], test_golden);
			g_free(path);
		}
	}
	return g_test_run();
}
