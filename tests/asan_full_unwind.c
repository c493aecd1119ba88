/*
 * Linked into the tests that run GStreamer. Under ASan, allocation stacks
 * are walked fully rather than by frame pointers, which GLib is built
 * without: only a full stack reaches the load-time constructor that
 * tests/lsan.supp names, for the quark block GLib drops on purpose once
 * GStreamer has registered enough quarks, and the library frames of what
 * encoders keep for the life of the process. Read only by sanitized builds.
 */
#include "support.h"

#include <glib.h>

const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
	return WALL_TEST_FULL_UNWIND;
}

void wall_test_full_unwind_children(void)
{
	const char *asan = g_getenv("ASAN_OPTIONS");
	char *options = asan != NULL && *asan != '\0'
	                        ? g_strconcat(asan, ":" WALL_TEST_FULL_UNWIND, NULL)
	                        : g_strdup(WALL_TEST_FULL_UNWIND);
	g_setenv("ASAN_OPTIONS", options, TRUE);
	g_free(options);
}
