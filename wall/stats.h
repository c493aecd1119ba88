/*
 * Counters for --stats: frames presented and late, render time
 * percentiles, frames shown per tile. Render thread only. Memory stays
 * bounded however long the wall runs: times go into a histogram.
 */
#ifndef WALL_STATS_H
#define WALL_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wall_stats;

struct wall_stats *wall_stats_create(void);
void wall_stats_destroy(struct wall_stats *stats);

/** One presented frame: how long composing took, and whether it missed its slot. */
void wall_stats_add_frame(struct wall_stats *stats, double render_ms, bool late);

/**
 * A new picture was drawn this frame, captured at capture_time_us (the
 * wall's monotonic clock; 0 when its source does not know, and then it is
 * not counted). Its glass-to-glass latency is taken at the next present.
 */
void wall_stats_add_capture(struct wall_stats *stats, int64_t capture_time_us);

/** The frame is on screen: the pictures drawn for it count from capture to now. */
void wall_stats_presented(struct wall_stats *stats, int64_t presented_us);

/** Glass-to-glass latency at quantile q (0..1), in ms; 0 with no samples. */
double wall_stats_latency_ms(const struct wall_stats *stats, double q);

/**
 * The counter of new frames shown by one tile of one scene, created at 0.
 * The pointer stays valid for the life of stats.
 */
uint64_t *wall_stats_tile_counter(struct wall_stats *stats, const char *scene,
				  const char *tile_id, const char *source);

uint64_t wall_stats_frames(const struct wall_stats *stats);
uint64_t wall_stats_late(const struct wall_stats *stats);
/** Render time at quantile q (0..1), in ms, to the histogram's 0.05 ms. */
double wall_stats_render_ms(const struct wall_stats *stats, double q);

void wall_stats_print(const struct wall_stats *stats, FILE *out);

#endif
