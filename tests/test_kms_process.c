/*
 * The wall binary on a machine with no display card (WALL_KMS_DRI_DIR
 * points at an empty folder): --backend kms and --list-outputs say so and
 * fail cleanly, and layout mistakes in outputs point at their line.
 * The kms backend itself is tested in a VM (tests/vm).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "support.h"

static char *write_layout(const char *name, const char *text)
{
	char *path = wall_test_temp_path(name);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static const char *const good_layout = "wall:\n"
                                       "  monitors: {cols: 2, rows: 1, size: 640x480, bezel: 20}\n"
                                       "  outputs:\n"
                                       "    Virtual-1: [0, 0]\n"
                                       "    Virtual-2: {cell: [1, 0], mode: 640x480@60}\n"
                                       "sources:\n"
                                       "  grey: {plugin: color}\n"
                                       "scenes:\n"
                                       "  s:\n"
                                       "    tiles:\n"
                                       "      - {id: a, source: grey, rect: [0, 0, 1300, 480]}\n";

static void test_no_cards(void)
{
	char *dri = wall_test_temp_path("dri");
	g_assert_cmpint(g_mkdir(dri, 0755), ==, 0);
	g_setenv("WALL_KMS_DRI_DIR", dri, TRUE);
	char *layout = write_layout("outputs.yaml", good_layout);

	char *out = NULL;
	char *err = NULL;
	const char *list[] = {"--list-outputs", layout, NULL};
	g_assert_cmpint(wall_test_run_wall(list, &out, &err), ==, 3);
	g_assert_nonnull(strstr(out, "no display cards"));
	g_assert_nonnull(
	        strstr(out, "outputs.yaml:4:5: the layout names Virtual-1, which no card has"));
	g_free(out);
	g_free(err);

	const char *run[] = {"--backend", "kms", "--no-control", "--frames", "1", layout, NULL};
	g_assert_cmpint(wall_test_run_wall(run, &out, &err), ==, 3);
	g_assert_nonnull(strstr(err, "kms: no display card to open"));
	g_free(out);
	g_free(err);

	const char *bad_backend[] = {"--backend", "drm", layout, NULL};
	g_assert_cmpint(wall_test_run_wall(bad_backend, &out, &err), ==, 2);
	g_assert_nonnull(strstr(err, "--backend must be sdl, kms or headless"));
	g_free(out);
	g_free(err);

	g_unsetenv("WALL_KMS_DRI_DIR");
	g_rmdir(dri);
	g_free(layout);
	g_free(dri);
}

static void test_bad_outputs(void)
{
	char *layout = write_layout("bad-outputs.yaml",
	                            "wall:\n"
	                            "  monitors: {cols: 2, rows: 1, size: 640x480}\n"
	                            "  outputs:\n"
	                            "    Virtual-1: {cell: [0, 0], mode: 640x480@fast}\n"
	                            "scenes:\n"
	                            "  s:\n"
	                            "    tiles: []\n");
	char *out = NULL;
	char *err = NULL;
	const char *check[] = {"--check", layout, NULL};
	g_assert_cmpint(wall_test_run_wall(check, &out, &err), ==, 1);
	g_assert_nonnull(strstr(err, "bad-outputs.yaml:4:37: expected a mode like 1920x1080 or "
	                             "1920x1080@60, got \"640x480@fast\""));
	g_free(out);
	g_free(err);
	const char *list[] = {"--list-outputs", layout, NULL};
	g_assert_cmpint(wall_test_run_wall(list, &out, &err), ==, 1);
	g_assert_nonnull(strstr(err, "bad-outputs.yaml:4:37:"));
	g_free(out);
	g_free(err);
	g_free(layout);
}

/*
 * sdl with mapped outputs opens one window per mapped display, each its
 * crop, blitted 1:1. SDL's offscreen driver (the tests' own) has one display, "0".
 */
static void test_sdl_outputs(void)
{
	char *mapped = write_layout("sdl-outputs.yaml", "wall:\n"
	                                                "  canvas: 2000x600\n"
	                                                "  outputs:\n"
	                                                "    \"0\": {rect: [700, 0, 640, 480]}\n"
	                                                "sources:\n"
	                                                "  grey: {plugin: color}\n"
	                                                "scenes:\n"
	                                                "  s:\n"
	                                                "    tiles:\n"
	                                                "      - {id: a, source: grey, rect: "
	                                                "[0, 0, 2000, 600]}\n");
	char *out = NULL;
	char *err = NULL;
	/* gl: SDL's offscreen driver loads EGL either way, whose allocations
	 * leak checks cannot attribute (see tests/support.c), and gl goes
	 * through the blit of one crop per window. */
	const char *run[] = {"--backend",    "sdl",      "--renderer", "gl",   "--fullscreen",
	                     "--no-control", "--frames", "3",          mapped, NULL};
	g_assert_cmpint(wall_test_run_wall(run, &out, &err), ==, 0);
	g_assert_nonnull(strstr(err, "sdl: display 0 (0) "));
	g_assert_nonnull(strstr(err, " showing [700,0 640x480]"));
	g_assert_nonnull(strstr(err, "renderer gl on sdl"));
	g_free(out);
	g_free(err);

	char *unmapped = write_layout("sdl-unmapped.yaml", "wall:\n"
	                                                   "  canvas: 2000x600\n"
	                                                   "  outputs:\n"
	                                                   "    HDMI-1: [0, 0]\n"
	                                                   "scenes:\n"
	                                                   "  s:\n"
	                                                   "    tiles: []\n");
	run[8] = unmapped;
	g_assert_cmpint(wall_test_run_wall(run, &out, &err), ==, 3);
	g_assert_nonnull(strstr(err, "the layout maps none of the 1 displays"));
	g_free(out);
	g_free(err);
	g_free(mapped);
	g_free(unmapped);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kms-process/no-cards", test_no_cards);
	g_test_add_func("/kms-process/bad-outputs", test_bad_outputs);
	g_test_add_func("/kms-process/sdl-outputs", test_sdl_outputs);
	return g_test_run();
}
