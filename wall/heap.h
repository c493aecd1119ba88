/*
 * The C heap as glibc's allocator sees it, for STATUS and the soak run;
 * and how many arenas it keeps.
 *
 * A wall that reconnects cameras all day starts and ends decoder and
 * streaming threads all day. glibc gives threads arenas of their own (up
 * to eight per core), and a pipeline's memory, freed when it ends, stays
 * in its arena as free chunks between live ones: the heap in use stays
 * flat, but resident memory creeps up, arena by arena. Fewer arenas
 * (wall_heap_limit_arenas()) keep the holes few, so the next pipeline
 * reuses them; the stream path gives what is left back after each
 * teardown (malloc_trim, in plugins/stream/stream.c).
 */
#ifndef WALL_HEAP_H
#define WALL_HEAP_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#define WALL_HEAP_ARENAS_PER_CORE 1
#define WALL_HEAP_MIN_ARENAS 4

struct wall_heap_figures {
	/** Bytes handed out and not yet freed, in every arena and mapping. */
	uint64_t in_use_bytes;
	/**
	 * Bytes the arenas hold free, resident or not: after a trim their
	 * pages are gone from resident memory, but still counted here.
	 */
	uint64_t free_bytes;
	/** Bytes in chunks mapped on their own (large allocations). */
	uint64_t mapped_bytes;
};

/**
 * Any thread. False where the C library cannot say: not glibc, or another
 * allocator in its place (AddressSanitizer's).
 */
bool wall_heap_figures(struct wall_heap_figures *figures);
/** Add "heap": {"in_use_kb", "free_kb", "mapped_kb"} to out; nothing where unknown. */
void wall_heap_describe(JsonBuilder *out);
/**
 * At most WALL_HEAP_ARENAS_PER_CORE arenas per core, and at least
 * WALL_HEAP_MIN_ARENAS, instead of glibc's eight per core. Call it first
 * in main(), before any thread starts. MALLOC_ARENA_MAX or GLIBC_TUNABLES
 * in the environment win.
 */
void wall_heap_limit_arenas(void);

#endif
