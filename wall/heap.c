#include "heap.h"

#include "config.h"
#include "json_write.h"

#if HAVE_MALLINFO2 || HAVE_MALLOPT_ARENA_MAX
#include <malloc.h>
#endif

bool wall_heap_figures(struct wall_heap_figures *figures)
{
#if HAVE_MALLINFO2
	struct mallinfo2 info = mallinfo2();
	figures->in_use_bytes = info.uordblks + info.hblkhd;
	figures->free_bytes = info.fordblks;
	figures->mapped_bytes = info.hblkhd;
	/* All zero where another allocator stands in (a sanitizer's, a preloaded one). */
	return figures->in_use_bytes != 0;
#else
	*figures = (struct wall_heap_figures){0};
	return false;
#endif
}

void wall_heap_describe(JsonBuilder *out)
{
	struct wall_heap_figures figures;
	if (!wall_heap_figures(&figures)) {
		return;
	}
	json_builder_set_member_name(out, "heap");
	json_builder_begin_object(out);
	wall_json_set_int(out, "in_use_kb", (int64_t)(figures.in_use_bytes / 1024));
	wall_json_set_int(out, "free_kb", (int64_t)(figures.free_bytes / 1024));
	wall_json_set_int(out, "mapped_kb", (int64_t)(figures.mapped_bytes / 1024));
	json_builder_end_object(out);
}

void wall_heap_limit_arenas(void)
{
#if HAVE_MALLOPT_ARENA_MAX
	if (g_getenv("MALLOC_ARENA_MAX") != NULL || g_getenv("GLIBC_TUNABLES") != NULL) {
		return;
	}
	/*
	 * Measured with tests/bench/soak (16 flapping cameras, 2 cores): with
	 * glibc's 16 arenas the arenas' free bytes grew from 24 to 50 MB in 20
	 * minutes, and resident memory with them; with 4 they started at 9 MB.
	 */
	guint arenas = MAX(WALL_HEAP_MIN_ARENAS, WALL_HEAP_ARENAS_PER_CORE * g_get_num_processors());
	mallopt(M_ARENA_MAX, (int)arenas);
#endif
}
