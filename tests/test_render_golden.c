/*
 * Golden images: the wall binary draws a layout headless, once with each
 * renderer, and both pictures must match one reference in
 * tests/reference/ within a stated tolerance. One reference for both is
 * the proof that gl and soft draw the same wall.
 *
 * Tolerance: 10 per channel, against the reference pixel or one of its
 * neighbours, on all but 0.1 % of pixels. YUV conversion differs by up to
 * 2; gl and libyuv place the samples of scaled pictures, and of chroma,
 * up to a pixel apart, which moves sharp edges by a pixel.
 */
#include <glib.h>

#include "support.h"

#define TOLERANCE 10
#define MAX_BAD_FRACTION 0.001

struct golden_case {
	const char *layout;
	const char *reference;
	const char *frames;
};

static const struct golden_case cases[] = {
	{"tests/layouts/golden-tiles.yaml", "golden-tiles", "3"},
	{"tests/layouts/golden-slates.yaml", "golden-slates", "3"},
};

static void render_and_compare(const struct golden_case *golden, const char *renderer)
{
	char *layout = wall_test_source_path(golden->layout);
	char *name = g_strdup_printf("%s-%s", golden->reference, renderer);
	char *shot = wall_test_temp_path(name);
	const char *args[] = {"--backend", "headless", "--renderer", renderer, "--frames",
			      golden->frames, "--plugin-path", WALL_TEST_PLUGIN_DIR,
			      "--screenshot", shot, layout, NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	/* The reference is written from soft; gl is checked against it. */
	if (g_strcmp0(renderer, "soft") != 0 && g_strcmp0(g_getenv("WALL_UPDATE_REFERENCE"), "1") == 0) {
		g_test_skip("updating references from soft only");
	} else {
		g_assert_true(wall_test_compare_reference(picture, golden->reference, TOLERANCE,
							  MAX_BAD_FRACTION));
	}
	cairo_surface_destroy(picture);
	g_free(shot);
	g_free(name);
	g_free(layout);
}

struct golden_run {
	const struct golden_case *golden;
	const char *renderer;
};

static void test_golden(const void *data)
{
	const struct golden_run *run = data;
	render_and_compare(run->golden, run->renderer);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	static const char *const renderers[] = {"soft", "gl"};
	static struct golden_run runs[G_N_ELEMENTS(cases) * G_N_ELEMENTS(renderers)];
	int n = 0;
	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		for (size_t r = 0; r < G_N_ELEMENTS(renderers); r++, n++) {
			runs[n] = (struct golden_run){&cases[c], renderers[r]};
			char *path = g_strdup_printf("/golden/%s/%s", cases[c].reference,
						     renderers[r]);
			g_test_add_data_func(path, &runs[n], test_golden);
			g_free(path);
		}
	}
	return g_test_run();
}
