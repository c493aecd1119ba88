/*
 * Golden images of the panel plugin: every kind of panel, with Chinese
 * labels, at two tile sizes, drawn by the wall binary headless with both
 * renderers and compared with one reference each.
 *
 * WALL_PANEL_TIME fixes the panels' clock, so the clock, "as of" and the
 * ticker (which stands still) come out the same on every run. The wall
 * runs for two seconds of frames, so every panel's thread has long pushed
 * its picture before the screenshot, even under a sanitizer.
 *
 * Panels draw at exactly their tile's size, so neither renderer scales
 * them: the tolerance is the one the other golden images use.
 */
#include <glib.h>

#include "support.h"

static const char *const sizes[] = {"large", "small"};
static const char *const renderers[] = {"soft", "gl"};

struct golden_run {
	const char *size;
	const char *renderer;
};

static void test_golden(const void *data)
{
	const struct golden_run *run = data;
	char *layout = g_strdup_printf("tests/layouts/golden-panels-%s.yaml", run->size);
	char *reference = g_strdup_printf("golden-panels-%s", run->size);
	wall_test_golden(layout, reference, run->renderer, "20");
	g_free(reference);
	g_free(layout);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* The wall inherits it; a Wednesday morning in Maoming. */
	g_setenv("WALL_PANEL_TIME", "2025-06-18T09:30:00+08:00", TRUE);
	static struct golden_run runs[G_N_ELEMENTS(sizes) * G_N_ELEMENTS(renderers)];
	int n = 0;
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		for (size_t r = 0; r < G_N_ELEMENTS(renderers); r++, n++) {
			runs[n] = (struct golden_run){sizes[s], renderers[r]};
			char *path = g_strdup_printf("/panel/golden/%s/%s", sizes[s], renderers[r]);
			g_test_add_data_func(path, &runs[n], test_golden);
			g_free(path);
		}
	}
	return g_test_run();
}
