/*
 * The wall's own camera figures, which the command center checks every
 * day: how many cameras are online now, and the online rate by point
 * (now) and by time (since the wall started).
 *
 * A camera is a source that publishes "<source>.online" (1 while it shows
 * a live picture, else 0) and "<source>.online_s" (seconds live), as the
 * camera and drone plugins do. The figures are published as metrics:
 * health.cameras_total, health.cameras_online, health.online_rate and
 * health.online_rate_by_time, rates in percent, for panels (wall:NAME).
 * With no cameras the two rates are not published at all.
 */
#ifndef WALL_HEALTH_H
#define WALL_HEALTH_H

#include <stdint.h>
#include <stdio.h>

struct wall_health_figures {
	int cameras_total;
	int cameras_online;
	/** Percent of cameras online now; 0 with no cameras. */
	double online_rate;
	/** Percent of camera-seconds online since start; 0 with no cameras. */
	double online_rate_by_time;
};

/**
 * Recompute the figures from the published metrics and publish them.
 * uptime_s is how long the wall has run. Any thread; cheap (no I/O).
 */
void wall_health_update(double uptime_s, struct wall_health_figures *figures);

/** Print the figures for --stats. */
void wall_health_print(const struct wall_health_figures *figures, FILE *out);

#endif
