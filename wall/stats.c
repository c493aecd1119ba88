#include "stats.h"

#include <glib.h>

#define BUCKET_MS 0.05
#define BUCKETS 4000 /* up to 200 ms; slower frames land in the last one */
#define LATENCY_BUCKET_MS 1.0
#define LATENCY_BUCKETS 5000 /* up to 5 s */
/* Pictures drawn in one frame, at most: one per tile. */
#define PENDING_MAX 256

struct tile_counter {
	char *scene;
	char *tile_id;
	char *source;
	uint64_t shown;
};

struct wall_stats {
	uint64_t frames;
	uint64_t late;
	uint64_t histogram[BUCKETS];
	/* Capture times of the pictures drawn for the frame being made. */
	int64_t pending[PENDING_MAX];
	unsigned pending_count;
	uint64_t latency_count;
	uint64_t latency_histogram[LATENCY_BUCKETS];
	/* struct tile_counter *, in first-seen order for a stable report. */
	GPtrArray *tiles;
	GHashTable *tiles_by_key;
};

static void tile_counter_free(void *data)
{
	struct tile_counter *counter = data;
	g_free(counter->scene);
	g_free(counter->tile_id);
	g_free(counter->source);
	g_free(counter);
}

struct wall_stats *wall_stats_create(void)
{
	struct wall_stats *stats = g_new0(struct wall_stats, 1);
	stats->tiles = g_ptr_array_new_with_free_func(tile_counter_free);
	stats->tiles_by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return stats;
}

void wall_stats_destroy(struct wall_stats *stats)
{
	if (stats == NULL) {
		return;
	}
	g_hash_table_destroy(stats->tiles_by_key);
	g_ptr_array_free(stats->tiles, TRUE);
	g_free(stats);
}

void wall_stats_add_frame(struct wall_stats *stats, double render_ms, bool late)
{
	stats->frames++;
	stats->late += late ? 1 : 0;
	long bucket = render_ms > 0 ? (long)(render_ms / BUCKET_MS) : 0;
	stats->histogram[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
}

void wall_stats_add_capture(struct wall_stats *stats, int64_t capture_time_us)
{
	if (capture_time_us > 0 && stats->pending_count < PENDING_MAX) {
		stats->pending[stats->pending_count++] = capture_time_us;
	}
}

void wall_stats_presented(struct wall_stats *stats, int64_t presented_us)
{
	for (unsigned i = 0; i < stats->pending_count; i++) {
		double ms = (double)(presented_us - stats->pending[i]) / 1000.0;
		long bucket = ms > 0 ? (long)(ms / LATENCY_BUCKET_MS) : 0;
		stats->latency_histogram[bucket < LATENCY_BUCKETS ? bucket : LATENCY_BUCKETS - 1]++;
		stats->latency_count++;
	}
	stats->pending_count = 0;
}

double wall_stats_latency_ms(const struct wall_stats *stats, double q)
{
	if (stats->latency_count == 0) {
		return 0;
	}
	uint64_t rank = (uint64_t)(q * (double)(stats->latency_count - 1)) + 1;
	uint64_t seen = 0;
	for (int i = 0; i < LATENCY_BUCKETS; i++) {
		seen += stats->latency_histogram[i];
		if (seen >= rank) {
			return (i + 1) * LATENCY_BUCKET_MS;
		}
	}
	return LATENCY_BUCKETS * LATENCY_BUCKET_MS;
}

uint64_t *wall_stats_tile_counter(struct wall_stats *stats, const char *scene,
				  const char *tile_id, const char *source)
{
	char *key = g_strdup_printf("%s\x1f%s\x1f%s", scene, tile_id, source);
	struct tile_counter *counter = g_hash_table_lookup(stats->tiles_by_key, key);
	if (counter != NULL) {
		g_free(key);
		return &counter->shown;
	}
	counter = g_new0(struct tile_counter, 1);
	counter->scene = g_strdup(scene);
	counter->tile_id = g_strdup(tile_id);
	counter->source = g_strdup(source);
	g_ptr_array_add(stats->tiles, counter);
	g_hash_table_insert(stats->tiles_by_key, key, counter);
	return &counter->shown;
}

uint64_t wall_stats_frames(const struct wall_stats *stats)
{
	return stats->frames;
}

uint64_t wall_stats_late(const struct wall_stats *stats)
{
	return stats->late;
}

double wall_stats_render_ms(const struct wall_stats *stats, double q)
{
	if (stats->frames == 0) {
		return 0;
	}
	uint64_t rank = (uint64_t)(q * (double)(stats->frames - 1)) + 1;
	uint64_t seen = 0;
	for (int i = 0; i < BUCKETS; i++) {
		seen += stats->histogram[i];
		if (seen >= rank) {
			/* The bucket's upper edge: never report better than measured. */
			return (i + 1) * BUCKET_MS;
		}
	}
	return BUCKETS * BUCKET_MS;
}

void wall_stats_print(const struct wall_stats *stats, FILE *out)
{
	fprintf(out, "frames presented: %" G_GUINT64_FORMAT "\n", stats->frames);
	fprintf(out, "frames late: %" G_GUINT64_FORMAT "\n", stats->late);
	fprintf(out, "render time p50: %.2f ms\n", wall_stats_render_ms(stats, 0.50));
	fprintf(out, "render time p99: %.2f ms\n", wall_stats_render_ms(stats, 0.99));
	if (stats->latency_count > 0) {
		/* Only pictures whose source knows when they were captured. */
		fprintf(out, "glass-to-glass p50: %.0f ms\n", wall_stats_latency_ms(stats, 0.50));
		fprintf(out, "glass-to-glass p95: %.0f ms\n", wall_stats_latency_ms(stats, 0.95));
		fprintf(out, "glass-to-glass pictures: %" G_GUINT64_FORMAT "\n",
			stats->latency_count);
	}
	fprintf(out, "frames shown per tile:\n");
	for (guint i = 0; i < stats->tiles->len; i++) {
		const struct tile_counter *counter = stats->tiles->pdata[i];
		fprintf(out, "  %s/%s (%s): %" G_GUINT64_FORMAT "\n", counter->scene,
			counter->tile_id, counter->source, counter->shown);
	}
}
